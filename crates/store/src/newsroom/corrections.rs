//! Corrections, clarifications and updates appended by editors to published articles. Each is
//! kept as written (type, text, time), shown at the foot of the article, raises the article's
//! "Updated" time (`revised_at`, the JSON-LD `dateModified`) and is listed on `/corrections`.
//! They are never edited or removed from the newsroom: a correction of a correction is
//! another correction, as in print.

use masthead_core::new_id;
use sqlx::Row;

use super::StaffMember;
use crate::{
    Result, Store,
    audit::{AuditEntry, record_audit},
    now_ms, state,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CorrectionKind {
    Correction,
    Clarification,
    Update,
}

impl CorrectionKind {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "correction" => Some(Self::Correction),
            "clarification" => Some(Self::Clarification),
            "update" => Some(Self::Update),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Correction => "correction",
            Self::Clarification => "clarification",
            Self::Update => "update",
        }
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Correction {
    pub kind: String,
    pub body: String,
    pub created_at: i64,
}

/// A correction with its article, for `/corrections`.
#[derive(Debug, Clone)]
pub struct CorrectionListItem {
    pub correction: Correction,
    pub headline: String,
    pub slug: String,
    pub section_slug: String,
}

impl Store {
    /// Appends a correction to a published article; `false` (and nothing written) when the
    /// article is not published.
    pub async fn add_correction(
        &self,
        article_id: &str,
        kind: CorrectionKind,
        body: &str,
        staff: &StaffMember,
    ) -> Result<bool> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        let headline: Option<String> = sqlx::query_scalar(
            "UPDATE articles SET revised_at = $2, updated_at = $2 WHERE id = $1 AND status = 'published' RETURNING headline",
        )
        .bind(article_id)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(headline) = headline else {
            return Ok(false);
        };
        sqlx::query(
            "INSERT INTO article_corrections (id, article_id, kind, body, staff_label, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(new_id())
        .bind(article_id)
        .bind(kind.as_str())
        .bind(body)
        .bind(&staff.email)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        record_audit(
            &mut tx,
            AuditEntry {
                actor: &staff.actor(),
                action: "article.correct",
                target_kind: "article",
                target_id: Some(article_id),
                summary: format!("Added a {} to “{headline}”", kind.as_str()),
                before: None,
                after: None,
            },
        )
        .await?;
        crate::search_feed::enqueue_index(&mut tx, article_id, now).await?;
        crate::websub::enqueue_ping(&mut tx, article_id, now).await?;
        state::bump_content_epoch(&mut tx).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// An article's corrections, oldest first (as they are read at its foot).
    pub async fn corrections_of(&self, article_id: &str) -> Result<Vec<Correction>> {
        let rows = sqlx::query(
            "SELECT kind, body, created_at FROM article_corrections WHERE article_id = $1 ORDER BY created_at, id",
        )
        .bind(article_id)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Correction {
                    kind: r.try_get("kind")?,
                    body: r.try_get("body")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    /// Corrections to published articles, newest first.
    pub async fn list_corrections(
        &self,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<CorrectionListItem>> {
        let rows = sqlx::query(
            "SELECT c.kind, c.body, c.created_at, a.headline, a.slug, s.slug AS section_slug \
             FROM article_corrections c JOIN articles a ON a.id = c.article_id \
             JOIN sections s ON s.id = a.section_id WHERE a.status = 'published' \
             ORDER BY c.created_at DESC, c.id DESC LIMIT $1 OFFSET $2",
        )
        .bind(limit)
        .bind(offset)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(CorrectionListItem {
                    correction: Correction {
                        kind: r.try_get("kind")?,
                        body: r.try_get("body")?,
                        created_at: r.try_get("created_at")?,
                    },
                    headline: r.try_get("headline")?,
                    slug: r.try_get("slug")?,
                    section_slug: r.try_get("section_slug")?,
                })
            })
            .collect()
    }

    pub async fn count_corrections(&self) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM article_corrections c JOIN articles a ON a.id = c.article_id WHERE a.status = 'published'",
        )
        .fetch_one(self.reader())
        .await?)
    }
}
