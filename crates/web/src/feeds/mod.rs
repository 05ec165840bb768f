//! Syndication and search engines (issue 18): RSS and Atom feeds, `/robots.txt`, sitemaps and
//! the news sitemap, the icons and web app manifest, and the structured data other than the
//! article's own `NewsArticle` (`pages/json_ld.rs`): breadcrumbs and the front page's
//! `WebSite` with its `SearchAction`.
//!
//! Decisions, where the issue left room:
//! - Every feed comes as RSS 2.0 (`feed.xml`) and Atom (`feed.atom`): the site
//!   (`/feed.xml`, `/feed.atom`), a section (`/{section}/feed.xml`), an author
//!   (`/author/{slug}/feed.xml`) and a tag (`/tag/{slug}/feed.xml`), each with its `.atom`
//!   twin. Pages announce theirs with `<link rel="alternate">` (the site's on every page, the
//!   section's, author's or tag's on its page and the section's on its articles): see
//!   `base.html` and the listing templates.
//! - Feeds and sitemaps are pages of the page cache: rendered once per content epoch, with
//!   ETag, Last-Modified, 304 and gzip/brotli like HTML pages. Nothing from the request but
//!   a valid, existing slug reaches a cache key.
//! - What a feed shows of a gated article is what the wall shows an anonymous reader (see
//!   `feed.rs`).
//! - Only published articles appear anywhere here: every list comes from the store's
//!   published-article queries (`list_articles`, or `content/syndication.rs` through the same
//!   filter).
//! - WebSub, off by default: with `MASTHEAD_WEBSUB_HUB` set, every feed names the hub
//!   (`rel="hub"` beside `rel="self"`) and every publication, edit of a published article,
//!   unpublication or correction pings it for the site's feeds and the section's
//!   (`masthead_jobs::websub`, queued in the change's transaction).

mod feed;
mod icons;
mod sitemap;
pub mod structured;
mod xml;

pub use icons::LOGO_PNG;

use crate::{AppState, PageCache};

/// How feeds and sitemaps are made (`MASTHEAD_FEED_ITEMS`).
#[derive(Debug, Clone)]
pub struct FeedsConfig {
    /// Entries per feed, newest first.
    pub items: usize,
    /// URLs per sitemap page (at most 50,000, the protocol's limit); more URLs than this make
    /// `/sitemap.xml` an index. Tests set it low.
    pub sitemap_page_size: usize,
    /// The WebSub hub (`MASTHEAD_WEBSUB_HUB`): announced in every feed as `rel="hub"` and
    /// pinged when feeds change (`masthead_jobs::websub`). None: off.
    pub websub_hub: Option<String>,
}

impl Default for FeedsConfig {
    fn default() -> Self {
        Self {
            items: 30,
            sitemap_page_size: sitemap::MAX_URLS,
            websub_hub: None,
        }
    }
}

/// This feature's runtime state: the generated icons, the sitemap's URL list, and the sitemaps (a cache of their own,
/// of the page cache's size: a sitemap of 50,000 URLs is about 7 MB, more than one shard of
/// the page cache holds).
pub struct FeedsState {
    icons: icons::IconCache,
    sitemaps: PageCache,
    /// The sitemap's listing pages, per content epoch.
    urls: std::sync::Mutex<Option<(i64, std::sync::Arc<sitemap::Urls>)>>,
}

impl FeedsState {
    pub fn new(cache_bytes: u64) -> Self {
        Self {
            icons: icons::IconCache::default(),
            sitemaps: PageCache::for_large_pages(cache_bytes),
            urls: std::sync::Mutex::new(None),
        }
    }
}

pub fn routes() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/feed.xml", get(feed::site_rss))
        .route("/feed.atom", get(feed::site_atom))
        .route("/{section}/feed.xml", get(feed::section_rss))
        .route("/{section}/feed.atom", get(feed::section_atom))
        .route("/author/{slug}/feed.xml", get(feed::author_rss))
        .route("/author/{slug}/feed.atom", get(feed::author_atom))
        .route("/tag/{slug}/feed.xml", get(feed::tag_rss))
        .route("/tag/{slug}/feed.atom", get(feed::tag_atom))
        .route("/robots.txt", get(sitemap::robots))
        .route("/sitemap.xml", get(sitemap::sitemap))
        .route("/sitemaps/{file}", get(sitemap::sitemap_page))
        .route("/sitemap-news.xml", get(sitemap::news_sitemap))
        .route("/favicon.ico", get(icons::favicon))
        .route("/icon.svg", get(icons::icon_svg))
        .route("/icon-192.png", get(icons::icon_192))
        .route("/icon-512.png", get(icons::icon_512))
        .route("/apple-touch-icon.png", get(icons::apple_touch_icon))
        .route("/manifest.webmanifest", get(icons::web_manifest))
}
