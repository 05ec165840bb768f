//! Configuration, layered: defaults, then `DATA/masthead.toml`, then `MASTHEAD_*` variables,
//! then flags (later wins). The publication's name, tagline and time zone may also come from
//! the database (an imported `site.toml`), below everything set explicitly.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;
use masthead_store::Store;
use masthead_web::WebConfig;
use serde::Deserialize;

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Data directory: SQLite database, uploaded media, email outbox, generated secrets.
    /// Created on first start. [env: MASTHEAD_DATA] [default: ./masthead-data]
    #[arg(long, global = true, env = "MASTHEAD_DATA", hide_env = true)]
    pub data: Option<PathBuf>,
    /// Log as JSON lines (for log collectors) instead of text. [env: MASTHEAD_LOG_JSON]
    #[arg(long, global = true, env = "MASTHEAD_LOG_JSON", hide_env = true)]
    pub log_json: bool,
}

/// Limits of the HTTP server (`masthead_web::ServerLimits`): flags, each also a `MASTHEAD_*`
/// variable, over `masthead.toml`, over the defaults.
#[derive(Debug, Default, Args)]
pub struct ServerArgs {
    /// Most connections open at once; more wait in the listen backlog until one closes.
    /// [env: MASTHEAD_MAX_CONNECTIONS] [default: 512]
    #[arg(long, env = "MASTHEAD_MAX_CONNECTIONS", hide_env = true)]
    pub max_connections: Option<usize>,
    /// Seconds a client has to send a complete request head (also the idle time allowed
    /// between requests on an HTTP/1 connection). [env: MASTHEAD_HEADER_TIMEOUT_SECS] [default: 10]
    #[arg(long, env = "MASTHEAD_HEADER_TIMEOUT_SECS", hide_env = true)]
    pub header_timeout_secs: Option<u64>,
    /// Seconds a request may take, body included, before it is answered 408.
    /// [env: MASTHEAD_REQUEST_TIMEOUT_SECS] [default: 30]
    #[arg(long, env = "MASTHEAD_REQUEST_TIMEOUT_SECS", hide_env = true)]
    pub request_timeout_secs: Option<u64>,
    /// Seconds a connection may stay open with no bytes moving either way.
    /// [env: MASTHEAD_IDLE_TIMEOUT_SECS] [default: 60]
    #[arg(long, env = "MASTHEAD_IDLE_TIMEOUT_SECS", hide_env = true)]
    pub idle_timeout_secs: Option<u64>,
}

/// `DATA/masthead.toml`: every setting is optional. `Debug` masks the secrets (`Secret`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    public_url: Option<String>,
    database_url: Option<Secret>,
    smtp_url: Option<Secret>,
    mail_from: Option<String>,
    meter_free: Option<u32>,
    meter_window_days: Option<u32>,
    wall_lead_paragraphs: Option<u32>,
    site_name: Option<String>,
    tagline: Option<String>,
    time_zone: Option<String>,
    theme: Option<PathBuf>,
    page_cache_mb: Option<u64>,
    metrics_token: Option<Secret>,
    token_key: Option<Secret>,
    search_language: Option<String>,
    comments_close_after_days: Option<i64>,
    comments_on_delete: Option<String>,
    search_per_minute: Option<u32>,
    /// The APIs' limits (`config/api.rs`).
    api_per_minute: Option<u32>,
    websub_hub: Option<String>,
    api_key_per_minute: Option<u32>,
    feed_items: Option<usize>,
    max_connections: Option<usize>,
    header_timeout_secs: Option<u64>,
    request_timeout_secs: Option<u64>,
    idle_timeout_secs: Option<u64>,
    staff_session_hours: Option<i64>,
    push_services: Option<String>,
    /// Photos (`config/photos.rs`).
    media_store: Option<String>,
    photo_max_mb: Option<u64>,
    photo_max_megapixels: Option<u64>,
    /// `[oidc.<id>]`: OpenID providers (`config/oidc.rs`).
    oidc: Option<std::collections::BTreeMap<String, oidc::FileOidc>>,
}

/// A value that must never be printed.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    fn expose(&self) -> String {
        self.0.clone()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("****")
    }
}

#[derive(Debug)]
pub struct Settings {
    pub data_dir: PathBuf,
    file: FileConfig,
    database_url: Option<Secret>,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Settings {
    pub fn load(global: &GlobalArgs) -> anyhow::Result<Self> {
        let data_dir = global
            .data
            .clone()
            .unwrap_or_else(|| PathBuf::from("masthead-data"));
        prepare_data_dir(&data_dir)?;
        let path = data_dir.join("masthead.toml");
        let file = if path.exists() {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            toml::from_str(&text).with_context(|| format!("{} is not valid", path.display()))?
        } else {
            FileConfig::default()
        };
        let database_url = env("MASTHEAD_DATABASE_URL")
            .map(Secret)
            .or_else(|| file.database_url.clone());
        Ok(Self {
            data_dir,
            file,
            database_url,
        })
    }

    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(Secret(url)) => url.clone(),
            None => masthead_store::sqlite_url(&self.data_dir.join("masthead.db")),
        }
    }

    /// The database, with any password masked.
    pub fn database_display(&self) -> String {
        masthead_store::mask_url(&self.database_url())
    }

    /// The search index's options: `MASTHEAD_SEARCH_LANGUAGE` or `search_language` (default
    /// english).
    /// Paragraphs of a gated article shown above the wall (and quoted by search results).
    pub fn wall_lead_paragraphs(&self) -> anyhow::Result<usize> {
        match env("MASTHEAD_WALL_LEAD_PARAGRAPHS") {
            Some(v) => v.trim().parse().with_context(|| {
                format!("MASTHEAD_WALL_LEAD_PARAGRAPHS={v} is not a whole number of at least 0")
            }),
            None => Ok(self.file.wall_lead_paragraphs.unwrap_or(2) as usize),
        }
    }

    pub fn search_options(&self) -> anyhow::Result<masthead_web::SearchOptions> {
        // Search results quote no more of a gated article than the wall shows.
        let mut options = masthead_web::SearchOptions {
            lead_in_paragraphs: self.wall_lead_paragraphs()?,
            ..Default::default()
        };
        if let Some(lang) =
            env("MASTHEAD_SEARCH_LANGUAGE").or_else(|| self.file.search_language.clone())
        {
            options.language = lang.parse().map_err(|e: String| anyhow::anyhow!(e))?;
        }
        Ok(options)
    }

    pub async fn open_store(&self) -> anyhow::Result<Store> {
        if self.database_url.is_none() {
            create_private_file(&self.data_dir.join("masthead.db"))?;
        }
        Ok(Store::open(&self.database_url()).await?)
    }

    pub async fn web_config(
        &self,
        store: &Store,
        listen: Option<String>,
        theme: Option<PathBuf>,
        server: &ServerArgs,
    ) -> anyhow::Result<WebConfig> {
        let mut web = WebConfig::new(self.data_dir.clone());
        if let Some(l) = listen.or_else(|| self.file.listen.clone()) {
            web.listen = l;
        }
        web.public_url = env("MASTHEAD_PUBLIC_URL")
            .or_else(|| self.file.public_url.clone())
            .unwrap_or_else(|| format!("http://{}", web.listen))
            .trim_end_matches('/')
            .to_owned();
        web.site_name = match env("MASTHEAD_SITE_NAME").or_else(|| self.file.site_name.clone()) {
            Some(n) => n,
            None => store
                .setting(masthead_import::SETTING_NAME)
                .await?
                .unwrap_or_else(|| "Masthead".into()),
        };
        web.tagline = match env("MASTHEAD_TAGLINE").or_else(|| self.file.tagline.clone()) {
            Some(t) => t,
            None => store
                .setting(masthead_import::SETTING_TAGLINE)
                .await?
                .unwrap_or_default(),
        };
        let tz = match env("MASTHEAD_TIME_ZONE").or_else(|| self.file.time_zone.clone()) {
            Some(t) => Some(t),
            None => store.setting(masthead_import::SETTING_TIME_ZONE).await?,
        };
        if let Some(tz) = tz {
            web.time_zone = jiff::tz::TimeZone::get(&tz).with_context(|| {
                format!("unknown time zone “{tz}”: use an IANA name such as Europe/Lisbon")
            })?;
        }
        web.theme_dir = theme.or_else(|| self.file.theme.clone());
        if let Some(mb) = env("MASTHEAD_PAGE_CACHE_MB")
            .and_then(|v| v.parse().ok())
            .or(self.file.page_cache_mb)
        {
            web.page_cache_bytes = mb * 1024 * 1024;
        }
        web.metrics_token = env("MASTHEAD_METRICS_TOKEN")
            .or_else(|| self.file.metrics_token.as_ref().map(Secret::expose));
        web.token_key =
            env("MASTHEAD_TOKEN_KEY").or_else(|| self.file.token_key.as_ref().map(Secret::expose));
        self.server_limits(&mut web.server, server)?;
        web.search_per_minute = match env("MASTHEAD_SEARCH_PER_MINUTE") {
            Some(v) => v.trim().parse().with_context(|| {
                format!(
                    "MASTHEAD_SEARCH_PER_MINUTE={v} is not a whole number (0 turns the limit off)"
                )
            })?,
            None => self.file.search_per_minute.unwrap_or(web.search_per_minute),
        };
        web.feeds.items = match env("MASTHEAD_FEED_ITEMS") {
            Some(v) => v
                .trim()
                .parse()
                .ok()
                .filter(|n| (1..=1000).contains(n))
                .with_context(|| {
                    format!("MASTHEAD_FEED_ITEMS={v} is not a whole number from 1 to 1000")
                })?,
            None => match self.file.feed_items {
                Some(n) if !(1..=1000).contains(&n) => {
                    bail!("feed_items = {n} in masthead.toml is not a whole number from 1 to 1000")
                }
                Some(n) => n,
                None => web.feeds.items,
            },
        };
        let limit = |name: &str, default: i64| -> anyhow::Result<i64> {
            match env(name) {
                Some(v) => v
                    .trim()
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .with_context(|| format!("{name}={v} is not a positive whole number")),
                None => Ok(default),
            }
        };
        let defaults = web.rate_limits;
        web.rate_limits.emails_per_address = limit(
            "MASTHEAD_RATE_EMAILS_PER_ADDRESS",
            defaults.emails_per_address,
        )?;
        web.rate_limits.emails_per_ip =
            limit("MASTHEAD_RATE_EMAILS_PER_IP", defaults.emails_per_ip)?;
        web.rate_limits.attempts_per_minute = limit(
            "MASTHEAD_RATE_ATTEMPTS_PER_MINUTE",
            defaults.attempts_per_minute,
        )?;
        if let Some(v) = env("MASTHEAD_TRUSTED_PROXIES") {
            web.trusted_proxies = masthead_web::parse_trusted_proxies(&v)
                .map_err(|e| anyhow::anyhow!("MASTHEAD_TRUSTED_PROXIES={v}: {e}"))?;
        }
        // The registration wall: 0 free articles (wall at once) and 0 lead-in paragraphs are
        // valid choices; a window must last at least a day.
        let whole =
            |name: &str, file: Option<u32>, default: u32, min: u32| -> anyhow::Result<u32> {
                match env(name) {
                    Some(v) => v
                        .trim()
                        .parse()
                        .ok()
                        .filter(|n| *n >= min)
                        .with_context(|| {
                            format!("{name}={v} is not a whole number of at least {min}")
                        }),
                    None => Ok(file.unwrap_or(default)),
                }
            };
        // Saved from the newsroom's settings page, below the file and the variable.
        let stored_free = store
            .setting(masthead_store::site_settings::METER_FREE)
            .await?
            .and_then(|v| v.parse().ok());
        web.meter.free = whole(
            "MASTHEAD_METER_FREE",
            self.file.meter_free.or(stored_free),
            5,
            0,
        )?;
        let days = whole(
            "MASTHEAD_METER_WINDOW_DAYS",
            self.file.meter_window_days,
            30,
            1,
        )?;
        web.meter.window_ms = i64::from(days) * 86_400_000;
        web.wall_lead_paragraphs = self.wall_lead_paragraphs()?;
        web.search = self.search_options()?;
        if let Some(v) = env("MASTHEAD_COMMENTS_CLOSE_AFTER_DAYS") {
            web.comments.close_after_days = v.trim().parse().ok().filter(|d| *d >= 0).with_context(|| {
                format!("MASTHEAD_COMMENTS_CLOSE_AFTER_DAYS={v} is not a whole number of days (0 keeps threads open)")
            })?;
        } else if let Some(d) = self.file.comments_close_after_days {
            anyhow::ensure!(d >= 0, "comments_close_after_days = {d} must be 0 or more");
            web.comments.close_after_days = d;
        }
        if let Some(v) =
            env("MASTHEAD_COMMENTS_ON_DELETE").or_else(|| self.file.comments_on_delete.clone())
        {
            web.comments.on_delete = match v.trim() {
                "anonymize" => masthead_web::OnDelete::Anonymize,
                "remove" => masthead_web::OnDelete::Remove,
                other => {
                    anyhow::bail!("MASTHEAD_COMMENTS_ON_DELETE={other}: use anonymize or remove")
                }
            };
        }
        web.staff_session_hours = self.staff_session_hours(web.staff_session_hours)?;
        push::apply(&mut web.push, self.file.push_services.as_deref())?;
        web.edition = edition::edition_settings()?;
        web.smtp_url =
            env("MASTHEAD_SMTP_URL").or_else(|| self.file.smtp_url.as_ref().map(Secret::expose));
        web.mail_from = match env("MASTHEAD_MAIL_FROM").or_else(|| self.file.mail_from.clone()) {
            Some(from) => from,
            None => {
                // "The Meridian Courier <no-reply@news.example>", from the public address.
                let host = web.public_url.split("://").nth(1).unwrap_or("localhost");
                let host = host.split(['/', ':']).next().unwrap_or("localhost");
                let name = web.site_name.replace(['<', '>', '"', ','], "");
                format!("{name} <no-reply@{host}>")
            }
        };
        web.oidc = oidc::providers(self.file.oidc.as_ref(), std::env::vars())?;
        api::apply(
            &mut web,
            self.file.api_per_minute,
            self.file.api_key_per_minute,
            env,
        )?;
        websub::apply(&mut web, self.file.websub_hub.as_deref(), env)?;
        photos::apply(
            &mut web.photos,
            self.file.media_store.as_deref(),
            self.file.photo_max_mb,
            self.file.photo_max_megapixels,
        )?;
        Ok(web)
    }

    /// The server's limits: flags (or their variables, which clap reads) over the file over
    /// the defaults. Zero is refused: a timeout of 0 or a cap of 0 connections serves nobody.
    fn server_limits(
        &self,
        limits: &mut masthead_web::ServerLimits,
        args: &ServerArgs,
    ) -> anyhow::Result<()> {
        let positive = |name: &str, value: Option<u64>| -> anyhow::Result<Option<u64>> {
            match value {
                Some(0) => bail!("{name} must be at least 1"),
                v => Ok(v),
            }
        };
        let secs = |name: &str, flag: Option<u64>, file: Option<u64>| {
            positive(name, flag.or(file)).map(|v| v.map(std::time::Duration::from_secs))
        };
        if let Some(n) = positive(
            "max_connections (MASTHEAD_MAX_CONNECTIONS)",
            args.max_connections
                .or(self.file.max_connections)
                .map(|n| n as u64),
        )? {
            limits.max_connections = n as usize;
        }
        if let Some(d) = secs(
            "header_timeout_secs (MASTHEAD_HEADER_TIMEOUT_SECS)",
            args.header_timeout_secs,
            self.file.header_timeout_secs,
        )? {
            limits.header_timeout = d;
        }
        if let Some(d) = secs(
            "request_timeout_secs (MASTHEAD_REQUEST_TIMEOUT_SECS)",
            args.request_timeout_secs,
            self.file.request_timeout_secs,
        )? {
            limits.request_timeout = d;
        }
        if let Some(d) = secs(
            "idle_timeout_secs (MASTHEAD_IDLE_TIMEOUT_SECS)",
            args.idle_timeout_secs,
            self.file.idle_timeout_secs,
        )? {
            limits.idle_timeout = d;
        }
        Ok(())
    }

    /// How long staff sessions last: hours, 1 to 168 (a week; a newsroom session that can
    /// publish should not outlive a working week, `MASTHEAD_STAFF_SESSION_HOURS`).
    fn staff_session_hours(&self, default: i64) -> anyhow::Result<i64> {
        let (hours, from) = match env("MASTHEAD_STAFF_SESSION_HOURS") {
            Some(v) => (
                v.trim().parse::<i64>().ok(),
                format!("MASTHEAD_STAFF_SESSION_HOURS={v}"),
            ),
            None => match self.file.staff_session_hours {
                Some(h) => (Some(h), format!("staff_session_hours = {h}")),
                None => return Ok(default),
            },
        };
        hours
            .filter(|h| (1..=168).contains(h))
            .with_context(|| format!("{from}: use a whole number of hours from 1 to 168"))
    }

    /// Logs the configuration in effect, secrets masked.
    pub fn log_effective(&self, web: &WebConfig) {
        tracing::info!(
            data_dir = %self.data_dir.display(),
            database = %self.database_display(),
            listen = %web.listen,
            public_url = %web.public_url,
            site_name = %web.site_name,
            time_zone = web.time_zone.iana_name().unwrap_or("UTC"),
            theme = ?web.theme_dir,
            page_cache_mb = web.page_cache_bytes / (1024 * 1024),
            metrics_token = if web.metrics_token.is_some() { "****" } else { "(none: /metrics is loopback-only)" },
            token_key = if web.token_key.is_some() { "**** (MASTHEAD_TOKEN_KEY)" } else { "DATA/token.key" },
            run_worker = web.run_worker,
            smtp = %web.smtp_url.as_deref().map(masthead_store::mask_url).unwrap_or_else(|| "(none: emails go to DATA/outbox)".into()),
            mail_from = %web.mail_from,
            rate_limits = ?web.rate_limits,
            trusted_proxies = ?web.trusted_proxies,
            search_language = %web.search.language,
            meter_free = web.meter.free,
            meter_window_days = web.meter.window_ms / 86_400_000,
            wall_lead_paragraphs = web.wall_lead_paragraphs,
            comments = ?web.comments,
            server = ?web.server,
            search_per_minute = web.search_per_minute,
            api_per_minute = web.api_per_minute,
            api_key_per_minute = web.api_key_per_minute,
            feed_items = web.feeds.items,
            staff_session_hours = web.staff_session_hours,
            "effective configuration"
        );
    }
}

/// Creates the data directory if it does not exist; refuses one that cannot be used, naming it.
fn prepare_data_dir(dir: &Path) -> anyhow::Result<()> {
    if dir.exists() {
        if !dir.is_dir() {
            bail!(
                "the data directory {} exists but is not a directory",
                dir.display()
            );
        }
        std::fs::read_dir(dir)
            .with_context(|| format!("the data directory {} cannot be read", dir.display()))?;
        let probe = dir.join(".write-test");
        std::fs::write(&probe, b"")
            .with_context(|| format!("the data directory {} is not writable", dir.display()))?;
        let _ = std::fs::remove_file(probe);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir)?.permissions().mode();
            if mode & 0o077 != 0 {
                // Not changed behind the operator's back (they may share it with a backup
                // user on purpose), but said: the secret-bearing files in it are 0600 anyway.
                tracing::warn!(
                    dir = %dir.display(),
                    mode = format!("{:o}", mode & 0o777),
                    "the data directory is open to other users; 0700 is recommended"
                );
            }
        }
    } else {
        // The database, the search index (gated text), the outbox (live sign-in links) and
        // the generated secrets live here: the server's user alone may enter it.
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(dir)
            .with_context(|| format!("cannot create the data directory {}", dir.display()))?;
    }
    Ok(())
}

/// Makes sure `path` exists and is readable by its owner only, before SQLite opens it:
/// SQLite gives the `-wal` and `-shm` files the database file's permissions, so all three
/// end up 0600 whatever the umask. An existing file is tightened too.
fn create_private_file(path: &Path) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .with_context(|| format!("cannot create the database file {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mut files = vec![path.to_path_buf()];
        for suffix in ["-wal", "-shm"] {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            files.push(name.into());
        }
        for file in files.iter().filter(|f| f.exists()) {
            std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600))
                .with_context(|| format!("cannot restrict {} to its owner", file.display()))?;
        }
    }
    Ok(())
}

pub fn init_tracing(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

mod api;
mod edition;
mod oidc;
mod photos;
#[cfg(test)]
mod tests;
mod websub;

mod push;
