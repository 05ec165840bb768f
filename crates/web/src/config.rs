//! What the web application needs to know; the CLI fills it from defaults, `masthead.toml`,
//! `MASTHEAD_*` variables and flags.

use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct WebConfig {
    pub listen: String,
    /// The data directory: media files live under `media/`.
    pub data_dir: PathBuf,
    /// The publication's address as readers see it, without a trailing slash.
    pub public_url: String,
    pub site_name: String,
    pub tagline: String,
    pub time_zone: jiff::tz::TimeZone,
    /// A theme directory overriding the embedded default theme (templates/ and static/).
    pub theme_dir: Option<PathBuf>,
    /// Memory for cached pages (bytes, all encodings together).
    pub page_cache_bytes: u64,
    /// How often to look for content changes made by other nodes or processes.
    pub epoch_poll: std::time::Duration,
    /// A bearer token that opens `/metrics` to non-loopback clients.
    pub metrics_token: Option<String>,
    /// `smtp://…` or `smtps://…`; None writes emails to `DATA/outbox/`.
    pub smtp_url: Option<String>,
    /// The sender of every email, e.g. `The Meridian Courier <news@example.org>`.
    pub mail_from: String,
    /// Limits on the account forms (emails sent, codes and links tried).
    pub rate_limits: crate::RateLimits,
    /// The registration wall's meter: free metered articles per window.
    pub meter: masthead_core::meter::MeterPolicy,
    /// Paragraphs of a gated article shown above the wall (and in search snippets).
    pub wall_lead_paragraphs: usize,
    /// The search index's language and how much of a gated article results may quote.
    pub search: masthead_search::SearchOptions,
    /// A missing or outdated search index is rebuilt before serving when the archive holds at
    /// most this many articles (seconds of work); above it the server starts at once and
    /// rebuilds in the background (`search::sync`).
    pub search_rebuild_before_serving_max: u64,
    /// Closing threads by age, and what deleted accounts' comments become.
    pub comments: crate::CommentsConfig,
    /// Timeouts and the connection cap of the HTTP server (`server.rs`).
    pub server: crate::ServerLimits,
}

impl WebConfig {
    /// Defaults for a data directory; suits tests and the demo.
    pub fn new(data_dir: PathBuf) -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            data_dir,
            public_url: "http://127.0.0.1:8080".into(),
            site_name: "Masthead".into(),
            tagline: String::new(),
            time_zone: jiff::tz::TimeZone::UTC,
            theme_dir: None,
            page_cache_bytes: 64 * 1024 * 1024,
            epoch_poll: std::time::Duration::from_secs(1),
            metrics_token: None,
            smtp_url: None,
            mail_from: "Masthead <no-reply@localhost>".into(),
            rate_limits: crate::RateLimits::default(),
            meter: masthead_core::meter::MeterPolicy::default(),
            wall_lead_paragraphs: 2,
            search: masthead_search::SearchOptions::default(),
            search_rebuild_before_serving_max: 10_000,
            comments: crate::CommentsConfig::default(),
            server: crate::ServerLimits::default(),
        }
    }

    pub fn outbox_dir(&self) -> PathBuf {
        self.data_dir.join("outbox")
    }

    pub fn media_dir(&self) -> PathBuf {
        self.data_dir.join("media")
    }
}

