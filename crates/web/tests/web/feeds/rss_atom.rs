//! RSS and Atom feeds: parsed by feedparser, checked against the specifications' required
//! elements, and searched for gated text in every encoding.

use serde_json::{Value, json};

use super::tools::{check, contains, every_encoding, fetch};
use crate::common::{TestApp, spawn_app, spawn_app_with, write};

/// A registered-only article with an editorial update, a draft and a scheduled article.
pub const REGISTERED: &str = r#"---
headline: "Council budget is leaked"
standfirst: "The draft shows cuts."
section: city
tags: [council]
authors: [ana-ribeiro]
published: 2026-07-16T08:00:00Z
updated: 2026-07-16T12:00:00Z
access: registered
---
First free paragraph of the budget story.

Second free paragraph of the budget story.

SECRET-ONE gated paragraph.

SECRET-TWO gated paragraph.
"#;

const DRAFT: &str = r#"---
headline: "DRAFT-MARKER unfinished story"
section: city
authors: [ana-ribeiro]
status: draft
access: free
---
Not ready.
"#;

const SCHEDULED: &str = r#"---
headline: "SCHEDULED-MARKER future story"
section: sport
tags: [football]
authors: [ana-ribeiro]
published: 2099-01-01T08:00:00Z
access: free
---
Not yet.
"#;

/// The fixture plus a registered-only article, a draft and a scheduled one (whose publication
/// job stays queued: the test declares it).
pub async fn app_with_more_articles(app: &TestApp) {
    let dir = app.db.data_dir().join("more");
    write(&dir, "registered.md", REGISTERED);
    write(&dir, "draft.md", DRAFT);
    write(&dir, "scheduled.md", SCHEDULED);
    app.import(&dir).await;
    app.expect_jobs_left(1);
}

const HARBOUR_TITLE: &str = "Harbour crane <lifts> a record load";
const MATCH_TITLE: &str = "Athletic win the derby";
const BUDGET_TITLE: &str = "Council budget is leaked";

/// Every feed, with the titles it must list, newest first.
fn feeds() -> Vec<(String, Vec<&'static str>)> {
    let all = vec![BUDGET_TITLE, MATCH_TITLE, HARBOUR_TITLE];
    let city = vec![BUDGET_TITLE, HARBOUR_TITLE];
    let ana = all.clone();
    let mut out = Vec::new();
    for ext in ["xml", "atom"] {
        out.push((format!("/feed.{ext}"), all.clone()));
        for (path, titles) in [
            ("/city", city.clone()),
            ("/sport", vec![MATCH_TITLE]),
            ("/author/ana-ribeiro", ana.clone()),
            ("/author/tom-vale", vec![HARBOUR_TITLE]),
            ("/tag/harbour", vec![HARBOUR_TITLE]),
            ("/tag/football", vec![MATCH_TITLE]),
            ("/tag/council", vec![BUDGET_TITLE]),
        ] {
            out.push((format!("{path}/feed.{ext}"), titles));
        }
    }
    out
}

fn format_of(path: &str) -> &'static str {
    if path.ends_with(".atom") {
        "atom"
    } else {
        "rss"
    }
}

#[tokio::test]
async fn every_feed_parses_and_lists_the_published_articles_newest_first() {
    let app = spawn_app().await;
    app_with_more_articles(&app).await;
    for (path, titles) in feeds() {
        let path = path.as_str();
        let (status, h, body) = fetch(&app, path, &[]).await;
        assert_eq!(status, 200, "{path}");
        let expected_type = if format_of(path) == "atom" {
            "application/atom+xml; charset=utf-8"
        } else {
            "application/rss+xml; charset=utf-8"
        };
        assert_eq!(h["content-type"], expected_type, "{path}");
        let report = check("feed", &body, json!({ "format": format_of(path) }));
        let version = report["version"].as_str().unwrap();
        assert!(
            version == "rss20" || version == "atom10",
            "{path}: {version}"
        );
        let entries = report["entries"].as_array().unwrap();
        let got: Vec<&str> = entries
            .iter()
            .map(|e| e["title"].as_str().unwrap())
            .collect();
        assert_eq!(got, titles, "{path}");
        for e in entries {
            let link = e["link"].as_str().unwrap();
            assert!(link.starts_with("http://127.0.0.1:8080/"), "{path}: {link}");
            assert!(e["id"].as_str().unwrap().starts_with("urn:uuid:"));
            assert!(!e["authors"].as_array().unwrap().is_empty(), "{path}: {e}");
        }
        let by_title = |t: &str| entries.iter().find(|e| e["title"] == t).unwrap();
        if titles.contains(&HARBOUR_TITLE) {
            let h = by_title(HARBOUR_TITLE);
            assert_eq!(h["published"], "2026-07-14T09:30:00Z", "{path}");
            let tags: Vec<&str> = h["tags"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t.as_str().unwrap())
                .collect();
            // RSS categories are names; Atom's terms are slugs (their labels the names).
            let expected = if format_of(path) == "atom" {
                ["city", "harbour", "port-works"]
            } else {
                ["City", "harbour", "Port Works"]
            };
            for t in expected {
                assert!(tags.contains(&t), "{path}: {tags:?}");
            }
            let authors = h["authors"].to_string();
            assert!(authors.contains("Ana Ribeiro") && authors.contains("Tom Vale"));
            // The lead photo, as an enclosure and as Media RSS.
            let enclosure = h["enclosures"][0].as_str().unwrap();
            assert!(
                enclosure.starts_with("http://127.0.0.1:8080/media/"),
                "{path}: {h}"
            );
            assert_eq!(h["media"][0], enclosure, "{path}");
            // Inline photos in the body have absolute URLs.
            assert!(
                h["content"]
                    .as_str()
                    .unwrap()
                    .contains("src=\"http://127.0.0.1:8080/media/"),
                "{path}: {h}"
            );
        }
        if titles.contains(&BUDGET_TITLE) {
            let b = by_title(BUDGET_TITLE);
            assert_eq!(b["published"], "2026-07-16T08:00:00Z", "{path}");
            assert_eq!(b["updated"], "2026-07-16T12:00:00Z", "{path}");
        }
        if titles.contains(&MATCH_TITLE) {
            let m = by_title(MATCH_TITLE);
            assert_eq!(m["published"], "2026-07-15T20:00:00Z", "{path}");
            assert!(m["enclosures"].as_array().unwrap().is_empty());
        }
        let text = String::from_utf8(body).unwrap();
        assert!(!text.contains("DRAFT-MARKER"), "{path}");
        assert!(!text.contains("SCHEDULED-MARKER"), "{path}");
    }
    app.stop().await;
}

#[tokio::test]
async fn no_gated_paragraph_reaches_any_feed_in_any_encoding() {
    let app = spawn_app().await;
    app_with_more_articles(&app).await;
    for (path, titles) in feeds() {
        let path = path.as_str();
        for (enc, body) in every_encoding(&app, path).await {
            // The harbour story is metered, the budget story registered-only: the wall shows
            // two paragraphs of each, and so do the feeds.
            for gated in [
                "SECRET-ONE",
                "SECRET-TWO",
                "What comes next",
                "More lifts are planned",
            ] {
                assert!(!contains(&body, gated), "{path} ({enc}) has {gated:?}");
            }
            if titles.contains(&BUDGET_TITLE) {
                assert!(contains(&body, "Second free paragraph of the budget story"));
                assert!(
                    contains(&body, "register for free to read the whole article"),
                    "{path} ({enc})"
                );
            }
            if titles.contains(&HARBOUR_TITLE) {
                assert!(contains(&body, "the harbour master."), "{path} ({enc})");
                assert!(
                    contains(&body, "Continue reading on The Test Tribune."),
                    "{path} ({enc})"
                );
            }
            if titles.contains(&MATCH_TITLE) {
                // A free article is there in full.
                assert!(contains(&body, "A late goal settled the derby."));
            }
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn feeds_answer_conditional_requests_and_refuse_nothing_odd_with_a_5xx() {
    let app = spawn_app().await;
    for path in [
        "/feed.xml",
        "/feed.atom",
        "/city/feed.xml",
        "/tag/harbour/feed.atom",
    ] {
        let (status, h, body) = fetch(&app, path, &[]).await;
        assert_eq!(status, 200);
        let etag = h["etag"].to_str().unwrap().to_owned();
        let last_modified = h["last-modified"].to_str().unwrap().to_owned();
        assert_eq!(h["cache-control"], "public, max-age=60");
        let (status, _, empty) = fetch(&app, path, &[("if-none-match", &etag)]).await;
        assert_eq!((status, empty.len()), (304, 0), "{path}");
        let (status, _, _) = fetch(&app, path, &[("if-modified-since", &last_modified)]).await;
        assert_eq!(status, 304, "{path}");
        // A date in the future is not a valid validator (RFC 9110 §13.1.3): the feed itself.
        for odd in [
            "Fri, 01 Jan 2100 00:00:00 GMT",
            "yesterday",
            "Thu, 01 Jan 1970 00:00:00 GMT",
        ] {
            let (status, _, again) = fetch(&app, path, &[("if-modified-since", odd)]).await;
            assert_eq!(status, 200, "{path} with If-Modified-Since {odd}");
            assert_eq!(again, body);
        }
        for query in [
            "?page=-1",
            "?x=%00%ff",
            "?utm_source=<script>&&&",
            "?a=1&a=2&;",
        ] {
            let (status, _, again) = fetch(&app, &format!("{path}{query}"), &[]).await;
            assert_eq!(status, 200, "{path}{query}");
            assert_eq!(again, body, "{path}{query}: the query is not read");
        }
        check("feed", &body, json!({ "format": format_of(path) }));
    }
    for missing in [
        "/nowhere/feed.xml",
        "/tag/nothing/feed.xml",
        "/author/nobody/feed.atom",
        "/tag/Not%20A%20Slug/feed.xml",
        "/author/%00/feed.xml",
        "/tag/a--b/feed.atom",
    ] {
        let (status, _, _) = fetch(&app, missing, &[]).await;
        assert_eq!(status, 404, "{missing}");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_headline_with_characters_xml_forbids_still_makes_valid_feeds() {
    let app = spawn_app().await;
    let dir = app.db.data_dir().join("odd");
    // Published an hour ago, so that the news sitemap lists its headline too.
    let published = (jiff::Timestamp::now() - jiff::SignedDuration::from_hours(1))
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    write(
        &dir,
        "odd.md",
        &format!(
            "---\nheadline: \"Tide\\x01 tables\\x0b change\\x1f again\"\nstandfirst: \"Bell\\a and\\x7f delete\"\nsection: city\nauthors: [ana-ribeiro]\npublished: {published}\naccess: free\n---\nA body with a form feed\\x0c here.\n"
        ),
    );
    app.import(&dir).await;
    let headline: String = app
        .db
        .store
        .list_articles(masthead_store::content::ListFilter::All, 1, 0)
        .await
        .unwrap()[0]
        .headline
        .clone();
    assert!(
        headline.contains('\u{1}'),
        "the test needs a control character in the stored headline: {headline:?}"
    );
    for path in ["/feed.xml", "/feed.atom", "/city/feed.xml"] {
        let (status, _, body) = fetch(&app, path, &[]).await;
        assert_eq!(status, 200, "{path}");
        let report = check("feed", &body, json!({ "format": format_of(path) }));
        assert_eq!(
            report["entries"][0]["title"], "Tide tables change again",
            "{path}"
        );
    }
    for path in ["/sitemap.xml", "/sitemap-news.xml"] {
        let (status, _, body) = fetch(&app, path, &[]).await;
        assert_eq!(status, 200, "{path}");
        let report = check("sitemap", &body, json!({}));
        if path == "/sitemap-news.xml" {
            assert_eq!(report["news"][0]["title"], "Tide tables change again");
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn a_scheduled_article_joins_the_feeds_and_sitemaps_when_it_is_published() {
    let app = spawn_app().await;
    let at = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(2);
    let dir = app.db.data_dir().join("embargo");
    write(
        &dir,
        "embargo.md",
        &format!(
            "---\nheadline: \"EMBARGO-MARKER results\"\nsection: city\nauthors: [ana-ribeiro]\npublished: {}\naccess: free\n---\nThe results.\n",
            at.strftime("%Y-%m-%dT%H:%M:%SZ")
        ),
    );
    app.import(&dir).await;
    let paths = [
        "/feed.xml",
        "/feed.atom",
        "/city/feed.xml",
        "/sitemap.xml",
        "/sitemap-news.xml",
    ];
    for path in paths {
        let (_, _, body) = fetch(&app, path, &[]).await;
        assert!(!contains(&body, "embargo-marker"), "{path} before its time");
        assert!(!contains(&body, "EMBARGO-MARKER"), "{path} before its time");
    }
    // Its time comes; the publication job runs (as the app's worker would).
    tokio::time::sleep(std::time::Duration::from_millis(2_500)).await;
    app.run_due_jobs().await;
    app.state.refresh_content_epoch().await.unwrap();
    for path in paths {
        let (_, _, body) = fetch(&app, path, &[]).await;
        assert!(
            contains(&body, "embargo-marker-results"),
            "{path} after publication"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn a_new_article_reaches_the_cached_feeds_at_once() {
    let app = spawn_app().await;
    let (_, h, before) = fetch(&app, "/feed.xml", &[]).await;
    let etag = h["etag"].to_str().unwrap().to_owned();
    let (status, _, _) = fetch(&app, "/feed.xml", &[("if-none-match", &etag)]).await;
    assert_eq!(status, 304);
    let dir = app.db.data_dir().join("more");
    write(&dir, "registered.md", REGISTERED);
    app.import(&dir).await;
    let (status, h, after) = fetch(&app, "/feed.xml", &[("if-none-match", &etag)]).await;
    assert_eq!(status, 200, "the old ETag no longer matches");
    assert_ne!(h["etag"].to_str().unwrap(), etag);
    assert!(!contains(&before, BUDGET_TITLE));
    let report = check("feed", &after, json!({ "format": "rss" }));
    assert_eq!(report["entries"][0]["title"], BUDGET_TITLE);
    app.stop().await;
}

#[tokio::test]
async fn a_feed_holds_as_many_entries_as_configured() {
    let app = spawn_app_with(|c| c.feeds.items = 1).await;
    for path in ["/feed.xml", "/feed.atom"] {
        let (_, _, body) = fetch(&app, path, &[]).await;
        let report: Value = check("feed", &body, json!({ "format": format_of(path) }));
        let entries = report["entries"].as_array().unwrap();
        assert_eq!(entries.len(), 1, "{path}");
        assert_eq!(entries[0]["title"], MATCH_TITLE);
    }
    app.stop().await;
}
