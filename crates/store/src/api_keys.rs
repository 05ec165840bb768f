//! Admin API keys: bearer tokens an admin makes in the newsroom for scripts and apps.
//!
//! Decisions:
//! - The token (`mh_` and 43 URL-safe characters, 256 random bits) is shown once, when it is
//!   made; only its HMAC under the server's token key (`TokenHasher`, as sessions) is stored,
//!   so a copy of the database opens nothing. The first characters are kept in clear as the
//!   key's prefix, so that an admin can tell which key a script uses.
//! - A key has a name (the audit log's actor for everything done with it), a role and the
//!   staff member who made it. It acts with its role, never more than its creator's current
//!   one: a key whose creator is deactivated, or no longer an admin and no longer of the key's
//!   role, is refused like a revoked one ([`ApiKeyAuth::effective_role`]).
//! - Revoking keeps the row (the audit log names it); a revoked key is refused at once on every
//!   node, since each request reads the row.
//! - `last_used_at` is written at most once a minute per key, so that a busy script does not
//!   turn every read into a write.

use masthead_core::{Role, new_id};
use serde::Serialize;
use sqlx::{Row, any::AnyRow};

use crate::{
    Result, Store, StoreError,
    audit::{Actor, AuditEntry, record_audit},
    now_ms,
};

/// How often `last_used_at` is refreshed, at most (ms).
const TOUCH_EVERY_MS: i64 = 60_000;

/// A key as the newsroom lists it (never the token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiKeyRow {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub role: Role,
    pub created_by: String,
    /// The creator's address.
    pub created_by_email: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// A key to store: the caller made the token and hashed it.
#[derive(Debug, Clone)]
pub struct NewApiKey<'a> {
    pub name: &'a str,
    pub prefix: &'a str,
    pub token_hash: &'a str,
    pub role: Role,
    pub created_by: &'a str,
}

/// What a request's key is, with its creator's standing now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyAuth {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub revoked: bool,
    pub creator_id: String,
    pub creator_email: String,
    pub creator_role: Role,
    pub creator_active: bool,
    pub creator_author_id: Option<String>,
    pub last_used_at: Option<i64>,
}

impl ApiKeyAuth {
    /// The role the key acts with, or `None` when it may not act (revoked, or more than its
    /// creator may do today: see the module docs).
    pub fn effective_role(&self) -> Option<Role> {
        if self.revoked || !self.creator_active {
            return None;
        }
        (self.creator_role == Role::Admin || self.creator_role == self.role).then_some(self.role)
    }

    /// The audit log's actor: the key, by name.
    pub fn actor(&self) -> Actor {
        Actor::api_key(&self.id, &self.name)
    }
}

fn parse_role(s: &str) -> Result<Role> {
    s.parse()
        .map_err(|e: masthead_core::ParseError| StoreError::Corrupt(e.0))
}

fn key_row(r: &AnyRow) -> Result<ApiKeyRow> {
    Ok(ApiKeyRow {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        prefix: r.try_get("prefix")?,
        role: parse_role(&r.try_get::<String, _>("role")?)?,
        created_by: r.try_get("created_by")?,
        created_by_email: r.try_get("created_by_email")?,
        created_at: r.try_get("created_at")?,
        last_used_at: r.try_get("last_used_at")?,
        revoked_at: r.try_get("revoked_at")?,
    })
}

const KEY_COLUMNS: &str = "k.id, k.name, k.prefix, k.role, k.created_by, st.email AS created_by_email, \
     k.created_at, k.last_used_at, k.revoked_at FROM api_keys k JOIN staff st ON st.id = k.created_by";

impl Store {
    /// Stores a new key and its audit entry, in one transaction.
    pub async fn create_api_key(&self, actor: &Actor, key: &NewApiKey<'_>) -> Result<ApiKeyRow> {
        let id = new_id();
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO api_keys (id, name, prefix, token_hash, role, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(key.name)
        .bind(key.prefix)
        .bind(key.token_hash)
        .bind(key.role.as_str())
        .bind(key.created_by)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        record_audit(
            &mut tx,
            AuditEntry {
                actor,
                action: "api_key.create",
                target_kind: "api_key",
                target_id: Some(&id),
                summary: format!("Made the API key “{}” ({})", key.name, key.role),
                before: None,
                after: Some(serde_json::json!({ "role": key.role.as_str() })),
            },
        )
        .await?;
        let sql = sqlx::AssertSqlSafe(format!("SELECT {KEY_COLUMNS} WHERE k.id = $1"));
        let row = sqlx::query(sql).bind(&id).fetch_one(&mut *tx).await?;
        let row = key_row(&row)?;
        tx.commit().await?;
        Ok(row)
    }

    /// Every key, newest first (revoked ones too).
    pub async fn api_keys(&self) -> Result<Vec<ApiKeyRow>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {KEY_COLUMNS} ORDER BY k.created_at DESC, k.id DESC"
        ));
        let rows = sqlx::query(sql).fetch_all(self.reader()).await?;
        rows.iter().map(key_row).collect()
    }

    /// Revokes a key (its audit entry in the same transaction). `Ok(None)`: no such key;
    /// `Ok(Some(false))`: it was revoked already.
    pub async fn revoke_api_key(&self, actor: &Actor, id: &str) -> Result<Option<bool>> {
        let mut tx = self.begin().await?;
        let row = sqlx::query("SELECT name, revoked_at FROM api_keys WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else {
            tx.commit().await?;
            return Ok(None);
        };
        if row.try_get::<Option<i64>, _>("revoked_at")?.is_some() {
            tx.commit().await?;
            return Ok(Some(false));
        }
        let name: String = row.try_get("name")?;
        sqlx::query("UPDATE api_keys SET revoked_at = $2 WHERE id = $1")
            .bind(id)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
        record_audit(
            &mut tx,
            AuditEntry {
                actor,
                action: "api_key.revoke",
                target_kind: "api_key",
                target_id: Some(id),
                summary: format!("Revoked the API key “{name}”"),
                before: None,
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Some(true))
    }

    /// The key whose token hashes to `token_hash`, with its creator's standing.
    pub async fn api_key_by_hash(&self, token_hash: &str) -> Result<Option<ApiKeyAuth>> {
        let row = sqlx::query(
            "SELECT k.id, k.name, k.role, k.revoked_at, k.last_used_at, st.id AS creator_id, \
             st.email, st.role AS creator_role, st.deactivated_at, st.author_id \
             FROM api_keys k JOIN staff st ON st.id = k.created_by WHERE k.token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(self.reader())
        .await?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(ApiKeyAuth {
            id: r.try_get("id")?,
            name: r.try_get("name")?,
            role: parse_role(&r.try_get::<String, _>("role")?)?,
            revoked: r.try_get::<Option<i64>, _>("revoked_at")?.is_some(),
            creator_id: r.try_get("creator_id")?,
            creator_email: r.try_get("email")?,
            creator_role: parse_role(&r.try_get::<String, _>("creator_role")?)?,
            creator_active: r.try_get::<Option<i64>, _>("deactivated_at")?.is_none(),
            creator_author_id: r.try_get("author_id")?,
            last_used_at: r.try_get("last_used_at")?,
        }))
    }

    /// Records that `key` was used now, unless that was recorded within the last minute.
    pub async fn touch_api_key(&self, key: &ApiKeyAuth) -> Result<()> {
        let now = now_ms();
        if key.last_used_at.is_some_and(|t| now - t < TOUCH_EVERY_MS) {
            return Ok(());
        }
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE api_keys SET last_used_at = $2 WHERE id = $1 \
             AND (last_used_at IS NULL OR last_used_at < $3)",
        )
        .bind(&key.id)
        .bind(now)
        .bind(now - TOUCH_EVERY_MS)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
