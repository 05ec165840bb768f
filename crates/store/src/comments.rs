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
    comment::{ModerationMode, ModerationSettings, Standing},
    new_id,
};
use sqlx::Row;

use crate::{Result, Store, StoreError, Tx, jobs, now_ms};

/// Replies to one reader are gathered for this long before one email goes out.
pub const REPLY_BATCH_MS: i64 = 15 * 60_000;
/// The same text from the same reader within this time is a duplicate.
pub const DUPLICATE_WINDOW_MS: i64 = 10 * 60_000;

mod types;

pub use types::*;
use types::{COLUMNS, comment_row};

fn body_hash(text: &str) -> String {
    masthead_core::secret::sha256_hex(text.trim())
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
