//! Web Push storage: browsers' subscriptions and their topics, alerts (one send of a story to
//! a topic) and the bookkeeping of their fan-out, receipts from service workers.
//!
//! Decisions:
//! - A subscription is keyed by its endpoint (the browser's capability URL). Subscribing again
//!   from the same browser updates its keys and topics (and answers 200, not 201). It belongs
//!   to the reader signed in when it was last registered, or to nobody: a reader's
//!   subscriptions are in their data export and are deleted with their account
//!   ([`PushErasure`]).
//! - A send is durable work in three steps, all through the job queue: creating the alert
//!   enqueues [`SplitPushAlert`] in the same transaction; the split walks the topic's
//!   subscribers in id order and enqueues one [`DeliverPushChunk`] per [`CHUNK`] of them
//!   (resumable from `split_cursor`, written in the transaction that enqueues the chunks); any
//!   node's worker takes chunks. A chunk's outcome (counts, subscriptions to delete, a retry of
//!   its 429/5xx part) is written in one transaction with a `push_chunks_done` row, so a chunk
//!   run again after a crash counts nothing twice; it resends at most its own subscribers.
//! - A story is sent once per topic: a second send needs `resend` (the editor confirms it);
//!   the unique index on (article, topic, round) settles two editors pressing at once.
//! - Subscriptions unused (no delivery, no new registration) for the configured time are
//!   pruned ([`Store::prune_push_subscriptions`]); refused deliveries (4xx other than
//!   404/410/413) are counted and the subscription goes after [`MAX_REFUSALS`].

use masthead_core::new_id;
use serde::{Deserialize, Serialize};
use sqlx::{AssertSqlSafe, Row};

mod fanout;

use crate::{
    Result, Store, StoreError, Tx,
    erasure::ReaderErasure,
    group::WriteFuture,
    jobs::{self, Job, NewJob},
    now_ms,
};

/// Subscribers per chunk job.
pub const CHUNK: i64 = 500;
/// Chunks enqueued per split transaction (SQLite's single writer is never held long).
pub const CHUNKS_PER_STEP: usize = 20;
/// Refusals (4xx other than 404/410/413) in a row after which a subscription is dropped.
pub const MAX_REFUSALS: i64 = 3;
/// Receipts kept per alert and kind for the delivery-time percentiles.
pub const RECEIPT_SAMPLE: i64 = 10_000;
/// Receipts are taken for this long after an alert.
pub const RECEIPT_WINDOW_MS: i64 = 7 * 86_400_000;

/// A subscription to store (validated by `masthead-push` before it gets here).
#[derive(Debug, Clone)]
pub struct NewSubscription<'a> {
    pub endpoint: &'a str,
    pub p256dh: &'a str,
    pub auth: &'a str,
    pub topics: &'a [String],
    pub reader_id: Option<&'a str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subscribed {
    Created,
    Updated,
}

/// A subscriber a chunk delivers to.
#[derive(Debug, Clone)]
pub struct PushTarget {
    pub id: String,
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
}

/// A reader's subscription, as their data export shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ReaderSubscription {
    pub push_service: String,
    pub topics: Vec<String>,
    pub created_at: i64,
    pub last_used_at: i64,
}

/// One send of a story to a topic, with its progress.
#[derive(Debug, Clone)]
pub struct AlertRow {
    pub id: String,
    pub article_id: String,
    pub headline: String,
    pub topic: String,
    pub round: i64,
    pub payload: String,
    pub sent_by: String,
    pub created_at: i64,
    pub audience: i64,
    pub split_done: bool,
    pub chunks: i64,
    pub open_jobs: i64,
    pub sent: i64,
    pub expired: i64,
    pub failed: i64,
    pub retried: i64,
    pub received: i64,
    pub clicked: i64,
    pub first_sent_at: Option<i64>,
    pub finished_at: Option<i64>,
}

/// An alert to create.
#[derive(Debug, Clone)]
pub struct NewAlert<'a> {
    pub article_id: &'a str,
    pub topic: &'a str,
    /// The notification's JSON, as every subscriber gets it (without `alert` and `sent_at`,
    /// which the chunks add).
    pub payload: &'a str,
    pub sent_by: &'a str,
    /// Send again although the story went to this topic before.
    pub resend: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlertCreated {
    Created {
        id: String,
        audience: i64,
    },
    /// The story was sent to this topic before (at that time); confirm a resend.
    AlreadySent {
        at: i64,
    },
}

/// The job that splits an alert into chunks.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SplitPushAlert {
    pub alert_id: String,
    /// Each step enqueues [`CHUNKS_PER_STEP`] chunks and the next step, so that chunks start
    /// while a large audience is still being split.
    #[serde(default)]
    pub step: i64,
}

impl Job for SplitPushAlert {
    const KIND: &'static str = "split_push_alert";

    fn key(&self) -> Option<String> {
        Some(format!("push-split:{}:{}", self.alert_id, self.step))
    }
}

/// The job that delivers to one chunk of an alert's subscribers: the topic's subscribers with
/// ids in (`after`, `upto`], or (a retry) the subscribers `ids`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeliverPushChunk {
    pub alert_id: String,
    pub topic: String,
    pub after: String,
    pub upto: String,
    /// 0 for the chunk itself, 1… for retries of its 429/5xx part.
    #[serde(default)]
    pub attempt: i64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ids: Vec<String>,
    /// A retry is due then (ms), as the push service's `Retry-After` or the backoff said.
    #[serde(default)]
    pub not_before: i64,
}

impl DeliverPushChunk {
    /// Names the chunk (and attempt) in `push_chunks_done`.
    pub fn chunk_name(&self) -> String {
        format!("{}#{}", self.upto, self.attempt)
    }
}

impl Job for DeliverPushChunk {
    const KIND: &'static str = "deliver_push_chunk";

    fn key(&self) -> Option<String> {
        Some(format!(
            "push-chunk:{}:{}:{}",
            self.alert_id, self.upto, self.attempt
        ))
    }

    fn run_at(&self) -> Option<i64> {
        (self.not_before > 0).then_some(self.not_before)
    }
}

/// What a chunk's deliveries came to.
#[derive(Debug, Clone, Default)]
pub struct ChunkOutcome {
    /// Delivered (201).
    pub sent: Vec<String>,
    /// 404/410 (or keys that cannot be read): deleted.
    pub gone: Vec<String>,
    /// Other 4xx: counted against the subscription.
    pub refused: Vec<String>,
    /// Given up on (413, damaged keys, retries exhausted), besides the refused ones.
    pub failed: i64,
    /// The follow-up for the 429/5xx part, if any.
    pub retry: Option<DeliverPushChunk>,
}

/// `$from, $from+1, …` for `n` values.
fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn execute_for_ids(
    tx: &mut Tx,
    sql_with_in: &str,
    first: Option<i64>,
    ids: &[String],
) -> Result<u64> {
    let mut total = 0;
    for part in ids.chunks(CHUNK as usize) {
        let offset = if first.is_some() { 2 } else { 1 };
        let sql = sql_with_in.replace("{IN}", &placeholders(offset, part.len()));
        let mut q = sqlx::query(AssertSqlSafe(sql));
        if let Some(v) = first {
            q = q.bind(v);
        }
        for id in part {
            q = q.bind(id);
        }
        total += q.execute(&mut **tx).await?.rows_affected();
    }
    Ok(total)
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|d| d.is_unique_violation())
}

const ALERT_COLUMNS: &str = "p.id, p.article_id, a.headline, p.topic, p.round, p.payload, p.sent_by, p.created_at, \
     p.audience, p.split_done, p.chunks, p.open_jobs, p.sent, p.expired, p.failed, p.retried, p.received, \
     p.clicked, p.first_sent_at, p.finished_at";

fn alert_row(r: &sqlx::any::AnyRow) -> Result<AlertRow> {
    Ok(AlertRow {
        id: r.try_get("id")?,
        article_id: r.try_get("article_id")?,
        headline: r.try_get("headline")?,
        topic: r.try_get("topic")?,
        round: r.try_get("round")?,
        payload: r.try_get("payload")?,
        sent_by: r.try_get("sent_by")?,
        created_at: r.try_get("created_at")?,
        audience: r.try_get("audience")?,
        split_done: r.try_get::<i64, _>("split_done")? != 0,
        chunks: r.try_get("chunks")?,
        open_jobs: r.try_get("open_jobs")?,
        sent: r.try_get("sent")?,
        expired: r.try_get("expired")?,
        failed: r.try_get("failed")?,
        retried: r.try_get("retried")?,
        received: r.try_get("received")?,
        clicked: r.try_get("clicked")?,
        first_sent_at: r.try_get("first_sent_at")?,
        finished_at: r.try_get("finished_at")?,
    })
}

impl Store {
    /// Saves a subscription (new, or the same endpoint again with new keys and topics).
    pub async fn save_push_subscription(&self, s: &NewSubscription<'_>) -> Result<Subscribed> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        let created: Option<String> = sqlx::query_scalar(
            "INSERT INTO push_subscriptions (id, endpoint, p256dh, auth, reader_id, failures, created_at, last_used_at) \
             VALUES ($1, $2, $3, $4, $5, 0, $6, $6) ON CONFLICT (endpoint) DO NOTHING RETURNING id",
        )
        .bind(new_id())
        .bind(s.endpoint)
        .bind(s.p256dh)
        .bind(s.auth)
        .bind(s.reader_id)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let (id, outcome) = match created {
            Some(id) => (id, Subscribed::Created),
            None => {
                let id: String = sqlx::query_scalar(
                    "UPDATE push_subscriptions SET p256dh = $2, auth = $3, reader_id = $4, failures = 0, \
                     last_used_at = $5 WHERE endpoint = $1 RETURNING id",
                )
                .bind(s.endpoint)
                .bind(s.p256dh)
                .bind(s.auth)
                .bind(s.reader_id)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM push_topics WHERE subscription_id = $1")
                    .bind(&id)
                    .execute(&mut *tx)
                    .await?;
                (id, Subscribed::Updated)
            }
        };
        for topic in s.topics {
            sqlx::query(
                "INSERT INTO push_topics (topic, subscription_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(topic)
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(outcome)
    }

    /// Deletes the subscription with this endpoint; false if there was none.
    pub async fn delete_push_subscription(&self, endpoint: &str) -> Result<bool> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "DELETE FROM push_topics WHERE subscription_id IN (SELECT id FROM push_subscriptions WHERE endpoint = $1)",
        )
        .bind(endpoint)
        .execute(&mut *tx)
        .await?;
        let n = sqlx::query("DELETE FROM push_subscriptions WHERE endpoint = $1")
            .bind(endpoint)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(n > 0)
    }

    /// The topics of the subscription with this endpoint, if it exists.
    pub async fn push_subscription_topics(&self, endpoint: &str) -> Result<Option<Vec<String>>> {
        let id: Option<String> =
            sqlx::query_scalar("SELECT id FROM push_subscriptions WHERE endpoint = $1")
                .bind(endpoint)
                .fetch_optional(self.reader())
                .await?;
        let Some(id) = id else { return Ok(None) };
        Ok(Some(
            sqlx::query_scalar(
                "SELECT topic FROM push_topics WHERE subscription_id = $1 ORDER BY topic",
            )
            .bind(id)
            .fetch_all(self.reader())
            .await?,
        ))
    }

    /// A reader's subscriptions (their data export).
    pub async fn push_subscriptions_of_reader(
        &self,
        reader_id: &str,
    ) -> Result<Vec<ReaderSubscription>> {
        let rows = sqlx::query(
            "SELECT id, endpoint, created_at, last_used_at FROM push_subscriptions WHERE reader_id = $1 ORDER BY created_at",
        )
        .bind(reader_id)
        .fetch_all(self.reader())
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let id: String = r.try_get("id")?;
            let endpoint: String = r.try_get("endpoint")?;
            // The push service, not the endpoint: the endpoint is a capability.
            let push_service = endpoint
                .splitn(4, '/')
                .take(3)
                .collect::<Vec<_>>()
                .join("/");
            let topics = sqlx::query_scalar(
                "SELECT topic FROM push_topics WHERE subscription_id = $1 ORDER BY topic",
            )
            .bind(&id)
            .fetch_all(self.reader())
            .await?;
            out.push(ReaderSubscription {
                push_service,
                topics,
                created_at: r.try_get("created_at")?,
                last_used_at: r.try_get("last_used_at")?,
            });
        }
        Ok(out)
    }

    /// Subscribers per topic, most first.
    pub async fn push_topic_counts(&self) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query(
            "SELECT topic, COUNT(*) AS n FROM push_topics GROUP BY topic ORDER BY n DESC, topic",
        )
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("topic")?, r.try_get("n")?)))
            .collect()
    }

    pub async fn count_push_subscribers(&self, topic: &str) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM push_topics WHERE topic = $1")
                .bind(topic)
                .fetch_one(self.reader())
                .await?,
        )
    }

    /// Deletes subscriptions unused since `before` (ms), a thousand per transaction. Returns
    /// how many went.
    pub async fn prune_push_subscriptions(&self, before: i64) -> Result<u64> {
        let mut total = 0;
        loop {
            let mut tx = self.begin().await?;
            let ids: Vec<String> = sqlx::query_scalar(
                "SELECT id FROM push_subscriptions WHERE last_used_at < $1 LIMIT 1000",
            )
            .bind(before)
            .fetch_all(&mut *tx)
            .await?;
            delete_subscriptions_in(&mut tx, &ids).await?;
            tx.commit().await?;
            total += ids.len() as u64;
            if ids.len() < 1000 {
                return Ok(total);
            }
        }
    }
}

async fn delete_subscriptions_in(tx: &mut Tx, ids: &[String]) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    execute_for_ids(
        tx,
        "DELETE FROM push_topics WHERE subscription_id IN ({IN})",
        None,
        ids,
    )
    .await?;
    execute_for_ids(
        tx,
        "DELETE FROM push_subscriptions WHERE id IN ({IN})",
        None,
        ids,
    )
    .await?;
    Ok(())
}

/// Deleting an account deletes the reader's push subscriptions.
pub struct PushErasure;

impl ReaderErasure for PushErasure {
    fn name(&self) -> &'static str {
        "push subscriptions"
    }

    fn erase<'a>(&'a self, tx: &'a mut Tx, reader_id: &'a str) -> WriteFuture<'a, ()> {
        Box::pin(async move {
            sqlx::query(
                "DELETE FROM push_topics WHERE subscription_id IN (SELECT id FROM push_subscriptions WHERE reader_id = $1)",
            )
            .bind(reader_id)
            .execute(&mut **tx)
            .await?;
            sqlx::query("DELETE FROM push_subscriptions WHERE reader_id = $1")
                .bind(reader_id)
                .execute(&mut **tx)
                .await?;
            Ok(())
        })
    }
}
