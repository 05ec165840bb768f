//! Reader accounts and sessions. Signing in (requests, secrets, completion) is in
//! [`crate::sign_in`]; what other features keep about a reader is erased through
//! [`crate::erasure`] when the account is deleted.

use masthead_core::EmailAddress;
use sqlx::{Row, any::AnyRow};

use crate::{Result, Store, Tx, now_ms};

#[derive(Debug, Clone, serde::Serialize)]
pub struct Reader {
    pub id: String,
    pub email: String,
    pub display_name: Option<String>,
    pub daily_edition: bool,
    pub terms_version: String,
    pub terms_accepted_at: i64,
    pub created_at: i64,
    pub last_sign_in_at: Option<i64>,
}

pub(crate) const READER_COLUMNS: &str = "id, email, display_name, daily_edition, terms_version, terms_accepted_at, created_at, last_sign_in_at";

pub(crate) fn reader_row(r: &AnyRow) -> Result<Reader> {
    Ok(Reader {
        id: r.try_get("id")?,
        email: r.try_get("email")?,
        display_name: r.try_get("display_name")?,
        daily_edition: r.try_get::<i64, _>("daily_edition")? != 0,
        terms_version: r.try_get("terms_version")?,
        terms_accepted_at: r.try_get("terms_accepted_at")?,
        created_at: r.try_get("created_at")?,
        last_sign_in_at: r.try_get("last_sign_in_at")?,
    })
}

/// A reader, read inside a transaction that just wrote it.
pub(crate) async fn reader_in(tx: &mut Tx, id: &str) -> Result<Reader> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {READER_COLUMNS} FROM readers WHERE id = $1"
    ));
    let row = sqlx::query(sql).bind(id).fetch_one(&mut **tx).await?;
    reader_row(&row)
}

impl Store {
    pub async fn reader_by_email(&self, email: &EmailAddress) -> Result<Option<Reader>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {READER_COLUMNS} FROM readers WHERE email_key = $1"
        ));
        let row = sqlx::query(sql)
            .bind(email.canonical())
            .fetch_optional(self.reader())
            .await?;
        row.as_ref().map(reader_row).transpose()
    }

    pub async fn reader_by_id(&self, id: &str) -> Result<Option<Reader>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {READER_COLUMNS} FROM readers WHERE id = $1"
        ));
        let row = sqlx::query(sql)
            .bind(id)
            .fetch_optional(self.reader())
            .await?;
        row.as_ref().map(reader_row).transpose()
    }

    /// The reader of a live session.
    pub async fn session_reader(&self, id_hash: &str) -> Result<Option<Reader>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {} FROM sessions s JOIN readers r ON r.id = s.reader_id WHERE s.id_hash = $1 AND s.expires_at > $2",
            READER_COLUMNS
                .split(", ")
                .map(|c| format!("r.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        let row = sqlx::query(sql)
            .bind(id_hash)
            .bind(now_ms())
            .fetch_optional(self.reader())
            .await?;
        row.as_ref().map(reader_row).transpose()
    }

    pub async fn set_daily_edition(&self, reader_id: &str, on: bool) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE readers SET daily_edition = $2 WHERE id = $1")
            .bind(reader_id)
            .bind(i64::from(on))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes an account with its sessions and sign-in requests, after every feature
    /// registered in `erasures` has erased or released what it keeps about the reader; all in
    /// one transaction, so a crash leaves the account whole or gone.
    pub async fn delete_reader(
        &self,
        reader_id: &str,
        erasures: &crate::erasure::Erasures,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        erasures.erase_in(&mut tx, reader_id).await?;
        for sql in [
            "DELETE FROM sessions WHERE reader_id = $1",
            "DELETE FROM sign_in_requests WHERE reader_id = $1",
            "DELETE FROM readers WHERE id = $1",
        ] {
            sqlx::query(sql).bind(reader_id).execute(&mut *tx).await?;
        }
        crate::sessions::bump_sessions_epoch(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn count_sessions_of(&self, reader_id: &str) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM sessions WHERE reader_id = $1 AND expires_at > $2",
        )
        .bind(reader_id)
        .bind(now_ms())
        .fetch_one(self.reader())
        .await?)
    }
}
