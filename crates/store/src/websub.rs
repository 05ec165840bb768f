//! WebSub (issue 18, optional, off by default): the job that tells a hub the site's feeds
//! changed, so that feed readers subscribed through it fetch them at once.
//!
//! [`enqueue_ping`] is called in the transaction of every newsroom change readers' feeds show:
//! a publication (now or at its scheduled time), an edit of a published article, an
//! unpublication, a correction. The key is the second and the section, so a burst of saves
//! pings once per feed topic. Imports do not ping (a bulk load is not news; the next
//! publication pings). The job (run in `masthead-jobs`, `websub.rs`) does nothing when no hub
//! is configured, so the queue holds at most one such row per second of newsroom work.

use crate::{Result, Tx, jobs};

/// Ping the hub for the site's feeds and, when set, one section's.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct PingWebSub {
    /// When the change was made (ms).
    pub at: i64,
    /// The changed article's section (its feed is pinged too).
    #[serde(default)]
    pub section: Option<String>,
}

impl jobs::Job for PingWebSub {
    const KIND: &'static str = "ping_websub";
    const MAX_ATTEMPTS: i64 = 5;

    fn key(&self) -> Option<String> {
        Some(format!(
            "websub:{}:{}",
            self.at / 1000,
            self.section.as_deref().unwrap_or("")
        ))
    }
}

/// Enqueues [`PingWebSub`] for `article_id`'s section, in the caller's transaction.
pub async fn enqueue_ping(tx: &mut Tx, article_id: &str, at: i64) -> Result<()> {
    let section: Option<String> = sqlx::query_scalar(
        "SELECT s.slug FROM articles a JOIN sections s ON s.id = a.section_id WHERE a.id = $1",
    )
    .bind(article_id)
    .fetch_optional(&mut **tx)
    .await?;
    jobs::enqueue(tx, &jobs::NewJob::of(&PingWebSub { at, section })).await?;
    Ok(())
}
