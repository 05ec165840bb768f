//! The Admin API's staff: list, invite, change a role, deactivate, reactivate. Admin keys only
//! (`Role::can_manage_staff`, as `/newsroom/staff`). The rules are the store's, the same
//! functions the newsroom's staff pages call (`masthead_store::staff`): one active admin always
//! left, no deactivating one's own account, sessions ended on every node at deactivation, an
//! invitation's email queued in its transaction, each change audited there under the key's
//! name.
//!
//! Decisions:
//! - A key acts for its creator: "one's own account" is the creator's
//!   (`Store::deactivate_staff_acting_for`), so an admin's key cannot deactivate the admin.
//! - A refusal of the rules (the last admin, one's own account, an address already on staff)
//!   is a 409 `conflict` that says which; nothing is written. A change to what already is (the
//!   same role, deactivating a deactivated member) is a 200 with the member as they are.

use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use masthead_core::{EmailAddress, Role};
use masthead_store::staff::{Invitation, StaffMember, StaffUpdate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    AppState,
    api::{
        auth::ApiKey,
        content::rfc3339,
        error::{ApiError, ApiJson, ApiPath, ErrorBody},
    },
};

/// A staff member.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffOut {
    pub id: String,
    pub email: String,
    /// `admin`, `editor`, `author`, `contributor` or `moderator`.
    pub role: String,
    pub active: bool,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub deactivated_at: Option<String>,
    #[schema(format = DateTime)]
    pub invited_at: Option<String>,
    /// Who invited them (an address, or an API key's name).
    pub invited_by: Option<String>,
    #[schema(format = DateTime)]
    pub last_sign_in_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StaffList {
    /// Active members first, then by address.
    pub items: Vec<StaffOut>,
}

/// An invitation: the address and the role it will have.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteRequest {
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    /// Read as a string, so that another value is the 422 naming `role`.
    #[schema(value_type = crate::api::schema::RoleName)]
    pub role: String,
}

/// A new role.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleRequest {
    /// Read as a string, so that another value is the 422 naming `role`.
    #[schema(value_type = crate::api::schema::RoleName)]
    pub role: String,
}

fn out(m: StaffMember) -> StaffOut {
    StaffOut {
        active: m.is_active(),
        id: m.id,
        email: m.email,
        role: m.role.as_str().to_owned(),
        created_at: rfc3339(m.created_at),
        deactivated_at: m.deactivated_at.map(rfc3339),
        invited_at: m.invited_at.map(rfc3339),
        invited_by: m.invited_by,
        last_sign_in_at: m.last_sign_in_at.map(rfc3339),
    }
}

fn may(key: &ApiKey) -> Result<(), ApiError> {
    key.require(Role::can_manage_staff, "manage staff")
}

fn role_of(s: &str) -> Result<Role, ApiError> {
    s.trim()
        .parse()
        .map_err(|e: masthead_core::ParseError| ApiError::invalid("role", e.0))
}

fn id_ok(id: &str) -> Result<(), ApiError> {
    if id.len() > 100 {
        return Err(ApiError::not_found("staff member with this id"));
    }
    Ok(())
}

/// The answer to a change: the member as they are now, or the rule that refused it.
async fn answer(app: &AppState, update: StaffUpdate) -> Result<Response, ApiError> {
    match update {
        StaffUpdate::Done(m) => {
            // This node forgets its cached sessions now; the others at their next poll.
            app.refresh_sessions_epoch().await?;
            Ok(Json(out(m)).into_response())
        }
        StaffUpdate::Unchanged(m) => Ok(Json(out(m)).into_response()),
        StaffUpdate::NotFound => Err(ApiError::not_found("staff member with this id")),
        StaffUpdate::LastAdmin => Err(ApiError::conflict(
            None,
            "That would leave the newsroom without an admin: make another staff member admin first.",
        )),
        StaffUpdate::OwnAccount => Err(ApiError::conflict(
            None,
            "A key cannot deactivate the account of the admin who made it: ask another admin.",
        )),
    }
}

/// Every staff member.
#[utoipa::path(
    get, path = "/api/v1/admin/staff", tag = "admin", security(("bearer" = [])),
    responses(
        (status = 200, description = "The staff", body = StaffList, content_type = "application/json"),
        (status = 401, body = ErrorBody, content_type = "application/json", description = "No valid key"),
        (status = 403, body = ErrorBody, content_type = "application/json", description = "Not an admin key"),
        (status = 429, body = ErrorBody, content_type = "application/json", description = "Rate limited"),
    )
)]
pub async fn list(State(app): State<AppState>, key: ApiKey) -> Result<Response, ApiError> {
    may(&key)?;
    let items = app.store.list_staff().await?.into_iter().map(out).collect();
    Ok(Json(StaffList { items }).into_response())
}

/// Invite an address: the member is made with the role and sent an email saying where to sign in.
#[utoipa::path(
    post, path = "/api/v1/admin/staff", tag = "admin", security(("bearer" = [])),
    request_body = InviteRequest,
    responses(
        (status = 201, description = "Invited", body = StaffOut, content_type = "application/json", links(
            ("change_role" = (operation_id = "change_role", parameters(("id" = "$response.body#/id")), description = "Change the member's role")),
            ("deactivate" = (operation_id = "deactivate", parameters(("id" = "$response.body#/id")), description = "Deactivate the member")),
            ("reactivate" = (operation_id = "reactivate", parameters(("id" = "$response.body#/id")), description = "Reactivate the member")),
        )),
        (status = 400, body = ErrorBody, content_type = "application/json", description = "Malformed JSON"),
        (status = 401, body = ErrorBody, content_type = "application/json", description = "No valid key"),
        (status = 403, body = ErrorBody, content_type = "application/json", description = "Not an admin key"),
        (status = 409, body = ErrorBody, content_type = "application/json", description = "The address is on the staff already"),
        (status = 413, body = ErrorBody, content_type = "application/json", description = "Body too large"),
        (status = 415, body = ErrorBody, content_type = "application/json", description = "Not JSON"),
        (status = 422, body = ErrorBody, content_type = "application/json", description = "An address or role we cannot accept"),
        (status = 429, body = ErrorBody, content_type = "application/json", description = "Rate limited"),
    )
)]
pub async fn invite(
    State(app): State<AppState>,
    key: ApiKey,
    ApiJson(r): ApiJson<InviteRequest>,
) -> Result<Response, ApiError> {
    may(&key)?;
    let email = EmailAddress::parse(&r.email).map_err(|e| ApiError::invalid("email", e.0))?;
    let role = role_of(&r.role)?;
    match app.store.invite_staff(&key.actor(), &email, role).await? {
        Invitation::Sent(m) => {
            app.jobs_wake.notify_one();
            Ok((StatusCode::CREATED, Json(out(m))).into_response())
        }
        Invitation::AlreadyStaff(m) => Err(ApiError::conflict(
            Some("email"),
            if m.is_active() {
                format!(
                    "{} is already on the staff, as {}: change their role instead (id {}).",
                    m.email, m.role, m.id
                )
            } else {
                format!(
                    "{} was on the staff and is deactivated: reactivate them instead (id {}).",
                    m.email, m.id
                )
            },
        )),
    }
}

/// Change a member's role (their open sessions have it within a second).
#[utoipa::path(
    post, path = "/api/v1/admin/staff/{id}/role", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, max_length = 100, description = "The member's id")),
    request_body = RoleRequest,
    responses(
        (status = 200, description = "The member with the role", body = StaffOut, content_type = "application/json"),
        (status = 400, body = ErrorBody, content_type = "application/json", description = "Malformed JSON"),
        (status = 401, body = ErrorBody, content_type = "application/json", description = "No valid key"),
        (status = 403, body = ErrorBody, content_type = "application/json", description = "Not an admin key"),
        (status = 404, body = ErrorBody, content_type = "application/json", description = "No such member"),
        (status = 409, body = ErrorBody, content_type = "application/json", description = "It would leave no admin"),
        (status = 413, body = ErrorBody, content_type = "application/json", description = "Body too large"),
        (status = 415, body = ErrorBody, content_type = "application/json", description = "Not JSON"),
        (status = 422, body = ErrorBody, content_type = "application/json", description = "A role we do not know"),
        (status = 429, body = ErrorBody, content_type = "application/json", description = "Rate limited"),
    )
)]
pub async fn change_role(
    State(app): State<AppState>,
    key: ApiKey,
    ApiPath(id): ApiPath<String>,
    ApiJson(r): ApiJson<RoleRequest>,
) -> Result<Response, ApiError> {
    may(&key)?;
    id_ok(&id)?;
    let role = role_of(&r.role)?;
    let update = app.store.change_staff_role(&key.actor(), &id, role).await?;
    answer(&app, update).await
}

/// Deactivate a member: their newsroom sessions end on every node; they are kept (bylines,
/// the audit log) and may be reactivated.
#[utoipa::path(
    post, path = "/api/v1/admin/staff/{id}/deactivate", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, max_length = 100, description = "The member's id")),
    responses(
        (status = 200, description = "The member, deactivated", body = StaffOut, content_type = "application/json"),
        (status = 401, body = ErrorBody, content_type = "application/json", description = "No valid key"),
        (status = 403, body = ErrorBody, content_type = "application/json", description = "Not an admin key"),
        (status = 404, body = ErrorBody, content_type = "application/json", description = "No such member"),
        (status = 409, body = ErrorBody, content_type = "application/json", description = "The last admin, or the key's own creator"),
        (status = 429, body = ErrorBody, content_type = "application/json", description = "Rate limited"),
    )
)]
pub async fn deactivate(
    State(app): State<AppState>,
    key: ApiKey,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    may(&key)?;
    id_ok(&id)?;
    let update = app
        .store
        .deactivate_staff_acting_for(&key.actor(), Some(&key.key.creator_id), &id)
        .await?;
    answer(&app, update).await
}

/// Reactivate a member, with the role they had.
#[utoipa::path(
    post, path = "/api/v1/admin/staff/{id}/reactivate", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, max_length = 100, description = "The member's id")),
    responses(
        (status = 200, description = "The member, active", body = StaffOut, content_type = "application/json"),
        (status = 401, body = ErrorBody, content_type = "application/json", description = "No valid key"),
        (status = 403, body = ErrorBody, content_type = "application/json", description = "Not an admin key"),
        (status = 404, body = ErrorBody, content_type = "application/json", description = "No such member"),
        (status = 429, body = ErrorBody, content_type = "application/json", description = "Rate limited"),
    )
)]
pub async fn reactivate(
    State(app): State<AppState>,
    key: ApiKey,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    may(&key)?;
    id_ok(&id)?;
    let update = app.store.reactivate_staff(&key.actor(), &id).await?;
    answer(&app, update).await
}
