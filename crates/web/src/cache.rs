//! The page cache: rendered pages held in memory with their validators and compressed forms,
//! so that a cache hit costs a hash lookup and a few header copies (no database, no template,
//! no compression).
//!
//! Invalidation is driven by the database: every content write raises the content epoch in the
//! same transaction (`masthead_store::state`). Each node polls the epoch
//! ([`watch_content_epoch`]) and, when it moves, drops its pages. A page records the epoch it was
//! rendered under, so a render that raced with a change is never served after it.
//!
//! Compressed forms (brotli, gzip) are made on first demand and kept with the page.

use std::{
    sync::{
        Arc, OnceLock,
        atomic::{AtomicI64, Ordering},
    },
    time::{Duration, UNIX_EPOCH},
};

use axum::{
    body::Body,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::Response,
};
use bytes::Bytes;
use quick_cache::{Weighter, sync::Cache};

use crate::AppState;

/// Shared caches may keep anonymous pages for a minute; the meter and sign-in (later issues)
/// mark their per-reader responses private.
pub const PUBLIC_PAGE: &str = "public, max-age=60";
/// Pages for a signed-in browser (they say "Your account"): never kept by shared caches. A
/// CDN in front should pass requests with the `mh_session` cookie through to the origin.
pub const PRIVATE_PAGE: &str = "private, no-cache";

pub struct CachedPage {
    body: Bytes,
    gzip: OnceLock<Bytes>,
    brotli: OnceLock<Bytes>,
    etag: HeaderValue,
    last_modified: HeaderValue,
    last_modified_secs: u64,
    cache_control: HeaderValue,
    /// HTML unless said otherwise ([`CachedPage::with_content_type`]: feeds, sitemaps).
    content_type: HeaderValue,
    epoch: i64,
    /// The path this page lives at; requests for another path are redirected here.
    pub canonical_path: String,
}

impl CachedPage {
    pub fn new(html: String, last_modified_ms: i64, epoch: i64, canonical_path: String) -> Self {
        Self::with_privacy(html, last_modified_ms, epoch, canonical_path, false)
    }

    pub fn with_privacy(
        html: String,
        last_modified_ms: i64,
        epoch: i64,
        canonical_path: String,
        private: bool,
    ) -> Self {
        let body = Bytes::from(html);
        let hash = xxhash_rust::xxh3::xxh3_64(&body);
        let secs = u64::try_from(last_modified_ms / 1000).unwrap_or(0);
        let last_modified = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(secs));
        Self {
            etag: HeaderValue::from_str(&format!("W/\"{hash:016x}\""))
                .expect("hex is a valid header value"),
            last_modified: HeaderValue::from_str(&last_modified)
                .expect("HTTP date is a valid header value"),
            last_modified_secs: secs,
            cache_control: HeaderValue::from_static(if private {
                PRIVATE_PAGE
            } else {
                PUBLIC_PAGE
            }),
            content_type: HeaderValue::from_static("text/html; charset=utf-8"),
            body,
            gzip: OnceLock::new(),
            brotli: OnceLock::new(),
            epoch,
            canonical_path,
        }
    }

    /// The same page served as `content_type` (an RSS feed, a sitemap).
    pub fn with_content_type(mut self, content_type: &'static str) -> Self {
        self.content_type = HeaderValue::from_static(content_type);
        self
    }

    fn weight(&self) -> u64 {
        // Room for the compressed forms too (together about half the page).
        (self.body.len() as u64 * 3 / 2) + self.canonical_path.len() as u64 + 256
    }

    /// The response to a request with these headers: 304 if the client's copy is current,
    /// otherwise the page in the best encoding the client accepts.
    pub fn respond(&self, req: &HeaderMap) -> Response {
        let mut res = if self.not_modified(req) {
            let mut res = Response::new(Body::empty());
            *res.status_mut() = StatusCode::NOT_MODIFIED;
            res
        } else {
            let (body, encoding) = match preferred_encoding(req) {
                Encoding::Brotli => (
                    self.brotli.get_or_init(|| brotli(&self.body)).clone(),
                    Some("br"),
                ),
                Encoding::Gzip => (
                    self.gzip.get_or_init(|| gzip(&self.body)).clone(),
                    Some("gzip"),
                ),
                Encoding::Identity => (self.body.clone(), None),
            };
            let mut res = Response::new(Body::from(body));
            if let Some(enc) = encoding {
                res.headers_mut()
                    .insert(header::CONTENT_ENCODING, HeaderValue::from_static(enc));
            }
            res.headers_mut()
                .insert(header::CONTENT_TYPE, self.content_type.clone());
            res
        };
        let h = res.headers_mut();
        h.insert(header::ETAG, self.etag.clone());
        h.insert(header::LAST_MODIFIED, self.last_modified.clone());
        h.insert(header::CACHE_CONTROL, self.cache_control.clone());
        h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
        res
    }

    fn not_modified(&self, req: &HeaderMap) -> bool {
        if let Some(inm) = req.get(header::IF_NONE_MATCH) {
            let Ok(inm) = inm.to_str() else { return false };
            let ours = self
                .etag
                .to_str()
                .unwrap_or_default()
                .trim_start_matches("W/");
            return inm
                .split(',')
                .map(str::trim)
                .any(|t| t == "*" || t.trim_start_matches("W/") == ours);
        }
        if let Some(ims) = req
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            && let Ok(t) = httpdate::parse_http_date(ims)
        {
            let since = t
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            // A date later than the server's clock is not a validator (RFC 9110 §13.1.3): a
            // client that sends one gets the page, not a 304 it can never get out of.
            if t > std::time::SystemTime::now() {
                return false;
            }
            return self.last_modified_secs <= since;
        }
        false
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

/// Brotli if accepted, else gzip, else identity (q=0 means "not acceptable").
fn preferred_encoding(req: &HeaderMap) -> Encoding {
    let Some(accept) = req
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
    else {
        return Encoding::Identity;
    };
    let (mut br, mut gz) = (false, false);
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or("").trim();
        let refused = parts.any(|p| {
            let p = p.trim();
            p.strip_prefix("q=")
                .is_some_and(|q| q.trim().parse::<f32>().map(|q| q <= 0.0).unwrap_or(false))
        });
        if refused {
            continue;
        }
        match coding {
            "br" => br = true,
            "gzip" | "x-gzip" => gz = true,
            "*" => {
                br = true;
                gz = true;
            }
            _ => {}
        }
    }
    if br {
        Encoding::Brotli
    } else if gz {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

fn gzip(data: &[u8]) -> Bytes {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(
        Vec::with_capacity(data.len() / 3),
        flate2::Compression::best(),
    );
    // Writing into a Vec cannot fail.
    let _ = enc.write_all(data);
    Bytes::from(enc.finish().unwrap_or_default())
}

fn brotli(data: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(data.len() / 3);
    let params = brotli::enc::BrotliEncoderParams {
        quality: 9,
        lgwin: 22,
        ..Default::default()
    };
    let mut input = data;
    let _ = brotli::BrotliCompress(&mut input, &mut out, &params);
    Bytes::from(out)
}

#[derive(Clone)]
struct PageWeight;

impl Weighter<String, Arc<CachedPage>> for PageWeight {
    fn weight(&self, key: &String, page: &Arc<CachedPage>) -> u64 {
        key.len() as u64 + page.weight()
    }
}

/// Rendered pages by key, bounded by memory; and the section list every page's navigation
/// shows, read once per content epoch.
pub struct PageCache {
    pages: Cache<String, Arc<CachedPage>, PageWeight>,
    epoch: AtomicI64,
    sections: std::sync::RwLock<Option<(i64, Sections)>>,
}

pub type Sections = Arc<Vec<masthead_store::content::SectionRow>>;

impl PageCache {
    pub fn new(max_bytes: u64) -> Self {
        // Estimated item count, for sizing: pages of ~30 KB.
        let estimated = (max_bytes / 30_000).max(16) as usize;
        Self {
            pages: Cache::with_weighter(estimated, max_bytes, PageWeight),
            epoch: AtomicI64::new(-1),
            sections: std::sync::RwLock::new(None),
        }
    }

    /// A cache for a few large documents (sitemaps of up to 50,000 URLs, several MB each). It
    /// has one shard: the general cache's shards each hold a share of its bytes, and refuse a
    /// page larger than that share.
    pub fn for_large_pages(max_bytes: u64) -> Self {
        Self {
            pages: Cache::with_weighter(1, max_bytes, PageWeight),
            epoch: AtomicI64::new(-1),
            sections: std::sync::RwLock::new(None),
        }
    }

    /// The content epoch this node knows of; pages rendered now are tagged with it.
    pub fn epoch(&self) -> i64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// Records the database's content epoch; a new one drops every page.
    pub fn observe_epoch(&self, epoch: i64) {
        if self.epoch.swap(epoch, Ordering::AcqRel) != epoch {
            self.pages.clear();
        }
    }

    /// The cached page, or the one `render` makes (concurrent misses on one key render once).
    /// `render` returns `Ok(None)` for "no such page", which is not cached.
    pub async fn get_or_render<E, F>(
        &self,
        key: &str,
        render: F,
    ) -> Result<Option<Arc<CachedPage>>, E>
    where
        F: Future<Output = Result<Option<CachedPage>, E>>,
    {
        if let Some(page) = self.pages.get(key) {
            if page.epoch >= self.epoch() {
                return Ok(Some(page));
            }
            self.pages.remove(key);
        }
        match self.pages.get_value_or_guard_async(key).await {
            Ok(page) => Ok(Some(page)),
            Err(guard) => match render.await? {
                Some(page) => {
                    let page = Arc::new(page);
                    let _ = guard.insert(page.clone());
                    Ok(Some(page))
                }
                None => Ok(None),
            },
        }
    }

    pub fn len(&self) -> usize {
        self.pages.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pages.is_empty()
    }
}

impl AppState {
    /// The sections, from memory unless the content changed since they were read. Every page
    /// (and every error page) shows them; this keeps that off the database.
    pub async fn sections(&self) -> Result<Sections, masthead_store::StoreError> {
        let epoch = self.cache.epoch();
        if let Ok(guard) = self.cache.sections.read()
            && let Some((_, sections)) = guard.as_ref().filter(|(at, _)| *at == epoch)
        {
            return Ok(sections.clone());
        }
        let sections = Arc::new(self.store.sections().await?);
        if let Ok(mut guard) = self.cache.sections.write() {
            *guard = Some((epoch, sections.clone()));
        }
        Ok(sections)
    }

    /// Reads the content epoch now (after a local write, so that its pages are dropped at
    /// once rather than at the next poll).
    pub async fn refresh_content_epoch(&self) -> Result<(), masthead_store::StoreError> {
        let epoch = self.store.content_epoch().await?;
        self.cache.observe_epoch(epoch);
        Ok(())
    }
}

pub async fn watch_content_epoch(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    loop {
        if let Err(e) = state.refresh_content_epoch().await {
            tracing::warn!(error = %e, "cannot read the content epoch; pages may be stale until the database answers");
        }
        if let Err(e) = state.refresh_sessions_epoch().await {
            // Cached sessions age out after `session::CACHE_TTL` regardless.
            tracing::warn!(error = %e, "cannot read the sessions epoch; revoked sessions may work here until the database answers");
        }
        // Histograms buffer samples until drained; drain them even when nobody scrapes.
        crate::middleware::metrics_handle().run_upkeep();
        tokio::select! {
            _ = tokio::time::sleep(state.config.epoch_poll) => {}
            _ = stop.changed() => return,
        }
    }
}

#[cfg(test)]
mod tests;
