//! Test support: the real application on port 0, on a fresh database (SQLite, or PostgreSQL with
//! `MASTHEAD_TEST_BACKEND=postgres`), with a small newspaper imported through the real importer.
//!
//! How tests are written here:
//!
//! - Every test that spawns an app ends with [`TestApp::stop`]. It runs the jobs due by then
//!   (the app's own worker would run them a moment later), stops the server, and fails the
//!   test if a job is `dead` or still `queued`/`running`, unless the test declared it:
//!   [`TestApp::expect_dead_jobs`] for a job made to fail, [`TestApp::expect_jobs_left`] for
//!   work left scheduled on purpose (a retry after its backoff, a reply email whose window is
//!   still open).
//! - Jobs scheduled for later (a reply email at the end of its 15-minute window, a retry) run
//!   with [`TestApp::run_due_jobs`], which empties the queue whatever the jobs' times, without
//!   editing `run_at` or waiting. The app's own worker still runs jobs due now, as `serve` does.
//! - A test whose subject is not signing in opens its session through the store:
//!   [`TestApp::reader`] and [`TestApp::staff`] return a [`Browser`] that is signed in. The
//!   sign-in flows themselves (register, link, code, change of address) keep their end-to-end
//!   tests over HTTP and real email ([`browser::register`]).

pub mod authenticator;
pub mod browser;

use std::{
    net::SocketAddr,
    path::Path,
    sync::atomic::{AtomicI64, Ordering},
    time::Duration,
};

use masthead_core::{EmailAddress, Role};
use masthead_import::{ImportOptions, Importer, plan};
use masthead_store::testing::{TestDb, assert_jobs_settled, run_jobs_due_by};
use masthead_web::{AppState, Application, WebConfig};

pub use browser::Browser;

/// How long the app's sessions last (`SESSION_DAYS`, `STAFF_SESSION_HOURS` in
/// web/src/account): sessions opened through the store last as long.
const READER_SESSION: Duration = Duration::from_secs(30 * 86_400);
const STAFF_SESSION: Duration = Duration::from_secs(12 * 3_600);

pub struct TestApp {
    pub addr: SocketAddr,
    pub db: TestDb,
    pub state: AppState,
    pub client: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    jobs_left: AtomicI64,
    dead_jobs: AtomicI64,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    pub async fn text(&self, path: &str) -> (u16, String) {
        let res = self.get(path).await;
        let status = res.status().as_u16();
        (status, res.text().await.expect("body"))
    }

    /// Imports (or re-imports) the files of `dir` and makes the app see the change at once.
    pub async fn import(&self, dir: &Path) {
        let options = ImportOptions::new(self.db.data_dir().join("media"));
        let report = Importer::new(&self.db.store, options)
            .run(&plan(&[dir.to_path_buf()]).unwrap(), |_, _| {})
            .await
            .unwrap();
        assert!(report.failures.is_empty(), "{:?}", report.failures);
        self.state.refresh_content_epoch().await.unwrap();
    }

    /// Runs every queued job, whatever its time (a reply email due at the end of its window, a
    /// retry after its backoff), and the jobs they enqueue, until the queue is empty; waits
    /// for jobs the app's own worker holds. A job that keeps failing ends `dead`. Returns how
    /// many jobs this call ran.
    ///
    /// Work that checks the clock itself (a scheduled publication checks its time has come)
    /// does nothing when run early: wait for its time, then run it.
    pub async fn run_due_jobs(&self) -> usize {
        self.run_jobs_due_by(i64::MAX).await
    }

    /// Runs the jobs due by `due_by` (ms since the epoch), as [`TestApp::run_due_jobs`].
    pub async fn run_jobs_due_by(&self, due_by: i64) -> usize {
        let worker = masthead_web::job_worker(&self.state);
        run_jobs_due_by(&worker, &self.db.store, due_by).await
    }

    /// Declares that `n` jobs are left `queued` or `running` when the test stops, on purpose.
    pub fn expect_jobs_left(&self, n: i64) {
        self.jobs_left.store(n, Ordering::SeqCst);
    }

    /// Declares that `n` jobs end `dead`, on purpose.
    pub fn expect_dead_jobs(&self, n: i64) {
        self.dead_jobs.store(n, Ordering::SeqCst);
    }

    /// A browser signed in as the reader of `email` (registered if new), through a session
    /// opened in the store: for tests whose subject is not signing in.
    pub async fn reader(&self, email: &str) -> Browser {
        self.signed_in(email, READER_SESSION).await
    }

    /// A browser signed in as a staff member with `role` (added to staff first), through a
    /// session opened in the store.
    pub async fn staff(&self, email: &str, role: Role) -> Browser {
        let address = EmailAddress::parse(email).expect("a staff address");
        self.db.store.add_staff(&address, role).await.unwrap();
        self.signed_in(email, STAFF_SESSION).await
    }

    /// A session cookie's value for a staff member with `role` (added to staff first), opened
    /// in the store: for a real browser ([`crate::chromium::Chromium::sign_in_as_staff`]).
    pub async fn staff_session_token(&self, email: &str, role: Role) -> String {
        let address = EmailAddress::parse(email).expect("a staff address");
        self.db.store.add_staff(&address, role).await.unwrap();
        let token = masthead_core::secret::random_token();
        self.db
            .store
            .open_session_for_tests(
                &address,
                &self.state.jobs.tokens.hash(&token),
                STAFF_SESSION,
            )
            .await
            .unwrap();
        token
    }

    /// Signs `browser` (one a test has used already) in as the reader of `email`, as
    /// [`TestApp::reader`] does.
    pub async fn sign_in(&self, browser: &Browser, email: &str) {
        self.open_session(browser, email, READER_SESSION).await;
    }

    async fn signed_in(&self, email: &str, valid_for: Duration) -> Browser {
        let browser = Browser::new();
        self.open_session(&browser, email, valid_for).await;
        browser
    }

    async fn open_session(&self, browser: &Browser, email: &str, valid_for: Duration) {
        let address = EmailAddress::parse(email).expect("a reader's address");
        let token = masthead_core::secret::random_token();
        self.db
            .store
            .open_session_for_tests(&address, &self.state.jobs.tokens.hash(&token), valid_for)
            .await
            .unwrap();
        // On HTTPS the cookie is `__Host-` prefixed (web/src/session/cookies.rs).
        let name = if self.state.config.is_https() {
            "__Host-mh_session"
        } else {
            "mh_session"
        };
        browser.set_cookie(self, &format!("{name}={token}"));
    }

    /// The configuration of another node of this site: the same database and token key, a
    /// data directory (search index) of its own, quick epoch polling. Tests change what they
    /// need (`run_worker`…) before building it.
    pub fn another_node_config(&self) -> WebConfig {
        let dir = self
            .db
            .data_dir()
            .join(format!("node-{}", masthead_core::new_id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut config = WebConfig::new(dir);
        config.listen = "127.0.0.1:0".into();
        config.time_zone = self.state.config.time_zone.clone();
        config.epoch_poll = Duration::from_millis(100);
        // Nodes share the token key (a node with a key of its own refuses to start).
        config.token_key = Some(
            std::fs::read_to_string(self.db.data_dir().join("token.key"))
                .expect("the first node's token key"),
        );
        config
    }

    /// A second node of the site (no worker), answering at the returned base URL until the
    /// sender is dropped or fired.
    pub async fn second_node(&self) -> (String, tokio::sync::oneshot::Sender<()>) {
        let mut config = self.another_node_config();
        config.run_worker = false;
        let node = Application::build(config, self.db.store.clone())
            .await
            .unwrap();
        let base = format!("http://{}", node.local_addr());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(node.run(async move {
            let _ = stopped.await;
        }));
        (base, stop)
    }

    /// Stops the server gracefully and waits for it, then checks the job queue (see the
    /// module's documentation): jobs due now are run first, since the app's worker would run
    /// them a moment later; what is left must be what the test declared.
    pub async fn stop(mut self) {
        self.run_jobs_due_by(masthead_store::now_ms()).await;
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server task").expect("server result");
        }
        assert_jobs_settled(
            &self.db.store,
            self.dead_jobs.load(Ordering::SeqCst),
            self.jobs_left.load(Ordering::SeqCst),
        )
        .await;
    }
}

pub fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

pub fn png(dir: &Path, name: &str, seed: u8) {
    let img = image::RgbImage::from_fn(64, 40, |x, y| {
        image::Rgb([seed, (x * 3) as u8, (y * 5) as u8])
    });
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    img.save(path).unwrap();
}

pub const SITE: &str = r#"
name = "The Test Tribune"
tagline = "All the news that fits the tests"
time_zone = "Europe/Lisbon"

[[sections]]
slug = "city"
name = "City"
description = "News from the city."

[[sections]]
slug = "sport"
name = "Sport"
description = "Matches and races."

[[authors]]
slug = "ana-ribeiro"
name = "Ana Ribeiro"
bio = "Ana covers the harbour."
"#;

pub const HARBOUR: &str = r#"---
headline: "Harbour crane <lifts> a record load"
standfirst: "The new crane moved 180 tonnes & more on Tuesday."
section: city
tags: [harbour, Port Works]
authors: [ana-ribeiro, Tom Vale]
published: 2026-07-14T09:30:00Z
access: metered
lead_photo: { file: photos/crane.png, alt: "A crane over a ship", caption: "The crane at Quay 4.", credit: "Courier/Ana Ribeiro" }
photos:
  - { name: cab, file: photos/cab.png, alt: "The crane's cab", caption: "The operator's cab.", credit: "Port Aldine Press Agency" }
---
The crane lifted a hull section weighing 180 tonnes.

![](cab)

"It went smoothly," said the harbour master.

## What comes next

More lifts are planned in *December*.
"#;

pub const MATCH: &str = r#"---
headline: "Athletic win the derby"
standfirst: "A late goal settles it."
section: sport
tags: [football]
authors: [ana-ribeiro]
published: 2026-07-15T20:00:00Z
access: free
---
A late goal settled the derby.
"#;

/// The fixture newspaper, in a folder of the test's data directory.
pub fn fixture(dir: &Path) {
    write(dir, "site.toml", SITE);
    write(dir, "articles/harbour.md", HARBOUR);
    write(dir, "articles/match.md", MATCH);
    png(dir, "articles/photos/crane.png", 10);
    png(dir, "articles/photos/cab.png", 20);
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(configure: impl FnOnce(&mut WebConfig)) -> TestApp {
    let db = TestDb::new().await;
    let src = db.data_dir().join("fixture");
    fixture(&src);
    let options = ImportOptions::new(db.data_dir().join("media"));
    let report = Importer::new(&db.store, options)
        .run(&plan(&[src]).unwrap(), |_, _| {})
        .await
        .unwrap();
    assert!(report.failures.is_empty(), "{:?}", report.failures);

    let mut config = WebConfig::new(db.data_dir());
    config.listen = "127.0.0.1:0".into();
    config.site_name = "The Test Tribune".into();
    config.tagline = "All the news that fits the tests".into();
    config.time_zone = jiff::tz::TimeZone::get("Europe/Lisbon").unwrap();
    config.epoch_poll = std::time::Duration::from_millis(100);
    configure(&mut config);
    let app = Application::build(config, db.store.clone())
        .await
        .expect("build app");
    let addr = app.local_addr();
    let state = app.state().clone();
    state.refresh_content_epoch().await.unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run(async move {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    TestApp {
        addr,
        db,
        state,
        client,
        stop: Some(stop),
        server: Some(server),
        jobs_left: AtomicI64::new(0),
        dead_jobs: AtomicI64::new(0),
    }
}
