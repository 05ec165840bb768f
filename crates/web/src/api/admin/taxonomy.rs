//! The Admin API's sections and tags: list, create, update, with the newsroom's checks
//! (`newsroom/taxonomy/form.rs`: names, slugs clear of the site's own paths) and its store
//! functions (`masthead_store::taxonomy`: one transaction with the audit entry naming the key,
//! redirects from old paths, the content epoch). Editors and admins
//! (`Role::can_manage_taxonomy`). There is no delete, as in the newsroom: articles and old
//! URLs depend on them.

use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use masthead_core::Role;
use masthead_store::taxonomy::{TaxonomyItem, TaxonomyOutcome};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    AppState,
    api::{
        auth::ApiKey,
        error::{ApiError, ApiJson, ApiPath, ErrorBody},
    },
    newsroom::taxonomy::{
        Which,
        form::{ItemForm, parse},
    },
};

/// A section or tag to create, or the new values of one. The document describes the two apart
/// (`api::schema::SectionRequest`, `api::schema::TagRequest`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaxonomyRequest {
    pub name: String,
    /// Made from the name when absent or empty.
    pub slug: Option<String>,
    /// Sections only (tags have none).
    pub description: Option<String>,
}

/// A section or tag as the newsroom holds it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaxonomyOut {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub description: String,
    /// Articles filed under it, any status.
    pub articles: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TaxonomyList {
    pub items: Vec<TaxonomyOut>,
}

fn out(i: TaxonomyItem) -> TaxonomyOut {
    TaxonomyOut {
        id: i.id,
        slug: i.slug,
        name: i.name,
        description: i.description,
        articles: i.articles,
    }
}

fn may(key: &ApiKey) -> Result<(), ApiError> {
    key.require(Role::can_manage_taxonomy, "manage sections and tags")
}

async fn items(app: &AppState, which: Which) -> Result<Vec<TaxonomyItem>, ApiError> {
    Ok(match which {
        Which::Sections => app.store.taxonomy_sections().await?,
        Which::Tags => app.store.taxonomy_tags().await?,
    })
}

async fn list(app: &AppState, key: &ApiKey, which: Which) -> Result<Response, ApiError> {
    may(key)?;
    let items = items(app, which).await?.into_iter().map(out).collect();
    Ok(Json(TaxonomyList { items }).into_response())
}

async fn write(
    app: &AppState,
    key: &ApiKey,
    which: Which,
    id: Option<&str>,
    r: TaxonomyRequest,
) -> Result<Response, ApiError> {
    may(key)?;
    if which == Which::Tags && r.description.as_deref().is_some_and(|d| !d.is_empty()) {
        return Err(ApiError::invalid(
            "description",
            "Tags have no description: leave it out.",
        ));
    }
    let form = ItemForm {
        name: r.name,
        slug: r.slug.unwrap_or_default(),
        description: r.description.unwrap_or_default(),
    };
    let edit = parse(which, &form).map_err(|p| {
        if let Some(m) = p.name {
            ApiError::invalid("name", m)
        } else if let Some(m) = p.slug {
            ApiError::invalid("slug", m)
        } else {
            ApiError::invalid("description", p.description.unwrap_or_default())
        }
    })?;
    let actor = key.actor();
    let s = &app.store;
    let outcome = match (which, id) {
        (Which::Sections, None) => s.create_section(&actor, &edit).await?,
        (Which::Tags, None) => s.create_tag(&actor, &edit).await?,
        (Which::Sections, Some(id)) => s.update_section(&actor, id, &edit).await?,
        (Which::Tags, Some(id)) => s.update_tag(&actor, id, &edit).await?,
    };
    match outcome {
        TaxonomyOutcome::Saved(saved) => {
            app.refresh_content_epoch().await?;
            let item = items(app, which)
                .await?
                .into_iter()
                .find(|i| i.id == saved)
                .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("saved item vanished")))?;
            let status = if id.is_none() {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            Ok((status, Json(out(item))).into_response())
        }
        TaxonomyOutcome::SlugTaken => Err(ApiError::conflict(
            Some("slug"),
            format!(
                "The slug “{}” is taken: choose another.",
                edit.slug.as_str()
            ),
        )),
        TaxonomyOutcome::NotFound => Err(ApiError::not_found("item with this id")),
    }
}

macro_rules! taxonomy_routes {
    ($which:expr, $path:literal, $item_path:literal, $list:ident, $create:ident, $update:ident, $request:ty) => {
        // The Content API has its own `list_sections` and `list_tags`: operation ids are unique.
        #[utoipa::path(
            get, path = $path, tag = "admin", security(("bearer" = [])),
            operation_id = concat!("admin_", stringify!($list)),
            responses(
                (status = 200, description = "The list", body = TaxonomyList, content_type = "application/json"),
                (status = 401, body = ErrorBody, content_type = "application/json", description = "No valid key"),
                (status = 403, body = ErrorBody, content_type = "application/json", description = "The key's role may not manage these"),
                (status = 429, body = ErrorBody, content_type = "application/json", description = "Rate limited"),
            )
        )]
        pub async fn $list(State(app): State<AppState>, key: ApiKey) -> Result<Response, ApiError> {
            list(&app, &key, $which).await
        }

        #[utoipa::path(
            post, path = $path, tag = "admin", security(("bearer" = [])),
            request_body = $request,
            responses(
                (status = 201, description = "Created", body = TaxonomyOut, content_type = "application/json", links(
                    ("update" = (operation_id = stringify!($update), parameters(("id" = "$response.body#/id")), description = "Change it")),
                )),
                (status = 400, body = ErrorBody, content_type = "application/json", description = "Malformed JSON"),
                (status = 401, body = ErrorBody, content_type = "application/json", description = "No valid key"),
                (status = 403, body = ErrorBody, content_type = "application/json", description = "The key's role may not manage these"),
                (status = 409, body = ErrorBody, content_type = "application/json", description = "The slug is taken"),
                (status = 413, body = ErrorBody, content_type = "application/json", description = "Body too large"),
                (status = 415, body = ErrorBody, content_type = "application/json", description = "Not JSON"),
                (status = 422, body = ErrorBody, content_type = "application/json", description = "A field is invalid"),
                (status = 429, body = ErrorBody, content_type = "application/json", description = "Rate limited"),
            )
        )]
        pub async fn $create(
            State(app): State<AppState>,
            key: ApiKey,
            ApiJson(r): ApiJson<TaxonomyRequest>,
        ) -> Result<Response, ApiError> {
            write(&app, &key, $which, None, r).await
        }

        #[utoipa::path(
            put, path = $item_path, tag = "admin", security(("bearer" = [])),
            params(("id" = String, Path, max_length = 100, description = "Its id")),
            request_body = $request,
            responses(
                (status = 200, description = "Saved", body = TaxonomyOut, content_type = "application/json"),
                (status = 400, body = ErrorBody, content_type = "application/json", description = "Malformed JSON"),
                (status = 401, body = ErrorBody, content_type = "application/json", description = "No valid key"),
                (status = 403, body = ErrorBody, content_type = "application/json", description = "The key's role may not manage these"),
                (status = 404, body = ErrorBody, content_type = "application/json", description = "No such item"),
                (status = 409, body = ErrorBody, content_type = "application/json", description = "The slug is taken"),
                (status = 413, body = ErrorBody, content_type = "application/json", description = "Body too large"),
                (status = 415, body = ErrorBody, content_type = "application/json", description = "Not JSON"),
                (status = 422, body = ErrorBody, content_type = "application/json", description = "A field is invalid"),
                (status = 429, body = ErrorBody, content_type = "application/json", description = "Rate limited"),
            )
        )]
        pub async fn $update(
            State(app): State<AppState>,
            key: ApiKey,
            ApiPath(id): ApiPath<String>,
            ApiJson(r): ApiJson<TaxonomyRequest>,
        ) -> Result<Response, ApiError> {
            write(&app, &key, $which, Some(&id), r).await
        }
    };
}

taxonomy_routes!(
    Which::Sections,
    "/api/v1/admin/sections",
    "/api/v1/admin/sections/{id}",
    list_sections,
    create_section,
    update_section,
    crate::api::schema::SectionRequest
);
taxonomy_routes!(
    Which::Tags,
    "/api/v1/admin/tags",
    "/api/v1/admin/tags/{id}",
    list_tags,
    create_tag,
    update_tag,
    crate::api::schema::TagRequest
);
