//! `GET /api/v1/search?q=…`: the same search as the page, as JSON. Bad input answers 400 with
//! the APIs' error (`{"error": {"code": "malformed", "message": …}}`, `crate::api::error`); an
//! empty query is bad input here (there is no form to show). Described in the OpenAPI
//! document with the Content API (`crate::api`).

use std::sync::Arc;

use axum::{
    Extension,
    extract::{RawQuery, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use masthead_search::SearchRequest;
use serde::Serialize;

use super::{
    limit::SearchLimiter,
    request::{self, Params, Problem},
};
use crate::{AppState, cache::CachedPage, error::WebError};

/// A page of search results.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = SearchResults)]
pub struct Body {
    query: String,
    /// The query run instead, when words not in the archive were replaced.
    corrected: Option<String>,
    /// No article has all the words: these results have some of them.
    partial: bool,
    /// The index is being rebuilt: older articles are missing from the results for now.
    rebuilding: bool,
    total: usize,
    page: usize,
    total_pages: usize,
    results: Vec<Result>,
}

/// One search result.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = SearchResult)]
pub struct Result {
    headline: String,
    url: String,
    section: Named,
    authors: Vec<Named>,
    /// ISO 8601, UTC.
    published: String,
    snippet_html: String,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = SearchNamed)]
pub struct Named {
    slug: String,
    name: String,
}

fn bad(message: String) -> Response {
    crate::api::error::ApiError::malformed(message).into_response()
}

/// Search published articles, as the search page does.
#[utoipa::path(
    get,
    path = "/api/v1/search",
    tag = "content",
    params(
        // Stricter than the handler where a schema must be: `q` at most 1,024 bytes (250
        // characters always fit), with a word, no control characters.
        ("q" = String, Query, max_length = 250, pattern = r"^[^\u0000-\u001f\u007f-\u009f\ufffd]*[A-Za-z0-9][^\u0000-\u001f\u007f-\u009f\ufffd]*$", description = "The words to search for (required): at most 1,024 bytes, with a word in them."),
        ("page" = Option<i64>, Query, minimum = 1, maximum = 100000, description = "The page of results, from 1."),
        ("section" = Option<String>, Query, max_length = 200, description = "Only this section (a slug)."),
        ("sort" = Option<crate::api::schema::SortName>, Query, description = "`relevance` (default) or `newest`."),
        ("from" = Option<String>, Query, pattern = r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$", description = "Published on or after this date (YYYY-MM-DD); before `to`."),
        ("to" = Option<String>, Query, pattern = r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$", description = "Published on or before this date (YYYY-MM-DD)."),
    ),
    responses(
        (status = 200, description = "Results", body = Body, content_type = "application/json"),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, description = "Bad input", body = crate::api::error::ErrorBody, content_type = "application/json"),
        (status = 429, description = "Too many searches", body = crate::api::error::ErrorBody, content_type = "application/json"),
    )
)]
pub async fn search_api(
    State(app): State<AppState>,
    Extension(limiter): Extension<Arc<SearchLimiter>>,
    peer: crate::client_ip::ClientIp,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> std::result::Result<Response, ApiError> {
    let params = match Params::from_query(raw.as_deref()) {
        Ok(p) => p,
        Err(msg) => return Ok(bad(msg)),
    };
    let scope = request::scope(&app, &headers).await.map_err(ApiError)?;
    let req = match request::build(&app, &params, scope) {
        Ok(req) => req,
        Err(Problem::Empty) => {
            return Ok(bad(
                "The q parameter is required: the words to search for.".into()
            ));
        }
        Err(Problem::Bad(msg)) => return Ok(bad(msg)),
    };
    // Answers are cached like pages (same key scheme, the index generation in it), so a
    // repeated query costs a lookup; only a miss searches, and only a miss is counted.
    let rebuilding = app.search.rebuilding();
    let key = format!(
        "api-search|{}|{}|{}|{}",
        app.search.generation(),
        params.url("", Some(req.page)),
        u8::from(rebuilding),
        request::scope_key(scope),
    );
    let mut refused = None;
    let render = async {
        if let Err(wait) = limiter.take(peer.0, app.config.search_per_minute) {
            refused = Some(wait);
            return Ok(None);
        }
        let epoch = app.cache.epoch();
        let (body, newest) = answer(&app, req, rebuilding).await?;
        let json = serde_json::to_string(&body).map_err(|e| WebError::Internal(e.into()))?;
        // A signed-in reader's answer may hold what the wall hides: never in shared caches.
        let private = scope == masthead_search::Scope::Everything;
        Ok::<_, WebError>(Some(CachedPage::with_privacy(
            json,
            newest,
            epoch,
            String::new(),
            private,
        )))
    };
    let cached = app
        .cache
        .get_or_render(&key, render)
        .await
        .map_err(ApiError)?;
    match (cached, refused) {
        (Some(page), _) => {
            let mut res = page.respond(&headers);
            // The page cache speaks HTML; this entry is JSON.
            res.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            Ok(res)
        }
        (None, Some(wait)) => {
            let secs = wait.as_secs().max(1);
            Ok(crate::api::error::ApiError::rate_limited(
                secs,
                format!("Too many searches from your address. Try again in {secs} seconds."),
            )
            .into_response())
        }
        (None, None) => Err(ApiError(WebError::Internal(anyhow::anyhow!(
            "search answer missing from the cache"
        )))),
    }
}

/// The answer, and the newest hit's publication time (its Last-Modified).
async fn answer(
    app: &AppState,
    req: SearchRequest,
    rebuilding: bool,
) -> std::result::Result<(Body, i64), WebError> {
    let query = req.query.display();
    let results = request::run(app, req).await?;
    let newest = results
        .hits
        .iter()
        .map(|h| h.published_at)
        .max()
        .unwrap_or(0);
    let base = app.config.public_url.trim_end_matches('/');
    let body = Body {
        query,
        corrected: results.corrected.as_ref().map(|c| c.display()),
        partial: results.partial,
        rebuilding,
        total: results.total,
        page: results.page,
        total_pages: results.total_pages,
        results: request::hit_views(app, &results)
            .into_iter()
            .map(|h| Result {
                headline: h.headline,
                url: format!("{base}{}", h.url),
                section: Named {
                    slug: h.section.slug,
                    name: h.section.name,
                },
                authors: h
                    .authors
                    .into_iter()
                    .map(|a| Named {
                        slug: a.slug,
                        name: a.name,
                    })
                    .collect(),
                published: h.published_iso,
                snippet_html: h.snippet_html,
            })
            .collect(),
    };
    Ok((body, newest))
}

/// Our failures, as JSON: logged with their cause, answered with a plain 500.
pub struct ApiError(WebError);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        tracing::error!(error = %self.0, "search API failed");
        crate::api::error::error_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Search failed on our side. Please try again in a moment.".into(),
            None,
        )
    }
}
