//! The OpenAPI document states the handlers' limits (`api/schema.rs`), from the same rules:
//! each length, count and range against the constant the handler checks, the required
//! fields of each request, and no unknown field anywhere. Schemathesis (`schemathesis.rs`)
//! then shows that input within them is served; this test catches a rule changed on one side.

use masthead_core::draft;

use super::*;

fn schema<'a>(doc: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    let s = &doc["components"]["schemas"][name];
    assert!(s.is_object(), "no schema {name}");
    s
}

fn param<'a>(doc: &'a serde_json::Value, path: &str, name: &str) -> &'a serde_json::Value {
    doc["paths"][path]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("{path} has no parameter {name}"))
}

fn required(s: &serde_json::Value) -> Vec<&str> {
    s["required"]
        .as_array()
        .map(|r| r.iter().map(|x| x.as_str().unwrap()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_document_states_the_handlers_limits() {
    let app = spawn_app().await;
    let (_, doc) = json_of(app.get("/api/openapi.json").await).await;

    let new = schema(&doc, "NewArticle");
    let change = schema(&doc, "ArticleChange");
    for s in [new, change] {
        let p = &s["properties"];
        for (field, max) in [
            ("headline", draft::MAX_HEADLINE),
            ("kicker", draft::MAX_KICKER),
            ("standfirst", draft::MAX_STANDFIRST),
            ("byline", draft::MAX_BYLINE),
            ("seo_title", draft::MAX_SEO_TITLE),
            ("seo_description", draft::MAX_SEO_DESCRIPTION),
        ] {
            assert_eq!(p[field]["maxLength"], max, "{field}: {s}");
        }
        // Characters of up to 4 bytes each: the schema's length keeps the byte limit.
        let body = p["body"]["maxLength"].as_u64().unwrap() as usize;
        assert!(body * 4 <= draft::MAX_BODY_BYTES, "{body}");
        assert_eq!(p["tags"]["maxItems"], draft::MAX_TAGS);
        assert_eq!(p["authors"]["maxItems"], draft::MAX_AUTHORS);
        assert_eq!(s["additionalProperties"], false, "{s}");
    }
    // A new article has a headline and a section and no revision; a change, a revision.
    assert_eq!(required(new), ["headline", "section"]);
    assert!(new["properties"].get("revision").is_none());
    assert_eq!(required(change), ["revision"]);
    assert_eq!(change["properties"]["revision"]["minimum"], 1);
    let access = schema(&doc, "AccessName");
    assert_eq!(
        access["enum"],
        serde_json::json!(["free", "metered", "registered"])
    );
    for request in [
        "SectionRequest",
        "TagRequest",
        "InviteRequest",
        "RoleRequest",
    ] {
        assert_eq!(schema(&doc, request)["additionalProperties"], false);
    }
    assert!(
        schema(&doc, "TagRequest")["properties"]
            .get("description")
            .is_none()
    );
    let roles = schema(&doc, "RoleName")["enum"].as_array().unwrap().len();
    assert_eq!(roles, Role::ALL.len());

    // Links from what a creation answers to the operations on it, in the specification's
    // names (utoipa writes snake case; `api::camel_case_links`), to unique operation ids.
    let links = &doc["paths"]["/api/v1/admin/articles"]["post"]["responses"]["201"]["links"];
    assert_eq!(links["publish"]["operationId"], "publish", "{links}");
    assert_eq!(
        links["publish"]["requestBody"]["revision"],
        "$response.body#/revision"
    );
    assert_eq!(links["read"]["parameters"]["id"], "$response.body#/id");
    let mut ids: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|p| p.as_object().unwrap().values())
        .map(|o| o["operationId"].as_str().unwrap())
        .collect();
    let all = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), all, "operation ids are unique: {ids:?}");

    let limit = &param(&doc, "/api/v1/articles", "limit")["schema"];
    assert_eq!(limit["minimum"], 1);
    assert_eq!(limit["maximum"], 100);
    let q = &param(&doc, "/api/v1/search", "q");
    assert_eq!(q["required"], true);
    assert!(q["schema"]["maxLength"].as_u64().unwrap() * 4 <= 1024); // MAX_QUERY_BYTES
    assert_eq!(
        param(&doc, "/api/v1/search", "sort")["schema"]["$ref"],
        "#/components/schemas/SortName"
    );
    app.stop().await;
}

/// What the schema refuses, the handler refuses too: a headline one character over the
/// document's maxLength, a tag with a comma, an access level outside its enum.
#[tokio::test]
async fn input_beyond_the_document_is_refused() {
    let app = spawn_app().await;
    let token = key(&app, Role::Admin).await;
    let (_, doc) = json_of(app.get("/api/openapi.json").await).await;
    let max = schema(&doc, "NewArticle")["properties"]["headline"]["maxLength"]
        .as_u64()
        .unwrap() as usize;
    for (body, field) in [
        (
            serde_json::json!({"headline": "h".repeat(max + 1), "section": "city"}),
            "headline",
        ),
        (
            serde_json::json!({"headline": "Tags", "section": "city", "tags": ["a, b"]}),
            "tags",
        ),
        (
            serde_json::json!({"headline": "Access", "section": "city", "access": "paid"}),
            "access",
        ),
    ] {
        let (status, v) = json_of(
            with_key(
                &app,
                reqwest::Method::POST,
                "/api/v1/admin/articles",
                &token,
            )
            .json(&body)
            .send()
            .await
            .unwrap(),
        )
        .await;
        assert_eq!(status, 422, "{v}");
        assert_eq!(error_of(&v), ("invalid".to_owned(), Some(field.to_owned())));
    }
    // At the limit, it is served.
    let (status, v) = json_of(
        with_key(
            &app,
            reqwest::Method::POST,
            "/api/v1/admin/articles",
            &token,
        )
        .json(&serde_json::json!({"headline": "h".repeat(max), "section": "city"}))
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{v}");
    app.stop().await;
}
