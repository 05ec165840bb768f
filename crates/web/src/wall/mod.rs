//! The registration wall: anonymous readers get a few metered articles, then the wall asks
//! them to register (free). The rules are `masthead_core::meter`; this module applies them to
//! a request and keeps what the newsroom learns from the wall.
//!
//! Decisions:
//! - The server decides. A walled reader's response holds the headline, standfirst, lead photo
//!   and the free lead-in (the first `MASTHEAD_WALL_LEAD_PARAGRAPHS` paragraphs, default 2);
//!   the gated paragraphs are never sent to them, hidden or otherwise.
//! - The meter lives in a signed cookie (`mh_meter`); no storage per anonymous reader. A bad
//!   cookie is a fresh meter.
//! - Signed-in readers (staff included) are never walled. For metered and registered-only
//!   articles the session is checked in the database; a stale session cookie reads as
//!   anonymous.
//! - Every form of the article page is cached (`pages/`): the open page, the page with "N free
//!   articles left", the walled page. What differs per reader is only which cached form they
//!   get and the meter cookie set with it. Metered and walled responses are `private`; free
//!   articles stay cacheable by shared caches.
//! - Crawlers are readers like any other (no user-agent checks, no cloaking): without a
//!   cookie they get a fresh meter. Gated articles carry `isAccessibleForFree: false` and the
//!   gated part is marked with the class `article-gated` (docs/wall.md).

mod stats;

use std::sync::Arc;

use axum::http::{HeaderMap, HeaderValue};
use masthead_core::{
    AccessLevel,
    meter::{self, Decision, MeterCodec, MeterPolicy},
};

pub use stats::{WallStats, run_stats_flusher};

use crate::{AppState, error::WebError, session::cookies};

pub const METER_COOKIE: &str = "mh_meter";

/// The settings key of the secret that signs meter cookies (generated on first start, shared
/// by every node through the database).
pub const METER_SECRET_KEY: &str = "secret.meter_cookie_key";

pub struct Wall {
    pub policy: MeterPolicy,
    /// Paragraphs of a gated article shown before the wall.
    pub lead_paragraphs: usize,
    codec: MeterCodec,
    /// Access level and ID of articles by slug, per content epoch: the meter is decided
    /// before the page is chosen, without a database query on a hit.
    gates: quick_cache::sync::Cache<String, Arc<Gate>>,
    pub stats: WallStats,
}

#[derive(Debug)]
pub struct Gate {
    pub article_id: String,
    pub key: u32,
    pub access: AccessLevel,
    epoch: i64,
}

/// What one reader sees of one article.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// Everything, nothing said about the meter.
    Open,
    /// Everything, with "N free articles left".
    Metered { left: u32 },
    /// The lead-in and the wall.
    Walled(meter::WallReason),
}

impl View {
    /// The part of the page-cache key that tells the forms apart.
    pub fn key(self) -> String {
        match self {
            View::Open => "open".into(),
            View::Metered { left } => format!("left{left}"),
            View::Walled(meter::WallReason::MeterSpent) => "walled".into(),
            View::Walled(meter::WallReason::RegisteredOnly) => "walled-reg".into(),
        }
    }

    /// Whether the response depends on this reader's meter (never for shared caches).
    pub fn per_reader(self) -> bool {
        !matches!(self, View::Open)
    }
}

/// Whether a request may count an article on the reader's meter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counting {
    /// A GET: the reader is reading; a new article is counted and the cookie updated.
    Spend,
    /// A HEAD (or anything else that only looks): the same view, but nothing is spent and no
    /// cookie is set. HEAD is a safe method (RFC 9110 §9.2.1); link checkers and previews
    /// must not use up a reader's free articles.
    Look,
}

impl Counting {
    pub fn of(method: &axum::http::Method) -> Self {
        if method == axum::http::Method::GET {
            Counting::Spend
        } else {
            Counting::Look
        }
    }
}

/// A reader's view of an article and the meter cookie to set with it.
pub struct Access {
    pub view: View,
    pub signed_in: bool,
    pub set_cookie: Option<HeaderValue>,
}

impl Wall {
    pub fn new(policy: MeterPolicy, lead_paragraphs: usize, secret: &[u8]) -> Self {
        Self {
            policy,
            lead_paragraphs,
            codec: MeterCodec::new(secret),
            gates: quick_cache::sync::Cache::new(50_000),
            stats: WallStats::default(),
        }
    }

    pub fn registration_started(&self, article_id: &str) {
        metrics::counter!("masthead_wall_registrations_started_total").increment(1);
        self.stats.add(article_id, |c| c.registrations_started += 1);
    }

    pub fn signed_up(&self, article_id: &str) {
        metrics::counter!("masthead_wall_signups_total").increment(1);
        self.stats.add(article_id, |c| c.signups += 1);
    }

    pub(crate) fn impression(&self, article_id: &str, reason: meter::WallReason) {
        let reason = match reason {
            meter::WallReason::MeterSpent => "meter",
            meter::WallReason::RegisteredOnly => "registered_only",
        };
        metrics::counter!("masthead_wall_impressions_total", "reason" => reason).increment(1);
        self.stats.add(article_id, |c| c.impressions += 1);
    }
}

impl AppState {
    /// The published article's access level, from memory unless the content changed.
    pub(crate) async fn article_gate(&self, slug: &str) -> Result<Option<Arc<Gate>>, WebError> {
        let epoch = self.cache.epoch();
        if let Some(g) = self.wall.gates.get(slug)
            && g.epoch >= epoch
        {
            return Ok(Some(g));
        }
        let Some((article_id, access)) = self.store.published_article_access(slug).await? else {
            return Ok(None);
        };
        let gate = Arc::new(Gate {
            key: meter::article_key(&article_id),
            article_id,
            access,
            epoch,
        });
        self.wall.gates.insert(slug.to_owned(), gate.clone());
        Ok(Some(gate))
    }

    /// Decides what this request's reader sees of the article, counting it on their meter
    /// when `counting` says the request spends.
    pub(crate) async fn article_access(
        &self,
        headers: &HeaderMap,
        gate: &Gate,
        counting: Counting,
    ) -> Result<Access, WebError> {
        let has_session = cookies::session_token(headers, self.secure_cookies()).is_some();
        if gate.access == AccessLevel::Free {
            // Nothing to protect: the cookie's presence picks the header variant, no query.
            return Ok(Access {
                view: View::Open,
                signed_in: has_session,
                set_cookie: None,
            });
        }
        let signed_in = has_session && self.session(headers).await?.is_some();
        let state = self.wall.codec.decode(cookies::get_up_to(
            headers,
            METER_COOKIE,
            self.secure_cookies(),
            meter::MAX_COOKIE_LEN,
        ));
        let now = masthead_store::now_ms();
        let outcome = self
            .wall
            .policy
            .decide(&state, gate.key, gate.access, signed_in, now);
        let view = match outcome.decision {
            Decision::Open => View::Open,
            Decision::Metered { left } => View::Metered { left },
            Decision::Walled(reason) => View::Walled(reason),
        };
        let new_state = outcome.new_state.filter(|_| counting == Counting::Spend);
        let set_cookie = new_state.map(|s| {
            let max_age = self.wall.policy.window_ms / 1000;
            cookies::set(
                METER_COOKIE,
                &self.wall.codec.encode(&s),
                Some(max_age),
                self.secure_cookies(),
            )
        });
        Ok(Access {
            view,
            signed_in,
            set_cookie,
        })
    }
}

/// An article ID as the wall's form sends it back: UUID-like, nothing else.
pub fn plausible_article_id(s: &str) -> bool {
    (1..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}
