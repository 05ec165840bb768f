//! Moderators' decisions (each with its audit row, in one transaction), the queue, reply
//! notices, and what happens to comments when a reader exports or deletes their account.

use sqlx::Row;

use super::{
    COLUMNS, CommentRow, Decision, LogEntry, Notice, QueueItem, QueuePage, QueueTab, Sanction,
    Status, clear_comment, comment_in, comment_row, count_visibility, log, notify_reply,
    touch_thread, touch_threads,
};
use crate::{Result, Store, Tx, erasure::ReaderErasure, group::WriteFuture, now_ms};

/// What a deleted reader's comments become (`MASTHEAD_COMMENTS_ON_DELETE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnDelete {
    /// They stay, shown as by "deleted account".
    Anonymize,
    /// They are removed (a placeholder stays where others replied).
    Remove,
}

impl Store {
    /// Applies a moderator's decision to a comment and records it. Returns the thread's new
    /// version, or `None` if there is no such comment.
    pub async fn moderate_comment(
        &self,
        comment_id: &str,
        decision: Decision,
        moderator: &str,
        reason: &str,
    ) -> Result<Option<i64>> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        let Some(c) = comment_in(&mut tx, comment_id).await? else {
            return Ok(None);
        };
        if c.status == Status::Deleted {
            return Ok(None);
        }
        match decision {
            Decision::Approve | Decision::Reject => {
                let to = if decision == Decision::Approve {
                    Status::Published
                } else {
                    Status::Rejected
                };
                sqlx::query(
                    "UPDATE comments SET status = $2, hold_reason = NULL, open_reports = 0, updated_at = $3 WHERE id = $1",
                )
                .bind(comment_id)
                .bind(to.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await?;
                sqlx::query("UPDATE comment_reports SET reviewed = 1 WHERE comment_id = $1")
                    .bind(comment_id)
                    .execute(&mut *tx)
                    .await?;
                let was = i64::from(c.status == Status::Published);
                let is = i64::from(to == Status::Published);
                count_visibility(&mut tx, &c, is - was).await?;
                // A first approval counts towards the writer's trust, and a reply that becomes
                // visible is news for the writer of the comment it answers.
                if to == Status::Published && c.status == Status::Pending {
                    if c.hold_reason.as_deref() != Some("reports")
                        && let Some(reader) = &c.reader_id
                    {
                        sqlx::query(
                            "INSERT INTO commenters (reader_id, approved_count) VALUES ($1, 1) \
                             ON CONFLICT (reader_id) DO UPDATE SET approved_count = commenters.approved_count + 1",
                        )
                        .bind(reader)
                        .execute(&mut *tx)
                        .await?;
                    }
                    if c.hold_reason.as_deref() != Some("reports") {
                        notify_reply(&mut tx, &c).await?;
                    }
                }
            }
            Decision::Feature | Decision::Unfeature => {
                sqlx::query("UPDATE comments SET featured = $2, updated_at = $3 WHERE id = $1")
                    .bind(comment_id)
                    .bind(i64::from(decision == Decision::Feature))
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        log(
            &mut tx,
            Some(comment_id),
            c.reader_id.as_deref(),
            moderator,
            decision.as_str(),
            reason,
        )
        .await?;
        let version = touch_thread(&mut tx, &c.article_id).await?;
        tx.commit().await?;
        Ok(Some(version))
    }

    /// Warns, suspends, bans or restores a commenter, and records it. False if there is no such
    /// reader.
    pub async fn sanction_commenter(
        &self,
        reader_id: &str,
        sanction: Sanction,
        moderator: &str,
        reason: &str,
    ) -> Result<bool> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        let exists: Option<String> = sqlx::query_scalar("SELECT id FROM readers WHERE id = $1")
            .bind(reader_id)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO commenters (reader_id) VALUES ($1) ON CONFLICT (reader_id) DO NOTHING",
        )
        .bind(reader_id)
        .execute(&mut *tx)
        .await?;
        let (sql, value): (&str, Option<i64>) = match sanction {
            Sanction::Warn => (
                "UPDATE commenters SET warned_at = $2 WHERE reader_id = $1",
                Some(now),
            ),
            Sanction::Suspend(until) => (
                "UPDATE commenters SET suspended_until = $2 WHERE reader_id = $1",
                Some(until),
            ),
            Sanction::Ban => (
                "UPDATE commenters SET banned = 1 WHERE reader_id = $1 AND $2 IS NULL",
                None,
            ),
            Sanction::Restore => (
                "UPDATE commenters SET banned = 0, suspended_until = NULL WHERE reader_id = $1 AND $2 IS NULL",
                None,
            ),
        };
        sqlx::query(sql)
            .bind(reader_id)
            .bind(value)
            .execute(&mut *tx)
            .await?;
        let reason = match sanction {
            Sanction::Suspend(until) => format!("until {}; {reason}", crate::from_ms(until)),
            _ => reason.to_owned(),
        };
        log(
            &mut tx,
            None,
            Some(reader_id),
            moderator,
            sanction.as_str(),
            &reason,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// A list of the moderation queue, oldest first for work lists, newest first for records.
    pub async fn moderation_queue(&self, tab: QueueTab, limit: i64) -> Result<QueuePage> {
        let (filter, order) = match tab {
            QueueTab::Pending => ("c.status = 'pending'", "c.updated_at ASC"),
            QueueTab::Reported => (
                "c.open_reports > 0 AND c.status IN ('pending', 'published')",
                "c.open_reports DESC, c.updated_at ASC",
            ),
            QueueTab::Approved => ("c.status = 'published'", "c.updated_at DESC"),
            QueueTab::Rejected => ("c.status = 'rejected'", "c.updated_at DESC"),
        };
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS}, a.slug AS a_slug, a.headline AS a_headline, s.slug AS s_slug \
             FROM comments c JOIN articles a ON a.id = c.article_id JOIN sections s ON s.id = a.section_id \
             WHERE {filter} ORDER BY {order}, c.id LIMIT $1"
        ));
        let rows = sqlx::query(sql)
            .bind(limit)
            .fetch_all(self.reader())
            .await?;
        let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM comments c WHERE {filter}"
        )))
        .fetch_one(self.reader())
        .await?;
        let comments = rows.iter().map(comment_row).collect::<Result<Vec<_>>>()?;
        // The open reports of every listed comment that has any, in one query.
        let reported: Vec<&str> = comments
            .iter()
            .filter(|c| c.open_reports > 0)
            .map(|c| c.id.as_str())
            .collect();
        let mut reports: std::collections::HashMap<String, Vec<(String, String)>> =
            std::collections::HashMap::new();
        if !reported.is_empty() {
            let params: Vec<String> = (1..=reported.len()).map(|i| format!("${i}")).collect();
            let sql = sqlx::AssertSqlSafe(format!(
                "SELECT comment_id, reason, detail FROM comment_reports WHERE reviewed = 0 \
                 AND comment_id IN ({}) ORDER BY created_at, id",
                params.join(", ")
            ));
            let mut q = sqlx::query(sql);
            for id in &reported {
                q = q.bind(*id);
            }
            for r in q.fetch_all(self.reader()).await? {
                reports
                    .entry(r.try_get("comment_id")?)
                    .or_default()
                    .push((r.try_get("reason")?, r.try_get("detail")?));
            }
        }
        let mut items = Vec::with_capacity(rows.len());
        for (r, comment) in rows.iter().zip(comments) {
            items.push(QueueItem {
                article_slug: r.try_get("a_slug")?,
                article_headline: r.try_get("a_headline")?,
                section_slug: r.try_get("s_slug")?,
                reports: reports.remove(&comment.id).unwrap_or_default(),
                comment,
            });
        }
        Ok(QueuePage { items, total })
    }

    /// The audit trail, newest first.
    pub async fn moderation_log(&self, limit: i64) -> Result<Vec<LogEntry>> {
        let rows = sqlx::query(
            "SELECT comment_id, reader_id, moderator, action, reason, created_at FROM moderation_log \
             ORDER BY created_at DESC, id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(LogEntry {
                    comment_id: r.try_get("comment_id")?,
                    reader_id: r.try_get("reader_id")?,
                    moderator: r.try_get("moderator")?,
                    action: r.try_get("action")?,
                    reason: r.try_get("reason")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    /// Replies not yet emailed to `recipient`, oldest first.
    pub async fn unsent_notices(&self, recipient: &str) -> Result<Vec<Notice>> {
        let rows = sqlx::query(
            "SELECT n.id, n.comment_id, c.author_name, c.body_text, a.headline, a.slug AS a_slug, s.slug AS s_slug \
             FROM comment_notices n JOIN comments c ON c.id = n.comment_id \
             JOIN articles a ON a.id = c.article_id JOIN sections s ON s.id = a.section_id \
             WHERE n.recipient_id = $1 AND n.sent_at IS NULL AND c.status = 'published' \
             ORDER BY n.created_at, n.id",
        )
        .bind(recipient)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Notice {
                    id: r.try_get("id")?,
                    comment_id: r.try_get("comment_id")?,
                    author_name: r.try_get("author_name")?,
                    body_text: r.try_get("body_text")?,
                    article_headline: r.try_get("headline")?,
                    article_slug: r.try_get("a_slug")?,
                    section_slug: r.try_get("s_slug")?,
                })
            })
            .collect()
    }

    pub async fn mark_notices_sent(&self, ids: &[String]) -> Result<()> {
        let mut tx = self.begin().await?;
        let now = now_ms();
        for id in ids {
            sqlx::query("UPDATE comment_notices SET sent_at = $2 WHERE id = $1")
                .bind(id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Every comment the reader wrote, for their data export.
    pub async fn comments_of_reader(&self, reader_id: &str) -> Result<Vec<CommentRow>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM comments c WHERE c.reader_id = $1 ORDER BY c.created_at"
        ));
        sqlx::query(sql)
            .bind(reader_id)
            .fetch_all(self.reader())
            .await?
            .iter()
            .map(comment_row)
            .collect()
    }
}

/// The comments' part of deleting an account (registered with [`crate::erasure::Erasures`]):
/// the reader's comments become "deleted account" or are removed, as the site chose.
#[derive(Debug, Clone, Copy)]
pub struct CommentsErasure(pub OnDelete);

impl ReaderErasure for CommentsErasure {
    fn name(&self) -> &'static str {
        "comments"
    }

    fn erase<'a>(&'a self, tx: &'a mut Tx, reader_id: &'a str) -> WriteFuture<'a, ()> {
        Box::pin(release_reader_comments_in(tx, reader_id, self.0))
    }
}

/// Within the transaction that deletes an account: its comments become "deleted account" or
/// are removed, the likes it gave stop counting, and every thread that changed is stamped once.
/// (Deleting the account row then clears `reader_id`, likes and reports.)
async fn release_reader_comments_in(tx: &mut Tx, reader_id: &str, mode: OnDelete) -> Result<()> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM comments c WHERE c.reader_id = $1"
    ));
    let rows = sqlx::query(sql)
        .bind(reader_id)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(comment_row)
        .collect::<Result<Vec<_>>>()?;
    // Threads whose like counts change, then those whose comments do.
    let mut threads: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT c.article_id FROM comments c JOIN comment_likes l ON l.comment_id = c.id \
         WHERE l.reader_id = $1",
    )
    .bind(reader_id)
    .fetch_all(&mut **tx)
    .await?;
    for c in &rows {
        match mode {
            OnDelete::Anonymize => {
                sqlx::query("UPDATE comments SET author_name = '', reader_id = NULL WHERE id = $1")
                    .bind(&c.id)
                    .execute(&mut **tx)
                    .await?;
            }
            OnDelete::Remove if c.status != Status::Deleted => clear_comment(tx, c).await?,
            OnDelete::Remove => continue,
        }
        if !threads.contains(&c.article_id) {
            threads.push(c.article_id.clone());
        }
    }
    sqlx::query(
        "UPDATE comments SET like_count = like_count - 1 WHERE id IN \
         (SELECT comment_id FROM comment_likes WHERE reader_id = $1)",
    )
    .bind(reader_id)
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM comment_likes WHERE reader_id = $1")
        .bind(reader_id)
        .execute(&mut **tx)
        .await?;
    if !threads.is_empty() {
        touch_threads(tx, &threads).await?;
    }
    Ok(())
}
