//! Sections and tags from the newsroom (`/newsroom/sections`, `/newsroom/tags`): create,
//! rename (the old URLs redirect, `masthead_store::taxonomy`), describe, and order the sections
//! in the navigation. Editors and admins (`Role::can_manage_taxonomy`). An empty name, a bad or
//! duplicate slug re-render the form with the input and a message (400 or 409). An empty slug
//! is made from the name. Sections and tags share one form and one page template, told apart
//! by [`Which`].

pub(crate) mod form;

use axum::{
    Router,
    routing::{get, post},
};
use masthead_core::Role;

use crate::{AppState, session::Capability};

/// Managing sections and tags: editors and admins.
pub struct ManageTaxonomy;

impl Capability for ManageTaxonomy {
    const HOME: &'static str = "/newsroom/sections";
    const DENIED_TITLE: &'static str = "For editors only";
    const DENIED_MESSAGE: &'static str = "Sections and tags are managed by the newsroom's editors and admins. Ask an editor for the change you need.";

    fn allows(role: Role) -> bool {
        role.can_manage_taxonomy()
    }
}

/// Sections or tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    Sections,
    Tags,
}

impl Which {
    fn base(self) -> &'static str {
        match self {
            Which::Sections => "/newsroom/sections",
            Which::Tags => "/newsroom/tags",
        }
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/newsroom/sections",
            get(form::list_sections).post(form::create_section),
        )
        .route(
            "/newsroom/sections/{id}",
            get(form::edit_section).post(form::update_section),
        )
        .route("/newsroom/sections/{id}/move", post(form::move_section))
        .route(
            "/newsroom/tags",
            get(form::list_tags).post(form::create_tag),
        )
        .route(
            "/newsroom/tags/{id}",
            get(form::edit_tag).post(form::update_tag),
        )
}
