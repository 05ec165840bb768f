//! Shared counters. The content epoch rises with every content change, in the same transaction
//! as the change; each node polls it and drops its page caches when it moves, which is how a
//! change made on one node (or by `masthead import`) reaches the caches of all.

use crate::{Result, Store, Tx};

pub(crate) async fn bump_content_epoch(tx: &mut Tx) -> Result<()> {
    sqlx::query("UPDATE site_state SET value = value + 1 WHERE key = 'content_epoch'")
        .execute(&mut **tx)
        .await?;
    Ok(())
}

impl Store {
    pub async fn content_epoch(&self) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT value FROM site_state WHERE key = 'content_epoch'")
                .fetch_one(self.reader())
                .await?,
        )
    }

    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                .bind(key)
                .fetch_optional(self.reader())
                .await?,
        )
    }

    /// Stores `value` under `key` unless a value is already there, and returns the value that
    /// is stored: several nodes starting at once agree on one generated secret.
    pub async fn setting_or_insert(&self, key: &str, value: &str) -> Result<String> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(value)
        .execute(&mut *tx)
        .await?;
        let stored: String = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(stored)
    }
}

impl Store {
    pub async fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(key)
            .bind(value)
            .execute(&mut *tx)
            .await?;
        bump_content_epoch(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }
}
