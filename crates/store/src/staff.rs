//! Newsroom staff: an email address with a role, added from the command line (`masthead staff
//! add`) or invited by an admin from the newsroom, whose role an admin changes, and who may be
//! deactivated and reactivated. Every change writes its audit entry in its own transaction.
//!
//! Decisions:
//! - A staff member is never deleted: the audit log, bylines and moderation records keep
//!   naming them. Deactivating one sets `deactivated_at`; from then on their address signs in
//!   as a reader's (no staff session opens, `sign_in/complete.rs`), a session lookup gives no
//!   staff role (`sessions.rs`), and their staff sessions are deleted in the same transaction,
//!   with the sessions epoch raised so that every node empties its session cache within a
//!   second. Reactivating restores the role they had; they sign in again.
//! - A changed role keeps the member's sessions (their staff standing is the session's), and
//!   the role is read afresh: each lookup reads it from `staff`, and the change raises the
//!   sessions epoch so that no node keeps serving the old role from its cache (a demotion
//!   takes effect within a second on every node, not after the cache's 60 s).
//! - The newsroom always keeps one active admin: a change that would leave none (demoting or
//!   deactivating the last one) is refused. Admins cannot deactivate themselves.
//! - An invitation creates the staff row and queues the invitation email in one transaction.
//!   The email carries no secret: it links to the sign-in page with the address filled in,
//!   because a staff sign-in link works only in the browser that asked for it, and the
//!   invitee's browser has not asked yet. Inviting an address that is already staff changes
//!   nothing (the form says so).

use masthead_core::{EmailAddress, Role, new_id};
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row, any::AnyRow};

use crate::{
    Result, Store, StoreError, Tx,
    audit::{Actor, ActorKind, AuditEntry, record_audit},
    jobs, now_ms,
    sessions::bump_sessions_epoch,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffChange {
    Added,
    RoleChanged,
    /// A deactivated member added again from the command line: active again, with this role.
    Reactivated,
    Unchanged,
}

/// A staff member as the newsroom lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaffMember {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub created_at: i64,
    pub deactivated_at: Option<i64>,
    pub invited_at: Option<i64>,
    /// Who invited them (the inviter's address, as written at the time).
    pub invited_by: Option<String>,
    /// Their last sign-in (as a reader account: staff sign in with their account's address).
    pub last_sign_in_at: Option<i64>,
}

impl StaffMember {
    pub fn is_active(&self) -> bool {
        self.deactivated_at.is_none()
    }
}

/// What an admin's change did, or why it was refused (nothing was written then).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaffUpdate {
    Done(StaffMember),
    /// Already so: nothing written, nothing audited.
    Unchanged(StaffMember),
    NotFound,
    /// The change would leave the newsroom without an active admin.
    LastAdmin,
    /// An admin deactivating their own account.
    OwnAccount,
}

/// The outcome of an invitation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invitation {
    Sent(StaffMember),
    /// The address is staff already (active or not): nothing changed.
    AlreadyStaff(StaffMember),
}

/// The invitation email (run by `masthead-jobs`): tells the invitee their role and where to
/// sign in. Keyed by the staff row and the invitation's time, so it is sent once.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SendStaffInviteEmail {
    pub staff_id: String,
    pub email: String,
    pub role: Role,
    /// The inviting admin's address.
    pub invited_by: String,
    pub invited_at: i64,
}

impl jobs::Job for SendStaffInviteEmail {
    const KIND: &'static str = "send_staff_invite_email";

    fn key(&self) -> Option<String> {
        Some(format!(
            "staff-invite:{}:{}",
            self.staff_id, self.invited_at
        ))
    }
}

const COLUMNS: &str = "st.id, st.email, st.role, st.created_at, st.deactivated_at, st.invited_at, \
     st.invited_by, r.last_sign_in_at \
     FROM staff st LEFT JOIN readers r ON r.email_key = st.email_key";

fn parse_role(s: &str) -> Result<Role> {
    s.parse()
        .map_err(|e: masthead_core::ParseError| StoreError::Corrupt(e.0))
}

fn member_row(r: &AnyRow) -> Result<StaffMember> {
    Ok(StaffMember {
        id: r.try_get("id")?,
        email: r.try_get("email")?,
        role: parse_role(&r.try_get::<String, _>("role")?)?,
        created_at: r.try_get("created_at")?,
        deactivated_at: r.try_get("deactivated_at")?,
        invited_at: r.try_get("invited_at")?,
        invited_by: r.try_get("invited_by")?,
        last_sign_in_at: r.try_get("last_sign_in_at")?,
    })
}

async fn member_in(conn: &mut AnyConnection, id: &str) -> Result<Option<StaffMember>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} WHERE st.id = $1"));
    let row = sqlx::query(sql).bind(id).fetch_optional(&mut *conn).await?;
    row.as_ref().map(member_row).transpose()
}

async fn member_by_email_in(
    conn: &mut AnyConnection,
    email: &EmailAddress,
) -> Result<Option<StaffMember>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} WHERE st.email_key = $1"));
    let row = sqlx::query(sql)
        .bind(email.canonical())
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(member_row).transpose()
}

/// Active admins other than `id`.
async fn other_active_admins(tx: &mut Tx, id: &str) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM staff WHERE role = 'admin' AND deactivated_at IS NULL AND id <> $1",
    )
    .bind(id)
    .fetch_one(&mut **tx)
    .await?)
}

/// Ends every staff session of the member's account, on every node (the epoch).
async fn end_staff_sessions(tx: &mut Tx, email_key: &str) -> Result<u64> {
    let n = sqlx::query(
        "DELETE FROM sessions WHERE staff = 1 AND reader_id IN \
         (SELECT id FROM readers WHERE email_key = $1)",
    )
    .bind(email_key)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    bump_sessions_epoch(tx).await?;
    Ok(n)
}

fn role_json(role: Role) -> serde_json::Value {
    serde_json::json!({ "role": role.as_str() })
}

/// Records a staff sign-in in the audit log, in the sign-in's transaction (`method`: `link`,
/// `code`, `passkey`). Nothing for an address that is not active staff.
pub(crate) async fn record_staff_sign_in(
    tx: &mut Tx,
    email_key: &str,
    method: &'static str,
) -> Result<()> {
    let row = sqlx::query(
        "SELECT id, email, role FROM staff WHERE email_key = $1 AND deactivated_at IS NULL",
    )
    .bind(email_key)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else { return Ok(()) };
    let id: String = row.try_get("id")?;
    let email: String = row.try_get("email")?;
    let role: String = row.try_get("role")?;
    let how = match method {
        "code" => "an emailed code",
        "passkey" => "a passkey",
        "oidc" => "an OpenID provider",
        _ => "an emailed link",
    };
    record_audit(
        tx,
        AuditEntry {
            actor: &Actor::staff(&id, &email),
            action: "staff.sign_in",
            target_kind: "staff",
            target_id: Some(&id),
            summary: format!("{email} signed in ({role}) with {how}"),
            before: None,
            after: Some(serde_json::json!({ "method": method })),
        },
    )
    .await
}

impl Store {
    /// Adds a staff member, or sets the role of an existing one (matched case-insensitively),
    /// reactivating a deactivated one: the command line's `staff add`, audited as the CLI.
    pub async fn add_staff(&self, email: &EmailAddress, role: Role) -> Result<StaffChange> {
        let mut tx = self.begin().await?;
        let current = member_by_email_in(&mut tx, email).await?;
        let now = now_ms();
        let actor = Actor::cli();
        let (change, id, before) = match current {
            Some(m) if m.role == role && m.is_active() => {
                tx.commit().await?;
                return Ok(StaffChange::Unchanged);
            }
            Some(m) => {
                sqlx::query(
                    "UPDATE staff SET role = $2, deactivated_at = NULL, updated_at = $3 WHERE id = $1",
                )
                .bind(&m.id)
                .bind(role.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await?;
                // Cached sessions must not keep the old role (see the module docs).
                bump_sessions_epoch(&mut tx).await?;
                let change = if m.is_active() {
                    StaffChange::RoleChanged
                } else {
                    StaffChange::Reactivated
                };
                (change, m.id, Some(role_json(m.role)))
            }
            None => {
                let id = new_id();
                sqlx::query(
                    "INSERT INTO staff (id, email, email_key, role, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)",
                )
                .bind(&id)
                .bind(email.as_str())
                .bind(email.canonical())
                .bind(role.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await?;
                (StaffChange::Added, id, None)
            }
        };
        let (action, summary) = match change {
            StaffChange::Added => ("staff.add", format!("Added {email} as {role}")),
            StaffChange::Reactivated => {
                ("staff.reactivate", format!("Reactivated {email} as {role}"))
            }
            _ => ("staff.role", format!("Made {email} {role}")),
        };
        record_audit(
            &mut tx,
            AuditEntry {
                actor: &actor,
                action,
                target_kind: "staff",
                target_id: Some(&id),
                summary,
                before,
                after: Some(role_json(role)),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(change)
    }

    /// The role of an active staff member's address.
    pub async fn staff_role(&self, email: &EmailAddress) -> Result<Option<Role>> {
        let role: Option<String> = sqlx::query_scalar(
            "SELECT role FROM staff WHERE email_key = $1 AND deactivated_at IS NULL",
        )
        .bind(email.canonical())
        .fetch_optional(self.reader())
        .await?;
        role.as_deref().map(parse_role).transpose()
    }

    pub async fn count_staff(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM staff")
            .fetch_one(self.reader())
            .await?)
    }

    /// Every staff member, active ones first, then by address.
    pub async fn list_staff(&self) -> Result<Vec<StaffMember>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} ORDER BY CASE WHEN st.deactivated_at IS NULL THEN 0 ELSE 1 END, st.email_key"
        ));
        let rows = sqlx::query(sql).fetch_all(self.reader()).await?;
        rows.iter().map(member_row).collect()
    }

    pub async fn staff_member(&self, id: &str) -> Result<Option<StaffMember>> {
        let mut conn = self.reader().acquire().await?;
        member_in(&mut conn, id).await
    }

    pub async fn staff_by_email(&self, email: &EmailAddress) -> Result<Option<StaffMember>> {
        let mut conn = self.reader().acquire().await?;
        member_by_email_in(&mut conn, email).await
    }

    /// Invites `email` as `role`: the staff row, the invitation email's job and the audit
    /// entry, in one transaction (see the module docs).
    pub async fn invite_staff(
        &self,
        actor: &Actor,
        email: &EmailAddress,
        role: Role,
    ) -> Result<Invitation> {
        let mut tx = self.begin().await?;
        if let Some(m) = member_by_email_in(&mut tx, email).await? {
            tx.commit().await?;
            return Ok(Invitation::AlreadyStaff(m));
        }
        let id = new_id();
        let now = now_ms();
        sqlx::query(
            "INSERT INTO staff (id, email, email_key, role, created_at, updated_at, invited_at, invited_by) \
             VALUES ($1, $2, $3, $4, $5, $5, $5, $6)",
        )
        .bind(&id)
        .bind(email.as_str())
        .bind(email.canonical())
        .bind(role.as_str())
        .bind(now)
        .bind(actor.label.as_str())
        .execute(&mut *tx)
        .await?;
        let job = SendStaffInviteEmail {
            staff_id: id.clone(),
            email: email.as_str().to_owned(),
            role,
            invited_by: actor.label.clone(),
            invited_at: now,
        };
        jobs::enqueue(&mut tx, &jobs::NewJob::of(&job)).await?;
        record_audit(
            &mut tx,
            AuditEntry {
                actor,
                action: "staff.invite",
                target_kind: "staff",
                target_id: Some(&id),
                summary: format!("Invited {email} as {role}"),
                before: None,
                after: Some(role_json(role)),
            },
        )
        .await?;
        let member = member_in(&mut tx, &id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("invited staff row vanished".into()))?;
        tx.commit().await?;
        Ok(Invitation::Sent(member))
    }

    /// Changes a staff member's role (see the module docs: sessions keep their standing and
    /// read the new role within a second on every node).
    pub async fn change_staff_role(
        &self,
        actor: &Actor,
        id: &str,
        role: Role,
    ) -> Result<StaffUpdate> {
        let mut tx = self.begin().await?;
        let Some(m) = member_in(&mut tx, id).await? else {
            tx.commit().await?;
            return Ok(StaffUpdate::NotFound);
        };
        if m.role == role {
            tx.commit().await?;
            return Ok(StaffUpdate::Unchanged(m));
        }
        if m.role == Role::Admin && m.is_active() && other_active_admins(&mut tx, id).await? == 0 {
            tx.commit().await?;
            return Ok(StaffUpdate::LastAdmin);
        }
        sqlx::query("UPDATE staff SET role = $2, updated_at = $3 WHERE id = $1")
            .bind(id)
            .bind(role.as_str())
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
        bump_sessions_epoch(&mut tx).await?;
        record_audit(
            &mut tx,
            AuditEntry {
                actor,
                action: "staff.role",
                target_kind: "staff",
                target_id: Some(id),
                summary: format!("Changed {} from {} to {role}", m.email, m.role),
                before: Some(role_json(m.role)),
                after: Some(role_json(role)),
            },
        )
        .await?;
        let done = member_in(&mut tx, id).await?.unwrap_or(m);
        tx.commit().await?;
        Ok(StaffUpdate::Done(done))
    }

    /// Deactivates a staff member and ends their staff sessions at once, on every node.
    pub async fn deactivate_staff(&self, actor: &Actor, id: &str) -> Result<StaffUpdate> {
        let acting = (actor.kind == ActorKind::Staff)
            .then_some(actor.id.as_deref())
            .flatten();
        self.deactivate_staff_acting_for(actor, acting, id).await
    }

    /// [`Self::deactivate_staff`] where the actor acts for a staff member other than itself
    /// (an Admin API key, audited under its own name, acts for its creator): `acting` is that
    /// member's id, whose own account the rule keeps them from deactivating.
    pub async fn deactivate_staff_acting_for(
        &self,
        actor: &Actor,
        acting: Option<&str>,
        id: &str,
    ) -> Result<StaffUpdate> {
        let mut tx = self.begin().await?;
        let Some(m) = member_in(&mut tx, id).await? else {
            tx.commit().await?;
            return Ok(StaffUpdate::NotFound);
        };
        if !m.is_active() {
            tx.commit().await?;
            return Ok(StaffUpdate::Unchanged(m));
        }
        if acting == Some(id) {
            tx.commit().await?;
            return Ok(StaffUpdate::OwnAccount);
        }
        if m.role == Role::Admin && other_active_admins(&mut tx, id).await? == 0 {
            tx.commit().await?;
            return Ok(StaffUpdate::LastAdmin);
        }
        let now = now_ms();
        sqlx::query("UPDATE staff SET deactivated_at = $2, updated_at = $2 WHERE id = $1")
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let email = EmailAddress::parse(&m.email).map_err(|e| StoreError::Corrupt(e.0))?;
        let ended = end_staff_sessions(&mut tx, &email.canonical()).await?;
        record_audit(
            &mut tx,
            AuditEntry {
                actor,
                action: "staff.deactivate",
                target_kind: "staff",
                target_id: Some(id),
                summary: format!(
                    "Deactivated {} ({}); {ended} session(s) ended",
                    m.email, m.role
                ),
                before: Some(serde_json::json!({ "role": m.role.as_str(), "active": true })),
                after: Some(serde_json::json!({ "role": m.role.as_str(), "active": false })),
            },
        )
        .await?;
        let done = member_in(&mut tx, id).await?.unwrap_or(m);
        tx.commit().await?;
        Ok(StaffUpdate::Done(done))
    }

    /// Reactivates a deactivated staff member with the role they had; they sign in again.
    pub async fn reactivate_staff(&self, actor: &Actor, id: &str) -> Result<StaffUpdate> {
        let mut tx = self.begin().await?;
        let Some(m) = member_in(&mut tx, id).await? else {
            tx.commit().await?;
            return Ok(StaffUpdate::NotFound);
        };
        if m.is_active() {
            tx.commit().await?;
            return Ok(StaffUpdate::Unchanged(m));
        }
        sqlx::query("UPDATE staff SET deactivated_at = NULL, updated_at = $2 WHERE id = $1")
            .bind(id)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
        record_audit(
            &mut tx,
            AuditEntry {
                actor,
                action: "staff.reactivate",
                target_kind: "staff",
                target_id: Some(id),
                summary: format!("Reactivated {} ({})", m.email, m.role),
                before: Some(serde_json::json!({ "role": m.role.as_str(), "active": false })),
                after: Some(serde_json::json!({ "role": m.role.as_str(), "active": true })),
            },
        )
        .await?;
        let done = member_in(&mut tx, id).await?.unwrap_or(m);
        tx.commit().await?;
        Ok(StaffUpdate::Done(done))
    }

    /// Deactivates the member with this address (the command line's `staff deactivate`).
    pub async fn deactivate_staff_by_email(
        &self,
        actor: &Actor,
        email: &EmailAddress,
    ) -> Result<StaffUpdate> {
        match self.staff_by_email(email).await? {
            Some(m) => self.deactivate_staff(actor, &m.id).await,
            None => Ok(StaffUpdate::NotFound),
        }
    }
}
