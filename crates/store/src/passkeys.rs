//! Staff passkeys (WebAuthn credentials) and the challenges issued for them. The checks of the
//! browser's answers are the web crate's (`masthead_web::passkeys::webauthn`); this module
//! keeps what they need, with the rules that must hold whatever the node:
//!
//! - A challenge is stored as its keyed hash, bound to the browser's binding cookie (its
//!   hash), for one purpose (registering, signing in), and works once: spending it deletes it
//!   in the same statement that finds it. It expires after [`CHALLENGE_VALID_MS`]. Each browser
//!   holds at most one live challenge per purpose (asking again replaces it), and expired ones
//!   are deleted whenever one is issued, so strangers asking for sign-in options cannot grow the
//!   table beyond what the per-IP limit lets through in five minutes.
//! - A credential id is unique across the site (WebAuthn L2 §7.1 step 22): registering one
//!   that is known is refused, whoever holds it. A staff member holds at most
//!   [`MAX_PASSKEYS`].
//! - A sign-in with a passkey moves its signature counter with a compare-and-set on the value
//!   the check read (§7.2 step 21): two uses of one assertion racing on two nodes open one
//!   session. It opens a staff session (the staff session length) for the member's reader
//!   account, in one transaction with the audit entry `staff.sign_in` (method `passkey`).
//! - Registering, removing and an admin's reset are audited (`staff.passkey_add`,
//!   `staff.passkey_remove`, `staff.passkey_reset`) in their transaction.
//! - "Require passkeys" ([`REQUIRE_PASSKEYS`], a setting an admin changes, audited as
//!   settings are) applies to editors and admins: once such a member has a passkey, the
//!   emailed link and code no longer sign them in (`sign_in/complete.rs` answers
//!   `Completion::PasskeyRequired` and spends nothing), nor does an OpenID provider
//!   (`IdentitySignIn::PasskeyRequired`, nothing written); one without a passkey signs in by email
//!   and may only register one ([`Store::must_register_passkey`]). Recovery from a lost
//!   passkey: an admin resets the member's passkeys (audited), and the member signs in by email
//!   to register a new one. The last admin locked out resets their own with `masthead staff
//!   reset-passkeys EMAIL` on the server.

use masthead_core::{EmailAddress, Role, new_id};
use serde::Serialize;
use sqlx::Row;

use crate::{
    Result, Store, StoreError, Tx,
    audit::{Actor, AuditEntry, record_audit},
    now_ms,
    sign_in::NewSession,
};

/// The setting (in `settings`) that requires passkeys of editors and admins: `"1"` when on.
pub const REQUIRE_PASSKEYS: &str = "staff.require_passkeys";
/// How long a challenge works.
pub const CHALLENGE_VALID_MS: i64 = 5 * 60_000;
/// Passkeys one staff member may hold.
pub const MAX_PASSKEYS: i64 = 10;

/// The roles the requirement applies to.
pub fn requirement_applies_to(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Editor)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChallengePurpose {
    Register,
    SignIn,
}

impl ChallengePurpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::SignIn => "sign_in",
        }
    }
}

/// A challenge to record: hashes only.
#[derive(Debug, Clone)]
pub struct NewChallenge<'a> {
    pub challenge_hash: &'a str,
    pub purpose: ChallengePurpose,
    pub bind_hash: &'a str,
    /// For a registration: the staff member it was issued to.
    pub staff_id: Option<&'a str>,
}

/// A passkey as its owner's page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Passkey {
    pub id: String,
    /// The credential id (base64url): not a secret, the browser's key to the passkey.
    pub credential_id: String,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// A credential to register (verified by the caller).
#[derive(Debug, Clone)]
pub struct NewPasskey<'a> {
    pub credential_id: &'a str,
    /// The COSE_Key, base64url.
    pub public_key: &'a str,
    pub alg: i64,
    pub sign_count: u32,
    pub name: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Registration {
    Added(String),
    /// The credential id is registered already (to this member or another).
    Known,
    /// The member holds [`MAX_PASSKEYS`] already.
    TooMany,
}

/// What a sign-in needs of a credential: its key and counter, and who holds it.
#[derive(Debug, Clone)]
pub struct PasskeyOwner {
    pub passkey_id: String,
    pub staff_id: String,
    pub email: String,
    pub role: Role,
    /// The COSE_Key, base64url.
    pub public_key: String,
    pub sign_count: u32,
}

/// A session opened with a passkey.
#[derive(Debug, Clone)]
pub struct PasskeySession {
    pub reader_id: String,
    pub session_ms: i64,
}

fn count_of(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

impl Store {
    /// Records a challenge (see the module docs: one live per browser and purpose; expired ones
    /// deleted).
    pub async fn create_passkey_challenge(&self, c: &NewChallenge<'_>) -> Result<()> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        sqlx::query(
            "DELETE FROM passkey_challenges WHERE expires_at <= $1 OR (bind_hash = $2 AND purpose = $3)",
        )
        .bind(now)
        .bind(c.bind_hash)
        .bind(c.purpose.as_str())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO passkey_challenges (challenge_hash, purpose, bind_hash, staff_id, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(c.challenge_hash)
        .bind(c.purpose.as_str())
        .bind(c.bind_hash)
        .bind(c.staff_id)
        .bind(now + CHALLENGE_VALID_MS)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Spends a live challenge issued to this browser for `purpose`: `None` if there is none
    /// (expired, spent, another browser's), else the staff member it was issued to (for a
    /// registration). Spent challenges are gone, whatever the answer it was for.
    pub async fn take_passkey_challenge(
        &self,
        challenge_hash: &str,
        purpose: ChallengePurpose,
        bind_hash: &str,
    ) -> Result<Option<Option<String>>> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "DELETE FROM passkey_challenges WHERE challenge_hash = $1 AND purpose = $2 \
             AND bind_hash = $3 AND expires_at > $4 RETURNING staff_id",
        )
        .bind(challenge_hash)
        .bind(purpose.as_str())
        .bind(bind_hash)
        .bind(now_ms())
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        row.map(|r| r.try_get::<Option<String>, _>("staff_id"))
            .transpose()
            .map_err(Into::into)
    }

    /// The passkeys of a staff member, oldest first.
    pub async fn passkeys_of(&self, staff_id: &str) -> Result<Vec<Passkey>> {
        let rows = sqlx::query(
            "SELECT id, credential_id, name, created_at, last_used_at FROM staff_passkeys WHERE staff_id = $1 \
             ORDER BY created_at, id",
        )
        .bind(staff_id)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| -> Result<Passkey> {
                Ok(Passkey {
                    id: r.try_get("id")?,
                    credential_id: r.try_get("credential_id")?,
                    name: r.try_get("name")?,
                    created_at: r.try_get("created_at")?,
                    last_used_at: r.try_get("last_used_at")?,
                })
            })
            .collect()
    }

    /// Registers a verified credential for `staff_id`, audited.
    pub async fn add_passkey(
        &self,
        actor: &Actor,
        staff_id: &str,
        key: &NewPasskey<'_>,
    ) -> Result<Registration> {
        let mut tx = self.begin().await?;
        let held: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM staff_passkeys WHERE staff_id = $1")
                .bind(staff_id)
                .fetch_one(&mut *tx)
                .await?;
        if held >= MAX_PASSKEYS {
            tx.commit().await?;
            return Ok(Registration::TooMany);
        }
        let id = new_id();
        let added = sqlx::query(
            "INSERT INTO staff_passkeys (id, staff_id, credential_id, public_key, alg, sign_count, name, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (credential_id) DO NOTHING",
        )
        .bind(&id)
        .bind(staff_id)
        .bind(key.credential_id)
        .bind(key.public_key)
        .bind(key.alg)
        .bind(i64::from(key.sign_count))
        .bind(key.name)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if added != 1 {
            tx.commit().await?;
            return Ok(Registration::Known);
        }
        record_audit(
            &mut tx,
            AuditEntry {
                actor,
                action: "staff.passkey_add",
                target_kind: "staff",
                target_id: Some(staff_id),
                summary: format!("Registered the passkey “{}”", key.name),
                before: None,
                after: Some(serde_json::json!({ "passkey": id, "name": key.name })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Registration::Added(id))
    }

    /// Removes one passkey of `staff_id`, audited; false if it has no such passkey.
    pub async fn remove_passkey(&self, actor: &Actor, staff_id: &str, id: &str) -> Result<bool> {
        let mut tx = self.begin().await?;
        let name: Option<String> = sqlx::query_scalar(
            "DELETE FROM staff_passkeys WHERE id = $1 AND staff_id = $2 RETURNING name",
        )
        .bind(id)
        .bind(staff_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(name) = name else {
            tx.commit().await?;
            return Ok(false);
        };
        record_audit(
            &mut tx,
            AuditEntry {
                actor,
                action: "staff.passkey_remove",
                target_kind: "staff",
                target_id: Some(staff_id),
                summary: format!("Removed the passkey “{name}”"),
                before: Some(serde_json::json!({ "passkey": id, "name": name })),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Removes every passkey of `staff_id` (the recovery path: see the module docs), audited
    /// even when there were none. Returns how many were removed; `None` if there is no such
    /// staff member.
    pub async fn reset_passkeys(&self, actor: &Actor, staff_id: &str) -> Result<Option<u64>> {
        let mut tx = self.begin().await?;
        let email: Option<String> = sqlx::query_scalar("SELECT email FROM staff WHERE id = $1")
            .bind(staff_id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(email) = email else {
            tx.commit().await?;
            return Ok(None);
        };
        let removed = sqlx::query("DELETE FROM staff_passkeys WHERE staff_id = $1")
            .bind(staff_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        record_audit(
            &mut tx,
            AuditEntry {
                actor,
                action: "staff.passkey_reset",
                target_kind: "staff",
                target_id: Some(staff_id),
                summary: format!("Reset the passkeys of {email} ({removed} removed)"),
                before: Some(serde_json::json!({ "passkeys": removed })),
                after: Some(serde_json::json!({ "passkeys": 0 })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Some(removed))
    }

    /// The credential with this id and its holder, if the holder is active staff.
    pub async fn passkey_owner(&self, credential_id: &str) -> Result<Option<PasskeyOwner>> {
        let row = sqlx::query(
            "SELECT p.id, p.staff_id, p.public_key, p.sign_count, s.email, s.role \
             FROM staff_passkeys p JOIN staff s ON s.id = p.staff_id \
             WHERE p.credential_id = $1 AND s.deactivated_at IS NULL",
        )
        .bind(credential_id)
        .fetch_optional(self.reader())
        .await?;
        row.map(|r| -> Result<PasskeyOwner> {
            Ok(PasskeyOwner {
                passkey_id: r.try_get("id")?,
                staff_id: r.try_get("staff_id")?,
                email: r.try_get("email")?,
                role: r
                    .try_get::<String, _>("role")?
                    .parse()
                    .map_err(|e: masthead_core::ParseError| StoreError::Corrupt(e.0))?,
                public_key: r.try_get("public_key")?,
                sign_count: count_of(r.try_get("sign_count")?),
            })
        })
        .transpose()
    }

    /// After a verified assertion: moves the counter from `seen` to `new` (compare-and-set) and
    /// opens a staff session for the holder's reader account, audited. `None` if the counter
    /// moved meanwhile, or the holder has no account or is no longer active staff.
    pub async fn sign_in_with_passkey(
        &self,
        owner: &PasskeyOwner,
        new_count: u32,
        session: &NewSession,
    ) -> Result<Option<PasskeySession>> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        let moved = sqlx::query(
            "UPDATE staff_passkeys SET sign_count = $3, last_used_at = $4 WHERE id = $1 AND sign_count = $2",
        )
        .bind(&owner.passkey_id)
        .bind(i64::from(owner.sign_count))
        .bind(i64::from(new_count))
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if moved != 1 {
            tx.commit().await?;
            return Ok(None);
        }
        let Some(reader_id) = holder_account(&mut tx, &owner.staff_id).await? else {
            tx.commit().await?;
            return Ok(None);
        };
        sqlx::query("UPDATE readers SET last_sign_in_at = $2 WHERE id = $1")
            .bind(&reader_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let session_ms = session.lengths.staff_ms;
        sqlx::query(
            "INSERT INTO sessions (id_hash, reader_id, created_at, expires_at, last_seen_at, staff) VALUES ($1, $2, $3, $4, $3, 1)",
        )
        .bind(&session.id_hash)
        .bind(&reader_id)
        .bind(now)
        .bind(now + session_ms)
        .execute(&mut *tx)
        .await?;
        let email = EmailAddress::parse(&owner.email).map_err(|e| StoreError::Corrupt(e.0))?;
        crate::staff::record_staff_sign_in(&mut tx, &email.canonical(), "passkey").await?;
        tx.commit().await?;
        Ok(Some(PasskeySession {
            reader_id,
            session_ms,
        }))
    }

    /// Whether the passkey requirement is on (the setting, read afresh).
    pub async fn passkeys_required(&self) -> Result<bool> {
        Ok(self.setting(REQUIRE_PASSKEYS).await?.as_deref() == Some("1"))
    }

    /// A staff member with `role` and this address who, under the requirement, has no passkey
    /// yet: their newsroom is the page where they register one.
    pub async fn must_register_passkey(&self, email: &EmailAddress, role: Role) -> Result<bool> {
        if !requirement_applies_to(role) {
            return Ok(false);
        }
        let row = sqlx::query(
            "SELECT (SELECT value FROM settings WHERE key = $1) AS required, \
             (SELECT COUNT(*) FROM staff_passkeys p JOIN staff s ON s.id = p.staff_id WHERE s.email_key = $2) AS held",
        )
        .bind(REQUIRE_PASSKEYS)
        .bind(email.canonical())
        .fetch_one(self.reader())
        .await?;
        let required: Option<String> = row.try_get("required")?;
        let held: i64 = row.try_get("held")?;
        Ok(required.as_deref() == Some("1") && held == 0)
    }
}

/// The reader account of a staff member (staff sign in with their account's address).
async fn holder_account(tx: &mut Tx, staff_id: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT r.id FROM readers r JOIN staff s ON s.email_key = r.email_key \
         WHERE s.id = $1 AND s.deactivated_at IS NULL",
    )
    .bind(staff_id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// Inside a sign-in by email (`sign_in/complete.rs`): the requirement is on, `role` is one it
/// applies to, and the member has a passkey, so the email must not sign them in.
pub(crate) async fn passkey_required_in(tx: &mut Tx, email_key: &str, role: Role) -> Result<bool> {
    if !requirement_applies_to(role) {
        return Ok(false);
    }
    let required: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
        .bind(REQUIRE_PASSKEYS)
        .fetch_optional(&mut **tx)
        .await?;
    if required.as_deref() != Some("1") {
        return Ok(false);
    }
    let held: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM staff_passkeys p JOIN staff s ON s.id = p.staff_id WHERE s.email_key = $1",
    )
    .bind(email_key)
    .fetch_one(&mut **tx)
    .await?;
    Ok(held > 0)
}
