//! The key, subscribing and unsubscribing (see the module docs in `mod.rs`).

use axum::{
    Json,
    body::Body,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use masthead_push::{Subscription, SubscriptionJson};
use masthead_store::{
    push::{NewSubscription, Subscribed},
    rate_limit::{RateKey, RateLimit},
};
use serde::Deserialize;

use super::{ApiError, CHANGES_PER_HOUR, error, read_json, same_origin, too_many};
use crate::{AppState, client_ip::ClientIp, error::WebError, session::MaybeReader};

/// Topics a subscription may hold at most (breaking news and a few sections).
pub const MAX_TOPICS: usize = 32;

pub async fn key(State(app): State<AppState>) -> Result<Response, WebError> {
    let deliverer = app
        .jobs
        .push
        .deliverer(&app.store)
        .await
        .map_err(WebError::Internal)?;
    let mut res = deliverer.vapid().public_key().to_owned().into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    Ok(res)
}

#[derive(Deserialize)]
struct SubscribeBody {
    subscription: SubscriptionJson,
    #[serde(default)]
    topics: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct UnsubscribeBody {
    endpoint: String,
}

async fn take_limit(app: &AppState, ip: &ClientIp) -> Result<(), ApiError> {
    let limit = RateLimit::per_hour(RateKey::PushChangesFromIp(ip.limit_key()), CHANGES_PER_HOUR);
    if app.store.take_rate_limit(&limit).await? {
        Ok(())
    } else {
        Err(too_many(3600))
    }
}

/// The topics a reader may choose: breaking news, and each of the site's sections.
async fn check_topics(
    app: &AppState,
    topics: Option<Vec<String>>,
) -> Result<Vec<String>, ApiError> {
    let topics = topics.unwrap_or_else(|| vec!["breaking".to_owned()]);
    if topics.is_empty() {
        return Err(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Choose at least one topic, or unsubscribe.",
            Some("topics"),
        ));
    }
    if topics.len() > MAX_TOPICS {
        return Err(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("At most {MAX_TOPICS} topics."),
            Some("topics"),
        ));
    }
    let sections = app.store.sections().await?;
    let mut out: Vec<String> = Vec::with_capacity(topics.len());
    for t in topics {
        let known = t == "breaking"
            || t.strip_prefix("section:")
                .is_some_and(|s| sections.iter().any(|sec| sec.slug == s));
        if !known {
            let shown: String = t.chars().take(40).collect();
            return Err(error(
                StatusCode::UNPROCESSABLE_ENTITY,
                &format!(
                    "“{shown}” is not a topic here: use breaking or section:SLUG for one of the site's sections."
                ),
                Some("topics"),
            ));
        }
        if !out.contains(&t) {
            out.push(t);
        }
    }
    Ok(out)
}

pub async fn subscribe(
    State(app): State<AppState>,
    ip: ClientIp,
    reader: MaybeReader,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    subscribe_inner(&app, &ip, reader, &headers, body).await
}

async fn subscribe_inner(
    app: &AppState,
    ip: &ClientIp,
    reader: MaybeReader,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    same_origin(headers)?;
    let body: SubscribeBody = read_json(body).await?;
    take_limit(app, ip).await?;
    let sub =
        Subscription::parse(&body.subscription, &app.jobs.push.settings.services).map_err(|e| {
            error(
                StatusCode::UNPROCESSABLE_ENTITY,
                &e.to_string(),
                Some(e.field()),
            )
        })?;
    let topics = check_topics(app, body.topics).await?;
    let (p256dh, auth) = (sub.p256dh_b64(), sub.auth_b64());
    let saved = app
        .store
        .save_push_subscription(&NewSubscription {
            endpoint: &sub.endpoint,
            p256dh: &p256dh,
            auth: &auth,
            topics: &topics,
            reader_id: reader.0.as_ref().map(|s| s.reader_id.as_str()),
        })
        .await?;
    let status = match saved {
        Subscribed::Created => StatusCode::CREATED,
        Subscribed::Updated => StatusCode::OK,
    };
    let mut res = (
        status,
        Json(serde_json::json!({ "subscribed": true, "topics": topics })),
    )
        .into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

pub async fn unsubscribe(
    State(app): State<AppState>,
    ip: ClientIp,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    same_origin(&headers)?;
    let body: UnsubscribeBody = read_json(body).await?;
    take_limit(&app, &ip).await?;
    app.store
        .delete_push_subscription(body.endpoint.trim())
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
