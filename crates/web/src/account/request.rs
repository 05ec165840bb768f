//! Asking for a link and a code: the register and sign-in forms, "Check your email", resend.
//!
//! Both forms end on "Check your email" after the same work, whether or not the address has an
//! account (no enumeration). What the email says differs: a known address gets a sign-in link
//! from either form; an unknown one gets a registration link from either (from the sign-in
//! form, its page asks for the consent the register form would have: see `confirm.rs`).

use axum::{
    extract::{Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use masthead_core::EmailAddress;
use masthead_store::{
    rate_limit::{RateKey, RateLimit},
    sign_in::{NewSignInRequest, Purpose, SignInRequest},
};
use serde::Deserialize;

use super::{AccountQuery, LINK_VALID_MINUTES, TERMS_VERSION, render, safe_return_to};
use crate::{
    AppState,
    client_ip::ClientIp,
    error::{Refusal, WebError},
    session::{CsrfForm, cookies},
};

pub(crate) const CHECK_EMAIL: &str = "/sign-in/check-email";

/// The register form, the sign-in form and the wall's form. Every field is optional: a form
/// with missing fields re-renders with a message instead of failing to parse.
#[derive(Debug, Default, Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    return_to: Option<String>,
    #[serde(default)]
    daily_edition: Option<String>,
    /// The article whose registration wall holds the form.
    #[serde(default)]
    wall: Option<String>,
}

/// A form with no fields of its own (its CSRF proof is all it carries).
#[derive(Debug, Default, Deserialize)]
pub struct NoFields {}

/// "Please wait": a limit on emails or attempts was reached.
pub(crate) fn too_many() -> WebError {
    Refusal::too_many(
        "We have sent several emails or checked several codes for you recently. To protect your account, please wait an hour and try again. Any link we already sent still works for 15 minutes.",
        3600,
        ("/", "Back to the front page"),
    )
    .into()
}

/// Both the IP and the address must be within their limits (both are counted, in the same
/// transaction as the request they guard).
pub(crate) fn email_limits(
    app: &AppState,
    peer: &ClientIp,
    email: &EmailAddress,
) -> Vec<RateLimit> {
    let limits = app.config.rate_limits;
    vec![
        RateLimit::per_hour(
            RateKey::EmailsFromIp(peer.limit_key()),
            limits.emails_per_ip,
        ),
        RateLimit::per_hour(RateKey::EmailsTo(email.clone()), limits.emails_per_address),
    ]
}

/// Stores a sign-in request (and its email job) if the rate limits allow, bound to this
/// browser, then wakes the worker and shows "Check your email" (`target`, with a notice if
/// there is one). The limits count emails to `recipient`.
pub(super) async fn submit_request(
    app: &AppState,
    headers: &HeaderMap,
    peer: &ClientIp,
    mut req: NewSignInRequest,
    recipient: &EmailAddress,
    target: &str,
) -> Result<Response, WebError> {
    let (bind, new_bind) = cookies::binding_token(headers, app.secure_cookies());
    req.bind_hash = Some(app.hash_token(&bind));
    let limits = email_limits(app, peer, recipient);
    let Some(id) = app.store.create_sign_in_request(&req, &limits).await? else {
        return Err(too_many());
    };
    Ok(check_email_response(
        app,
        &id,
        target,
        new_bind.then_some(bind.as_str()),
    ))
}

/// After a request was stored: wakes the worker and shows "Check your email" (`target`), with
/// the pending request's cookie (and the new binding cookie, if one was made).
pub(crate) fn check_email_response(
    app: &AppState,
    request_id: &str,
    target: &str,
    new_bind: Option<&str>,
) -> Response {
    app.jobs_wake.notify_one();
    let mut res = Redirect::to(target).into_response();
    let secure = app.secure_cookies();
    let h = res.headers_mut();
    h.append(
        header::SET_COOKIE,
        cookies::set(cookies::PENDING, request_id, Some(3600), secure),
    );
    if let Some(bind) = new_bind {
        h.append(
            header::SET_COOKIE,
            cookies::set(cookies::BIND, bind, Some(86_400), secure),
        );
    }
    res
}

pub(crate) fn new_request(
    purpose: Purpose,
    email: EmailAddress,
    reader_id: Option<String>,
    daily_edition: bool,
    return_to: String,
) -> NewSignInRequest {
    NewSignInRequest {
        purpose,
        email,
        reader_id,
        new_email: None,
        terms_version: (purpose == Purpose::Register).then(|| TERMS_VERSION.to_owned()),
        daily_edition,
        return_to,
        valid_for_ms: LINK_VALID_MINUTES * 60_000,
        wall_article_id: None,
        bind_hash: None,
    }
}

pub async fn register_form(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<AccountQuery>,
) -> Result<Response, WebError> {
    let ctx = minijinja::context! { email => q.email.unwrap_or_default(), return_to => safe_return_to(q.return_to.as_deref()), daily_edition => true };
    let template = "account/register.html";
    render::page(&app, &headers, template, "Register", StatusCode::OK, ctx).await
}

pub async fn sign_in_form(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<AccountQuery>,
) -> Result<Response, WebError> {
    let ctx = minijinja::context! { email => q.email.unwrap_or_default(), return_to => safe_return_to(q.return_to.as_deref()) };
    let template = "account/sign_in.html";
    render::page(&app, &headers, template, "Sign in", StatusCode::OK, ctx).await
}

pub async fn register_submit(
    State(app): State<AppState>,
    peer: ClientIp,
    headers: HeaderMap,
    CsrfForm(f): CsrfForm<EmailForm>,
) -> Result<Response, WebError> {
    request_email(&app, &peer, &headers, f, Which::Register).await
}

pub async fn sign_in_submit(
    State(app): State<AppState>,
    peer: ClientIp,
    headers: HeaderMap,
    CsrfForm(f): CsrfForm<EmailForm>,
) -> Result<Response, WebError> {
    request_email(&app, &peer, &headers, f, Which::SignIn).await
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Which {
    Register,
    SignIn,
}

/// The register and sign-in forms (see the module docs).
async fn request_email(
    app: &AppState,
    peer: &ClientIp,
    headers: &HeaderMap,
    f: EmailForm,
    which: Which,
) -> Result<Response, WebError> {
    let return_to = safe_return_to(f.return_to.as_deref());
    // The sign-in form has no Daily Edition box; an account is only created by registering.
    let daily_edition = which == Which::SignIn || f.daily_edition.is_some();
    let wall = f.wall.filter(|w| crate::wall::plausible_article_id(w));
    let email = match EmailAddress::parse(&f.email) {
        Ok(e) => e,
        Err(e) => {
            // A wall's form that comes back with an error keeps its article for attribution.
            let ctx = minijinja::context! { email => &f.email, error => e.0, return_to, daily_edition, wall };
            let (template, title) = match which {
                Which::Register => ("account/register.html", "Register"),
                Which::SignIn => ("account/sign_in.html", "Sign in"),
            };
            return render::page(app, headers, template, title, StatusCode::BAD_REQUEST, ctx).await;
        }
    };
    let existing = app.store.reader_by_email(&email).await?;
    let purpose = match (&existing, which) {
        (Some(_), _) => Purpose::SignIn,
        (None, Which::Register) => Purpose::Register,
        (None, Which::SignIn) => Purpose::NoAccount,
    };
    let mut request = new_request(
        purpose,
        email,
        existing.map(|r| r.id),
        daily_edition,
        return_to,
    );
    request.wall_article_id = wall.clone();
    let recipient = request.email.clone();
    let res = submit_request(app, headers, peer, request, &recipient, CHECK_EMAIL).await?;
    let label = match which {
        Which::Register => "register",
        Which::SignIn => "sign_in",
    };
    metrics::counter!("masthead_sign_in_requests_total", "form" => label).increment(1);
    if let Some(article) = wall {
        app.wall.registration_started(&article);
    }
    Ok(res)
}

async fn pending_request(
    app: &AppState,
    headers: &HeaderMap,
) -> Result<Option<SignInRequest>, WebError> {
    match cookies::get(headers, cookies::PENDING, app.secure_cookies()) {
        Some(id) if id.len() == 36 => Ok(app.store.sign_in_request(id).await?),
        _ => Ok(None),
    }
}

pub async fn check_email(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<AccountQuery>,
) -> Result<Response, WebError> {
    let Some(req) = pending_request(&app, &headers).await? else {
        return Ok(Redirect::to("/sign-in").into_response());
    };
    let address = req.new_email.clone().unwrap_or_else(|| req.email.clone());
    let ctx = minijinja::context! {
        email => address, resent => q.notice.as_deref() == Some("resent"),
        expires_minutes => LINK_VALID_MINUTES,
        link_provider => match req.purpose {
            Purpose::LinkIdentity => app.store.pending_link(&req.id).await?.map(|p| p.provider_name),
            _ => None,
        },
    };
    let template = "account/check_email.html";
    render::page(
        &app,
        &headers,
        template,
        "Check your email",
        StatusCode::OK,
        ctx,
    )
    .await
}

pub async fn resend(
    State(app): State<AppState>,
    peer: ClientIp,
    headers: HeaderMap,
    CsrfForm(NoFields {}): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    let Some(req) = pending_request(&app, &headers).await? else {
        return Ok(Redirect::to("/sign-in").into_response());
    };
    let stored =
        |e: masthead_core::ParseError| WebError::Internal(anyhow::anyhow!("stored address: {e}"));
    let email = EmailAddress::parse(&req.email).map_err(stored)?;
    let mut again = new_request(
        req.purpose,
        email.clone(),
        req.reader_id.clone(),
        req.daily_edition,
        req.return_to.clone(),
    );
    again.terms_version = req.terms_version.clone();
    again.new_email = req
        .new_email
        .as_deref()
        .map(EmailAddress::parse)
        .transpose()
        .map_err(stored)?;
    again.wall_article_id = req.wall_article_id.clone();
    let target = "/sign-in/check-email?notice=resent";
    if req.purpose == Purpose::LinkIdentity {
        again.bind_hash = req.bind_hash().map(str::to_owned);
        return crate::oidc::resend_link(&app, &peer, &req, again, target).await;
    }
    // A change of address is emailed to the new address.
    let recipient = again.new_email.clone().unwrap_or(email);
    submit_request(&app, &headers, &peer, again, &recipient, target).await
}
