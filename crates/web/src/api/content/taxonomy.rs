//! The Content API's lists of sections, tags and authors: small, cached as the article list
//! is (`cached_json`), each one document.

use axum::{extract::State, http::HeaderMap, response::Response};
use masthead_store::content::NamedRef;
use serde::Serialize;
use utoipa::ToSchema;

use super::{Ref, base, cached_json, tag_ref, to_json};
use crate::{
    AppState,
    api::{
        auth::Limited,
        error::{ApiError, ErrorBody},
    },
    views,
};

#[derive(Debug, Serialize, ToSchema)]
pub struct SectionOut {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SectionList {
    pub sections: Vec<SectionOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TagList {
    pub tags: Vec<Ref>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuthorOut {
    pub slug: String,
    pub name: String,
    pub bio: String,
    pub url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuthorList {
    pub authors: Vec<AuthorOut>,
}

/// The sections, in the navigation's order.
#[utoipa::path(
    get,
    path = "/api/v1/sections",
    tag = "content",
    responses(
        (status = 200, description = "The sections", body = SectionList, content_type = "application/json"),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 429, description = "Rate limited", body = ErrorBody, content_type = "application/json"),
    )
)]
pub async fn list_sections(
    State(app): State<AppState>,
    _: Limited,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let render = async {
        let sections = app.store.sections().await?;
        let body = SectionList {
            sections: sections
                .into_iter()
                .map(|s| SectionOut {
                    url: format!("{}{}", base(&app), views::section_path(&s.slug)),
                    slug: s.slug,
                    name: s.name,
                    description: s.description,
                })
                .collect(),
        };
        Ok(Some((to_json(&body)?, 0)))
    };
    cached_json(&app, &headers, "api:sections", "section list", render).await
}

/// Every tag, by name.
#[utoipa::path(
    get,
    path = "/api/v1/tags",
    tag = "content",
    responses(
        (status = 200, description = "The tags", body = TagList, content_type = "application/json"),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 429, description = "Rate limited", body = ErrorBody, content_type = "application/json"),
    )
)]
pub async fn list_tags(
    State(app): State<AppState>,
    _: Limited,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let render = async {
        let tags = app.store.all_tags().await?;
        let body = TagList {
            tags: tags
                .into_iter()
                .map(|t| {
                    tag_ref(
                        &app,
                        &NamedRef {
                            slug: t.slug,
                            name: t.name,
                        },
                    )
                })
                .collect(),
        };
        Ok(Some((to_json(&body)?, 0)))
    };
    cached_json(&app, &headers, "api:tags", "tag list", render).await
}

/// Every author, by name.
#[utoipa::path(
    get,
    path = "/api/v1/authors",
    tag = "content",
    responses(
        (status = 200, description = "The authors", body = AuthorList, content_type = "application/json"),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 429, description = "Rate limited", body = ErrorBody, content_type = "application/json"),
    )
)]
pub async fn list_authors(
    State(app): State<AppState>,
    _: Limited,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let render = async {
        let authors = app.store.all_authors().await?;
        let body = AuthorList {
            authors: authors
                .into_iter()
                .map(|a| AuthorOut {
                    url: format!("{}{}", base(&app), views::author_path(&a.slug)),
                    slug: a.slug,
                    name: a.name,
                    bio: a.bio,
                })
                .collect(),
        };
        Ok(Some((to_json(&body)?, 0)))
    };
    cached_json(&app, &headers, "api:authors", "author list", render).await
}
