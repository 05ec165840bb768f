//! A staff member's own page: their address and role, what the role may do, and their recent
//! sign-ins (from the audit log). Passkeys will be registered here.

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    response::Response,
};
use masthead_core::{EmailAddress, Role};
use masthead_store::audit::AuditQuery;

use super::{AnyStaff, when};
use crate::{AppState, error::WebError, session::Staff, views};

/// What a role may do, as the newsroom's pages show it.
pub(crate) fn role_abilities(role: Role) -> Vec<&'static str> {
    let mut can = Vec::new();
    if role.can_write() {
        can.push("write drafts");
    }
    if role.can_publish() {
        can.push("publish and edit everyone's articles");
    } else if role.can_publish_own() {
        can.push("publish your own articles");
    }
    if role.can_manage_taxonomy() {
        can.push("manage sections and tags");
    }
    if role.can_moderate() {
        can.push("moderate comments");
    }
    if role.can_manage_staff() {
        can.push("manage staff");
    }
    if role.can_change_settings() {
        can.push("change the publication's settings");
    }
    can
}

pub async fn profile_page(
    State(app): State<AppState>,
    headers: HeaderMap,
    staff: Staff<AnyStaff>,
) -> Result<Response, WebError> {
    let session = &staff.session;
    let role = session.staff.ok_or(WebError::NotFound)?;
    let member = match EmailAddress::parse(&session.email) {
        Ok(e) => app.store.staff_by_email(&e).await?,
        Err(_) => None,
    };
    let sign_ins: Vec<minijinja::Value> = match &member {
        Some(m) => app
            .store
            .audit_entries(AuditQuery {
                target: Some(("staff", &m.id)),
                before: None,
                limit: 50,
            })
            .await?
            .into_iter()
            .filter(|e| e.action == "staff.sign_in")
            .take(10)
            .map(|e| minijinja::context! { at => when(&app, Some(e.at)), summary => e.summary })
            .collect(),
        None => Vec::new(),
    };
    let ctx = minijinja::context! {
        email => &session.email,
        role => role.as_str(),
        abilities => role_abilities(role),
        sign_ins,
        session_hours => app.config.staff_session_hours,
        is_admin => role.can_manage_staff(),
    };
    views::form_page(
        &app,
        &headers,
        "newsroom/profile.html",
        "Your newsroom profile",
        "/newsroom/profile",
        StatusCode::OK,
        ctx,
    )
    .await
}
