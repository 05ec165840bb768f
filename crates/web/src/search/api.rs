//! `GET /api/v1/search?q=…`: the same search as the page, as JSON. Bad input answers 400 with
//! `{"error": "…"}`; an empty query is bad input here (there is no form to show).

use axum::{
    Json,
    extract::{RawQuery, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::Serialize;

use super::request::{self, Params, Problem};
use crate::{AppState, error::WebError};

#[derive(Serialize)]
struct Body {
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

#[derive(Serialize)]
struct Result {
    headline: String,
    url: String,
    section: Named,
    authors: Vec<Named>,
    /// ISO 8601, UTC.
    published: String,
    snippet_html: String,
}

#[derive(Serialize)]
struct Named {
    slug: String,
    name: String,
}

fn bad(message: String) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(serde_json::json!({ "error": message })),
    )
        .into_response()
}

pub async fn search_api(
    State(app): State<AppState>,
    RawQuery(raw): RawQuery,
) -> std::result::Result<Response, ApiError> {
    let params = match Params::from_query(raw.as_deref()) {
        Ok(p) => p,
        Err(msg) => return Ok(bad(msg)),
    };
    let req = match request::build(&app, &params) {
        Ok(req) => req,
        Err(Problem::Empty) => {
            return Ok(bad(
                "The q parameter is required: the words to search for.".into()
            ));
        }
        Err(Problem::Bad(msg)) => return Ok(bad(msg)),
    };
    let query = req.query.display();
    let results = request::run(&app, req).await.map_err(ApiError)?;
    let base = app.config.public_url.trim_end_matches('/');
    let body = Body {
        query,
        corrected: results.corrected.as_ref().map(|c| c.display()),
        partial: results.partial,
        rebuilding: app.search.rebuilding(),
        total: results.total,
        page: results.page,
        total_pages: results.total_pages,
        results: request::hit_views(&app, &results)
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
    Ok(Json(body).into_response())
}

/// Our failures, as JSON: logged with their cause, answered with a plain 500.
pub struct ApiError(WebError);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        tracing::error!(error = %self.0, "search API failed");
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(serde_json::json!({ "error": "Search failed on our side. Please try again in a moment." })),
        )
            .into_response()
    }
}
