//! Sign-in with OpenID Connect providers: flows in progress, linked identities, first
//! sign-ins waiting for consent (the web side is `masthead-web`'s `oidc` module).
//!
//! - A flow (`oidc_flows`) is stored under the hash of its `state` with the hash of the
//!   browser's binding cookie; the callback takes it with one `DELETE … RETURNING`, so a state
//!   works once however many callbacks race for it.
//! - An identity is keyed by (issuer, subject), never by the email address the provider
//!   reports: addresses change hands, subjects do not.
//! - Signing in with an identity, linking it, and registering with it each open the session in
//!   the same transaction as the write, as email sign-in does (`sign_in`).
//! - Staff addresses sign in with providers only when an admin allows it (the setting
//!   [`STAFF_MAY_USE_PROVIDERS`], read at each sign-in so a change applies at once on every
//!   node). Then the staff rules hold as for email: the session is a staff session of the
//!   staff length, its standing fixed when it opens, and the sign-in is audited. The flow is
//!   bound to the browser that started it (the `state` and binding cookie), as a staff email
//!   link is.
//! - Linking by email (`link.rs`) and unlinking (`unlink.rs`, with what "the last way in"
//!   means) each end the reader's other sessions and queue a note to the reader.
//! - Flows and first sign-ins that expired are deleted by [`Store::prune_oidc`], which each
//!   serving node runs every few minutes (and a new flow also prunes).

mod link;
mod unlink;

use masthead_core::{EmailAddress, new_id};
use sqlx::{Row, any::AnyRow};

pub(crate) use link::link_pending_in;
pub use link::{LinkRequest, PendingLink, SendIdentityNotice};
pub use unlink::Unlink;

use crate::{Result, Store, StoreError, Tx, now_ms, readers::Reader, sign_in::NewSession};

/// The setting (`settings` table, `/newsroom/settings`) that lets staff accounts sign in with
/// providers: `"1"` allows, anything else (or nothing) refuses.
pub const STAFF_MAY_USE_PROVIDERS: &str = "oidc.staff_allowed";

/// A flow to store when the reader presses "Continue with".
#[derive(Debug, Clone)]
pub struct NewOidcFlow {
    pub state_hash: String,
    pub provider: String,
    pub bind_hash: String,
    pub pkce_verifier: String,
    pub nonce: String,
    pub return_to: String,
    pub wall_article_id: Option<String>,
    pub valid_for_ms: i64,
}

/// A flow taken back by its callback.
#[derive(Debug, Clone)]
pub struct OidcFlow {
    pub provider: String,
    pub bind_hash: String,
    pub pkce_verifier: String,
    pub nonce: String,
    pub return_to: String,
    pub wall_article_id: Option<String>,
}

/// Who the provider says signed in, once its ID token was checked.
#[derive(Debug, Clone)]
pub struct VerifiedIdentity {
    pub issuer: String,
    pub subject: String,
    pub provider: String,
    pub email: Option<EmailAddress>,
}

/// A linked identity, for the account page.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LinkedIdentity {
    pub issuer: String,
    pub subject: String,
    pub provider: String,
    pub email: Option<String>,
    pub created_at: i64,
    pub last_used_at: i64,
}

/// A first sign-in waiting for the reader's consent.
#[derive(Debug, Clone)]
pub struct OidcPending {
    pub issuer: String,
    pub subject: String,
    pub provider: String,
    pub email: String,
    pub return_to: String,
    pub wall_article_id: Option<String>,
}

/// What signing in with an identity led to.
#[derive(Debug, Clone)]
pub enum IdentitySignIn {
    SignedIn {
        reader: Reader,
        /// The account was created by this sign-in.
        created: bool,
        session_ms: i64,
    },
    /// The account is a newsroom account: it signs in by email.
    Staff,
    /// The account is an editor's or admin's who holds a passkey while passkeys are required:
    /// a provider is not a passkey, so it signs in with the passkey; nothing was written.
    PasskeyRequired,
    /// The identity is not linked, or the account it was linked to is gone; nothing was written.
    Unknown,
    /// Registering: another account took the address meanwhile.
    AddressTaken,
}

/// How long a started flow may take.
pub const FLOW_VALID_MS: i64 = 10 * 60_000;
/// How long a first sign-in waits for consent.
pub const PENDING_VALID_MS: i64 = 15 * 60_000;

fn pending_row(r: &AnyRow) -> Result<OidcPending> {
    Ok(OidcPending {
        issuer: r.try_get("issuer")?,
        subject: r.try_get("subject")?,
        provider: r.try_get("provider")?,
        email: r.try_get("email")?,
        return_to: r.try_get("return_to")?,
        wall_article_id: r.try_get("wall_article_id")?,
    })
}

impl Store {
    /// Deletes the flows and first sign-ins that expired before `now` (ms); the number of
    /// rows deleted. Bounded work per call: at most [`PRUNE_BATCH`] rows of each table, so a
    /// backlog is worked off over a few calls without one long write.
    pub async fn prune_oidc(&self, now: i64) -> Result<u64> {
        let mut tx = self.begin().await?;
        let n = prune_in(&mut tx, now).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Whether admins allow staff accounts to sign in with providers.
    pub async fn staff_may_use_providers(&self) -> Result<bool> {
        Ok(self.setting(STAFF_MAY_USE_PROVIDERS).await?.as_deref() == Some("1"))
    }

    /// Stores a started flow (and forgets flows and pending sign-ins that expired).
    pub async fn create_oidc_flow(&self, flow: &NewOidcFlow) -> Result<()> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        prune_in(&mut tx, now).await?;
        sqlx::query(
            "INSERT INTO oidc_flows (state_hash, provider, bind_hash, pkce_verifier, nonce, return_to, \
             wall_article_id, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&flow.state_hash)
        .bind(&flow.provider)
        .bind(&flow.bind_hash)
        .bind(&flow.pkce_verifier)
        .bind(&flow.nonce)
        .bind(&flow.return_to)
        .bind(flow.wall_article_id.as_deref())
        .bind(now + flow.valid_for_ms)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Takes the live flow of a state (it works once); `None` if unknown, used or expired.
    pub async fn take_oidc_flow(&self, state_hash: &str) -> Result<Option<OidcFlow>> {
        let row = sqlx::query(
            "DELETE FROM oidc_flows WHERE state_hash = $1 \
             RETURNING provider, bind_hash, pkce_verifier, nonce, return_to, wall_article_id, expires_at",
        )
        .bind(state_hash)
        .fetch_optional(&self.write)
        .await?;
        let Some(r) = row else { return Ok(None) };
        if r.try_get::<i64, _>("expires_at")? <= now_ms() {
            return Ok(None);
        }
        Ok(Some(OidcFlow {
            provider: r.try_get("provider")?,
            bind_hash: r.try_get("bind_hash")?,
            pkce_verifier: r.try_get("pkce_verifier")?,
            nonce: r.try_get("nonce")?,
            return_to: r.try_get("return_to")?,
            wall_article_id: r.try_get("wall_article_id")?,
        }))
    }

    /// Signs in with a linked identity: opens the session of its reader.
    pub async fn sign_in_with_identity(
        &self,
        issuer: &str,
        subject: &str,
        session: &NewSession,
    ) -> Result<IdentitySignIn> {
        let mut tx = self.begin().await?;
        let reader_id: Option<String> = sqlx::query_scalar(
            "SELECT reader_id FROM identities WHERE issuer = $1 AND subject = $2",
        )
        .bind(issuer)
        .bind(subject)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(reader_id) = reader_id else {
            tx.commit().await?;
            return Ok(IdentitySignIn::Unknown);
        };
        let outcome = open_session_in(&mut tx, &reader_id, session, false).await?;
        if matches!(outcome, IdentitySignIn::SignedIn { .. }) {
            sqlx::query(
                "UPDATE identities SET last_used_at = $3 WHERE issuer = $1 AND subject = $2",
            )
            .bind(issuer)
            .bind(subject)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(outcome)
    }

    /// Links `identity` to the existing reader `reader_id` and signs in: the reader's other
    /// sessions end (a new way into the account was added) and the reader is told by email.
    pub async fn link_identity_and_sign_in(
        &self,
        reader_id: &str,
        identity: &VerifiedIdentity,
        provider_name: &str,
        session: &NewSession,
    ) -> Result<IdentitySignIn> {
        let mut tx = self.begin().await?;
        if is_staff(&mut tx, reader_id).await? && !staff_may_use_providers_in(&mut tx).await? {
            tx.commit().await?;
            return Ok(IdentitySignIn::Staff);
        }
        insert_identity(&mut tx, reader_id, identity).await?;
        sqlx::query("DELETE FROM sessions WHERE reader_id = $1")
            .bind(reader_id)
            .execute(&mut *tx)
            .await?;
        crate::sessions::bump_sessions_epoch(&mut tx).await?;
        let outcome = open_session_in(&mut tx, reader_id, session, false).await?;
        if matches!(outcome, IdentitySignIn::SignedIn { .. }) {
            link::queue_notice(&mut tx, reader_id, provider_name, true).await?;
            tx.commit().await?;
        }
        // Otherwise nothing is kept: the transaction rolls back when dropped.
        Ok(outcome)
    }

    /// Stores a first sign-in waiting for consent under `id_hash`.
    pub async fn create_oidc_pending(
        &self,
        id_hash: &str,
        identity: &VerifiedIdentity,
        email: &EmailAddress,
        return_to: &str,
        wall_article_id: Option<&str>,
    ) -> Result<()> {
        let now = now_ms();
        sqlx::query(
            "INSERT INTO oidc_pending (id_hash, issuer, subject, provider, email, return_to, wall_article_id, \
             expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id_hash)
        .bind(&identity.issuer)
        .bind(&identity.subject)
        .bind(&identity.provider)
        .bind(email.as_str())
        .bind(return_to)
        .bind(wall_article_id)
        .bind(now + PENDING_VALID_MS)
        .bind(now)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// The live first sign-in stored under `id_hash` (for the confirmation page).
    pub async fn oidc_pending(&self, id_hash: &str) -> Result<Option<OidcPending>> {
        let row = sqlx::query(
            "SELECT issuer, subject, provider, email, return_to, wall_article_id FROM oidc_pending \
             WHERE id_hash = $1 AND expires_at > $2",
        )
        .bind(id_hash)
        .bind(now_ms())
        .fetch_optional(self.reader())
        .await?;
        row.as_ref().map(pending_row).transpose()
    }

    /// Creates the account of a first sign-in (consent recorded as for email registration),
    /// links the identity and opens the session; the pending row is spent.
    pub async fn register_with_identity(
        &self,
        id_hash: &str,
        terms_version: &str,
        daily_edition: bool,
        session: &NewSession,
    ) -> Result<Option<(OidcPending, IdentitySignIn)>> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "DELETE FROM oidc_pending WHERE id_hash = $1 \
             RETURNING issuer, subject, provider, email, return_to, wall_article_id, expires_at",
        )
        .bind(id_hash)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            tx.commit().await?;
            return Ok(None);
        };
        if row.try_get::<i64, _>("expires_at")? <= now {
            tx.commit().await?;
            return Ok(None);
        }
        let pending = pending_row(&row)?;
        let email = EmailAddress::parse(&pending.email).map_err(|e| StoreError::Corrupt(e.0))?;
        let taken: Option<String> =
            sqlx::query_scalar("SELECT id FROM readers WHERE email_key = $1")
                .bind(email.canonical())
                .fetch_optional(&mut *tx)
                .await?;
        let linked: Option<String> = sqlx::query_scalar(
            "SELECT reader_id FROM identities WHERE issuer = $1 AND subject = $2",
        )
        .bind(&pending.issuer)
        .bind(&pending.subject)
        .fetch_optional(&mut *tx)
        .await?;
        if taken.is_some() || linked.is_some() {
            tx.commit().await?;
            return Ok(Some((pending, IdentitySignIn::AddressTaken)));
        }
        let reader_id = new_id();
        sqlx::query(
            "INSERT INTO readers (id, email, email_key, daily_edition, terms_version, terms_accepted_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6)",
        )
        .bind(&reader_id)
        .bind(email.as_str())
        .bind(email.canonical())
        .bind(i64::from(daily_edition))
        .bind(terms_version)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let identity = VerifiedIdentity {
            issuer: pending.issuer.clone(),
            subject: pending.subject.clone(),
            provider: pending.provider.clone(),
            email: Some(email),
        };
        insert_identity(&mut tx, &reader_id, &identity).await?;
        let outcome = open_session_in(&mut tx, &reader_id, session, true).await?;
        tx.commit().await?;
        Ok(Some((pending, outcome)))
    }

    /// The identities linked to a reader, oldest first.
    pub async fn identities_of(&self, reader_id: &str) -> Result<Vec<LinkedIdentity>> {
        let rows = sqlx::query(
            "SELECT issuer, subject, provider, email, created_at, last_used_at FROM identities \
             WHERE reader_id = $1 ORDER BY created_at, provider",
        )
        .bind(reader_id)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(LinkedIdentity {
                    issuer: r.try_get("issuer")?,
                    subject: r.try_get("subject")?,
                    provider: r.try_get("provider")?,
                    email: r.try_get("email")?,
                    created_at: r.try_get("created_at")?,
                    last_used_at: r.try_get("last_used_at")?,
                })
            })
            .collect()
    }
}

/// At most this many expired rows of each table go per prune.
pub const PRUNE_BATCH: i64 = 1000;

async fn prune_in(tx: &mut Tx, now: i64) -> Result<u64> {
    let mut n = 0;
    for sql in [
        "DELETE FROM oidc_flows WHERE state_hash IN \
         (SELECT state_hash FROM oidc_flows WHERE expires_at <= $1 LIMIT $2)",
        "DELETE FROM oidc_pending WHERE id_hash IN \
         (SELECT id_hash FROM oidc_pending WHERE expires_at <= $1 LIMIT $2)",
    ] {
        n += sqlx::query(sql)
            .bind(now)
            .bind(PRUNE_BATCH)
            .execute(&mut **tx)
            .await?
            .rows_affected();
    }
    Ok(n)
}

pub(crate) async fn staff_may_use_providers_in(tx: &mut Tx) -> Result<bool> {
    let v: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
        .bind(STAFF_MAY_USE_PROVIDERS)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(v.as_deref() == Some("1"))
}

async fn is_staff(tx: &mut Tx, reader_id: &str) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM staff s JOIN readers r ON r.email_key = s.email_key WHERE r.id = $1",
    )
    .bind(reader_id)
    .fetch_one(&mut **tx)
    .await?;
    Ok(n > 0)
}

async fn insert_identity(tx: &mut Tx, reader_id: &str, identity: &VerifiedIdentity) -> Result<()> {
    let now = now_ms();
    sqlx::query(
        "INSERT INTO identities (issuer, subject, reader_id, provider, email, created_at, last_used_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(&identity.issuer)
    .bind(&identity.subject)
    .bind(reader_id)
    .bind(&identity.provider)
    .bind(identity.email.as_ref().map(|e| e.as_str().to_owned()))
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Opens a session for `reader_id`: a reader's, or for a staff account, refused unless admins
/// allow providers for staff, and then a staff session (see the module docs).
async fn open_session_in(
    tx: &mut Tx,
    reader_id: &str,
    session: &NewSession,
    created: bool,
) -> Result<IdentitySignIn> {
    let exists: Option<String> = sqlx::query_scalar("SELECT id FROM readers WHERE id = $1")
        .bind(reader_id)
        .fetch_optional(&mut **tx)
        .await?;
    if exists.is_none() {
        return Ok(IdentitySignIn::Unknown);
    }
    if is_staff(tx, reader_id).await? && !staff_may_use_providers_in(tx).await? {
        return Ok(IdentitySignIn::Staff);
    }
    let reader = crate::readers::reader_in(tx, reader_id).await?;
    let key = EmailAddress::parse(&reader.email).map_err(|e| StoreError::Corrupt(e.0))?;
    // A deactivated member signs in as a reader, as by email (`sign_in::complete`).
    let active_staff: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM staff WHERE email_key = $1 AND deactivated_at IS NULL",
    )
    .bind(key.canonical())
    .fetch_one(&mut **tx)
    .await?;
    let staff = active_staff > 0;
    // "Require passkeys" holds here as for the emailed link (`sign_in/complete.rs`): a member
    // it applies to who holds a passkey gets no session from a provider.
    if staff {
        let role: String = sqlx::query_scalar(
            "SELECT role FROM staff WHERE email_key = $1 AND deactivated_at IS NULL",
        )
        .bind(key.canonical())
        .fetch_one(&mut **tx)
        .await?;
        let role: masthead_core::Role = role
            .parse()
            .map_err(|e: masthead_core::ParseError| StoreError::Corrupt(e.0))?;
        if crate::passkeys::passkey_required_in(tx, &key.canonical(), role).await? {
            return Ok(IdentitySignIn::PasskeyRequired);
        }
    }
    let now = now_ms();
    sqlx::query("UPDATE readers SET last_sign_in_at = $2 WHERE id = $1")
        .bind(reader_id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    let session_ms = if staff {
        session.lengths.staff_ms
    } else {
        session.lengths.reader_ms
    };
    sqlx::query(
        "INSERT INTO sessions (id_hash, reader_id, created_at, expires_at, last_seen_at, staff) VALUES ($1, $2, $3, $4, $3, $5)",
    )
    .bind(&session.id_hash)
    .bind(reader_id)
    .bind(now)
    .bind(now + session_ms)
    .bind(i64::from(staff))
    .execute(&mut **tx)
    .await?;
    if staff {
        crate::staff::record_staff_sign_in(tx, &key.canonical(), "oidc").await?;
    }
    Ok(IdentitySignIn::SignedIn {
        reader,
        created,
        session_ms,
    })
}
