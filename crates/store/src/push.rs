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

    /// Creates an alert and enqueues its split, in one transaction.
    pub async fn create_push_alert(&self, a: &NewAlert<'_>) -> Result<AlertCreated> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        let last = sqlx::query(
            "SELECT round, created_at FROM push_alerts WHERE article_id = $1 AND topic = $2 ORDER BY round DESC LIMIT 1",
        )
        .bind(a.article_id)
        .bind(a.topic)
        .fetch_optional(&mut *tx)
        .await?;
        let round = match last {
            Some(r) if !a.resend => {
                return Ok(AlertCreated::AlreadySent {
                    at: r.try_get("created_at")?,
                });
            }
            Some(r) => r.try_get::<i64, _>("round")? + 1,
            None => 0,
        };
        let audience: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM push_topics WHERE topic = $1")
            .bind(a.topic)
            .fetch_one(&mut *tx)
            .await?;
        let id = new_id();
        let inserted = sqlx::query(
            "INSERT INTO push_alerts (id, article_id, topic, round, payload, sent_by, created_at, audience) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&id)
        .bind(a.article_id)
        .bind(a.topic)
        .bind(round)
        .bind(a.payload)
        .bind(a.sent_by)
        .bind(now)
        .bind(audience)
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::Conflict(
                    "this story was sent to this topic a moment ago by someone else".into(),
                ));
            }
            Err(e) => return Err(e.into()),
        }
        jobs::enqueue(
            &mut tx,
            &NewJob::of(&SplitPushAlert {
                alert_id: id.clone(),
                step: 0,
            }),
        )
        .await?;
        tx.commit().await?;
        Ok(AlertCreated::Created { id, audience })
    }

    pub async fn push_alert(&self, id: &str) -> Result<Option<AlertRow>> {
        let sql = format!(
            "SELECT {ALERT_COLUMNS} FROM push_alerts p JOIN articles a ON a.id = p.article_id WHERE p.id = $1"
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.reader())
            .await?
            .as_ref()
            .map(alert_row)
            .transpose()
    }

    /// The latest alerts, newest first.
    pub async fn recent_push_alerts(&self, limit: i64) -> Result<Vec<AlertRow>> {
        let sql = format!(
            "SELECT {ALERT_COLUMNS} FROM push_alerts p JOIN articles a ON a.id = p.article_id \
             ORDER BY p.created_at DESC, p.id DESC LIMIT $1"
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(limit)
            .fetch_all(self.reader())
            .await?
            .iter()
            .map(alert_row)
            .collect()
    }

    /// The last send of a story to a topic, if any (the confirmation says so).
    pub async fn last_push_alert_for(
        &self,
        article_id: &str,
        topic: &str,
    ) -> Result<Option<AlertRow>> {
        let sql = format!(
            "SELECT {ALERT_COLUMNS} FROM push_alerts p JOIN articles a ON a.id = p.article_id \
             WHERE p.article_id = $1 AND p.topic = $2 ORDER BY p.round DESC LIMIT 1"
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(article_id)
            .bind(topic)
            .fetch_optional(self.reader())
            .await?
            .as_ref()
            .map(alert_row)
            .transpose()
    }

    /// One step of an alert's split: up to [`CHUNKS_PER_STEP`] chunk jobs enqueued, with the
    /// cursor and (while there is more to split) the next step, in one transaction. Returns
    /// how many chunks it enqueued.
    pub async fn split_push_alert_step(&self, split: &SplitPushAlert) -> Result<usize> {
        let alert_id = split.alert_id.as_str();
        let mut tx = self.begin().await?;
        let Some(row) =
            sqlx::query("SELECT topic, split_cursor, split_done FROM push_alerts WHERE id = $1")
                .bind(alert_id)
                .fetch_optional(&mut *tx)
                .await?
        else {
            return Ok(0); // the article (and its alerts) were deleted
        };
        if row.try_get::<i64, _>("split_done")? != 0 {
            return Ok(0);
        }
        let topic: String = row.try_get("topic")?;
        let mut cursor: String = row.try_get("split_cursor")?;
        let mut chunks = Vec::new();
        let mut done = false;
        while chunks.len() < CHUNKS_PER_STEP {
            let boundary: Option<String> = sqlx::query_scalar(
                "SELECT subscription_id FROM push_topics WHERE topic = $1 AND subscription_id > $2 \
                 ORDER BY subscription_id LIMIT 1 OFFSET $3",
            )
            .bind(&topic)
            .bind(&cursor)
            .bind(CHUNK - 1)
            .fetch_optional(&mut *tx)
            .await?;
            let upto = match boundary {
                Some(b) => b,
                None => {
                    done = true;
                    let last: Option<String> = sqlx::query_scalar(
                        "SELECT MAX(subscription_id) FROM push_topics WHERE topic = $1 AND subscription_id > $2",
                    )
                    .bind(&topic)
                    .bind(&cursor)
                    .fetch_one(&mut *tx)
                    .await?;
                    match last {
                        Some(l) => l,
                        None => break,
                    }
                }
            };
            chunks.push(DeliverPushChunk {
                alert_id: alert_id.to_owned(),
                topic: topic.clone(),
                after: std::mem::replace(&mut cursor, upto.clone()),
                upto,
                attempt: 0,
                ids: Vec::new(),
                not_before: 0,
            });
            if done {
                break;
            }
        }
        for c in &chunks {
            jobs::enqueue(&mut tx, &NewJob::of(c)).await?;
        }
        if !done {
            let next = SplitPushAlert {
                alert_id: alert_id.to_owned(),
                step: split.step + 1,
            };
            jobs::enqueue(&mut tx, &NewJob::of(&next)).await?;
        }
        let n = chunks.len() as i64;
        sqlx::query(
            "UPDATE push_alerts SET split_cursor = $2, split_done = $3, chunks = chunks + $4, open_jobs = open_jobs + $4, \
             finished_at = CASE WHEN $3 = 1 AND open_jobs + $4 = 0 THEN $5 ELSE finished_at END WHERE id = $1",
        )
        .bind(alert_id)
        .bind(&cursor)
        .bind(i64::from(done))
        .bind(n)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(chunks.len())
    }

    /// The subscribers of a chunk: the topic's with ids in (`after`, `upto`], or those of
    /// `ids` (a retry) that still exist.
    pub async fn push_chunk_targets(&self, chunk: &DeliverPushChunk) -> Result<Vec<PushTarget>> {
        let rows = if chunk.ids.is_empty() {
            sqlx::query(
                "SELECT s.id, s.endpoint, s.p256dh, s.auth FROM push_topics t JOIN push_subscriptions s ON s.id = t.subscription_id \
                 WHERE t.topic = $1 AND t.subscription_id > $2 AND t.subscription_id <= $3 ORDER BY t.subscription_id",
            )
            .bind(&chunk.topic)
            .bind(&chunk.after)
            .bind(&chunk.upto)
            .fetch_all(self.reader())
            .await?
        } else {
            let sql = format!(
                "SELECT id, endpoint, p256dh, auth FROM push_subscriptions WHERE id IN ({}) ORDER BY id",
                placeholders(1, chunk.ids.len())
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for id in &chunk.ids {
                q = q.bind(id);
            }
            q.fetch_all(self.reader()).await?
        };
        rows.iter()
            .map(|r| {
                Ok(PushTarget {
                    id: r.try_get("id")?,
                    endpoint: r.try_get("endpoint")?,
                    p256dh: r.try_get("p256dh")?,
                    auth: r.try_get("auth")?,
                })
            })
            .collect()
    }

    /// Whether this chunk (and attempt) has finished already (a rerun after a crash).
    pub async fn push_chunk_is_done(&self, chunk: &DeliverPushChunk) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM push_chunks_done WHERE alert_id = $1 AND chunk = $2",
        )
        .bind(&chunk.alert_id)
        .bind(chunk.chunk_name())
        .fetch_one(self.reader())
        .await?;
        Ok(n > 0)
    }

    /// Records a chunk's outcome in one transaction (see the module docs). False when the
    /// chunk had been recorded already (it ran twice): nothing is counted again.
    pub async fn finish_push_chunk(
        &self,
        chunk: &DeliverPushChunk,
        outcome: &ChunkOutcome,
    ) -> Result<bool> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        let first = sqlx::query(
            "INSERT INTO push_chunks_done (alert_id, chunk) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(&chunk.alert_id)
        .bind(chunk.chunk_name())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if first == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        // Deliveries refresh `last_used_at` at most daily (a write per subscriber per alert
        // would cost more than the pushes).
        execute_for_ids(
            &mut tx,
            "UPDATE push_subscriptions SET last_used_at = $1, failures = 0 WHERE id IN ({IN}) \
             AND (failures > 0 OR last_used_at < $1 - 86400000)",
            Some(now),
            &outcome.sent,
        )
        .await?;
        delete_subscriptions_in(&mut tx, &outcome.gone).await?;
        execute_for_ids(
            &mut tx,
            "UPDATE push_subscriptions SET failures = failures + 1 WHERE id IN ({IN})",
            None,
            &outcome.refused,
        )
        .await?;
        let dropped: Vec<String> = if outcome.refused.is_empty() {
            Vec::new()
        } else {
            let sql = format!(
                "SELECT id FROM push_subscriptions WHERE failures >= $1 AND id IN ({})",
                placeholders(2, outcome.refused.len().min(CHUNK as usize))
            );
            let mut q = sqlx::query_scalar(AssertSqlSafe(sql)).bind(MAX_REFUSALS);
            for id in outcome.refused.iter().take(CHUNK as usize) {
                q = q.bind(id);
            }
            q.fetch_all(&mut *tx).await?
        };
        delete_subscriptions_in(&mut tx, &dropped).await?;
        let retried = outcome.retry.as_ref().map_or(0, |r| r.ids.len() as i64);
        if let Some(retry) = &outcome.retry {
            jobs::enqueue(&mut tx, &NewJob::of(retry)).await?;
        }
        sqlx::query(
            "UPDATE push_alerts SET sent = sent + $2, expired = expired + $3, failed = failed + $4, \
             retried = retried + $5, open_jobs = open_jobs - 1 + $6, \
             first_sent_at = CASE WHEN $2 > 0 AND first_sent_at IS NULL THEN $7 ELSE first_sent_at END, \
             finished_at = CASE WHEN split_done = 1 AND open_jobs - 1 + $6 = 0 THEN $7 ELSE finished_at END \
             WHERE id = $1",
        )
        .bind(&chunk.alert_id)
        .bind(outcome.sent.len() as i64)
        .bind(outcome.gone.len() as i64)
        .bind(outcome.failed + outcome.refused.len() as i64)
        .bind(retried)
        .bind(i64::from(outcome.retry.is_some()))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Counts a receipt from a service worker (`received` or `clicked`) and keeps its delay
    /// for the percentiles. Receipts for unknown or old alerts, and beyond the number of
    /// pushes sent, are ignored (they come from anyone). True when counted.
    pub async fn record_push_receipt(
        &self,
        alert_id: &str,
        clicked: bool,
        delay_ms: i64,
    ) -> Result<bool> {
        let now = now_ms();
        let (kind, column) = if clicked {
            ("clicked", "clicked")
        } else {
            ("received", "received")
        };
        let mut tx = self.begin().await?;
        let sql = format!(
            "UPDATE push_alerts SET {column} = {column} + 1 WHERE id = $1 AND created_at > $2 AND {column} < sent"
        );
        let n = sqlx::query(AssertSqlSafe(sql))
            .bind(alert_id)
            .bind(now - RECEIPT_WINDOW_MS)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        let kept: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM push_receipts WHERE alert_id = $1 AND kind = $2",
        )
        .bind(alert_id)
        .bind(kind)
        .fetch_one(&mut *tx)
        .await?;
        if kept < RECEIPT_SAMPLE {
            sqlx::query(
                "INSERT INTO push_receipts (alert_id, kind, delay_ms, at) VALUES ($1, $2, $3, $4)",
            )
            .bind(alert_id)
            .bind(kind)
            .bind(delay_ms.max(0))
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// The median and 90th percentile of an alert's delivery (or click) delays, in ms.
    pub async fn push_receipt_percentiles(
        &self,
        alert_id: &str,
        clicked: bool,
    ) -> Result<Option<(i64, i64)>> {
        let kind = if clicked { "clicked" } else { "received" };
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM push_receipts WHERE alert_id = $1 AND kind = $2",
        )
        .bind(alert_id)
        .bind(kind)
        .fetch_one(self.reader())
        .await?;
        if n == 0 {
            return Ok(None);
        }
        let at = |rank: i64| async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT delay_ms FROM push_receipts WHERE alert_id = $1 AND kind = $2 ORDER BY delay_ms LIMIT 1 OFFSET $3",
            )
            .bind(alert_id)
            .bind(kind)
            .bind(rank)
            .fetch_one(self.reader())
            .await
        };
        let median = at((n - 1) / 2).await?;
        let p90 = at(((n * 9 + 9) / 10 - 1).clamp(0, n - 1)).await?;
        Ok(Some((median, p90)))
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
