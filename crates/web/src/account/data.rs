//! The reader's data: everything stored about them as JSON, and deleting the account (every
//! feature erases what it keeps, through `App::erasures`, in the same transaction).

use axum::{
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use masthead_store::readers::Reader;

use super::{render, request::NoFields};
use crate::{
    AppState,
    error::WebError,
    session::{CsrfForm, MaybeReader, SignedIn, cookies},
};

async fn reader(app: &AppState, reader_id: &str, back: &str) -> Result<Reader, WebError> {
    app.store
        .reader_by_id(reader_id)
        .await?
        .ok_or(WebError::SignInFirst(back.to_owned()))
}

/// Everything stored about the reader, as JSON.
pub async fn export(
    State(app): State<AppState>,
    signed_in: MaybeReader,
) -> Result<Response, WebError> {
    let session = signed_in.require("/account")?;
    let reader = reader(&app, &session.reader_id, "/account").await?;
    let sessions = app.store.count_sessions_of(&reader.id).await?;
    let comments: Vec<_> = app.store.comments_of_reader(&reader.id).await?.into_iter().map(|c| serde_json::json!({
        "id": c.id, "article_id": c.article_id, "in_reply_to": c.parent_id, "name": c.author_name,
        "text": c.body_text, "status": c.status, "likes": c.like_count,
        "posted_at": masthead_store::from_ms(c.created_at).to_string(),
        "edited_at": c.edited_at.map(|t| masthead_store::from_ms(t).to_string()),
    })).collect();
    let iso = |ms: i64| masthead_store::from_ms(ms).to_string();
    let push: Vec<_> = app
        .store
        .push_subscriptions_of_reader(&reader.id)
        .await?
        .into_iter()
        .map(|s| {
            serde_json::json!({
                "push_service": s.push_service, "topics": s.topics,
                "subscribed_at": iso(s.created_at), "last_used_at": iso(s.last_used_at),
            })
        })
        .collect();
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
        "push_subscriptions": push,
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
    SignedIn(session): SignedIn,
) -> Result<Response, WebError> {
    let reader = reader(&app, &session.reader_id, "/account/delete").await?;
    let ctx = minijinja::context! { reader => &reader };
    let template = "account/delete.html";
    render::page(
        &app,
        &headers,
        template,
        "Delete your account",
        StatusCode::OK,
        ctx,
    )
    .await
}

pub async fn delete_submit(
    State(app): State<AppState>,
    headers: HeaderMap,
    signed_in: MaybeReader,
    CsrfForm(NoFields {}): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    let session = signed_in.require("/account")?;
    // The comments are kept as "deleted account" or removed, as configured.
    app.store
        .delete_reader(&session.reader_id, &app.erasures)
        .await?;
    app.refresh_sessions_epoch().await?;
    tracing::info!(reader_id = %session.reader_id, "account deleted at the reader's request");
    let mut res = render::notice(
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
