//! The Admin API's articles: create, read, update (with the revision counter), publish,
//! schedule, unpublish. Every write goes through the newsroom's one write path
//! (`Store::write_article`: one transaction with the revision check, the revision, the audit
//! entry naming the key, the search update and the content epoch); the rules of who may do
//! what to which article are the newsroom's (`Role::may`, with the key's creator as the staff
//! member and the key's role).
//!
//! Decisions:
//! - Fields are the editor's: `tags` and `authors` are lists (names or slugs; a name may not
//!   hold a comma, which the editor's text field uses to separate them). A new article is a
//!   draft; its first author is the key's creator.
//! - An update replaces every field it names and keeps the others; it must name the
//!   `revision` it was made from: a stale one is a 409 with the current revision, and nothing
//!   changes.
//! - `publish`, `schedule` and `unpublish` take the revision too (they are saves of the same
//!   article), and `schedule` a time in the future (RFC 3339).

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use masthead_core::{
    ArticleAction,
    draft::{ArticleDraft, FieldError},
};
use masthead_store::newsroom::{EditorArticle, SaveAction, SaveArticle, SaveOutcome};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    AppState,
    api::{
        auth::ApiKey,
        error::{ApiError, ApiJson, ApiPath, ErrorBody},
    },
};

/// An article's fields, as a new article gives them or an update changes them. The document
/// describes the two requests apart (`api::schema::NewArticle`, `api::schema::ArticleChange`):
/// one type here, so that a `revision` sent to create is the 422 that says why.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArticleFields {
    /// Updates only (required there): the revision the change was made from, from the last
    /// answer about this article. Absent when creating.
    pub revision: Option<i64>,
    pub headline: Option<String>,
    pub kicker: Option<String>,
    pub standfirst: Option<String>,
    /// Markdown.
    pub body: Option<String>,
    /// A section's slug.
    pub section: Option<String>,
    /// Tag names (a new tag is made for a name not seen before).
    pub tags: Option<Vec<String>>,
    /// Author slugs or names, in order.
    pub authors: Option<Vec<String>>,
    pub byline: Option<String>,
    /// `free`, `metered` (default) or `registered`.
    pub access: Option<String>,
    pub breaking: Option<bool>,
    /// Made from the headline when absent.
    pub slug: Option<String>,
    pub seo_title: Option<String>,
    pub seo_description: Option<String>,
}

/// Publish or unpublish: the revision the request was made from.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevisionOnly {
    /// The article's current revision (another is a 409).
    #[schema(minimum = 1, maximum = 9007199254740991.0)]
    pub revision: i64,
}

/// Schedule: the revision, and when to publish (RFC 3339, in the future).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleRequest {
    /// The article's current revision (another is a 409).
    #[schema(minimum = 1, maximum = 9007199254740991.0)]
    pub revision: i64,
    /// In the future (a time past is a 422).
    #[schema(format = DateTime, example = "2099-07-14T09:30:00Z")]
    pub at: String,
}

/// An article as the newsroom holds it (any status).
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminArticle {
    pub id: String,
    /// Name it in the next update.
    pub revision: i64,
    /// `draft`, `scheduled` or `published`.
    pub status: String,
    pub headline: String,
    pub kicker: String,
    pub standfirst: String,
    pub body: String,
    pub section: String,
    pub tags: Vec<String>,
    pub authors: Vec<String>,
    pub byline: String,
    pub access: String,
    pub breaking: bool,
    pub slug: String,
    pub seo_title: String,
    pub seo_description: String,
    /// Published (or scheduled) time, UTC RFC 3339.
    #[schema(format = DateTime)]
    pub published_at: Option<String>,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

fn list(s: &str) -> Vec<String> {
    s.split([',', '\n'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

fn admin_article(a: &EditorArticle) -> AdminArticle {
    let d = &a.draft;
    AdminArticle {
        id: a.id.clone(),
        revision: a.revision,
        status: a.status.as_str().to_owned(),
        headline: d.headline.clone(),
        kicker: d.kicker.clone(),
        standfirst: d.standfirst.clone(),
        body: d.body.clone(),
        section: d.section.clone(),
        tags: list(&d.tags),
        authors: list(&d.authors),
        byline: d.byline.clone(),
        access: d.access.clone(),
        breaking: d.breaking,
        slug: d.slug.clone(),
        seo_title: d.seo_title.clone(),
        seo_description: d.seo_description.clone(),
        published_at: a.published_at.map(super::super::content::rfc3339),
        updated_at: super::super::content::rfc3339(a.updated_at),
    }
}

fn joined(field: &str, items: &[String]) -> Result<String, ApiError> {
    if let Some(bad) = items.iter().find(|t| t.contains([',', '\n'])) {
        return Err(ApiError::invalid(
            field,
            format!("“{bad}”: a name in “{field}” may not contain a comma or a line break."),
        ));
    }
    Ok(items.join(", "))
}

/// `draft` with the fields `f` names replaced.
fn apply(mut draft: ArticleDraft, f: ArticleFields) -> Result<ArticleDraft, ApiError> {
    let set = |to: &mut String, v: Option<String>| {
        if let Some(v) = v {
            *to = v;
        }
    };
    set(&mut draft.headline, f.headline);
    set(&mut draft.kicker, f.kicker);
    set(&mut draft.standfirst, f.standfirst);
    set(&mut draft.body, f.body);
    set(&mut draft.section, f.section);
    set(&mut draft.byline, f.byline);
    set(&mut draft.access, f.access);
    set(&mut draft.slug, f.slug);
    set(&mut draft.seo_title, f.seo_title);
    set(&mut draft.seo_description, f.seo_description);
    if let Some(tags) = f.tags {
        draft.tags = joined("tags", &tags)?;
    }
    if let Some(authors) = f.authors {
        draft.authors = joined("authors", &authors)?;
    }
    if let Some(b) = f.breaking {
        draft.breaking = b;
    }
    Ok(draft)
}

fn field_error(errors: Vec<FieldError>) -> ApiError {
    let first = errors.into_iter().next();
    match first {
        Some(e) => ApiError::invalid(e.field, e.message),
        None => ApiError::malformed("The article could not be checked."),
    }
}

async fn article_for(
    app: &AppState,
    key: &ApiKey,
    id: &str,
    action: ArticleAction,
) -> Result<EditorArticle, ApiError> {
    if id.len() > 100 {
        return Err(ApiError::not_found("article with this id"));
    }
    let a = app
        .store
        .editor_article(id)
        .await?
        .ok_or_else(|| ApiError::not_found("article with this id"))?;
    let staff = key.staff();
    if !key.role.may(action, a.is_author(&staff), a.live()) {
        return Err(ApiError::forbidden(format!(
            "This key's role ({}) may not {} this article.",
            key.role,
            match action {
                ArticleAction::Publish => "publish, schedule or unpublish",
                _ => "change",
            }
        )));
    }
    Ok(a)
}

/// Saves `raw` with `action`; the answer is the article as saved.
async fn save(
    app: &AppState,
    key: &ApiKey,
    article: Option<&EditorArticle>,
    base_revision: i64,
    raw: ArticleDraft,
    action: SaveAction,
) -> Result<(StatusCode, AdminArticle), ApiError> {
    let checked = raw.check().map_err(field_error)?;
    let body =
        crate::newsroom::articles::edit::render(app, article.map(|a| a.id.as_str()), &checked.body)
            .await?;
    let staff = key.staff();
    let actor = key.actor();
    let outcome = app
        .store
        .write_article(&SaveArticle {
            article_id: article.map(|a| a.id.as_str()),
            base_revision,
            raw: &raw,
            draft: &checked,
            body_html: &body.html,
            body_text: &body.text,
            action,
            staff: &staff,
            keep_self_as_author: !staff.role.can_publish(),
            actor: Some(&actor),
        })
        .await?;
    match outcome {
        SaveOutcome::Saved { id, .. } => {
            app.jobs_wake.notify_one();
            app.refresh_content_epoch().await?;
            let saved = app
                .store
                .editor_article(&id)
                .await?
                .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("saved article vanished")))?;
            let status = if article.is_none() {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            Ok((status, admin_article(&saved)))
        }
        SaveOutcome::Stale(current) => Err(ApiError::conflict(
            Some("revision"),
            format!(
                "The article was changed since revision {base_revision}: it is at revision {} now. \
                 Read it again (GET /api/v1/admin/articles/{}), apply your change and send that revision.",
                current.revision, current.id
            ),
        )),
        SaveOutcome::Refused { field, message } => Err(if field == "slug" {
            ApiError::conflict(Some(field), message)
        } else {
            ApiError::invalid(field, message)
        }),
        SaveOutcome::NotFound => Err(ApiError::not_found("article with this id")),
    }
}

fn answer(status: StatusCode, a: AdminArticle) -> Response {
    (status, axum::Json(a)).into_response()
}

/// Create an article (a draft).
#[utoipa::path(
    post, path = "/api/v1/admin/articles", tag = "admin",
    request_body = crate::api::schema::NewArticle,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = AdminArticle, content_type = "application/json", links(
            ("read" = (operation_id = "read", parameters(("id" = "$response.body#/id")), description = "The article")),
            ("update" = (operation_id = "update", parameters(("id" = "$response.body#/id")), description = "Change it (name its `revision`)")),
            ("publish" = (operation_id = "publish", parameters(("id" = "$response.body#/id")), request_body = json!({"revision": "$response.body#/revision"}), description = "Publish it")),
            ("schedule" = (operation_id = "schedule", parameters(("id" = "$response.body#/id")), description = "Schedule it (name its `revision`)")),
        )),
        (status = 400, body = ErrorBody, content_type = "application/json", description = "Malformed JSON"),
        (status = 401, body = ErrorBody, content_type = "application/json", description = "No valid key"),
        (status = 403, body = ErrorBody, content_type = "application/json", description = "The key's role may not write"),
        (status = 409, body = ErrorBody, content_type = "application/json", description = "The slug is taken"),
        (status = 413, body = ErrorBody, content_type = "application/json", description = "Body too large"),
        (status = 415, body = ErrorBody, content_type = "application/json", description = "Not JSON"),
        (status = 422, body = ErrorBody, content_type = "application/json", description = "A field is invalid"),
        (status = 429, body = ErrorBody, content_type = "application/json", description = "Rate limited"),
    )
)]
pub async fn create(
    State(app): State<AppState>,
    key: ApiKey,
    ApiJson(f): ApiJson<ArticleFields>,
) -> Result<Response, ApiError> {
    if f.revision.is_some() {
        return Err(ApiError::invalid(
            "revision",
            "A new article has no revision: leave “revision” out (or PUT to change an article).",
        ));
    }
    if !key.role.may(ArticleAction::Create, true, false) {
        return Err(ApiError::forbidden(format!(
            "This key's role ({}) may not write articles.",
            key.role
        )));
    }
    let raw = apply(
        ArticleDraft {
            access: "metered".into(),
            ..Default::default()
        },
        f,
    )?;
    let (status, a) = save(&app, &key, None, 0, raw, SaveAction::Save).await?;
    Ok(answer(status, a))
}

/// An article, whatever its status.
#[utoipa::path(
    get, path = "/api/v1/admin/articles/{id}", tag = "admin",
    params(("id" = String, Path, max_length = 100, description = "The article's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The article", body = AdminArticle, content_type = "application/json"),
        (status = 401, body = ErrorBody, content_type = "application/json", description = "No valid key"),
        (status = 403, body = ErrorBody, content_type = "application/json", description = "Not this key's to read"),
        (status = 404, body = ErrorBody, content_type = "application/json", description = "No such article"),
        (status = 429, body = ErrorBody, content_type = "application/json", description = "Rate limited"),
    )
)]
pub async fn read(
    State(app): State<AppState>,
    key: ApiKey,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let a = article_for(&app, &key, &id, ArticleAction::Edit).await?;
    Ok(answer(StatusCode::OK, admin_article(&a)))
}

/// Change an article's fields (its status stays).
#[utoipa::path(
    put, path = "/api/v1/admin/articles/{id}", tag = "admin",
    params(("id" = String, Path, max_length = 100, description = "The article's id")),
    request_body = crate::api::schema::ArticleChange,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Saved", body = AdminArticle, content_type = "application/json"),
        (status = 400, body = ErrorBody, content_type = "application/json", description = "Malformed JSON"),
        (status = 401, body = ErrorBody, content_type = "application/json", description = "No valid key"),
        (status = 403, body = ErrorBody, content_type = "application/json", description = "Not this key's to change"),
        (status = 404, body = ErrorBody, content_type = "application/json", description = "No such article"),
        (status = 409, body = ErrorBody, content_type = "application/json", description = "A stale revision, or a taken slug"),
        (status = 413, body = ErrorBody, content_type = "application/json", description = "Body too large"),
        (status = 415, body = ErrorBody, content_type = "application/json", description = "Not JSON"),
        (status = 422, body = ErrorBody, content_type = "application/json", description = "A field is invalid"),
        (status = 429, body = ErrorBody, content_type = "application/json", description = "Rate limited"),
    )
)]
pub async fn update(
    State(app): State<AppState>,
    key: ApiKey,
    ApiPath(id): ApiPath<String>,
    ApiJson(f): ApiJson<ArticleFields>,
) -> Result<Response, ApiError> {
    let Some(revision) = f.revision else {
        return Err(ApiError::invalid(
            "revision",
            "Name the revision your change was made from (“revision”, from the last answer about this article).",
        ));
    };
    let a = article_for(&app, &key, &id, ArticleAction::Edit).await?;
    let raw = apply(a.draft.clone(), f)?;
    let (status, a) = save(&app, &key, Some(&a), revision, raw, SaveAction::Save).await?;
    Ok(answer(status, a))
}

async fn change_status(
    app: &AppState,
    key: &ApiKey,
    id: &str,
    revision: i64,
    action: SaveAction,
) -> Result<Response, ApiError> {
    let a = article_for(app, key, id, ArticleAction::Publish).await?;
    let raw = a.draft.clone();
    let (status, a) = save(app, key, Some(&a), revision, raw, action).await?;
    Ok(answer(status, a))
}

/// Publish now.
#[utoipa::path(
    post, path = "/api/v1/admin/articles/{id}/publish", tag = "admin",
    params(("id" = String, Path, max_length = 100, description = "The article's id")),
    request_body = RevisionOnly,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Published", body = AdminArticle, content_type = "application/json"),
        (status = 400, body = ErrorBody, content_type = "application/json", description = "Malformed JSON"),
        (status = 401, body = ErrorBody, content_type = "application/json", description = "No valid key"),
        (status = 403, body = ErrorBody, content_type = "application/json", description = "The key's role may not publish it"),
        (status = 404, body = ErrorBody, content_type = "application/json", description = "No such article"),
        (status = 409, body = ErrorBody, content_type = "application/json", description = "A stale revision"),
        (status = 413, body = ErrorBody, content_type = "application/json", description = "Body too large"),
        (status = 415, body = ErrorBody, content_type = "application/json", description = "Not JSON"),
        (status = 422, body = ErrorBody, content_type = "application/json", description = "The article is not ready"),
        (status = 429, body = ErrorBody, content_type = "application/json", description = "Rate limited"),
    )
)]
pub async fn publish(
    State(app): State<AppState>,
    key: ApiKey,
    ApiPath(id): ApiPath<String>,
    ApiJson(r): ApiJson<RevisionOnly>,
) -> Result<Response, ApiError> {
    change_status(&app, &key, &id, r.revision, SaveAction::PublishNow).await
}

/// Back to draft: off every reader page at once.
#[utoipa::path(
    post, path = "/api/v1/admin/articles/{id}/unpublish", tag = "admin",
    params(("id" = String, Path, max_length = 100, description = "The article's id")),
    request_body = RevisionOnly,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Unpublished", body = AdminArticle, content_type = "application/json"),
        (status = 400, body = ErrorBody, content_type = "application/json", description = "Malformed JSON"),
        (status = 401, body = ErrorBody, content_type = "application/json", description = "No valid key"),
        (status = 403, body = ErrorBody, content_type = "application/json", description = "The key's role may not unpublish it"),
        (status = 404, body = ErrorBody, content_type = "application/json", description = "No such article"),
        (status = 409, body = ErrorBody, content_type = "application/json", description = "A stale revision"),
        (status = 413, body = ErrorBody, content_type = "application/json", description = "Body too large"),
        (status = 415, body = ErrorBody, content_type = "application/json", description = "Not JSON"),
        (status = 422, body = ErrorBody, content_type = "application/json", description = "The article is not valid"),
        (status = 429, body = ErrorBody, content_type = "application/json", description = "Rate limited"),
    )
)]
pub async fn unpublish(
    State(app): State<AppState>,
    key: ApiKey,
    ApiPath(id): ApiPath<String>,
    ApiJson(r): ApiJson<RevisionOnly>,
) -> Result<Response, ApiError> {
    change_status(&app, &key, &id, r.revision, SaveAction::Unpublish).await
}

/// Publish at a time in the future.
#[utoipa::path(
    post, path = "/api/v1/admin/articles/{id}/schedule", tag = "admin",
    params(("id" = String, Path, max_length = 100, description = "The article's id")),
    request_body = ScheduleRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Scheduled", body = AdminArticle, content_type = "application/json"),
        (status = 400, body = ErrorBody, content_type = "application/json", description = "Malformed JSON"),
        (status = 401, body = ErrorBody, content_type = "application/json", description = "No valid key"),
        (status = 403, body = ErrorBody, content_type = "application/json", description = "The key's role may not schedule it"),
        (status = 404, body = ErrorBody, content_type = "application/json", description = "No such article"),
        (status = 409, body = ErrorBody, content_type = "application/json", description = "A stale revision"),
        (status = 413, body = ErrorBody, content_type = "application/json", description = "Body too large"),
        (status = 415, body = ErrorBody, content_type = "application/json", description = "Not JSON"),
        (status = 422, body = ErrorBody, content_type = "application/json", description = "A time that is not in the future"),
        (status = 429, body = ErrorBody, content_type = "application/json", description = "Rate limited"),
    )
)]
pub async fn schedule(
    State(app): State<AppState>,
    key: ApiKey,
    ApiPath(id): ApiPath<String>,
    ApiJson(r): ApiJson<ScheduleRequest>,
) -> Result<Response, ApiError> {
    let at = r.at.trim().parse::<jiff::Timestamp>().map_err(|_| {
        ApiError::invalid(
            "at",
            "“at” must be an RFC 3339 time, such as 2026-07-14T09:30:00Z.",
        )
    })?;
    if at <= jiff::Timestamp::now() {
        return Err(ApiError::invalid(
            "at",
            "“at” must be in the future: to publish now, use …/publish.",
        ));
    }
    change_status(
        &app,
        &key,
        &id,
        r.revision,
        SaveAction::Schedule(at.as_millisecond()),
    )
    .await
}
