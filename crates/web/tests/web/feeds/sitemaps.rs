//! `/robots.txt`, `/sitemap.xml` (a list, or an index of pages) and `/sitemap-news.xml`,
//! validated with xml.etree against the protocol's structure and limits.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::{
    rss_atom::app_with_more_articles,
    tools::{check, fetch},
};
use crate::common::{spawn_app, spawn_app_with, write};

const BASE: &str = "http://127.0.0.1:8080";

/// Every URL the fixture and `app_with_more_articles` publish.
fn published_urls() -> BTreeSet<String> {
    [
        "/",
        "/city",
        "/sport",
        "/tag/council",
        "/tag/football",
        "/tag/harbour",
        "/tag/port-works",
        "/author/ana-ribeiro",
        "/author/tom-vale",
        "/city/harbour-crane-lifts-a-record-load",
        "/sport/athletic-win-the-derby",
        "/city/council-budget-is-leaked",
    ]
    .iter()
    .map(|p| format!("{BASE}{p}"))
    .collect()
}

fn locs(report: &Value) -> Vec<String> {
    report["locs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn robots_txt_names_both_sitemaps() {
    let app = spawn_app().await;
    let (status, h, body) = fetch(&app, "/robots.txt", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(h["content-type"], "text/plain; charset=utf-8");
    let text = String::from_utf8(body).unwrap();
    assert!(text.contains("User-agent: *"), "{text}");
    assert!(
        text.contains(&format!("\nSitemap: {BASE}/sitemap.xml\n")),
        "{text}"
    );
    assert!(
        text.contains(&format!("\nSitemap: {BASE}/sitemap-news.xml")),
        "{text}"
    );
    assert!(text.contains("Disallow: /newsroom"), "{text}");
    assert!(
        !text.contains("Disallow: /\n"),
        "the site itself is crawlable"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_sitemap_lists_every_published_page_and_nothing_else() {
    let app = spawn_app().await;
    app_with_more_articles(&app).await;
    let (status, h, body) = fetch(&app, "/sitemap.xml", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(h["content-type"], "application/xml; charset=utf-8");
    let report = check("sitemap", &body, json!({}));
    assert_eq!(report["kind"], "urlset");
    let got = locs(&report);
    assert_eq!(
        got.iter().cloned().collect::<BTreeSet<_>>(),
        published_urls()
    );
    assert_eq!(got.len(), published_urls().len(), "no URL twice");
    let lastmods = report["lastmods"].as_array().unwrap();
    let at = |url: &str| lastmods[got.iter().position(|l| l == url).unwrap()].clone();
    // The article's lastmod is its last change; a listing's is its newest article's.
    let article = at(&format!("{BASE}/sport/athletic-win-the-derby"));
    assert!(
        article.as_str().unwrap().ends_with('Z') && article.as_str().unwrap().len() == 20,
        "{article}"
    );
    for m in lastmods {
        m.as_str().unwrap().parse::<jiff::Timestamp>().unwrap();
    }
    let text = String::from_utf8(body).unwrap();
    assert!(!text.contains("unfinished-story") && !text.contains("future-story"));
    // Cached, with validators.
    let etag = h["etag"].to_str().unwrap();
    let (status, _, _) = fetch(&app, "/sitemap.xml", &[("if-none-match", etag)]).await;
    assert_eq!(status, 304);
    // Pages exist only for an index.
    let (status, _, _) = fetch(&app, "/sitemaps/1.xml", &[]).await;
    assert_eq!(status, 404);
    app.stop().await;
}

#[tokio::test]
async fn a_sitemap_over_the_page_size_becomes_an_index_of_pages() {
    let app = spawn_app_with(|c| c.feeds.sitemap_page_size = 5).await;
    app_with_more_articles(&app).await;
    let (status, _, body) = fetch(&app, "/sitemap.xml", &[]).await;
    assert_eq!(status, 200);
    let index = check("sitemap", &body, json!({}));
    assert_eq!(index["kind"], "index");
    let pages = locs(&index);
    let expected = published_urls();
    assert_eq!(pages.len(), expected.len().div_ceil(5), "{pages:?}");
    let mut seen = Vec::new();
    for (i, page) in pages.iter().enumerate() {
        assert_eq!(page, &format!("{BASE}/sitemaps/{}.xml", i + 1));
        let path = page.strip_prefix(BASE).unwrap();
        let (status, _, body) = fetch(&app, path, &[]).await;
        assert_eq!(status, 200, "{path}");
        let report = check("sitemap", &body, json!({}));
        assert_eq!(report["kind"], "urlset");
        let urls = locs(&report);
        assert!(!urls.is_empty() && urls.len() <= 5, "{path}: {urls:?}");
        seen.extend(urls);
    }
    assert_eq!(seen.len(), expected.len(), "every URL on exactly one page");
    assert_eq!(seen.into_iter().collect::<BTreeSet<_>>(), expected);
    for missing in [
        "/sitemaps/0.xml",
        "/sitemaps/4.xml",
        "/sitemaps/01.xml",
        "/sitemaps/x.xml",
        "/sitemaps/1",
        "/sitemaps/99999999999999999999.xml",
    ] {
        let (status, _, _) = fetch(&app, missing, &[]).await;
        assert_eq!(status, 404, "{missing}");
    }
    app.stop().await;
}

#[tokio::test]
async fn the_news_sitemap_lists_the_last_48_hours() {
    let app = spawn_app().await;
    let (_, _, empty) = fetch(&app, "/sitemap-news.xml", &[]).await;
    let report = check("sitemap", &empty, json!({}));
    assert_eq!(report["kind"], "urlset");
    assert!(
        locs(&report).is_empty(),
        "the fixture's articles are months old"
    );
    let now = jiff::Timestamp::now();
    let hours_ago = |h: i64| {
        (now - jiff::SignedDuration::from_hours(h))
            .strftime("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    };
    let dir = app.db.data_dir().join("news");
    let article = |headline: &str, published: &str| {
        format!(
            "---\nheadline: \"{headline}\"\nsection: city\nauthors: [ana-ribeiro]\npublished: {published}\naccess: free\n---\nText.\n"
        )
    };
    write(
        &dir,
        "fresh.md",
        &article("Fresh & new story", &hours_ago(1)),
    );
    write(
        &dir,
        "older.md",
        &article("Yesterday's story", &hours_ago(30)),
    );
    write(&dir, "stale.md", &article("Three days old", &hours_ago(72)));
    app.import(&dir).await;
    let (status, h, body) = fetch(&app, "/sitemap-news.xml", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(h["content-type"], "application/xml; charset=utf-8");
    let report = check("sitemap", &body, json!({}));
    assert_eq!(
        locs(&report),
        [
            format!("{BASE}/city/fresh-and-new-story"),
            format!("{BASE}/city/yesterdays-story"),
        ]
    );
    let news = &report["news"][0];
    assert_eq!(news["name"], "The Test Tribune");
    assert_eq!(news["language"], "en");
    assert_eq!(news["title"], "Fresh & new story");
    assert_eq!(news["date"], hours_ago(1));
    app.stop().await;
}

#[tokio::test]
async fn sitemaps_take_odd_requests_without_a_5xx() {
    let app = spawn_app().await;
    for path in ["/sitemap.xml", "/sitemap-news.xml", "/robots.txt"] {
        let (_, _, body) = fetch(&app, path, &[]).await;
        for (query, header) in [
            (
                "?page=2&x=%00",
                ("if-modified-since", "Fri, 01 Jan 2100 00:00:00 GMT"),
            ),
            ("?;;&&==", ("if-none-match", "\"nonsense\", W/")),
            ("", ("accept-encoding", "gzip;q=0")),
        ] {
            let (status, _, again) = fetch(&app, &format!("{path}{query}"), &[header]).await;
            assert_eq!(status, 200, "{path}{query} {header:?}");
            assert_eq!(again, body, "{path}{query} {header:?}");
        }
        if path.ends_with(".xml") {
            check("sitemap", &body, json!({}));
        }
    }
    app.stop().await;
}
