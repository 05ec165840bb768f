//! Asynchronous bounces and complaints arriving over HTTP (issue 15): the rules are the
//! store's (`masthead_store::edition::bounces`: hard bounces and complaints suppress at once,
//! soft ones after `MASTHEAD_EDITION_SOFT_BOUNCE_LIMIT` editions in a row, a report for an
//! address we never sent to is logged and ignored).
//!
//! - `POST /edition/feedback/inbound`: a raw RFC 5322 message (a DSN, RFC 3464, or an ARF
//!   report, RFC 5965) as the operator's mail forwarder receives it at the bounce address,
//!   with `Authorization: Bearer MASTHEAD_EDITION_FEEDBACK_SECRET`; parsed by
//!   `masthead_mail::feedback` (mail-parser).
//! - `POST /edition/feedback/mailgun`: Mailgun's webhook JSON, its `signature` checked with
//!   HMAC-SHA256 under `MASTHEAD_MAILGUN_SIGNING_KEY` over `timestamp + token`, in constant
//!   time, and refused when the timestamp is more than 15 minutes away (a replayed request).
//!
//! - `POST /edition/feedback/postmark`: Postmark's bounce and spam-complaint webhooks, with
//!   the HTTP basic auth configured in Postmark (`MASTHEAD_POSTMARK_WEBHOOK_AUTH=user:password`,
//!   compared in constant time). `HardBounce`, `BadEmailAddress` are hard; `SoftBounce`,
//!   `Transient`, `DnsError` soft; `SpamComplaint` a complaint; other types are ignored.
//!
//! - `POST /edition/feedback/sendgrid`: SendGrid's signed event webhook (an array of events),
//!   its ECDSA P-256 / SHA-256 signature (`X-Twilio-Email-Event-Webhook-Signature`, over the
//!   `…-Timestamp` header followed by the raw body) verified with ring against
//!   `MASTHEAD_SENDGRID_VERIFICATION_KEY`; the timestamp must be within 15 minutes. `bounce`
//!   is hard, `bounce` of type `blocked` soft, `spamreport` a complaint; other events are
//!   ignored.
//!
//! All answer JSON: 200 with what was done per recipient, 401 `{"error": …}` for a missing
//! or wrong secret or signature (a forged request), 422 for a body that is not a report, 404
//! when the endpoint's secret is not configured. SES webhooks (SNS signatures) are not built
//! yet.

use axum::{
    Json, Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
    routing::post,
};
use hmac::{Hmac, Mac};
use masthead_core::{EmailAddress, secret::secrets_equal};
use masthead_mail::feedback::{self, FeedbackError};
use masthead_store::edition::bounces::{FeedbackKind, FeedbackOutcome};
use serde_json::json;
use sha2::Sha256;

use crate::{AppState, error::WebError};

/// How far a signed webhook's timestamp may be from now.
const MAX_SKEW_SECS: i64 = 15 * 60;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/edition/feedback/inbound", post(inbound))
        .route("/edition/feedback/mailgun", post(mailgun))
        .route("/edition/feedback/postmark", post(postmark))
        .route("/edition/feedback/sendgrid", post(sendgrid))
}

fn json_error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

/// Applies one report to one recipient; the word for the answer.
async fn apply(
    app: &AppState,
    source: &str,
    recipient: &str,
    kind: FeedbackKind,
    detail: &str,
) -> Result<&'static str, WebError> {
    let Ok(address) = EmailAddress::parse(recipient) else {
        tracing::warn!(
            source,
            recipient,
            "a bounce report for an address that is not valid; ignored"
        );
        return Ok("ignored");
    };
    let limit = app.jobs.edition.settings.soft_bounce_limit;
    let outcome = app
        .store
        .record_feedback(&address, kind, detail, limit)
        .await?;
    Ok(match outcome {
        FeedbackOutcome::NeverSent => {
            tracing::warn!(
                source,
                recipient,
                ?kind,
                "a bounce report for an address we never sent an edition to; ignored"
            );
            "ignored"
        }
        FeedbackOutcome::Suppressed => {
            tracing::info!(
                source,
                recipient,
                ?kind,
                "address suppressed after a report"
            );
            metrics::counter!("masthead_edition_feedback_total", "outcome" => "suppressed")
                .increment(1);
            "suppressed"
        }
        FeedbackOutcome::SoftCounted(n) => {
            tracing::info!(source, recipient, in_row = n, "soft bounce counted");
            metrics::counter!("masthead_edition_feedback_total", "outcome" => "soft").increment(1);
            "counted"
        }
    })
}

pub async fn inbound(
    State(app): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let Some(secret) = app.jobs.edition.settings.feedback.inbound.clone() else {
        return Ok(json_error(
            StatusCode::NOT_FOUND,
            "the inbound bounce endpoint is not configured",
        ));
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !secrets_equal(given.trim(), &secret) {
        tracing::warn!("a bounce report with a missing or wrong secret; refused");
        return Ok(json_error(
            StatusCode::UNAUTHORIZED,
            "missing or wrong bearer secret",
        ));
    }
    let reports = match feedback::parse_report(&body) {
        Ok(r) => r,
        Err(e @ (FeedbackError::Unreadable | FeedbackError::NotAReport)) => {
            return Ok(json_error(StatusCode::UNPROCESSABLE_ENTITY, &e.to_string()));
        }
    };
    let mut done = Vec::new();
    for r in &reports {
        let kind = match r.kind {
            feedback::FeedbackKind::Hard => FeedbackKind::Hard,
            feedback::FeedbackKind::Soft => FeedbackKind::Soft,
            feedback::FeedbackKind::Complaint => FeedbackKind::Complaint,
        };
        let outcome = apply(&app, "inbound", &r.recipient, kind, &r.detail).await?;
        done.push(json!({ "recipient": r.recipient, "outcome": outcome }));
    }
    Ok(Json(json!({ "recipients": done })).into_response())
}

/// Whether Mailgun's `signature` object is genuine and fresh.
fn mailgun_signature_ok(key: &str, sig: &serde_json::Value, now_secs: i64) -> bool {
    let (Some(timestamp), Some(token), Some(signature)) = (
        sig["timestamp"].as_str(),
        sig["token"].as_str(),
        sig["signature"].as_str(),
    ) else {
        return false;
    };
    let fresh = timestamp
        .parse::<i64>()
        .is_ok_and(|t| (now_secs - t).abs() <= MAX_SKEW_SECS);
    let Some(expected) = hex_decode(signature) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key.as_bytes()) else {
        return false;
    };
    mac.update(timestamp.as_bytes());
    mac.update(token.as_bytes());
    fresh && mac.verify_slice(&expected).is_ok()
}

fn hex_decode(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || s.len() > 256 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

pub async fn mailgun(State(app): State<AppState>, body: Bytes) -> Result<Response, WebError> {
    let Some(key) = app.jobs.edition.settings.feedback.mailgun.clone() else {
        return Ok(json_error(
            StatusCode::NOT_FOUND,
            "the Mailgun webhook is not configured",
        ));
    };
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return Ok(json_error(
            StatusCode::UNAUTHORIZED,
            "not a signed Mailgun webhook",
        ));
    };
    if !mailgun_signature_ok(&key, &v["signature"], masthead_store::now_ms() / 1000) {
        tracing::warn!("a Mailgun webhook with a wrong or stale signature; refused");
        return Ok(json_error(
            StatusCode::UNAUTHORIZED,
            "wrong or stale Mailgun signature",
        ));
    }
    let event = &v["event-data"];
    let kind = match (event["event"].as_str(), event["severity"].as_str()) {
        (Some("complained"), _) => FeedbackKind::Complaint,
        (Some("failed"), Some("permanent")) => FeedbackKind::Hard,
        (Some("failed"), _) => FeedbackKind::Soft,
        _ => return Ok(Json(json!({ "recipients": [] })).into_response()),
    };
    let Some(recipient) = event["recipient"].as_str() else {
        return Ok(json_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "event-data.recipient is missing",
        ));
    };
    let status = &event["delivery-status"];
    let detail = format!(
        "{} {}",
        status["code"]
            .as_i64()
            .map(|c| c.to_string())
            .unwrap_or_default(),
        status["description"]
            .as_str()
            .filter(|d| !d.is_empty())
            .or(status["message"].as_str())
            .unwrap_or("reported by Mailgun")
    );
    let outcome = apply(&app, "mailgun", recipient, kind, detail.trim()).await?;
    Ok(
        Json(json!({ "recipients": [{ "recipient": recipient, "outcome": outcome }] }))
            .into_response(),
    )
}

/// Whether the request carries Postmark's configured basic auth (`user:password`).
fn basic_auth_ok(headers: &HeaderMap, expected: &str) -> bool {
    use base64::Engine as _;
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|b| String::from_utf8(b).ok())
        .is_some_and(|given| secrets_equal(&given, expected))
}

pub async fn postmark(
    State(app): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let Some(auth) = app.jobs.edition.settings.feedback.postmark.clone() else {
        return Ok(json_error(
            StatusCode::NOT_FOUND,
            "the Postmark webhook is not configured",
        ));
    };
    if !basic_auth_ok(&headers, &auth) {
        tracing::warn!("a Postmark webhook with missing or wrong credentials; refused");
        return Ok(json_error(
            StatusCode::UNAUTHORIZED,
            "missing or wrong basic auth",
        ));
    }
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return Ok(json_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "not a JSON webhook body",
        ));
    };
    let kind = match (v["RecordType"].as_str(), v["Type"].as_str()) {
        (Some("SpamComplaint"), _) | (_, Some("SpamComplaint")) => FeedbackKind::Complaint,
        (_, Some("HardBounce" | "BadEmailAddress")) => FeedbackKind::Hard,
        (_, Some("SoftBounce" | "Transient" | "DnsError")) => FeedbackKind::Soft,
        _ => return Ok(Json(json!({ "recipients": [] })).into_response()),
    };
    let Some(recipient) = v["Email"].as_str() else {
        return Ok(json_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Email is missing",
        ));
    };
    let detail = v["Details"]
        .as_str()
        .filter(|d| !d.is_empty())
        .or(v["Description"].as_str())
        .unwrap_or("reported by Postmark");
    let outcome = apply(&app, "postmark", recipient, kind, detail).await?;
    Ok(
        Json(json!({ "recipients": [{ "recipient": recipient, "outcome": outcome }] }))
            .into_response(),
    )
}

/// The DER header of a P-256 SubjectPublicKeyInfo, before the 65-byte uncompressed point.
const P256_SPKI_HEADER: [u8; 26] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];

/// Whether SendGrid's signature over `timestamp + body` verifies with `key_b64` (SPKI DER).
fn sendgrid_signature_ok(key_b64: &str, headers: &HeaderMap, body: &[u8], now_secs: i64) -> bool {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let (Some(signature), Some(timestamp)) = (
        header("x-twilio-email-event-webhook-signature"),
        header("x-twilio-email-event-webhook-timestamp"),
    ) else {
        return false;
    };
    let fresh = timestamp
        .parse::<i64>()
        .is_ok_and(|t| (now_secs - t).abs() <= MAX_SKEW_SECS);
    let (Ok(spki), Ok(signature)) = (b64.decode(key_b64.trim()), b64.decode(signature)) else {
        return false;
    };
    let Some(point) = spki.strip_prefix(&P256_SPKI_HEADER[..]) else {
        return false;
    };
    let mut signed = timestamp.as_bytes().to_vec();
    signed.extend_from_slice(body);
    let key =
        ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_ASN1, point);
    fresh && key.verify(&signed, &signature).is_ok()
}

pub async fn sendgrid(
    State(app): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let Some(key) = app.jobs.edition.settings.feedback.sendgrid.clone() else {
        return Ok(json_error(
            StatusCode::NOT_FOUND,
            "the SendGrid webhook is not configured",
        ));
    };
    if !sendgrid_signature_ok(&key, &headers, &body, masthead_store::now_ms() / 1000) {
        tracing::warn!("a SendGrid webhook with a wrong or stale signature; refused");
        return Ok(json_error(
            StatusCode::UNAUTHORIZED,
            "wrong or stale SendGrid signature",
        ));
    }
    let Ok(serde_json::Value::Array(events)) = serde_json::from_slice(&body) else {
        return Ok(json_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "not an array of events",
        ));
    };
    let mut done = Vec::new();
    for e in events.iter().take(1_000) {
        let kind = match (e["event"].as_str(), e["type"].as_str()) {
            (Some("spamreport"), _) => FeedbackKind::Complaint,
            (Some("bounce"), Some("blocked")) => FeedbackKind::Soft,
            (Some("bounce"), _) => FeedbackKind::Hard,
            _ => continue,
        };
        let Some(recipient) = e["email"].as_str() else {
            continue;
        };
        let detail = format!(
            "{} {}",
            e["status"].as_str().unwrap_or_default(),
            e["reason"].as_str().unwrap_or("reported by SendGrid")
        );
        let outcome = apply(&app, "sendgrid", recipient, kind, detail.trim()).await?;
        done.push(json!({ "recipient": recipient, "outcome": outcome }));
    }
    Ok(Json(json!({ "recipients": done })).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_decodes_and_refuses_odd_input() {
        assert_eq!(hex_decode("00ff10"), Some(vec![0, 255, 16]));
        assert_eq!(hex_decode("0"), None);
        assert_eq!(hex_decode("zz"), None);
    }
}
