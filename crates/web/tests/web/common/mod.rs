//! Test support: the real application on port 0, on a fresh database (SQLite, or PostgreSQL with
//! `MASTHEAD_TEST_BACKEND=postgres`), with a small newspaper imported through the real importer.

pub mod browser;

use std::{net::SocketAddr, path::Path};

use masthead_import::{ImportOptions, Importer, plan};
use masthead_store::testing::TestDb;
use masthead_web::{AppState, Application, WebConfig};

pub struct TestApp {
    pub addr: SocketAddr,
    pub db: TestDb,
    pub state: AppState,
    pub client: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
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

    /// Stops the server gracefully and waits for it.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server task").expect("server result");
        }
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
    }
}
