//! The reader side of threads: posting, editing, deleting, reading a page, likes, reports.

use masthead_core::{comment::CommentBody, new_id};

use super::{
    COLUMNS, CommentRow, DUPLICATE_WINDOW_MS, NewComment, Refusal, Sort, Status, ThreadPage,
    body_hash, comment_in, comment_row, count_visibility, notify_reply, touch_thread,
    touch_threads,
};
use crate::{Result, Store, StoreError, Tx, now_ms};

/// A posted comment's id and its thread's new version, or why it was refused.
pub type Posted = std::result::Result<(String, i64), Refusal>;

/// Writes a new comment within `tx`, except the thread's version (the caller stamps the thread:
/// once per batch under group commit, see `group.rs`). A reply to a reply joins its parent's
/// thread (two levels). A refused comment writes nothing and does not count against the rate.
///
/// Where writers run one at a time (SQLite's group commit: `serialized`), every check comes
/// before the first write, so a refusal leaves nothing in the shared transaction. Where they
/// run side by side (PostgreSQL), the reader's rate-limit row is taken first: it orders two
/// posts by the same reader, so the second sees the first when it looks for a duplicate; the
/// caller rolls back a refused post, and the count with it.
pub(crate) async fn post_comment_in(
    tx: &mut Tx,
    c: &NewComment,
    serialized: bool,
) -> Result<std::result::Result<String, Refusal>> {
    let now = now_ms();
    let hash = body_hash(&c.body.text);
    if !serialized && !count_post(tx, c, now).await? {
        return Ok(Err(Refusal::TooFast));
    }
    let parent_id = match &c.parent_id {
        None => None,
        Some(pid) => {
            let parent: Option<(String, Option<String>, String)> =
                sqlx::query_as("SELECT article_id, parent_id, status FROM comments WHERE id = $1")
                    .bind(pid)
                    .fetch_optional(&mut **tx)
                    .await?;
            match parent {
                Some((article, grand, status))
                    if article == c.article_id && status == Status::Published.as_str() =>
                {
                    Some(grand.unwrap_or_else(|| pid.clone()))
                }
                _ => return Ok(Err(Refusal::NotFound)),
            }
        }
    };
    let dup: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM comments WHERE reader_id = $1 AND body_hash = $2 AND created_at > $3 \
         AND status <> 'deleted' LIMIT 1",
    )
    .bind(&c.reader_id)
    .bind(&hash)
    .bind(now - DUPLICATE_WINDOW_MS)
    .fetch_optional(&mut **tx)
    .await?;
    if dup.is_some() {
        return Ok(Err(Refusal::Duplicate));
    }
    if serialized && !count_post(tx, c, now).await? {
        return Ok(Err(Refusal::TooFast));
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
    .bind(c.parent_id.as_deref())
    .execute(&mut **tx)
    .await?;
    if c.status == Status::Published {
        // What the count and the reply notice need of the row just written.
        let row = CommentRow {
            id: id.clone(),
            article_id: c.article_id.clone(),
            parent_id,
            reader_id: Some(c.reader_id.clone()),
            author_name: String::new(),
            author_role: None,
            body_text: String::new(),
            body_html: String::new(),
            status: c.status,
            hold_reason: None,
            featured: false,
            like_count: 0,
            open_reports: 0,
            reply_count: 0,
            created_at: now,
            edited_at: None,
        };
        count_visibility(tx, &row, 1).await?;
        notify_reply(tx, &row).await?;
    }
    Ok(Ok(id))
}

/// Counts a post against the reader's rate (`per_minute`, in one-minute windows); false,
/// counting nothing, when the reader is over it.
async fn count_post(tx: &mut Tx, c: &NewComment, now: i64) -> Result<bool> {
    if c.per_minute < 1 {
        return Ok(false);
    }
    let window_start = now - now.rem_euclid(60_000);
    let count: Option<i64> = sqlx::query_scalar(
        "INSERT INTO rate_limits (key, window_start, count) VALUES ($1, $2, 1) \
         ON CONFLICT (key, window_start) DO UPDATE SET count = rate_limits.count + 1 \
         WHERE rate_limits.count < $3 RETURNING count",
    )
    .bind(format!("comment:{}", c.reader_id))
    .bind(window_start)
    .bind(c.per_minute)
    .fetch_optional(&mut **tx)
    .await?;
    // Old windows are of no use; clear them now and then.
    if count == Some(1) {
        sqlx::query("DELETE FROM rate_limits WHERE window_start < $1")
            .bind(now - 2 * 86_400_000)
            .execute(&mut **tx)
            .await?;
    }
    Ok(count.is_some())
}

impl Store {
    /// Posts a comment or a reply; see [`post_comment_in`]. On SQLite the write shares a
    /// transaction with the other writes waiting at the same moment (`group.rs`).
    pub async fn post_comment(&self, c: &NewComment) -> Result<Posted> {
        if let Some(group) = &self.group {
            let (reply, answer) = tokio::sync::oneshot::channel();
            let op = crate::group::Op::PostComment {
                c: Box::new(c.clone()),
                reply,
            };
            if group.send(op).await.is_ok() {
                // Gone without an answer: the batch may or may not have committed, so the
                // comment is not written a second time here.
                return answer.await.map_err(|_| StoreError::Interrupted)?;
            }
        }
        let mut tx = self.begin().await?;
        let id = match post_comment_in(&mut tx, c, false).await? {
            Ok(id) => id,
            // Dropping the transaction rolls it back, rate count included.
            Err(refusal) => return Ok(Err(refusal)),
        };
        let version = touch_threads(&mut tx, std::slice::from_ref(&c.article_id)).await?;
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
    clear_comment(tx, c).await?;
    touch_thread(tx, &c.article_id).await
}

/// [`remove_comment`] without stamping the thread (the caller stamps the threads it touched).
pub(super) async fn clear_comment(tx: &mut Tx, c: &CommentRow) -> Result<()> {
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
    Ok(())
}
