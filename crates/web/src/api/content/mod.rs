//! The Content API: public, read-only, anonymous. Published articles (a list with filters and
//! a cursor, one by slug), sections, tags and authors. Search is `search/api.rs`.
//!
//! Decisions:
//! - Only what [`masthead_store::content::VISIBLE`] lets readers see: no draft, no scheduled
//!   article before its time.
//! - The API is anonymous, so a gated article (metered or registered-only) gives exactly what
//!   the wall shows an anonymous reader who has spent their meter: the lead-in
//!   (`split_lead_in`, `MASTHEAD_WALL_LEAD_PARAGRAPHS`), with `gated: true`. The body below the
//!   wall is never in an answer. A free article gives its whole body.
//! - Answers go through the page cache (invalidated by the content epoch like pages) with a
//!   strong validator and `Cache-Control: public, max-age=60`; `If-None-Match` gets a 304.
//! - The list is newest first, paged by an opaque cursor on (published time, id): a page never
//!   repeats or skips an article when others are published meanwhile. `next` is the URL of the
//!   next page, absent on the last. `limit` is 1..=100 (default 20).
//! - `since` and `until` take an RFC 3339 time or a date (UTC); `since` is inclusive, `until`
//!   exclusive for a time and inclusive of the whole day for a date. A filter naming a
//!   section, tag or author that does not exist gives an empty list (as a filter that matches
//!   nothing would), not a 404.
//! - Times are UTC, RFC 3339; URLs are absolute (`MASTHEAD_PUBLIC_URL`).

use std::future::Future;

use axum::{
    extract::State,
    http::{HeaderMap, HeaderValue, header},
    response::Response,
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use masthead_core::{AccessLevel, markdown::split_lead_in};
use masthead_store::content::{ApiArticleQuery, ArticleCard, NamedRef, PhotoRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{
    auth::Limited,
    error::{ApiError, ApiPath, ApiQuery, ErrorBody},
};
use crate::{AppState, cache::CachedPage, views};

pub mod taxonomy;

/// The most articles one page of the list holds.
pub const MAX_LIMIT: i64 = 100;
const DEFAULT_LIMIT: i64 = 20;

/// A section, tag or author as an article names it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Ref {
    pub slug: String,
    pub name: String,
    /// Its page on the site.
    pub url: String,
}

/// A photo with what readers are told about it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Photo {
    pub url: String,
    pub width: i64,
    pub height: i64,
    pub alt: String,
    pub caption: String,
    pub credit: String,
}

/// Who may read an article on the site.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    Free,
    Metered,
    Registered,
}

/// An article as the list gives it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleSummary {
    pub id: String,
    pub slug: String,
    /// Its page on the site.
    pub url: String,
    pub headline: String,
    pub standfirst: String,
    pub section: Ref,
    pub authors: Vec<Ref>,
    pub tags: Vec<Ref>,
    /// UTC, RFC 3339.
    #[schema(format = DateTime)]
    pub published_at: String,
    /// UTC, RFC 3339.
    #[schema(format = DateTime)]
    pub updated_at: String,
    pub access: Access,
    /// Metered or registered-only: the API gives only the lead-in of its body.
    pub gated: bool,
    pub breaking: bool,
    pub lead_photo: Option<Photo>,
}

/// A page of the article list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleList {
    pub articles: Vec<ArticleSummary>,
    /// The next page's URL; absent (null) on the last page.
    pub next: Option<String>,
}

/// One article.
#[derive(Debug, Serialize, ToSchema)]
pub struct Article {
    pub id: String,
    pub slug: String,
    pub url: String,
    pub kicker: String,
    pub headline: String,
    pub standfirst: String,
    /// "Reported by …", when set: shown instead of the author list.
    pub byline: String,
    pub section: Ref,
    pub authors: Vec<Ref>,
    pub tags: Vec<Ref>,
    #[schema(format = DateTime)]
    pub published_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
    pub access: Access,
    /// True when `html` is only the lead-in (the rest is behind the wall).
    pub gated: bool,
    pub breaking: bool,
    pub lead_photo: Option<Photo>,
    /// The body's HTML, or, when `gated`, only its lead-in.
    pub html: String,
}

/// The list's filters and paging.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only this section (slug; one that does not exist gives an empty list).
    #[param(max_length = 200, pattern = "^[A-Za-z0-9-]*$")]
    section: Option<String>,
    /// Only articles with this tag (slug).
    #[param(max_length = 200, pattern = "^[A-Za-z0-9-]*$")]
    tag: Option<String>,
    /// Only articles by this author (slug).
    #[param(max_length = 200, pattern = "^[A-Za-z0-9-]*$")]
    author: Option<String>,
    /// Published at or after: an RFC 3339 time or a date (YYYY-MM-DD, UTC).
    #[param(
        pattern = r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d))?$"
    )]
    since: Option<String>,
    /// Published before: an RFC 3339 time, or a date (YYYY-MM-DD, UTC) whose whole day is
    /// included.
    #[param(
        pattern = r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d))?$"
    )]
    until: Option<String>,
    /// From the previous page's `next` (opaque; one this API did not make is a 400).
    #[param(max_length = 200, pattern = "^[A-Za-z0-9_-]+$")]
    cursor: Option<String>,
    /// Articles per page, 1 to 100 (default 20).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    limit: Option<String>,
}

pub(crate) fn base(app: &AppState) -> &str {
    app.config.public_url.trim_end_matches('/')
}

pub(crate) fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

fn access(a: AccessLevel) -> Access {
    match a {
        AccessLevel::Free => Access::Free,
        AccessLevel::Metered => Access::Metered,
        AccessLevel::Registered => Access::Registered,
    }
}

fn section_ref(app: &AppState, n: &NamedRef) -> Ref {
    Ref {
        url: format!("{}{}", base(app), views::section_path(&n.slug)),
        slug: n.slug.clone(),
        name: n.name.clone(),
    }
}

fn author_ref(app: &AppState, n: &NamedRef) -> Ref {
    Ref {
        url: format!("{}{}", base(app), views::author_path(&n.slug)),
        slug: n.slug.clone(),
        name: n.name.clone(),
    }
}

pub(super) fn tag_ref(app: &AppState, n: &NamedRef) -> Ref {
    Ref {
        url: format!("{}{}", base(app), views::tag_path(&n.slug)),
        slug: n.slug.clone(),
        name: n.name.clone(),
    }
}

fn photo(app: &AppState, p: &PhotoRow) -> Photo {
    Photo {
        url: format!("{}{}", base(app), views::media_url(&p.file)),
        width: p.width,
        height: p.height,
        alt: p.alt.clone(),
        caption: p.caption.clone(),
        credit: p.credit.clone(),
    }
}

fn summary(app: &AppState, card: &ArticleCard, tags: &[NamedRef], updated: i64) -> ArticleSummary {
    ArticleSummary {
        id: card.id.clone(),
        slug: card.slug.clone(),
        url: format!(
            "{}{}",
            base(app),
            views::article_path(&card.section.slug, &card.slug)
        ),
        headline: card.headline.clone(),
        standfirst: card.standfirst.clone(),
        section: section_ref(app, &card.section),
        authors: card.authors.iter().map(|a| author_ref(app, a)).collect(),
        tags: tags.iter().map(|t| tag_ref(app, t)).collect(),
        published_at: rfc3339(card.published_at),
        updated_at: rfc3339(updated.max(card.published_at)),
        access: access(card.access),
        gated: card.access != AccessLevel::Free,
        breaking: card.breaking,
        lead_photo: card.lead_photo.as_ref().map(|p| photo(app, p)),
    }
}

/// A JSON answer through the page cache: `render` makes the body and its Last-Modified time,
/// or `None` for a 404.
pub(super) async fn cached_json<F>(
    app: &AppState,
    headers: &HeaderMap,
    key: &str,
    what: &str,
    render: F,
) -> Result<Response, ApiError>
where
    F: Future<Output = Result<Option<(String, i64)>, ApiError>>,
{
    let epoch = app.cache.epoch();
    let page = app
        .cache
        .get_or_render(key, async {
            Ok::<_, ApiError>(render.await?.map(|(json, modified)| {
                CachedPage::new(json, modified, epoch, String::new())
                    .with_content_type("application/json")
            }))
        })
        .await?
        .ok_or_else(|| ApiError::not_found(what))?;
    let mut res = page.respond(headers);
    res.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    Ok(res)
}

pub(super) fn to_json<T: Serialize>(v: &T) -> Result<String, ApiError> {
    serde_json::to_string(v).map_err(|e| ApiError::Internal(e.into()))
}

/// A time bound: RFC 3339, or a date at midnight UTC (`end_of_day`: the next midnight).
fn parse_time(field: &str, value: &str, end_of_day: bool) -> Result<i64, ApiError> {
    let value = value.trim();
    if let Ok(t) = value.parse::<jiff::Timestamp>() {
        return Ok(t.as_millisecond());
    }
    if let Ok(d) = value.parse::<jiff::civil::Date>() {
        let day = if end_of_day {
            d.tomorrow().ok()
        } else {
            Some(d)
        };
        if let Some(t) = day.and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok()) {
            return Ok(t.timestamp().as_millisecond());
        }
    }
    Err(ApiError::invalid(
        field,
        format!(
            "“{field}” must be an RFC 3339 time (2026-07-14T09:30:00Z) or a date (2026-07-14)."
        ),
    ))
}

fn slug_filter(field: &str, v: Option<String>) -> Result<Option<String>, ApiError> {
    match v {
        None => Ok(None),
        Some(s) if s.len() <= 200 => Ok(Some(s.trim().to_ascii_lowercase())),
        Some(_) => Err(ApiError::invalid(field, format!("“{field}” is too long."))),
    }
}

fn encode_cursor(at: i64, id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{at}.{id}"))
}

fn decode_cursor(c: &str) -> Result<(i64, String), ApiError> {
    let bad = || {
        ApiError::malformed(
            "The cursor is not one this API made: use the `next` URL of the previous page.",
        )
        .with_field("cursor")
    };
    if c.len() > 200 {
        return Err(bad());
    }
    let text = URL_SAFE_NO_PAD.decode(c).map_err(|_| bad())?;
    let text = String::from_utf8(text).map_err(|_| bad())?;
    let (at, id) = text.split_once('.').ok_or_else(bad)?;
    let at = at.parse::<i64>().map_err(|_| bad())?;
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(bad());
    }
    Ok((at, id.to_owned()))
}

/// Published articles, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/articles",
    tag = "content",
    params(ListParams),
    responses(
        (status = 200, description = "A page of articles", body = ArticleList, content_type = "application/json"),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, description = "A parameter that cannot be read", body = ErrorBody, content_type = "application/json"),
        (status = 422, description = "A parameter out of range", body = ErrorBody, content_type = "application/json"),
        (status = 429, description = "Rate limited", body = ErrorBody, content_type = "application/json"),
    )
)]
pub async fn list_articles(
    State(app): State<AppState>,
    _: Limited,
    headers: HeaderMap,
    ApiQuery(p): ApiQuery<ListParams>,
) -> Result<Response, ApiError> {
    let limit = match p.limit.as_deref().map(str::trim) {
        None | Some("") => DEFAULT_LIMIT,
        Some(l) => match l.parse::<i64>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
            _ => {
                return Err(ApiError::invalid(
                    "limit",
                    format!("“limit” must be a whole number from 1 to {MAX_LIMIT}."),
                ));
            }
        },
    };
    let q = ApiArticleQuery {
        section: slug_filter("section", p.section)?,
        tag: slug_filter("tag", p.tag)?,
        author: slug_filter("author", p.author)?,
        since: p
            .since
            .as_deref()
            .map(|s| parse_time("since", s, false))
            .transpose()?,
        until: p
            .until
            .as_deref()
            .map(|s| parse_time("until", s, true))
            .transpose()?,
        after: p.cursor.as_deref().map(decode_cursor).transpose()?,
        limit: limit + 1,
    };
    // The normalized request is the cache key: two spellings of one query share an entry.
    let mut pairs: Vec<(&str, String)> = Vec::new();
    for (k, v) in [
        ("section", &q.section),
        ("tag", &q.tag),
        ("author", &q.author),
    ] {
        if let Some(v) = v {
            pairs.push((k, v.clone()));
        }
    }
    if let Some(s) = q.since {
        pairs.push(("since", rfc3339(s)));
    }
    if let Some(u) = q.until {
        pairs.push(("until", rfc3339(u)));
    }
    pairs.push(("limit", limit.to_string()));
    let canonical = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    let key = format!(
        "api:articles|{canonical}|{}",
        q.after
            .as_ref()
            .map(|(a, i)| encode_cursor(*a, i))
            .unwrap_or_default()
    );
    let render = async {
        let mut rows = app.store.api_articles(&q).await?;
        let more = rows.len() as i64 > limit;
        rows.truncate(usize::try_from(limit).unwrap_or(0));
        let next = match rows.last() {
            Some(last) if more => Some(format!(
                "{}/api/v1/articles?{canonical}&cursor={}",
                base(&app),
                encode_cursor(last.card.published_at, &last.card.id)
            )),
            _ => None,
        };
        let modified = rows
            .iter()
            .map(|r| r.updated_at.max(r.card.published_at))
            .max()
            .unwrap_or(0);
        let body = ArticleList {
            articles: rows
                .iter()
                .map(|r| summary(&app, &r.card, &r.tags, r.updated_at))
                .collect(),
            next,
        };
        Ok(Some((to_json(&body)?, modified)))
    };
    cached_json(&app, &headers, &key, "article list", render).await
}

/// One published article by its slug. A gated article gives only its lead-in.
#[utoipa::path(
    get,
    path = "/api/v1/articles/{slug}",
    tag = "content",
    params(("slug" = String, Path, max_length = 200, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", description = "The article's slug")),
    responses(
        (status = 200, description = "The article", body = Article, content_type = "application/json"),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 404, description = "No published article has this slug", body = ErrorBody, content_type = "application/json"),
        (status = 429, description = "Rate limited", body = ErrorBody, content_type = "application/json"),
    )
)]
pub async fn get_article(
    State(app): State<AppState>,
    _: Limited,
    headers: HeaderMap,
    ApiPath(slug): ApiPath<String>,
) -> Result<Response, ApiError> {
    if slug.len() > 200 {
        return Err(ApiError::not_found("published article with this slug"));
    }
    let key = format!("api:article|{slug}");
    let render = async {
        let Some(a) = app.store.published_article(&slug).await? else {
            return Ok(None);
        };
        let gated = a.card.access != AccessLevel::Free;
        let html = if gated {
            split_lead_in(&a.body_html, app.wall.lead_paragraphs)
                .0
                .to_owned()
        } else {
            a.body_html.clone()
        };
        let s = summary(&app, &a.card, &a.tags, a.updated_at);
        let body = Article {
            id: s.id,
            slug: s.slug,
            url: s.url,
            kicker: a.kicker.clone(),
            headline: s.headline,
            standfirst: s.standfirst,
            byline: a.byline.clone(),
            section: s.section,
            authors: s.authors,
            tags: s.tags,
            published_at: s.published_at,
            updated_at: s.updated_at,
            access: s.access,
            gated,
            breaking: s.breaking,
            lead_photo: s.lead_photo,
            html,
        };
        Ok(Some((
            to_json(&body)?,
            a.updated_at.max(a.card.published_at),
        )))
    };
    cached_json(
        &app,
        &headers,
        &key,
        "published article with this slug",
        render,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_strangers_are_refused() {
        let c = encode_cursor(1_752_485_400_000, "0198abcd-ef");
        assert_eq!(
            decode_cursor(&c).unwrap(),
            (1_752_485_400_000, "0198abcd-ef".to_owned())
        );
        for bad in [
            "",
            "!!",
            &URL_SAFE_NO_PAD.encode("x.y"),
            &URL_SAFE_NO_PAD.encode("1.a b"),
        ] {
            assert!(decode_cursor(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_date_until_includes_its_day() {
        let since = parse_time("since", "2026-07-14", false).unwrap();
        let until = parse_time("until", "2026-07-14", true).unwrap();
        assert_eq!(until - since, 86_400_000);
        assert_eq!(
            parse_time("since", "2026-07-14T09:30:00Z", false).unwrap(),
            since + 9 * 3_600_000 + 30 * 60_000
        );
        assert!(parse_time("since", "yesterday", false).is_err());
    }
}
