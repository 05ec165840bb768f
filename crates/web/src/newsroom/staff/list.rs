//! The staff list and the invitation form. A bad address or role re-renders the page with the
//! admin's input and a message (400); an address already on staff says so (409) and changes
//! nothing.

use axum::{
    extract::{Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use masthead_core::{EmailAddress, Role};
use masthead_store::staff::{Invitation, StaffMember};
use serde::Deserialize;

use super::{ManageStaff, actor_of, when};
use crate::{
    AppState,
    error::WebError,
    session::{CsrfForm, Staff},
};

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    notice: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

/// The notices a change may end with (a closed set: the query never becomes page text).
fn notice_text(key: &str) -> Option<&'static str> {
    Some(match key {
        "invited" => "The invitation is on its way.",
        "role" => "The role was changed; their open sessions have the new role already.",
        "deactivated" => "Deactivated: their newsroom sessions have ended on every node.",
        "reactivated" => "Reactivated: they can sign in to the newsroom again.",
        "unchanged" => "Nothing to change.",
        "passkeys-reset" => {
            "Their passkeys were removed: they sign in by email and register a new one."
        }
        _ => return None,
    })
}

pub async fn staff_page(
    State(app): State<AppState>,
    headers: HeaderMap,
    admin: Staff<ManageStaff>,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let notice = q.notice.as_deref().and_then(notice_text);
    render(
        &app,
        &headers,
        &admin.session.email,
        Page {
            notice,
            ..Page::default()
        },
        StatusCode::OK,
    )
    .await
}

/// What the page shows besides the list: a notice, an error (of the invitation form, or of a
/// change to a member), and the invitation form's input.
#[derive(Default)]
pub(super) struct Page<'a> {
    pub notice: Option<&'static str>,
    pub invite_error: Option<String>,
    pub change_error: Option<String>,
    pub email: &'a str,
    pub role: &'a str,
}

pub(super) async fn render(
    app: &AppState,
    headers: &HeaderMap,
    me: &str,
    page: Page<'_>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let staff = app.store.list_staff().await?;
    let rows: Vec<minijinja::Value> = staff.iter().map(|m| row(app, m, me)).collect();
    let roles: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
    let ctx = minijinja::context! {
        me, staff => rows, roles,
        notice => page.notice,
        invite_error => page.invite_error,
        change_error => page.change_error,
        email => page.email,
        role => if page.role.is_empty() { "author" } else { page.role },
    };
    crate::newsroom::layout_page(
        app,
        headers,
        "newsroom/staff.html",
        "Staff",
        "/newsroom/staff",
        status,
        ctx,
    )
    .await
}

fn row(app: &AppState, m: &StaffMember, me: &str) -> minijinja::Value {
    minijinja::context! {
        id => &m.id,
        email => &m.email,
        role => m.role.as_str(),
        active => m.is_active(),
        is_me => m.email.eq_ignore_ascii_case(me),
        added => when(app, Some(m.created_at)),
        invited_by => &m.invited_by,
        deactivated => when(app, m.deactivated_at),
        last_sign_in => when(app, m.last_sign_in_at),
    }
}

pub async fn invite(
    State(app): State<AppState>,
    headers: HeaderMap,
    admin: Staff<ManageStaff>,
    CsrfForm(f): CsrfForm<InviteForm>,
) -> Result<Response, WebError> {
    let me = admin.session.email.clone();
    let again = |error: String, status| {
        let app = &app;
        let headers = &headers;
        let me = &me;
        let f = &f;
        async move {
            let page = Page {
                invite_error: Some(error),
                email: &f.email,
                role: &f.role,
                ..Page::default()
            };
            render(app, headers, me, page, status).await
        }
    };
    let email = match EmailAddress::parse(&f.email) {
        Ok(e) => e,
        Err(e) => return again(e.0, StatusCode::BAD_REQUEST).await,
    };
    let role: Role = match f.role.parse() {
        Ok(r) => r,
        Err(e) => {
            let e: masthead_core::ParseError = e;
            return again(e.0, StatusCode::BAD_REQUEST).await;
        }
    };
    let actor = actor_of(&app, &admin.session).await?;
    match app.store.invite_staff(&actor, &email, role).await? {
        Invitation::Sent(_) => {
            app.jobs_wake.notify_one();
            Ok(Redirect::to("/newsroom/staff?notice=invited").into_response())
        }
        Invitation::AlreadyStaff(m) => {
            let msg = if m.is_active() {
                format!(
                    "{} is already on the staff, as {}. Change their role in the list below.",
                    m.email, m.role
                )
            } else {
                format!(
                    "{} was on the staff and is deactivated. Reactivate them in the list below.",
                    m.email
                )
            };
            again(msg, StatusCode::CONFLICT).await
        }
    }
}
