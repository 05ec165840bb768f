//! The reader side of threads: posting, editing, deleting, reading a page, likes, reports.

use masthead_core::{comment::CommentBody, new_id};

use super::{
    COLUMNS, CommentRow, DUPLICATE_WINDOW_MS, NewComment, Refusal, Sort, Status, ThreadPage,
    body_hash, comment_in, comment_row, count_visibility, notify_reply, touch_thread,
};
use crate::{Result, Store, StoreError, Tx, now_ms};

impl Store {
    /// Posts a comment or a reply. A reply to a reply joins its parent's thread (two levels).
    /// Returns the comment's id and the thread's new version.
    pub async fn post_comment(
        &self,
        c: &NewComment,
    ) -> Result<std::result::Result<(String, i64), Refusal>> {
        let now = now_ms();
        let hash = body_hash(&c.body.text);
        let mut tx = self.begin().await?;
        let key = format!("comment:{}", c.reader_id);
        if !crate::readers::hit_rate_limit_in(&mut tx, &key, 60_000, c.per_minute).await? {
            return Ok(Err(Refusal::TooFast));
        }
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
pub(super) async fn remove_comment(tx: &mut Tx, c: &CommentRow) -> Result<i64> {
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
