//! WebSub (off by default): with a hub configured, every feed names it (`rel="hub"`), and a
//! publication from the newsroom reaches the hub within 5 seconds as `hub.mode=publish` for
//! the site's feeds and the section's. A hub that fails is tried again. The hub here is a real
//! HTTP server on loopback that records what it is sent.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{extract::State, http::StatusCode, routing::post};
use masthead_core::Role;

use crate::{
    common::spawn_app_with,
    newsroom::{create, save},
};

#[derive(Clone, Default)]
struct Hub {
    /// The form bodies received.
    pings: Arc<Mutex<Vec<String>>>,
    /// Answer 503 to this many requests first.
    fail_first: Arc<Mutex<usize>>,
}

async fn hub_answer(State(hub): State<Hub>, body: String) -> StatusCode {
    let mut fail = hub.fail_first.lock().unwrap();
    if *fail > 0 {
        *fail -= 1;
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    hub.pings.lock().unwrap().push(body);
    StatusCode::NO_CONTENT
}

async fn start_hub(fail_first: usize) -> (Hub, String) {
    let hub = Hub::default();
    *hub.fail_first.lock().unwrap() = fail_first;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hub", listener.local_addr().unwrap());
    let app = axum::Router::new()
        .route("/hub", post(hub_answer))
        .with_state(hub.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (hub, url)
}

fn topics(hub: &Hub) -> Vec<String> {
    hub.pings
        .lock()
        .unwrap()
        .iter()
        .map(|body| {
            let form: Vec<(String, String)> = serde_urlencoded::from_str(body).unwrap();
            assert!(
                form.contains(&("hub.mode".into(), "publish".into())),
                "{body}"
            );
            form.into_iter()
                .find(|(k, _)| k == "hub.url")
                .map(|(_, v)| v)
                .unwrap()
        })
        .collect()
}

#[tokio::test]
async fn a_publication_pings_the_hub_within_five_seconds_and_feeds_name_it() {
    let (hub, hub_url) = start_hub(0).await;
    let url = hub_url.clone();
    let app = spawn_app_with(move |c| c.feeds.websub_hub = Some(url)).await;
    let base = app.state.config.public_url.trim_end_matches('/').to_owned();
    let (_, rss) = app.text("/feed.xml").await;
    assert!(
        rss.contains(&format!("<atom:link href=\"{hub_url}\" rel=\"hub\"/>")),
        "{rss}"
    );
    let (_, atom) = app.text("/city/feed.atom").await;
    assert!(
        atom.contains(&format!("<link rel=\"hub\" href=\"{hub_url}\"/>")),
        "{atom}"
    );
    // A draft is no news: nothing is sent.
    let editor = app.staff("desk@example.com", Role::Editor).await;
    let id = create(&app, &editor, &[("headline", "Tide tables for winter")]).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    app.run_due_jobs().await;
    assert!(topics(&hub).is_empty(), "{:?}", topics(&hub));
    // Published: the app's own worker pings the hub, within 5 s.
    let published = Instant::now();
    let res = save(&app, &editor, &id, &[("action", "publish")]).await;
    assert_eq!(res.status(), 303);
    while topics(&hub).len() < 4 {
        assert!(
            published.elapsed() < Duration::from_secs(5),
            "the hub heard {:?}",
            topics(&hub)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut got = topics(&hub);
    got.sort();
    assert_eq!(
        got,
        [
            format!("{base}/city/feed.atom"),
            format!("{base}/city/feed.xml"),
            format!("{base}/feed.atom"),
            format!("{base}/feed.xml"),
        ]
    );
    app.stop().await;
}

#[tokio::test]
async fn a_failing_hub_is_tried_again_and_no_hub_means_no_link() {
    let (hub, hub_url) = start_hub(1).await;
    let url = hub_url.clone();
    let app = spawn_app_with(move |c| c.feeds.websub_hub = Some(url)).await;
    let editor = app.staff("desk@example.com", Role::Editor).await;
    let id = create(&app, &editor, &[("headline", "Ferry fares frozen")]).await;
    assert_eq!(
        save(&app, &editor, &id, &[("action", "publish")])
            .await
            .status(),
        303
    );
    // The first answer was a 503: the job waits for its retry; running it now delivers.
    app.run_due_jobs().await;
    assert_eq!(topics(&hub).len(), 4, "{:?}", topics(&hub));
    app.stop().await;

    // Off (the default): no hub in any feed.
    let app = crate::common::spawn_app().await;
    let (_, rss) = app.text("/feed.xml").await;
    assert!(!rss.contains("rel=\"hub\""), "{rss}");
    let (_, atom) = app.text("/feed.atom").await;
    assert!(!atom.contains("rel=\"hub\""));
    app.stop().await;
}
