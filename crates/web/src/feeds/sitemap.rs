//! `/robots.txt`, the sitemaps and the Google News sitemap.
//!
//! - The sitemap lists the front page, every section, tag and author page that has a
//!   published article, and every published article (through the store's published filter:
//!   drafts, scheduled and embargoed articles are never listed), each with `lastmod`.
//! - Up to one page of URLs (`feeds.sitemap_page_size`, 50,000 by default, the protocol's
//!   limit), `/sitemap.xml` is that list itself; above it, `/sitemap.xml` is a sitemap index of
//!   `/sitemaps/N.xml` pages. Listing pages come first, then articles oldest first, so a
//!   page's URLs only change when an article is unpublished or changes section; new articles
//!   land on the last page. A page's size is also capped so that it stays under the 50 MB
//!   limit whatever the site's address: a URL line is at most 120-byte slugs twice, the base
//!   URL and a fixed overhead.
//! - `/sitemap-news.xml`: articles published in the last 48 hours, newest first, at most
//!   1,000, with `news:publication`, `news:publication_date` and `news:title`. It is rebuilt
//!   at every publication (the content epoch) and at least every ten minutes, so articles
//!   leave it as they pass 48 hours.
//! - Everything is served from the page cache (the sitemaps from one of their own, for their
//!   size: `FeedsState`) with ETag, Last-Modified and compression.
//!   Query strings are not read; a page number that is not a page is a 404.

use std::sync::Arc;

use axum::{
    extract::{Path, State, rejection::PathRejection},
    http::HeaderMap,
    response::Response,
};
use masthead_store::content::{ListFilter, SitemapArticle, SitemapListings};

use super::xml::XmlWriter;
use crate::{AppState, cache::CachedPage, error::WebError, views};

const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
const NEWS_NS: &str = "http://www.google.com/schemas/sitemap-news/0.9";
/// The protocol's limits.
pub const MAX_URLS: usize = 50_000;
const MAX_BYTES: usize = 50 * 1000 * 1000;
const NEWS_WINDOW_MS: i64 = 48 * 3_600_000;
const NEWS_MAX: i64 = 1_000;
const NEWS_REFRESH_MS: i64 = 10 * 60_000;

const XML: &str = "application/xml; charset=utf-8";

pub async fn robots(State(app): State<AppState>, headers: HeaderMap) -> Result<Response, WebError> {
    let page = app
        .cache
        .get_or_render("robots.txt", async {
            let base = app.config.public_url.trim_end_matches('/');
            let text = app.theme.render(
                "feeds/robots.txt",
                minijinja::context! {
                    sitemaps => [format!("{base}/sitemap.xml"), format!("{base}/sitemap-news.xml")],
                },
            )?;
            Ok::<_, WebError>(Some(
                CachedPage::new(text, 0, app.cache.epoch(), "/robots.txt".into())
                    .with_content_type("text/plain; charset=utf-8"),
            ))
        })
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(page.respond(&headers))
}

/// The sitemaps' own cache, dropped with the content epoch like the page cache.
fn sitemaps(app: &AppState) -> &crate::PageCache {
    let cache = &app.feeds.sitemaps;
    cache.observe_epoch(app.cache.epoch());
    cache
}

/// URLs per sitemap page: the configured size, within the protocol's limits.
fn page_size(app: &AppState) -> usize {
    let longest_line = 120 + 2 * 121 + app.config.public_url.len();
    app.config
        .feeds
        .sitemap_page_size
        .clamp(1, MAX_URLS)
        .min(MAX_BYTES / longest_line)
}

/// Everything the sitemap lists, in order: the listing pages, then how many articles follow
/// (read page by page).
pub struct Urls {
    listings: Vec<(String, i64)>,
    articles_total: usize,
}

impl Urls {
    /// From memory unless the content changed: the index and each of its pages need it.
    async fn current(app: &AppState) -> Result<Arc<Self>, WebError> {
        let epoch = app.cache.epoch();
        if let Ok(guard) = app.feeds.urls.lock()
            && let Some((at, urls)) = guard.as_ref()
            && *at == epoch
        {
            return Ok(urls.clone());
        }
        let urls = Arc::new(Self::load(app).await?);
        if let Ok(mut guard) = app.feeds.urls.lock() {
            *guard = Some((epoch, urls.clone()));
        }
        Ok(urls)
    }

    async fn load(app: &AppState) -> Result<Self, WebError> {
        let SitemapListings {
            sections,
            tags,
            authors,
        } = app.store.sitemap_listings().await?;
        let newest = sections.iter().map(|s| s.last_modified).max().unwrap_or(0);
        let mut listings = vec![("/".to_owned(), newest)];
        listings.extend(
            sections
                .iter()
                .map(|s| (views::section_path(&s.slug), s.last_modified)),
        );
        listings.extend(
            tags.iter()
                .map(|t| (views::tag_path(&t.slug), t.last_modified)),
        );
        listings.extend(
            authors
                .iter()
                .map(|a| (views::author_path(&a.slug), a.last_modified)),
        );
        let articles_total = app.store.count_articles(ListFilter::All).await?;
        Ok(Self {
            listings,
            articles_total: usize::try_from(articles_total).unwrap_or(0),
        })
    }

    fn total(&self) -> usize {
        self.listings.len() + self.articles_total
    }

    /// The URLs of page `n` (from 1) of pages of `size`.
    async fn page(
        &self,
        app: &AppState,
        n: usize,
        size: usize,
    ) -> Result<Vec<(String, i64)>, WebError> {
        let start = (n - 1) * size;
        let end = (start + size).min(self.total());
        let mut out = Vec::with_capacity(end - start);
        if start < self.listings.len() {
            out.extend_from_slice(&self.listings[start..end.min(self.listings.len())]);
        }
        if end > self.listings.len() {
            let offset = start.saturating_sub(self.listings.len());
            let limit = end - self.listings.len() - offset;
            let articles = app
                .store
                .sitemap_articles(limit as i64, offset as i64)
                .await?;
            out.extend(articles.iter().map(article_url));
        }
        Ok(out)
    }
}

fn article_url(a: &SitemapArticle) -> (String, i64) {
    (
        views::article_path(&a.section_slug, &a.slug),
        a.updated_at.max(a.published_at),
    )
}

fn w3c_date(ms: i64) -> String {
    masthead_store::from_ms(ms)
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

fn urlset(base: &str, urls: &[(String, i64)]) -> String {
    let mut w = XmlWriter::new();
    w.open("urlset", &[("xmlns", SITEMAP_NS)]);
    for (path, modified) in urls {
        w.open("url", &[]);
        w.text("loc", &[], &format!("{base}{path}"));
        if *modified > 0 {
            w.text("lastmod", &[], &w3c_date(*modified));
        }
        w.close();
    }
    w.finish()
}

pub async fn sitemap(
    State(app): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let page = sitemaps(&app)
        .get_or_render("sitemap.xml", render_sitemap(&app))
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(page.respond(&headers))
}

async fn render_sitemap(app: &AppState) -> Result<Option<CachedPage>, WebError> {
    let epoch = app.cache.epoch();
    let base = app.config.public_url.trim_end_matches('/');
    let urls = Urls::current(app).await?;
    let size = page_size(app);
    let newest = urls.listings.first().map(|(_, m)| *m).unwrap_or(0);
    let doc = if urls.total() <= size {
        urlset(base, &urls.page(app, 1, size.max(1)).await?)
    } else {
        let pages = urls.total().div_ceil(size);
        let mut w = XmlWriter::new();
        w.open("sitemapindex", &[("xmlns", SITEMAP_NS)]);
        for n in 1..=pages {
            w.open("sitemap", &[]);
            w.text("loc", &[], &format!("{base}/sitemaps/{n}.xml"));
            w.close();
        }
        w.finish()
    };
    Ok(Some(
        CachedPage::new(doc, newest, epoch, "/sitemap.xml".into()).with_content_type(XML),
    ))
}

/// `/sitemaps/N.xml`, a page of the sitemap index.
pub async fn sitemap_page(
    State(app): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let Ok(Path(file)) = path else {
        return Err(WebError::NotFound);
    };
    let n = file
        .strip_suffix(".xml")
        .filter(|n| !n.starts_with('0') && n.len() <= 6)
        .and_then(|n| n.parse::<usize>().ok())
        .ok_or(WebError::NotFound)?;
    let page = sitemaps(&app)
        .get_or_render(&format!("sitemap:{n}"), render_page(&app, n))
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(page.respond(&headers))
}

async fn render_page(app: &AppState, n: usize) -> Result<Option<CachedPage>, WebError> {
    let epoch = app.cache.epoch();
    let base = app.config.public_url.trim_end_matches('/');
    let urls = Urls::current(app).await?;
    let size = page_size(app);
    // Pages exist only when the sitemap is an index.
    if urls.total() <= size || n == 0 || n > urls.total().div_ceil(size) {
        return Ok(None);
    }
    let list = urls.page(app, n, size).await?;
    let newest = list.iter().map(|(_, m)| *m).max().unwrap_or(0);
    Ok(Some(
        CachedPage::new(
            urlset(base, &list),
            newest,
            epoch,
            format!("/sitemaps/{n}.xml"),
        )
        .with_content_type(XML),
    ))
}

pub async fn news_sitemap(
    State(app): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let now = masthead_store::now_ms();
    let key = format!("sitemap-news:{}", now / NEWS_REFRESH_MS);
    let page = app
        .cache
        .get_or_render(&key, render_news(&app, now))
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(page.respond(&headers))
}

async fn render_news(app: &AppState, now: i64) -> Result<Option<CachedPage>, WebError> {
    let epoch = app.cache.epoch();
    let base = app.config.public_url.trim_end_matches('/');
    let recent = app
        .store
        .list_articles(ListFilter::All, NEWS_MAX, 0)
        .await?;
    let mut w = XmlWriter::new();
    w.open("urlset", &[("xmlns", SITEMAP_NS), ("xmlns:news", NEWS_NS)]);
    let mut newest = 0;
    for a in recent
        .iter()
        .filter(|a| a.published_at >= now - NEWS_WINDOW_MS && a.published_at <= now)
    {
        newest = newest.max(a.published_at);
        w.open("url", &[]);
        w.text(
            "loc",
            &[],
            &format!("{base}{}", views::article_path(&a.section.slug, &a.slug)),
        );
        w.open("news:news", &[]);
        w.open("news:publication", &[]);
        w.text("news:name", &[], &app.config.site_name);
        w.text("news:language", &[], "en");
        w.close();
        w.text("news:publication_date", &[], &w3c_date(a.published_at));
        w.text("news:title", &[], &a.headline);
        w.close();
        w.close();
    }
    Ok(Some(
        CachedPage::new(w.finish(), newest, epoch, "/sitemap-news.xml".into())
            .with_content_type(XML),
    ))
}
