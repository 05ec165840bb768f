//! The chunk job: sends one chunk's queued deliveries in waves of at most `pool_size`
//! messages, and records each wave's outcomes in one transaction before the next wave starts.
//! A kill at any moment therefore loses nothing (unrecorded rows stay `queued` and are sent
//! when the job runs again after its lease) and duplicates at most the waves in flight:
//! `concurrent_chunks × pool_size` messages per node.
//!
//! A chunk hands over to a continuation job (the same chunk, `seq + 1`) when its time budget
//! is spent, when a destination asked it to back off (due when the back-off ends), or when
//! the rate limit's window is full (due when it ends).

use std::{
    sync::atomic::Ordering,
    time::{Duration, Instant},
};

use masthead_core::{EmailAddress, edition::EditionContent};
use masthead_mail::Delivery;
use masthead_store::{
    edition::{EditionStatus, Outcome, PendingDelivery, SendEditionChunk},
    jobs::{JobError, RunJob},
    now_ms,
};

use super::{Recipient, email_for};
use crate::JobEnv;

/// The key for the server itself in the back-off map (connection failures, no reply code).
const SERVER: &str = "*";
/// Destinations remembered at most (the rest are not backed off rather than grow the map).
const MAX_BACKOFF_DOMAINS: usize = 10_000;

impl RunJob<JobEnv> for SendEditionChunk {
    async fn run(&self, env: &JobEnv) -> Result<(), JobError> {
        let state = &env.edition;
        let Some(edition) = env.store.edition(&self.edition_id).await? else {
            return Ok(()); // deleted
        };
        if edition.status != EditionStatus::Sending {
            return Ok(());
        }
        let content: EditionContent = serde_json::from_str(&edition.content)
            .map_err(|e| JobError::permanent(format!("unreadable edition content: {e}")))?;
        let sender = state
            .sender(&env.store, &env.mail_settings)
            .await
            .map_err(|e| JobError::msg(format!("{e:#}")))?;
        let budget = state.settings.chunk_budget;
        let Ok(Ok(_slot)) = tokio::time::timeout(budget, state.chunk_slots.acquire()).await else {
            return continue_at(self, env, now_ms() + 1_000).await;
        };
        let deadline = Instant::now() + budget;
        loop {
            match pass(self, env, &sender, &edition, &content, deadline).await? {
                Pass::Done => break,
                Pass::Stop => return Ok(()),
                Pass::Again => continue,
                Pass::WaitUntil(until) if until < deadline => {
                    tokio::time::sleep_until(until.into()).await;
                }
                Pass::WaitUntil(until) => return continue_at(self, env, later(until)).await,
                Pass::HandOver(at_ms) => return continue_at(self, env, at_ms).await,
            }
        }
        let status = env.store.finish_edition_if_done(&self.edition_id).await?;
        if let Some(status) = status
            && status != EditionStatus::Sending
        {
            tracing::info!(edition = %edition.date, status = status.as_str(), "daily edition finished");
        }
        Ok(())
    }
}

/// What one pass over a chunk's queued rows ended with.
enum Pass {
    /// Nothing is left queued.
    Done,
    /// The edition was stopped (or is gone): send nothing more.
    Stop,
    /// Rows were recorded; look again (deferred rows may be due).
    Again,
    /// Everything left is backed off until then.
    WaitUntil(Instant),
    /// Hand over to a continuation due then (ms): the budget or the hour's rate is spent.
    HandOver(i64),
}

/// Sends the chunk's queued rows once over, wave by wave, recording each wave.
async fn pass(
    job: &SendEditionChunk,
    env: &JobEnv,
    sender: &super::Sender,
    edition: &masthead_store::edition::Edition,
    content: &EditionContent,
    deadline: Instant,
) -> Result<Pass, JobError> {
    let state = &env.edition;
    let pending = env
        .store
        .pending_deliveries(&job.edition_id, job.chunk, i64::MAX)
        .await?;
    if pending.is_empty() {
        return Ok(Pass::Done);
    }
    let wave_size = state.settings.pool_size.max(1) as usize;
    let mut rest = pending.into_iter().peekable();
    let mut recorded = false;
    let mut retry_at: Option<Instant> = None;
    while rest.peek().is_some() {
        if Instant::now() >= deadline {
            return Ok(Pass::HandOver(now_ms()));
        }
        match env.store.edition(&job.edition_id).await? {
            Some(e) if e.status == EditionStatus::Sending => {}
            _ => return Ok(Pass::Stop),
        }
        if let Some(until) = state.backed_off(SERVER) {
            return Ok(Pass::WaitUntil(until));
        }
        // The next wave: deliverable rows whose destination is not backed off. Rows to
        // skip are recorded with it.
        let mut wave: Vec<PendingDelivery> = Vec::with_capacity(wave_size);
        let mut outcomes: Vec<(PendingDelivery, Outcome)> = Vec::new();
        while wave.len() < wave_size {
            let Some(d) = rest.next() else { break };
            if !d.deliverable {
                outcomes.push((d, Outcome::Skipped("not subscribed at sending time")));
            } else if let Some(until) = state.backed_off(&d.domain) {
                retry_at = Some(retry_at.map_or(until, |r| r.min(until)));
            } else {
                wave.push(d);
            }
        }
        if !wave.is_empty()
            && let Err(window_end) = state.rate.take(wave.len() as u32, deadline).await
        {
            env.store
                .record_deliveries(&job.edition_id, &outcomes, state.settings.max_deferrals)
                .await?;
            return Ok(Pass::HandOver(later(window_end)));
        }
        let sends = wave.into_iter().map(|d| {
            let edition = &edition;
            let content = &content;
            async move {
                let outcome = send_one(env, sender, edition, content, &d).await;
                (d, outcome)
            }
        });
        let sent = join_all(sends).await;
        for (_, outcome) in &sent {
            count(outcome);
            match outcome {
                Outcome::Sent(_) => state.permanent_streak.store(0, Ordering::Relaxed),
                Outcome::Bounced(_) => {
                    state.permanent_streak.fetch_add(1, Ordering::Relaxed);
                }
                _ => {}
            }
        }
        let delivered_to: Vec<String> = sent
            .iter()
            .filter(|(_, o)| matches!(o, Outcome::Sent(_)))
            .map(|(d, _)| d.domain.clone())
            .collect();
        outcomes.extend(sent);
        if !outcomes.is_empty() {
            recorded = true;
            env.store
                .record_deliveries(&job.edition_id, &outcomes, state.settings.max_deferrals)
                .await?;
        }
        for domain in delivered_to {
            state.clear_backoff(&domain);
        }
        let streak = state.permanent_streak.load(Ordering::Relaxed);
        if streak >= state.settings.stop_after_permanent.max(1) {
            let reason = format!(
                "stopped after {streak} permanent refusals in a row: the provider may be refusing this sender; check the SMTP replies in the ledger"
            );
            if env.store.stop_edition(&job.edition_id, &reason).await? {
                tracing::error!(edition = %edition.date, %reason, "ALERT: daily edition stopped");
                metrics::counter!("masthead_edition_stops_total").increment(1);
            }
            state.permanent_streak.store(0, Ordering::Relaxed);
            return Ok(Pass::Stop);
        }
    }
    Ok(match retry_at {
        Some(until) if !recorded => Pass::WaitUntil(until),
        _ => Pass::Again,
    })
}

/// Sends one delivery and says what became of it (a deferral also backs off its destination).
async fn send_one(
    env: &JobEnv,
    sender: &super::Sender,
    edition: &masthead_store::edition::Edition,
    content: &EditionContent,
    d: &PendingDelivery,
) -> Outcome {
    let to = match EmailAddress::parse(&d.email) {
        Ok(to) => to,
        Err(e) => return Outcome::Failed(format!("the stored address is not valid: {}", e.0)),
    };
    let recipient = Recipient {
        reader_id: &d.reader_id,
        name: d.display_name.as_deref(),
    };
    let email = match email_for(env, sender, edition, content, to, recipient) {
        Ok(email) => email,
        Err(e) => return Outcome::Failed(e.to_string()),
    };
    match sender.mailer.send(&email).await {
        Delivery::Accepted(reply) => Outcome::Sent(reply),
        Delivery::Rejected { reply, .. } => Outcome::Bounced(reply),
        Delivery::Invalid(why) => Outcome::Failed(why),
        Delivery::Deferred { code, reply } => {
            let key = if code.is_some() {
                d.domain.as_str()
            } else {
                SERVER
            };
            env.edition.back_off(key);
            Outcome::Deferred(reply)
        }
    }
}

/// Hands the chunk over to its next run, due at `at_ms`.
async fn continue_at(job: &SendEditionChunk, env: &JobEnv, at_ms: i64) -> Result<(), JobError> {
    let next = SendEditionChunk {
        edition_id: job.edition_id.clone(),
        chunk: job.chunk,
        seq: job.seq + 1,
        not_before: Some(at_ms),
    };
    env.store.enqueue_chunk(&next).await?;
    Ok(())
}

/// Milliseconds since the epoch of a moment on this process's monotonic clock.
fn later(at: Instant) -> i64 {
    now_ms() + at.saturating_duration_since(Instant::now()).as_millis() as i64
}

fn count(outcome: &Outcome) {
    let label = match outcome {
        Outcome::Sent(_) => "sent",
        Outcome::Bounced(_) => "bounced",
        Outcome::Failed(_) => "failed",
        Outcome::Deferred(_) => "deferred",
        Outcome::Skipped(_) => "skipped",
    };
    metrics::counter!("masthead_edition_messages_total", "outcome" => label).increment(1);
}

async fn join_all<F: std::future::Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    // Concurrent on this task (no spawn: the futures borrow the job's data).
    let mut pinned: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = (0..pinned.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in pinned.iter_mut().enumerate() {
            if out[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => out[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.into_iter()
        .map(|o| o.expect("every future finished"))
        .collect()
}

impl super::EditionState {
    /// Until when `key` (a domain, or [`SERVER`]) is backed off, if it is.
    fn backed_off(&self, key: &str) -> Option<Instant> {
        let map = self.backoff.lock().unwrap_or_else(|p| p.into_inner());
        map.get(key)
            .map(|(until, _)| *until)
            .filter(|until| *until > Instant::now())
    }

    /// Backs off from `key`: 2 s, 4 s, 8 s … at most 10 minutes, doubling with each 4xx in a
    /// row.
    fn back_off(&self, key: &str) {
        let mut map = self.backoff.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_BACKOFF_DOMAINS && !map.contains_key(key) {
            let now = Instant::now();
            map.retain(|_, (until, _)| *until > now);
            if map.len() >= MAX_BACKOFF_DOMAINS {
                return;
            }
        }
        let entry = map.entry(key.to_owned()).or_insert((Instant::now(), 0));
        if entry.0 > Instant::now() {
            return; // already backing off: one wave's replies count once
        }
        entry.1 = (entry.1 + 1).min(9);
        entry.0 = Instant::now() + Duration::from_secs(1 << entry.1).min(Duration::from_secs(600));
        tracing::warn!(
            destination = key,
            seconds = 1_u64 << entry.1,
            "backing off a destination after a 4xx reply"
        );
    }

    fn clear_backoff(&self, key: &str) {
        let mut map = self.backoff.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(key);
    }
}

/// A node's rate limit: at most `per_second` messages in each second and `per_hour` in each
/// hour (fixed windows on this process's clock).
pub(crate) struct RateGate {
    per_second: Option<u32>,
    per_hour: Option<u32>,
    state: tokio::sync::Mutex<Windows>,
}

struct Windows {
    second: (Instant, u32),
    hour: (Instant, u32),
}

impl RateGate {
    pub fn new(per_second: Option<u32>, per_hour: Option<u32>) -> Self {
        let now = Instant::now();
        Self {
            per_second: per_second.filter(|n| *n > 0),
            per_hour: per_hour.filter(|n| *n > 0),
            state: tokio::sync::Mutex::new(Windows {
                second: (now, 0),
                hour: (now, 0),
            }),
        }
    }

    /// Takes `n` messages' worth, waiting for the per-second window as needed; `Err(end)` when
    /// the hour's budget is spent (it ends at `end`) or the wait would pass `deadline`.
    pub async fn take(&self, n: u32, deadline: Instant) -> Result<(), Instant> {
        if self.per_second.is_none() && self.per_hour.is_none() {
            return Ok(());
        }
        let mut w = self.state.lock().await;
        loop {
            let now = Instant::now();
            if now >= w.second.0 + Duration::from_secs(1) {
                w.second = (now, 0);
            }
            if now >= w.hour.0 + Duration::from_secs(3600) {
                w.hour = (now, 0);
            }
            if let Some(max) = self.per_hour
                && w.hour.1 + n > max.max(n)
            {
                return Err(w.hour.0 + Duration::from_secs(3600));
            }
            match self.per_second {
                Some(max) if w.second.1 + n > max.max(n) => {
                    let end = w.second.0 + Duration::from_secs(1);
                    if end > deadline {
                        return Err(end);
                    }
                    tokio::time::sleep_until(end.into()).await;
                }
                _ => {
                    w.second.1 += n;
                    w.hour.1 += n;
                    return Ok(());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_rate_gate_spreads_messages_over_seconds_and_stops_at_the_hour() {
        let gate = RateGate::new(Some(4), Some(10));
        let far = Instant::now() + Duration::from_secs(60);
        let started = Instant::now();
        for _ in 0..2 {
            gate.take(4, far).await.unwrap();
        }
        assert!(
            started.elapsed() >= Duration::from_millis(900),
            "the second wave waited for the next second"
        );
        gate.take(2, far).await.unwrap();
        let end = gate.take(1, far).await.unwrap_err();
        assert!(
            end > Instant::now() + Duration::from_secs(3500),
            "the hour is spent"
        );
        let open = RateGate::new(None, None);
        open.take(1_000, Instant::now()).await.unwrap();
    }
}
