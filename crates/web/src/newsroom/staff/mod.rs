//! Staff management for admins (`/newsroom/staff`): the list, inviting by email, changing a
//! role, deactivating and reactivating; and every staff member's own profile page
//! (`/newsroom/profile`). The rules (one active admin always left, sessions ended on every node
//! at deactivation, a changed role read afresh by existing sessions) are the store's
//! (`masthead_store::staff`); each change is audited there, in its transaction.
//!
//! One file per flow: the list and the invitation (`list.rs`), the changes to a member
//! (`change.rs`), the profile (`profile.rs`).

mod change;
mod list;
mod profile;

pub(crate) use profile::{ProfileMessage, profile_response};

use axum::{
    Router,
    routing::{get, post},
};
use masthead_core::{EmailAddress, Role};
use masthead_store::audit::Actor;

use crate::{
    AppState,
    error::WebError,
    session::{Capability, Session},
};

/// Managing staff: admins only.
pub struct ManageStaff;

impl Capability for ManageStaff {
    const HOME: &'static str = "/newsroom/staff";
    const DENIED_TITLE: &'static str = "For admins only";
    const DENIED_MESSAGE: &'static str =
        "Only the newsroom's admins manage staff. If you need a change to your role, ask an admin.";

    fn allows(role: Role) -> bool {
        role.can_manage_staff()
    }
}

/// Any staff member (their own profile).
pub struct AnyStaff;

impl Capability for AnyStaff {
    const HOME: &'static str = "/newsroom/profile";
    const DENIED_TITLE: &'static str = "For newsroom staff only";
    const DENIED_MESSAGE: &'static str = "This page is for the newsroom's staff. If you should have access, ask an admin to invite your address.";
    // Where a member who must register a passkey first registers it.
    const PASSKEY_SETUP: bool = true;

    fn allows(_: Role) -> bool {
        true
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/newsroom/staff", get(list::staff_page))
        .route("/newsroom/staff/invite", post(list::invite))
        .route("/newsroom/staff/{id}/role", post(change::change_role))
        .route("/newsroom/staff/{id}/deactivate", post(change::deactivate))
        .route("/newsroom/staff/{id}/reactivate", post(change::reactivate))
        .route("/newsroom/profile", get(profile::profile_page))
}

/// The audit log's actor for a staff session: the member's id and address.
pub(crate) async fn actor_of(app: &AppState, session: &Session) -> Result<Actor, WebError> {
    let member = match EmailAddress::parse(&session.email) {
        Ok(email) => app.store.staff_by_email(&email).await?,
        Err(_) => None,
    };
    Ok(match member {
        Some(m) => Actor::staff(m.id, m.email),
        None => Actor {
            kind: masthead_store::audit::ActorKind::Staff,
            id: None,
            label: session.email.clone(),
        },
    })
}

/// A time in the publication's zone, as the newsroom shows it.
fn when(app: &AppState, ms: Option<i64>) -> Option<String> {
    ms.map(|t| masthead_core::schedule::dateline(masthead_store::from_ms(t), &app.config.time_zone))
}
