//! The newsroom: staff pages under `/newsroom`, every one behind a [`Staff`] extractor with the
//! capability it needs (the role is the session's, fixed when the staff member signed in under
//! the staff rules, and read afresh from the staff table). Today it holds comment moderation
//! (`comments.rs`); the newsroom issue adds the editor, photos, sections, staff and settings.
//! Every page renders in the newsroom layout ([`layout_page`], or `articles::page` where the
//! handler has the member at hand).
//!
//! [`Staff`]: crate::session::Staff

mod admin;
mod alerts;
mod api_keys;
pub(crate) mod articles;
mod comments;
mod edition;
mod photos;
pub(crate) mod staff;
pub(crate) mod taxonomy;

use axum::{
    Router,
    http::{HeaderMap, StatusCode},
    response::Response,
};

use crate::{AppState, error::WebError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(comments::routes())
        .merge(staff::routes())
        .merge(taxonomy::routes())
        .merge(admin::routes())
        .merge(articles::routes())
        .merge(alerts::routes())
        .merge(edition::routes())
        .route(
            "/newsroom/api-keys",
            axum::routing::get(api_keys::keys_page).post(api_keys::create_key),
        )
        .route(
            "/newsroom/api-keys/{id}/revoke",
            axum::routing::post(api_keys::revoke_key),
        )
        .merge(photos::routes())
}

/// The photo upload: the one route whose body may pass 1 MiB (`photos`).
pub fn upload_routes(state: &AppState) -> Router<AppState> {
    photos::upload_routes(state)
}

/// A staff page in the newsroom layout (`newsroom/_layout.html`: the navigation for the
/// member's role), for pages whose handlers hold the request's headers rather than the member:
/// the session is this request's (its extractor already checked it; the lookup is the
/// session cache's).
pub(crate) async fn layout_page(
    app: &AppState,
    headers: &HeaderMap,
    template: &str,
    title: &str,
    path: &str,
    status: StatusCode,
    ctx: minijinja::Value,
) -> Result<Response, WebError> {
    let session = app.session(headers).await?.ok_or(WebError::NotFound)?;
    let member = app
        .store
        .newsroom_staff(&session.email)
        .await?
        .ok_or(WebError::NotFound)?;
    articles::page(app, headers, &member, template, title, path, status, ctx).await
}
