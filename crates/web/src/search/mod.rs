//! Search: the `/search` results page, `GET /api/v1/search`, "read more" on article pages, and
//! keeping this node's index current (`sync`). The index itself is `masthead-search`.
//!
//! Decisions:
//! - Results come in two scopes: for readers who are not signed in, registered-only articles
//!   are matched only on what the wall lets them see; signed-in readers (a session the store
//!   confirms, looked up only when the cookie is there) search everything
//!   (`request::scope`, `masthead_search::Scope`). Snippets of gated articles come only from
//!   their free lead-in either way. Results pages and API answers go through the page cache
//!   like any other page, keyed by the normalized request, the scope and the index's
//!   generation: a commit to the index changes the key, so a cached page never outlives the
//!   index state it shows.
//! - Bad input never reaches the index: an empty search shows the form; a query that is too
//!   long, not text, or has no words, a page that is not a number and a date that is not a date
//!   get the search page again with the reader's input and a sentence saying what to do (400).
//!   A page past the last shows the last page (and past page 1,000, page 1,000 is the
//!   deepest collected: `masthead_search::MAX_PAGE`).
//! - Cost is bounded per client: a search that reaches the index (a cache miss, page or API)
//!   takes a token from the client's bucket (`limit.rs`, `MASTHEAD_SEARCH_PER_MINUTE`); an
//!   empty bucket is a 429 with Retry-After. The API's answers go through the page cache too.
//! - "Read more" is computed when an article page is rendered, which the page cache makes once
//!   per article per content change, so it costs no search per request.

pub(crate) mod api;
pub(crate) mod limit;
mod page;
mod request;

use std::sync::Arc;

use axum::{Extension, Router, routing::get};
use masthead_store::content::ArticleFull;
use serde::Serialize;

use crate::{AppState, views};

pub use masthead_jobs::search_sync::{open_at_start, rebuild, rebuild_in_background};

/// How many related articles an article page shows.
pub const READ_MORE: usize = 4;

pub fn routes() -> Router<AppState> {
    // One limiter per application (per node), shared by the page and the API.
    let limiter = Arc::new(limit::SearchLimiter::<std::net::IpAddr>::default());
    Router::new()
        .route("/search", get(page::search_page))
        .route("/api/v1/search", get(api::search_api))
        .layer(Extension(limiter))
}

/// A related article, as the article page's "Read more" shows it.
#[derive(Debug, Clone, Serialize)]
pub struct RelatedView {
    pub headline: String,
    pub url: String,
    pub section: views::LinkView,
    pub published_iso: String,
    pub published_display: String,
}

/// The articles most like `article`. A failing index costs the list, never the page.
pub async fn read_more(app: &AppState, article: &ArticleFull) -> Vec<RelatedView> {
    let index = app.search.clone();
    let id = article.card.id.clone();
    let body = article.body_text.clone();
    let tags: Vec<String> = article.tags.iter().map(|t| t.name.clone()).collect();
    let hits =
        tokio::task::spawn_blocking(move || index.related(&id, &body, &tags, READ_MORE)).await;
    let hits = match hits {
        Ok(Ok(hits)) => hits,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "read more: search failed");
            return Vec::new();
        }
        Err(e) => {
            tracing::warn!(error = %e, "read more: search task failed");
            return Vec::new();
        }
    };
    hits.into_iter()
        .map(|h| {
            let (iso, display) = request::times(app, h.published_at);
            RelatedView {
                headline: h.headline,
                url: h.url,
                section: views::LinkView {
                    url: views::section_path(&h.section_slug),
                    name: h.section_name,
                    slug: h.section_slug,
                },
                published_iso: iso,
                published_display: display,
            }
        })
        .collect()
}
