//! What the registration wall tells the newsroom: per article and UTC day, how often the wall
//! was shown, how many registrations it started, and how many accounts it brought.
//!
//! Page views never write: the web layer counts in memory and adds its counts here every few
//! seconds ([`Store::add_wall_stats`]), so any number of nodes can add to the same rows.

use sqlx::Row;

use crate::{Result, Store};

/// Counts to add for one article on one day.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct WallCounts {
    pub impressions: i64,
    pub registrations_started: i64,
    pub signups: i64,
}

impl WallCounts {
    pub fn is_zero(&self) -> bool {
        *self == Self::default()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WallStatsRow {
    /// `YYYY-MM-DD`, UTC.
    pub day: String,
    pub article_id: String,
    pub counts: WallCounts,
}

impl Store {
    /// Adds counts in one transaction.
    pub async fn add_wall_stats(&self, rows: &[WallStatsRow]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin().await?;
        for r in rows {
            sqlx::query(
                "INSERT INTO wall_stats (day, article_id, impressions, registrations_started, signups) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (day, article_id) DO UPDATE SET \
                 impressions = wall_stats.impressions + excluded.impressions, \
                 registrations_started = wall_stats.registrations_started + excluded.registrations_started, \
                 signups = wall_stats.signups + excluded.signups",
            )
            .bind(&r.day)
            .bind(&r.article_id)
            .bind(r.counts.impressions)
            .bind(r.counts.registrations_started)
            .bind(r.counts.signups)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Every row, newest day first (for the newsroom dashboard and tests).
    pub async fn wall_stats(&self) -> Result<Vec<WallStatsRow>> {
        let rows = sqlx::query(
            "SELECT day, article_id, impressions, registrations_started, signups FROM wall_stats \
             ORDER BY day DESC, article_id",
        )
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(WallStatsRow {
                    day: r.try_get("day")?,
                    article_id: r.try_get("article_id")?,
                    counts: WallCounts {
                        impressions: r.try_get("impressions")?,
                        registrations_started: r.try_get("registrations_started")?,
                        signups: r.try_get("signups")?,
                    },
                })
            })
            .collect()
    }
}
