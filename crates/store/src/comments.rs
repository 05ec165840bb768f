//! Reader comments: threads, likes, reports, commenters' standing, and reply notices.
//!
//! Every write that changes what a thread shows is one transaction that also raises the
//! comments epoch (`site_state.comments_epoch`) and stamps the thread
//! (`comment_threads.version`) with it. Nodes poll the epoch and refresh only the threads that
//! moved ([`Store::threads_changed_since`]): comments never raise the content epoch, so a busy
//! thread does not empty every node's page cache. The article's `comment_count` (shown on
//! cards) is kept in step in the same transaction.
//!
//! Moderation decisions ([`Store::moderate_comment`], [`Store::sanction_commenter`]) are
//! written with their audit row in one transaction. A published reply enqueues, in its own
//! transaction, the batched email to the writer of the comment it answers (see
//! [`SendReplyEmail`]).

use masthead_core::{
    comment::{CommentBody, ModerationMode, ModerationSettings, Standing},
    new_id,
};
use sqlx::{Row, any::AnyRow};

use crate::{Result, Store, StoreError, Tx, jobs, now_ms};

/// Replies to one reader are gathered for this long before one email goes out.
pub const REPLY_BATCH_MS: i64 = 15 * 60_000;
/// The same text from the same reader within this time is a duplicate.
pub const DUPLICATE_WINDOW_MS: i64 = 10 * 60_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pending,
    Published,
    Rejected,
    Deleted,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Published => "published",
            Self::Rejected => "rejected",
            Self::Deleted => "deleted",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "pending" => Self::Pending,
            "published" => Self::Published,
            "rejected" => Self::Rejected,
            "deleted" => Self::Deleted,
            other => {
                return Err(StoreError::Corrupt(format!(
                    "unknown comment status {other}"
                )));
            }
        })
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct CommentRow {
    pub id: String,
    pub article_id: String,
    pub parent_id: Option<String>,
    pub reader_id: Option<String>,
    pub author_name: String,
    pub author_role: Option<String>,
    pub body_text: String,
    pub body_html: String,
    pub status: Status,
    pub hold_reason: Option<String>,
    pub featured: bool,
    pub like_count: i64,
    pub open_reports: i64,
    pub reply_count: i64,
    pub created_at: i64,
    pub edited_at: Option<i64>,
}

const COLUMNS: &str = "c.id, c.article_id, c.parent_id, c.reader_id, c.author_name, c.author_role, \
    c.body_text, c.body_html, c.status, c.hold_reason, c.featured, c.like_count, c.open_reports, \
    c.reply_count, c.created_at, c.edited_at";

fn comment_row(r: &AnyRow) -> Result<CommentRow> {
    Ok(CommentRow {
        id: r.try_get("id")?,
        article_id: r.try_get("article_id")?,
        parent_id: r.try_get("parent_id")?,
        reader_id: r.try_get("reader_id")?,
        author_name: r.try_get("author_name")?,
        author_role: r.try_get("author_role")?,
        body_text: r.try_get("body_text")?,
        body_html: r.try_get("body_html")?,
        status: Status::parse(&r.try_get::<String, _>("status")?)?,
        hold_reason: r.try_get("hold_reason")?,
        featured: r.try_get::<i64, _>("featured")? != 0,
        like_count: r.try_get("like_count")?,
        open_reports: r.try_get("open_reports")?,
        reply_count: r.try_get("reply_count")?,
        created_at: r.try_get("created_at")?,
        edited_at: r.try_get("edited_at")?,
    })
}

/// A new comment, already parsed and decided on.
#[derive(Debug, Clone)]
pub struct NewComment {
    pub article_id: String,
    pub parent_id: Option<String>,
    pub reader_id: String,
    pub author_name: String,
    pub author_role: Option<String>,
    pub body: CommentBody,
    pub status: Status,
    pub hold_reason: Option<String>,
    /// Comments this reader may post per minute (counted in the posting transaction).
    pub per_minute: i64,
    /// The reader has no display name yet: `author_name` becomes it, in the posting
    /// transaction (their first comment).
    pub save_display_name: bool,
}

/// Why a write was refused; each is the reader's to fix, with a message in the web layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The comment (or the one replied to) does not exist, is not published, or is on
    /// another article.
    NotFound,
    /// The same text from the same reader, a moment ago.
    Duplicate,
    /// Only the writer may change it, within the edit window.
    NotYours,
    EditWindowOver,
    /// Over the reader's posting rate.
    TooFast,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Oldest,
    Newest,
    Liked,
}

impl Sort {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Oldest => "oldest",
            Self::Newest => "newest",
            Self::Liked => "liked",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "oldest" => Some(Self::Oldest),
            "newest" => Some(Self::Newest),
            "liked" => Some(Self::Liked),
            _ => None,
        }
    }

    fn order_by(self) -> &'static str {
        match self {
            Self::Oldest => "c.featured DESC, c.created_at ASC, c.id ASC",
            Self::Newest => "c.featured DESC, c.created_at DESC, c.id DESC",
            Self::Liked => "c.featured DESC, c.like_count DESC, c.created_at ASC, c.id ASC",
        }
    }
}

/// One page of a thread: top-level comments (featured first) with their replies.
#[derive(Debug, Clone, Default)]
pub struct ThreadPage {
    pub top: Vec<CommentRow>,
    pub replies: Vec<CommentRow>,
    /// Top-level comments shown across all pages.
    pub total_top: i64,
    /// Published comments, replies included (the count in the heading).
    pub total: i64,
}

#[derive(Debug, Clone, Default)]
pub struct Commenter {
    /// The name their comments carry (set with their first comment).
    pub display_name: Option<String>,
    pub approved_count: i64,
    pub standing: Standing,
    pub warned_at: Option<i64>,
    pub reply_emails: bool,
}

/// The reader about to post, as [`Store::session_poster`] reads them.
#[derive(Debug, Clone)]
pub struct Poster {
    pub reader: crate::readers::Reader,
    pub commenter: Commenter,
    pub role: Option<masthead_core::Role>,
    /// The newsroom closed the thread by hand.
    pub thread_closed: bool,
}

/// A moderator's decision on a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject,
    Feature,
    Unfeature,
}

impl Decision {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "approve" => Some(Self::Approve),
            "reject" => Some(Self::Reject),
            "feature" => Some(Self::Feature),
            "unfeature" => Some(Self::Unfeature),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approve => "approve",
            Self::Reject => "reject",
            Self::Feature => "feature",
            Self::Unfeature => "unfeature",
        }
    }
}

/// A moderator's decision on a commenter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sanction {
    Warn,
    /// Until this time (ms).
    Suspend(i64),
    Ban,
    /// Lifts a suspension or ban.
    Restore,
}

impl Sanction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Warn => "warn",
            Self::Suspend(_) => "suspend",
            Self::Ban => "ban",
            Self::Restore => "restore",
        }
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct LogEntry {
    pub comment_id: Option<String>,
    pub reader_id: Option<String>,
    pub moderator: String,
    pub action: String,
    pub reason: String,
    pub created_at: i64,
}

/// A comment in the moderation queue, with its article and open reports.
#[derive(Debug, Clone)]
pub struct QueueItem {
    pub comment: CommentRow,
    pub article_slug: String,
    pub article_headline: String,
    pub section_slug: String,
    pub reports: Vec<(String, String)>,
}

/// One list of the moderation queue: its first items, and how many it holds in all.
#[derive(Debug, Clone, Default)]
pub struct QueuePage {
    pub items: Vec<QueueItem>,
    pub total: i64,
}

/// Which list of the moderation queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueTab {
    Pending,
    Reported,
    Approved,
    Rejected,
}

impl QueueTab {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(Self::Pending),
            "reported" => Some(Self::Reported),
            "approved" => Some(Self::Approved),
            "rejected" => Some(Self::Rejected),
            _ => None,
        }
    }
}

/// A reply waiting to be emailed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Notice {
    pub id: String,
    pub comment_id: String,
    pub author_name: String,
    pub body_text: String,
    pub article_headline: String,
    pub article_slug: String,
    pub section_slug: String,
}

/// The email of replies to a reader (run by `masthead-jobs`): one per reader per window of
/// [`REPLY_BATCH_MS`], due when the window ends, so every reply within it goes out in one email.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SendReplyEmail {
    pub reader_id: String,
    /// The window's number (ms since the epoch / [`REPLY_BATCH_MS`]); absent in jobs queued
    /// before it was recorded.
    #[serde(default)]
    pub window: i64,
}

impl SendReplyEmail {
    pub fn for_reply_at(reader_id: &str, now: i64) -> Self {
        Self {
            reader_id: reader_id.to_owned(),
            window: now.div_euclid(REPLY_BATCH_MS),
        }
    }
}

impl jobs::Job for SendReplyEmail {
    const KIND: &'static str = "send_comment_reply_email";

    fn key(&self) -> Option<String> {
        Some(format!("comment-reply:{}:{}", self.reader_id, self.window))
    }

    fn run_at(&self) -> Option<i64> {
        Some((self.window + 1) * REPLY_BATCH_MS)
    }
}

fn body_hash(text: &str) -> String {
    masthead_core::secret::hash_secret(text.trim())
}

/// Raises the comments epoch and stamps the thread with it; returns the new version.
async fn touch_thread(tx: &mut Tx, article_id: &str) -> Result<i64> {
    touch_threads(tx, &[article_id.to_owned()]).await
}

/// Raises the comments epoch once and stamps every thread in `article_ids` with it (a batch
/// of posts on several threads costs one epoch); returns the new version.
async fn touch_threads(tx: &mut Tx, article_ids: &[String]) -> Result<i64> {
    let version: i64 = sqlx::query_scalar(
        "UPDATE site_state SET value = value + 1 WHERE key = 'comments_epoch' RETURNING value",
    )
    .fetch_one(&mut **tx)
    .await?;
    for article_id in article_ids {
        sqlx::query(
            "INSERT INTO comment_threads (article_id, version) VALUES ($1, $2) \
             ON CONFLICT (article_id) DO UPDATE SET version = excluded.version",
        )
        .bind(article_id)
        .bind(version)
        .execute(&mut **tx)
        .await?;
    }
    Ok(version)
}

/// Keeps the article's and the parent's counts in step when a comment starts or stops being
/// shown.
async fn count_visibility(tx: &mut Tx, c: &CommentRow, delta: i64) -> Result<()> {
    if delta == 0 {
        return Ok(());
    }
    sqlx::query("UPDATE articles SET comment_count = comment_count + $2 WHERE id = $1")
        .bind(&c.article_id)
        .bind(delta)
        .execute(&mut **tx)
        .await?;
    if let Some(parent) = &c.parent_id {
        sqlx::query("UPDATE comments SET reply_count = reply_count + $2 WHERE id = $1")
            .bind(parent)
            .bind(delta)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// A reply has become visible: note it for the parent's writer (unless they replied to
/// themselves or turned reply emails off) and make sure their batch email is queued.
async fn notify_reply(tx: &mut Tx, c: &CommentRow) -> Result<bool> {
    if c.parent_id.is_none() {
        return Ok(false);
    }
    let recipient: Option<String> = sqlx::query_scalar(
        "SELECT p.reader_id FROM comments c JOIN comments p ON p.id = COALESCE(c.reply_to, c.parent_id) \
         LEFT JOIN commenters m ON m.reader_id = p.reader_id \
         WHERE c.id = $1 AND p.reader_id IS NOT NULL AND COALESCE(m.reply_emails, 1) = 1",
    )
    .bind(&c.id)
    .fetch_optional(&mut **tx)
    .await?
    .flatten();
    let Some(recipient) = recipient.filter(|r| Some(r) != c.reader_id.as_ref()) else {
        return Ok(false);
    };
    let now = now_ms();
    sqlx::query(
        "INSERT INTO comment_notices (id, recipient_id, comment_id, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(new_id())
    .bind(&recipient)
    .bind(&c.id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    let job = SendReplyEmail::for_reply_at(&recipient, now);
    jobs::enqueue(tx, &jobs::NewJob::of(&job)).await?;
    Ok(true)
}

async fn comment_in(tx: &mut Tx, id: &str) -> Result<Option<CommentRow>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM comments c WHERE c.id = $1"));
    let row = sqlx::query(sql).bind(id).fetch_optional(&mut **tx).await?;
    row.as_ref().map(comment_row).transpose()
}

async fn log(
    tx: &mut Tx,
    comment_id: Option<&str>,
    reader_id: Option<&str>,
    moderator: &str,
    action: &str,
    reason: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO moderation_log (id, comment_id, reader_id, moderator, action, reason, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(new_id())
    .bind(comment_id)
    .bind(reader_id)
    .bind(moderator)
    .bind(action)
    .bind(reason)
    .bind(now_ms())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

const SETTING_KEYS: [&str; 7] = [
    "comments.mode",
    "comments.trusted_after",
    "comments.banned_words",
    "comments.suspect_words",
    "comments.hold_links",
    "comments.report_threshold",
    "comments.per_minute",
];

impl Store {
    /// The moderation settings; defaults for any not set.
    pub async fn comment_settings(&self) -> Result<ModerationSettings> {
        let rows = sqlx::query("SELECT key, value FROM settings WHERE key LIKE 'comments.%'")
            .fetch_all(self.reader())
            .await?;
        let mut s = ModerationSettings::default();
        for r in rows {
            let key: String = r.try_get("key")?;
            let value: String = r.try_get("value")?;
            let num = |d: i64| value.trim().parse::<i64>().unwrap_or(d);
            match key.as_str() {
                "comments.mode" => s.mode = ModerationMode::parse(&value).unwrap_or(s.mode),
                "comments.trusted_after" => s.trusted_after = num(s.trusted_after),
                "comments.banned_words" => {
                    s.banned_words = masthead_core::comment::parse_word_list(&value)
                }
                "comments.suspect_words" => {
                    s.suspect_words = masthead_core::comment::parse_word_list(&value)
                }
                "comments.hold_links" => s.hold_links = value == "1",
                "comments.report_threshold" => s.report_threshold = num(s.report_threshold),
                "comments.per_minute" => s.per_minute = num(s.per_minute),
                _ => {}
            }
        }
        Ok(s)
    }

    /// Saves the moderation settings with an audit row. No page shows them, so unlike
    /// `set_setting` this does not raise the content epoch; every post reads them afresh.
    pub async fn save_comment_settings(
        &self,
        s: &ModerationSettings,
        moderator: &str,
    ) -> Result<()> {
        let values = [
            s.mode.as_str().to_owned(),
            s.trusted_after.to_string(),
            s.banned_words.join("\n"),
            s.suspect_words.join("\n"),
            if s.hold_links { "1" } else { "0" }.to_owned(),
            s.report_threshold.to_string(),
            s.per_minute.to_string(),
        ];
        let mut tx = self.begin().await?;
        for (key, value) in SETTING_KEYS.iter().zip(values) {
            sqlx::query(
                "INSERT INTO settings (key, value) VALUES ($1, $2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .bind(*key)
            .bind(value)
            .execute(&mut *tx)
            .await?;
        }
        let summary = format!(
            "mode {}, trusted after {}, {} banned and {} suspect words, hold links {}, report threshold {}, {} per minute",
            s.mode.as_str(),
            s.trusted_after,
            s.banned_words.len(),
            s.suspect_words.len(),
            s.hold_links,
            s.report_threshold,
            s.per_minute
        );
        log(&mut tx, None, None, moderator, "settings", &summary).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn comments_epoch(&self) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT value FROM site_state WHERE key = 'comments_epoch'")
                .fetch_one(self.reader())
                .await?,
        )
    }

    /// Threads stamped after `epoch`, with their versions.
    pub async fn threads_changed_since(&self, epoch: i64) -> Result<Vec<(String, i64)>> {
        let rows =
            sqlx::query("SELECT article_id, version FROM comment_threads WHERE version > $1")
                .bind(epoch)
                .fetch_all(self.reader())
                .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("article_id")?, r.try_get("version")?)))
            .collect()
    }

    /// Whether the newsroom closed the thread by hand.
    pub async fn thread_closed(&self, article_id: &str) -> Result<bool> {
        let closed: Option<i64> =
            sqlx::query_scalar("SELECT closed FROM comment_threads WHERE article_id = $1")
                .bind(article_id)
                .fetch_optional(self.reader())
                .await?;
        Ok(closed.unwrap_or(0) != 0)
    }

    pub async fn set_thread_closed(
        &self,
        article_id: &str,
        closed: bool,
        moderator: &str,
    ) -> Result<i64> {
        let mut tx = self.begin().await?;
        let version = touch_thread(&mut tx, article_id).await?;
        sqlx::query("UPDATE comment_threads SET closed = $2 WHERE article_id = $1")
            .bind(article_id)
            .bind(i64::from(closed))
            .execute(&mut *tx)
            .await?;
        let action = if closed {
            "close thread"
        } else {
            "open thread"
        };
        log(&mut tx, None, None, moderator, action, article_id).await?;
        tx.commit().await?;
        Ok(version)
    }

    /// What posting a comment needs to know, in one read: the reader behind a live session,
    /// their standing as a commenter, their staff role if the session is a staff session
    /// (`sessions.rs`), and whether the newsroom closed the thread of `article_id`. `None` when
    /// the session is not live.
    pub async fn session_poster(&self, id_hash: &str, article_id: &str) -> Result<Option<Poster>> {
        let columns = crate::readers::READER_COLUMNS
            .split(", ")
            .map(|c| format!("r.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {columns}, m.approved_count, m.banned, m.suspended_until, m.warned_at, m.reply_emails, \
             CASE WHEN s.staff = 1 THEN st.role END AS staff_role, (SELECT closed FROM comment_threads WHERE article_id = $3) AS thread_closed \
             FROM sessions s JOIN readers r ON r.id = s.reader_id \
             LEFT JOIN commenters m ON m.reader_id = r.id LEFT JOIN staff st ON st.email_key = r.email_key \
             WHERE s.id_hash = $1 AND s.expires_at > $2"
        ));
        let Some(r) = sqlx::query(sql)
            .bind(id_hash)
            .bind(now_ms())
            .bind(article_id)
            .fetch_optional(self.reader())
            .await?
        else {
            return Ok(None);
        };
        let role = r
            .try_get::<Option<String>, _>("staff_role")?
            .map(|role| {
                role.parse()
                    .map_err(|e: masthead_core::ParseError| StoreError::Corrupt(e.0))
            })
            .transpose()?;
        Ok(Some(Poster {
            reader: crate::readers::reader_row(&r)?,
            commenter: Commenter {
                display_name: r.try_get("display_name")?,
                approved_count: r.try_get::<Option<i64>, _>("approved_count")?.unwrap_or(0),
                standing: Standing {
                    banned: r.try_get::<Option<i64>, _>("banned")?.unwrap_or(0) != 0,
                    suspended_until: r.try_get("suspended_until")?,
                },
                warned_at: r.try_get("warned_at")?,
                reply_emails: r.try_get::<Option<i64>, _>("reply_emails")?.unwrap_or(1) != 0,
            },
            role,
            thread_closed: r.try_get::<Option<i64>, _>("thread_closed")?.unwrap_or(0) != 0,
        }))
    }

    /// The reader as a commenter (their name and standing), in one read; defaults for a
    /// reader who never commented or is gone.
    pub async fn commenter(&self, reader_id: &str) -> Result<Commenter> {
        let row = sqlx::query(
            "SELECT r.display_name, m.approved_count, m.banned, m.suspended_until, m.warned_at, m.reply_emails \
             FROM readers r LEFT JOIN commenters m ON m.reader_id = r.id WHERE r.id = $1",
        )
        .bind(reader_id)
        .fetch_optional(self.reader())
        .await?;
        let Some(r) = row else {
            return Ok(Commenter {
                reply_emails: true,
                ..Default::default()
            });
        };
        Ok(Commenter {
            display_name: r.try_get("display_name")?,
            approved_count: r.try_get::<Option<i64>, _>("approved_count")?.unwrap_or(0),
            standing: Standing {
                banned: r.try_get::<Option<i64>, _>("banned")?.unwrap_or(0) != 0,
                suspended_until: r.try_get("suspended_until")?,
            },
            warned_at: r.try_get("warned_at")?,
            reply_emails: r.try_get::<Option<i64>, _>("reply_emails")?.unwrap_or(1) != 0,
        })
    }

    pub async fn set_display_name(&self, reader_id: &str, name: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE readers SET display_name = $2 WHERE id = $1")
            .bind(reader_id)
            .bind(name)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn set_reply_emails(&self, reader_id: &str, on: bool) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO commenters (reader_id, reply_emails) VALUES ($1, $2) \
             ON CONFLICT (reader_id) DO UPDATE SET reply_emails = excluded.reply_emails",
        )
        .bind(reader_id)
        .bind(i64::from(on))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The article's id if it exists (for moderators' thread controls).
    pub async fn article_id_exists(&self, id: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT id FROM articles WHERE id = $1")
            .bind(id)
            .fetch_optional(self.reader())
            .await?)
    }

    pub async fn comment(&self, id: &str) -> Result<Option<CommentRow>> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM comments c WHERE c.id = $1"));
        let row = sqlx::query(sql)
            .bind(id)
            .fetch_optional(self.reader())
            .await?;
        row.as_ref().map(comment_row).transpose()
    }
}

mod moderation;
mod thread;
pub use moderation::*;
pub use thread::Posted;
use thread::clear_comment;
