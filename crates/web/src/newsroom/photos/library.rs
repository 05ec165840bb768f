//! `GET /newsroom/photos`: the library, newest first, searched by caption and credit, 24 a page.
//! With `?for=ARTICLE_ID` (the editor's "Choose a lead photo" link) each photo has a button
//! that makes it that article's lead photo.

use axum::{
    extract::{Query, State},
    http::{HeaderMap, StatusCode},
    response::Response,
};
use serde::Deserialize;

use super::preview_url;
use crate::{
    AppState,
    error::WebError,
    newsroom::articles::{Writer, page, staff_member},
};

const PER_PAGE: i64 = 24;
/// A search longer than this is cut (nobody types a caption of 200 characters to find it).
const MAX_QUERY: usize = 200;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LibraryQuery {
    q: String,
    page: Option<String>,
    #[serde(rename = "for")]
    for_article: Option<String>,
}

pub async fn library(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<LibraryQuery>,
    w: Writer,
) -> Result<Response, WebError> {
    let staff = staff_member(&app, &w).await?;
    let q: String = query.q.trim().chars().take(MAX_QUERY).collect();
    let page_no = query
        .page
        .as_deref()
        .and_then(|p| p.trim().parse::<i64>().ok())
        .filter(|p| (1..=100_000).contains(p))
        .unwrap_or(1);
    let found = app
        .store
        .search_library(&q, PER_PAGE, (page_no - 1) * PER_PAGE)
        .await?;
    let for_article = match query.for_article.as_deref().filter(|s| !s.is_empty()) {
        Some(id) => app.store.editor_article(id).await?.map(|a| {
            minijinja::context! { id => a.id, headline => a.draft.headline }
        }),
        None => None,
    };
    let mut photos = Vec::with_capacity(found.photos.len());
    let files: Vec<&str> = found.photos.iter().map(|p| p.file.as_str()).collect();
    let variants = app.store.variants_of(&files).await?;
    for p in &found.photos {
        let mine: Vec<_> = variants
            .iter()
            .filter(|v| v.original == p.file)
            .cloned()
            .collect();
        photos.push(minijinja::context! {
            id => &p.id,
            caption => &p.caption,
            credit => &p.credit,
            alt => &p.alt,
            decorative => p.decorative,
            width => p.width,
            height => p.height,
            thumb => preview_url(&mine, 320),
            needs_alt => p.alt.trim().is_empty() && !p.decorative,
        });
    }
    let pages = (found.total + PER_PAGE - 1) / PER_PAGE;
    let qs = |n: i64| {
        let mut pairs = vec![("page", n.to_string())];
        if !q.is_empty() {
            pairs.push(("q", q.clone()));
        }
        if let Some(id) = &query.for_article {
            pairs.push(("for", id.clone()));
        }
        format!(
            "/newsroom/photos?{}",
            serde_urlencoded::to_string(&pairs).unwrap_or_default()
        )
    };
    let ctx = minijinja::context! {
        q => &q,
        photos => photos,
        total => found.total,
        page_no => page_no,
        pages => pages,
        prev => (page_no > 1).then(|| qs(page_no - 1)),
        next => (page_no < pages).then(|| qs(page_no + 1)),
        for_article => for_article,
    };
    page(
        &app,
        &headers,
        &staff,
        "newsroom/photos.html",
        "Photos",
        "/newsroom/photos",
        StatusCode::OK,
        ctx,
    )
    .await
}
