//! Breaking news by Web Push: the fan-out's two job kinds and what they run with.
//!
//! - `split_push_alert` (one per step): hands the next [`CHUNKS_PER_STEP`] chunks of the
//!   topic's subscribers to `deliver_push_chunk` jobs and enqueues its next step, in one
//!   transaction (`masthead_store::push`). The first step also prunes subscriptions unused
//!   for [`PushSettings::prune_after`].
//! - `deliver_push_chunk`: encrypts and sends the alert to each subscriber of its chunk, up
//!   to [`PushSettings::concurrency`] at once, over the deliverer's per-origin pools, then
//!   records the outcome in one transaction: counts, 404/410 deleted, refusals counted, and
//!   the 429/5xx part retried by a follow-up job due after the longest `Retry-After` (or the
//!   backoff), at most [`MAX_RETRIES`] times. A push service that hangs, half-answers, garbles
//!   or fails the TLS handshake is such a retry once [`PushSettings::timeouts`] runs out, and
//!   is never held against the subscription; a 2xx that is not 201 is logged and counted as
//!   failed (see `masthead_push::deliver`). So a chunk always finishes.
//!
//! A worker killed mid-chunk leaves the chunk's job to its lease; the next worker delivers the
//! whole chunk again (duplicates are bounded by one chunk, [`CHUNK`] subscribers) and nobody
//! is skipped, since the chunk is only marked done with its outcome.
//!
//! The VAPID key is made on first use and kept in the settings table (`secret.push_vapid_key`), so
//! that every node signs with the same key browsers subscribed with.
//!
//! [`CHUNKS_PER_STEP`]: masthead_store::push::CHUNKS_PER_STEP
//! [`CHUNK`]: masthead_store::push::CHUNK

use std::{sync::Arc, time::Duration};

use masthead_push::{
    Deliverer, Message, Notification, Outcome, PushServices, Subscription, Timeouts, Vapid,
};
use masthead_store::{
    Store,
    jobs::{JobError, RunJob, backoff},
    now_ms,
    push::{ChunkOutcome, DeliverPushChunk, SplitPushAlert},
};

use crate::JobEnv;

/// The setting holding the VAPID key pair (PKCS#8, base64url).
pub const VAPID_KEY_SETTING: &str = "secret.push_vapid_key";
/// Retries of a chunk's 429/5xx part before those subscribers count as failed.
pub const MAX_RETRIES: i64 = 5;
/// The longest `Retry-After` honoured as given; longer ones are cut to this.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// How alerts are delivered.
#[derive(Debug, Clone)]
pub struct PushSettings {
    /// Where the server delivers (`MASTHEAD_PUSH_SERVICES`).
    pub services: PushServices,
    /// VAPID `sub`: `mailto:` or `https:` contact for push services; `None` derives it from
    /// the site (its https address, else the mail sender).
    pub subject: Option<String>,
    /// How long a push service keeps an undelivered alert (`TTL`; breaking news: an hour).
    pub ttl: Duration,
    /// Subscriptions unused this long are pruned.
    pub prune_after: Duration,
    /// Pushes in flight per chunk.
    pub concurrency: usize,
    /// How long one push may take (connecting; in all).
    pub timeouts: Timeouts,
}

impl Default for PushSettings {
    fn default() -> Self {
        Self {
            services: PushServices::default(),
            subject: None,
            ttl: Duration::from_secs(3600),
            prune_after: Duration::from_secs(300 * 86_400),
            concurrency: 64,
            timeouts: Timeouts::default(),
        }
    }
}

/// The push settings and this node's deliverer (made on first use: it needs the key from
/// the database).
pub struct PushEnv {
    pub settings: PushSettings,
    subject: String,
    deliverer: tokio::sync::OnceCell<Arc<Deliverer>>,
}

impl std::fmt::Debug for PushEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushEnv")
            .field("settings", &self.settings)
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

impl PushEnv {
    /// `site_url` and `mail_from` give the default VAPID subject.
    pub fn new(settings: PushSettings, site_url: &str, mail_from: &str) -> Self {
        let subject = settings.subject.clone().unwrap_or_else(|| {
            if site_url.starts_with("https://") {
                site_url.to_owned()
            } else {
                let address = mail_from
                    .rsplit_once('<')
                    .map_or(mail_from, |(_, a)| a.trim_end_matches('>'))
                    .trim();
                format!("mailto:{address}")
            }
        });
        Self {
            settings,
            subject,
            deliverer: tokio::sync::OnceCell::new(),
        }
    }

    /// The deliverer, with the VAPID key from the database (made and stored on first use).
    pub async fn deliverer(&self, store: &Store) -> anyhow::Result<Arc<Deliverer>> {
        self.deliverer
            .get_or_try_init(|| async {
                let fresh = masthead_push::vapid::generate_key()?;
                let stored = store.setting_or_insert(VAPID_KEY_SETTING, &fresh).await?;
                let vapid = Vapid::from_stored(&stored, self.subject.clone())?;
                let deliverer = Deliverer::new(
                    Arc::new(vapid),
                    self.settings.services.clone(),
                    self.settings.timeouts,
                )
                .map_err(anyhow::Error::msg)?;
                Ok(Arc::new(deliverer))
            })
            .await
            .cloned()
    }
}

impl RunJob<JobEnv> for SplitPushAlert {
    async fn run(&self, env: &JobEnv) -> Result<(), JobError> {
        if self.step == 0 {
            let before = now_ms() - env.push.settings.prune_after.as_millis() as i64;
            let pruned = env.store.prune_push_subscriptions(before).await?;
            if pruned > 0 {
                tracing::info!(pruned, "pruned unused push subscriptions");
            }
        }
        let chunks = env.store.split_push_alert_step(self).await?;
        tracing::debug!(alert = %self.alert_id, step = self.step, chunks, "split push alert");
        Ok(())
    }
}

impl RunJob<JobEnv> for DeliverPushChunk {
    async fn run(&self, env: &JobEnv) -> Result<(), JobError> {
        deliver_chunk(env, self).await
    }
}

async fn deliver_chunk(env: &JobEnv, chunk: &DeliverPushChunk) -> Result<(), JobError> {
    let store = &env.store;
    if store.push_chunk_is_done(chunk).await? {
        return Ok(());
    }
    let Some(alert) = store.push_alert(&chunk.alert_id).await? else {
        return Ok(()); // the story (and its alerts) were deleted
    };
    let deliverer = env
        .push
        .deliverer(store)
        .await
        .map_err(|e| JobError::msg(format!("push delivery is not available: {e:#}")))?;
    let mut notification: Notification = serde_json::from_str(&alert.payload)
        .map_err(|e| JobError::permanent(format!("unreadable alert payload: {e}")))?;
    notification.alert = alert.id.clone();
    notification.sent_at = alert.created_at;
    let payload = Arc::new(
        notification
            .to_payload()
            .ok_or_else(|| JobError::permanent("the alert does not fit a push message"))?,
    );
    let topic = Arc::new(masthead_push::topic_for(&alert.article_id));
    let ttl = env.push.settings.ttl.as_secs().min(u64::from(u32::MAX)) as u32;
    let targets = store.push_chunk_targets(chunk).await?;
    let limit = Arc::new(tokio::sync::Semaphore::new(
        env.push.settings.concurrency.max(1),
    ));
    let mut running = tokio::task::JoinSet::new();
    let mut outcome = ChunkOutcome::default();
    for target in targets {
        let Some(sub) = Subscription::from_stored(&target.endpoint, &target.p256dh, &target.auth)
        else {
            tracing::warn!(subscription = %target.id, "stored push subscription is damaged; deleted");
            outcome.gone.push(target.id);
            continue;
        };
        let (deliverer, payload, topic, limit) = (
            deliverer.clone(),
            payload.clone(),
            topic.clone(),
            limit.clone(),
        );
        running.spawn(async move {
            let _permit = limit.acquire_owned().await;
            let message = Message {
                payload: &payload,
                ttl,
                urgency: "high",
                topic: Some(&topic),
            };
            (target.id, deliverer.send(&sub, &message).await)
        });
    }
    let mut retry_ids = Vec::new();
    let mut retry_after: Option<Duration> = None;
    let mut last_reason: Option<String> = None;
    while let Some(joined) = running.join_next().await {
        let (id, result) = joined.map_err(|e| JobError::msg(format!("a push task failed: {e}")))?;
        count_push(&result);
        match result {
            Outcome::Sent => outcome.sent.push(id),
            Outcome::Gone | Outcome::BadKey => outcome.gone.push(id),
            // Kept: a node whose MASTHEAD_PUSH_SERVICES lost an entry must not delete every
            // subscription of that service.
            Outcome::Unlisted => {
                tracing::warn!(subscription = %id, "push endpoint not on MASTHEAD_PUSH_SERVICES; not sent");
                outcome.failed += 1;
            }
            Outcome::TooBig => {
                tracing::error!(alert = %alert.id, bytes = payload.len(), "a push service refused the alert as too big (413)");
                outcome.failed += 1;
            }
            Outcome::Rejected { status } => {
                tracing::info!(subscription = %id, status, "push refused");
                outcome.refused.push(id);
            }
            Outcome::Unconfirmed { status } => {
                tracing::warn!(subscription = %id, status, "the push endpoint answered {status}, not 201 Created: not a push service? counted as failed");
                outcome.failed += 1;
            }
            Outcome::Retry { after, reason } => {
                tracing::debug!(subscription = %id, %reason, "push to retry");
                retry_after = retry_after.max(after);
                last_reason = Some(reason);
                retry_ids.push(id);
            }
        }
    }
    if !retry_ids.is_empty() {
        let attempt = chunk.attempt + 1;
        if attempt <= MAX_RETRIES {
            tracing::info!(
                alert = %alert.id,
                subscribers = retry_ids.len(),
                attempt,
                reason = last_reason.as_deref().unwrap_or(""),
                "pushes to retry"
            );
        }
        if attempt > MAX_RETRIES {
            tracing::warn!(
                alert = %alert.id,
                subscribers = retry_ids.len(),
                reason = last_reason.as_deref().unwrap_or(""),
                "pushes still failing after the last retry; counted as failed"
            );
            outcome.failed += retry_ids.len() as i64;
        } else {
            let wait = retry_after
                .map(|d| d.clamp(Duration::from_secs(1), MAX_RETRY_AFTER))
                .unwrap_or_else(|| backoff(attempt));
            retry_ids.sort();
            outcome.retry = Some(DeliverPushChunk {
                alert_id: chunk.alert_id.clone(),
                topic: chunk.topic.clone(),
                after: chunk.after.clone(),
                upto: chunk.upto.clone(),
                attempt,
                ids: retry_ids,
                not_before: now_ms() + wait.as_millis() as i64,
            });
        }
    }
    store.finish_push_chunk(chunk, &outcome).await?;
    Ok(())
}

/// Counts pushes by outcome (a closed set of labels).
fn count_push(outcome: &Outcome) {
    let label = match outcome {
        Outcome::Sent => "sent",
        Outcome::Gone => "expired",
        Outcome::TooBig
        | Outcome::BadKey
        | Outcome::Unlisted
        | Outcome::Rejected { .. }
        | Outcome::Unconfirmed { .. } => "failed",
        Outcome::Retry { .. } => "retry",
    };
    metrics::counter!("masthead_push_total", "outcome" => label).increment(1);
}

/// Why an alert was not created.
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    #[error("no published article has the slug “{0}”")]
    NoSuchArticle(String),
    #[error("“{0}” is not a topic: use breaking or section:SLUG")]
    BadTopic(String),
    #[error("this story's alert does not fit a push message (headline too long?)")]
    TooBig,
    #[error(transparent)]
    Store(#[from] masthead_store::StoreError),
}

/// What [`compose_alert`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Composed {
    /// Enqueued for `audience` subscribers.
    Created { id: String, audience: i64 },
    /// Sent to this topic before, at `at` (ms): ask for a resend.
    AlreadySent { at: i64 },
}

/// Makes the alert for the published article `slug` (title: the headline; body: the
/// standfirst; the article's address; its lead photo where platforms show one) and enqueues
/// its fan-out to `topic` (`breaking` or `section:SLUG`). The one way alerts are made: the CLI
/// and the newsroom both call it.
pub async fn compose_alert(
    store: &Store,
    site: &crate::SiteSettings,
    slug: &str,
    topic: &str,
    resend: bool,
    sent_by: &str,
) -> Result<Composed, ComposeError> {
    let article = store
        .published_article(slug)
        .await?
        .ok_or_else(|| ComposeError::NoSuchArticle(slug.to_owned()))?;
    let section_ok = match topic.strip_prefix("section:") {
        Some(s) => store.section_by_slug(s).await?.is_some(),
        None => topic == "breaking",
    };
    if !section_ok {
        return Err(ComposeError::BadTopic(topic.to_owned()));
    }
    let card = &article.card;
    let base = site.public_url.trim_end_matches('/');
    let notification = Notification {
        title: card.headline.clone(),
        body: card.standfirst.clone(),
        url: format!("{base}/{}/{}", card.section.slug, card.slug),
        icon: None,
        image: card
            .lead_photo
            .as_ref()
            .map(|p| format!("{base}/media/{}", p.file)),
        tag: masthead_push::topic_for(&card.id),
        alert: String::new(),
        sent_at: 0,
    };
    // Checked now so that the editor hears of it, not the worker.
    let Some(payload) = notification.to_payload() else {
        return Err(ComposeError::TooBig);
    };
    let payload = String::from_utf8(payload).map_err(|_| ComposeError::TooBig)?;
    let created = store
        .create_push_alert(&masthead_store::push::NewAlert {
            article_id: &card.id,
            topic,
            payload: &payload,
            sent_by,
            resend,
        })
        .await?;
    Ok(match created {
        masthead_store::push::AlertCreated::Created { id, audience } => {
            Composed::Created { id, audience }
        }
        masthead_store::push::AlertCreated::AlreadySent { at } => Composed::AlreadySent { at },
    })
}
