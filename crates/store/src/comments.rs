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
//! [`reply_email_job`]).

use masthead_core::{
    comment::{CommentBody, ModerationMode, ModerationSettings, Standing},
    new_id,
};
use sqlx::{Row, any::AnyRow};

use crate::{Result, Store, StoreError, Tx, jobs, now_ms};

pub const SEND_REPLY_EMAIL: &str = "send_comment_reply_email";
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
    pub approved_count: i64,
    pub standing: Standing,
    pub warned_at: Option<i64>,
    pub reply_emails: bool,
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

/// The email job for replies to `recipient`: one per recipient per window, due when the window
/// ends, so every reply within it goes out in one email.
pub fn reply_email_job(recipient: &str, now: i64) -> jobs::NewJob {
    let window = now.div_euclid(REPLY_BATCH_MS);
    jobs::NewJob::now(
        SEND_REPLY_EMAIL,
        serde_json::json!({ "reader_id": recipient }),
    )
    .at((window + 1) * REPLY_BATCH_MS)
    .key(format!("comment-reply:{recipient}:{window}"))
}

fn body_hash(text: &str) -> String {
    masthead_core::secret::hash_secret(text.trim())
}

/// Raises the comments epoch and stamps the thread with it; returns the new version.
async fn touch_thread(tx: &mut Tx, article_id: &str) -> Result<i64> {
    let version: i64 = sqlx::query_scalar(
        "UPDATE site_state SET value = value + 1 WHERE key = 'comments_epoch' RETURNING value",
    )
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO comment_threads (article_id, version) VALUES ($1, $2) \
         ON CONFLICT (article_id) DO UPDATE SET version = excluded.version",
    )
    .bind(article_id)
    .bind(version)
    .execute(&mut **tx)
    .await?;
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
    jobs::enqueue(tx, &reply_email_job(&recipient, now)).await?;
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

    pub async fn commenter(&self, reader_id: &str) -> Result<Commenter> {
        let row = sqlx::query(
            "SELECT approved_count, banned, suspended_until, warned_at, reply_emails FROM commenters WHERE reader_id = $1",
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
            approved_count: r.try_get("approved_count")?,
            standing: Standing {
                banned: r.try_get::<i64, _>("banned")? != 0,
                suspended_until: r.try_get("suspended_until")?,
            },
            warned_at: r.try_get("warned_at")?,
            reply_emails: r.try_get::<i64, _>("reply_emails")? != 0,
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

    /// Posts a comment or a reply. A reply to a reply joins its parent's thread (two levels).
    /// Returns the comment's id and the thread's new version.
    pub async fn post_comment(
        &self,
        c: &NewComment,
    ) -> Result<std::result::Result<(String, i64), Refusal>> {
        let now = now_ms();
        let hash = body_hash(&c.body.text);
        let mut tx = self.begin().await?;
        let reply_to = c.parent_id.as_deref();
        let parent_id = match &c.parent_id {
            None => None,
            Some(pid) => match comment_in(&mut tx, pid).await? {
                Some(p) if p.article_id == c.article_id && p.status == Status::Published => {
                    Some(p.parent_id.unwrap_or(p.id))
                }
                _ => return Ok(Err(Refusal::NotFound)),
            },
        };
        let dup: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM comments WHERE reader_id = $1 AND body_hash = $2 AND created_at > $3 \
             AND status <> 'deleted'",
        )
        .bind(&c.reader_id)
        .bind(&hash)
        .bind(now - DUPLICATE_WINDOW_MS)
        .fetch_one(&mut *tx)
        .await?;
        if dup > 0 {
            return Ok(Err(Refusal::Duplicate));
        }
        let id = new_id();
        sqlx::query(
            "INSERT INTO comments (id, article_id, parent_id, reply_to, reader_id, author_name, author_role, body_text, \
             body_html, body_hash, status, hold_reason, created_at, updated_at) \
             VALUES ($1, $2, $3, $13, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)",
        )
        .bind(&id)
        .bind(&c.article_id)
        .bind(parent_id.as_deref())
        .bind(&c.reader_id)
        .bind(&c.author_name)
        .bind(c.author_role.as_deref())
        .bind(&c.body.text)
        .bind(&c.body.html)
        .bind(&hash)
        .bind(c.status.as_str())
        .bind(c.hold_reason.as_deref())
        .bind(now)
        .bind(reply_to)
        .execute(&mut *tx)
        .await?;
        let row = comment_in(&mut tx, &id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("inserted comment not found".into()))?;
        if c.status == Status::Published {
            count_visibility(&mut tx, &row, 1).await?;
            notify_reply(&mut tx, &row).await?;
        }
        let version = touch_thread(&mut tx, &c.article_id).await?;
        tx.commit().await?;
        Ok(Ok((id, version)))
    }

    /// The writer edits their comment within the edit window; `status` is the moderation
    /// decision on the new text (an edit can be held like a new comment).
    pub async fn edit_comment(
        &self,
        id: &str,
        reader_id: &str,
        body: &CommentBody,
        status: Status,
        hold_reason: Option<&str>,
    ) -> Result<std::result::Result<i64, Refusal>> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        let Some(c) = comment_in(&mut tx, id).await? else {
            return Ok(Err(Refusal::NotFound));
        };
        if c.reader_id.as_deref() != Some(reader_id)
            || !matches!(c.status, Status::Published | Status::Pending)
        {
            return Ok(Err(Refusal::NotYours));
        }
        if !masthead_core::comment::can_edit(c.created_at, now) {
            return Ok(Err(Refusal::EditWindowOver));
        }
        // An edit never publishes a held comment (one hidden by reports, say): it waits for
        // the moderator like before.
        let (status, hold_reason) = if c.status == Status::Pending {
            (Status::Pending, c.hold_reason.as_deref().or(hold_reason))
        } else {
            (status, hold_reason)
        };
        sqlx::query(
            "UPDATE comments SET body_text = $2, body_html = $3, body_hash = $4, status = $5, hold_reason = $6, \
             edited_at = $7, updated_at = $7 WHERE id = $1",
        )
        .bind(id)
        .bind(&body.text)
        .bind(&body.html)
        .bind(body_hash(&body.text))
        .bind(status.as_str())
        .bind(hold_reason)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let was = i64::from(c.status == Status::Published);
        let is = i64::from(status == Status::Published);
        count_visibility(&mut tx, &c, is - was).await?;
        let version = touch_thread(&mut tx, &c.article_id).await?;
        tx.commit().await?;
        Ok(Ok(version))
    }

    /// The writer deletes their comment: its text goes; if it has replies, a "comment deleted"
    /// placeholder keeps the thread readable.
    pub async fn delete_own_comment(
        &self,
        id: &str,
        reader_id: &str,
    ) -> Result<std::result::Result<(CommentRow, i64), Refusal>> {
        let mut tx = self.begin().await?;
        let Some(c) = comment_in(&mut tx, id).await? else {
            return Ok(Err(Refusal::NotFound));
        };
        if c.reader_id.as_deref() != Some(reader_id) || c.status == Status::Deleted {
            return Ok(Err(Refusal::NotYours));
        }
        let version = remove_comment(&mut tx, &c).await?;
        tx.commit().await?;
        Ok(Ok((c, version)))
    }

    /// One page of a thread. Top-level comments shown: published ones, and deleted ones that
    /// still have replies (as placeholders). Replies: published ones.
    pub async fn thread_page(
        &self,
        article_id: &str,
        sort: Sort,
        limit: i64,
        offset: i64,
    ) -> Result<ThreadPage> {
        let shown = "c.article_id = $1 AND c.parent_id IS NULL AND (c.status = 'published' OR (c.status = 'deleted' AND c.reply_count > 0))";
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM comments c WHERE {shown} ORDER BY {} LIMIT $2 OFFSET $3",
            sort.order_by()
        ));
        let top = sqlx::query(sql)
            .bind(article_id)
            .bind(limit)
            .bind(offset)
            .fetch_all(self.reader())
            .await?
            .iter()
            .map(comment_row)
            .collect::<Result<Vec<_>>>()?;
        let total_top: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM comments c WHERE {shown}"
        )))
        .bind(article_id)
        .fetch_one(self.reader())
        .await?;
        let total: i64 = sqlx::query_scalar("SELECT comment_count FROM articles WHERE id = $1")
            .bind(article_id)
            .fetch_optional(self.reader())
            .await?
            .unwrap_or(0);
        let mut replies = Vec::new();
        if !top.is_empty() {
            // Portable IN list: one parameter per parent (a page holds at most a few dozen).
            let params: Vec<String> = (0..top.len()).map(|i| format!("${}", i + 2)).collect();
            let sql = sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM comments c WHERE c.article_id = $1 AND c.status = 'published' \
                 AND c.parent_id IN ({}) ORDER BY c.created_at ASC, c.id ASC",
                params.join(", ")
            ));
            let mut q = sqlx::query(sql).bind(article_id);
            for t in &top {
                q = q.bind(t.id.clone());
            }
            replies = q
                .fetch_all(self.reader())
                .await?
                .iter()
                .map(comment_row)
                .collect::<Result<Vec<_>>>()?;
        }
        Ok(ThreadPage {
            top,
            replies,
            total_top,
            total,
        })
    }

    /// Which of `ids` the reader has liked.
    pub async fn liked_by(&self, reader_id: &str, ids: &[&str]) -> Result<Vec<String>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let params: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT comment_id FROM comment_likes WHERE reader_id = $1 AND comment_id IN ({})",
            params.join(", ")
        ));
        let mut q = sqlx::query_scalar(sql).bind(reader_id);
        for id in ids {
            q = q.bind(*id);
        }
        Ok(q.fetch_all(self.reader()).await?)
    }

    /// Likes a published comment, or takes the like back. Returns whether it is now liked and
    /// the thread's version; `None` if there is no such published comment on the article.
    pub async fn toggle_like(
        &self,
        article_id: &str,
        comment_id: &str,
        reader_id: &str,
    ) -> Result<Option<(bool, i64)>> {
        let mut tx = self.begin().await?;
        match comment_in(&mut tx, comment_id).await? {
            Some(c) if c.article_id == article_id && c.status == Status::Published => {}
            _ => return Ok(None),
        }
        let removed =
            sqlx::query("DELETE FROM comment_likes WHERE comment_id = $1 AND reader_id = $2")
                .bind(comment_id)
                .bind(reader_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        let liked = removed == 0;
        if liked {
            sqlx::query(
                "INSERT INTO comment_likes (comment_id, reader_id, created_at) VALUES ($1, $2, $3)",
            )
            .bind(comment_id)
            .bind(reader_id)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("UPDATE comments SET like_count = like_count + $2 WHERE id = $1")
            .bind(comment_id)
            .bind(if liked { 1_i64 } else { -1 })
            .execute(&mut *tx)
            .await?;
        let version = touch_thread(&mut tx, article_id).await?;
        tx.commit().await?;
        Ok(Some((liked, version)))
    }

    /// Records a report (once per reader and comment). At `threshold` open reports the comment
    /// is hidden until a moderator looks at it. Returns `None` if there is no such published
    /// comment on the article, else whether the comment is now hidden and the thread version.
    pub async fn report_comment(
        &self,
        article_id: &str,
        comment_id: &str,
        reader_id: &str,
        reason: &str,
        detail: &str,
        threshold: i64,
    ) -> Result<Option<(bool, i64)>> {
        let mut tx = self.begin().await?;
        let c = match comment_in(&mut tx, comment_id).await? {
            Some(c) if c.article_id == article_id && c.status == Status::Published => c,
            _ => return Ok(None),
        };
        let added = sqlx::query(
            "INSERT INTO comment_reports (id, comment_id, reader_id, reason, detail, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (comment_id, reader_id) DO NOTHING",
        )
        .bind(new_id())
        .bind(comment_id)
        .bind(reader_id)
        .bind(reason)
        .bind(detail)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let open = c.open_reports + i64::try_from(added).unwrap_or(0);
        let hide = masthead_core::comment::reports_hide(open, threshold);
        sqlx::query(
            "UPDATE comments SET open_reports = $2, status = $3, hold_reason = $4, updated_at = $5 WHERE id = $1",
        )
        .bind(comment_id)
        .bind(open)
        .bind(if hide { "pending" } else { "published" })
        .bind(if hide { Some("reports") } else { c.hold_reason.as_deref() })
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        if hide {
            count_visibility(&mut tx, &c, -1).await?;
        }
        let version = touch_thread(&mut tx, article_id).await?;
        tx.commit().await?;
        Ok(Some((hide, version)))
    }
}

/// Takes a comment off the thread (its writer deleted it, or their account went): the text is
/// cleared; a comment with replies stays as a placeholder.
async fn remove_comment(tx: &mut Tx, c: &CommentRow) -> Result<i64> {
    sqlx::query(
        "UPDATE comments SET status = 'deleted', body_text = '', body_html = '', featured = 0, updated_at = $2 WHERE id = $1",
    )
    .bind(&c.id)
    .bind(now_ms())
    .execute(&mut **tx)
    .await?;
    if c.status == Status::Published {
        count_visibility(tx, c, -1).await?;
    }
    touch_thread(tx, &c.article_id).await
}

mod moderation;
pub use moderation::*;
