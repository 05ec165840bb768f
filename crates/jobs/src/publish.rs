//! Publishing a scheduled article at its time. Running twice publishes once:
//! `publish_scheduled` changes nothing unless the article is still scheduled for a time that has
//! come (it was not unscheduled, rescheduled later or deleted meanwhile).

use masthead_store::{
    content::PublishArticle,
    jobs::{JobError, RunJob},
    now_ms,
};

use crate::JobEnv;

impl RunJob<JobEnv> for PublishArticle {
    async fn run(&self, env: &JobEnv) -> Result<(), JobError> {
        let published = env
            .store
            .publish_scheduled(&self.article_id, now_ms())
            .await?;
        tracing::info!(article_id = %self.article_id, published, "scheduled publication");
        Ok(())
    }
}
