//! Admin API keys in the newsroom (`/newsroom/api-keys`, admins only): the list, making a key
//! (its token shown once, on the page the form answers with, never again), revoking one. The
//! store keeps only the token's HMAC (`masthead_store::api_keys`); each change is audited there.
//!
//! Decisions:
//! - The new token is shown in the answer to the POST itself (200, not a redirect), so it is
//!   never in a URL, a log or the browser's history; the page is `no-store`.
//! - A key's role is any role: only admins make keys, and a key never acts with more than its
//!   creator's role at the time of use (`ApiKeyAuth::effective_role`).
//! - A name is 1 to 80 characters; names need not be unique (the prefix tells keys apart).

use axum::{
    extract::{Path, Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use masthead_core::{Role, secret::random_token};
use masthead_store::api_keys::NewApiKey;
use serde::Deserialize;

use super::staff::{ManageStaff, actor_of};
use crate::{
    AppState,
    api::auth::TOKEN_PREFIX,
    error::WebError,
    session::{CsrfForm, Staff},
    views,
};

const NAME_MAX: usize = 80;
/// Characters of the token kept in clear to recognise it (`mh_` and 8 more).
const PREFIX_LEN: usize = 11;

#[derive(Debug, Default, Deserialize)]
pub struct KeysQuery {
    notice: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct KeyForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct EmptyForm {}

#[derive(Default)]
struct Page<'a> {
    notice: Option<&'static str>,
    name: &'a str,
    role: &'a str,
    name_error: Option<String>,
    role_error: Option<String>,
    /// A key just made: (name, token).
    made: Option<(String, String)>,
}

fn notice_text(key: &str) -> Option<&'static str> {
    Some(match key {
        "revoked" => "The key was revoked: it no longer works.",
        "unchanged" => "That key was already revoked.",
        _ => return None,
    })
}

pub async fn keys_page(
    State(app): State<AppState>,
    headers: HeaderMap,
    _admin: Staff<ManageStaff>,
    Query(q): Query<KeysQuery>,
) -> Result<Response, WebError> {
    let page = Page {
        notice: q.notice.as_deref().and_then(notice_text),
        ..Page::default()
    };
    render(&app, &headers, page, StatusCode::OK).await
}

pub async fn create_key(
    State(app): State<AppState>,
    headers: HeaderMap,
    admin: Staff<ManageStaff>,
    CsrfForm(form): CsrfForm<KeyForm>,
) -> Result<Response, WebError> {
    let name = form.name.trim();
    let mut page = Page {
        name: &form.name,
        role: &form.role,
        ..Page::default()
    };
    if name.is_empty() {
        page.name_error = Some("Give the key a name: what will use it.".into());
    } else if name.chars().count() > NAME_MAX {
        page.name_error = Some(format!("A name can have at most {NAME_MAX} characters."));
    }
    let role = form.role.parse::<Role>();
    if role.is_err() {
        page.role_error = Some("Choose one of the roles in the list.".into());
    }
    let (Ok(role), None) = (role, &page.name_error) else {
        return render(&app, &headers, page, StatusCode::BAD_REQUEST).await;
    };
    let actor = actor_of(&app, &admin.session).await?;
    let Some(creator) = actor.id.clone() else {
        return Err(WebError::BadRequest(
            "Your address is no longer on the newsroom's staff.".into(),
        ));
    };
    let token = format!("{TOKEN_PREFIX}{}", random_token());
    let hash = app.jobs.tokens.hash(&token);
    app.store
        .create_api_key(
            &actor,
            &NewApiKey {
                name,
                prefix: &token[..PREFIX_LEN],
                token_hash: &hash,
                role,
                created_by: &creator,
            },
        )
        .await?;
    let page = Page {
        made: Some((name.to_owned(), token)),
        ..Page::default()
    };
    render(&app, &headers, page, StatusCode::OK).await
}

pub async fn revoke_key(
    State(app): State<AppState>,
    admin: Staff<ManageStaff>,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, WebError> {
    let actor = actor_of(&app, &admin.session).await?;
    match app.store.revoke_api_key(&actor, &id).await? {
        None => Err(WebError::NotFound),
        Some(true) => Ok(Redirect::to("/newsroom/api-keys?notice=revoked").into_response()),
        Some(false) => Ok(Redirect::to("/newsroom/api-keys?notice=unchanged").into_response()),
    }
}

fn when(app: &AppState, ms: Option<i64>) -> Option<String> {
    ms.map(|t| masthead_core::schedule::dateline(masthead_store::from_ms(t), &app.config.time_zone))
}

async fn render(
    app: &AppState,
    headers: &HeaderMap,
    page: Page<'_>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let keys = app.store.api_keys().await?;
    let rows: Vec<minijinja::Value> = keys
        .iter()
        .map(|k| {
            minijinja::context! {
                id => &k.id, name => &k.name, prefix => &k.prefix, role => k.role.as_str(),
                created => when(app, Some(k.created_at)), created_by => &k.created_by_email,
                last_used => when(app, k.last_used_at), revoked => when(app, k.revoked_at),
            }
        })
        .collect();
    let roles: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
    let (token_name, token) = page.made.unzip();
    let ctx = minijinja::context! {
        keys => rows, roles, name_max => NAME_MAX,
        notice => page.notice,
        name => page.name,
        role => if page.role.is_empty() { "editor" } else { page.role },
        name_error => page.name_error,
        role_error => page.role_error,
        token_prefix => token.as_deref().map(|t| &t[..PREFIX_LEN]),
        token_name, token,
    };
    let mut res = views::form_page(
        app,
        headers,
        "newsroom/api_keys.html",
        "API keys",
        "/newsroom/api-keys",
        status,
        ctx,
    )
    .await?;
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}
