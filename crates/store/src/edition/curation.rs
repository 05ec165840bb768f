//! The newsroom's side of the edition's storage: the editor's curation per edition date
//! (`edition_curations`; the rules are `masthead_core::edition::curation`), the audience a
//! send would reach now, and how many of an edition's readers have unsubscribed since.

use masthead_core::edition::curation::Curation;
use sqlx::Row;

use crate::{Result, Store, StoreError, now_ms};

/// The stories part of a curation as stored (the introduction has its own column).
#[derive(serde::Serialize, serde::Deserialize)]
struct Stories {
    #[serde(default)]
    order: Vec<String>,
    #[serde(default)]
    dropped: Vec<String>,
    #[serde(default)]
    pinned: Vec<String>,
}

/// A saved curation and who saved it last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedCuration {
    pub curation: Curation,
    pub updated_by: String,
    pub updated_at: i64,
}

impl Store {
    /// The editor's curation of the edition dated `date` (`YYYY-MM-DD`), if any.
    pub async fn edition_curation(&self, date: &str) -> Result<Option<SavedCuration>> {
        let row = sqlx::query(
            "SELECT intro, stories, updated_by, updated_at FROM edition_curations WHERE edition_date = $1",
        )
        .bind(date)
        .fetch_optional(self.reader())
        .await?;
        row.map(|r| {
            let stories: Stories = serde_json::from_str(&r.try_get::<String, _>("stories")?)
                .map_err(|e| StoreError::Corrupt(format!("edition curation {date}: {e}")))?;
            Ok(SavedCuration {
                curation: Curation {
                    intro: r.try_get("intro")?,
                    order: stories.order,
                    dropped: stories.dropped,
                    pinned: stories.pinned,
                },
                updated_by: r.try_get("updated_by")?,
                updated_at: r.try_get("updated_at")?,
            })
        })
        .transpose()
    }

    /// Saves the curation of the edition dated `date`, replacing the last one.
    pub async fn save_edition_curation(
        &self,
        date: &str,
        curation: &Curation,
        by: &str,
    ) -> Result<()> {
        let stories = serde_json::to_string(&Stories {
            order: curation.order.clone(),
            dropped: curation.dropped.clone(),
            pinned: curation.pinned.clone(),
        })
        .map_err(|e| StoreError::Corrupt(format!("edition curation: {e}")))?;
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO edition_curations (edition_date, intro, stories, updated_by, updated_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (edition_date) DO UPDATE SET \
             intro = excluded.intro, stories = excluded.stories, updated_by = excluded.updated_by, \
             updated_at = excluded.updated_at",
        )
        .bind(date)
        .bind(&curation.intro)
        .bind(stories)
        .bind(by)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Readers a send starting now would reach: opted in and not suppressed (the same rule as
    /// [`Store::start_edition`]'s recipient list).
    pub async fn edition_audience(&self) -> Result<i64> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM readers r WHERE r.daily_edition = 1 \
             AND NOT EXISTS (SELECT 1 FROM email_suppressions s WHERE s.email_key = r.email_key)",
        )
        .fetch_one(self.reader())
        .await?;
        Ok(n)
    }

    /// Readers on an edition's list who have turned the edition off since (by its link or on
    /// their account page), by destination domain. A reader who deleted their account is no
    /// longer on the list (the erasure removes their rows) and is not counted.
    pub async fn edition_unsubscribed_by_domain(
        &self,
        edition_id: &str,
    ) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query(
            "SELECT d.domain, COUNT(*) AS n FROM edition_deliveries d \
             JOIN readers r ON r.id = d.reader_id \
             WHERE d.edition_id = $1 AND r.daily_edition = 0 GROUP BY d.domain ORDER BY d.domain",
        )
        .bind(edition_id)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("domain")?, r.try_get("n")?)))
            .collect()
    }
}
