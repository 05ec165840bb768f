//! The Admin API: each key scope against each write, keys that may not act, the revision
//! counter, the audit log.

use reqwest::Method;
use serde_json::json;

use super::*;

async fn create(app: &TestApp, token: &str, headline: &str) -> (u16, serde_json::Value) {
    json_of(
        with_key(app, Method::POST, "/api/v1/admin/articles", token)
            .json(&json!({
                "headline": headline,
                "standfirst": "A standfirst.",
                "body": "First paragraph.\n\nSecond paragraph.\n\nThird, below the wall.",
                "section": "city",
                "tags": ["ferries"],
                "access": "free",
            }))
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn post(
    app: &TestApp,
    token: &str,
    path: &str,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    json_of(
        with_key(app, Method::POST, path, token)
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// What a key of each role may do: (create an article, publish its own, publish another's,
/// edit another's, create a section, create a tag).
fn expected(role: Role) -> [bool; 6] {
    match role {
        Role::Admin | Role::Editor => [true; 6],
        Role::Author => [true, true, false, false, false, false],
        Role::Contributor => [true, false, false, false, false, false],
        Role::Moderator => [false; 6],
    }
}

fn code(allowed: bool, ok: u16) -> u16 {
    if allowed { ok } else { 403 }
}

#[tokio::test]
async fn each_key_scope_against_each_write() {
    let app = spawn_app().await;
    let editor = key(&app, Role::Editor).await;
    for role in Role::ALL {
        let [
            create_ok,
            publish_own,
            publish_other,
            edit_other,
            section_ok,
            tag_ok,
        ] = expected(role);
        let r = role.as_str();
        // Each role's key is made by a staff member of that role (a key acts as its creator).
        let token = key_by(&app, &format!("{r}@tribune.example"), role, role).await;
        let (_, other) = create(&app, &editor, &format!("Editor's story for {r}")).await;
        let other_id = other["id"].as_str().unwrap();

        let (status, own) = create(&app, &token, &format!("Own story by {r}")).await;
        assert_eq!(status, code(create_ok, 201), "{r} create: {own}");
        if create_ok {
            assert_eq!(own["status"], "draft");
            let id = own["id"].as_str().unwrap();
            let (status, v) = post(
                &app,
                &token,
                &format!("/api/v1/admin/articles/{id}/publish"),
                json!({ "revision": own["revision"] }),
            )
            .await;
            assert_eq!(status, code(publish_own, 200), "{r} publish own: {v}");
            if publish_own {
                assert_eq!(v["status"], "published");
            }
        } else {
            assert_eq!(error_of(&own).0, "forbidden");
        }
        let (status, v) = post(
            &app,
            &token,
            &format!("/api/v1/admin/articles/{other_id}/publish"),
            json!({ "revision": other["revision"] }),
        )
        .await;
        assert_eq!(status, code(publish_other, 200), "{r} publish other's: {v}");
        let (status, v) = json_of(
            with_key(
                &app,
                Method::PUT,
                &format!("/api/v1/admin/articles/{other_id}"),
                &token,
            )
            .json(&json!({
                "revision": v["revision"].as_i64().or(other["revision"].as_i64()),
                "standfirst": "Changed.",
            }))
            .send()
            .await
            .unwrap(),
        )
        .await;
        assert_eq!(status, code(edit_other, 200), "{r} edit other's: {v}");
        let (status, v) = post(
            &app,
            &token,
            "/api/v1/admin/sections",
            json!({ "name": format!("Section by {r}") }),
        )
        .await;
        assert_eq!(status, code(section_ok, 201), "{r} section: {v}");
        let (status, v) = post(
            &app,
            &token,
            "/api/v1/admin/tags",
            json!({ "name": format!("tag by {r}") }),
        )
        .await;
        assert_eq!(status, code(tag_ok, 201), "{r} tag: {v}");
    }
    app.stop().await;
}

#[tokio::test]
async fn an_article_through_its_life_with_the_revision_counter() {
    let app = spawn_app().await;
    let token = key(&app, Role::Editor).await;
    let (status, a) = create(&app, &token, "Ferry timetable changes").await;
    assert_eq!(status, 201, "{a}");
    let id = a["id"].as_str().unwrap().to_owned();
    let rev = a["revision"].as_i64().unwrap();
    let slug = a["slug"].as_str().unwrap().to_owned();
    assert_eq!(slug, "ferry-timetable-changes");
    // A draft is not in the Content API.
    assert_eq!(
        app.get(&format!("/api/v1/articles/{slug}")).await.status(),
        404
    );

    let put = |body: serde_json::Value| {
        with_key(
            &app,
            Method::PUT,
            &format!("/api/v1/admin/articles/{id}"),
            &token,
        )
        .json(&body)
        .send()
    };
    let (status, v) = json_of(
        put(json!({ "revision": rev, "standfirst": "New sailings." }))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["standfirst"], "New sailings.");
    assert_eq!(
        v["headline"], "Ferry timetable changes",
        "unnamed fields are kept"
    );
    let rev2 = v["revision"].as_i64().unwrap();
    assert!(rev2 > rev);
    // The same base revision again: stale, nothing changes.
    let (status, v) = json_of(
        put(json!({ "revision": rev, "standfirst": "Lost." }))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 409, "{v}");
    assert_eq!(error_of(&v), ("conflict".into(), Some("revision".into())));
    let (_, now) = json_of(
        with_key(
            &app,
            Method::GET,
            &format!("/api/v1/admin/articles/{id}"),
            &token,
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(now["standfirst"], "New sailings.");
    assert_eq!(now["revision"], rev2);

    // Schedule (a time in the future only), publish, unpublish.
    let (status, v) = post(
        &app,
        &token,
        &format!("/api/v1/admin/articles/{id}/schedule"),
        json!({ "revision": rev2, "at": "2020-01-01T00:00:00Z" }),
    )
    .await;
    assert_eq!(
        (status, error_of(&v).1.as_deref()),
        (422, Some("at")),
        "{v}"
    );
    let (status, v) = post(
        &app,
        &token,
        &format!("/api/v1/admin/articles/{id}/schedule"),
        json!({ "revision": rev2, "at": "2099-01-01T08:00:00Z" }),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["status"], "scheduled");
    assert_eq!(v["published_at"], "2099-01-01T08:00:00Z");
    assert_eq!(
        app.get(&format!("/api/v1/articles/{slug}")).await.status(),
        404,
        "embargoed"
    );
    let (status, v) = post(
        &app,
        &token,
        &format!("/api/v1/admin/articles/{id}/publish"),
        json!({ "revision": v["revision"] }),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["status"], "published");
    let (status, live) = json_of(app.get(&format!("/api/v1/articles/{slug}")).await).await;
    assert_eq!(status, 200, "{live}");
    assert_eq!(live["standfirst"], "New sailings.");
    let (status, v) = post(
        &app,
        &token,
        &format!("/api/v1/admin/articles/{id}/unpublish"),
        json!({ "revision": v["revision"] }),
    )
    .await;
    assert_eq!((status, v["status"].as_str()), (200, Some("draft")), "{v}");
    assert_eq!(
        app.get(&format!("/api/v1/articles/{slug}")).await.status(),
        404
    );

    // Every write is in the audit log under the key's name.
    let entries = app
        .db
        .store
        .audit_entries(masthead_store::audit::AuditQuery {
            target: Some(("article", &id)),
            before: None,
            limit: 50,
        })
        .await
        .unwrap();
    assert!(entries.len() >= 5, "{entries:?}");
    assert!(
        entries.iter().all(|e| e.actor_label == "editor key"),
        "{entries:?}"
    );
    // The 2099 publication job, superseded by the publication: it runs and changes nothing.
    app.run_due_jobs().await;
    app.stop().await;
}

#[tokio::test]
async fn keys_that_may_not_act_are_401_and_the_wrong_scope_403() {
    let app = spawn_app().await;
    let path = "/api/v1/admin/sections";
    let unauthorized = |res: reqwest::Response| async move {
        assert_eq!(res.status(), 401);
        assert!(
            res.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .starts_with("Bearer"),
        );
        let (_, v) = json_of(res).await;
        assert_eq!(error_of(&v).0, "unauthorized");
        v
    };
    unauthorized(app.get(path).await).await;
    unauthorized(
        with_key(&app, Method::GET, path, "mh_not-a-key")
            .send()
            .await
            .unwrap(),
    )
    .await;
    unauthorized(
        app.client
            .get(app.url(path))
            .header("authorization", "Basic dXNlcjpwYXNz")
            .send()
            .await
            .unwrap(),
    )
    .await;

    // Revoked: refused at once.
    let token = key(&app, Role::Editor).await;
    assert_eq!(
        with_key(&app, Method::GET, path, &token)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let keys = app.db.store.api_keys().await.unwrap();
    let id = &keys
        .iter()
        .find(|k| token.starts_with(&k.prefix))
        .unwrap()
        .id;
    assert_eq!(
        app.db
            .store
            .revoke_api_key(&masthead_store::audit::Actor::cli(), id)
            .await
            .unwrap(),
        Some(true)
    );
    let v = unauthorized(
        with_key(&app, Method::GET, path, &token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(
        v["error"]["message"].as_str().unwrap().contains("revoked"),
        "{v}"
    );

    // A key never acts with more than its creator's role: an admin key made by someone who is
    // now an editor is refused; their editor key still works.
    let creator = "demoted@tribune.example";
    let admin_key = key_by(&app, creator, Role::Admin, Role::Admin).await;
    let editor_key = key_by(&app, creator, Role::Admin, Role::Editor).await;
    let member = app
        .db
        .store
        .staff_by_email(&EmailAddress::parse(creator).unwrap())
        .await
        .unwrap()
        .unwrap();
    app.db
        .store
        .change_staff_role(
            &masthead_store::audit::Actor::cli(),
            &member.id,
            Role::Editor,
        )
        .await
        .unwrap();
    unauthorized(
        with_key(&app, Method::GET, path, &admin_key)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        with_key(&app, Method::GET, path, &editor_key)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    // The wrong scope: 403, with the JSON error.
    let moderator = key(&app, Role::Moderator).await;
    let (status, v) = json_of(
        with_key(&app, Method::GET, path, &moderator)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, error_of(&v).0.as_str()), (403, "forbidden"), "{v}");
    app.stop().await;
}

#[tokio::test]
async fn rate_limits_answer_429_with_retry_after() {
    let app = crate::common::spawn_app_with(|c| {
        c.api_key_per_minute = 3;
        c.api_per_minute = 5;
    })
    .await;
    let token = key(&app, Role::Editor).await;
    for _ in 0..3 {
        assert_eq!(
            with_key(&app, Method::GET, "/api/v1/admin/tags", &token)
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
    }
    let res = with_key(&app, Method::GET, "/api/v1/admin/tags", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    assert!(
        res.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    let (_, v) = json_of(res).await;
    assert_eq!(error_of(&v).0, "rate_limited");
    // Per address, the Content API too (4 of 5 are spent above, cached answers count).
    let mut codes = Vec::new();
    for _ in 0..2 {
        codes.push(app.get("/api/v1/sections").await.status().as_u16());
    }
    assert_eq!(codes, [200, 429]);
    app.stop().await;
}
