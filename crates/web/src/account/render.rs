//! Rendering the account pages: per browser (CSRF token), never cached (`views::form_page`).

use axum::{
    http::{HeaderMap, StatusCode},
    response::Response,
};

use crate::{AppState, error::WebError, views};

/// An account template with the site chrome and the browser's CSRF token.
pub(super) async fn page(
    app: &AppState,
    headers: &HeaderMap,
    template: &str,
    title: &str,
    status: StatusCode,
    extra: minijinja::Value,
) -> Result<Response, WebError> {
    views::form_page(app, headers, template, title, "/", status, extra).await
}

pub(super) use views::notice_page as notice;
