//! Linking a provider's identity to an existing account through the account's email, and the
//! note sent to the reader whenever a provider is linked or unlinked.
//!
//! When a provider names the address of an existing account but its word is not enough to
//! link automatically (not trusted for the domain, or `email_verified` not the boolean
//! `true`), the callback stores the identity in `oidc_links` beside a sign-in request of
//! purpose [`Purpose::LinkIdentity`] for the account's address. The request holds what makes
//! the link safe: its secrets are made by the email job and stored as hashes, it expires with
//! the other links (15 minutes), it is spent once, and it works only in the browser that
//! signed in with the provider (its binding cookie's hash). Spending it signs in, links the
//! identity, ends the account's other sessions and queues the note, in one transaction
//! ([`link_pending_in`], called by `sign_in::complete`).

use masthead_core::EmailAddress;
use sqlx::Row;

use super::{VerifiedIdentity, insert_identity, is_staff, staff_may_use_providers_in};
use crate::{
    Result, Store, StoreError, Tx, jobs, now_ms,
    rate_limit::RateLimit,
    sign_in::{NewSignInRequest, Purpose, create_request_in},
};

/// The note to a reader that a provider was linked to their account or unlinked from it
/// (run by `masthead-jobs`): a reader who did not do it learns of it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SendIdentityNotice {
    pub email: String,
    /// The provider's name as the site shows it ("Google").
    pub provider_name: String,
    /// Linked (true) or unlinked (false).
    pub linked: bool,
    /// When (ms); with the address and the provider, the key.
    pub at: i64,
}

impl jobs::Job for SendIdentityNotice {
    const KIND: &'static str = "send_identity_notice";

    fn key(&self) -> Option<String> {
        Some(format!(
            "identity-notice:{}:{}:{}:{}",
            self.email.to_lowercase(),
            self.provider_name,
            self.linked,
            self.at
        ))
    }
}

/// What asking to link by email led to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkRequest {
    /// The request and its email are queued (the request's id).
    Sent(String),
    /// A rate limit refused it.
    TooMany,
    /// The address has no account (any more).
    NoAccount,
    /// A newsroom account, and admins do not allow providers for staff.
    Staff,
}

/// A link waiting for its email to be used, as the email job needs it.
#[derive(Debug, Clone)]
pub struct PendingLink {
    pub provider_name: String,
}

impl Store {
    /// Stores a sign-in request of purpose [`Purpose::LinkIdentity`] for the account of
    /// `req.email` with the identity to link when it is used, and queues its email; one
    /// transaction, counted against `limits` as any sign-in email.
    pub async fn request_identity_link(
        &self,
        req: &NewSignInRequest,
        identity: &VerifiedIdentity,
        provider_name: &str,
        limits: &[RateLimit],
    ) -> Result<LinkRequest> {
        debug_assert_eq!(req.purpose, Purpose::LinkIdentity);
        let mut tx = self.begin().await?;
        let reader_id: Option<String> =
            sqlx::query_scalar("SELECT id FROM readers WHERE email_key = $1")
                .bind(req.email.canonical())
                .fetch_optional(&mut *tx)
                .await?;
        let Some(reader_id) = reader_id else {
            tx.commit().await?;
            return Ok(LinkRequest::NoAccount);
        };
        if is_staff(&mut tx, &reader_id).await? && !staff_may_use_providers_in(&mut tx).await? {
            tx.commit().await?;
            return Ok(LinkRequest::Staff);
        }
        let mut req = req.clone();
        req.reader_id = Some(reader_id.clone());
        let Some(id) = create_request_in(&mut tx, &req, limits).await? else {
            // The limits' counts are kept: a refused attempt is still an attempt.
            tx.commit().await?;
            return Ok(LinkRequest::TooMany);
        };
        sqlx::query(
            "INSERT INTO oidc_links (request_id, reader_id, issuer, subject, provider, provider_name, email, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&id)
        .bind(&reader_id)
        .bind(&identity.issuer)
        .bind(&identity.subject)
        .bind(&identity.provider)
        .bind(provider_name)
        .bind(identity.email.as_ref().map(|e| e.as_str().to_owned()))
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(LinkRequest::Sent(id))
    }

    /// "Send the email again" for a link request: a new request (same address, browser and
    /// identity) takes over the identity waiting on `old_request_id`, whose link stops
    /// working. `NoAccount` when nothing
    /// waits there any more (spent or gone).
    pub async fn resend_identity_link(
        &self,
        old_request_id: &str,
        req: &NewSignInRequest,
        limits: &[RateLimit],
    ) -> Result<LinkRequest> {
        let mut tx = self.begin().await?;
        let waiting: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM oidc_links WHERE request_id = $1")
                .bind(old_request_id)
                .fetch_one(&mut *tx)
                .await?;
        if waiting == 0 {
            tx.commit().await?;
            return Ok(LinkRequest::NoAccount);
        }
        let Some(id) = create_request_in(&mut tx, req, limits).await? else {
            tx.commit().await?;
            return Ok(LinkRequest::TooMany);
        };
        sqlx::query("UPDATE oidc_links SET request_id = $2 WHERE request_id = $1")
            .bind(old_request_id)
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        // The identity moved to the new email: the old one's link stops working.
        sqlx::query(
            "UPDATE sign_in_requests SET expires_at = $2 WHERE id = $1 AND expires_at > $2",
        )
        .bind(old_request_id)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(LinkRequest::Sent(id))
    }

    /// The link waiting on a sign-in request, if any (for its email).
    pub async fn pending_link(&self, request_id: &str) -> Result<Option<PendingLink>> {
        let name: Option<String> =
            sqlx::query_scalar("SELECT provider_name FROM oidc_links WHERE request_id = $1")
                .bind(request_id)
                .fetch_optional(self.reader())
                .await?;
        Ok(name.map(|provider_name| PendingLink { provider_name }))
    }
}

/// Queues the note that `provider_name` was linked or unlinked, to the reader's address.
pub(crate) async fn queue_notice(
    tx: &mut Tx,
    reader_id: &str,
    provider_name: &str,
    linked: bool,
) -> Result<()> {
    let email: String = sqlx::query_scalar("SELECT email FROM readers WHERE id = $1")
        .bind(reader_id)
        .fetch_one(&mut **tx)
        .await?;
    let note = SendIdentityNotice {
        email,
        provider_name: provider_name.to_owned(),
        linked,
        at: now_ms(),
    };
    jobs::enqueue(tx, &jobs::NewJob::of(&note)).await?;
    Ok(())
}

/// Ends every session of the reader but `keep` (the hash of the one just opened or in use).
pub(crate) async fn end_other_sessions(tx: &mut Tx, reader_id: &str, keep: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE reader_id = $1 AND id_hash <> $2")
        .bind(reader_id)
        .bind(keep)
        .execute(&mut **tx)
        .await?;
    crate::sessions::bump_sessions_epoch(tx).await
}

/// Spending a [`Purpose::LinkIdentity`] request (the session `keep` was just opened for
/// `reader_id`): takes the waiting identity (once) and links it, ends the other sessions and
/// queues the note. `None` when nothing was linked: no identity waited, it was for another
/// account, or the identity was linked to another account meanwhile.
pub(crate) async fn link_pending_in(
    tx: &mut Tx,
    request_id: &str,
    reader_id: &str,
    keep: &str,
) -> Result<Option<String>> {
    let row = sqlx::query(
        "DELETE FROM oidc_links WHERE request_id = $1 \
         RETURNING reader_id, issuer, subject, provider, provider_name, email",
    )
    .bind(request_id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else { return Ok(None) };
    if row.try_get::<String, _>("reader_id")? != reader_id {
        return Ok(None);
    }
    let identity = VerifiedIdentity {
        issuer: row.try_get("issuer")?,
        subject: row.try_get("subject")?,
        provider: row.try_get("provider")?,
        email: row
            .try_get::<Option<String>, _>("email")?
            .map(|e| EmailAddress::parse(&e).map_err(|e| StoreError::Corrupt(e.0)))
            .transpose()?,
    };
    let holder: Option<String> =
        sqlx::query_scalar("SELECT reader_id FROM identities WHERE issuer = $1 AND subject = $2")
            .bind(&identity.issuer)
            .bind(&identity.subject)
            .fetch_optional(&mut **tx)
            .await?;
    let name: String = row.try_get("provider_name")?;
    match holder {
        Some(h) if h == reader_id => return Ok(Some(name)),
        Some(_) => return Ok(None),
        None => {}
    }
    insert_identity(tx, reader_id, &identity).await?;
    end_other_sessions(tx, reader_id, keep).await?;
    queue_notice(tx, reader_id, &name, true).await?;
    Ok(Some(name))
}
