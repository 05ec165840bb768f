//! A staff member's own page: their address and role, what the role may do, and their recent
//! sign-ins (from the audit log), and their passkeys: the list, removing one, and the form
//! `passkeys.js` drives to register one (`crate::passkeys`).

use axum::{
    extract::{Query, State},
    http::{HeaderMap, StatusCode},
    response::Response,
};
use masthead_core::{EmailAddress, Role};
use masthead_store::audit::AuditQuery;

use serde::Deserialize;

use super::{AnyStaff, when};
use crate::{
    AppState,
    error::WebError,
    newsroom::articles::page,
    session::{Session, Staff},
};

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

#[derive(Debug, Default, Deserialize)]
pub struct ProfileQuery {
    notice: Option<String>,
}

/// The notices the profile may show (a closed set: the query never becomes page text).
fn notice_text(key: &str) -> Option<&'static str> {
    Some(match key {
        "passkey-added" => "Your passkey is registered. Next time, sign in with it.",
        "passkey-removed" => "The passkey was removed.",
        _ => return None,
    })
}

/// What the profile shows besides the member's details: a notice, or a refusal of the passkey
/// form with the name typed.
#[derive(Debug, Default)]
pub(crate) struct ProfileMessage {
    pub notice: Option<&'static str>,
    pub error: Option<String>,
    pub name: String,
}

pub async fn profile_page(
    State(app): State<AppState>,
    headers: HeaderMap,
    staff: Staff<AnyStaff>,
    Query(q): Query<ProfileQuery>,
) -> Result<Response, WebError> {
    let msg = ProfileMessage {
        notice: q.notice.as_deref().and_then(notice_text),
        ..ProfileMessage::default()
    };
    profile_response(&app, &headers, &staff.session, msg, StatusCode::OK).await
}

/// The profile page: details, passkeys (with the form to add one), recent sign-ins.
pub(crate) async fn profile_response(
    app: &AppState,
    headers: &HeaderMap,
    session: &Session,
    msg: ProfileMessage,
    status: StatusCode,
) -> Result<Response, WebError> {
    let role = session.staff.ok_or(WebError::NotFound)?;
    let Some(member) = app.store.newsroom_staff(&session.email).await? else {
        return Err(WebError::NotFound);
    };
    let sign_ins: Vec<minijinja::Value> = app
        .store
        .audit_entries(AuditQuery {
            target: Some(("staff", &member.id)),
            before: None,
            limit: 50,
        })
        .await?
        .into_iter()
        .filter(|e| e.action == "staff.sign_in")
        .take(10)
        .map(|e| minijinja::context! { at => when(app, Some(e.at)), summary => e.summary })
        .collect();
    let passkeys: Vec<minijinja::Value> = app
        .store
        .passkeys_of(&member.id)
        .await?
        .into_iter()
        .map(|p| {
            minijinja::context! {
                id => p.id, name => p.name,
                added => when(app, Some(p.created_at)),
                last_used => when(app, p.last_used_at),
            }
        })
        .collect();
    let email = EmailAddress::parse(&session.email).map_err(|_| WebError::NotFound)?;
    let must_register = app.store.must_register_passkey(&email, role).await?;
    let required = app.store.passkeys_required().await?
        && masthead_store::passkeys::requirement_applies_to(role);
    let ctx = minijinja::context! {
        email => &session.email,
        role => role.as_str(),
        abilities => role_abilities(role),
        sign_ins,
        passkeys,
        passkeys_js => app.theme.static_url("passkeys.js"),
        passkey_required => required,
        must_register,
        notice => msg.notice,
        passkey_error => msg.error,
        passkey_name => msg.name,
        session_hours => app.config.staff_session_hours,
        is_admin => role.can_manage_staff(),
    };
    page(
        app,
        headers,
        &member,
        "newsroom/profile.html",
        "Your newsroom profile",
        "/newsroom/profile",
        status,
        ctx,
    )
    .await
}
