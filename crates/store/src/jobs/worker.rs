//! The worker: claims due jobs, runs the handler registered for each kind, records outcomes.
//!
//! A job kind is a payload struct implementing [`Job`] (its kind name, idempotency key, time
//! and retry policy; enqueued with [`NewJob::of`](super::NewJob::of) in the transaction that
//! causes it) and [`RunJob`] for the environment it runs in (the worker's environment holds
//! only what jobs need: see the `masthead-jobs` crate). Each kind is registered once, with
//! [`Worker::register`]. The lower-level [`Worker::handle`] takes a closure over the raw claimed
//! job, for tests of the queue itself.

use std::{collections::HashMap, future::Future, pin::Pin, sync::Arc, time::Duration};

use masthead_core::new_id;
use serde::{Serialize, de::DeserializeOwned};

use super::{ClaimedJob, DONE_RETENTION, PURGE_EVERY, backoff};
use crate::{Result, Store, now_ms};

/// A kind of job: its payload (stored as JSON), its name in the queue, and its policies.
pub trait Job: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The `kind` column; never renamed once jobs of it may be queued.
    const KIND: &'static str;
    /// Attempts before the job is `dead`.
    const MAX_ATTEMPTS: i64 = 8;

    /// Enqueueing the same key twice is a no-op. Every key must name a moment that does not
    /// recur (done jobs, and their keys, are purged after a week).
    fn key(&self) -> Option<String>;

    /// When the job becomes due (ms since the epoch); `None` is now.
    fn run_at(&self) -> Option<i64> {
        None
    }

    /// How long to wait after failed attempt number `attempt` (from 1).
    fn retry_in(attempt: i64) -> Duration {
        backoff(attempt)
    }
}

/// Running a job in the environment `E`.
pub trait RunJob<E>: Job {
    /// At-least-once: a job may run again after a crash, so its effects are idempotent.
    fn run(&self, env: &E) -> impl Future<Output = Result<(), JobError>> + Send;
}

/// Why a job failed: retried with backoff unless it is permanent (it can never succeed, such
/// as a payload this version cannot read), which makes the job dead at once.
#[derive(Debug)]
pub struct JobError {
    message: String,
    permanent: bool,
}

impl JobError {
    pub fn msg(message: impl std::fmt::Display) -> Self {
        Self {
            message: message.to_string(),
            permanent: false,
        }
    }

    pub fn permanent(message: impl std::fmt::Display) -> Self {
        Self {
            message: message.to_string(),
            permanent: true,
        }
    }

    pub fn is_permanent(&self) -> bool {
        self.permanent
    }
}

impl std::fmt::Display for JobError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Any error, with its chain of causes, is a retryable failure.
impl<E: std::error::Error> From<E> for JobError {
    fn from(e: E) -> Self {
        let mut message = e.to_string();
        let mut source = e.source();
        while let Some(s) = source {
            message.push_str(": ");
            message.push_str(&s.to_string());
            source = s.source();
        }
        Self::msg(message)
    }
}

type HandlerFuture = Pin<Box<dyn Future<Output = Result<(), JobError>> + Send>>;

#[derive(Clone)]
struct Handler {
    run: Arc<dyn Fn(ClaimedJob) -> HandlerFuture + Send + Sync>,
    retry_in: fn(i64) -> Duration,
}

/// What one pass of the worker did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ran {
    Nothing,
    Done(String),
    Failed(String, String),
}

/// Jobs claimed at once by [`Worker::run_batch`].
pub const BATCH: i64 = 16;

/// Runs jobs: claims, dispatches to the handler registered for the job's kind, records the
/// outcome. Several workers (in one process or on several nodes) may run at once.
#[derive(Clone)]
pub struct Worker {
    store: Store,
    id: String,
    lease: Duration,
    handlers: HashMap<&'static str, Handler>,
}

impl Worker {
    pub fn new(store: Store) -> Self {
        Self {
            store,
            id: format!("worker-{}", new_id()),
            lease: Duration::from_secs(300),
            handlers: HashMap::new(),
        }
    }

    /// How long a claimed job stays with this worker before another may take it over.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// Registers the job kind `J`, run in `env`.
    pub fn register<J: RunJob<E>, E: Send + Sync + 'static>(mut self, env: Arc<E>) -> Self {
        let run = move |job: ClaimedJob| -> HandlerFuture {
            let env = env.clone();
            Box::pin(async move {
                let payload: J = serde_json::from_value(job.payload).map_err(|e| {
                    JobError::permanent(format!("unreadable {} payload: {e}", J::KIND))
                })?;
                payload.run(&env).await
            })
        };
        let handler = Handler {
            run: Arc::new(run),
            retry_in: J::retry_in,
        };
        assert!(
            self.handlers.insert(J::KIND, handler).is_none(),
            "job kind {} registered twice",
            J::KIND
        );
        self
    }

    /// Registers a closure over the raw claimed job (tests of the queue itself).
    pub fn handle<F, Fut>(mut self, kind: &'static str, f: F) -> Self
    where
        F: Fn(ClaimedJob) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = std::result::Result<(), String>> + Send + 'static,
    {
        let f = Arc::new(f);
        let run = move |job: ClaimedJob| -> HandlerFuture {
            let fut = f(job);
            Box::pin(async move { fut.await.map_err(JobError::msg) })
        };
        let handler = Handler {
            run: Arc::new(run),
            retry_in: backoff,
        };
        self.handlers.insert(kind, handler);
        self
    }

    /// The job kinds this worker runs.
    pub fn kinds(&self) -> Vec<&'static str> {
        let mut kinds: Vec<_> = self.handlers.keys().copied().collect();
        kinds.sort_unstable();
        kinds
    }

    /// Claims and runs one due job, if there is one.
    pub async fn run_once(&self) -> Result<Ran> {
        let Some(job) = self.store.claim_job(&self.id, self.lease).await? else {
            return Ok(Ran::Nothing);
        };
        let id = job.id.clone();
        match self.execute(job).await {
            Ok(()) => {
                self.store.complete_job(&id).await?;
                Ok(Ran::Done(id))
            }
            Err(error) => Ok(Ran::Failed(id, error)),
        }
    }

    /// Claims up to [`BATCH`] due jobs, runs them concurrently and records the outcomes: the
    /// successes in one transaction. Returns how many ran. Batching matters on SQLite, where
    /// every transaction waits for the single writer: a burst of sign-in emails costs two
    /// queue transactions per batch instead of two per email.
    pub async fn run_batch(&self) -> Result<usize> {
        let jobs = self.store.claim_jobs(&self.id, self.lease, BATCH).await?;
        self.run_claimed(jobs).await
    }

    /// Claims up to [`BATCH`] jobs due by `due_by` (ms since the epoch; it may be in the
    /// future) and runs them as [`Worker::run_batch`] does. Returns how many ran.
    pub async fn run_due(&self, due_by: i64) -> Result<usize> {
        let jobs = self
            .store
            .claim_jobs_due_by(&self.id, self.lease, BATCH, due_by)
            .await?;
        self.run_claimed(jobs).await
    }

    /// Runs batches until no job is due by `due_by`: the deterministic way for tests to empty
    /// the queue, scheduled work included, without waiting for it. Jobs those jobs enqueue run
    /// too when they are due by then, and a failed job is retried at once while its backoff
    /// ends before `due_by` (so a job that always fails ends `dead`). Returns how many ran.
    /// Jobs claimed by another worker are left to it.
    pub async fn drain(&self, due_by: i64) -> Result<usize> {
        let mut total = 0;
        loop {
            match self.run_due(due_by).await? {
                0 => return Ok(total),
                n => total += n,
            }
        }
    }

    async fn run_claimed(&self, jobs: Vec<ClaimedJob>) -> Result<usize> {
        let n = jobs.len();
        let mut running = tokio::task::JoinSet::new();
        for job in jobs {
            let worker = self.clone();
            running.spawn(async move {
                let id = job.id.clone();
                (id, worker.execute(job).await)
            });
        }
        let mut done = Vec::with_capacity(n);
        while let Some(joined) = running.join_next().await {
            match joined {
                Ok((id, Ok(()))) => done.push(id),
                Ok((_, Err(_))) => {}
                // A panicking handler: its lease runs out and the job is claimed again.
                Err(e) => tracing::error!(error = %e, "a job handler panicked"),
            }
        }
        self.store.complete_jobs(&done).await?;
        Ok(n)
    }

    /// Runs a claimed job's handler; a failure is recorded (retry or dead) before returning.
    async fn execute(&self, job: ClaimedJob) -> std::result::Result<(), String> {
        let span =
            tracing::info_span!("job", id = %job.id, kind = %job.kind, attempt = job.attempt);
        let handler = self.handlers.get(job.kind.as_str());
        let outcome = match handler {
            Some(handler) => {
                use tracing::Instrument;
                (handler.run)(job.clone()).instrument(span.clone()).await
            }
            None => Err(JobError::msg(format!(
                "no handler for job kind “{}” on this node",
                job.kind
            ))),
        };
        let _enter = span.enter();
        match outcome {
            Ok(()) => {
                tracing::debug!("job done");
                Ok(())
            }
            Err(error) => {
                tracing::warn!(%error, permanent = error.is_permanent(), "job failed");
                let retry_in = (!error.is_permanent())
                    .then(|| handler.map_or(backoff(job.attempt), |h| (h.retry_in)(job.attempt)));
                let message = error.to_string();
                if let Err(e) = self.store.fail_job(&job, &message, retry_in).await {
                    // The lease runs out and the job is tried again.
                    tracing::error!(error = %e, "could not record a job failure");
                }
                Err(message)
            }
        }
    }

    /// Runs jobs until `shutdown` turns true, polling every `idle` when there is nothing to do.
    ///
    /// `wake` cuts the idle wait short: a node that has just enqueued work notifies it, so a
    /// sign-in email leaves at once instead of at the next poll (other nodes' work is found by
    /// polling).
    pub async fn run(
        self,
        idle: Duration,
        wake: Arc<tokio::sync::Notify>,
        mut shutdown: tokio::sync::watch::Receiver<bool>,
    ) {
        let mut purged_at: Option<std::time::Instant> = None;
        loop {
            if *shutdown.borrow() {
                return;
            }
            if purged_at.is_none_or(|t| t.elapsed() >= PURGE_EVERY) {
                purged_at = Some(std::time::Instant::now());
                let before = now_ms() - DONE_RETENTION.as_millis() as i64;
                match self.store.purge_done_jobs(before).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(jobs = n, "deleted done jobs past their retention"),
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot delete old done jobs; retrying in an hour")
                    }
                }
            }
            match self.run_batch().await {
                Ok(0) => {
                    tokio::select! {
                        _ = tokio::time::sleep(idle) => {}
                        _ = wake.notified() => {}
                        _ = shutdown.changed() => {}
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::error!(error = %e, "job queue unavailable; retrying");
                    tokio::time::sleep(idle).await;
                }
            }
        }
    }
}
