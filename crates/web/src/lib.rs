//! The Masthead web application: reader pages, operations endpoints and the machinery around
//! them (theme, page cache, metrics, errors).
//!
//! Build with [`Application::build`], which binds the listener (port 0 in tests) and reports its
//! address, then [`Application::run`] until the shutdown future resolves. Background work (the
//! job worker, the cache-invalidation watcher) runs alongside and stops with it.

mod account;
mod api;
mod cache;
mod client_ip;
mod comments;
mod config;
mod edition;
mod error;
mod feeds;
mod middleware;
mod newsroom;
pub mod oidc;
mod ops;
mod pages;
// Staff passkeys (WebAuthn): the newsroom issue's passkey part.
mod passkeys;
mod photos;
mod push;
pub mod search;
mod server;
mod session;
mod theme;
mod views;
mod wall;

use std::{future::Future, net::SocketAddr, sync::Arc};

use axum::Router;
use masthead_store::Store;
use tokio::net::TcpListener;

pub use account::RateLimits;
pub use cache::PageCache;
pub use client_ip::parse_trusted_proxies;
pub use comments::{CommentsConfig, OnDelete};
pub use config::WebConfig;
pub use feeds::FeedsConfig;
pub use masthead_search::{SearchLanguage, SearchOptions};
pub use oidc::install_tls_provider;
pub use photos::{PhotosConfig, media_env as photos_media_env};
pub use server::ServerLimits;
pub use theme::Theme;

/// Everything a request handler may need; cloned per request (an `Arc`).
#[derive(Clone)]
pub struct AppState(Arc<App>);

pub struct App {
    pub store: Store,
    pub config: WebConfig,
    pub theme: Theme,
    pub cache: PageCache,
    /// What background jobs run with (the mailer, the email templates, this node's index).
    pub jobs: Arc<masthead_jobs::JobEnv>,
    /// Wakes this node's job worker after enqueueing work.
    pub jobs_wake: Arc<tokio::sync::Notify>,
    pub wall: wall::Wall,
    /// This node's search index and what keeps it current (`masthead_jobs::search_sync`).
    pub search: Arc<masthead_jobs::SearchState>,
    /// Comment thread versions and loaded thread pages (see `comments`).
    pub comments: comments::CommentsCache,
    /// This node's recent session lookups (`session`).
    pub sessions: session::SessionCache,
    /// What each feature erases when a reader deletes their account.
    pub erasures: masthead_store::erasure::Erasures,
    /// Feeds, sitemaps and icons (`feeds`): the generated icons.
    pub feeds: feeds::FeedsState,
    /// The configured OpenID providers and their cached metadata (`oidc`).
    pub oidc: oidc::Oidc,
    /// The APIs' rate-limit buckets on this node (`api/auth.rs`).
    pub api: api::auth::SharedLimits,
}

impl std::ops::Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}

pub struct Application {
    listener: TcpListener,
    state: AppState,
    router: Router,
}

impl Application {
    pub async fn build(config: WebConfig, store: Store) -> anyhow::Result<Self> {
        // Install the metrics recorder before the first request is counted.
        middleware::metrics_handle();
        let theme = Theme::load(config.theme_dir.as_deref())?;
        let listener = TcpListener::bind(&config.listen)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.listen))?;
        let cache = PageCache::new(config.page_cache_bytes);
        let meter_secret = store
            .setting_or_insert(
                wall::METER_SECRET_KEY,
                &masthead_core::secret::random_token(),
            )
            .await?;
        let wall = wall::Wall::new(
            config.meter,
            config.wall_lead_paragraphs,
            meter_secret.as_bytes(),
        );
        // Search results quote no more of a gated article than the wall shows.
        let mut search_options = config.search.clone();
        search_options.lead_in_paragraphs = config.wall_lead_paragraphs;
        let search = search::open_at_start(
            &store,
            &config.data_dir,
            &search_options,
            config.search_rebuild_before_serving_max,
        )
        .await?;
        let tokens = masthead_jobs::token_key::load_token_hasher(
            &store,
            &config.data_dir,
            config.token_key.as_deref(),
        )
        .await?;
        let jobs = Arc::new(
            masthead_jobs::JobEnv::new(
                store.clone(),
                &config.mail_settings(),
                config.site_settings(),
                Some(search.clone()),
                tokens,
            )?
            .with_push(config.push.clone(), &config.mail_from)
            .with_edition(config.edition.clone())
            .with_media(photos::media_env(&config, &store))
            .with_websub(config.feeds.websub_hub.clone())?,
        );
        // The VAPID key is made (or read) now: browsers subscribe with it from the first page.
        jobs.push.deliverer(&store).await?;
        // Every feature that keeps data about readers registers what deleting one erases.
        let erasures = masthead_store::erasure::Erasures::new()
            .with(masthead_store::comments::CommentsErasure(
                config.comments.on_delete,
            ))
            .with(masthead_store::push::PushErasure)
            .with(masthead_store::edition::EditionErasure);
        // Imported photos (the demo's) get variants: one job per original still without them.
        let queued = if config.photos.variants_at_start {
            store.enqueue_missing_variants().await?
        } else {
            0
        };
        if queued > 0 {
            tracing::info!(queued, "photo variants queued for photos without them");
        }
        let feeds = feeds::FeedsState::new(config.page_cache_bytes);
        let oidc = oidc::Oidc::new(&config.oidc)?;
        let state = AppState(Arc::new(App {
            store,
            config,
            theme,
            cache,
            jobs,
            jobs_wake: Arc::new(tokio::sync::Notify::new()),
            wall,
            search,
            comments: comments::CommentsCache::new(),
            sessions: session::SessionCache::default(),
            erasures,
            feeds,
            oidc,
            api: Default::default(),
        }));
        let router = router(state.clone());
        Ok(Self {
            listener,
            state,
            router,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("bound listener has an address")
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` resolves, then finishes in-flight requests and stops the
    /// background tasks.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let state = &self.state;
        let worker = state.config.run_worker.then(|| {
            tokio::spawn(masthead_jobs::run_worker(
                state.jobs.clone(),
                state.jobs_wake.clone(),
                stop_rx.clone(),
            ))
        });
        let index_watcher = tokio::spawn(masthead_jobs::search_sync::watch_index(
            state.store.clone(),
            state.search.clone(),
            stop_rx.clone(),
        ));
        if state.search.rebuilding() {
            // Not joined at shutdown: stopping abandons the unfinished build (a later start
            // removes its directory and begins again).
            tokio::spawn(search::rebuild_in_background(
                state.store.clone(),
                state.search.clone(),
                stop_rx.clone(),
            ));
        }
        let comments = tokio::spawn(comments::watch_versions(
            self.state.clone(),
            stop_rx.clone(),
        ));
        let watcher = tokio::spawn(cache::watch_content_epoch(
            self.state.clone(),
            stop_rx.clone(),
        ));
        // OpenID Connect: expired flows and first sign-ins (oidc/mod.rs).
        let oidc_sweeper = tokio::spawn(oidc::run_sweeper(self.state.clone(), stop_rx.clone()));
        let stats = tokio::spawn(wall::run_stats_flusher(self.state.clone(), stop_rx));
        let limits = self.state.config.server.clone();
        server::serve(self.listener, self.router, limits, shutdown).await?;
        let _ = stop_tx.send(true);
        if let Some(worker) = worker {
            let _ = worker.await;
        }
        let _ = tokio::join!(watcher, index_watcher, comments, stats, oidc_sweeper);
        Ok(())
    }
}

/// The worker with every job kind, in this node's environment (tests run it by hand).
pub fn job_worker(state: &AppState) -> masthead_store::jobs::Worker {
    masthead_jobs::worker(state.jobs.clone())
}

fn router(state: AppState) -> Router {
    let routes = Router::new()
        .merge(pages::routes())
        .merge(ops::routes())
        .merge(account::routes())
        .merge(search::routes())
        .merge(comments::routes())
        .merge(newsroom::routes())
        .merge(feeds::routes())
        .merge(push::routes())
        .merge(edition::routes())
        .merge(oidc::routes())
        .merge(passkeys::routes())
        .merge(api::routes())
        .fallback(pages::not_found)
        // 1 MiB for every request but the photo upload, which sets its own limit (`photos`).
        .layer(tower_http::limit::RequestBodyLimitLayer::new(BODY_LIMIT))
        .merge(newsroom::upload_routes(&state))
        .merge(api::admin::photos::routes(&state));
    around_every_request(routes, state)
}

/// The largest request body accepted, except on the photo upload route.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// The layers every route and the fallback run inside.
fn around_every_request(routes: Router<AppState>, state: AppState) -> Router {
    // Innermost first: everything a layer below `observe` answers (a panic's 500, a
    // timeout's 408, a body's 413) passes through it, and so gets the security headers, the
    // themed error page and a count.
    routes
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            middleware::panic_response,
        ))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            state.config.server.request_timeout,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::observe,
        ))
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use axum::{body::Body, http::Request, routing::get};
    use tower::ServiceExt;

    use super::*;

    #[tokio::test]
    async fn a_panicking_handler_gets_the_themed_500_with_the_security_headers() {
        let db = masthead_store::testing::TestDb::new().await;
        let mut config = WebConfig::new(db.data_dir());
        config.listen = "127.0.0.1:0".into();
        config.public_url = "https://news.example".into();
        let app = Application::build(config, db.store.clone()).await.unwrap();
        let routes = Router::new().route(
            "/boom",
            get(|| async {
                panic!("a handler bug");
                #[allow(unreachable_code)]
                ""
            }),
        );
        let res = around_every_request(routes, app.state().clone())
            .oneshot(Request::get("/boom").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(res.status(), 500);
        let h = res.headers();
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert!(h.contains_key("content-security-policy"));
        assert_eq!(h["strict-transport-security"], "max-age=31536000");
        let body = axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .unwrap();
        let html = String::from_utf8_lossy(&body);
        assert!(html.contains("Something went wrong"), "{html}");
        assert!(
            !html.contains("a handler bug"),
            "the cause is logged, not shown"
        );
    }
}
