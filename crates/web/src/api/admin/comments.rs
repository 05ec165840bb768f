//! The Admin API's comment moderation: the queue's lists and a decision on a comment. Keys of
//! a moderating role (admin, editor, moderator: `Role::can_moderate`, as `/newsroom/comments`).
//! The queue and the decisions are the store's, the functions the newsroom's moderation page
//! calls (`Store::moderation_queue`, `Store::moderate_comment`: the status, the reports marked
//! reviewed, the counts, the commenter's trust, the reply notice and the moderation log, in one
//! transaction).
//!
//! Decisions:
//! - The decisions are the newsroom's: approve, reject, feature, unfeature. There is no
//!   delete: a moderator takes a comment down by rejecting it (kept, with its record, for the
//!   moderation log and an appeal); only its writer deletes a comment.
//! - The moderation log names the key (“NAME (API key)”) as the moderator.
//! - The newsroom's per-moderator limit on decisions is the key's own limit here
//!   (`MASTHEAD_API_KEY_PER_MINUTE`, `api/auth.rs`).

use axum::{
    Json,
    extract::State,
    response::{IntoResponse, Response},
};
use masthead_core::Role;
use masthead_store::comments::{Decision, QueueItem, QueueTab};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::{
    AppState,
    api::{
        auth::ApiKey,
        content::rfc3339,
        error::{ApiError, ApiJson, ApiPath, ApiQuery, ErrorBody},
    },
};

const DEFAULT_LIMIT: i64 = 50;
const MAX_LIMIT: i64 = 100;

/// Which list, and how many of it.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct QueueParams {
    /// `pending` (default; oldest first), `reported` (most reported first), `approved` or
    /// `rejected` (newest first).
    #[param(value_type = Option<QueueList>)]
    list: Option<String>,
    /// Comments to answer, 1 to 100 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    limit: Option<String>,
}

/// A list of the moderation queue.
#[expect(
    dead_code,
    reason = "the document's enum of `list`; the value is parsed as a string"
)]
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum QueueList {
    Pending,
    Reported,
    Approved,
    Rejected,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QueueReport {
    pub reason: String,
    pub detail: String,
}

/// A comment in the queue, with its article.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueComment {
    pub id: String,
    /// `pending`, `published` or `rejected`.
    pub status: String,
    /// The writer's display name, or null for a deleted account.
    pub author_name: Option<String>,
    /// The writer's reader id (for their record), or null for a deleted account.
    pub reader_id: Option<String>,
    /// Why it is held (`reports` when readers' reports hid it), when it is.
    pub hold_reason: Option<String>,
    pub featured: bool,
    pub open_reports: i64,
    pub reports: Vec<QueueReport>,
    /// The comment as readers would see it (sanitised HTML).
    pub html: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    pub article_id: String,
    pub article_headline: String,
    /// The comment in its thread.
    pub url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommentQueue {
    /// Its first `limit` comments.
    pub items: Vec<QueueComment>,
    /// How many the list holds in all.
    pub total: i64,
}

/// A moderator's decision.
#[expect(
    dead_code,
    reason = "the document's enum of `decision`; parsed as a string"
)]
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DecisionName {
    Approve,
    Reject,
    Feature,
    Unfeature,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    /// Read as a string and parsed here, so that a wrong value or type is the 422 naming
    /// `decision` (serde_json reports a number where an enum is due as a syntax error).
    #[schema(value_type = DecisionName)]
    pub decision: String,
    /// For the moderation log.
    pub reason: Option<String>,
}

/// A comment after the decision.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModeratedComment {
    pub id: String,
    pub article_id: String,
    /// `pending`, `published` or `rejected`.
    pub status: String,
    pub featured: bool,
    pub open_reports: i64,
}

fn may(key: &ApiKey) -> Result<(), ApiError> {
    key.require(Role::can_moderate, "moderate comments")
}

fn queue_comment(base: &str, i: QueueItem) -> QueueComment {
    let c = i.comment;
    let path = crate::views::article_path(&i.section_slug, &i.article_slug);
    let deleted_account = c.reader_id.is_none();
    QueueComment {
        url: format!("{base}{path}/comments#c-{}", c.id),
        status: c.status.as_str().to_owned(),
        author_name: (!deleted_account).then_some(c.author_name),
        reader_id: c.reader_id,
        hold_reason: c.hold_reason,
        featured: c.featured,
        open_reports: c.open_reports,
        reports: i
            .reports
            .into_iter()
            .map(|(reason, detail)| QueueReport { reason, detail })
            .collect(),
        html: c.body_html,
        created_at: rfc3339(c.created_at),
        article_id: c.article_id,
        article_headline: i.article_headline,
        id: c.id,
    }
}

/// A list of the moderation queue.
#[utoipa::path(
    get, path = "/api/v1/admin/comments", tag = "admin", security(("bearer" = [])),
    params(QueueParams),
    responses(
        (status = 200, description = "The list", body = CommentQueue, content_type = "application/json"),
        (status = 400, body = ErrorBody, content_type = "application/json", description = "A parameter that cannot be read"),
        (status = 401, body = ErrorBody, content_type = "application/json", description = "No valid key"),
        (status = 403, body = ErrorBody, content_type = "application/json", description = "The key's role may not moderate"),
        (status = 422, body = ErrorBody, content_type = "application/json", description = "A list we do not have, a limit out of range"),
        (status = 429, body = ErrorBody, content_type = "application/json", description = "Rate limited"),
    )
)]
pub async fn queue(
    State(app): State<AppState>,
    key: ApiKey,
    ApiQuery(p): ApiQuery<QueueParams>,
) -> Result<Response, ApiError> {
    may(&key)?;
    let tab = match p.list.as_deref().map(str::trim) {
        None | Some("") => QueueTab::Pending,
        Some(l) => QueueTab::parse(l).ok_or_else(|| {
            ApiError::invalid(
                "list",
                "“list” is one of pending, reported, approved, rejected.",
            )
        })?,
    };
    let limit = match p.limit.as_deref().map(str::trim) {
        None | Some("") => DEFAULT_LIMIT,
        Some(l) => l
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                ApiError::invalid(
                    "limit",
                    format!("“limit” is a whole number from 1 to {MAX_LIMIT}."),
                )
            })?,
    };
    let page = app.store.moderation_queue(tab, limit).await?;
    let base = crate::api::content::base(&app).to_owned();
    let items = page
        .items
        .into_iter()
        .map(|i| queue_comment(&base, i))
        .collect();
    Ok(Json(CommentQueue {
        items,
        total: page.total,
    })
    .into_response())
}

/// Approve, reject, feature or unfeature a comment.
#[utoipa::path(
    post, path = "/api/v1/admin/comments/{id}/decision", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, max_length = 100, description = "The comment's id")),
    request_body = DecisionRequest,
    responses(
        (status = 200, description = "Decided", body = ModeratedComment, content_type = "application/json"),
        (status = 400, body = ErrorBody, content_type = "application/json", description = "Malformed JSON"),
        (status = 401, body = ErrorBody, content_type = "application/json", description = "No valid key"),
        (status = 403, body = ErrorBody, content_type = "application/json", description = "The key's role may not moderate"),
        (status = 404, body = ErrorBody, content_type = "application/json", description = "No such comment (or deleted by its writer)"),
        (status = 413, body = ErrorBody, content_type = "application/json", description = "Body too large"),
        (status = 415, body = ErrorBody, content_type = "application/json", description = "Not JSON"),
        (status = 422, body = ErrorBody, content_type = "application/json", description = "A decision we do not know"),
        (status = 429, body = ErrorBody, content_type = "application/json", description = "Rate limited"),
    )
)]
pub async fn decide(
    State(app): State<AppState>,
    key: ApiKey,
    ApiPath(id): ApiPath<String>,
    ApiJson(r): ApiJson<DecisionRequest>,
) -> Result<Response, ApiError> {
    may(&key)?;
    let not_found = || ApiError::not_found("comment with this id");
    if id.len() > 100 {
        return Err(not_found());
    }
    let decision = Decision::parse(r.decision.trim()).ok_or_else(|| {
        ApiError::invalid(
            "decision",
            "“decision” is one of approve, reject, feature, unfeature.",
        )
    })?;
    let reason = r.reason.unwrap_or_default();
    let moderator = format!("{} (API key)", key.key.name);
    let Some(version) = app
        .store
        .moderate_comment(&id, decision, &moderator, reason.trim())
        .await?
    else {
        return Err(not_found());
    };
    let c = app.store.comment(&id).await?.ok_or_else(not_found)?;
    app.comments.observe(&c.article_id, version);
    app.jobs_wake.notify_one();
    Ok(Json(ModeratedComment {
        id: c.id,
        article_id: c.article_id,
        status: c.status.as_str().to_owned(),
        featured: c.featured,
        open_reports: c.open_reports,
    })
    .into_response())
}
