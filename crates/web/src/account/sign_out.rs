//! Signing out: this browser, or every browser. Either raises the sessions epoch, so other
//! nodes stop honouring the sessions within a second; this node forgets them at once.

use axum::{
    extract::State,
    http::{HeaderMap, header},
    response::{IntoResponse, Redirect, Response},
};

use super::request::NoFields;
use crate::{
    AppState,
    error::WebError,
    session::{CsrfForm, MaybeReader, cookies},
};

pub async fn sign_out(
    State(app): State<AppState>,
    headers: HeaderMap,
    CsrfForm(NoFields {}): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    if let Some(token) = cookies::session_token(&headers, app.secure_cookies()) {
        app.store.delete_session(&app.hash_token(token)).await?;
        // A session opened before keyed hashes and not used since is stored unkeyed.
        app.store
            .delete_session(&masthead_core::secret::sha256_hex(token))
            .await?;
        app.refresh_sessions_epoch().await?;
    }
    Ok(signed_out(&app))
}

pub async fn sign_out_everywhere(
    State(app): State<AppState>,
    signed_in: MaybeReader,
    CsrfForm(NoFields {}): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    let session = signed_in.require("/account")?;
    app.store.delete_sessions_of(&session.reader_id).await?;
    app.refresh_sessions_epoch().await?;
    Ok(signed_out(&app))
}

/// To the front page, without the session cookie.
fn signed_out(app: &AppState) -> Response {
    let mut res = Redirect::to("/").into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        cookies::delete(cookies::SESSION, app.secure_cookies()),
    );
    res
}
