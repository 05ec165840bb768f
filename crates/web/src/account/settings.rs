//! The account page and its settings: the Daily Edition, reply emails, the change of address.

use axum::{
    extract::{Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use masthead_core::EmailAddress;
use masthead_store::{readers::Reader, sign_in::Purpose};
use serde::Deserialize;

use super::{
    AccountQuery, render,
    request::{new_request, submit_request},
};
use crate::{
    AppState,
    client_ip::ClientIp,
    error::WebError,
    session::{CsrfForm, MaybeReader, SignedIn},
};

const ACCOUNT: &str = "/account";

/// The reader behind a session, read afresh (the account page shows their own data).
async fn reader(app: &AppState, reader_id: &str) -> Result<Reader, WebError> {
    app.store
        .reader_by_id(reader_id)
        .await?
        .ok_or(WebError::SignInFirst(ACCOUNT.to_owned()))
}

pub async fn account_page(
    State(app): State<AppState>,
    headers: HeaderMap,
    SignedIn(session): SignedIn,
    Query(q): Query<AccountQuery>,
) -> Result<Response, WebError> {
    let reader = reader(&app, &session.reader_id).await?;
    let reply_emails = app.store.commenter(&reader.id).await?.reply_emails;
    let edition_suppression = crate::edition::suppression_of(&app, &reader.email).await?;
    let identities = crate::oidc::linked_for_display(&app, &reader.id).await?;
    let may_unlink = identities.is_empty() || app.store.may_unlink(&reader.id).await?;
    let ctx = minijinja::context! { reader => &reader, notice => q.notice, new_email => "", reply_emails, edition_suppression, identities, may_unlink };
    let template = "account/account.html";
    render::page(
        &app,
        &headers,
        template,
        "Your account",
        StatusCode::OK,
        ctx,
    )
    .await
}

/// The Daily Edition checkbox.
#[derive(Debug, Default, Deserialize)]
pub struct DailyEditionForm {
    #[serde(default)]
    daily_edition: Option<String>,
}

pub async fn daily_edition(
    State(app): State<AppState>,
    signed_in: MaybeReader,
    CsrfForm(f): CsrfForm<DailyEditionForm>,
) -> Result<Response, WebError> {
    let session = signed_in.require(ACCOUNT)?;
    let on = f.daily_edition.is_some();
    app.store.set_daily_edition(&session.reader_id, on).await?;
    Ok(back(if on { "edition-on" } else { "edition-off" }))
}

/// The reply-email checkbox (comments).
#[derive(Debug, Default, Deserialize)]
pub struct ReplyEmailsForm {
    #[serde(default)]
    reply_emails: Option<String>,
}

pub async fn comment_replies(
    State(app): State<AppState>,
    signed_in: MaybeReader,
    CsrfForm(f): CsrfForm<ReplyEmailsForm>,
) -> Result<Response, WebError> {
    let session = signed_in.require(ACCOUNT)?;
    let on = f.reply_emails.is_some();
    app.store.set_reply_emails(&session.reader_id, on).await?;
    Ok(back(if on { "replies-on" } else { "replies-off" }))
}

/// Back to the account page with a notice.
fn back(notice: &str) -> Response {
    Redirect::to(&format!("{ACCOUNT}?notice={notice}")).into_response()
}

#[derive(Debug, Default, Deserialize)]
pub struct ChangeEmailForm {
    #[serde(default)]
    new_email: String,
}

/// A change of address: confirmed through the new address (a link and a code sent there, with
/// the binding rules that signing in to it would have); the account keeps its address until
/// then.
pub async fn change_email(
    State(app): State<AppState>,
    peer: ClientIp,
    headers: HeaderMap,
    signed_in: MaybeReader,
    CsrfForm(f): CsrfForm<ChangeEmailForm>,
) -> Result<Response, WebError> {
    let session = signed_in.require(ACCOUNT)?;
    let reader = reader(&app, &session.reader_id).await?;
    let new_email = match EmailAddress::parse(&f.new_email) {
        Ok(e) => e,
        Err(e) => {
            let ctx = minijinja::context! { reader => &reader, new_email => &f.new_email, email_error => e.0 };
            let template = "account/account.html";
            return render::page(
                &app,
                &headers,
                template,
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
        ACCOUNT.into(),
    );
    req.new_email = Some(new_email.clone());
    submit_request(
        &app,
        &headers,
        &peer,
        req,
        &new_email,
        "/sign-in/check-email",
    )
    .await
}
