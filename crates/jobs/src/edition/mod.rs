//! The Daily Edition: composing it, starting a send, the chunk jobs that deliver it
//! (`send.rs`), and the daily schedule (`schedule.rs`). Storage and the ledger's rules are
//! `masthead_store::edition`; the story rules and the news day are `masthead_core::edition`.
//!
//! Decisions:
//! - **One email per reader, from one compiled template** (`themes/default/email/daily_edition`):
//!   the stories are fixed when the send starts (stored with the edition as JSON); what differs
//!   per reader is the greeting and the unsubscribe link. Headlines, standfirsts, links and
//!   lead photos only: no body text, so nothing behind the registration wall is ever mailed.
//! - **Bulk-sender headers** on every message: `List-Unsubscribe` (an https one-click URL with
//!   a signed token, and a mailto), `List-Unsubscribe-Post: List-Unsubscribe=One-Click`
//!   (RFC 8058), a `Message-ID` stable per (edition, reader) (`edition-DATE-READER`), and
//!   `Feedback-ID: DATE:daily-edition:masthead:SITE`. All are covered by the DKIM signature
//!   (RSA-2048, and Ed25519 when turned on), made with keys generated on first use and kept in
//!   the `settings` table (`dkim_rsa_private_key`, `dkim_ed25519_seed`), so every node signs
//!   with the same key; `masthead edition dns` prints the records to publish.
//! - **Throughput and manners**: one SMTP pool per node for the edition (`pool_size`
//!   connections, and no more messages in flight than that), at most `concurrent_chunks` chunks
//!   sending at once per node, an optional rate limit per second and per hour (per node), a
//!   back-off per destination domain on 4xx replies (421, 450, 451, 452: the rows stay queued
//!   and the chunk comes back later; after `max_deferrals` tries a row is failed), and a stop
//!   with an alert (an error log line and `masthead_edition_stops_total`) after
//!   `stop_after_permanent` permanent refusals in a row, which is what a provider that has
//!   blocked the sender looks like.
//! - **Mailto unsubscribes** are addressed to `unsubscribe_mailto` (default
//!   `unsubscribe@` the sender's domain) with the token in the subject; reading that mailbox
//!   is not built yet, so the operator should route it to a person until it is.

mod schedule;
mod send;

use std::{collections::HashMap, sync::Arc, time::Duration};

use jiff::{Timestamp, civil::Date, civil::Time};
use masthead_core::edition::{self as rules, EditionContent};
use masthead_mail::{BulkMailer, BulkSettings, DkimKeys, Email};
use masthead_store::{Store, edition::Started, jobs::NewJob};

use crate::{JobEnv, MailSettings, SiteSettings};

pub use schedule::schedule_next;

/// The `settings` keys of the edition's secrets (shared by every node).
pub const UNSUBSCRIBE_KEY_SETTING: &str = "edition_unsubscribe_key";
pub const DKIM_RSA_SETTING: &str = "dkim_rsa_private_key";
pub const DKIM_ED25519_SETTING: &str = "dkim_ed25519_seed";

/// How the edition is sent (`MASTHEAD_EDITION_*`, see docs/configuration.md).
#[derive(Debug, Clone)]
pub struct EditionSettings {
    /// Local time of the daily send, in the publication's time zone.
    pub send_at: Time,
    /// Whether the worker schedules the daily send (the binary turns it on; tests and
    /// embedders leave it off unless they mean it).
    pub schedule: bool,
    pub pool_size: u32,
    pub smtp_timeout: Duration,
    pub chunk_size: i64,
    /// How long one chunk job sends before handing over to its continuation (well under the
    /// worker's lease, so that no other worker takes the chunk over while it runs).
    pub chunk_budget: Duration,
    pub concurrent_chunks: usize,
    pub per_second: Option<u32>,
    pub per_hour: Option<u32>,
    pub stop_after_permanent: u32,
    pub max_deferrals: i64,
    pub dkim_selector: String,
    pub dkim_ed25519: bool,
    pub unsubscribe_mailto: Option<String>,
    /// Soft bounces in a row (editions) that suppress an address.
    pub soft_bounce_limit: i64,
    /// The secrets of the bounce and complaint endpoints (`web::edition::feedback`).
    pub feedback: FeedbackSecrets,
}

/// Secrets of the inbound bounce endpoints; `None` turns an endpoint off (404). Masked in
/// `Debug`, so the effective configuration can be logged.
#[derive(Clone, Default)]
pub struct FeedbackSecrets {
    /// `Authorization: Bearer …` of `POST /edition/feedback/inbound` (DSN/ARF messages).
    pub inbound: Option<String>,
    /// Mailgun's webhook signing key (`POST /edition/feedback/mailgun`).
    pub mailgun: Option<String>,
    /// `user:password` of Postmark's webhook basic auth (`POST /edition/feedback/postmark`).
    pub postmark: Option<String>,
    /// SendGrid's signed event webhook verification key (base64 DER of the P-256 public key,
    /// as SendGrid shows it) for `POST /edition/feedback/sendgrid`.
    pub sendgrid: Option<String>,
}

impl std::fmt::Debug for FeedbackSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mask = |s: &Option<String>| if s.is_some() { "<set>" } else { "<unset>" };
        f.debug_struct("FeedbackSecrets")
            .field("inbound", &mask(&self.inbound))
            .field("mailgun", &mask(&self.mailgun))
            .field("postmark", &mask(&self.postmark))
            .field("sendgrid", &mask(&self.sendgrid))
            .finish()
    }
}

impl Default for EditionSettings {
    fn default() -> Self {
        Self {
            send_at: Time::constant(6, 0, 0, 0),
            schedule: false,
            pool_size: 4,
            smtp_timeout: Duration::from_secs(15),
            chunk_size: masthead_store::edition::DEFAULT_CHUNK_SIZE,
            chunk_budget: Duration::from_secs(60),
            concurrent_chunks: 2,
            per_second: None,
            per_hour: None,
            stop_after_permanent: 50,
            max_deferrals: 10,
            dkim_selector: "masthead".to_owned(),
            dkim_ed25519: false,
            unsubscribe_mailto: None,
            soft_bounce_limit: 3,
            feedback: FeedbackSecrets::default(),
        }
    }
}

impl EditionSettings {
    /// The lease a worker dedicated to sending should take: a chunk may wait a budget for a
    /// slot, send for a budget, and finish a wave that started at the end (one SMTP timeout).
    pub fn lease(&self) -> Duration {
        self.chunk_budget * 2 + self.smtp_timeout + Duration::from_secs(5)
    }
}

/// This node's sending state: settings, the sender (made on first use: it needs the keys from
/// the database), chunk slots, back-offs and the rate gate.
pub struct EditionState {
    pub settings: EditionSettings,
    sender: tokio::sync::OnceCell<Arc<Sender>>,
    chunk_slots: tokio::sync::Semaphore,
    /// Destination domain (or `*` for the server itself) → (until, tries in a row).
    backoff: std::sync::Mutex<HashMap<String, (std::time::Instant, u32)>>,
    permanent_streak: std::sync::atomic::AtomicU32,
    rate: send::RateGate,
}

impl EditionState {
    pub fn new(settings: EditionSettings) -> Self {
        Self {
            chunk_slots: tokio::sync::Semaphore::new(settings.concurrent_chunks.max(1)),
            rate: send::RateGate::new(settings.per_second, settings.per_hour),
            settings,
            sender: tokio::sync::OnceCell::new(),
            backoff: std::sync::Mutex::new(HashMap::new()),
            permanent_streak: std::sync::atomic::AtomicU32::new(0),
        }
    }
}

impl std::fmt::Debug for EditionState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EditionState")
            .field("settings", &self.settings)
            .finish()
    }
}

pub(crate) struct Sender {
    pub mailer: BulkMailer,
    pub unsubscribe_key: Vec<u8>,
}

impl EditionState {
    pub(crate) async fn sender(
        &self,
        store: &Store,
        mail: &MailSettings,
    ) -> anyhow::Result<Arc<Sender>> {
        self.sender
            .get_or_try_init(|| async {
                let from_domain = from_domain(&mail.from)?;
                let keys = dkim_keys(store, &self.settings, &from_domain).await?;
                let mailer = BulkMailer::new(
                    &BulkSettings {
                        smtp_url: mail.smtp_url.clone(),
                        from: mail.from.clone(),
                        outbox_dir: mail.outbox_dir.clone(),
                        pool_size: self.settings.pool_size,
                        timeout: self.settings.smtp_timeout,
                    },
                    Some(&keys),
                )?;
                tracing::info!(mail = %mailer.describe(), dkim = %keys.selector, "daily edition sender");
                Ok(Arc::new(Sender {
                    mailer,
                    unsubscribe_key: unsubscribe_key(store).await?,
                }))
            })
            .await
            .cloned()
    }
}

/// The domain of the sender's address (`Name <news@example.org>` → `example.org`): the DKIM
/// signing domain.
fn from_domain(from: &str) -> anyhow::Result<String> {
    let address = match (from.rfind('<'), from.rfind('>')) {
        (Some(a), Some(b)) if a < b => &from[a + 1..b],
        _ => from.trim(),
    };
    address
        .rsplit_once('@')
        .map(|(_, d)| d.trim().to_ascii_lowercase())
        .filter(|d| !d.is_empty())
        .ok_or_else(|| anyhow::anyhow!("the sender {from:?} has no domain to sign for"))
}

/// The key unsubscribe tokens are signed with, made on first use and shared by every node.
pub async fn unsubscribe_key(store: &Store) -> anyhow::Result<Vec<u8>> {
    let key = store
        .setting_or_insert(
            UNSUBSCRIBE_KEY_SETTING,
            &masthead_core::secret::random_token(),
        )
        .await?;
    Ok(key.into_bytes())
}

/// The site's DKIM keys, generated (and stored) on first use.
pub async fn dkim_keys(
    store: &Store,
    settings: &EditionSettings,
    domain: &str,
) -> anyhow::Result<DkimKeys> {
    let rsa_pem = match store.setting(DKIM_RSA_SETTING).await? {
        Some(pem) => pem,
        None => {
            let generated =
                tokio::task::spawn_blocking(masthead_mail::dkim::generate_rsa_pem).await??;
            store
                .setting_or_insert(DKIM_RSA_SETTING, &generated)
                .await?
        }
    };
    let ed25519_seed = if settings.dkim_ed25519 {
        Some(
            store
                .setting_or_insert(
                    DKIM_ED25519_SETTING,
                    &masthead_mail::dkim::generate_ed25519_seed(),
                )
                .await?,
        )
    } else {
        None
    };
    Ok(DkimKeys {
        selector: settings.dkim_selector.clone(),
        domain: domain.to_owned(),
        rsa_pem,
        ed25519_seed,
    })
}

/// The DNS TXT records to publish for the site's DKIM keys (made now if they do not exist).
pub async fn dns_records(
    store: &Store,
    settings: &EditionSettings,
    mail: &MailSettings,
) -> anyhow::Result<Vec<(String, String)>> {
    let keys = dkim_keys(store, settings, &from_domain(&mail.from)?).await?;
    Ok(keys.dns_records()?)
}

/// The edition dated `date`, composed from the database as it is now, with the editor's
/// curation of that date (introduction, dropped, pinned and reordered stories) applied.
pub async fn compose(
    store: &Store,
    site: &SiteSettings,
    settings: &EditionSettings,
    date: Date,
) -> anyhow::Result<EditionContent> {
    let (from, to) = rules::news_day(date, settings.send_at, &site.time_zone);
    let candidates = store
        .edition_candidates(from.as_millisecond(), to.as_millisecond())
        .await?;
    let sections: Vec<(String, String)> = store
        .sections()
        .await?
        .into_iter()
        .map(|s| (s.slug, s.name))
        .collect();
    let curation = store
        .edition_curation(&date.to_string())
        .await?
        .map(|c| c.curation)
        .unwrap_or_default();
    Ok(rules::curation::compose_curated(
        date, candidates, &sections, &curation,
    ))
}

/// The per-reader parts of one message.
#[derive(Debug, Clone)]
pub struct Recipient<'a> {
    pub reader_id: &'a str,
    pub name: Option<&'a str>,
}

/// The subject, text and HTML of the edition for one reader (a preview passes a made-up
/// reader), with their unsubscribe link.
pub fn render(
    env: &JobEnv,
    content: &EditionContent,
    unsubscribe_url: &str,
    name: Option<&str>,
) -> Result<(String, String, String), masthead_mail::MailError> {
    let site = &env.site;
    env.emails.render(
        "daily_edition",
        minijinja::context! {
            site_name => &site.site_name,
            public_url => &site.public_url,
            edition => content,
            name => name,
            unsubscribe_url => unsubscribe_url,
            account_url => format!("{}/account", site.public_url),
        },
    )
}

/// The one-click unsubscribe URL for a reader, valid [`rules::TOKEN_VALID_DAYS`] after `from_ms`.
pub fn unsubscribe_url(public_url: &str, key: &[u8], reader_id: &str, from_ms: i64) -> String {
    let token = rules::sign_unsubscribe(
        key,
        reader_id,
        from_ms + rules::TOKEN_VALID_DAYS * 86_400_000,
    );
    format!("{public_url}/edition/unsubscribe?t={token}")
}

/// Starts the edition dated `date` unless it exists: composes it and writes the edition, its
/// ledger and its chunk jobs in one transaction. `created` is false when it already existed
/// (a second `edition send` for a date sends nothing).
pub async fn start(env: &JobEnv, date: Date) -> anyhow::Result<Started> {
    let content = compose(&env.store, &env.site, &env.edition.settings, date).await?;
    let (subject, _, _) = render(env, &content, "", None)?;
    let started = env
        .store
        .start_edition(
            &content.date,
            &subject,
            &serde_json::to_string(&content)?,
            env.edition.settings.chunk_size,
        )
        .await?;
    if started.created {
        tracing::info!(
            date = %content.date,
            recipients = started.edition.recipients,
            chunks = started.edition.chunks,
            stories = content.story_count(),
            "daily edition started"
        );
    }
    Ok(started)
}

/// The email for one delivery.
pub(crate) fn email_for(
    env: &JobEnv,
    sender: &Sender,
    edition: &masthead_store::edition::Edition,
    content: &EditionContent,
    to: masthead_core::EmailAddress,
    recipient: Recipient<'_>,
) -> Result<Email, masthead_mail::MailError> {
    let url = unsubscribe_url(
        &env.site.public_url,
        &sender.unsubscribe_key,
        recipient.reader_id,
        edition.started_at,
    );
    let (subject, text, html) = render(env, content, &url, recipient.name)?;
    let token = url.rsplit_once("t=").map(|(_, t)| t).unwrap_or_default();
    let mailto = env
        .edition
        .settings
        .unsubscribe_mailto
        .clone()
        .unwrap_or_else(|| format!("unsubscribe@{}", sender.mailer.from().email.domain()));
    let site_tag: String = env
        .site
        .site_name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(40)
        .collect::<String>()
        .to_ascii_lowercase();
    Ok(Email {
        to,
        subject,
        text,
        html,
        message_id: format!("edition-{}-{}", edition.date, recipient.reader_id),
        headers: vec![
            (
                "List-Unsubscribe".to_owned(),
                format!("<{url}>, <mailto:{mailto}?subject=unsubscribe%20{token}>"),
            ),
            (
                "List-Unsubscribe-Post".to_owned(),
                "List-Unsubscribe=One-Click".to_owned(),
            ),
            (
                "Feedback-ID".to_owned(),
                format!(
                    "{}:daily-edition:masthead:{}",
                    edition.date.replace('-', ""),
                    if site_tag.is_empty() {
                        "site"
                    } else {
                        &site_tag
                    }
                ),
            ),
        ],
    })
}

/// Enqueues the job that starts the next daily edition (idempotent by date).
pub async fn ensure_scheduled(env: &JobEnv) -> anyhow::Result<()> {
    if !env.edition.settings.schedule {
        return Ok(());
    }
    let job = schedule_next(&env.edition.settings, &env.site.time_zone, Timestamp::now());
    env.store.enqueue_job(&NewJob::of(&job)).await?;
    Ok(())
}
