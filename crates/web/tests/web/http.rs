//! HTTP behaviour: validators, compression, security headers, operations endpoints.

use std::io::Read;

use crate::common::spawn_app;

const ARTICLE: &str = "/city/harbour-crane-lifts-a-record-load";

#[tokio::test]
async fn etag_and_last_modified_give_304() {
    let app = spawn_app().await;
    let res = app.get(ARTICLE).await;
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    let modified = res.headers()["last-modified"].to_str().unwrap().to_owned();
    // A metered article's page depends on the reader's meter: never in shared caches.
    assert_eq!(res.headers()["cache-control"], "private, no-cache");
    assert_eq!(res.headers()["vary"], "Accept-Encoding");
    let free = app.get("/sport/athletic-win-the-derby").await;
    assert_eq!(free.status(), 200);
    assert_eq!(free.headers()["cache-control"], "public, max-age=60");
    let res = app
        .client
        .get(app.url(ARTICLE))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);
    assert_eq!(res.headers()["etag"], etag.as_str());
    assert!(res.bytes().await.unwrap().is_empty());
    let res = app
        .client
        .get(app.url(ARTICLE))
        .header("if-modified-since", &modified)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);
    let res = app
        .client
        .get(app.url(ARTICLE))
        .header("if-none-match", "\"stale\"")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn gzip_and_brotli_carry_the_same_page() {
    let app = spawn_app().await;
    let plain = app.get(ARTICLE).await.bytes().await.unwrap();
    let res = app
        .client
        .get(app.url(ARTICLE))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-encoding"], "gzip");
    let gz = res.bytes().await.unwrap();
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut out)
        .unwrap();
    assert_eq!(out, plain);
    let res = app
        .client
        .get(app.url(ARTICLE))
        .header("accept-encoding", "gzip, deflate, br")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-encoding"], "br");
    let br = res.bytes().await.unwrap();
    let mut out = Vec::new();
    brotli::BrotliDecompress(&mut &br[..], &mut out).unwrap();
    assert_eq!(out, plain);
    assert!(br.len() < plain.len() / 2);
    app.stop().await;
}

#[tokio::test]
async fn security_headers_on_every_response() {
    let app = spawn_app().await;
    for path in ["/", ARTICLE, "/nope", "/healthz"] {
        let res = app.get(path).await;
        assert_eq!(res.headers()["x-content-type-options"], "nosniff", "{path}");
        assert!(
            res.headers()["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("frame-ancestors 'self'")
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn health_readiness_and_metrics() {
    let app = spawn_app().await;
    assert_eq!(app.text("/healthz").await, (200, "ok\n".into()));
    assert_eq!(app.text("/readyz").await, (200, "ready\n".into()));
    app.get(ARTICLE).await;
    let (status, metrics) = app.text("/metrics").await;
    assert_eq!(status, 200);
    assert!(metrics.contains("masthead_http_requests_total{route=\"/{section}/{slug}\",method=\"GET\",status=\"200\"}"), "{metrics}");
    assert!(
        metrics
            .contains("masthead_http_request_duration_seconds_bucket{route=\"/{section}/{slug}\""),
        "{metrics}"
    );
    assert!(metrics.contains("masthead_jobs"), "{metrics}");
    assert!(metrics.contains("masthead_page_cache_entries"), "{metrics}");
    app.stop().await;
}

#[tokio::test]
async fn readiness_fails_when_the_database_is_gone() {
    let app = spawn_app().await;
    app.db.store.close().await;
    let (status, body) = app.text("/readyz").await;
    assert_eq!(status, 503);
    assert!(body.contains("database"));
    // Cached pages keep being served; pages needing the database get a 500 page, not a hang.
    assert_eq!(app.text("/healthz").await.0, 200);
    let (status, html) = app.text("/city/no-such-story").await;
    assert_eq!(status, 500, "{html}");
    assert!(html.contains("Something went wrong"));
    assert!(!html.contains("closed"), "the cause is logged, not shown");
    // No `app.stop()`: its check of the job queue needs the database this test closed.
}

#[tokio::test]
async fn the_theme_can_be_overridden_from_a_directory() {
    let dir = masthead_store::testing::tempfile_lite::TempDir::new();
    crate::common::write(
        dir.path(),
        "templates/error.html",
        "{% extends \"base.html\" %}{% block content %}<p>Custom {{ status }}</p>{% endblock %}",
    );
    crate::common::write(dir.path(), "static/extra.css", "body{}");
    let theme_dir = dir.path().to_path_buf();
    let app = crate::common::spawn_app_with(|c| c.theme_dir = Some(theme_dir)).await;
    let (status, html) = app.text("/nope").await;
    assert_eq!(status, 404);
    assert!(html.contains("<p>Custom 404</p>"), "{html}");
    assert_eq!(app.text("/static/extra.css").await, (200, "body{}".into()));
    // Templates the override does not have come from the default theme.
    assert_eq!(app.get(ARTICLE).await.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn unknown_methods_get_501_and_no_metric_series_of_their_own() {
    let app = spawn_app().await;
    // The review's attack: long made-up methods, each of which used to become a label value
    // kept by the recorder for the life of the process.
    let long = "X".repeat(20 * 1024);
    for (i, path) in ["/", "/nope", ARTICLE].iter().cycle().take(12).enumerate() {
        let method = reqwest::Method::from_bytes(format!("{long}{i}").as_bytes()).unwrap();
        let res = app
            .client
            .request(method, app.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 501, "{path}");
        assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    }
    // A known method a route does not take is still a 405.
    let res = app.client.delete(app.url("/")).send().await.unwrap();
    assert_eq!(res.status(), 405);
    let (status, metrics) = app.text("/metrics").await;
    assert_eq!(status, 200);
    assert!(!metrics.contains("XXXXXXXX"), "a method became a label");
    assert!(
        metrics.contains("method=\"other\",status=\"501\""),
        "{metrics}"
    );
    assert!(metrics.len() < 200_000, "{} bytes", metrics.len());
    app.stop().await;
}

#[tokio::test]
async fn return_to_cannot_name_another_origin() {
    let app = spawn_app().await;
    // `%09` is a tab once the query is decoded: `/\t/evil.example`, which a browser reads as
    // `//evil.example`. The form must carry the front page instead.
    for bad in [
        "/%09/evil.example",
        "/%5Cevil.example",
        "/%252F/evil.example",
    ] {
        let (status, html) = app.text(&format!("/sign-in?return_to={bad}")).await;
        assert_eq!(status, 200, "{bad}");
        assert!(
            html.contains(r#"name="return_to" value="/""#),
            "{bad}: {html}"
        );
        assert!(!html.contains("evil.example"), "{bad}");
    }
    let (_, html) = app.text("/sign-in?return_to=/city/story").await;
    assert!(html.contains(r#"name="return_to" value="/city/story""#));
    app.stop().await;
}

/// Sends one request on a raw connection and reads its response (a short body, `ok\n`).
async fn raw_healthz(stream: &mut tokio::net::TcpStream) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !got.ends_with(b"ok\n") {
        let n = stream.read(&mut buf).await.unwrap();
        assert!(n > 0, "closed: {}", String::from_utf8_lossy(&got));
        got.extend_from_slice(&buf[..n]);
    }
    String::from_utf8(got).unwrap()
}

/// Reads until the server closes the connection; how long that took.
async fn time_until_closed(stream: &mut tokio::net::TcpStream) -> std::time::Duration {
    use tokio::io::AsyncReadExt;
    let start = std::time::Instant::now();
    let mut sink = Vec::new();
    let closed = tokio::time::timeout(
        std::time::Duration::from_secs(15),
        stream.read_to_end(&mut sink),
    )
    .await;
    assert!(closed.is_ok(), "still connected after 15 s");
    start.elapsed()
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_disconnected() {
    use std::time::Duration;
    use tokio::io::AsyncWriteExt;
    let app = crate::common::spawn_app_with(|c| {
        c.server.header_timeout = Duration::from_millis(800);
    })
    .await;
    // Slowloris: half a request head, then silence.
    let mut slow = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let took = time_until_closed(&mut slow).await;
    assert!(took >= Duration::from_millis(600), "{took:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert_eq!(app.get("/healthz").await.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn a_connection_where_nothing_moves_is_closed_after_the_idle_timeout() {
    use std::time::Duration;
    let app = crate::common::spawn_app_with(|c| {
        // Long header timer: what closes this connection is the idle watchdog.
        c.server.header_timeout = Duration::from_secs(60);
        c.server.idle_timeout = Duration::from_millis(800);
    })
    .await;
    let mut idle = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    assert!(raw_healthz(&mut idle).await.starts_with("HTTP/1.1 200"));
    let took = time_until_closed(&mut idle).await;
    assert!(took >= Duration::from_millis(600), "{took:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    app.stop().await;
}

#[tokio::test]
async fn at_the_connection_cap_open_connections_are_served_and_newcomers_wait_for_a_slot() {
    use std::time::{Duration, Instant};
    use tokio::io::AsyncWriteExt;
    let app = crate::common::spawn_app_with(|c| {
        c.server.max_connections = 2;
        c.server.header_timeout = Duration::from_millis(1500);
    })
    .await;
    // Slot 1: a kept-alive connection that keeps working. Slot 2: a silent client.
    let mut kept = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    raw_healthz(&mut kept).await;
    let mut slow = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    // The cap plus one: a new client waits in the listen backlog…
    let start = Instant::now();
    let url = app.url("/healthz");
    let newcomer = tokio::spawn(async move {
        let res = reqwest::Client::new().get(url).send().await.unwrap();
        (res.status().as_u16(), start.elapsed())
    });
    // …while the open connection is still served at once.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let asked = Instant::now();
    assert!(raw_healthz(&mut kept).await.starts_with("HTTP/1.1 200"));
    assert!(asked.elapsed() < Duration::from_millis(500));
    drop(kept);
    // The silent client's slot frees at its header timeout (the kept one's we just freed):
    // the newcomer is answered once a slot is free, not before.
    let (status, waited) = newcomer.await.unwrap();
    assert_eq!(status, 200);
    assert!(waited >= Duration::from_millis(200), "{waited:?}");
    assert!(waited < Duration::from_secs(5), "{waited:?}");
    app.stop().await;
}

#[tokio::test]
async fn hsts_only_when_readers_come_over_https() {
    let app = spawn_app().await;
    let res = app.get("/").await;
    assert!(res.headers().get("strict-transport-security").is_none());
    app.stop().await;
    let app = crate::common::spawn_app_with(|c| c.public_url = "https://news.example".into()).await;
    for path in ["/", "/nope", "/healthz"] {
        let res = app.get(path).await;
        assert_eq!(
            res.headers()["strict-transport-security"],
            "max-age=31536000",
            "{path}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn on_https_cookies_carry_the_host_prefix_and_bare_names_are_ignored() {
    let app = crate::common::spawn_app_with(|c| c.public_url = "https://news.example".into()).await;
    let res = app.get("/sign-in").await;
    let set: Vec<_> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert!(
        set.iter().any(|c| c.starts_with("__Host-mh_csrf=")
            && c.contains("; Secure")
            && c.contains("Path=/")),
        "{set:?}"
    );
    assert!(set.iter().all(|c| c.starts_with("__Host-")), "{set:?}");

    // A session planted under the bare name (as a sibling site could) signs nobody in.
    let token = masthead_core::secret::random_token();
    let email = masthead_core::EmailAddress::parse("ana@example.com").unwrap();
    app.db
        .store
        .open_session_for_tests(
            &email,
            &app.state.jobs.tokens.hash(&token),
            std::time::Duration::from_secs(3600),
        )
        .await
        .unwrap();
    let account = |cookie: String| {
        app.client
            .get(app.url("/account"))
            .header("cookie", cookie)
            .send()
    };
    let res = account(format!("mh_session={token}")).await.unwrap();
    assert_eq!(res.status(), 303, "signed out: sent to sign in");
    let res = account(format!("__Host-mh_session={token}")).await.unwrap();
    assert_eq!(res.status(), 200);
    app.stop().await;
}
