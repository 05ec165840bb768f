//! Article revisions: one per save, publish, unpublish and schedule (written by `write.rs` in
//! the transaction of the change) and an autosave snapshot at most every ten minutes
//! (`autosave.rs`). Every version readers saw (`live`) is kept; of the others, the newest
//! [`KEEP_DRAFTS`] per article.

use masthead_core::{draft::ArticleDraft, new_id};
use sqlx::{AnyConnection, Row};

use super::StaffMember;
use crate::{Result, Store, StoreError, now_ms};

/// Draft revisions kept per article (live ones are all kept).
pub const KEEP_DRAFTS: i64 = 50;

#[derive(Debug, Clone)]
pub struct RevisionRow {
    pub id: String,
    pub article_id: String,
    /// The article's revision counter after the write (for an autosave snapshot, the revision
    /// it was based on).
    pub revision: i64,
    /// create, save, publish, schedule, unpublish, autosave, system-publish
    pub kind: String,
    pub live: bool,
    pub draft: ArticleDraft,
    pub staff_label: String,
    pub created_at: i64,
}

pub(crate) async fn record_revision(
    conn: &mut AnyConnection,
    article_id: &str,
    revision: i64,
    kind: &str,
    live: bool,
    draft: &ArticleDraft,
    staff: Option<&StaffMember>,
) -> Result<()> {
    let snapshot = serde_json::to_string(draft).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    sqlx::query(
        "INSERT INTO article_revisions (id, article_id, revision, kind, live, snapshot, staff_id, staff_label, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(new_id())
    .bind(article_id)
    .bind(revision)
    .bind(kind)
    .bind(i64::from(live))
    .bind(snapshot)
    .bind(staff.map(|s| s.id.as_str()))
    .bind(staff.map_or("Masthead", |s| s.email.as_str()))
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "DELETE FROM article_revisions WHERE article_id = $1 AND live = 0 AND id NOT IN \
         (SELECT id FROM article_revisions WHERE article_id = $1 AND live = 0 \
          ORDER BY created_at DESC, id DESC LIMIT $2)",
    )
    .bind(article_id)
    .bind(KEEP_DRAFTS)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn revision_row(r: &sqlx::any::AnyRow) -> Result<RevisionRow> {
    let snapshot: String = r.try_get("snapshot")?;
    Ok(RevisionRow {
        id: r.try_get("id")?,
        article_id: r.try_get("article_id")?,
        revision: r.try_get("revision")?,
        kind: r.try_get("kind")?,
        live: r.try_get::<i64, _>("live")? != 0,
        draft: serde_json::from_str(&snapshot).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        staff_label: r.try_get("staff_label")?,
        created_at: r.try_get("created_at")?,
    })
}

const COLUMNS: &str = "id, article_id, revision, kind, live, snapshot, staff_label, created_at FROM article_revisions";

impl Store {
    /// An article's revisions, newest first.
    pub async fn revisions(&self, article_id: &str) -> Result<Vec<RevisionRow>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} WHERE article_id = $1 ORDER BY created_at DESC, id DESC"
        )))
        .bind(article_id)
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(revision_row).collect()
    }

    /// One revision of one article.
    pub async fn revision(&self, article_id: &str, id: &str) -> Result<Option<RevisionRow>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} WHERE article_id = $1 AND id = $2"
        )))
        .bind(article_id)
        .bind(id)
        .fetch_optional(self.reader())
        .await?;
        row.as_ref().map(revision_row).transpose()
    }
}
