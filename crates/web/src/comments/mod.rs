//! Reader comments: threads, posting, replies, edits, likes, reports, the newsroom's
//! moderation queue, and reply emails.
//!
//! How comments are served and cached (see also docs/architecture.md, "Comments"):
//!
//! - The article page stays what it was: cached by the content epoch, with a small "Comments"
//!   block linking to the thread. Comments never raise the content epoch, so a busy thread does
//!   not empty any page cache. The count on that block and on article cards is the article's
//!   `comment_count` as of the page's render (pages re-render at the next content change);
//!   the thread page is always current.
//! - The thread lives at `/{section}/{slug}/comments?page=&sort=`, paged (top-level comments
//!   with their replies). Each thread has a version in the database
//!   (`comment_threads.version`), raised with every change in the same transaction. Each node
//!   keeps the versions it knows ([`CommentsCache`]): it learns its own writes at once and other
//!   nodes' by polling `site_state.comments_epoch` ([`watch_versions`]), one small query per
//!   poll, then reading only the threads that moved.
//! - Thread pages are cached per (article, version, sort, page): for anonymous readers as
//!   finished pages in the page cache (ETag, gzip, brotli, like every reader page); for
//!   signed-in readers as loaded data, rendered per request with their CSRF token, their likes
//!   (one query) and their own edit and delete buttons. A version in the key means a change
//!   never serves a stale thread on the node that made it, and within one poll on the others.
//! - Everything works without JavaScript: forms post and redirect back to the thread with an
//!   anchor (`#c-ID`); errors re-render the thread with the reader's text and a message.
//!
//! - Posting reads what it needs of the reader in one query (session, standing, staff role,
//!   whether the thread is closed: `Store::session_poster`) and the moderation settings from a
//!   per-node copy at most [`SETTINGS_TTL`] old (the node that saves them drops its copy at
//!   once; other nodes follow within the TTL). The write itself is one transaction, shared on
//!   SQLite with the other posts waiting at the same moment (`masthead_store` `group.rs`).
//!
//! Moderation: see `masthead_core::comment` for the rules and `moderation.rs` for the queue.

mod pipeline;
mod react;
mod thread;
pub(crate) mod view;
mod write;

use std::{
    collections::HashMap,
    sync::{
        Arc, RwLock,
        atomic::{AtomicI64, Ordering},
    },
    time::{Duration, Instant},
};

use masthead_core::comment::ModerationSettings;

use axum::{
    Router,
    routing::{get, post},
};
pub use masthead_store::comments::OnDelete;
use masthead_store::comments::{CommentRow, ThreadPage};

use crate::AppState;

/// Top-level comments per page.
pub const PER_PAGE: i64 = 20;

/// Comment settings that need a restart (the newsroom's moderation settings live in the
/// database instead).
#[derive(Debug, Clone, Copy)]
pub struct CommentsConfig {
    /// Threads close this many days after publication (`MASTHEAD_COMMENTS_CLOSE_AFTER_DAYS`);
    /// 0 keeps them open.
    pub close_after_days: i64,
    /// What a deleted account's comments become (`MASTHEAD_COMMENTS_ON_DELETE`).
    pub on_delete: OnDelete,
}

impl Default for CommentsConfig {
    fn default() -> Self {
        Self {
            close_after_days: 14,
            on_delete: OnDelete::Anonymize,
        }
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/{section}/{slug}/comments",
            get(thread::thread_page).post(write::post_comment),
        )
        .route(
            "/{section}/{slug}/comments/{id}/edit",
            get(write::edit_form).post(write::edit_submit),
        )
        .route(
            "/{section}/{slug}/comments/{id}/delete",
            post(write::delete_submit),
        )
        .route(
            "/{section}/{slug}/comments/{id}/like",
            post(react::like_submit),
        )
        .route(
            "/{section}/{slug}/comments/{id}/report",
            get(react::report_form).post(react::report_submit),
        )
}

/// What a thread page needs of its article, kept per content epoch.
#[derive(Debug, Clone)]
pub struct ThreadHead {
    pub article_id: String,
    pub headline: String,
    pub section_slug: String,
    pub slug: String,
    pub published_at: i64,
}

impl ThreadHead {
    pub fn article_path(&self) -> String {
        crate::views::article_path(&self.section_slug, &self.slug)
    }

    pub fn thread_path(&self) -> String {
        format!("{}/comments", self.article_path())
    }
}

/// A loaded page of a thread, shared by every reader who asks for it at this version.
pub struct ThreadData {
    pub page: ThreadPage,
    pub closed_by_newsroom: bool,
}

impl ThreadData {
    pub fn ids(&self) -> Vec<&str> {
        self.page
            .top
            .iter()
            .chain(&self.page.replies)
            .map(|c: &CommentRow| c.id.as_str())
            .collect()
    }
}

/// Thread versions this node knows, article heads, and loaded thread pages.
pub struct CommentsCache {
    versions: RwLock<HashMap<String, i64>>,
    /// The comments epoch up to which `versions` is complete; -1 before the first poll.
    seen_epoch: AtomicI64,
    heads: quick_cache::sync::Cache<String, (i64, Option<Arc<ThreadHead>>)>,
    pages: quick_cache::sync::Cache<String, Arc<ThreadData>>,
    /// The moderation settings as last read, and when.
    settings: RwLock<Option<(Instant, Arc<ModerationSettings>)>>,
    /// What a signed-in reader's view of a thread page needs of them (their likes on the page,
    /// their standing), per thread version, read at most every [`SETTINGS_TTL`].
    pub(crate) viewers: quick_cache::sync::Cache<String, thread::ViewerEntry>,
    /// Raised by every sanction decided on this node: its readers' cached standing is then
    /// read again at once (other nodes' within `SETTINGS_TTL`).
    pub(crate) sanctions: AtomicI64,
    /// Signed-in thread pages, rendered once per thread version and per *viewer state* (see
    /// `thread::show`), with a marker where each reader's CSRF token goes; bounded by bytes.
    pub(crate) reader_pages: quick_cache::sync::Cache<String, Arc<String>, PageBytes>,
    /// The marker, unguessable and made once per process, so no text can contain it.
    pub(crate) csrf_marker: String,
}

/// Memory for signed-in thread pages.
pub const READER_PAGES_BYTES: u64 = 32 * 1024 * 1024;

#[derive(Clone)]
pub(crate) struct PageBytes;

impl quick_cache::Weighter<String, Arc<String>> for PageBytes {
    fn weight(&self, key: &String, page: &Arc<String>) -> u64 {
        (key.len() + page.len()) as u64
    }
}

/// How long a node uses the moderation settings it read before reading them again: a change
/// saved on another node applies here within this time.
pub const SETTINGS_TTL: Duration = Duration::from_secs(1);

impl Default for CommentsCache {
    fn default() -> Self {
        Self::new()
    }
}

impl CommentsCache {
    pub fn new() -> Self {
        Self {
            versions: RwLock::new(HashMap::new()),
            seen_epoch: AtomicI64::new(-1),
            heads: quick_cache::sync::Cache::new(4096),
            pages: quick_cache::sync::Cache::new(2048),
            settings: RwLock::new(None),
            viewers: quick_cache::sync::Cache::new(50_000),
            sanctions: AtomicI64::new(0),
            reader_pages: quick_cache::sync::Cache::with_weighter(
                4096,
                READER_PAGES_BYTES,
                PageBytes,
            ),
            csrf_marker: format!("csrf-marker-{}", masthead_core::secret::random_token()),
        }
    }

    pub fn version(&self, article_id: &str) -> i64 {
        self.versions
            .read()
            .ok()
            .and_then(|m| m.get(article_id).copied())
            .unwrap_or(0)
    }

    /// A moderator on this node warned, suspended, banned or restored someone.
    pub fn sanctioned(&self) {
        self.sanctions.fetch_add(1, Ordering::AcqRel);
    }

    /// Records a thread version (from a local write, or a poll); versions only move forward.
    pub fn observe(&self, article_id: &str, version: i64) {
        if let Ok(mut m) = self.versions.write() {
            let v = m.entry(article_id.to_owned()).or_insert(version);
            *v = (*v).max(version);
        }
    }
}

impl AppState {
    /// The moderation settings, from this node's copy if it is fresh (see [`SETTINGS_TTL`]).
    pub async fn comment_settings(
        &self,
    ) -> Result<Arc<ModerationSettings>, masthead_store::StoreError> {
        let cached = self.comments.settings.read().ok().and_then(|g| g.clone());
        if let Some((read_at, s)) = cached
            && read_at.elapsed() < SETTINGS_TTL
        {
            return Ok(s);
        }
        let s = Arc::new(self.store.comment_settings().await?);
        if let Ok(mut g) = self.comments.settings.write() {
            *g = Some((Instant::now(), s.clone()));
        }
        Ok(s)
    }

    /// Drops this node's copy of the moderation settings (after saving new ones).
    pub fn forget_comment_settings(&self) {
        if let Ok(mut g) = self.comments.settings.write() {
            *g = None;
        }
    }

    /// Reads the threads that changed since the last look (other nodes' writes).
    pub async fn refresh_comment_versions(&self) -> Result<(), masthead_store::StoreError> {
        let c = &self.comments;
        let epoch = self.store.comments_epoch().await?;
        let seen = c.seen_epoch.load(Ordering::Acquire);
        if epoch == seen {
            return Ok(());
        }
        for (article_id, version) in self.store.threads_changed_since(seen).await? {
            c.observe(&article_id, version);
        }
        c.seen_epoch.store(epoch, Ordering::Release);
        Ok(())
    }
}

pub async fn watch_versions(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    loop {
        if let Err(e) = state.refresh_comment_versions().await {
            tracing::warn!(error = %e, "cannot read comment versions; threads may be stale until the database answers");
        }
        tokio::select! {
            _ = tokio::time::sleep(state.config.epoch_poll) => {}
            _ = stop.changed() => return,
        }
    }
}
