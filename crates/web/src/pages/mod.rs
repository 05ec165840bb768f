//! Reader pages: front, section, tag, author and article pages. Each is rendered on a cache
//! miss and then served from the page cache (see `cache.rs`) until the content changes. The
//! front page also answers WordPress's `/?p=ID` of an imported post with a 301 to its article.

mod article;
mod json_ld;

pub use article::article_page;

use axum::{
    extract::{Path, Query, State, rejection::PathRejection},
    http::HeaderMap,
    response::{IntoResponse, Response},
};
use masthead_store::content::ListFilter;

use crate::{
    AppState,
    cache::CachedPage,
    error::WebError,
    views::{self, PageMeta, Pagination},
};

/// Articles per page on section, tag and author pages.
pub const PER_PAGE: i64 = 20;
/// Top stories, then the "Latest" list, on the front page.
const TOP_STORIES: usize = 5;
const LATEST: usize = 8;
const PER_SECTION_BLOCK: i64 = 4;

/// The reader pages: front, section, tag, author and article pages (every unknown path is
/// `not_found`, set as the router's fallback).
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/", get(front_page))
        .route("/tag/{slug}", get(tag_page))
        .route("/author/{slug}", get(author_page))
        .route("/{section}", get(section_page))
        .route("/{section}/{slug}", get(article_page))
}

#[derive(Debug, serde::Deserialize)]
pub struct PageQuery {
    page: Option<String>,
}

impl PageQuery {
    /// Page 1 when absent; a clear 400 for a page that is not a positive number.
    fn page(&self) -> Result<i64, WebError> {
        match self.page.as_deref().map(str::trim) {
            None | Some("") => Ok(1),
            Some(p) => match p.parse::<i64>() {
                Ok(n) if (1..=1_000_000).contains(&n) => Ok(n),
                _ => Err(WebError::BadRequest(format!(
                    "“{p}” is not a page number. Page numbers are whole numbers from 1."
                ))),
            },
        }
    }
}

pub async fn not_found(State(_app): State<AppState>) -> Response {
    WebError::NotFound.into_response()
}

/// Which form of a page a browser gets: the header of a signed-in browser says "Your account".
/// Only the cookie's presence is looked at (no database): a stale cookie merely shows that link.
#[derive(Debug, Clone, Copy)]
struct Variant {
    signed_in: bool,
}

impl Variant {
    fn of(app: &AppState, headers: &HeaderMap) -> Self {
        Self {
            signed_in: crate::session::cookies::session_token(headers, app.secure_cookies())
                .is_some(),
        }
    }

    fn key(self, base: &str) -> String {
        format!("{base}|{}", u8::from(self.signed_in))
    }

    fn page(self, html: String, last_modified: i64, epoch: i64, path: String) -> CachedPage {
        CachedPage::with_privacy(html, last_modified, epoch, path, self.signed_in)
    }

    /// A page for one reader's meter as well (never kept by shared caches).
    fn private_page(html: String, last_modified: i64, epoch: i64, path: String) -> CachedPage {
        CachedPage::with_privacy(html, last_modified, epoch, path, true)
    }
}

/// The front page's query: WordPress's address of a post by id (`/?p=123`), which sites moved
/// from WordPress still have in old links and search engines.
#[derive(Debug, Default, serde::Deserialize)]
pub struct FrontQuery {
    p: Option<String>,
}

pub async fn front_page(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<FrontQuery>,
) -> Result<Response, WebError> {
    // An imported WordPress post's `/?p=ID` is a permanent redirect to its article (the id is
    // the export's `wp:post_id`, kept by the import, `masthead_store::imports`). An id that
    // names no published imported post shows the front page, as any unknown query does.
    if let Some(id) = q.p.as_deref().map(str::trim)
        && !id.is_empty()
        && id.len() <= 20
        && id.bytes().all(|b| b.is_ascii_digit())
        && let Some(path) = app.store.imported_article_path("wordpress", id).await?
    {
        // 301, as WordPress itself answers for its old links (and as crawlers expect).
        return Ok((
            axum::http::StatusCode::MOVED_PERMANENTLY,
            [(axum::http::header::LOCATION, path)],
        )
            .into_response());
    }
    let v = Variant::of(&app, &headers);
    let page = app
        .cache
        .get_or_render(&v.key("front"), render_front(&app, v))
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(page.respond(&headers))
}

async fn render_front(app: &AppState, v: Variant) -> Result<Option<CachedPage>, WebError> {
    let epoch = app.cache.epoch();
    let sections = app.sections().await?;
    let site = views::site_with(app, &sections);
    let mut recent = app
        .store
        .list_articles(ListFilter::All, (TOP_STORIES + LATEST) as i64, 0)
        .await?;
    // A breaking story leads the page.
    if let Some(i) = recent.iter().position(|a| a.breaking) {
        let lead = recent.remove(i);
        recent.insert(0, lead);
    }
    let shown: std::collections::HashSet<String> = recent
        .iter()
        .take(TOP_STORIES)
        .map(|a| a.id.clone())
        .collect();
    let latest_modified = recent.iter().map(|a| a.published_at).max().unwrap_or(0);
    let mut blocks = Vec::with_capacity(sections.len());
    for s in sections.iter() {
        let list = app
            .store
            .list_articles(
                ListFilter::Section(&s.id),
                PER_SECTION_BLOCK + TOP_STORIES as i64,
                0,
            )
            .await?;
        let list: Vec<_> = list
            .into_iter()
            .filter(|a| !shown.contains(&a.id))
            .take(PER_SECTION_BLOCK as usize)
            .collect();
        blocks.push(minijinja::context! {
            section => views::LinkView { name: s.name.clone(), slug: s.slug.clone(), url: views::section_path(&s.slug) },
            articles => views::cards(app, &list),
        });
    }
    let top = views::cards(app, &recent[..recent.len().min(TOP_STORIES)]);
    let latest = views::cards(app, recent.get(TOP_STORIES..).unwrap_or_default());
    let meta = PageMeta::new(&site, "", &app.config.tagline, "/");
    let html = app.theme.render(
        "front.html",
        minijinja::context! {
            site => &site, page => meta, now_year => views::now_year(app), signed_in => v.signed_in,
            top_stories => top, latest => latest, section_blocks => blocks,
            json_ld => crate::feeds::structured::script(&crate::feeds::structured::website(&site)),
        },
    )?;
    Ok(Some(v.page(html, latest_modified, epoch, "/".into())))
}

pub async fn section_page(
    State(app): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    list_page(&app, ListKind::Section, path, &q, &headers).await
}

pub async fn tag_page(
    State(app): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    list_page(&app, ListKind::Tag, path, &q, &headers).await
}

pub async fn author_page(
    State(app): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    list_page(&app, ListKind::Author, path, &q, &headers).await
}

async fn list_page(
    app: &AppState,
    kind: ListKind,
    path: Result<Path<String>, PathRejection>,
    q: &PageQuery,
    headers: &HeaderMap,
) -> Result<Response, WebError> {
    let Ok(Path(slug)) = path else {
        return Err(WebError::NotFound);
    };
    let page_no = q.page()?;
    let v = Variant::of(app, headers);
    let key = v.key(&format!("{}:{slug}:{page_no}", kind.name()));
    let page = app
        .cache
        .get_or_render(&key, render_list(app, v, kind, &slug, page_no))
        .await?;
    let page = page.ok_or(WebError::NotFound)?;
    Ok(page.respond(headers))
}

#[derive(Clone, Copy)]
enum ListKind {
    Section,
    Tag,
    Author,
}

impl ListKind {
    /// The cache-key prefix, and the name under which the template receives the subject.
    fn name(self) -> &'static str {
        match self {
            ListKind::Section => "section",
            ListKind::Tag => "tag",
            ListKind::Author => "author",
        }
    }
}

/// A section, tag or author page; `None` when there is no such section, tag or author, or the
/// page number is past the last page.
async fn render_list(
    app: &AppState,
    v: Variant,
    kind: ListKind,
    slug: &str,
    page_no: i64,
) -> Result<Option<CachedPage>, WebError> {
    let epoch = app.cache.epoch();
    let sections = app.sections().await?;
    let site = views::site_with(app, &sections);
    let (template, id, path, title, description, subject) = match kind {
        ListKind::Section => {
            let Some(s) = sections.iter().find(|s| s.slug == slug) else {
                return Ok(None);
            };
            let path = views::section_path(&s.slug);
            let subject = minijinja::context! { name => &s.name, slug => &s.slug, description => &s.description, url => &path };
            (
                "section.html",
                s.id.clone(),
                path,
                s.name.clone(),
                s.description.clone(),
                subject,
            )
        }
        ListKind::Tag => {
            let Some(t) = app.store.tag_by_slug(slug).await? else {
                return Ok(None);
            };
            let path = views::tag_path(&t.slug);
            let subject = minijinja::context! { name => &t.name, slug => &t.slug, url => &path };
            (
                "tag.html",
                t.id,
                path,
                t.name.clone(),
                format!("Articles about {}", t.name),
                subject,
            )
        }
        ListKind::Author => {
            let Some(a) = app.store.author_by_slug(slug).await? else {
                return Ok(None);
            };
            let path = views::author_path(&a.slug);
            let subject = minijinja::context! { name => &a.name, slug => &a.slug, bio => &a.bio, url => &path };
            (
                "author.html",
                a.id,
                path,
                a.name.clone(),
                a.bio.clone(),
                subject,
            )
        }
    };
    let filter = match kind {
        ListKind::Section => ListFilter::Section(&id),
        ListKind::Tag => ListFilter::Tag(&id),
        ListKind::Author => ListFilter::Author(&id),
    };
    let total = app.store.count_articles(filter).await?;
    let pagination = Pagination::new(&path, page_no, total, PER_PAGE);
    if page_no > pagination.total_pages {
        return Ok(None);
    }
    let list = app
        .store
        .list_articles(filter, PER_PAGE, (page_no - 1) * PER_PAGE)
        .await?;
    let last_modified = list.iter().map(|a| a.published_at).max().unwrap_or(0);
    let mut meta = PageMeta::new(&site, &title, &description, &path);
    if page_no > 1 {
        meta.canonical_url = format!("{}?page={page_no}", meta.canonical_url);
        meta.title = format!("{title}, page {page_no} — {}", site.name);
    }
    if matches!(kind, ListKind::Section) {
        meta.current_section = Some(slug.to_owned());
    }
    let mut ctx = std::collections::BTreeMap::new();
    ctx.insert("site", minijinja::Value::from_serialize(&site));
    ctx.insert("page", minijinja::Value::from_serialize(&meta));
    ctx.insert("now_year", minijinja::Value::from(views::now_year(app)));
    ctx.insert("signed_in", minijinja::Value::from(v.signed_in));
    ctx.insert(kind.name(), subject);
    ctx.insert(
        "articles",
        minijinja::Value::from_serialize(views::cards(app, &list)),
    );
    ctx.insert("pagination", minijinja::Value::from_serialize(&pagination));
    let crumbs = crate::feeds::structured::breadcrumbs(&site, &[(&title, &path)]);
    ctx.insert(
        "json_ld",
        minijinja::Value::from(crate::feeds::structured::script(&crumbs)),
    );
    let html = app.theme.render(template, ctx)?;
    let canonical = if page_no > 1 {
        format!("{path}?page={page_no}")
    } else {
        path
    };
    Ok(Some(v.page(html, last_modified, epoch, canonical)))
}
