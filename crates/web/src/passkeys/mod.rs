//! Staff passkeys (WebAuthn): registering one from the staff member's own newsroom page,
//! listing and removing them there, an admin's reset of a member's passkeys (the recovery
//! path), the "require passkeys for editors and admins" setting, and signing in with one from
//! the sign-in page. The checks of the browser's answers are `webauthn.rs` (WebAuthn Level 2,
//! §7.1 and §7.2, step by step); what is stored, and the rules that hold across nodes, are
//! `masthead_store::passkeys`.
//!
//! How a ceremony goes (`themes/default/static/passkeys.js`, loaded as a file: no inline
//! script, so the CSP holds):
//! 1. The script POSTs the page's CSRF token to an `options` URL; the server makes a 32-byte
//!    challenge, stores its keyed hash bound to this browser's binding cookie (the one that
//!    binds staff sign-in links; set here if the browser has none), and answers the options
//!    as JSON with binary fields in base64url.
//! 2. The script calls `navigator.credentials.create` or `.get`, puts the credential (base64url
//!    fields, JSON) in a hidden field of an ordinary form, and submits it: the answer is an
//!    ordinary page (the profile, or the newsroom after signing in), with errors shown on it.
//!
//! Without script the sign-in page keeps the email link and code (the passkey button stays
//! hidden); the profile says that registering a passkey needs JavaScript.
//!
//! The relying party is the public URL's host, and the only origin accepted is the public
//! URL's origin (`MASTHEAD_PUBLIC_URL`): a passkey registered on one address of the site does
//! not work on another. Browsers refuse IP addresses as relying-party ids: use a host name
//! (`localhost` works for a trial on one machine).

mod manage;
mod sign_in;
pub mod webauthn;

use axum::{
    Json, Router,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::post,
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use masthead_core::secret;
use masthead_store::passkeys::{ChallengePurpose, NewChallenge};
use serde::Deserialize;

use crate::{AppState, error::WebError, session::cookies};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/newsroom/passkeys/options", post(manage::options))
        .route("/newsroom/passkeys", post(manage::register))
        .route("/newsroom/passkeys/{id}/remove", post(manage::remove))
        .route(
            "/newsroom/staff/{id}/reset-passkeys",
            post(manage::reset_member),
        )
        .route("/newsroom/settings/passkeys", post(manage::require_setting))
        .route("/sign-in/passkey/options", post(sign_in::options))
        .route("/sign-in/passkey", post(sign_in::sign_in))
}

/// A form with no fields of its own (the CSRF token is read by `CsrfForm`).
#[derive(Debug, Default, Deserialize)]
pub struct NoFields {}

/// The relying party of this site (see the module docs).
pub fn relying_party(app: &AppState) -> webauthn::RelyingParty {
    let url = url::Url::parse(&app.config.public_url).ok();
    let id = url
        .as_ref()
        .and_then(|u| u.host_str())
        .unwrap_or("localhost")
        .to_owned();
    let origin = url.map_or_else(
        || "http://localhost".to_owned(),
        |u| u.origin().ascii_serialization(),
    );
    webauthn::RelyingParty { id, origin }
}

/// Issues a challenge for this browser: stored hashed and bound to its binding cookie. Returns
/// the challenge (base64url) and the cookie to set when the browser had none.
async fn issue_challenge(
    app: &AppState,
    headers: &HeaderMap,
    purpose: ChallengePurpose,
    staff_id: Option<&str>,
) -> Result<(String, Option<HeaderValue>), WebError> {
    let secure = app.secure_cookies();
    let (bind, new_bind) = cookies::binding_token(headers, secure);
    let challenge = secret::random_token();
    app.store
        .create_passkey_challenge(&NewChallenge {
            challenge_hash: &app.hash_token(&challenge),
            purpose,
            bind_hash: &app.hash_token(&bind),
            staff_id,
        })
        .await?;
    let cookie = new_bind.then(|| cookies::set(cookies::BIND, &bind, Some(86_400), secure));
    Ok((challenge, cookie))
}

/// The challenge the client signed (from its client data), spent: `Ok(None)` if it is not a
/// live challenge issued to this browser for `purpose`.
async fn spend_challenge(
    app: &AppState,
    headers: &HeaderMap,
    credential: &webauthn::Credential,
    purpose: ChallengePurpose,
) -> Result<Option<(String, Option<String>)>, WebError> {
    let Some(bind) = cookies::get(headers, cookies::BIND, app.secure_cookies())
        .filter(|t| secret::looks_like_token(t))
    else {
        return Ok(None);
    };
    let Some(challenge) = client_challenge(&credential.response.client_data_json) else {
        return Ok(None);
    };
    let spent = app
        .store
        .take_passkey_challenge(&app.hash_token(&challenge), purpose, &app.hash_token(bind))
        .await?;
    Ok(spent.map(|staff| (challenge, staff)))
}

/// The challenge named in a client data JSON (base64url), if it looks like one of ours. It is
/// only a key to find the stored challenge; `webauthn` checks the client data in full.
fn client_challenge(client_data_b64: &str) -> Option<String> {
    if client_data_b64.len() > 8 * 1024 {
        return None;
    }
    let raw = URL_SAFE_NO_PAD
        .decode(client_data_b64.trim_end_matches('='))
        .ok()?;
    #[derive(Deserialize)]
    struct Challenge {
        challenge: String,
    }
    let c: Challenge = serde_json::from_slice(&raw).ok()?;
    let c = c.challenge.trim_end_matches('=').to_owned();
    secret::looks_like_token(&c).then_some(c)
}

/// The options as JSON, `no-store`, with the binding cookie if one was made.
fn options_response(options: serde_json::Value, cookie: Option<HeaderValue>) -> Response {
    let mut res = Json(options).into_response();
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(c) = cookie {
        h.append(header::SET_COOKIE, c);
    }
    res
}

/// A JSON error as the APIs answer them: `{"error": {"code", "message", "field"}}`.
fn json_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = serde_json::json!({ "error": { "code": code, "message": message, "field": null } });
    (status, Json(body)).into_response()
}

/// How long the browser waits for the person (ms), as the options say.
const TIMEOUT_MS: u64 = 300_000;
