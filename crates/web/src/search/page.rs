//! `GET /search`: the results page (see the module docs of `search` for the decisions).

use std::sync::Arc;

use axum::{
    Extension,
    extract::{RawQuery, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response},
};
use masthead_search::{SearchRequest, SearchResults, SortOrder};

use super::{
    limit::SearchLimiter,
    request::{self, Params, Problem},
};
use crate::{
    AppState,
    cache::CachedPage,
    error::WebError,
    views::{self, PageMeta, Pagination},
};

pub async fn search_page(
    State(app): State<AppState>,
    Extension(limiter): Extension<Arc<SearchLimiter>>,
    peer: crate::client_ip::ClientIp,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let signed_in =
        crate::session::cookies::session_token(&headers, app.secure_cookies()).is_some();
    let params = match Params::from_query(raw.as_deref()) {
        Ok(p) => p,
        Err(msg) => return uncached(&app, signed_in, &Params::default(), Some(msg)).await,
    };
    let scope = request::scope(&app, &headers).await?;
    let req = match request::build(&app, &params, scope) {
        Ok(req) => req,
        Err(Problem::Empty) => return uncached(&app, signed_in, &params, None).await,
        Err(Problem::Bad(msg)) => return uncached(&app, signed_in, &params, Some(msg)).await,
    };
    let key = format!(
        "search|{}|{}|{}|{}",
        app.search.generation(),
        params.url("", Some(req.page)),
        u8::from(signed_in),
        request::scope_key(scope),
    );
    // Counted only when the index is searched: inside the render, which runs on a miss.
    let mut refused = None;
    let render = async {
        if let Err(wait) = limiter.take(peer.0, app.config.search_per_minute) {
            refused = Some(wait);
            return Ok(None);
        }
        render_results(&app, signed_in, &params, req).await
    };
    let page = app.cache.get_or_render(&key, render).await?;
    match (page, refused) {
        (Some(page), _) => Ok(page.respond(&headers)),
        (None, Some(wait)) => too_many(&app, signed_in, &params, wait).await,
        (None, None) => Err(WebError::NotFound),
    }
}

/// 429 with the search form and when to try again.
async fn too_many(
    app: &AppState,
    signed_in: bool,
    params: &Params,
    wait: std::time::Duration,
) -> Result<Response, WebError> {
    let secs = wait.as_secs().max(1);
    let problem = format!(
        "Too many searches from your address just now. Please try again in {secs} seconds."
    );
    let mut res = uncached(app, signed_in, params, Some(problem)).await?;
    *res.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    Ok(res)
}

/// The form alone (nothing searched yet: 200) or with a problem (400), never cached.
async fn uncached(
    app: &AppState,
    signed_in: bool,
    params: &Params,
    problem: Option<String>,
) -> Result<Response, WebError> {
    let status = if problem.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let html = render(app, signed_in, params, problem, None).await?;
    let mut res = (status, Html(html)).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

async fn render_results(
    app: &AppState,
    signed_in: bool,
    params: &Params,
    req: SearchRequest,
) -> Result<Option<CachedPage>, WebError> {
    let epoch = app.cache.epoch();
    let results = request::run(app, req).await?;
    let newest = results
        .hits
        .iter()
        .map(|h| h.published_at)
        .max()
        .unwrap_or(0);
    let canonical = params.url("/search", Some(results.page));
    let html = render(app, signed_in, params, None, Some(&results)).await?;
    Ok(Some(CachedPage::with_privacy(
        html, newest, epoch, canonical, signed_in,
    )))
}

async fn render(
    app: &AppState,
    signed_in: bool,
    params: &Params,
    problem: Option<String>,
    results: Option<&SearchResults>,
) -> Result<String, WebError> {
    let sections = app.sections().await?;
    let site = views::site_with(app, &sections);
    let q = params.q.trim();
    let title = if q.is_empty() || problem.is_some() {
        "Search".to_owned()
    } else {
        format!("Search: {q}")
    };
    let meta = PageMeta::new(&site, &title, "", "/search");
    let author_name = match params.author.trim() {
        "" => None,
        slug => app.store.author_by_slug(slug).await?.map(|a| a.name),
    };
    let results_ctx = results.map(|r| {
        let url = |p: usize| params.url("/search", Some(p));
        let pagination = Pagination {
            page: r.page as i64,
            total_pages: r.total_pages as i64,
            prev_url: (r.page > 1).then(|| url(r.page - 1)),
            next_url: (r.page < r.total_pages).then(|| url(r.page + 1)),
        };
        let corrected = r.corrected.as_ref().map(|c| c.display());
        minijinja::context! {
            total => r.total,
            page => r.page,
            total_pages => r.total_pages,
            first => (r.page - 1) * request::PER_PAGE + 1,
            last => (r.page - 1) * request::PER_PAGE + r.hits.len(),
            hits => request::hit_views(app, r),
            corrected => corrected,
            partial => r.partial,
            pagination => pagination,
        }
    });
    let without = |field: &str| {
        let mut p = params.clone();
        match field {
            "section" => p.section.clear(),
            "author" => p.author.clear(),
            _ => {
                p.from.clear();
                p.to.clear();
            }
        }
        p.url("/search", None)
    };
    let sort_url = |sort: SortOrder| {
        let mut p = params.clone();
        p.sort = match sort {
            SortOrder::Relevance => String::new(),
            SortOrder::Newest => "newest".into(),
        };
        p.url("/search", None)
    };
    Ok(app.theme.render(
        "search.html",
        minijinja::context! {
            site => &site, page => meta, now_year => views::now_year(app), signed_in,
            search_query => q,
            form => params,
            author_name,
            problem,
            results => results_ctx,
            rebuilding => app.search.rebuilding(),
            remove_section_url => without("section"),
            remove_author_url => without("author"),
            remove_dates_url => without("dates"),
            relevance_url => sort_url(SortOrder::Relevance),
            newest_url => sort_url(SortOrder::Newest),
        },
    )?)
}
