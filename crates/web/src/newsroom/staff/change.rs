//! Changes to one staff member: role, deactivation, reactivation. A refused change (the last
//! active admin, an admin's own account) re-renders the list with the reason (409).

use axum::{
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use masthead_core::Role;
use masthead_store::staff::StaffUpdate;
use serde::Deserialize;

use super::{
    ManageStaff, actor_of,
    list::{Page, render},
};
use crate::{
    AppState,
    error::WebError,
    session::{CsrfForm, Staff},
};

#[derive(Debug, Default, Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct EmptyForm {}

async fn answer(
    app: &AppState,
    headers: &HeaderMap,
    me: &str,
    update: StaffUpdate,
    done: &str,
) -> Result<Response, WebError> {
    let refused = match update {
        StaffUpdate::Done(_) => {
            // This node forgets the cached sessions now; the others at their next poll.
            app.refresh_sessions_epoch().await?;
            return Ok(Redirect::to(&format!("/newsroom/staff?notice={done}")).into_response());
        }
        StaffUpdate::Unchanged(_) => {
            return Ok(Redirect::to("/newsroom/staff?notice=unchanged").into_response());
        }
        StaffUpdate::NotFound => return Err(WebError::NotFound),
        StaffUpdate::LastAdmin => {
            "That would leave the newsroom without an admin. Make another staff member admin first."
        }
        StaffUpdate::OwnAccount => {
            "You cannot deactivate your own account. Ask another admin if it should be."
        }
    };
    let page = Page {
        change_error: Some(refused.to_owned()),
        ..Page::default()
    };
    render(app, headers, me, page, StatusCode::CONFLICT).await
}

pub async fn change_role(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    admin: Staff<ManageStaff>,
    CsrfForm(f): CsrfForm<RoleForm>,
) -> Result<Response, WebError> {
    let me = &admin.session.email;
    let role: Role = match f.role.parse() {
        Ok(r) => r,
        Err(e) => {
            let e: masthead_core::ParseError = e;
            let page = Page {
                change_error: Some(e.0),
                ..Page::default()
            };
            return render(&app, &headers, me, page, StatusCode::BAD_REQUEST).await;
        }
    };
    let actor = actor_of(&app, &admin.session).await?;
    let update = app.store.change_staff_role(&actor, &id, role).await?;
    answer(&app, &headers, me, update, "role").await
}

pub async fn deactivate(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    admin: Staff<ManageStaff>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, WebError> {
    let actor = actor_of(&app, &admin.session).await?;
    let update = app.store.deactivate_staff(&actor, &id).await?;
    answer(&app, &headers, &admin.session.email, update, "deactivated").await
}

pub async fn reactivate(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    admin: Staff<ManageStaff>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, WebError> {
    let actor = actor_of(&app, &admin.session).await?;
    let update = app.store.reactivate_staff(&actor, &id).await?;
    answer(&app, &headers, &admin.session.email, update, "reactivated").await
}
