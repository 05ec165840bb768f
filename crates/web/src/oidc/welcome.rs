//! A first sign-in with a provider whose address has no account: the confirmation page
//! (the terms and the Daily Edition choice, as on the registration form) creates the account.

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use masthead_core::secret;
use masthead_store::sign_in::{NewSession, SessionLengths};
use serde::Deserialize;

use super::flow::{WELCOME_COOKIE, signed_in};
use crate::{
    AppState,
    account::{SESSION_DAYS, TERMS_VERSION},
    error::{Refusal, WebError},
    session::{CsrfForm, cookies},
    views,
};

fn expired() -> WebError {
    Refusal::new(
        StatusCode::GONE,
        "This sign-in has expired",
        "We keep a new sign-in for fifteen minutes. Please start again, or register with your email address: we will send you a link.",
        ("/register", "Register with email"),
    )
    .into()
}

fn pending_hash(app: &AppState, headers: &HeaderMap) -> Option<String> {
    cookies::get(headers, WELCOME_COOKIE, app.secure_cookies())
        .filter(|t| secret::looks_like_token(t))
        .map(|t| app.hash_token(t))
}

pub async fn welcome_page(
    State(app): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let Some(hash) = pending_hash(&app, &headers) else {
        return Err(expired());
    };
    let Some(pending) = app.store.oidc_pending(&hash).await? else {
        return Err(expired());
    };
    let name = app
        .oidc
        .buttons()
        .into_iter()
        .find(|b| b.id == pending.provider)
        .map(|b| b.name)
        .unwrap_or(pending.provider.clone());
    let ctx =
        minijinja::context! { email => pending.email, provider => name, daily_edition => true };
    views::form_page(
        &app,
        &headers,
        "account/oidc_welcome.html",
        "Welcome",
        "/",
        StatusCode::OK,
        ctx,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct WelcomeForm {
    #[serde(default)]
    daily_edition: Option<String>,
}

pub async fn welcome_submit(
    State(app): State<AppState>,
    headers: HeaderMap,
    CsrfForm(f): CsrfForm<WelcomeForm>,
) -> Result<Response, WebError> {
    let Some(hash) = pending_hash(&app, &headers) else {
        return Err(expired());
    };
    let session_token = secret::random_token();
    let session = NewSession {
        id_hash: app.hash_token(&session_token),
        lengths: SessionLengths {
            reader_ms: SESSION_DAYS * 86_400_000,
            staff_ms: app.config.staff_session_hours * 3_600_000,
        },
    };
    let Some((pending, done)) = app
        .store
        .register_with_identity(&hash, TERMS_VERSION, f.daily_edition.is_some(), &session)
        .await?
    else {
        return Err(expired());
    };
    if let Some(article) = &pending.wall_article_id {
        app.wall.signed_up(article);
    }
    let mut res = signed_in(&app, done, &session_token, &pending.return_to)?.into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        cookies::delete(WELCOME_COOKIE, app.secure_cookies()),
    );
    Ok(res)
}
