//! Preview links: a row per link (who made it, until when, whether revoked). The URL carries
//! the row's id and an HMAC of it made with a server secret (the web layer's
//! `newsroom::previews`), so a guessed or altered URL is refused before the database is asked.

use masthead_core::new_id;
use sqlx::Row;

use super::StaffMember;
use crate::{
    Result, Store,
    audit::{AuditEntry, record_audit},
    now_ms,
};

#[derive(Debug, Clone)]
pub struct PreviewLink {
    pub id: String,
    pub article_id: String,
    pub created_by: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
}

impl PreviewLink {
    pub fn usable(&self, now: i64) -> bool {
        self.revoked_at.is_none() && self.expires_at > now
    }
}

fn link_row(r: &sqlx::any::AnyRow) -> Result<PreviewLink> {
    Ok(PreviewLink {
        id: r.try_get("id")?,
        article_id: r.try_get("article_id")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        expires_at: r.try_get("expires_at")?,
        revoked_at: r.try_get("revoked_at")?,
    })
}

const COLUMNS: &str =
    "id, article_id, created_by, created_at, expires_at, revoked_at FROM preview_links";

impl Store {
    pub async fn create_preview_link(
        &self,
        article_id: &str,
        valid_ms: i64,
        staff: &StaffMember,
    ) -> Result<PreviewLink> {
        let now = now_ms();
        let link = PreviewLink {
            id: new_id(),
            article_id: article_id.to_owned(),
            created_by: staff.email.clone(),
            created_at: now,
            expires_at: now + valid_ms,
            revoked_at: None,
        };
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO preview_links (id, article_id, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&link.id)
        .bind(article_id)
        .bind(&link.created_by)
        .bind(now)
        .bind(link.expires_at)
        .execute(&mut *tx)
        .await?;
        record_audit(
            &mut tx,
            AuditEntry {
                actor: &staff.actor(),
                action: "article.preview_link",
                target_kind: "article",
                target_id: Some(article_id),
                summary: format!(
                    "Made a preview link valid for {} hours",
                    valid_ms / 3_600_000
                ),
                before: None,
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(link)
    }

    pub async fn preview_link(&self, id: &str) -> Result<Option<PreviewLink>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(self.reader())
        .await?;
        row.as_ref().map(link_row).transpose()
    }

    pub async fn preview_links_of(&self, article_id: &str) -> Result<Vec<PreviewLink>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} WHERE article_id = $1 ORDER BY created_at DESC"
        )))
        .bind(article_id)
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(link_row).collect()
    }

    /// Revokes a link of this article; `false` when there is no such live link.
    pub async fn revoke_preview_link(
        &self,
        article_id: &str,
        id: &str,
        staff: &StaffMember,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        let n = sqlx::query(
            "UPDATE preview_links SET revoked_at = $3 WHERE id = $1 AND article_id = $2 AND revoked_at IS NULL",
        )
        .bind(id)
        .bind(article_id)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 1 {
            record_audit(
                &mut tx,
                AuditEntry {
                    actor: &staff.actor(),
                    action: "article.preview_revoke",
                    target_kind: "article",
                    target_id: Some(article_id),
                    summary: "Revoked a preview link".into(),
                    before: None,
                    after: None,
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(n == 1)
    }
}
