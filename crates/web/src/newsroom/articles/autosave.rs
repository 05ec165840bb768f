//! Autosave and presence, for `newsroom.js`: `POST /newsroom/articles/{id}/autosave` with the
//! editor's fields as JSON and the page's CSRF token in `X-CSRF-Token`; the answer is JSON
//! (`{"saved_at": …, "others": [...], "stale": bool}`) or a JSON error with a precise status.
//! An autosave never changes the article; `stale` says someone saved since the form was
//! loaded (the script shows it, so the author knows before pressing Save).
//! `POST …/heartbeat` (same token) only says "I still have it open".

use axum::{
    Json,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use masthead_core::{ArticleAction, draft::ArticleDraft};
use serde::Deserialize;
use serde_json::json;

use super::{Writer, article_for, staff_member};
use crate::{AppState, error::WebError, session::CsrfForm, session::cookies};

#[derive(Debug, Deserialize)]
pub struct AutosaveBody {
    revision: i64,
    draft: ArticleDraft,
}

fn json_error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

fn token_ok(app: &AppState, headers: &HeaderMap) -> bool {
    let sent = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    cookies::csrf_ok(headers, sent, app.secure_cookies())
}

pub async fn autosave(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    w: Writer,
    body: Result<Json<AutosaveBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, WebError> {
    if !token_ok(&app, &headers) {
        return Ok(json_error(
            StatusCode::FORBIDDEN,
            "The page has expired: reload it (your text is kept in the form until you do).",
        ));
    }
    let Json(body) = match body {
        Ok(b) => b,
        Err(e) => {
            return Ok(json_error(
                StatusCode::BAD_REQUEST,
                &format!("The autosave could not be read: {}", e.body_text()),
            ));
        }
    };
    let staff = staff_member(&app, &w).await?;
    let article = match article_for(&app, &staff, &id, ArticleAction::Edit).await {
        Ok(a) => a,
        Err(WebError::NotFound) => {
            return Ok(json_error(
                StatusCode::NOT_FOUND,
                "There is no such article.",
            ));
        }
        Err(_) => {
            return Ok(json_error(
                StatusCode::FORBIDDEN,
                "You may not change this article.",
            ));
        }
    };
    if body.draft.body.len() > masthead_core::draft::MAX_BODY_BYTES {
        return Ok(json_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "The body is too long to keep: shorten it before saving.",
        ));
    }
    app.store
        .autosave(&article.id, &staff, body.revision, &body.draft)
        .await?;
    let others = app.store.others_present(&article.id, &staff.id).await?;
    Ok(Json(json!({
        "saved_at": masthead_store::now_ms(),
        "stale": body.revision != article.revision,
        "revision": article.revision,
        "others": others.iter().map(|p| &p.label).collect::<Vec<_>>(),
    }))
    .into_response())
}

pub async fn heartbeat(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    w: Writer,
) -> Result<Response, WebError> {
    if !token_ok(&app, &headers) {
        return Ok(json_error(
            StatusCode::FORBIDDEN,
            "The page has expired: reload it.",
        ));
    }
    let staff = staff_member(&app, &w).await?;
    let Ok(article) = article_for(&app, &staff, &id, ArticleAction::Edit).await else {
        return Ok(json_error(
            StatusCode::NOT_FOUND,
            "There is no such article you may edit.",
        ));
    };
    app.store.heartbeat(&article.id, &staff).await?;
    let others = app.store.others_present(&article.id, &staff.id).await?;
    Ok(Json(json!({
        "revision": article.revision,
        "others": others.iter().map(|p| &p.label).collect::<Vec<_>>(),
    }))
    .into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct Empty {}

pub async fn discard(
    State(app): State<AppState>,
    Path(id): Path<String>,
    w: Writer,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, WebError> {
    let staff = staff_member(&app, &w).await?;
    let article = article_for(&app, &staff, &id, ArticleAction::Edit).await?;
    app.store.discard_autosave(&article.id, &staff.id).await?;
    Ok(Redirect::to(&format!(
        "/newsroom/articles/{}?notice=discarded",
        article.id
    ))
    .into_response())
}
