//! Reader pages through HTTP, on the real app and a real database.

use crate::common::{HARBOUR, spawn_app, write};

const ARTICLE: &str = "/city/harbour-crane-lifts-a-record-load";

#[tokio::test]
async fn the_front_page_lists_articles_and_sections() {
    let app = spawn_app().await;
    let (status, html) = app.text("/").await;
    assert_eq!(status, 200);
    assert!(
        html.contains(
            "<h1 class=\"site-title\"><a href=\"/\" rel=\"home\">The Test Tribune</a></h1>"
        ),
        "{html}"
    );
    assert!(html.contains("Harbour crane &lt;lifts&gt; a record load"));
    assert!(html.contains("href=\"/city/harbour-crane-lifts-a-record-load\""));
    assert!(html.contains("href=\"/sport\""));
    assert!(html.contains("Athletic win the derby"));
    app.stop().await;
}

#[tokio::test]
async fn the_article_page_has_everything_a_reader_expects() {
    let app = spawn_app().await;
    let res = app.get(ARTICLE).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/html; charset=utf-8");
    let html = res.text().await.unwrap();
    for expected in [
        "<h1 class=\"article-headline\">Harbour crane &lt;lifts&gt; a record load</h1>",
        "The new crane moved 180 tonnes &amp; more on Tuesday.",
        "<a href=\"/author/ana-ribeiro\" rel=\"author\">Ana Ribeiro</a>",
        "<a href=\"/author/tom-vale\" rel=\"author\">Tom Vale</a>",
        // 09:30 UTC is 10:30 in Lisbon in July.
        "<time datetime=\"2026-07-14T09:30:00Z\">14 July 2026, 10:30</time>",
        "The crane at Quay 4. <span class=\"credit\">Courier/Ana Ribeiro</span>",
        "<figure class=\"inline-photo\">",
        "The operator's cab. <span class=\"credit\">Port Aldine Press Agency</span>",
        "<h2>What comes next</h2>",
        "href=\"/tag/port-works\"",
        "<link rel=\"canonical\" href=\"http://127.0.0.1:8080/city/harbour-crane-lifts-a-record-load\">",
    ] {
        assert!(html.contains(expected), "missing {expected:?} in\n{html}");
    }
    insta::with_settings!({filters => vec![
        (r"style\.css\?v=[0-9a-f]+", "style.css?v=[hash]"),
        (r"&copy; \d{4}", "&copy; [year]"),
    ]}, {
        insta::assert_snapshot!("article_page", html);
    });
    app.stop().await;
}

#[tokio::test]
async fn photos_are_served_with_long_caching() {
    let app = spawn_app().await;
    let html = app.text(ARTICLE).await.1;
    let src = html
        .split("src=\"/media/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let res = app.get(&format!("/media/{src}")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(
        res.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(app.get("/media/../masthead.db").await.status(), 404);
    assert_eq!(app.get("/media/%2e%2e/test.db").await.status(), 404);
    assert_eq!(app.get("/media/ab/missing.png").await.status(), 404);
    app.stop().await;
}

#[tokio::test]
async fn section_tag_and_author_pages() {
    let app = spawn_app().await;
    let (status, html) = app.text("/city").await;
    assert_eq!(status, 200);
    assert!(html.contains("News from the city.") && html.contains("Harbour crane"));
    assert!(!html.contains("Athletic win the derby"));
    assert!(html.contains("aria-current=\"page\">City</a>"));
    let (status, html) = app.text("/tag/port-works").await;
    assert_eq!(status, 200);
    assert!(html.contains("Port Works") && html.contains("Harbour crane"));
    let (status, html) = app.text("/author/ana-ribeiro").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Ana covers the harbour.")
            && html.contains("Athletic win the derby")
            && html.contains("Harbour crane")
    );
    app.stop().await;
}

#[tokio::test]
async fn pagination_of_a_long_section() {
    let app = spawn_app().await;
    let src = app.db.data_dir().join("many");
    for i in 0..45 {
        write(
            &src,
            &format!("a{i:02}.md"),
            &format!(
                "---\nheadline: \"Brief number {i}\"\nsection: sport\nauthors: [ana-ribeiro]\npublished: 2026-08-01T{:02}:{:02}:00Z\n---\nText {i}.\n",
                i / 60,
                i % 60
            ),
        );
    }
    app.import(&src).await;
    let (status, first) = app.text("/sport").await;
    assert_eq!(status, 200);
    assert!(first.contains("Page 1 of 3"), "{first}");
    assert!(first.contains("href=\"/sport?page=2\""));
    assert!(first.contains("Brief number 44") && !first.contains("Brief number 24<"));
    let (status, last) = app.text("/sport?page=3").await;
    assert_eq!(status, 200);
    assert!(
        last.contains("Athletic win the derby"),
        "the oldest is on the last page"
    );
    assert!(last.contains("rel=\"prev\""));
    assert_eq!(app.get("/sport?page=4").await.status(), 404);
    let (status, html) = app.text("/sport?page=abc").await;
    assert_eq!(status, 400);
    assert!(html.contains("is not a page number"), "{html}");
    assert_eq!(app.get("/sport?page=0").await.status(), 400);
    assert_eq!(
        app.get("/sport?page=99999999999999999999").await.status(),
        400
    );
    app.stop().await;
}

#[tokio::test]
async fn unknown_and_malformed_addresses_get_the_404_page() {
    let app = spawn_app().await;
    for path in [
        "/city/no-such-story",
        "/no-such-section",
        "/tag/nothing",
        "/author/nobody",
        "/a/b/c/d",
        "/%ff%fe",
        "/city/%ff",
        "/static/nope.css",
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 404, "{path}");
        assert_eq!(res.headers()["cache-control"], "no-store");
        let html = res.text().await.unwrap();
        assert!(
            html.contains("Page not found") && html.contains("The Test Tribune"),
            "{path}: {html}"
        );
    }
    let res = app.get("/city?page=%zz&x=%").await;
    assert!(
        res.status().is_success() || res.status() == 400,
        "{}",
        res.status()
    );
    app.stop().await;
}

#[tokio::test]
async fn oversized_requests_are_refused() {
    let app = spawn_app().await;
    let res = app
        .client
        .post(app.url("/"))
        .body(vec![b'x'; 2 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    app.stop().await;
}

#[tokio::test]
async fn a_changed_article_is_served_fresh_and_a_moved_one_redirects() {
    let app = spawn_app().await;
    assert!(app.text(ARTICLE).await.1.contains("180 tonnes"));
    let src = app.db.data_dir().join("edit");
    crate::common::png(&src, "photos/crane.png", 10);
    crate::common::png(&src, "photos/cab.png", 20);
    write(
        &src,
        "harbour.md",
        &HARBOUR.replace("180 tonnes & more", "190 tonnes"),
    );
    app.import(&src).await;
    assert!(
        app.text(ARTICLE).await.1.contains("190 tonnes"),
        "cache must be invalidated"
    );

    write(
        &src,
        "harbour.md",
        &HARBOUR.replace("section: city", "section: sport"),
    );
    app.import(&src).await;
    let res = app.get(ARTICLE).await;
    assert_eq!(res.status(), 308);
    assert_eq!(
        res.headers()["location"],
        "/sport/harbour-crane-lifts-a-record-load"
    );
    assert_eq!(
        app.get("/sport/harbour-crane-lifts-a-record-load")
            .await
            .status(),
        200
    );
    app.stop().await;
}

#[tokio::test]
async fn a_change_made_elsewhere_reaches_the_cache_through_the_epoch() {
    let app = spawn_app().await;
    assert!(app.text("/").await.1.contains("Athletic win the derby"));
    // Another process (here: a write not followed by refresh) changes the content.
    let src = app.db.data_dir().join("other");
    write(
        &src,
        "m.md",
        &crate::common::MATCH.replace("Athletic win the derby", "Athletic lose the derby"),
    );
    let options = masthead_import::ImportOptions::new(app.db.data_dir().join("media"));
    masthead_import::Importer::new(&app.db.store, options)
        .run(&masthead_import::plan(&[src]).unwrap(), |_, _| {})
        .await
        .unwrap();
    let mut fresh = false;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        if app.text("/").await.1.contains("Athletic lose the derby") {
            fresh = true;
            break;
        }
    }
    assert!(fresh, "the epoch watcher should drop the stale front page");
    app.stop().await;
}

#[tokio::test]
async fn a_scheduled_article_appears_at_its_time() {
    let app = spawn_app().await;
    let src = app.db.data_dir().join("sched");
    let at = jiff::Timestamp::now() + jiff::SignedDuration::from_millis(1500);
    write(
        &src,
        "s.md",
        &format!(
            "---\nheadline: \"Embargoed results\"\nsection: city\nauthors: [ana-ribeiro]\npublished: {}\n---\nResults.\n",
            at.strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
        ),
    );
    app.import(&src).await;
    assert_eq!(app.get("/city/embargoed-results").await.status(), 404);
    assert!(!app.text("/").await.1.contains("Embargoed results"));
    let mut published = false;
    for _ in 0..60 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        if app.get("/city/embargoed-results").await.status() == 200 {
            published = true;
            break;
        }
    }
    assert!(published, "the job worker should publish it");
    // Publishing queued the search-index job: it finishes too, and nothing is left over.
    app.run_jobs_due_by(masthead_store::now_ms()).await;
    let counts = app.db.store.job_counts().await.unwrap();
    assert!(counts.iter().all(|c| c.status == "done"), "{counts:?}");
    app.stop().await;
}

#[tokio::test]
async fn a_path_that_moved_redirects_wherever_its_404_came_from() {
    let app = spawn_app().await;
    let mut tx = app.db.store.begin().await.unwrap();
    // A handler's 404 (an article slug that no longer exists) and the fallback's (a path no
    // route matches) both find the redirect.
    masthead_store::redirects::add_redirect(&mut tx, "/city/old-crane-story", ARTICLE)
        .await
        .unwrap();
    masthead_store::redirects::add_redirect(&mut tx, "/a/b/c/d", "/city")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let res = app.get("/city/old-crane-story?ref=x").await;
    assert_eq!(res.status(), 308);
    assert_eq!(res.headers()["location"], format!("{ARTICLE}?ref=x"));
    let res = app.get("/a/b/c/d").await;
    assert_eq!(res.status(), 308);
    assert_eq!(res.headers()["location"], "/city");
    // Not for a state change, and not for a path that was never moved.
    let res = app
        .client
        .post(app.url("/city/old-crane-story"))
        .send()
        .await
        .unwrap();
    assert_ne!(res.status(), 308);
    assert_eq!(app.get("/city/never-was").await.status(), 404);
    app.stop().await;
}

/// WordPress's address of a post by id (`/?p=ID`): an imported, published post's is a 301 to
/// its article; a draft's, an id never imported, or a `p` that is not an id shows the front
/// page. The import is the real one, of the import crate's WXR fixture.
#[tokio::test]
async fn an_imported_wordpress_posts_old_p_link_redirects_to_its_article() {
    let app = spawn_app().await;
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../import/tests/fixtures/wordpress-export.xml");
    let report = masthead_import::import_platform(
        &app.db.store,
        masthead_import::Platform::WordPress,
        &file,
        masthead_import::PlatformOptions {
            media_out: app.db.data_dir().join("media"),
            media_in: None,
            dry_run: false,
            pages: masthead_import::PagesPolicy::Skip,
        },
        |_, _| {},
    )
    .await
    .unwrap();
    assert!(report.imported >= 3, "{report:#?}");
    for (p, to) in [
        ("10", "/city/tram-line-opens"),
        ("11", "/news/cafe-reopens"),
        (" 10 ", "/city/tram-line-opens"),
    ] {
        let res = app.get(&format!("/?p={p}")).await;
        assert_eq!(res.status(), 301, "?p={p}");
        assert_eq!(crate::common::browser::location(&res), to, "?p={p}");
        assert_eq!(app.get(to).await.status(), 200, "{to}");
    }
    // 14 is a draft; 13 a page (skipped); 99 never existed; the rest are not ids.
    let long = "9".repeat(40);
    for p in ["14", "13", "99", "", "abc", "10abc", "-10", long.as_str()] {
        let res = app.get(&format!("/?p={p}")).await;
        assert_eq!(res.status(), 200, "?p={p}");
        assert!(
            res.text().await.unwrap().contains("Athletic win the derby"),
            "?p={p}: the front page"
        );
    }
    app.stop().await;
}
