//! Sessions: looking one up, revoking them, and the epoch that tells every node to forget the
//! sessions it cached.
//!
//! A session's staff standing is fixed when it is opened (`sessions.staff`): only a sign-in
//! that followed the staff rules (the browser binding, the short session) opens a staff
//! session. Its role is read from the `staff` table on every lookup (an active member's only:
//! a deactivated member's sessions carry no role, `staff.rs`), so a role changed or removed
//! takes effect at once; a reader's session never gains staff rights, even when its
//! account's address becomes a staff member's.
//!
//! Every revocation raises `site_state.sessions_epoch` in its transaction; nodes poll it (with
//! the other epochs, every second) and empty their session caches when it moves, so a revoked
//! session stops working everywhere within a second.

use masthead_core::Role;
use sqlx::Row;

use crate::{Result, Store, StoreError, Tx, now_ms};

/// A live session, as the request path needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub id_hash: String,
    pub reader_id: String,
    /// The account's address (a change of address ends its sessions, so it is never stale).
    pub email: String,
    /// The staff role, for a staff session whose address is still staff.
    pub staff: Option<Role>,
    pub expires_at: i64,
}

pub(crate) async fn bump_sessions_epoch(tx: &mut Tx) -> Result<()> {
    sqlx::query("UPDATE site_state SET value = value + 1 WHERE key = 'sessions_epoch'")
        .execute(&mut **tx)
        .await?;
    Ok(())
}

impl Store {
    /// The live session with this hash, in one read.
    pub async fn session(&self, id_hash: &str) -> Result<Option<SessionRow>> {
        let row = sqlx::query(
            "SELECT s.reader_id, r.email, s.expires_at, CASE WHEN s.staff = 1 THEN st.role END AS role \
             FROM sessions s JOIN readers r ON r.id = s.reader_id \
             LEFT JOIN staff st ON st.email_key = r.email_key AND st.deactivated_at IS NULL \
             WHERE s.id_hash = $1 AND s.expires_at > $2",
        )
        .bind(id_hash)
        .bind(now_ms())
        .fetch_optional(self.reader())
        .await?;
        let Some(r) = row else { return Ok(None) };
        let staff = r
            .try_get::<Option<String>, _>("role")?
            .map(|role| {
                role.parse()
                    .map_err(|e: masthead_core::ParseError| StoreError::Corrupt(e.0))
            })
            .transpose()?;
        Ok(Some(SessionRow {
            id_hash: id_hash.to_owned(),
            reader_id: r.try_get("reader_id")?,
            email: r.try_get("email")?,
            staff,
            expires_at: r.try_get("expires_at")?,
        }))
    }

    /// Moves the live session stored under `old_hash` to `new_hash` and returns it; None when
    /// there is none. Looked up by a read first, so a cookie that matches nothing (the common
    /// case) costs no write.
    pub async fn rekey_session(
        &self,
        old_hash: &str,
        new_hash: &str,
    ) -> Result<Option<SessionRow>> {
        if self.session(old_hash).await?.is_none() {
            return Ok(None);
        }
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE sessions SET id_hash = $2 WHERE id_hash = $1")
            .bind(old_hash)
            .bind(new_hash)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        // Moved by this request or by another one meanwhile: either way it is under the new
        // hash now.
        self.session(new_hash).await
    }

    pub async fn sessions_epoch(&self) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT value FROM site_state WHERE key = 'sessions_epoch'")
                .fetch_one(self.reader())
                .await?,
        )
    }

    /// Ends one session.
    pub async fn delete_session(&self, id_hash: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&mut *tx)
            .await?;
        bump_sessions_epoch(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Signs a reader out everywhere.
    pub async fn delete_sessions_of(&self, reader_id: &str) -> Result<u64> {
        let mut tx = self.begin().await?;
        let n = sqlx::query("DELETE FROM sessions WHERE reader_id = $1")
            .bind(reader_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        bump_sessions_epoch(&mut tx).await?;
        tx.commit().await?;
        Ok(n)
    }
}
