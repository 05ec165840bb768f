//! The Content and Admin APIs end to end, on both backends: the Content API's answers, paging,
//! filters, caching and the wall (`content.rs`); the Admin API's keys, scopes, writes and bad
//! input (`admin.rs`, `bad_input.rs`), staff (`staff.rs`) and comment moderation
//! (`moderation.rs`), photo uploads (`photos.rs`); keys in the newsroom (`keys.rs`); the
//! document's limits against the handlers' (`document.rs`); and Schemathesis against the
//! OpenAPI document (`schemathesis.rs`).

use crate::common::{TestApp, spawn_app};
use masthead_core::{EmailAddress, Role};
use masthead_store::api_keys::NewApiKey;

mod admin;
mod bad_input;
mod content;
mod document;
mod keys;
mod moderation;
mod photos;
mod schemathesis;
mod staff;

/// Makes `creator` staff with `creator_role` (if new) and a key of `role` made by them,
/// through the store (as the newsroom page does); returns the token.
pub async fn key_by(app: &TestApp, creator: &str, creator_role: Role, role: Role) -> String {
    let address = EmailAddress::parse(creator).unwrap();
    if app
        .db
        .store
        .staff_by_email(&address)
        .await
        .unwrap()
        .is_none()
    {
        app.db
            .store
            .add_staff(&address, creator_role)
            .await
            .unwrap();
    }
    let member = app
        .db
        .store
        .staff_by_email(&address)
        .await
        .unwrap()
        .unwrap();
    let token = format!("mh_{}", masthead_core::secret::random_token());
    app.db
        .store
        .create_api_key(
            &masthead_store::audit::Actor::cli(),
            &NewApiKey {
                name: &format!("{} key", role.as_str()),
                prefix: &token[..11],
                token_hash: &app.state.jobs.tokens.hash(&token),
                role,
                created_by: &member.id,
            },
        )
        .await
        .unwrap();
    token
}

/// A key of `role`, made by an admin.
pub async fn key(app: &TestApp, role: Role) -> String {
    key_by(app, "keys-admin@tribune.example", Role::Admin, role).await
}

/// A request with the key.
pub fn with_key(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
) -> reqwest::RequestBuilder {
    app.client
        .request(method, app.url(path))
        .header("authorization", format!("Bearer {token}"))
}

pub async fn json_of(res: reqwest::Response) -> (u16, serde_json::Value) {
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    let v =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{status}: not JSON ({e}): {text}"));
    (status, v)
}

/// `v` with ids and times replaced, for snapshots.
pub fn redacted(mut v: serde_json::Value) -> String {
    fn walk(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    if matches!(
                        k.as_str(),
                        "id" | "updated_at" | "published_at" | "revision"
                    ) && !x.is_null()
                    {
                        *x = serde_json::Value::String(format!("[{k}]"));
                    } else {
                        walk(x);
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut v);
    serde_json::to_string_pretty(&v).unwrap()
}

/// Asserts the JSON error shape and returns (code, field).
pub fn error_of(v: &serde_json::Value) -> (String, Option<String>) {
    let e = &v["error"];
    assert!(
        e["message"].as_str().is_some_and(|m| m.len() > 10),
        "a message for people: {v}"
    );
    (
        e["code"].as_str().expect("a code").to_owned(),
        e["field"].as_str().map(str::to_owned),
    )
}
