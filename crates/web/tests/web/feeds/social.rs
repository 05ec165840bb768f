//! Social cards and structured data of reader pages, as `extruct` reads them: the article's
//! `NewsArticle` and `BreadcrumbList`, the front page's `WebSite` with its `SearchAction`, Open
//! Graph and Twitter tags, canonical links, `max-image-preview:large` and feed links.

use serde_json::{Value, json};

use super::tools::{check, fetch};
use crate::common::spawn_app;

const BASE: &str = "http://127.0.0.1:8080";
const ARTICLE: &str = "/city/harbour-crane-lifts-a-record-load";

/// (JSON-LD items, flattened out of arrays and `@graph`; Open Graph properties)
async fn extract(app: &crate::common::TestApp, path: &str) -> (Vec<Value>, Value, String) {
    let (status, _, body) = fetch(app, path, &[]).await;
    assert_eq!(status, 200, "{path}");
    let report = check("extruct", &body, json!({ "url": format!("{BASE}{path}") }));
    let mut items = Vec::new();
    let mut stack: Vec<Value> = report["json_ld"].as_array().unwrap().clone();
    while let Some(v) = stack.pop() {
        match v {
            Value::Array(a) => stack.extend(a),
            Value::Object(ref o) if o.contains_key("@graph") => {
                stack.extend(o["@graph"].as_array().unwrap().clone())
            }
            other => items.push(other),
        }
    }
    let og = report["opengraph"].clone();
    (items, og, String::from_utf8(body).unwrap())
}

fn of_type<'a>(items: &'a [Value], t: &str) -> &'a Value {
    items
        .iter()
        .find(|i| i["@type"] == t)
        .unwrap_or_else(|| panic!("no {t} in {items:#?}"))
}

/// An Open Graph property's values, in page order (`og` is extruct's list of pairs).
fn og_values(og: &Value, key: &str) -> Vec<String> {
    og.as_array()
        .unwrap()
        .iter()
        .filter(|p| p[0] == key)
        .map(|p| p[1].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn an_article_page_carries_a_complete_news_article_breadcrumbs_and_cards() {
    let app = spawn_app().await;
    let (items, og, html) = extract(&app, ARTICLE).await;
    let article = of_type(&items, "NewsArticle");
    let canonical = format!("{BASE}{ARTICLE}");
    assert_eq!(article["headline"], "Harbour crane <lifts> a record load");
    assert_eq!(
        article["description"],
        "The new crane moved 180 tonnes & more on Tuesday."
    );
    assert_eq!(article["url"], canonical);
    assert_eq!(article["mainEntityOfPage"]["@id"], canonical);
    assert_eq!(article["datePublished"], "2026-07-14T09:30:00Z");
    assert_eq!(article["dateModified"], "2026-07-14T09:30:00Z");
    assert_eq!(article["articleSection"], "City");
    assert_eq!(article["inLanguage"], "en");
    assert_eq!(article["keywords"], json!(["Port Works", "harbour"]));
    let authors = article["author"].as_array().unwrap();
    assert_eq!(authors.len(), 2);
    assert_eq!(authors[0]["@type"], "Person");
    assert_eq!(authors[0]["name"], "Ana Ribeiro");
    assert_eq!(authors[0]["url"], format!("{BASE}/author/ana-ribeiro"));
    let image = &article["image"][0];
    assert!(
        image["url"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{BASE}/media/")),
        "{image}"
    );
    assert_eq!(
        (image["width"].as_i64(), image["height"].as_i64()),
        (Some(64), Some(40))
    );
    let publisher = &article["publisher"];
    assert_eq!(publisher["name"], "The Test Tribune");
    assert_eq!(publisher["logo"]["url"], format!("{BASE}/icon-512.png"));
    // The registration wall's markup: the page is metered.
    assert_eq!(article["isAccessibleForFree"], false);
    assert_eq!(article["hasPart"]["cssSelector"], ".article-gated");
    assert_eq!(article["hasPart"]["isAccessibleForFree"], false);

    let crumbs = of_type(&items, "BreadcrumbList")["itemListElement"]
        .as_array()
        .unwrap()
        .clone();
    let trail: Vec<(&str, &str)> = crumbs
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["item"].as_str().unwrap()))
        .collect();
    assert_eq!(
        trail,
        [
            ("Home", format!("{BASE}/").as_str()),
            ("City", format!("{BASE}/city").as_str()),
            ("Harbour crane <lifts> a record load", canonical.as_str()),
        ]
    );
    assert_eq!(crumbs[2]["position"], 3);

    assert_eq!(og_values(&og, "og:type"), ["article"]);
    assert_eq!(
        og_values(&og, "og:title"),
        ["Harbour crane <lifts> a record load"]
    );
    assert_eq!(og_values(&og, "og:url"), [canonical.as_str()]);
    assert!(
        og_values(&og, "og:image")[0].starts_with(&format!("{BASE}/media/")),
        "{og}"
    );
    assert_eq!(og_values(&og, "og:image:width"), ["64"]);
    assert_eq!(
        og_values(&og, "article:published_time"),
        ["2026-07-14T09:30:00Z"]
    );
    assert_eq!(og_values(&og, "article:section"), ["City"]);
    let mut tags = og_values(&og, "article:tag");
    tags.sort();
    assert_eq!(tags, ["Port Works", "harbour"], "{og}");

    for expected in [
        "<meta name=\"twitter:card\" content=\"summary_large_image\">",
        "<meta name=\"twitter:title\" content=\"Harbour crane &lt;lifts&gt; a record load\">",
        "<meta name=\"robots\" content=\"max-image-preview:large\">",
        &format!("<link rel=\"canonical\" href=\"{canonical}\">"),
        "<link rel=\"alternate\" type=\"application/rss+xml\" title=\"The Test Tribune\" href=\"/feed.xml\">",
        "<link rel=\"alternate\" type=\"application/rss+xml\" title=\"City — The Test Tribune\" href=\"/city/feed.xml\">",
        "<link rel=\"manifest\" href=\"/manifest.webmanifest\">",
        "<link rel=\"icon\" href=\"/favicon.ico\"",
    ] {
        assert!(html.contains(expected), "missing {expected:?}");
    }
    assert_eq!(
        html.matches("property=\"og:type\"").count(),
        1,
        "one og:type, the article's"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_free_article_without_a_photo_says_it_is_free_and_has_a_small_card() {
    let app = spawn_app().await;
    let (items, og, html) = extract(&app, "/sport/athletic-win-the-derby").await;
    let article = of_type(&items, "NewsArticle");
    assert_eq!(article["isAccessibleForFree"], true);
    assert!(article.get("hasPart").is_none());
    assert!(article.get("image").is_none());
    assert!(og_values(&og, "og:image").is_empty(), "{og}");
    assert!(html.contains("<meta name=\"twitter:card\" content=\"summary\">"));
    app.stop().await;
}

#[tokio::test]
async fn the_front_page_carries_the_website_with_its_search_action() {
    let app = spawn_app().await;
    let (items, og, html) = extract(&app, "/").await;
    let site = of_type(&items, "WebSite");
    assert_eq!(site["name"], "The Test Tribune");
    assert_eq!(site["url"], format!("{BASE}/"));
    let action = &site["potentialAction"];
    assert_eq!(action["@type"], "SearchAction");
    assert_eq!(
        action["target"]["urlTemplate"],
        format!("{BASE}/search?q={{search_term_string}}")
    );
    assert_eq!(action["query-input"], "required name=search_term_string");
    let org = of_type(&items, "NewsMediaOrganization");
    assert_eq!(org["logo"]["url"], format!("{BASE}/icon-512.png"));
    assert_eq!(og_values(&og, "og:type"), ["website"]);
    assert_eq!(og_values(&og, "og:site_name"), ["The Test Tribune"]);
    assert_eq!(og_values(&og, "og:url"), [format!("{BASE}/")]);
    // The search form works with the action's URL.
    let template = action["target"]["urlTemplate"].as_str().unwrap();
    let search = template
        .replace("{search_term_string}", "crane")
        .replace(BASE, "");
    let (status, _, results) = fetch(&app, &search, &[]).await;
    assert_eq!(status, 200);
    assert!(
        String::from_utf8(results)
            .unwrap()
            .contains("href=\"/city/harbour-crane-lifts-a-record-load\"")
    );
    assert!(html.contains("<link rel=\"alternate\" type=\"application/atom+xml\" title=\"The Test Tribune (Atom)\" href=\"/feed.atom\">"));
    app.stop().await;
}

#[tokio::test]
async fn listing_pages_carry_breadcrumbs_and_announce_their_feeds() {
    let app = spawn_app().await;
    for (path, name) in [
        ("/city", "City"),
        ("/tag/port-works", "Port Works"),
        ("/author/tom-vale", "Tom Vale"),
    ] {
        let (items, og, html) = extract(&app, path).await;
        let crumbs = of_type(&items, "BreadcrumbList")["itemListElement"]
            .as_array()
            .unwrap()
            .clone();
        assert_eq!(crumbs.len(), 2, "{path}");
        assert_eq!(crumbs[1]["name"], name);
        assert_eq!(crumbs[1]["item"], format!("{BASE}{path}"));
        assert_eq!(og_values(&og, "og:type"), ["website"], "{path}");
        for ext in ["xml", "atom"] {
            let link = format!("href=\"{path}/feed.{ext}\"");
            assert!(html.contains(&link), "{path} does not announce {link}");
            let (status, _, _) = fetch(&app, &format!("{path}/feed.{ext}"), &[]).await;
            assert_eq!(status, 200, "{path}/feed.{ext}");
        }
    }
    app.stop().await;
}
