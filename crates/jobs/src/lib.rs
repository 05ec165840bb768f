//! Masthead's background jobs: each job kind's work, the environment jobs run in, and the one
//! place where every kind is registered ([`worker`]).
//!
//! The queue itself (enqueueing in the writing transaction, leases, retries, purging) is
//! `masthead_store::jobs`; each kind's payload struct sits beside the store code that enqueues
//! it (`PublishArticle` with content, `SendSignInEmail` with sign-in, `SendReplyEmail` with
//! comments, `IndexArticle` with the search feed). This crate gives each kind its `run`, in a
//! file of its own, against a [`JobEnv`] that holds only what jobs need, so that a node can run
//! the worker without serving HTTP (`masthead worker`) and a web node can serve without running
//! jobs (`masthead serve --no-worker`).
//!
//! Adding a kind: a payload struct implementing `masthead_store::jobs::Job` where it is
//! enqueued, `RunJob<JobEnv>` for it here, and one `.register` line in [`worker`].

pub mod address_changed;
pub mod edition;
pub mod http;
pub mod identity_notice;
pub mod photo_variants;
pub mod publish;
pub mod push;
pub mod reply_email;
pub mod search_sync;
pub mod sign_in_email;
pub mod staff_invite;
pub mod token_key;
pub mod websub;

use std::{sync::Arc, time::Duration};

use masthead_store::{
    Store,
    comments::SendReplyEmail,
    content::PublishArticle,
    edition::{SendEditionChunk, StartDailyEdition},
    identities::SendIdentityNotice,
    jobs::Worker,
    photos::MakePhotoVariants,
    push::{DeliverPushChunk, SplitPushAlert},
    search_feed::IndexArticle,
    sign_in::{SendAddressChangedEmail, SendSignInEmail},
    staff::SendStaffInviteEmail,
};

pub use search_sync::SearchState;

/// What the publication's emails need to know of the site.
#[derive(Debug, Clone)]
pub struct SiteSettings {
    pub site_name: String,
    /// The site's address as readers see it, without a trailing slash (links in emails).
    pub public_url: String,
    /// Times in emails are the publication's.
    pub time_zone: jiff::tz::TimeZone,
}

/// Everything a job may use.
pub struct JobEnv {
    pub store: Store,
    pub mailer: masthead_mail::Mailer,
    pub emails: masthead_mail::EmailTemplates,
    pub site: SiteSettings,
    /// This node's search index, where the node serves search. A worker-only node has none:
    /// its `index_article` jobs finish at once, and each serving node's index catches up from
    /// the database within a second ([`search_sync::watch_index`]).
    pub search: Option<Arc<SearchState>>,
    /// Hashes the secrets mailed to readers before they are stored ([`token_key`]).
    pub tokens: masthead_core::secret::TokenHasher,
    /// Web Push: the settings and this node's deliverer (`push.rs`); set with
    /// [`JobEnv::with_push`], the defaults otherwise.
    pub push: push::PushEnv,
    /// Where emails go (the Daily Edition builds its own sender from it).
    pub mail_settings: MailSettings,
    /// The Daily Edition's settings and this node's sending state.
    pub edition: edition::EditionState,
    /// Where photos live and the limits of the image pipeline ([`photo_variants`]); set with
    /// [`JobEnv::with_media`]. Without it, photo jobs fail (a node without a data directory).
    pub media: Option<photo_variants::MediaEnv>,
    /// The WebSub hub to ping when feeds change ([`websub`]); none by default.
    pub websub: websub::WebSubEnv,
}

/// Where emails go, and the theme that may override their templates.
#[derive(Debug, Clone)]
pub struct MailSettings {
    pub smtp_url: Option<String>,
    pub from: String,
    pub outbox_dir: std::path::PathBuf,
    pub theme_dir: Option<std::path::PathBuf>,
}

impl JobEnv {
    pub fn new(
        store: Store,
        mail: &MailSettings,
        site: SiteSettings,
        search: Option<Arc<SearchState>>,
        tokens: masthead_core::secret::TokenHasher,
    ) -> anyhow::Result<Self> {
        let mailer = masthead_mail::Mailer::new(
            mail.smtp_url.as_deref(),
            &mail.from,
            mail.outbox_dir.clone(),
        )?;
        let emails = masthead_mail::EmailTemplates::load(mail.theme_dir.as_deref())?;
        tracing::info!(mail = %mailer.describe(), "email delivery");
        let push = push::PushEnv::new(push::PushSettings::default(), &site.public_url, &mail.from);
        Ok(Self {
            store,
            mailer,
            emails,
            site,
            search,
            tokens,
            push,
            mail_settings: mail.clone(),
            edition: edition::EditionState::new(edition::EditionSettings::default()),
            media: None,
            websub: websub::WebSubEnv::default(),
        })
    }

    /// The same environment with these push settings.
    pub fn with_push(mut self, settings: push::PushSettings, mail_from: &str) -> Self {
        self.push = push::PushEnv::new(settings, &self.site.public_url, mail_from);
        self
    }

    /// Where photos live, for the photo variants job.
    pub fn with_media(mut self, media: photo_variants::MediaEnv) -> Self {
        self.media = Some(media);
        self
    }

    /// The WebSub hub (`MASTHEAD_WEBSUB_HUB`) to ping when feeds change.
    pub fn with_websub(mut self, hub: Option<String>) -> anyhow::Result<Self> {
        self.websub = websub::WebSubEnv::new(hub)?;
        Ok(self)
    }

    /// The Daily Edition's settings (the defaults otherwise: no daily schedule).
    pub fn with_edition(mut self, settings: edition::EditionSettings) -> Self {
        self.edition = edition::EditionState::new(settings);
        self
    }
}

/// Runs every job kind on this node until `shutdown` turns true (see
/// `masthead_store::jobs::Worker::run`); `wake` cuts the idle wait short.
pub async fn run_worker(
    env: Arc<JobEnv>,
    wake: Arc<tokio::sync::Notify>,
    shutdown: tokio::sync::watch::Receiver<bool>,
) {
    if let Err(e) = edition::ensure_scheduled(&env).await {
        tracing::error!(error = %format!("{e:#}"), "cannot schedule the daily edition");
    }
    let worker = worker(env);
    tracing::info!(kinds = ?worker.kinds(), "job worker running");
    worker.run(IDLE_POLL, wake, shutdown).await;
}

/// The worker with every job kind registered.
pub fn worker(env: Arc<JobEnv>) -> Worker {
    Worker::new(env.store.clone())
        .register::<PublishArticle, _>(env.clone())
        .register::<SendSignInEmail, _>(env.clone())
        .register::<SendReplyEmail, _>(env.clone())
        .register::<SendAddressChangedEmail, _>(env.clone())
        .register::<SendStaffInviteEmail, _>(env.clone())
        .register::<SendIdentityNotice, _>(env.clone())
        .register::<SplitPushAlert, _>(env.clone())
        .register::<DeliverPushChunk, _>(env.clone())
        .register::<SendEditionChunk, _>(env.clone())
        .register::<StartDailyEdition, _>(env.clone())
        .register::<MakePhotoVariants, _>(env.clone())
        .register::<masthead_store::websub::PingWebSub, _>(env.clone())
        .register::<IndexArticle, _>(env)
}

/// How long an idle worker waits before looking for due jobs again (work enqueued on this node
/// wakes it at once; other nodes' work is found by polling).
pub const IDLE_POLL: Duration = Duration::from_millis(500);

/// Counts a sent or failed email by its template (a closed set: the theme's email names).
fn count_email(kind: &'static str, sent: bool) {
    let outcome = if sent { "sent" } else { "failed" };
    metrics::counter!("masthead_emails_total", "kind" => kind, "outcome" => outcome).increment(1);
}
