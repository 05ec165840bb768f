//! Web Push, the reader's side: the VAPID key, subscribing and unsubscribing, and receipts
//! from the service worker. The newsroom's side (sending, progress) is
//! `newsroom/alerts.rs`; the fan-out is `masthead_jobs::push`.
//!
//! - `GET /push/key`: the VAPID public key, base64url (the `applicationServerKey`).
//! - `POST /push/subscriptions` `{"subscription": PushSubscription.toJSON(), "topics": [...]}`:
//!   201 when new, 200 when the endpoint was known (its keys and topics replaced). Topics are
//!   `breaking` and `section:SLUG` for the site's sections; none given means `breaking`.
//!   Anonymous readers may subscribe; a signed-in reader's subscription is tied to their
//!   account (export, deletion).
//! - `DELETE /push/subscriptions` `{"endpoint": "…"}`: 204 (also when it was not known: the
//!   answer says nothing about other people's subscriptions).
//! - `POST /push/receipts` `{"alert": ID, "event": "received"|"clicked"}`: 204; the delay is
//!   measured here, from the alert's confirmation to the receipt's arrival (browsers' clocks are
//!   not trusted), and counted only up to the number of pushes sent.
//!
//! Every POST and DELETE must come from this site's own pages (the browser's
//! `Sec-Fetch-Site: same-origin`, or an `Origin` naming this host; 403 otherwise), is limited
//! per client address (429 with `Retry-After`), and reads at most [`MAX_BODY`] bytes (413).
//! Errors are JSON: `{"error": "…", "field": "…"}` with a precise status (400 unreadable JSON,
//! 422 a subscription we cannot deliver to, naming the field).

mod receipts;
mod subscribe;

use axum::{
    Json, Router,
    body::Body,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde::de::DeserializeOwned;

use crate::{AppState, error::WebError};

/// The largest request body read (a subscription is well under 1 KB).
pub const MAX_BODY: usize = 8 * 1024;
/// Subscribe and unsubscribe requests per client address per hour.
pub const CHANGES_PER_HOUR: i64 = 120;
/// Receipts per client address per hour (readers behind one address share it).
pub const RECEIPTS_PER_HOUR: i64 = 2000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/push/key", get(subscribe::key))
        .route(
            "/push/subscriptions",
            post(subscribe::subscribe).delete(subscribe::unsubscribe),
        )
        .route("/push/receipts", post(receipts::receipt))
}

/// An API refusal: a JSON error with its status, or a store failure (a plain 500, logged).
pub(crate) enum ApiError {
    Json {
        status: StatusCode,
        message: String,
        field: Option<&'static str>,
    },
    TooMany(u64),
    Internal(Box<WebError>),
}

impl From<masthead_store::StoreError> for ApiError {
    fn from(e: masthead_store::StoreError) -> Self {
        Self::Internal(Box::new(e.into()))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, message, field, retry_after) = match self {
            Self::Internal(e) => return e.into_response(),
            Self::Json {
                status,
                message,
                field,
            } => (status, message, field, None),
            Self::TooMany(secs) => (
                StatusCode::TOO_MANY_REQUESTS,
                "Too many requests from your address just now. Please try again later.".into(),
                None,
                Some(secs),
            ),
        };
        let mut body = serde_json::json!({ "error": message });
        if let Some(f) = field {
            body["field"] = f.into();
        }
        let mut res = (status, Json(body)).into_response();
        let h = res.headers_mut();
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(secs) = retry_after {
            h.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        res
    }
}

/// A JSON error answer.
pub(crate) fn error(status: StatusCode, message: &str, field: Option<&'static str>) -> ApiError {
    ApiError::Json {
        status,
        message: message.to_owned(),
        field,
    }
}

/// 429 with the time to wait.
pub(crate) fn too_many(secs: u64) -> ApiError {
    ApiError::TooMany(secs)
}

/// Refuses requests that did not come from this site's pages (see the module docs).
pub(crate) fn same_origin(headers: &HeaderMap) -> Result<(), ApiError> {
    // No token is sent (the script's JSON carries none), so only the browser's own
    // same-origin headers can pass; which cookie name is read does not matter.
    if crate::session::cookies::csrf_ok(headers, "", false) {
        Ok(())
    } else {
        Err(error(
            StatusCode::FORBIDDEN,
            "Push subscriptions are managed from this site's own pages.",
            None,
        ))
    }
}

/// Reads a JSON body of at most [`MAX_BODY`] bytes.
pub(crate) async fn read_json<T: DeserializeOwned>(body: Body) -> Result<T, ApiError> {
    let bytes = axum::body::to_bytes(body, MAX_BODY).await.map_err(|_| {
        error(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("The request body is larger than {MAX_BODY} bytes."),
            None,
        )
    })?;
    serde_json::from_slice(&bytes).map_err(|e| {
        error(
            StatusCode::BAD_REQUEST,
            &format!("The request body is not the JSON expected: {e}"),
            None,
        )
    })
}
