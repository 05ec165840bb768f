//! What the web application needs to know; the CLI fills it from defaults, `masthead.toml`,
//! `MASTHEAD_*` variables and flags.

use std::path::PathBuf;

/// `Debug` is written out below so that the secrets it holds (the metrics token, the SMTP
/// password) never reach a log line.
#[derive(Clone)]
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
    /// The key under which sign-in codes, links and session tokens are hashed
    /// (`MASTHEAD_TOKEN_KEY`); None: the key file `DATA/token.key`, made on first start
    /// (`masthead_jobs::token_key`). Several nodes must share one key.
    pub token_key: Option<String>,
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
    /// rebuilds in the background (`masthead_jobs::search_sync`).
    pub search_rebuild_before_serving_max: u64,
    /// Closing threads by age, and what deleted accounts' comments become.
    pub comments: crate::CommentsConfig,
    /// Feed length and sitemap page size (`feeds`).
    pub feeds: crate::FeedsConfig,
    /// The site's own reverse proxies, whose `X-Forwarded-For`/`Forwarded` name the client
    /// (`client_ip`); none by default: the TCP peer is the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Run the background job worker in this process (`serve --no-worker` turns it off, for a
    /// site that runs `masthead worker` on nodes of its own).
    pub run_worker: bool,
    /// Timeouts and the connection cap of the HTTP server (`server.rs`).
    pub server: crate::ServerLimits,
    /// Searches a client (IP address) may run against the index per minute on this node;
    /// cached results do not count; 0 turns the limit off (`search/limit.rs`).
    pub search_per_minute: u32,
    /// API requests a client (IP address) may make per minute on this node, and Admin API
    /// requests per key (`api/auth.rs`); 0 turns a limit off.
    pub api_per_minute: u32,
    pub api_key_per_minute: u32,
    /// How long a staff session lasts, in hours (`MASTHEAD_STAFF_SESSION_HOURS`, default 12); readers'
    /// sessions last 30 days.
    pub staff_session_hours: i64,
    /// Web Push: the push services delivered to, TTL, pruning (`masthead_jobs::push`).
    pub push: masthead_jobs::push::PushSettings,
    /// The Daily Edition: its schedule, SMTP pool, rate limits, DKIM (`masthead_jobs::edition`).
    pub edition: masthead_jobs::edition::EditionSettings,
    /// The OpenID providers offered as "Continue with" buttons (`oidc`); none by default.
    pub oidc: Vec<crate::oidc::OidcProvider>,
    /// Photos: where media live (`MASTHEAD_MEDIA_STORE`) and the upload limits (`photos`).
    pub photos: crate::PhotosConfig,
}

impl std::fmt::Debug for WebConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Destructured so that a new field cannot be forgotten here.
        let Self {
            listen,
            data_dir,
            public_url,
            site_name,
            tagline,
            time_zone,
            theme_dir,
            page_cache_bytes,
            epoch_poll,
            metrics_token,
            token_key,
            smtp_url,
            mail_from,
            rate_limits,
            meter,
            wall_lead_paragraphs,
            search,
            search_rebuild_before_serving_max,
            comments,
            feeds,
            server,
            search_per_minute,
            api_per_minute,
            api_key_per_minute,
            trusted_proxies,
            run_worker,
            staff_session_hours,
            push,
            edition,
            oidc,
            photos,
        } = self;
        f.debug_struct("WebConfig")
            .field("listen", listen)
            .field("data_dir", data_dir)
            .field("public_url", public_url)
            .field("site_name", site_name)
            .field("tagline", tagline)
            .field("time_zone", &time_zone.iana_name())
            .field("theme_dir", theme_dir)
            .field("page_cache_bytes", page_cache_bytes)
            .field("epoch_poll", epoch_poll)
            .field("metrics_token", &metrics_token.as_ref().map(|_| "****"))
            .field("token_key", &token_key.as_ref().map(|_| "****"))
            .field(
                "smtp_url",
                &smtp_url.as_deref().map(masthead_store::mask_url),
            )
            .field("mail_from", mail_from)
            .field("rate_limits", rate_limits)
            .field("meter", meter)
            .field("wall_lead_paragraphs", wall_lead_paragraphs)
            .field("search", search)
            .field(
                "search_rebuild_before_serving_max",
                search_rebuild_before_serving_max,
            )
            .field("comments", comments)
            .field("feeds", feeds)
            .field("server", server)
            .field("search_per_minute", search_per_minute)
            .field("api_per_minute", api_per_minute)
            .field("api_key_per_minute", api_key_per_minute)
            .field("trusted_proxies", trusted_proxies)
            .field("run_worker", run_worker)
            .field("staff_session_hours", staff_session_hours)
            .field("push", push)
            .field("edition", edition)
            .field("oidc", oidc)
            .field("photos", photos)
            .finish()
    }
}

impl WebConfig {
    /// Where this configuration sends email.
    pub fn mail_settings(&self) -> masthead_jobs::MailSettings {
        masthead_jobs::MailSettings {
            smtp_url: self.smtp_url.clone(),
            from: self.mail_from.clone(),
            outbox_dir: self.outbox_dir(),
            theme_dir: self.theme_dir.clone(),
        }
    }

    /// What emails need to know of the site.
    pub fn site_settings(&self) -> masthead_jobs::SiteSettings {
        masthead_jobs::SiteSettings {
            site_name: self.site_name.clone(),
            public_url: self.public_url.clone(),
            time_zone: self.time_zone.clone(),
        }
    }

    /// Whether readers reach the site over HTTPS (secure cookies, HSTS).
    pub fn is_https(&self) -> bool {
        self.public_url
            .get(..8)
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
    }

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
            token_key: None,
            smtp_url: None,
            mail_from: "Masthead <no-reply@localhost>".into(),
            rate_limits: crate::RateLimits::default(),
            run_worker: true,
            trusted_proxies: Vec::new(),
            meter: masthead_core::meter::MeterPolicy::default(),
            wall_lead_paragraphs: 2,
            search: masthead_search::SearchOptions::default(),
            search_rebuild_before_serving_max: 10_000,
            comments: crate::CommentsConfig::default(),
            feeds: crate::FeedsConfig::default(),
            server: crate::ServerLimits::default(),
            search_per_minute: 60,
            api_per_minute: 600,
            api_key_per_minute: 300,
            staff_session_hours: crate::account::STAFF_SESSION_HOURS,
            push: masthead_jobs::push::PushSettings::default(),
            edition: masthead_jobs::edition::EditionSettings::default(),
            oidc: Vec::new(),
            photos: crate::PhotosConfig::default(),
        }
    }

    pub fn outbox_dir(&self) -> PathBuf {
        self.data_dir.join("outbox")
    }

    pub fn media_dir(&self) -> PathBuf {
        self.data_dir.join("media")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_masks_the_secrets() {
        let mut config = WebConfig::new("/data".into());
        config.metrics_token = Some("metrics-secret-token".into());
        config.token_key = Some("token-key-secret".into());
        config.smtp_url = Some("smtps://mailer:smtp-password@mail.example:465".into());
        let shown = format!("{config:?}");
        assert!(!shown.contains("metrics-secret-token"), "{shown}");
        assert!(!shown.contains("smtp-password"), "{shown}");
        assert!(!shown.contains("token-key-secret"), "{shown}");
        assert!(shown.contains("mail.example"), "{shown}");
        assert!(shown.contains("****"), "{shown}");
    }
}
