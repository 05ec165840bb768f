//! The audit log: who did what, when, to what. Every staff action (the newsroom, the Admin API,
//! the CLI) writes one entry **in the same transaction** as the change it records, through
//! [`record_audit`], so that the log can neither miss a change nor record one that was rolled
//! back. Entries are never updated or deleted by the application.

use serde::Serialize;
use sqlx::{AnyConnection, Row};

use crate::{Result, Store, now_ms};

/// Who acted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    /// A staff member signed in to the newsroom.
    Staff,
    /// A staff API key (Admin API).
    ApiKey,
    /// The `masthead` command line, run by whoever has the server's shell.
    Cli,
    /// The server itself (a scheduled publication, a job).
    System,
}

impl ActorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::Staff => "staff",
            ActorKind::ApiKey => "api_key",
            ActorKind::Cli => "cli",
            ActorKind::System => "system",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "staff" => ActorKind::Staff,
            "api_key" => ActorKind::ApiKey,
            "cli" => ActorKind::Cli,
            _ => ActorKind::System,
        }
    }
}

/// The actor of an action: its kind, its id (staff id, key id) and a label that still makes
/// sense after the actor is gone (an address, a key's name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    pub kind: ActorKind,
    pub id: Option<String>,
    pub label: String,
}

impl Actor {
    pub fn staff(id: impl Into<String>, email: impl Into<String>) -> Self {
        Self {
            kind: ActorKind::Staff,
            id: Some(id.into()),
            label: email.into(),
        }
    }

    pub fn api_key(id: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            kind: ActorKind::ApiKey,
            id: Some(id.into()),
            label: name.into(),
        }
    }

    pub fn cli() -> Self {
        Self {
            kind: ActorKind::Cli,
            id: None,
            label: "masthead (command line)".into(),
        }
    }

    pub fn system() -> Self {
        Self {
            kind: ActorKind::System,
            id: None,
            label: "Masthead".into(),
        }
    }
}

/// One action to record. `action` is a short verb phrase from a closed set chosen by the code
/// (`article.publish`, `staff.role`, `settings.change`…), never text from a request;
/// `summary` is for people ("Published “Harbour bridge reopens”").
#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    pub actor: &'a Actor,
    pub action: &'static str,
    pub target_kind: &'static str,
    pub target_id: Option<&'a str>,
    pub summary: String,
    /// The values before and after, for settings and roles (JSON).
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// Writes `entry` on `conn`, which must be the transaction of the change it records.
pub async fn record_audit(conn: &mut AnyConnection, entry: AuditEntry<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (id, at, actor_kind, actor_id, actor_label, action, target_kind, \
         target_id, summary, before_json, after_json) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(masthead_core::new_id())
    .bind(now_ms())
    .bind(entry.actor.kind.as_str())
    .bind(entry.actor.id.as_deref())
    .bind(entry.actor.label.as_str())
    .bind(entry.action)
    .bind(entry.target_kind)
    .bind(entry.target_id)
    .bind(entry.summary)
    .bind(entry.before.map(|v| v.to_string()))
    .bind(entry.after.map(|v| v.to_string()))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A recorded entry, as the admins' audit page lists it.
#[derive(Debug, Clone, Serialize)]
pub struct AuditRow {
    pub id: String,
    pub at: i64,
    pub actor_kind: ActorKind,
    pub actor_label: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: Option<String>,
    pub summary: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Which entries to list: all, or those about one target; newest first, `limit` at most,
/// strictly older than `before` (the last row of the previous page) when given.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery<'a> {
    pub target: Option<(&'a str, &'a str)>,
    pub before: Option<(i64, &'a str)>,
    pub limit: i64,
}

impl Store {
    pub async fn audit_entries(&self, q: AuditQuery<'_>) -> Result<Vec<AuditRow>> {
        let limit = q.limit.clamp(1, 500);
        let (before_at, before_id) = q.before.unwrap_or((i64::MAX, ""));
        let (kind, id) = q.target.unwrap_or(("", ""));
        let rows = sqlx::query(
            "SELECT id, at, actor_kind, actor_label, action, target_kind, target_id, summary, \
             before_json, after_json FROM audit_log \
             WHERE ($1 = '' OR (target_kind = $1 AND target_id = $2)) \
               AND (at < $3 OR (at = $3 AND id < $4) OR $4 = '') \
             ORDER BY at DESC, id DESC LIMIT $5",
        )
        .bind(kind)
        .bind(id)
        .bind(before_at)
        .bind(before_id)
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(AuditRow {
                    id: r.try_get("id")?,
                    at: r.try_get("at")?,
                    actor_kind: ActorKind::parse(&r.try_get::<String, _>("actor_kind")?),
                    actor_label: r.try_get("actor_label")?,
                    action: r.try_get("action")?,
                    target_kind: r.try_get("target_kind")?,
                    target_id: r.try_get("target_id")?,
                    summary: r.try_get("summary")?,
                    before: r.try_get("before_json")?,
                    after: r.try_get("after_json")?,
                })
            })
            .collect()
    }
}
