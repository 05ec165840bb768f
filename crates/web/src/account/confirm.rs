//! Spending a link or a code: the confirmation page of a link (GET spends nothing, so mail
//! scanners sign nobody in), the code form, and finishing the sign-in (the session cookie and
//! the way back, or a page saying why not).
//!
//! A wrong code and a code for an address with no live request get the same answer after the
//! same work (no enumeration: an unknown address is never sent a code). Only failures count
//! against the per-IP limit of attempts, and only codes are refused by it: a valid link always
//! works for its owner.

use axum::{
    extract::{Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use masthead_core::{EmailAddress, secret};
use masthead_store::{
    rate_limit::{RateKey, RateLimit},
    sign_in::{CodeOutcome, Completion, Consent, NewSession, Purpose, SessionLengths},
};
use serde::Deserialize;

use super::{AccountQuery, SESSION_DAYS, TERMS_VERSION, render};
use crate::{
    AppState,
    client_ip::ClientIp,
    error::{Refusal, WebError},
    session::{CsrfForm, cookies},
};

#[derive(Debug, Default, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    code: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    token: String,
    /// Sent by the page of a link that registers: its button is the consent to the terms.
    #[serde(default)]
    register: Option<String>,
    #[serde(default)]
    daily_edition: Option<String>,
}

/// Failed link and code attempts per client address, per minute (see `RateLimits`).
fn attempt_limit(app: &AppState, peer: &ClientIp) -> RateLimit {
    RateLimit::per_minute(
        RateKey::SignInFailuresFromIp(peer.limit_key()),
        app.config.rate_limits.attempts_per_minute,
    )
}

/// "Wait a minute": this address tried several wrong codes or dead links just now.
fn too_many_attempts() -> WebError {
    Refusal::too_many(
        "Several codes that were not right were tried from your network in the last minute. Please wait a minute and try again. A link from your email works at any time.",
        60,
        ("/", "Back to the front page"),
    )
    .into()
}

/// Before trying a code or a link: the per-IP limit of failed attempts (only failures are
/// counted, by [`attempt_failed`], so a good link costs no extra write).
async fn check_attempt(app: &AppState, peer: &ClientIp) -> Result<(), WebError> {
    if app
        .store
        .rate_limit_reached(&attempt_limit(app, peer))
        .await?
    {
        return Err(too_many_attempts());
    }
    Ok(())
}

/// Counts a wrong code or a dead link against the IP's attempts.
async fn attempt_failed(app: &AppState, peer: &ClientIp) -> Result<(), WebError> {
    app.store.take_rate_limit(&attempt_limit(app, peer)).await?;
    Ok(())
}

pub async fn code_form(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<AccountQuery>,
) -> Result<Response, WebError> {
    let ctx = minijinja::context! { email => q.email.unwrap_or_default() };
    code_page(&app, &headers, StatusCode::OK, ctx).await
}

async fn code_page(
    app: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    ctx: minijinja::Value,
) -> Result<Response, WebError> {
    render::page(
        app,
        headers,
        "account/code.html",
        "Enter your code",
        status,
        ctx,
    )
    .await
}

pub async fn code_submit(
    State(app): State<AppState>,
    peer: ClientIp,
    headers: HeaderMap,
    CsrfForm(f): CsrfForm<CodeForm>,
) -> Result<Response, WebError> {
    check_attempt(&app, &peer).await?;
    let retry = |error: &str| minijinja::context! { email => &f.email, error };
    let email = match EmailAddress::parse(&f.email) {
        Ok(e) => e,
        Err(e) => return code_page(&app, &headers, StatusCode::BAD_REQUEST, retry(&e.0)).await,
    };
    let code = secret::normalize_code(&f.code);
    if code.len() != 8 {
        let msg = "The code has 8 digits. Please copy it from the email we sent you.";
        return code_page(&app, &headers, StatusCode::BAD_REQUEST, retry(msg)).await;
    }
    let session = secret::random_token();
    let outcome = app
        .store
        .sign_in_with_code(
            &email,
            &app.hash_token(&code),
            binding_hash(&app, &headers).as_deref(),
            &new_session(&app, &session),
        )
        .await?;
    match outcome {
        CodeOutcome::Accepted(done) => finish_sign_in(&app, *done, &session).await,
        // One answer whether the code was wrong or the address had none (see the module docs).
        CodeOutcome::Wrong | CodeOutcome::NoneLive => {
            attempt_failed(&app, &peer).await?;
            let msg = "That code is not right, or it no longer works: codes expire after 15 minutes, and too many wrong codes end them. Check the latest email we sent you, or ask for a new one.";
            code_page(&app, &headers, StatusCode::BAD_REQUEST, retry(msg)).await
        }
    }
}

fn link_invalid() -> WebError {
    Refusal::new(
        StatusCode::GONE,
        "This link no longer works",
        "Sign-in links work once, for 15 minutes. This one has expired or was already used. Ask for a new one and we will email it to you.",
        ("/sign-in", "Send me a new link"),
    )
    .into()
}

/// GET on the link: a confirmation page. Spends nothing, so mail scanners sign nobody in.
pub async fn link_page(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<AccountQuery>,
) -> Result<Response, WebError> {
    let token = q.token.unwrap_or_default();
    if !secret::looks_like_token(&token) {
        return Err(link_invalid());
    }
    let Some(req) = app
        .store
        .peek_sign_in_token(&app.hash_token(&token))
        .await?
    else {
        return Err(link_invalid());
    };
    // A link sent to an address with no account finishes registering on this page (the terms
    // and the Daily Edition choice, as on the registration form); it may have one by now.
    let register = req.purpose == Purpose::NoAccount
        && app
            .store
            .reader_by_email(
                &EmailAddress::parse(&req.email)
                    .map_err(|e| WebError::Internal(anyhow::anyhow!("stored address: {}", e.0)))?,
            )
            .await?
            .is_none();
    let link_provider = match req.purpose {
        Purpose::LinkIdentity => app
            .store
            .pending_link(&req.id)
            .await?
            .map(|p| p.provider_name),
        _ => None,
    };
    let ctx = minijinja::context! {
        token, email => req.new_email.unwrap_or(req.email),
        change_email => req.purpose == Purpose::ChangeEmail, register, daily_edition => true,
        link_provider,
    };
    let template = "account/confirm_link.html";
    let mut res = render::page(&app, &headers, template, "Sign in", StatusCode::OK, ctx).await?;
    res.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    Ok(res)
}

pub async fn link_submit(
    State(app): State<AppState>,
    peer: ClientIp,
    headers: HeaderMap,
    CsrfForm(f): CsrfForm<LinkForm>,
) -> Result<Response, WebError> {
    // No per-IP check before a link: a 256-bit token cannot be guessed, and readers who share
    // an address with someone trying dead links must still be able to use their own. Dead
    // links are still counted (they slow down codes from that address).
    let session = secret::random_token();
    let consent = f.register.is_some().then(|| Consent {
        terms_version: TERMS_VERSION.to_owned(),
        daily_edition: f.daily_edition.is_some(),
    });
    let done = if secret::looks_like_token(&f.token) {
        app.store
            .sign_in_with_token_consenting(
                &app.hash_token(&f.token),
                binding_hash(&app, &headers).as_deref(),
                consent.as_ref(),
                &new_session(&app, &session),
            )
            .await?
    } else {
        None
    };
    match done {
        Some(done) => finish_sign_in(&app, done, &session).await,
        None => {
            attempt_failed(&app, &peer).await?;
            Err(link_invalid())
        }
    }
}

/// The hash of this browser's binding cookie (staff links work only where they were asked for).
fn binding_hash(app: &AppState, headers: &HeaderMap) -> Option<String> {
    cookies::get(headers, cookies::BIND, app.secure_cookies())
        .filter(|t| secret::looks_like_token(t))
        .map(|t| app.hash_token(t))
}

fn new_session(app: &AppState, token: &str) -> NewSession {
    NewSession {
        id_hash: app.hash_token(token),
        lengths: SessionLengths {
            reader_ms: SESSION_DAYS * 86_400_000,
            staff_ms: app.config.staff_session_hours * 3_600_000,
        },
    }
}

/// After a secret was spent: the session cookie and the way back, or a page saying why not.
async fn finish_sign_in(
    app: &AppState,
    done: Completion,
    session_token: &str,
) -> Result<Response, WebError> {
    let (request, created, session_ms, linked) = match done {
        Completion::SignedIn {
            request,
            created,
            session_ms,
            linked,
            ..
        } => (request, created, session_ms, linked),
        Completion::NoAccount(req) if req.purpose == Purpose::NoAccount => {
            return Err(Refusal::new(
                StatusCode::BAD_REQUEST,
                "Finish registering from the link",
                "There is no account with this address yet. The link in the email we sent creates it, on the page it opens; a code cannot.",
                ("/register", "Register"),
            )
            .into());
        }
        Completion::NoAccount(_) => {
            return Err(Refusal::new(
                StatusCode::GONE,
                "No account here",
                "This account no longer exists. You are welcome to register again.",
                ("/register", "Register"),
            )
            .into());
        }
        Completion::AddressTaken(_) => {
            return Err(Refusal::new(
                StatusCode::CONFLICT,
                "That address is taken",
                "We could not change your address: another account already uses that address.",
                ("/account", "Back to your account"),
            )
            .into());
        }
        Completion::PasskeyRequired(_) => {
            return Err(Refusal::new(
                StatusCode::FORBIDDEN,
                "Sign in with your passkey",
                "Editors and admins of this newsroom sign in with a passkey: use “Sign in with a passkey” on the sign-in page. Lost it? Ask an admin to reset your passkeys; then this link signs you in and you register a new one. The link has not been used.",
                ("/sign-in", "Sign in with a passkey"),
            )
            .into());
        }
        Completion::WrongBrowser(_) => {
            return Err(Refusal::new(
                StatusCode::FORBIDDEN,
                "Open this link where you asked for it",
                "For the security of newsroom accounts, this link only works in the browser where you asked for it. Open it there, or ask for a new link in this browser. The link has not been used.",
                ("/sign-in", "Ask for a new link here"),
            )
            .into());
        }
    };
    if created {
        metrics::counter!("masthead_registrations_total").increment(1);
        if let Some(article) = &request.wall_article_id {
            app.wall.signed_up(article);
        }
    }
    let target = match request.purpose {
        Purpose::ChangeEmail => {
            // The change ended the account's other sessions: this node forgets them now.
            app.refresh_sessions_epoch().await?;
            "/account?notice=email-changed".to_owned()
        }
        _ => {
            if linked.is_some() {
                // Linking ended the account's other sessions: this node forgets them now.
                app.refresh_sessions_epoch().await?;
                app.jobs_wake.notify_one();
            }
            request.return_to.clone()
        }
    };
    let mut res = Redirect::to(&target).into_response();
    let secure = app.secure_cookies();
    let h = res.headers_mut();
    h.append(
        header::SET_COOKIE,
        cookies::set(
            cookies::SESSION,
            session_token,
            Some(session_ms / 1000),
            secure,
        ),
    );
    h.append(
        header::SET_COOKIE,
        cookies::delete(cookies::PENDING, secure),
    );
    Ok(res)
}
