//! The comments' types: rows as read, new comments, refusals, sorting, the moderation queue's
//! lists and decisions, reply notices and their email job.

use masthead_core::comment::{CommentBody, Standing};
use sqlx::{Row, any::AnyRow};

use super::REPLY_BATCH_MS;
use crate::{Result, StoreError, jobs};

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

    pub(super) fn parse(s: &str) -> Result<Self> {
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

pub(super) const COLUMNS: &str = "c.id, c.article_id, c.parent_id, c.reader_id, c.author_name, c.author_role, \
    c.body_text, c.body_html, c.status, c.hold_reason, c.featured, c.like_count, c.open_reports, \
    c.reply_count, c.created_at, c.edited_at";

pub(super) fn comment_row(r: &AnyRow) -> Result<CommentRow> {
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

    pub(super) fn order_by(self) -> &'static str {
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
