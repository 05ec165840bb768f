//! The reader side of threads: posting, editing, deleting, reading a page, likes, reports.

use masthead_core::{comment::CommentBody, new_id};

use super::{
    COLUMNS, CommentRow, DUPLICATE_WINDOW_MS, NewComment, Refusal, Sort, Status, ThreadPage,
    body_hash, comment_in, comment_row, count_visibility, notify_reply, touch_thread,
    touch_threads,
};
use crate::{
    Result, Store, Tx,
    group::{Batch, BatchHook, GroupWrite, WriteFuture},
    now_ms,
    rate_limit::{RateKey, RateLimit, take_rate_limits},
};

/// A posted comment's id and its thread's new version, or why it was refused.
pub type Posted = std::result::Result<(String, i64), Refusal>;

/// The threads a batch of posts touched, stamped once after the batch with one raise of the
/// comments epoch; `version` is the threads' new version.
#[derive(Default)]
pub(crate) struct TouchedThreads {
    threads: Vec<String>,
    version: i64,
}

impl TouchedThreads {
    fn add(&mut self, article_id: &str) {
        if !self.threads.iter().any(|t| t == article_id) {
            self.threads.push(article_id.to_owned());
        }
    }
}

impl BatchHook for TouchedThreads {
    fn run<'a>(&'a mut self, tx: &'a mut Tx) -> WriteFuture<'a, ()> {
        Box::pin(async move {
            if !self.threads.is_empty() {
                self.version = touch_threads(tx, &self.threads).await?;
            }
            Ok(())
        })
    }
}

/// Posting a comment is a grouped write: on SQLite, posts waiting at the same moment share a
/// transaction and one stamp of their threads.
impl GroupWrite for NewComment {
    type Output = Posted;

    fn apply<'a>(&'a self, tx: &'a mut Tx, batch: &'a mut Batch) -> WriteFuture<'a, Posted> {
        Box::pin(async move {
            let posted = post_comment_in(tx, self).await?;
            if posted.is_ok() {
                batch.hook::<TouchedThreads>().add(&self.article_id);
            }
            // The version is known once the batch's threads are stamped (`finish`).
            Ok(posted.map(|id| (id, 0)))
        })
    }

    fn finish(&self, output: &mut Posted, batch: &Batch) {
        if let (Ok((_, version)), Some(t)) = (output, batch.get::<TouchedThreads>()) {
            *version = t.version;
        }
    }
}

/// Writes a new comment within `tx`, except the thread's version (stamped by
/// [`TouchedThreads`]). A reply to a reply joins its parent's thread (two levels). A refused
/// comment writes nothing and does not count against the rate.
///
/// The order makes this safe both where posts share a transaction (SQLite) and where they run
/// side by side (PostgreSQL):
/// 1. a no-op update of the reader's row: on PostgreSQL it takes the row's lock, which orders
///    two posts by the same reader, so the second sees the first when it looks for a
///    duplicate (on SQLite the single writer already orders them; the update changes nothing);
/// 2. every check: the parent, the duplicate, then the rate as a conditional count, which
///    counts nothing when it refuses;
/// 3. the writes: the reader's display name on their first comment, the comment, its counts
///    and the reply notice.
async fn post_comment_in(
    tx: &mut Tx,
    c: &NewComment,
) -> Result<std::result::Result<String, Refusal>> {
    let now = now_ms();
    let hash = body_hash(&c.body.text);
    sqlx::query("UPDATE readers SET id = id WHERE id = $1")
        .bind(&c.reader_id)
        .execute(&mut **tx)
        .await?;
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
    let rate = RateLimit::per_minute(RateKey::CommentPosts(c.reader_id.clone()), c.per_minute);
    if !take_rate_limits(tx, std::slice::from_ref(&rate)).await? {
        return Ok(Err(Refusal::TooFast));
    }
    if c.save_display_name {
        sqlx::query("UPDATE readers SET display_name = $2 WHERE id = $1 AND display_name IS NULL")
            .bind(&c.reader_id)
            .bind(&c.author_name)
            .execute(&mut **tx)
            .await?;
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

impl Store {
    /// Posts a comment or a reply (see [`post_comment_in`]), as a grouped write.
    pub async fn post_comment(&self, c: &NewComment) -> Result<Posted> {
        self.write_grouped(c.clone()).await
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
