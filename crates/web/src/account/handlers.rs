//! The account pages. Each handler checks the CSRF token first on POST, parses its form into
//! domain values, calls the store, and renders or redirects.

use std::net::SocketAddr;

use axum::{
    Form,
    extract::{ConnectInfo, Query, State, rejection::FormRejection},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use masthead_core::{EmailAddress, secret};
use masthead_store::{
    rate_limit::{RateKey, RateLimit},
    readers::Reader,
    sign_in::{
        CodeOutcome, Completion, NewSession, NewSignInRequest, Purpose, SessionLengths,
        SignInRequest,
    },
};
use serde::Deserialize;

use super::{cookies, safe_return_to};
use crate::{AppState, error::WebError, views};

/// Every field optional: a form with missing fields re-renders with a message instead of
/// failing to parse.
#[derive(Debug, Default, Deserialize)]
pub struct AccountForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    return_to: Option<String>,
    #[serde(default)]
    daily_edition: Option<String>,
    #[serde(default)]
    new_email: String,
    /// The article whose registration wall holds the form.
    #[serde(default)]
    wall: Option<String>,
    #[serde(default)]
    reply_emails: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct AccountQuery {
    email: Option<String>,
    return_to: Option<String>,
    token: Option<String>,
    notice: Option<String>,
}

fn form(f: Result<Form<AccountForm>, FormRejection>) -> Result<AccountForm, WebError> {
    f.map(|Form(f)| f).map_err(|_| {
        WebError::BadRequest("The form could not be read. Please go back and try again.".into())
    })
}

/// Renders an account template with the site chrome and the browser's CSRF token; such pages
/// are per-browser and never cached.
async fn page(
    app: &AppState,
    headers: &HeaderMap,
    template: &str,
    title: &str,
    status: StatusCode,
    extra: minijinja::Value,
) -> Result<Response, WebError> {
    let site = views::site(app).await;
    let (csrf, new_csrf) = cookies::csrf_token(headers);
    let signed_in = cookies::session_token(headers).is_some();
    let ctx = minijinja::context! {
        site => &site,
        page => views::PageMeta::new(&site, title, "", "/"),
        now_year => views::now_year(app),
        signed_in,
        csrf => &csrf,
        ..extra
    };
    let html = app.theme.render(template, ctx)?;
    let mut res = (status, axum::response::Html(html)).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if new_csrf {
        res.headers_mut().append(
            header::SET_COOKIE,
            cookies::set(cookies::CSRF, &csrf, None, app.secure_cookies()),
        );
    }
    Ok(res)
}

/// A short page with a heading, a message and a link onward.
async fn notice(
    app: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    title: &str,
    message: &str,
    link: (&str, &str),
) -> Result<Response, WebError> {
    page(
        app,
        headers,
        "account/notice.html",
        title,
        status,
        minijinja::context! { title, message, link_url => link.0, link_text => link.1 },
    )
    .await
}

async fn csrf_failed(app: &AppState, headers: &HeaderMap) -> Result<Response, WebError> {
    notice(
        app,
        headers,
        StatusCode::FORBIDDEN,
        "This form has expired",
        "For your security, the form could not be accepted. Please go back, reload the page and try again. Nothing was changed.",
        ("/sign-in", "Back to sign in"),
    )
    .await
}

async fn too_many(app: &AppState, headers: &HeaderMap) -> Result<Response, WebError> {
    let mut res = notice(
        app,
        headers,
        StatusCode::TOO_MANY_REQUESTS,
        "Please wait a little",
        "We have sent several emails or checked several codes for you recently. To protect your account, please wait an hour and try again. Any link we already sent still works for 15 minutes.",
        ("/", "Back to the front page"),
    )
    .await?;
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("3600"));
    Ok(res)
}

impl AppState {
    pub(crate) fn secure_cookies(&self) -> bool {
        self.config.public_url.starts_with("https://")
    }

    /// The signed-in reader and their session's hash.
    pub(crate) async fn current_reader(
        &self,
        headers: &HeaderMap,
    ) -> Result<Option<(Reader, String)>, WebError> {
        let Some(token) = cookies::session_token(headers) else {
            return Ok(None);
        };
        let hash = secret::hash_secret(token);
        Ok(self.store.session_reader(&hash).await?.map(|r| (r, hash)))
    }
}

fn client_ip(peer: &SocketAddr) -> String {
    peer.ip().to_string()
}

/// Both the IP and the address must be within their limits (both are counted, in the same
/// transaction as the request they guard).
fn email_limits(app: &AppState, peer: &SocketAddr, email: &EmailAddress) -> Vec<RateLimit> {
    let limits = app.config.rate_limits;
    vec![
        RateLimit::per_hour(RateKey::EmailsFromIp(client_ip(peer)), limits.emails_per_ip),
        RateLimit::per_hour(RateKey::EmailsTo(email.clone()), limits.emails_per_address),
    ]
}

const CHECK_EMAIL: &str = "/sign-in/check-email";

/// Stores a sign-in request (and its email job) if the rate limits allow, bound to this
/// browser, then wakes the worker and shows "Check your email" (`target`, with a notice if
/// there is one). The limits count emails to `recipient`. `None` when a limit was reached.
async fn submit_request(
    app: &AppState,
    headers: &HeaderMap,
    peer: &SocketAddr,
    mut req: NewSignInRequest,
    recipient: &EmailAddress,
    target: &str,
) -> Result<Option<Response>, WebError> {
    let (bind, new_bind) = cookies::binding_token(headers);
    req.bind_hash = Some(secret::hash_secret(&bind));
    let limits = email_limits(app, peer, recipient);
    let Some(id) = app.store.create_sign_in_request(&req, &limits).await? else {
        return Ok(None);
    };
    app.jobs_wake.notify_one();
    let mut res = Redirect::to(target).into_response();
    let secure = app.secure_cookies();
    let h = res.headers_mut();
    h.append(
        header::SET_COOKIE,
        cookies::set(cookies::PENDING, &id, Some(3600), secure),
    );
    if new_bind {
        h.append(
            header::SET_COOKIE,
            cookies::set(cookies::BIND, &bind, Some(86_400), secure),
        );
    }
    Ok(Some(res))
}

fn new_request(
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
        terms_version: (purpose == Purpose::Register).then(|| super::TERMS_VERSION.to_owned()),
        daily_edition,
        return_to,
        valid_for_ms: super::LINK_VALID_MINUTES * 60_000,
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
    page(
        &app,
        &headers,
        "account/register.html",
        "Register",
        StatusCode::OK,
        ctx,
    )
    .await
}

pub async fn sign_in_form(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<AccountQuery>,
) -> Result<Response, WebError> {
    let ctx = minijinja::context! { email => q.email.unwrap_or_default(), return_to => safe_return_to(q.return_to.as_deref()) };
    page(
        &app,
        &headers,
        "account/sign_in.html",
        "Sign in",
        StatusCode::OK,
        ctx,
    )
    .await
}

pub async fn register_submit(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    f: Result<Form<AccountForm>, FormRejection>,
) -> Result<Response, WebError> {
    request_email(&app, &peer, &headers, form(f)?, EmailForm::Register).await
}

pub async fn sign_in_submit(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    f: Result<Form<AccountForm>, FormRejection>,
) -> Result<Response, WebError> {
    request_email(&app, &peer, &headers, form(f)?, EmailForm::SignIn).await
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum EmailForm {
    Register,
    SignIn,
}

/// The register and sign-in forms: both end on "Check your email" after the same work, whether
/// or not the address has an account (no enumeration). What the email says differs: a known
/// address gets a sign-in link from either form; an unknown one gets a registration link from
/// the register form and a "no account here" note from the sign-in form.
async fn request_email(
    app: &AppState,
    peer: &SocketAddr,
    headers: &HeaderMap,
    f: AccountForm,
    which: EmailForm,
) -> Result<Response, WebError> {
    if !cookies::csrf_ok(headers, &f.csrf) {
        return csrf_failed(app, headers).await;
    }
    let return_to = safe_return_to(f.return_to.as_deref());
    // The sign-in form has no Daily Edition box; an account is only created by registering.
    let daily_edition = which == EmailForm::SignIn || f.daily_edition.is_some();
    let email = match EmailAddress::parse(&f.email) {
        Ok(e) => e,
        Err(e) => {
            // A wall's form that comes back with an error keeps its article for attribution.
            let wall = f
                .wall
                .as_deref()
                .filter(|w| crate::wall::plausible_article_id(w));
            let ctx = minijinja::context! { email => &f.email, error => e.0, return_to, daily_edition, wall };
            let (template, title) = match which {
                EmailForm::Register => ("account/register.html", "Register"),
                EmailForm::SignIn => ("account/sign_in.html", "Sign in"),
            };
            return page(app, headers, template, title, StatusCode::BAD_REQUEST, ctx).await;
        }
    };
    let existing = app.store.reader_by_email(&email).await?;
    let purpose = match (&existing, which) {
        (Some(_), _) => Purpose::SignIn,
        (None, EmailForm::Register) => Purpose::Register,
        (None, EmailForm::SignIn) => Purpose::NoAccount,
    };
    let mut request = new_request(
        purpose,
        email,
        existing.map(|r| r.id),
        daily_edition,
        return_to,
    );
    request.wall_article_id = f.wall.filter(|w| crate::wall::plausible_article_id(w));
    let wall_article = request.wall_article_id.clone();
    let recipient = request.email.clone();
    let submitted = submit_request(app, headers, peer, request, &recipient, CHECK_EMAIL).await?;
    let Some(res) = submitted else {
        return too_many(app, headers).await;
    };
    let label = match which {
        EmailForm::Register => "register",
        EmailForm::SignIn => "sign_in",
    };
    metrics::counter!("masthead_sign_in_requests_total", "form" => label).increment(1);
    if let Some(article) = wall_article {
        app.wall.registration_started(&article);
    }
    Ok(res)
}

async fn pending_request(
    app: &AppState,
    headers: &HeaderMap,
) -> Result<Option<SignInRequest>, WebError> {
    match cookies::get(headers, cookies::PENDING) {
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
        expires_minutes => super::LINK_VALID_MINUTES,
    };
    page(
        &app,
        &headers,
        "account/check_email.html",
        "Check your email",
        StatusCode::OK,
        ctx,
    )
    .await
}

pub async fn resend(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    f: Result<Form<AccountForm>, FormRejection>,
) -> Result<Response, WebError> {
    let f = form(f)?;
    if !cookies::csrf_ok(&headers, &f.csrf) {
        return csrf_failed(&app, &headers).await;
    }
    let Some(req) = pending_request(&app, &headers).await? else {
        return Ok(Redirect::to("/sign-in").into_response());
    };
    let email = EmailAddress::parse(&req.email)
        .map_err(|e| WebError::Internal(anyhow::anyhow!("stored address: {e}")))?;
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
        .map_err(|e| WebError::Internal(anyhow::anyhow!("stored address: {e}")))?;
    again.wall_article_id = req.wall_article_id.clone();
    let target = "/sign-in/check-email?notice=resent";
    // A change of address is emailed to the new address.
    let recipient = again.new_email.clone().unwrap_or(email);
    match submit_request(&app, &headers, &peer, again, &recipient, target).await? {
        Some(res) => Ok(res),
        None => too_many(&app, &headers).await,
    }
}

pub async fn code_form(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<AccountQuery>,
) -> Result<Response, WebError> {
    let ctx = minijinja::context! { email => q.email.unwrap_or_default() };
    page(
        &app,
        &headers,
        "account/code.html",
        "Enter your code",
        StatusCode::OK,
        ctx,
    )
    .await
}

/// Before trying a code or a link: the CSRF token, then the per-IP limit of failed attempts
/// (only failures are counted, by [`attempt_failed`], so a good link costs no extra write).
/// Returns the response to send instead when either fails.
async fn check_attempt(
    app: &AppState,
    peer: &SocketAddr,
    headers: &HeaderMap,
    f: &AccountForm,
) -> Result<Option<Response>, WebError> {
    if !cookies::csrf_ok(headers, &f.csrf) {
        return Ok(Some(csrf_failed(app, headers).await?));
    }
    if app
        .store
        .rate_limit_reached(&attempt_limit(app, peer))
        .await?
    {
        return Ok(Some(too_many(app, headers).await?));
    }
    Ok(None)
}

/// Counts a wrong code or a dead link against the IP's attempts.
async fn attempt_failed(app: &AppState, peer: &SocketAddr) -> Result<(), WebError> {
    app.store.take_rate_limit(&attempt_limit(app, peer)).await?;
    Ok(())
}

/// Failed link and code attempts per client address.
fn attempt_limit(app: &AppState, peer: &SocketAddr) -> RateLimit {
    RateLimit::per_hour(
        RateKey::SignInFailuresFromIp(client_ip(peer)),
        app.config.rate_limits.attempts_per_ip,
    )
}

pub async fn code_submit(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    f: Result<Form<AccountForm>, FormRejection>,
) -> Result<Response, WebError> {
    let f = form(f)?;
    if let Some(refused) = check_attempt(&app, &peer, &headers, &f).await? {
        return Ok(refused);
    }
    let retry = |error: &str| minijinja::context! { email => &f.email, error };
    let email = match EmailAddress::parse(&f.email) {
        Ok(e) => e,
        Err(e) => {
            return page(
                &app,
                &headers,
                "account/code.html",
                "Enter your code",
                StatusCode::BAD_REQUEST,
                retry(&e.0),
            )
            .await;
        }
    };
    let code = secret::normalize_code(&f.code);
    if code.len() != 8 {
        let msg = "The code has 8 digits. Please copy it from the email we sent you.";
        return page(
            &app,
            &headers,
            "account/code.html",
            "Enter your code",
            StatusCode::BAD_REQUEST,
            retry(msg),
        )
        .await;
    }
    let session = secret::random_token();
    let outcome = app
        .store
        .sign_in_with_code(
            &email,
            &secret::hash_secret(&code),
            binding_hash(&headers).as_deref(),
            &new_session(&session),
        )
        .await?;
    if !matches!(outcome, CodeOutcome::Accepted(_)) {
        attempt_failed(&app, &peer).await?;
    }
    match outcome {
        CodeOutcome::Accepted(done) => finish_sign_in(&app, &headers, *done, &session).await,
        CodeOutcome::Wrong => {
            let msg = "That code is not right. Check the latest email we sent you and try again.";
            page(
                &app,
                &headers,
                "account/code.html",
                "Enter your code",
                StatusCode::BAD_REQUEST,
                retry(msg),
            )
            .await
        }
        CodeOutcome::NoneLive => {
            let msg = "There is no valid code for this address: it may have expired, or too many wrong codes were tried. Please ask for a new email.";
            page(
                &app,
                &headers,
                "account/code.html",
                "Enter your code",
                StatusCode::BAD_REQUEST,
                retry(msg),
            )
            .await
        }
    }
}

async fn link_invalid(app: &AppState, headers: &HeaderMap) -> Result<Response, WebError> {
    notice(
        app,
        headers,
        StatusCode::GONE,
        "This link no longer works",
        "Sign-in links work once, for 15 minutes. This one has expired or was already used. Ask for a new one and we will email it to you.",
        ("/sign-in", "Send me a new link"),
    )
    .await
}

/// GET on the link: a confirmation page. Spends nothing, so mail scanners sign nobody in.
pub async fn link_page(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<AccountQuery>,
) -> Result<Response, WebError> {
    let token = q.token.unwrap_or_default();
    if !secret::looks_like_token(&token) {
        return link_invalid(&app, &headers).await;
    }
    let Some(req) = app
        .store
        .peek_sign_in_token(&secret::hash_secret(&token))
        .await?
    else {
        return link_invalid(&app, &headers).await;
    };
    let ctx = minijinja::context! { token, email => req.new_email.unwrap_or(req.email), change_email => req.purpose == Purpose::ChangeEmail };
    let mut res = page(
        &app,
        &headers,
        "account/confirm_link.html",
        "Sign in",
        StatusCode::OK,
        ctx,
    )
    .await?;
    res.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    Ok(res)
}

pub async fn link_submit(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    f: Result<Form<AccountForm>, FormRejection>,
) -> Result<Response, WebError> {
    let f = form(f)?;
    if let Some(refused) = check_attempt(&app, &peer, &headers, &f).await? {
        return Ok(refused);
    }
    let session = secret::random_token();
    let done = if secret::looks_like_token(&f.token) {
        app.store
            .sign_in_with_token(
                &secret::hash_secret(&f.token),
                binding_hash(&headers).as_deref(),
                &new_session(&session),
            )
            .await?
    } else {
        None
    };
    match done {
        Some(done) => finish_sign_in(&app, &headers, done, &session).await,
        None => {
            attempt_failed(&app, &peer).await?;
            link_invalid(&app, &headers).await
        }
    }
}

/// The hash of this browser's binding cookie (staff links work only where they were asked for).
fn binding_hash(headers: &HeaderMap) -> Option<String> {
    cookies::get(headers, cookies::BIND)
        .filter(|t| secret::looks_like_token(t))
        .map(secret::hash_secret)
}

fn new_session(token: &str) -> NewSession {
    NewSession {
        id_hash: secret::hash_secret(token),
        lengths: SessionLengths {
            reader_ms: super::SESSION_DAYS * 86_400_000,
            staff_ms: super::STAFF_SESSION_HOURS * 3_600_000,
        },
    }
}

/// After a secret was spent: the session cookie and the way back, or a page saying why not.
async fn finish_sign_in(
    app: &AppState,
    headers: &HeaderMap,
    done: Completion,
    session_token: &str,
) -> Result<Response, WebError> {
    let (request, created, session_ms) = match done {
        Completion::SignedIn {
            request,
            created,
            session_ms,
            ..
        } => (request, created, session_ms),
        Completion::NoAccount(_) => {
            return notice(
                app,
                headers,
                StatusCode::GONE,
                "No account here",
                "This account no longer exists. You are welcome to register again.",
                ("/register", "Register"),
            )
            .await;
        }
        Completion::AddressTaken(_) => {
            return notice(
                app,
                headers,
                StatusCode::CONFLICT,
                "That address is taken",
                "We could not change your address: another account already uses that address.",
                ("/account", "Back to your account"),
            )
            .await;
        }
        Completion::WrongBrowser(_) => {
            return notice(
                app,
                headers,
                StatusCode::FORBIDDEN,
                "Open this link where you asked for it",
                "For the security of newsroom accounts, this link only works in the browser where you asked for it. Open it there, or ask for a new link in this browser. The link has not been used.",
                ("/sign-in", "Ask for a new link here"),
            )
            .await;
        }
    };
    if created {
        metrics::counter!("masthead_registrations_total").increment(1);
        if let Some(article) = &request.wall_article_id {
            app.wall.signed_up(article);
        }
    }
    let target = match request.purpose {
        Purpose::ChangeEmail => "/account?notice=email-changed".to_owned(),
        _ => request.return_to.clone(),
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

fn to_sign_in(return_to: &str) -> Response {
    Redirect::to(&format!("/sign-in?return_to={return_to}")).into_response()
}

pub async fn account_page(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<AccountQuery>,
) -> Result<Response, WebError> {
    let Some((reader, _)) = app.current_reader(&headers).await? else {
        return Ok(to_sign_in("/account"));
    };
    let reply_emails = app.store.commenter(&reader.id).await?.reply_emails;
    let ctx = minijinja::context! { reader => &reader, notice => q.notice, new_email => "", reply_emails };
    page(
        &app,
        &headers,
        "account/account.html",
        "Your account",
        StatusCode::OK,
        ctx,
    )
    .await
}

/// The signed-in reader for a POST with a valid CSRF token, or the response to send instead.
async fn signed_in_post(
    app: &AppState,
    headers: &HeaderMap,
    f: &AccountForm,
) -> Result<Result<(Reader, String), Response>, WebError> {
    if !cookies::csrf_ok(headers, &f.csrf) {
        return Ok(Err(csrf_failed(app, headers).await?));
    }
    match app.current_reader(headers).await? {
        Some(r) => Ok(Ok(r)),
        None => Ok(Err(to_sign_in("/account"))),
    }
}

pub async fn daily_edition(
    State(app): State<AppState>,
    headers: HeaderMap,
    f: Result<Form<AccountForm>, FormRejection>,
) -> Result<Response, WebError> {
    toggle(&app, &headers, f, Toggle::DailyEdition).await
}

/// The reply-email opt-out (comments).
pub async fn comment_replies(
    State(app): State<AppState>,
    headers: HeaderMap,
    f: Result<Form<AccountForm>, FormRejection>,
) -> Result<Response, WebError> {
    toggle(&app, &headers, f, Toggle::ReplyEmails).await
}

/// The account page's on/off settings.
#[derive(Clone, Copy)]
enum Toggle {
    DailyEdition,
    ReplyEmails,
}

/// Sets one on/off setting from its checkbox and returns to the account page with a notice.
async fn toggle(
    app: &AppState,
    headers: &HeaderMap,
    f: Result<Form<AccountForm>, FormRejection>,
    which: Toggle,
) -> Result<Response, WebError> {
    let f = form(f)?;
    let (reader, _) = match signed_in_post(app, headers, &f).await? {
        Ok(r) => r,
        Err(res) => return Ok(res),
    };
    let target = match which {
        Toggle::DailyEdition => {
            let on = f.daily_edition.is_some();
            app.store.set_daily_edition(&reader.id, on).await?;
            if on { "edition-on" } else { "edition-off" }
        }
        Toggle::ReplyEmails => {
            let on = f.reply_emails.is_some();
            app.store.set_reply_emails(&reader.id, on).await?;
            if on { "replies-on" } else { "replies-off" }
        }
    };
    Ok(Redirect::to(&format!("/account?notice={target}")).into_response())
}

pub async fn change_email(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    f: Result<Form<AccountForm>, FormRejection>,
) -> Result<Response, WebError> {
    let f = form(f)?;
    let (reader, _) = match signed_in_post(&app, &headers, &f).await? {
        Ok(r) => r,
        Err(res) => return Ok(res),
    };
    let new_email = match EmailAddress::parse(&f.new_email) {
        Ok(e) => e,
        Err(e) => {
            let ctx = minijinja::context! { reader => &reader, new_email => &f.new_email, email_error => e.0 };
            return page(
                &app,
                &headers,
                "account/account.html",
                "Your account",
                StatusCode::BAD_REQUEST,
                ctx,
            )
            .await;
        }
    };
    let current = EmailAddress::parse(&reader.email)
        .map_err(|e| WebError::Internal(anyhow::anyhow!("stored address: {e}")))?;
    let mut req = new_request(
        Purpose::ChangeEmail,
        current,
        Some(reader.id.clone()),
        reader.daily_edition,
        "/account".into(),
    );
    req.new_email = Some(new_email.clone());
    match submit_request(&app, &headers, &peer, req, &new_email, CHECK_EMAIL).await? {
        Some(res) => Ok(res),
        None => too_many(&app, &headers).await,
    }
}

pub async fn sign_out(
    State(app): State<AppState>,
    headers: HeaderMap,
    f: Result<Form<AccountForm>, FormRejection>,
) -> Result<Response, WebError> {
    let f = form(f)?;
    if !cookies::csrf_ok(&headers, &f.csrf) {
        return csrf_failed(&app, &headers).await;
    }
    if let Some(token) = cookies::session_token(&headers) {
        app.store
            .delete_session(&secret::hash_secret(token))
            .await?;
    }
    let mut res = Redirect::to("/").into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        cookies::delete(cookies::SESSION, app.secure_cookies()),
    );
    Ok(res)
}

pub async fn sign_out_everywhere(
    State(app): State<AppState>,
    headers: HeaderMap,
    f: Result<Form<AccountForm>, FormRejection>,
) -> Result<Response, WebError> {
    let f = form(f)?;
    let (reader, _) = match signed_in_post(&app, &headers, &f).await? {
        Ok(r) => r,
        Err(res) => return Ok(res),
    };
    app.store.delete_sessions_of(&reader.id).await?;
    let mut res = Redirect::to("/").into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        cookies::delete(cookies::SESSION, app.secure_cookies()),
    );
    Ok(res)
}

/// Everything stored about the reader, as JSON.
pub async fn export(State(app): State<AppState>, headers: HeaderMap) -> Result<Response, WebError> {
    let Some((reader, _)) = app.current_reader(&headers).await? else {
        return Ok(to_sign_in("/account"));
    };
    let sessions = app.store.count_sessions_of(&reader.id).await?;
    let comments: Vec<_> = app.store.comments_of_reader(&reader.id).await?.into_iter().map(|c| serde_json::json!({
        "id": c.id, "article_id": c.article_id, "in_reply_to": c.parent_id, "name": c.author_name,
        "text": c.body_text, "status": c.status, "likes": c.like_count,
        "posted_at": masthead_store::from_ms(c.created_at).to_string(),
        "edited_at": c.edited_at.map(|t| masthead_store::from_ms(t).to_string()),
    })).collect();
    let iso = |ms: i64| masthead_store::from_ms(ms).to_string();
    let body = serde_json::json!({
        "publication": app.config.site_name,
        "exported_at": jiff::Timestamp::now().to_string(),
        "account": {
            "id": reader.id,
            "email": reader.email,
            "display_name": reader.display_name,
            "daily_edition": reader.daily_edition,
            "terms_version": reader.terms_version,
            "terms_accepted_at": iso(reader.terms_accepted_at),
            "created_at": iso(reader.created_at),
            "last_sign_in_at": reader.last_sign_in_at.map(iso),
            "active_sessions": sessions,
        },
        "comments": comments,
    });
    let mut res = axum::Json(body).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"my-data.json\""),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

pub async fn delete_form(
    State(app): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let Some((reader, _)) = app.current_reader(&headers).await? else {
        return Ok(to_sign_in("/account/delete"));
    };
    page(
        &app,
        &headers,
        "account/delete.html",
        "Delete your account",
        StatusCode::OK,
        minijinja::context! { reader => &reader },
    )
    .await
}

pub async fn delete_submit(
    State(app): State<AppState>,
    headers: HeaderMap,
    f: Result<Form<AccountForm>, FormRejection>,
) -> Result<Response, WebError> {
    let f = form(f)?;
    let (reader, _) = match signed_in_post(&app, &headers, &f).await? {
        Ok(r) => r,
        Err(res) => return Ok(res),
    };
    // The comments are kept as "deleted account" or removed, as configured.
    app.store.delete_reader(&reader.id, &app.erasures).await?;
    tracing::info!(reader_id = %reader.id, "account deleted at the reader's request");
    let mut res = notice(
        &app,
        &headers,
        StatusCode::OK,
        "Your account has been deleted",
        "Your account, your sessions and your Daily Edition subscription are gone. Thank you for reading.",
        ("/", "Back to the front page"),
    )
    .await?;
    res.headers_mut().append(
        header::SET_COOKIE,
        cookies::delete(cookies::SESSION, app.secure_cookies()),
    );
    Ok(res)
}
