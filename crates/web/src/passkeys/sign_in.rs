//! Signing in with a passkey from the sign-in page: the request options (a discoverable
//! credential: the person picks their passkey, no address typed), then the assertion, checked
//! (§7.2) against the stored credential, which opens a staff session.
//!
//! Limits: challenges per client address per minute ([`CHALLENGES_PER_MINUTE`]); a refused
//! assertion counts against the same per-address budget of failed sign-in attempts as a wrong
//! code, and once that is spent, assertions are refused for the minute.

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use masthead_core::secret;
use masthead_store::{
    passkeys::ChallengePurpose,
    rate_limit::{RateKey, RateLimit},
    sign_in::{NewSession, SessionLengths},
};
use serde::Deserialize;

use super::{
    NoFields, TIMEOUT_MS, issue_challenge, json_error, options_response, relying_party, webauthn,
};
use crate::{
    AppState,
    client_ip::ClientIp,
    error::{Refusal, WebError},
    session::{CsrfForm, cookies},
};

/// Sign-in challenges one client address may ask for in a minute.
pub const CHALLENGES_PER_MINUTE: i64 = 30;

#[derive(Debug, Default, Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    credential: String,
    #[serde(default)]
    return_to: Option<String>,
}

/// `POST /sign-in/passkey/options` (JSON).
pub async fn options(
    State(app): State<AppState>,
    headers: HeaderMap,
    peer: ClientIp,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    let limit = RateLimit::per_minute(
        RateKey::PasskeyChallengesFromIp(peer.limit_key()),
        CHALLENGES_PER_MINUTE,
    );
    if !app.store.take_rate_limit(&limit).await? {
        let mut res = json_error(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "Too many passkey sign-ins were started from your network just now. Please wait a minute and try again.",
        );
        res.headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("60"));
        return Ok(res);
    }
    let (challenge, cookie) =
        issue_challenge(&app, &headers, ChallengePurpose::SignIn, None).await?;
    let options = serde_json::json!({ "publicKey": {
        "challenge": challenge,
        "rpId": relying_party(&app).id,
        "timeout": TIMEOUT_MS,
        "userVerification": "required",
        "allowCredentials": [],
    }});
    Ok(options_response(options, cookie))
}

fn failed_limit(app: &AppState, peer: &ClientIp) -> RateLimit {
    RateLimit::per_minute(
        RateKey::SignInFailuresFromIp(peer.limit_key()),
        app.config.rate_limits.attempts_per_minute,
    )
}

fn refused(status: StatusCode, title: &'static str, message: &str) -> WebError {
    Refusal::new(status, title, message, ("/sign-in", "Back to signing in")).into()
}

/// `POST /sign-in/passkey`: the form `passkeys.js` submits with the assertion.
pub async fn sign_in(
    State(app): State<AppState>,
    headers: HeaderMap,
    peer: ClientIp,
    CsrfForm(f): CsrfForm<SignInForm>,
) -> Result<Response, WebError> {
    if app
        .store
        .rate_limit_reached(&failed_limit(&app, &peer))
        .await?
    {
        return Err(refused(
            StatusCode::TOO_MANY_REQUESTS,
            "Please wait a minute",
            "Several sign-ins that did not work came from your network in the last minute. Please wait a minute and try again.",
        ));
    }
    match check(&app, &headers, &f).await? {
        Ok(done) => Ok(done),
        Err(why) => {
            app.store
                .take_rate_limit(&failed_limit(&app, &peer))
                .await?;
            tracing::info!(reason = %why, "passkey sign-in refused");
            Err(refused(
                StatusCode::BAD_REQUEST,
                "That passkey did not sign you in",
                &format!(
                    "{why} You can also sign in with a link by email (editors and admins who must use a passkey: ask an admin to reset yours if it is lost)."
                ),
            ))
        }
    }
}

/// The checks, in order; `Ok(Err(_))` is a refusal to show.
async fn check(
    app: &AppState,
    headers: &HeaderMap,
    f: &SignInForm,
) -> Result<Result<Response, webauthn::Refused>, WebError> {
    use webauthn::Refused;
    let credential = match webauthn::Credential::parse(&f.credential) {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    // §7.2 steps 1–4: the options we issued; their challenge is spent here, once.
    let Some((challenge, _)) =
        super::spend_challenge(app, headers, &credential, ChallengePurpose::SignIn).await?
    else {
        return Ok(Err(Refused::Challenge));
    };
    // Step 5 (no allowCredentials: any of ours) and step 6: the credential is registered, and
    // the user handle, if sent, is its holder's.
    let (id, handle) = match webauthn::assertion_ids(&credential) {
        Ok(ids) => ids,
        Err(e) => return Ok(Err(e)),
    };
    let Some(owner) = app.store.passkey_owner(&id).await? else {
        return Ok(Err(Refused::Unknown));
    };
    if handle.is_some_and(|h| h != owner.staff_id) {
        return Ok(Err(Refused::Unknown));
    }
    let public_key = URL_SAFE_NO_PAD
        .decode(&owner.public_key)
        .map_err(|_| WebError::Internal(anyhow::anyhow!("stored passkey key is not base64url")))?;
    let stored = webauthn::StoredCredential {
        public_key: &public_key,
        sign_count: owner.sign_count,
    };
    // Steps 7–21.
    let assertion =
        match webauthn::verify_assertion(&relying_party(app), &challenge, &credential, &stored) {
            Ok(a) => a,
            Err(e) => return Ok(Err(e)),
        };
    // Step 22 and the session, in one transaction (the counter is a compare-and-set).
    let token = secret::random_token();
    let staff_ms = app.config.staff_session_hours * 3_600_000;
    let session = NewSession {
        id_hash: app.hash_token(&token),
        lengths: SessionLengths {
            reader_ms: staff_ms,
            staff_ms,
        },
    };
    let Some(opened) = app
        .store
        .sign_in_with_passkey(&owner, assertion.sign_count, &session)
        .await?
    else {
        // The counter moved meanwhile (the same assertion used twice at once), or the holder
        // left the staff since the lookup.
        return Ok(Err(Refused::Challenge));
    };
    let target = match f.return_to.as_deref() {
        None | Some("") | Some("/") => "/newsroom".to_owned(),
        Some(r) => crate::account::safe_return_to(Some(r)),
    };
    let mut res = Redirect::to(&target).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        cookies::set(
            cookies::SESSION,
            &token,
            Some(opened.session_ms / 1000),
            app.secure_cookies(),
        ),
    );
    Ok(Ok(res))
}
