//! The newsroom: staff pages under `/newsroom`, every one behind a [`Staff`] extractor with the
//! capability it needs (the role is the session's, fixed when the staff member signed in under
//! the staff rules, and read afresh from the staff table). Today it holds comment moderation
//! (`comments.rs`); the newsroom issue adds the editor, photos, sections, staff and settings.
//!
//! [`Staff`]: crate::session::Staff

mod admin;
mod alerts;
mod api_keys;
pub(crate) mod articles;
mod comments;
pub(crate) mod staff;
pub(crate) mod taxonomy;

use axum::Router;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(comments::routes())
        .merge(staff::routes())
        .merge(taxonomy::routes())
        .merge(admin::routes())
        .merge(articles::routes())
        .merge(alerts::routes())
        .route(
            "/newsroom/api-keys",
            axum::routing::get(api_keys::keys_page).post(api_keys::create_key),
        )
        .route(
            "/newsroom/api-keys/{id}/revoke",
            axum::routing::post(api_keys::revoke_key),
        )
}
