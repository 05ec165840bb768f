//! A search request from URL parameters, checked once: what both the page and the API run.

use axum::http::HeaderMap;
use masthead_search::{ParsedQuery, Scope, SearchError, SearchRequest, SearchResults, SortOrder};
use serde::{Deserialize, Serialize};

use crate::{AppState, error::WebError, views};

/// Results per page.
pub const PER_PAGE: usize = 10;

/// The parameters as sent; every one optional and kept as text, so that the page can show the
/// reader's input back even when it is wrong.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct Params {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub section: String,
    #[serde(default)]
    pub author: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub page: String,
}

impl Params {
    /// From the raw query string. Undecodable bytes become U+FFFD, which the query check
    /// rejects with a sentence; a malformed string is a 400.
    pub fn from_query(raw: Option<&str>) -> Result<Self, String> {
        serde_urlencoded::from_str(raw.unwrap_or("")).map_err(|_| {
            "That search address is not valid. Use the search box to search again.".to_owned()
        })
    }

    /// A URL for these parameters with `page` replaced (`None` drops it).
    pub fn url(&self, path: &str, page: Option<usize>) -> String {
        let mut pairs: Vec<(&str, String)> = vec![("q", self.q.trim().to_owned())];
        for (k, v) in [
            ("section", &self.section),
            ("author", &self.author),
            ("from", &self.from),
            ("to", &self.to),
            ("sort", &self.sort),
        ] {
            if !v.trim().is_empty() {
                pairs.push((k, v.trim().to_owned()));
            }
        }
        if let Some(p) = page.filter(|p| *p > 1) {
            pairs.push(("page", p.to_string()));
        }
        format!(
            "{path}?{}",
            serde_urlencoded::to_string(&pairs).unwrap_or_default()
        )
    }

    pub fn is_empty_query(&self) -> bool {
        self.q.trim().is_empty()
    }
}

/// Why a request cannot be run, in words for the reader.
#[derive(Debug)]
pub enum Problem {
    /// Nothing to search for yet: not an error, the page shows the form.
    Empty,
    Bad(String),
}

/// What this reader's searches may look at: everything when signed in (staff included),
/// otherwise what a signed-out reader may read (`masthead_search::Scope`). The cookie alone
/// is not proof: a stale or forged one would open the gated text to a signed-out reader, so
/// the session is looked up, and only when a session cookie is there (no query otherwise).
pub async fn scope(app: &AppState, headers: &HeaderMap) -> Result<Scope, WebError> {
    // `session` reads no database without a session cookie, and a cached session otherwise.
    Ok(match app.session(headers).await? {
        Some(_) => Scope::Everything,
        None => Scope::Public,
    })
}

/// The part of a cache key that tells scopes apart.
pub fn scope_key(scope: Scope) -> &'static str {
    match scope {
        Scope::Public => "public",
        Scope::Everything => "all",
    }
}

/// Checks the parameters and builds the request.
pub fn build(app: &AppState, p: &Params, scope: Scope) -> Result<SearchRequest, Problem> {
    if p.is_empty_query() {
        return Err(Problem::Empty);
    }
    let query = match ParsedQuery::parse(&p.q) {
        Ok(q) => q,
        Err(SearchError::BadQuery(msg)) => return Err(Problem::Bad(msg)),
        Err(e) => return Err(Problem::Bad(e.to_string())),
    };
    let page = match p.page.trim() {
        "" => 1,
        s => match s.parse::<usize>() {
            Ok(n) if (1..=100_000).contains(&n) => n,
            _ => {
                return Err(Problem::Bad(format!(
                    "“{s}” is not a page number. Page numbers are whole numbers from 1."
                )));
            }
        },
    };
    let sort = match p.sort.trim() {
        "" | "relevance" => SortOrder::Relevance,
        "newest" => SortOrder::Newest,
        other => {
            return Err(Problem::Bad(format!(
                "“{other}” is not a way to sort results: choose relevance or newest."
            )));
        }
    };
    let from = match parse_day(&p.from, "from")? {
        Some(d) => Some(day_start(app, d)?),
        None => None,
    };
    // "To" includes its whole day: results until the start of the next.
    let until = match parse_day(&p.to, "to")? {
        Some(d) => Some(day_start(app, d.tomorrow().map_err(|_| out_of_range())?)?),
        None => None,
    };
    if let (Some(f), Some(u)) = (from, until)
        && f >= u
    {
        return Err(Problem::Bad(
            "The “from” date is after the “to” date. Swap them, or leave one empty.".into(),
        ));
    }
    let nonempty = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    Ok(SearchRequest {
        query,
        scope,
        section: nonempty(&p.section),
        author: nonempty(&p.author),
        from_ms: from,
        until_ms: until,
        sort,
        page,
        per_page: PER_PAGE,
    })
}

/// A day written YYYY-MM-DD, or a sentence saying how to write it.
fn parse_day(text: &str, which: &str) -> Result<Option<jiff::civil::Date>, Problem> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse().map(Some).map_err(|_| {
        Problem::Bad(format!(
            "The “{which}” date “{text}” is not a date. Write it as year-month-day, like 2026-07-14."
        ))
    })
}

fn out_of_range() -> Problem {
    Problem::Bad("That date is out of range. Use a date between the years 1 and 9999.".into())
}

/// The start of a day in the publication's time zone, in ms (days are 23 or 25 hours long
/// when clocks change, so "to" is the start of the next day, not 24 hours later).
fn day_start(app: &AppState, date: jiff::civil::Date) -> Result<i64, Problem> {
    let zoned = date
        .to_zoned(app.config.time_zone.clone())
        .map_err(|_| out_of_range())?;
    Ok(zoned.timestamp().as_millisecond())
}

/// Runs the search off the async runtime (it is CPU work).
pub async fn run(app: &AppState, req: SearchRequest) -> Result<SearchResults, WebError> {
    let index = app.search.clone();
    let res = tokio::task::spawn_blocking(move || index.search(&req))
        .await
        .map_err(|e| WebError::Internal(e.into()))?;
    res.map_err(|e| WebError::Internal(e.into()))
}

/// (ISO 8601 UTC, the dateline in the publication's time zone)
pub fn times(app: &AppState, ms: i64) -> (String, String) {
    let t = masthead_store::from_ms(ms);
    (
        t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        masthead_core::schedule::dateline(t, &app.config.time_zone),
    )
}

/// One result, as the page and the API show it.
#[derive(Debug, Clone, Serialize)]
pub struct HitView {
    pub headline: String,
    /// Escaped, with `<mark>` around the query's words.
    pub headline_html: String,
    pub standfirst: String,
    pub url: String,
    pub section: views::LinkView,
    pub authors: Vec<views::LinkView>,
    pub published_iso: String,
    pub published_display: String,
    pub snippet_html: String,
}

pub fn hit_views(app: &AppState, results: &SearchResults) -> Vec<HitView> {
    results
        .hits
        .iter()
        .map(|h| {
            let (iso, display) = times(app, h.published_at);
            HitView {
                headline: h.headline.clone(),
                headline_html: h.headline_html.clone(),
                standfirst: h.standfirst.clone(),
                url: h.url.clone(),
                section: views::LinkView {
                    name: h.section_name.clone(),
                    slug: h.section_slug.clone(),
                    url: views::section_path(&h.section_slug),
                },
                authors: h
                    .authors
                    .iter()
                    .map(|(slug, name)| views::LinkView {
                        name: name.clone(),
                        slug: slug.clone(),
                        url: views::author_path(slug),
                    })
                    .collect(),
                published_iso: iso,
                published_display: display,
                snippet_html: h.snippet_html.clone(),
            }
        })
        .collect()
}
