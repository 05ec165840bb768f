//! The Daily Edition's reader side: the `List-Unsubscribe` URL and resuming on the account page.
//!
//! - `POST /edition/unsubscribe?t=TOKEN` is RFC 8058's one-click unsubscribe: the reader's
//!   mail provider posts `List-Unsubscribe=One-Click` with no cookies and no CSRF token, so
//!   the signed token in the URL is the only authority (it names the reader and an expiry;
//!   `core::edition`). It takes effect at once, is idempotent (a second POST changes nothing
//!   and answers the same), and answers 200 with a page a person can read too.
//! - `GET` on the same URL changes nothing (mail scanners fetch links): it shows a
//!   confirmation page with the button, and the way back (`POST /edition/resubscribe?t=…`).
//! - A garbled or expired token gets a page saying what to do: use the whole link, or sign
//!   in and change the setting on the account page.
//! - `POST /account/edition/resume` (signed in, CSRF-checked) lifts a suppression (the
//!   address bounced or complained) and turns the edition back on; the account page shows
//!   the suppression and its reason.

pub mod feedback;

use axum::{
    extract::{Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use masthead_core::{
    EmailAddress,
    edition::{TokenError, verify_unsubscribe},
};
use serde::Deserialize;

use crate::{
    AppState,
    error::WebError,
    session::{CsrfForm, MaybeReader},
    views,
};

pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/edition/unsubscribe", get(confirm_page).post(unsubscribe))
        .route("/edition/resubscribe", post(resubscribe))
        .route("/account/edition/resume", post(resume))
        .merge(feedback::routes())
}

#[derive(Debug, Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    t: String,
}

/// The reader a token names, or the page that says what to do.
enum Holder {
    Reader(masthead_store::readers::Reader),
    /// The token is good but the account is gone.
    Gone,
}

async fn holder(
    app: &AppState,
    headers: &HeaderMap,
    token: &str,
) -> Result<Result<Holder, Response>, WebError> {
    let key = unsubscribe_key(app).await?;
    match verify_unsubscribe(&key, token, masthead_store::now_ms()) {
        Ok(t) => Ok(Ok(match app.store.reader_by_id(&t.reader_id).await? {
            Some(r) => Holder::Reader(r),
            None => Holder::Gone,
        })),
        Err(TokenError::Garbled) => Ok(Err(notice(
            app,
            headers,
            StatusCode::BAD_REQUEST,
            "This unsubscribe link is incomplete",
            "The link may have been cut short by your mail program. Open the whole link from the email's footer, or sign in and turn off the Daily Edition on your account page.",
        )
        .await?)),
        Err(TokenError::Expired) => Ok(Err(notice(
            app,
            headers,
            StatusCode::GONE,
            "This unsubscribe link has expired",
            "Links in older editions stop working after a while. Use the link in a recent Daily Edition, or sign in and turn off the Daily Edition on your account page.",
        )
        .await?)),
    }
}

async fn notice(
    app: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    title: &str,
    message: &str,
) -> Result<Response, WebError> {
    views::notice_page(
        app,
        headers,
        status,
        title,
        message,
        ("/account", "Go to your account page"),
    )
    .await
}

/// Read, not written, on the request path: the key exists once any edition was sent (the
/// sender makes it); before that no valid token can exist either.
async fn unsubscribe_key(app: &AppState) -> Result<Vec<u8>, WebError> {
    match app
        .store
        .setting(masthead_jobs::edition::UNSUBSCRIBE_KEY_SETTING)
        .await?
    {
        Some(k) => Ok(k.into_bytes()),
        None => Ok(masthead_jobs::edition::unsubscribe_key(&app.store).await?),
    }
}

async fn page(
    app: &AppState,
    headers: &HeaderMap,
    state: &str,
    token: &str,
    email: &str,
) -> Result<Response, WebError> {
    let ctx = minijinja::context! { state, token, email, site_name => &app.config.site_name };
    views::form_page(
        app,
        headers,
        "edition/unsubscribe.html",
        "The Daily Edition",
        "/edition/unsubscribe",
        StatusCode::OK,
        ctx,
    )
    .await
}

pub async fn confirm_page(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<TokenQuery>,
) -> Result<Response, WebError> {
    match holder(&app, &headers, &q.t).await? {
        Err(page) => Ok(page),
        Ok(Holder::Gone) => page(&app, &headers, "gone", &q.t, "").await,
        Ok(Holder::Reader(r)) => {
            let state = if r.daily_edition {
                "confirm"
            } else {
                "unsubscribed"
            };
            page(&app, &headers, state, &q.t, &r.email).await
        }
    }
}

/// One-click (RFC 8058) and the confirmation page's button alike. The body
/// (`List-Unsubscribe=One-Click`, or the button's) is not needed: the URL says everything.
pub async fn unsubscribe(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<TokenQuery>,
) -> Result<Response, WebError> {
    match holder(&app, &headers, &q.t).await? {
        Err(page) => Ok(page),
        Ok(Holder::Gone) => page(&app, &headers, "gone", &q.t, "").await,
        Ok(Holder::Reader(r)) => {
            if r.daily_edition {
                app.store.set_daily_edition(&r.id, false).await?;
                tracing::info!(reader_id = %r.id, "unsubscribed from the daily edition by its link");
                metrics::counter!("masthead_edition_unsubscribes_total").increment(1);
            }
            page(&app, &headers, "unsubscribed", &q.t, &r.email).await
        }
    }
}

pub async fn resubscribe(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<TokenQuery>,
) -> Result<Response, WebError> {
    match holder(&app, &headers, &q.t).await? {
        Err(page) => Ok(page),
        Ok(Holder::Gone) => page(&app, &headers, "gone", &q.t, "").await,
        Ok(Holder::Reader(r)) => {
            app.store.set_daily_edition(&r.id, true).await?;
            if let Ok(address) = EmailAddress::parse(&r.email) {
                app.store.lift_suppression(&address).await?;
            }
            page(&app, &headers, "resubscribed", &q.t, &r.email).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ResumeForm {}

/// The account page's "Resume the Daily Edition" button, for a suppressed address.
pub async fn resume(
    State(app): State<AppState>,
    signed_in: MaybeReader,
    CsrfForm(_): CsrfForm<ResumeForm>,
) -> Result<Response, WebError> {
    let session = signed_in.require("/account")?;
    let reader = app
        .store
        .reader_by_id(&session.reader_id)
        .await?
        .ok_or(WebError::SignInFirst("/account".to_owned()))?;
    if let Ok(address) = EmailAddress::parse(&reader.email) {
        app.store.lift_suppression(&address).await?;
    }
    app.store.set_daily_edition(&reader.id, true).await?;
    Ok(Redirect::to("/account?notice=edition-resumed").into_response())
}

/// What the account page says about a suppressed address (`None` when it is not).
pub async fn suppression_of(
    app: &AppState,
    email: &str,
) -> Result<Option<masthead_store::edition::Suppression>, WebError> {
    match EmailAddress::parse(email) {
        Ok(address) => Ok(app.store.suppression(&address).await?),
        Err(_) => Ok(None),
    }
}

/// The latest edition's deliveries by status, for `/metrics` (statuses are a closed set): the
/// same counts the ledger has, so a dashboard never says more than the ledger does.
pub async fn metrics_text(app: &AppState) -> Result<String, WebError> {
    let mut out = String::from(
        "# HELP masthead_edition_deliveries The latest Daily Edition's deliveries by status.\n\
         # TYPE masthead_edition_deliveries gauge\n",
    );
    let Some(latest) = app.store.recent_editions(1).await?.into_iter().next() else {
        return Ok(out);
    };
    let p = app.store.edition_progress(&latest.id).await?;
    // The readers on its list who have turned the edition off since (as the newsroom shows).
    let unsubscribed: i64 = app
        .store
        .edition_unsubscribed_by_domain(&latest.id)
        .await?
        .iter()
        .map(|(_, n)| n)
        .sum();
    for (status, n) in [
        ("queued", p.queued),
        ("sent", p.sent),
        ("failed", p.failed),
        ("bounced", p.bounced),
        ("skipped", p.skipped),
        ("unsubscribed", unsubscribed),
    ] {
        out.push_str(&format!(
            "masthead_edition_deliveries{{status=\"{status}\"}} {n}\n"
        ));
    }
    out.push_str(&format!(
        "# HELP masthead_edition_sending Whether the latest Daily Edition is still sending.\n\
         # TYPE masthead_edition_sending gauge\nmasthead_edition_sending {}\n",
        u8::from(latest.status == masthead_store::edition::EditionStatus::Sending)
    ));
    Ok(out)
}
