//! The JSON APIs under `/api/`, described by one OpenAPI 3.1 document generated from the
//! handlers themselves (`utoipa`), served at `/api/openapi.json`, so that it cannot drift from
//! the code.
//!
//! - The Content API (`content.rs`, and search in `search/api.rs`): public, read-only,
//!   anonymous, cached like pages.
//! - The Admin API (`admin/`): staff API keys (`auth.rs`; made and revoked by admins at
//!   `/newsroom/api-keys`, `newsroom/api_keys.rs`).
//! - One error shape and policy for both (`error.rs`).
//! - What the document says of requests that the handlers' types cannot (`schema.rs`).
//!
//! See `docs/api.md` for the public description (authentication, scopes, errors, paging,
//! caching).

pub mod admin;
pub mod auth;
pub mod content;
pub mod error;
pub mod schema;

use std::sync::OnceLock;

use axum::{
    Router,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
    routing::{any, get, post},
};
use utoipa::{
    Modify, OpenApi,
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
};

use crate::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Masthead API",
        version = "1",
        description = "The Content API (public, read-only) and the Admin API (staff API keys as bearer tokens). Errors are {\"error\": {\"code\", \"message\", \"field\"}}."
    ),
    paths(
        content::list_articles,
        content::get_article,
        content::taxonomy::list_sections,
        content::taxonomy::list_tags,
        content::taxonomy::list_authors,
        crate::search::api::search_api,
        admin::articles::create,
        admin::articles::read,
        admin::articles::update,
        admin::articles::publish,
        admin::articles::unpublish,
        admin::articles::schedule,
        admin::taxonomy::list_sections,
        admin::taxonomy::create_section,
        admin::taxonomy::update_section,
        admin::taxonomy::list_tags,
        admin::taxonomy::create_tag,
        admin::taxonomy::update_tag,
        admin::staff::list,
        admin::staff::invite,
        admin::staff::change_role,
        admin::staff::deactivate,
        admin::staff::reactivate,
        admin::comments::queue,
        admin::comments::decide,
        admin::photos::upload,
    ),
    // Schemas only parameters name (`IntoParams` does not collect them).
    components(schemas(admin::comments::QueueList, schema::SortName)),
    modifiers(&BearerKeys),
    tags(
        (name = "content", description = "Published articles, sections, tags, authors and search: public, cached."),
        (name = "admin", description = "The newsroom's writes, with a staff API key (Authorization: Bearer mh_…)."),
    )
)]
pub struct ApiDoc;

struct BearerKeys;

impl Modify for BearerKeys {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("mh_ API key")
                    .description(Some(
                        "A staff API key, made by an admin at /newsroom/api-keys.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The document, generated once per process.
pub fn openapi_json() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc =
            serde_json::to_value(ApiDoc::openapi()).expect("the OpenAPI document serializes");
        camel_case_links(&mut doc);
        serde_json::to_string_pretty(&doc).expect("the OpenAPI document serializes")
    })
}

/// utoipa 5.5 writes a Link Object's fields in snake case (`operation_id`, `request_body`):
/// the specification's names are `operationId`, `operationRef` and `requestBody`.
fn camel_case_links(doc: &mut serde_json::Value) {
    let operations = doc["paths"]
        .as_object_mut()
        .into_iter()
        .flat_map(|paths| paths.values_mut())
        .filter_map(|item| item.as_object_mut())
        .flat_map(|item| item.values_mut());
    for operation in operations {
        let responses = operation["responses"].as_object_mut();
        for response in responses.into_iter().flat_map(|r| r.values_mut()) {
            let links = response.get_mut("links").and_then(|l| l.as_object_mut());
            for link in links.into_iter().flat_map(|l| l.values_mut()) {
                let Some(link) = link.as_object_mut() else {
                    continue;
                };
                for (snake, camel) in [
                    ("operation_id", "operationId"),
                    ("operation_ref", "operationRef"),
                    ("request_body", "requestBody"),
                ] {
                    if let Some(v) = link.remove(snake) {
                        link.insert(camel.to_owned(), v);
                    }
                }
            }
        }
    }
}

async fn openapi() -> Response {
    let mut res = openapi_json().to_owned().into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    res
}

async fn not_found() -> error::ApiError {
    error::ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        "not_found",
        "There is nothing at this path: see /api/openapi.json for the API's paths.",
    )
}

pub fn routes() -> Router<AppState> {
    use admin::{articles, comments, staff, taxonomy};
    Router::new()
        .route("/api/openapi.json", get(openapi))
        .route("/api/v1/articles", get(content::list_articles))
        .route("/api/v1/articles/{slug}", get(content::get_article))
        .route("/api/v1/sections", get(content::taxonomy::list_sections))
        .route("/api/v1/tags", get(content::taxonomy::list_tags))
        .route("/api/v1/authors", get(content::taxonomy::list_authors))
        .route("/api/v1/admin/articles", post(articles::create))
        .route(
            "/api/v1/admin/articles/{id}",
            get(articles::read).put(articles::update),
        )
        .route(
            "/api/v1/admin/articles/{id}/publish",
            post(articles::publish),
        )
        .route(
            "/api/v1/admin/articles/{id}/unpublish",
            post(articles::unpublish),
        )
        .route(
            "/api/v1/admin/articles/{id}/schedule",
            post(articles::schedule),
        )
        .route(
            "/api/v1/admin/sections",
            get(taxonomy::list_sections).post(taxonomy::create_section),
        )
        .route(
            "/api/v1/admin/sections/{id}",
            axum::routing::put(taxonomy::update_section),
        )
        .route(
            "/api/v1/admin/tags",
            get(taxonomy::list_tags).post(taxonomy::create_tag),
        )
        .route(
            "/api/v1/admin/tags/{id}",
            axum::routing::put(taxonomy::update_tag),
        )
        .route("/api/v1/admin/staff", get(staff::list).post(staff::invite))
        .route("/api/v1/admin/staff/{id}/role", post(staff::change_role))
        .route(
            "/api/v1/admin/staff/{id}/deactivate",
            post(staff::deactivate),
        )
        .route(
            "/api/v1/admin/staff/{id}/reactivate",
            post(staff::reactivate),
        )
        .route("/api/v1/admin/comments", get(comments::queue))
        .route(
            "/api/v1/admin/comments/{id}/decision",
            post(comments::decide),
        )
        .route("/api/{*rest}", any(not_found))
        .layer(axum::middleware::from_fn(error::json_errors))
}
