//! `/newsroom` (the dashboard: what is scheduled next, what was published today, my drafts)
//! and `/newsroom/articles` (every article, with a headline search, filters by status,
//! section and author, and keyset paging: `?before=UPDATED_AT.ID`).

use axum::{
    extract::{Query, State},
    http::{HeaderMap, StatusCode},
    response::Response,
};
use masthead_store::newsroom::{ArticleListItem, ArticleQuery};
use serde::Deserialize;

use super::{Writer, page, staff_member, when};
use crate::{AppState, error::WebError};

const PER_PAGE: i64 = 50;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    q: String,
    status: String,
    section: String,
    author: String,
    before: String,
}

fn items(app: &AppState, list: &[ArticleListItem]) -> Vec<minijinja::Value> {
    list.iter()
        .map(|a| {
            minijinja::context! {
                id => &a.id,
                headline => &a.headline,
                section => &a.section_name,
                status => a.status.as_str(),
                authors => a.authors.iter().map(|n| n.name.as_str()).collect::<Vec<_>>().join(", "),
                published => a.published_at.map(|t| when(app, t)),
                updated => when(app, a.updated_at),
                edit_url => format!("/newsroom/articles/{}", a.id),
            }
        })
        .collect()
}

pub async fn dashboard(
    State(app): State<AppState>,
    headers: HeaderMap,
    w: Writer,
) -> Result<Response, WebError> {
    let staff = staff_member(&app, &w).await?;
    let today = jiff::Timestamp::now()
        .to_zoned(app.config.time_zone.clone())
        .start_of_day()
        .map_err(|e| WebError::Internal(e.into()))?
        .timestamp()
        .as_millisecond();
    let d = app
        .store
        .newsroom_dashboard(staff.author_id.as_deref(), today)
        .await?;
    let ctx = minijinja::context! {
        scheduled => items(&app, &d.scheduled),
        published_today => items(&app, &d.published_today),
        my_drafts => items(&app, &d.my_drafts),
    };
    page(
        &app,
        &headers,
        &staff,
        "newsroom/dashboard.html",
        "Newsroom",
        "/newsroom",
        StatusCode::OK,
        ctx,
    )
    .await
}

pub async fn articles(
    State(app): State<AppState>,
    headers: HeaderMap,
    w: Writer,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let staff = staff_member(&app, &w).await?;
    let status = match q.status.trim() {
        "" => None,
        s => Some(s.parse().map_err(|_| {
            WebError::BadRequest(
                "Unknown status: use draft, scheduled or published (or none for all).".into(),
            )
        })?),
    };
    let sections = app.sections().await?;
    let section_id = match q.section.trim() {
        "" => None,
        slug => Some(
            sections
                .iter()
                .find(|s| s.slug == slug)
                .map(|s| s.id.clone())
                .ok_or_else(|| WebError::BadRequest(format!("There is no section “{slug}”.")))?,
        ),
    };
    let authors = app.store.all_authors().await?;
    let author_id = match q.author.trim() {
        "" => None,
        slug => Some(
            authors
                .iter()
                .find(|a| a.slug == slug)
                .map(|a| a.id.clone())
                .ok_or_else(|| WebError::BadRequest(format!("There is no author “{slug}”.")))?,
        ),
    };
    let before = match q.before.trim() {
        "" => None,
        b => Some(
            b.split_once('.')
                .and_then(|(at, id)| Some((at.parse::<i64>().ok()?, id.to_owned())))
                .ok_or_else(|| {
                    WebError::BadRequest(
                        "That page link is damaged: go back to the first page.".into(),
                    )
                })?,
        ),
    };
    let list = app
        .store
        .newsroom_articles(&ArticleQuery {
            q: Some(q.q.clone()),
            section_id,
            author_id,
            status,
            before,
            limit: PER_PAGE + 1,
        })
        .await?;
    let more = list.len() as i64 > PER_PAGE;
    let shown = &list[..list.len().min(PER_PAGE as usize)];
    let next = more.then(|| {
        let last = &shown[shown.len() - 1];
        let mut query = serde_urlencoded::to_string([
            ("q", q.q.as_str()),
            ("status", q.status.as_str()),
            ("section", q.section.as_str()),
            ("author", q.author.as_str()),
        ])
        .unwrap_or_default();
        query.push_str(&format!("&before={}.{}", last.updated_at, last.id));
        format!("/newsroom/articles?{query}")
    });
    let ctx = minijinja::context! {
        articles => items(&app, shown),
        next_url => next,
        first_page => q.before.trim().is_empty(),
        filter => minijinja::context! { q => &q.q, status => &q.status, section => &q.section, author => &q.author },
        sections => sections.iter().map(|s| minijinja::context! { slug => &s.slug, name => &s.name }).collect::<Vec<_>>(),
        authors => authors.iter().map(|a| minijinja::context! { slug => &a.slug, name => &a.name }).collect::<Vec<_>>(),
        statuses => ["draft", "scheduled", "published"],
    };
    page(
        &app,
        &headers,
        &staff,
        "newsroom/articles.html",
        "Articles",
        "/newsroom/articles",
        StatusCode::OK,
        ctx,
    )
    .await
}
