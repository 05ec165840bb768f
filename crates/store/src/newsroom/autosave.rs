//! Autosaves and presence. An autosave is one row per (article, staff member): the editor's
//! fields as typed and the revision they started from. It never touches the article: only a
//! save does, and a save spends the saver's autosave. While autosaving, a snapshot goes into
//! the revisions at most every [`SNAPSHOT_EVERY_MS`], so a long session leaves a trail even
//! if it is never saved.
//!
//! Presence is a row per (article, staff member) refreshed by each autosave and heartbeat;
//! "who else has this open" is everyone else seen within [`PRESENT_FOR_MS`].

use masthead_core::draft::ArticleDraft;
use sqlx::Row;

use super::StaffMember;
use crate::{Result, Store, StoreError, now_ms};

pub const SNAPSHOT_EVERY_MS: i64 = 10 * 60 * 1000;
pub const PRESENT_FOR_MS: i64 = 60 * 1000;

#[derive(Debug, Clone)]
pub struct Autosave {
    pub base_revision: i64,
    pub draft: ArticleDraft,
    pub saved_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presence {
    pub label: String,
    pub seen_at: i64,
}

impl Store {
    /// Keeps `draft` as `staff`'s unsaved work on the article, and notes they have it open.
    /// Returns whether a revision snapshot was taken; `false` for an unknown article too
    /// (see [`Store::editor_article`] to tell).
    pub async fn autosave(
        &self,
        article_id: &str,
        staff: &StaffMember,
        base_revision: i64,
        draft: &ArticleDraft,
    ) -> Result<Option<bool>> {
        let now = now_ms();
        let snapshot =
            serde_json::to_string(draft).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut tx = self.begin().await?;
        let exists: Option<String> = sqlx::query_scalar("SELECT id FROM articles WHERE id = $1")
            .bind(article_id)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            return Ok(None);
        }
        sqlx::query(
            "INSERT INTO article_autosaves (article_id, staff_id, base_revision, snapshot, saved_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (article_id, staff_id) DO UPDATE SET \
             base_revision = excluded.base_revision, snapshot = excluded.snapshot, saved_at = excluded.saved_at",
        )
        .bind(article_id)
        .bind(&staff.id)
        .bind(base_revision)
        .bind(&snapshot)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        touch_presence(&mut tx, article_id, staff, now).await?;
        let last: Option<i64> = sqlx::query_scalar(
            "SELECT MAX(created_at) FROM article_revisions WHERE article_id = $1",
        )
        .bind(article_id)
        .fetch_one(&mut *tx)
        .await?;
        let snap = last.is_none_or(|t| now - t >= SNAPSHOT_EVERY_MS);
        if snap {
            super::revisions::record_revision(
                &mut tx,
                article_id,
                base_revision,
                "autosave",
                false,
                draft,
                Some(staff),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(Some(snap))
    }

    /// `staff`'s unsaved work on the article, if any.
    pub async fn my_autosave(&self, article_id: &str, staff_id: &str) -> Result<Option<Autosave>> {
        let row = sqlx::query(
            "SELECT base_revision, snapshot, saved_at FROM article_autosaves WHERE article_id = $1 AND staff_id = $2",
        )
        .bind(article_id)
        .bind(staff_id)
        .fetch_optional(self.reader())
        .await?;
        let Some(r) = row else { return Ok(None) };
        let snapshot: String = r.try_get("snapshot")?;
        Ok(Some(Autosave {
            base_revision: r.try_get("base_revision")?,
            draft: serde_json::from_str(&snapshot)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            saved_at: r.try_get("saved_at")?,
        }))
    }

    /// Throws away `staff`'s unsaved work on the article.
    pub async fn discard_autosave(&self, article_id: &str, staff_id: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM article_autosaves WHERE article_id = $1 AND staff_id = $2")
            .bind(article_id)
            .bind(staff_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Notes that `staff` has the article open (the editor page, the heartbeat).
    pub async fn heartbeat(&self, article_id: &str, staff: &StaffMember) -> Result<()> {
        let mut tx = self.begin().await?;
        touch_presence(&mut tx, article_id, staff, now_ms()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Everyone but `staff_id` who had the article open in the last minute.
    pub async fn others_present(&self, article_id: &str, staff_id: &str) -> Result<Vec<Presence>> {
        let rows = sqlx::query(
            "SELECT label, seen_at FROM article_presence WHERE article_id = $1 AND staff_id <> $2 \
             AND seen_at > $3 ORDER BY label",
        )
        .bind(article_id)
        .bind(staff_id)
        .bind(now_ms() - PRESENT_FOR_MS)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Presence {
                    label: r.try_get("label")?,
                    seen_at: r.try_get("seen_at")?,
                })
            })
            .collect()
    }
}

async fn touch_presence(
    tx: &mut crate::Tx,
    article_id: &str,
    staff: &StaffMember,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO article_presence (article_id, staff_id, label, seen_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (article_id, staff_id) DO UPDATE SET seen_at = excluded.seen_at, label = excluded.label",
    )
    .bind(article_id)
    .bind(&staff.id)
    .bind(&staff.email)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
