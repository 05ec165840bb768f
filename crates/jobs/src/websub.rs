//! WebSub publishing (issue 18, optional, off by default): when `MASTHEAD_WEBSUB_HUB` names a
//! hub, the feeds carry `<link rel="hub">` and every [`PingWebSub`] job (queued with each
//! newsroom change readers' feeds show, `masthead_store::websub`) posts `hub.mode=publish` for
//! the site's RSS and Atom feeds and the article's section's to the hub. The job is queued in
//! the change's transaction and runs at once on the node's worker, so the hub hears of a
//! publication within a second or two; a hub that fails is tried again with the queue's
//! back-off (five attempts), then the job is dead and logged.
//!
//! The hub's URL is the operator's, never a reader's; the client follows no redirects and
//! gives the hub 5 seconds.

use std::time::Duration;

use masthead_store::{
    jobs::{JobError, RunJob},
    websub::PingWebSub,
};

use crate::JobEnv;

/// How long the hub has to answer.
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// The hub and the client that reaches it.
#[derive(Clone, Default)]
pub struct WebSubEnv {
    pub hub: Option<String>,
    client: Option<reqwest::Client>,
}

impl WebSubEnv {
    pub fn new(hub: Option<String>) -> anyhow::Result<Self> {
        let client = match &hub {
            Some(_) => Some(crate::http::outbound_client(TIMEOUT)?),
            None => None,
        };
        Ok(Self { hub, client })
    }
}

/// The feed URLs a ping names: the site's, and the section's when there is one.
pub fn topics(public_url: &str, section: Option<&str>) -> Vec<String> {
    let mut out = vec![
        format!("{public_url}/feed.xml"),
        format!("{public_url}/feed.atom"),
    ];
    if let Some(s) = section.filter(|s| !s.is_empty()) {
        out.push(format!("{public_url}/{s}/feed.xml"));
        out.push(format!("{public_url}/{s}/feed.atom"));
    }
    out
}

impl RunJob<JobEnv> for PingWebSub {
    async fn run(&self, env: &JobEnv) -> Result<(), JobError> {
        let (Some(hub), Some(client)) = (&env.websub.hub, &env.websub.client) else {
            return Ok(());
        };
        for topic in topics(&env.site.public_url, self.section.as_deref()) {
            let res = client
                .post(hub)
                .form(&[("hub.mode", "publish"), ("hub.url", topic.as_str())])
                .send()
                .await
                .map_err(|e| {
                    JobError::msg(format!("WebSub hub unreachable: {}", e.without_url()))
                })?;
            let status = res.status();
            if !status.is_success() {
                return Err(JobError::msg(format!(
                    "the WebSub hub answered {status} for {topic}"
                )));
            }
            metrics::counter!("masthead_websub_pings_total").increment(1);
        }
        tracing::info!(hub, section = ?self.section, "WebSub hub pinged");
        Ok(())
    }
}
