//! Receipts from the service worker: a notification shown (`received`) or clicked. Anonymous:
//! the body names the alert and the event, nothing about the reader.

use axum::{
    body::Body,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use masthead_store::rate_limit::{RateKey, RateLimit};
use serde::Deserialize;

use super::{ApiError, RECEIPTS_PER_HOUR, error, read_json, same_origin, too_many};
use crate::{AppState, client_ip::ClientIp};

#[derive(Deserialize)]
struct ReceiptBody {
    alert: String,
    event: String,
}

pub async fn receipt(
    State(app): State<AppState>,
    ip: ClientIp,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    same_origin(&headers)?;
    let body: ReceiptBody = read_json(body).await?;
    let clicked = match body.event.as_str() {
        "received" => false,
        "clicked" => true,
        _ => {
            return Err(error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "event must be received or clicked.",
                Some("event"),
            ));
        }
    };
    if body.alert.len() > 64 {
        return Err(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "That is not an alert's ID.",
            Some("alert"),
        ));
    }
    let limit = RateLimit::per_hour(
        RateKey::PushReceiptsFromIp(ip.limit_key()),
        RECEIPTS_PER_HOUR,
    );
    if !app.store.take_rate_limit(&limit).await? {
        return Err(too_many(3600));
    }
    let Some(alert) = app.store.push_alert(&body.alert).await? else {
        return Err(error(
            StatusCode::NOT_FOUND,
            "No such alert.",
            Some("alert"),
        ));
    };
    let delay = masthead_store::now_ms() - alert.created_at;
    app.store
        .record_push_receipt(&alert.id, clicked, delay)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
