//! The Admin API's key (`Authorization: Bearer mh_…`) as an extractor, and the APIs' rate
//! limits.
//!
//! Decisions:
//! - A request with no key, a key we do not know, a revoked key or a key that may no longer
//!   act (its creator deactivated or demoted, `masthead_store::api_keys`) is a 401 with
//!   `WWW-Authenticate: Bearer`; the message says which, since the key's holder already has it
//!   and an admin can see the same in the newsroom. A key whose role may not do the operation
//!   is a 403 ([`ApiKey::require`]).
//! - Rate limits are token buckets in memory, per node, in bounded caches (the search
//!   limiter's mechanism, `search/limit.rs`): per client address for every API request (the
//!   Content API's cache hits too, since the API is what scripts hammer), taken before the key
//!   is looked up so that guessing keys costs the guesser; and per key for the Admin API.
//!   `MASTHEAD_API_PER_MINUTE` (per address) and `MASTHEAD_API_KEY_PER_MINUTE` (per key) set
//!   them; 0 turns one off.

use std::{net::IpAddr, sync::Arc};

use axum::{
    extract::FromRequestParts,
    http::{StatusCode, header, request::Parts},
};
use masthead_core::Role;
use masthead_store::{api_keys::ApiKeyAuth, audit::Actor, newsroom::StaffMember};

use super::error::ApiError;
use crate::{AppState, client_ip::ClientIp, search::limit::SearchLimiter};

/// The tokens' prefix, so that a leaked key is recognisable to scanners and people.
pub const TOKEN_PREFIX: &str = "mh_";

/// This node's API buckets (a sub-state of the app).
#[derive(Default)]
pub struct ApiLimits {
    by_ip: SearchLimiter<IpAddr>,
    by_key: SearchLimiter<String>,
}

impl ApiLimits {
    /// One request from `ip`; a 429 with `Retry-After` when its bucket is empty.
    pub fn take_ip(&self, ip: IpAddr, per_minute: u32) -> Result<(), ApiError> {
        self.by_ip.take(ip, per_minute).map_err(|wait| {
            let secs = wait.as_secs().max(1);
            ApiError::rate_limited(
                secs,
                format!("Too many API requests from your address. Try again in {secs} seconds."),
            )
        })
    }

    fn take_key(&self, key: &str, per_minute: u32) -> Result<(), ApiError> {
        self.by_key
            .take_key(key.to_owned(), per_minute)
            .map_err(|wait| {
                let secs = wait.as_secs().max(1);
                ApiError::rate_limited(
                    secs,
                    format!("Too many requests with this API key. Try again in {secs} seconds."),
                )
            })
    }
}

pub type SharedLimits = Arc<ApiLimits>;

/// A client address under the API's per-address limit (the Content API's handlers name it).
pub struct Limited;

impl FromRequestParts<AppState> for Limited {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        let ip = ClientIp::from_request_parts(parts, app).await?.0;
        app.api.take_ip(ip, app.config.api_per_minute)?;
        Ok(Self)
    }
}

/// A request with a key that may act (see the module docs).
pub struct ApiKey {
    pub key: ApiKeyAuth,
    /// The role it acts with (its own, within its creator's).
    pub role: Role,
}

fn unauthorized(message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
}

impl ApiKey {
    /// 403 unless the key's role passes `allowed`.
    pub fn require(&self, allowed: fn(Role) -> bool, what: &str) -> Result<(), ApiError> {
        if allowed(self.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "This key's role ({}) may not {what}. Ask an admin for a key with a role that may.",
                self.role
            )))
        }
    }

    pub fn actor(&self) -> Actor {
        self.key.actor()
    }

    /// The staff member the key writes as: its creator, with the key's role.
    pub fn staff(&self) -> StaffMember {
        StaffMember {
            id: self.key.creator_id.clone(),
            email: self.key.creator_email.clone(),
            role: self.role,
            author_id: self.key.creator_author_id.clone(),
        }
    }
}

impl FromRequestParts<AppState> for ApiKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        Limited::from_request_parts(parts, app).await?;
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Err(unauthorized(
                "This needs an API key: send Authorization: Bearer mh_… (an admin makes keys at /newsroom/api-keys).",
            ));
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|v| {
                let (scheme, token) = v.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            })
            .filter(|t| t.starts_with(TOKEN_PREFIX) && t.len() <= 100);
        let Some(token) = token else {
            return Err(unauthorized(
                "The Authorization header must be “Bearer mh_…” with a Masthead API key.",
            ));
        };
        let hash = app.jobs.tokens.hash(token);
        let Some(key) = app.store.api_key_by_hash(&hash).await? else {
            return Err(unauthorized(
                "This API key is not one we know: check it was copied whole, or ask an admin for a new one.",
            ));
        };
        if key.revoked {
            return Err(unauthorized(
                "This API key was revoked. Ask an admin for a new one.",
            ));
        }
        let Some(role) = key.effective_role() else {
            return Err(unauthorized(
                "This API key's creator no longer has its role (deactivated or changed): ask an admin for a new key.",
            ));
        };
        app.api.take_key(&key.id, app.config.api_key_per_minute)?;
        app.store.touch_api_key(&key).await?;
        Ok(Self { key, role })
    }
}
