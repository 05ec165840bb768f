//! Unlinking a provider from an account.
//!
//! "The last way in": an account can always be signed in to by email, so a provider is the
//! last way in only when the account's address is not known to work. An address is known to
//! work once the reader has used a link or code we sent to it (`readers.email_proven_at`,
//! set by every spent sign-in secret and confirmed change of address). An account created
//! through a provider has never received our email: its provider's word that the address is
//! verified is not ours, and an address such as a private relay may no longer deliver. Its
//! last provider is therefore kept until the reader has signed in once by email; the page
//! says so and how.

use super::link::{end_other_sessions, queue_notice};
use crate::{Result, Store};

/// What unlinking led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unlink {
    /// Unlinked; the other sessions ended and the note is queued.
    Done,
    /// No such identity on this account.
    NotLinked,
    /// The last provider of an account whose address is not proven (see the module docs).
    LastWayIn,
}

impl Store {
    /// Unlinks the identity (issuer, subject) from `reader_id`, ending the reader's sessions
    /// but `keep` (the hash of the one in use) and queuing the note; refused for the last way
    /// in (see the module docs).
    pub async fn unlink_identity(
        &self,
        reader_id: &str,
        issuer: &str,
        subject: &str,
        provider_name: &str,
        keep: &str,
    ) -> Result<Unlink> {
        let mut tx = self.begin().await?;
        let linked: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM identities WHERE reader_id = $1 AND issuer = $2 AND subject = $3",
        )
        .bind(reader_id)
        .bind(issuer)
        .bind(subject)
        .fetch_one(&mut *tx)
        .await?;
        if linked == 0 {
            tx.commit().await?;
            return Ok(Unlink::NotLinked);
        }
        if !may_unlink_in(&mut tx, reader_id).await? {
            tx.commit().await?;
            return Ok(Unlink::LastWayIn);
        }
        sqlx::query("DELETE FROM identities WHERE reader_id = $1 AND issuer = $2 AND subject = $3")
            .bind(reader_id)
            .bind(issuer)
            .bind(subject)
            .execute(&mut *tx)
            .await?;
        end_other_sessions(&mut tx, reader_id, keep).await?;
        queue_notice(&mut tx, reader_id, provider_name, false).await?;
        tx.commit().await?;
        Ok(Unlink::Done)
    }

    /// Whether the reader may unlink one of their providers now (for the account page).
    pub async fn may_unlink(&self, reader_id: &str) -> Result<bool> {
        let mut conn = self.reader().acquire().await?;
        may_unlink_in(&mut conn, reader_id).await
    }
}

/// The address is proven, or another provider stays.
async fn may_unlink_in(conn: &mut sqlx::AnyConnection, reader_id: &str) -> Result<bool> {
    let proven: Option<i64> =
        sqlx::query_scalar("SELECT email_proven_at FROM readers WHERE id = $1")
            .bind(reader_id)
            .fetch_optional(&mut *conn)
            .await?
            .flatten();
    if proven.is_some() {
        return Ok(true);
    }
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM identities WHERE reader_id = $1")
        .bind(reader_id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(count > 1)
}
