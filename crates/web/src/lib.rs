//! The Masthead web application: reader pages, operations endpoints and the machinery around
//! them (theme, page cache, metrics, errors).
//!
//! Build with [`Application::build`], which binds the listener (port 0 in tests) and reports its
//! address, then [`Application::run`] until the shutdown future resolves. Background work (the
//! job worker, the cache-invalidation watcher) runs alongside and stops with it.

mod account;
mod cache;
mod comments;
mod config;
mod error;
mod middleware;
mod ops;
mod pages;
pub mod search;
mod server;
mod theme;
mod views;
mod wall;

use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

use axum::Router;
use masthead_store::{Store, jobs};
use tokio::net::TcpListener;

pub use account::RateLimits;
pub use cache::PageCache;
pub use comments::{CommentsConfig, OnDelete};
pub use config::WebConfig;
pub use masthead_search::{SearchLanguage, SearchOptions};
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
    pub mailer: masthead_mail::Mailer,
    pub emails: masthead_mail::EmailTemplates,
    /// Wakes this node's job worker after enqueueing work.
    pub jobs_wake: Arc<tokio::sync::Notify>,
    pub wall: wall::Wall,
    /// This node's search index (see `search::sync` for how it stays current).
    pub search: Arc<masthead_search::SearchIndex>,
    /// Held while this node applies changes to its search index (`search::sync`).
    pub search_updates: tokio::sync::Mutex<()>,
    /// The search index is being rebuilt in the background: results are incomplete, and
    /// `/search` says so (`search::sync::open_at_start`).
    pub search_rebuilding: std::sync::atomic::AtomicBool,
    /// Comment thread versions and loaded thread pages (see `comments`).
    pub comments: comments::CommentsCache,
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
        let mailer = masthead_mail::Mailer::new(
            config.smtp_url.as_deref(),
            &config.mail_from,
            config.outbox_dir(),
        )?;
        let emails = masthead_mail::EmailTemplates::load(config.theme_dir.as_deref())?;
        tracing::info!(mail = %mailer.describe(), "email delivery");
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
        let (search, rebuilding) = search::open_at_start(
            &store,
            &config.data_dir,
            &search_options,
            config.search_rebuild_before_serving_max,
        )
        .await?;
        let state = AppState(Arc::new(App {
            store,
            config,
            theme,
            cache,
            mailer,
            emails,
            jobs_wake: Arc::new(tokio::sync::Notify::new()),
            wall,
            search,
            search_updates: tokio::sync::Mutex::new(()),
            search_rebuilding: std::sync::atomic::AtomicBool::new(rebuilding),
            comments: comments::CommentsCache::new(),
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
        let worker = job_worker(&self.state).run(
            Duration::from_millis(500),
            self.state.jobs_wake.clone(),
            stop_rx.clone(),
        );
        let worker = tokio::spawn(worker);
        let index_watcher = tokio::spawn(search::sync::watch_index(
            self.state.clone(),
            stop_rx.clone(),
        ));
        if self
            .state
            .search_rebuilding
            .load(std::sync::atomic::Ordering::Acquire)
        {
            // Not joined at shutdown: stopping abandons the unfinished build (a later start
            // removes its directory and begins again).
            tokio::spawn(search::sync::rebuild_in_background(
                self.state.clone(),
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
        let stats = tokio::spawn(wall::run_stats_flusher(self.state.clone(), stop_rx));
        let limits = self.state.config.server.clone();
        server::serve(self.listener, self.router, limits, shutdown).await?;
        let _ = stop_tx.send(true);
        let _ = tokio::join!(worker, watcher, index_watcher, comments, stats);
        Ok(())
    }
}

/// The worker with every job handler this node runs.
pub fn job_worker(state: &AppState) -> jobs::Worker {
    let store = state.store.clone();
    let app = state.clone();
    let indexer = state.clone();
    let replies = state.clone();
    jobs::Worker::new(state.store.clone())
        .handle(masthead_store::search_feed::INDEX_ARTICLE, move |job| {
            search::sync::index_article(indexer.clone(), job)
        })
        .handle(masthead_store::comments::SEND_REPLY_EMAIL, move |job| {
            comments::send_reply_email(replies.clone(), job)
        })
        .handle(masthead_store::readers::SEND_SIGN_IN_EMAIL, move |job| {
            account::send_sign_in_email(app.clone(), job)
        })
        .handle(jobs::PUBLISH_ARTICLE, move |job| {
            let store = store.clone();
            async move {
                let id = job.payload["article_id"]
                    .as_str()
                    .ok_or("publish_article job without article_id")?
                    .to_owned();
                let published = store
                    .publish_scheduled(&id, masthead_store::now_ms())
                    .await
                    .map_err(|e| e.to_string())?;
                tracing::info!(article_id = %id, published, "scheduled publication");
                Ok(())
            }
        })
}

fn router(state: AppState) -> Router {
    use axum::routing::get;
    let routes = Router::new()
        .route("/", get(pages::front_page))
        .route("/tag/{slug}", get(pages::tag_page))
        .route("/author/{slug}", get(pages::author_page))
        .route("/{section}", get(pages::section_page))
        .route("/{section}/{slug}", get(pages::article_page))
        .route("/static/{*path}", get(theme::static_file))
        .route("/media/{*path}", get(ops::media_file))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .merge(account::routes())
        .merge(search::routes())
        .merge(comments::routes())
        .fallback(pages::not_found);
    around_every_request(routes, state)
}

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
        .layer(tower_http::limit::RequestBodyLimitLayer::new(1024 * 1024))
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
