//! The Content API: what it answers, and what it never gives.

use super::*;

const HARBOUR: &str = "harbour-crane-lifts-a-record-load";

#[tokio::test]
async fn the_list_pages_by_cursor_and_filters() {
    let app = spawn_app().await;
    let (status, v) = json_of(app.get("/api/v1/articles").await).await;
    assert_eq!(status, 200, "{v}");
    let slugs: Vec<&str> = v["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["athletic-win-the-derby", HARBOUR], "newest first");
    assert!(v["next"].is_null(), "one page: {v}");

    // One at a time: the cursor walks the same order and ends.
    let (_, first) = json_of(app.get("/api/v1/articles?limit=1").await).await;
    assert_eq!(first["articles"][0]["slug"], "athletic-win-the-derby");
    let next = first["next"].as_str().expect("a next link").to_owned();
    let path = next
        .split_once("/api/")
        .map(|(_, p)| format!("/api/{p}"))
        .unwrap();
    let (_, second) = json_of(app.get(&path).await).await;
    assert_eq!(second["articles"][0]["slug"], HARBOUR, "{second}");
    assert_eq!(second["articles"].as_array().unwrap().len(), 1);
    assert!(second["next"].is_null(), "{second}");

    for (query, expected) in [
        ("section=city", vec![HARBOUR]),
        ("section=sport", vec!["athletic-win-the-derby"]),
        ("tag=football", vec!["athletic-win-the-derby"]),
        ("tag=port-works", vec![HARBOUR]),
        ("author=tom-vale", vec![HARBOUR]),
        (
            "author=ana-ribeiro",
            vec!["athletic-win-the-derby", HARBOUR],
        ),
        ("since=2026-07-15", vec!["athletic-win-the-derby"]),
        ("until=2026-07-14", vec![HARBOUR]),
        (
            "since=2026-07-14T09:30:00Z&until=2026-07-14T09:30:01Z",
            vec![HARBOUR],
        ),
        ("section=nowhere", vec![]),
    ] {
        let (status, v) = json_of(app.get(&format!("/api/v1/articles?{query}")).await).await;
        assert_eq!(status, 200, "{query}: {v}");
        let got: Vec<&str> = v["articles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["slug"].as_str().unwrap())
            .collect();
        assert_eq!(got, expected, "{query}");
    }
    app.stop().await;
}

#[tokio::test]
async fn bad_parameters_are_precise_json_errors() {
    let app = spawn_app().await;
    for (query, status, code, field) in [
        ("limit=0", 422, "invalid", Some("limit")),
        ("limit=101", 422, "invalid", Some("limit")),
        ("limit=ten", 422, "invalid", Some("limit")),
        ("since=yesterday", 422, "invalid", Some("since")),
        ("until=2026-13-01", 422, "invalid", Some("until")),
        ("cursor=not-ours", 400, "malformed", Some("cursor")),
        ("colour=red", 400, "malformed", Some("colour")),
    ] {
        let res = app.get(&format!("/api/v1/articles?{query}")).await;
        assert_eq!(res.headers()["content-type"], "application/json", "{query}");
        let (got, v) = json_of(res).await;
        assert_eq!(got, status, "{query}: {v}");
        let (c, f) = error_of(&v);
        assert_eq!(c, code, "{query}: {v}");
        assert_eq!(f.as_deref(), field, "{query}: {v}");
    }
    let (status, v) = json_of(app.get("/api/v1/articles/no-such-story").await).await;
    assert_eq!((status, error_of(&v).0.as_str()), (404, "not_found"));
    let (status, v) = json_of(app.get("/api/v1/nothing-here").await).await;
    assert_eq!((status, error_of(&v).0.as_str()), (404, "not_found"));
    let (status, v) = json_of(
        app.client
            .delete(app.url("/api/v1/articles"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, error_of(&v).0.as_str()),
        (405, "method_not_allowed")
    );
    // A method the server does not recognise is the same 405 under /api/ (the document's
    // contract; the site answers 501), naming the methods the path takes.
    for (method, path, allow) in [
        ("QUERY", "/api/v1/articles", "GET"),
        ("X-PURGE", "/api/v1/admin/sections", "POST"),
    ] {
        let res = app
            .client
            .request(
                reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                app.url(path),
            )
            .send()
            .await
            .unwrap();
        let allowed = res.headers()["allow"].to_str().unwrap().to_owned();
        assert!(allowed.contains(allow), "{method} {path}: Allow {allowed}");
        let (status, v) = json_of(res).await;
        assert_eq!(
            (status, error_of(&v).0.as_str()),
            (405, "method_not_allowed"),
            "{method} {path}: {v}"
        );
    }
    let res = app
        .client
        .request(reqwest::Method::from_bytes(b"QUERY").unwrap(), app.url("/"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 501, "the site keeps RFC 9110's 501");
    // Search speaks the same error.
    let (status, v) = json_of(app.get("/api/v1/search?q=").await).await;
    assert_eq!((status, error_of(&v).0.as_str()), (400, "malformed"));
    app.stop().await;
}

#[tokio::test]
async fn a_gated_article_gives_only_its_lead_in() {
    let app = spawn_app().await;
    let res = app.get(&format!("/api/v1/articles/{HARBOUR}")).await;
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["gated"], true);
    assert_eq!(v["access"], "metered");
    assert!(v["html"].as_str().unwrap().contains("180 tonnes"), "{v}");
    // Below the wall: never in the answer, in any field.
    for hidden in ["More lifts are planned", "December", "What comes next"] {
        assert!(!text.contains(hidden), "{hidden} leaked: {text}");
    }
    let lead = &v["lead_photo"];
    assert_eq!(lead["alt"], "A crane over a ship");
    assert_eq!(lead["credit"], "Courier/Ana Ribeiro");
    assert!(lead["width"].as_i64().unwrap() > 0);
    insta::assert_snapshot!("api_gated_article", redacted(v));

    // The list never carries bodies.
    let list = app.get("/api/v1/articles").await.text().await.unwrap();
    assert!(!list.contains("More lifts"), "{list}");

    let (_, free) = json_of(app.get("/api/v1/articles/athletic-win-the-derby").await).await;
    assert_eq!(free["gated"], false);
    assert!(
        free["html"]
            .as_str()
            .unwrap()
            .contains("A late goal settled the derby")
    );
    app.stop().await;
}

#[tokio::test]
async fn answers_have_validators_and_a_304() {
    let app = spawn_app().await;
    for path in [
        "/api/v1/articles",
        "/api/v1/articles/athletic-win-the-derby",
        "/api/v1/sections",
        "/api/v1/tags",
        "/api/v1/authors",
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(res.headers()["content-type"], "application/json", "{path}");
        assert_eq!(
            res.headers()["cache-control"],
            "public, max-age=60",
            "{path}"
        );
        let etag = res.headers()["etag"].to_str().unwrap().to_owned();
        let again = app
            .client
            .get(app.url(path))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{path}");
        assert!(again.text().await.unwrap().is_empty());
    }
    app.stop().await;
}

#[tokio::test]
async fn sections_tags_and_authors() {
    let app = spawn_app().await;
    let (_, sections) = json_of(app.get("/api/v1/sections").await).await;
    let (_, tags) = json_of(app.get("/api/v1/tags").await).await;
    let (_, authors) = json_of(app.get("/api/v1/authors").await).await;
    insta::assert_snapshot!("api_sections", redacted(sections));
    insta::assert_snapshot!(
        "api_tags_and_authors",
        format!("{}\n{}", redacted(tags), redacted(authors))
    );
    app.stop().await;
}

#[tokio::test]
async fn the_openapi_document_describes_every_endpoint() {
    let app = spawn_app().await;
    let (status, doc) = json_of(app.get("/api/openapi.json").await).await;
    assert_eq!(status, 200);
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/v1/articles",
        "/api/v1/articles/{slug}",
        "/api/v1/sections",
        "/api/v1/tags",
        "/api/v1/authors",
        "/api/v1/search",
        "/api/v1/admin/articles",
        "/api/v1/admin/articles/{id}",
        "/api/v1/admin/articles/{id}/publish",
        "/api/v1/admin/articles/{id}/schedule",
        "/api/v1/admin/articles/{id}/unpublish",
        "/api/v1/admin/sections",
        "/api/v1/admin/sections/{id}",
        "/api/v1/admin/tags",
        "/api/v1/admin/tags/{id}",
        "/api/v1/admin/staff",
        "/api/v1/admin/staff/{id}/role",
        "/api/v1/admin/staff/{id}/deactivate",
        "/api/v1/admin/staff/{id}/reactivate",
        "/api/v1/admin/comments",
        "/api/v1/admin/comments/{id}/decision",
    ] {
        assert!(paths.contains_key(p), "{p} is not described");
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    // Every reference names a schema the document holds.
    fn refs<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a str>) {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(r) = m.get("$ref").and_then(|r| r.as_str()) {
                    out.push(r);
                }
                m.values().for_each(|x| refs(x, out));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    for r in all {
        let name = r.strip_prefix("#/components/schemas/").unwrap_or(r);
        assert!(
            doc["components"]["schemas"].get(name).is_some(),
            "{r} does not resolve"
        );
    }
    app.stop().await;
}
