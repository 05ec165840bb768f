//! The durable job queue: work that must happen, exactly once in effect, even if a process dies.
//!
//! - A job is enqueued in the same transaction as the write that causes it ([`enqueue`]), so a
//!   committed change always has its follow-up work recorded, and a rolled-back one never does.
//! - An optional idempotency key makes enqueueing the same work twice a no-op.
//! - A worker claims a due job with a lease ([`Store::claim_job`]; the claiming SQL is in
//!   [`crate::dialect`]). A worker that dies mid-job leaves the lease to expire; the job is then
//!   claimed again. Execution is therefore at-least-once, and handlers make their effects
//!   idempotent (publishing checks the article is still scheduled; emails carry the job ID).
//! - A failed job is retried with exponential backoff; after `max_attempts` it is `dead`, kept
//!   with its last error for an operator to look at.
//! - A completed job is `done` and is never claimed again. Done jobs are deleted
//!   [`DONE_RETENTION`] after they finished ([`Store::purge_done_jobs`], run by every worker
//!   about once an hour), which frees their idempotency keys: every key in use names a moment
//!   (an article version, a publication time, an email's request, a reply window) that does not
//!   come round again. Dead jobs stay until an operator deals with them.

use std::time::Duration;

use masthead_core::new_id;
use sqlx::Row;

use crate::{Result, Store, Tx, now_ms};

/// Work to enqueue.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: String,
    pub payload: serde_json::Value,
    pub idempotency_key: Option<String>,
    /// When it becomes due (ms since the epoch).
    pub run_at: i64,
    pub max_attempts: i64,
}

impl NewJob {
    pub fn now(kind: &str, payload: serde_json::Value) -> Self {
        Self {
            kind: kind.to_owned(),
            payload,
            idempotency_key: None,
            run_at: now_ms(),
            max_attempts: 8,
        }
    }

    pub fn at(mut self, run_at: i64) -> Self {
        self.run_at = run_at;
        self
    }

    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// The row for a typed job: its kind, payload, key, time and attempts.
    pub fn of<J: Job>(job: &J) -> Self {
        let payload = serde_json::to_value(job).expect("job payloads serialize to JSON");
        let mut new = Self::now(J::KIND, payload);
        new.idempotency_key = job.key();
        new.max_attempts = J::MAX_ATTEMPTS;
        if let Some(at) = job.run_at() {
            new.run_at = at;
        }
        new
    }
}

/// How long a done job is kept (for operators looking back at what ran).
pub const DONE_RETENTION: Duration = Duration::from_secs(7 * 86_400);
/// How often a worker purges done jobs.
pub(crate) const PURGE_EVERY: Duration = Duration::from_secs(3600);
/// Rows deleted per purge transaction, so that SQLite's single writer is never held long.
const PURGE_CHUNK: i64 = 1000;

/// Enqueues within the caller's transaction. Returns false when a job with the same
/// idempotency key already exists.
pub async fn enqueue(tx: &mut Tx, job: &NewJob) -> Result<bool> {
    let now = now_ms();
    let inserted = sqlx::query(
        "INSERT INTO jobs (id, kind, payload, idempotency_key, status, attempts, max_attempts, run_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 'queued', 0, $5, $6, $7, $7) ON CONFLICT (idempotency_key) DO NOTHING",
    )
    .bind(new_id())
    .bind(&job.kind)
    .bind(job.payload.to_string())
    .bind(job.idempotency_key.as_deref())
    .bind(job.max_attempts)
    .bind(job.run_at)
    .bind(now)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

#[derive(Debug, Clone)]
pub struct ClaimedJob {
    pub id: String,
    pub kind: String,
    pub payload: serde_json::Value,
    /// This attempt's number, from 1.
    pub attempt: i64,
    pub max_attempts: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobCounts {
    pub status: String,
    pub count: i64,
    /// The oldest `run_at` among them (ms), for "how long has work been waiting".
    pub oldest_run_at: Option<i64>,
}

impl Store {
    pub async fn enqueue_job(&self, job: &NewJob) -> Result<bool> {
        let mut tx = self.begin().await?;
        let inserted = enqueue(&mut tx, job).await?;
        tx.commit().await?;
        Ok(inserted)
    }

    /// Claims the next due job for `worker` with a lease of `lease`.
    pub async fn claim_job(&self, worker: &str, lease: Duration) -> Result<Option<ClaimedJob>> {
        Ok(self.claim_jobs(worker, lease, 1).await?.pop())
    }

    /// Claims up to `limit` due jobs in one transaction, oldest first.
    pub async fn claim_jobs(
        &self,
        worker: &str,
        lease: Duration,
        limit: i64,
    ) -> Result<Vec<ClaimedJob>> {
        self.claim_jobs_due_by(worker, lease, limit, now_ms()).await
    }

    /// Claims up to `limit` jobs in one transaction, earliest due first: queued jobs due by
    /// `due_by` (ms since the epoch), and running jobs whose lease has expired. Tests pass a
    /// later time to run scheduled work (a reply email at the end of its window, a retry after
    /// its backoff) at once instead of waiting for it; a worker claims what is due now.
    pub async fn claim_jobs_due_by(
        &self,
        worker: &str,
        lease: Duration,
        limit: i64,
        due_by: i64,
    ) -> Result<Vec<ClaimedJob>> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        let rows = sqlx::query(self.backend().claim_job_sql())
            .bind(worker)
            .bind(now + lease.as_millis() as i64)
            .bind(now)
            .bind(limit)
            .bind(due_by)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        let mut jobs = rows
            .iter()
            .map(|row| {
                let payload: String = row.try_get("payload")?;
                Ok(ClaimedJob {
                    id: row.try_get("id")?,
                    kind: row.try_get("kind")?,
                    payload: serde_json::from_str(&payload)
                        .map_err(|e| crate::StoreError::Corrupt(e.to_string()))?,
                    attempt: row.try_get("attempts")?,
                    max_attempts: row.try_get("max_attempts")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        // RETURNING gives no order; run the oldest first.
        jobs.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(jobs)
    }

    pub async fn complete_job(&self, id: &str) -> Result<()> {
        self.complete_jobs(&[id.to_owned()]).await
    }

    /// Marks jobs done, in one transaction.
    pub async fn complete_jobs(&self, ids: &[String]) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let now = now_ms();
        let mut tx = self.begin().await?;
        for id in ids {
            sqlx::query(
                "UPDATE jobs SET status = 'done', locked_by = NULL, locked_until = NULL, last_error = NULL, updated_at = $2 \
                 WHERE id = $1",
            )
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Records a failed attempt: retried after `retry_in`, or dead after the last attempt (or
    /// at once when `retry_in` is `None`: the job can never succeed).
    pub async fn fail_job(
        &self,
        job: &ClaimedJob,
        error: &str,
        retry_in: Option<Duration>,
    ) -> Result<()> {
        let now = now_ms();
        let dead = retry_in.is_none() || job.attempt >= job.max_attempts;
        let retry_at = now + retry_in.unwrap_or_default().as_millis() as i64;
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE jobs SET status = $2, run_at = $3, last_error = $4, locked_by = NULL, locked_until = NULL, \
             updated_at = $5 WHERE id = $1",
        )
        .bind(&job.id)
        .bind(if dead { "dead" } else { "queued" })
        .bind(if dead { now } else { retry_at })
        .bind(error)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes done jobs that finished before `before` (ms), a chunk per transaction. Returns
    /// how many went.
    pub async fn purge_done_jobs(&self, before: i64) -> Result<u64> {
        let mut total = 0;
        loop {
            let mut tx = self.begin().await?;
            let n = sqlx::query(
                "DELETE FROM jobs WHERE id IN \
                 (SELECT id FROM jobs WHERE status = 'done' AND updated_at < $1 LIMIT $2)",
            )
            .bind(before)
            .bind(PURGE_CHUNK)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            tx.commit().await?;
            total += n;
            if n < PURGE_CHUNK as u64 {
                return Ok(total);
            }
            tokio::task::yield_now().await;
        }
    }

    /// Jobs by status, for /metrics and tests.
    pub async fn job_counts(&self) -> Result<Vec<JobCounts>> {
        let rows = sqlx::query("SELECT status, COUNT(*) AS n, MIN(run_at) AS oldest FROM jobs GROUP BY status ORDER BY status")
            .fetch_all(self.reader())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(JobCounts {
                    status: r.try_get("status")?,
                    count: r.try_get("n")?,
                    oldest_run_at: r.try_get("oldest")?,
                })
            })
            .collect()
    }

    /// The status and attempts of one job (tests and operators).
    pub async fn job_status(&self, id: &str) -> Result<Option<(String, i64)>> {
        let row = sqlx::query("SELECT status, attempts FROM jobs WHERE id = $1")
            .bind(id)
            .fetch_optional(self.reader())
            .await?;
        row.map(|r| Ok((r.try_get("status")?, r.try_get("attempts")?)))
            .transpose()
    }
}

/// 2, 4, 8 … seconds, at most an hour.
pub fn backoff(attempt: i64) -> Duration {
    let exp = attempt.clamp(1, 12) as u32;
    Duration::from_secs((1_u64 << exp).min(3600))
}

mod worker;

pub use worker::{BATCH, Job, JobError, Ran, RunJob, Worker};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff(1), Duration::from_secs(2));
        assert_eq!(backoff(3), Duration::from_secs(8));
        assert_eq!(backoff(40), Duration::from_secs(3600));
    }
}
