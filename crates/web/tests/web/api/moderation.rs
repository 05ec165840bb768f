//! The Admin API's comment moderation: the moderating roles' keys (admin, editor, moderator)
//! and the others against the queue and each decision; decisions reaching the thread and the
//! moderation log; bad input.

use reqwest::Method;
use serde_json::json;

use super::*;
use masthead_store::comments::{NewComment, Status};

pub(super) const HARBOUR: &str = "harbour-crane-lifts-a-record-load";

/// A pending comment by a reader, written through the store (as the thread's form does).
pub(super) async fn held_comment(app: &TestApp, text: &str) -> String {
    let _reader = app.reader("ana@example.com").await;
    let reader = app
        .db
        .store
        .reader_by_email(&EmailAddress::parse("ana@example.com").unwrap())
        .await
        .unwrap()
        .unwrap();
    let article = app
        .db
        .store
        .published_article_access(HARBOUR)
        .await
        .unwrap()
        .unwrap()
        .0;
    let c = NewComment {
        article_id: article,
        parent_id: None,
        reader_id: reader.id,
        author_name: "Ana".into(),
        author_role: None,
        body: masthead_core::comment::CommentBody::parse(text).unwrap(),
        status: Status::Pending,
        hold_reason: Some("pre-moderation".into()),
        per_minute: 1000,
        save_display_name: false,
    };
    app.db.store.post_comment(&c).await.unwrap().unwrap().0
}

async fn decide(
    app: &TestApp,
    token: &str,
    id: &str,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    json_of(
        with_key(
            app,
            Method::POST,
            &format!("/api/v1/admin/comments/{id}/decision"),
            token,
        )
        .json(&body)
        .send()
        .await
        .unwrap(),
    )
    .await
}

async fn queue(app: &TestApp, token: &str, query: &str) -> (u16, serde_json::Value) {
    json_of(
        with_key(
            app,
            Method::GET,
            &format!("/api/v1/admin/comments{query}"),
            token,
        )
        .send()
        .await
        .unwrap(),
    )
    .await
}

#[tokio::test]
async fn each_role_against_the_queue_and_each_decision() {
    let app = crate::common::spawn_app_with(|c| c.comments.close_after_days = 0).await;
    for role in Role::ALL {
        let r = role.as_str();
        let token = key_by(&app, &format!("{r}@tribune.example"), role, role).await;
        let allowed = matches!(role, Role::Admin | Role::Editor | Role::Moderator);
        let id = held_comment(&app, &format!("Held for the {r}")).await;
        let (s, v) = queue(&app, &token, "").await;
        if allowed {
            assert_eq!(s, 200, "{r}: {v}");
            let item = v["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|i| i["id"] == id.as_str())
                .unwrap_or_else(|| panic!("{r}: {id} not pending: {v}"));
            assert_eq!(item["status"], "pending");
            assert_eq!(item["author_name"], "Ana");
            assert!(
                item["html"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("Held for the {r}"))
            );
            assert!(
                item["url"]
                    .as_str()
                    .unwrap()
                    .ends_with(&format!("/city/{HARBOUR}/comments#c-{id}")),
                "{item}"
            );
        } else {
            assert_eq!((s, error_of(&v).0.as_str()), (403, "forbidden"), "{r}: {v}");
        }
        for (decision, status, featured) in [
            ("approve", "published", false),
            ("feature", "published", true),
            ("unfeature", "published", false),
            ("reject", "rejected", false),
        ] {
            let (s, v) = decide(
                &app,
                &token,
                &id,
                json!({"decision": decision, "reason": "test"}),
            )
            .await;
            let c = app.db.store.comment(&id).await.unwrap().unwrap();
            if allowed {
                assert_eq!(s, 200, "{r} {decision}: {v}");
                assert_eq!(
                    (v["status"].as_str(), v["featured"].as_bool()),
                    (Some(status), Some(featured)),
                    "{r} {decision}"
                );
                assert_eq!((c.status.as_str(), c.featured), (status, featured));
            } else {
                assert_eq!(
                    (s, error_of(&v).0.as_str()),
                    (403, "forbidden"),
                    "{r} {decision}: {v}"
                );
                assert_eq!(c.status, Status::Pending, "{r}: nothing changed");
            }
        }
        if allowed {
            let (s, v) = queue(&app, &token, "?list=rejected&limit=1").await;
            assert_eq!(s, 200);
            assert_eq!(v["items"][0]["id"], id.as_str(), "{v}");
        }
    }
    // The moderation log names the key.
    let log = app.db.store.moderation_log(100).await.unwrap();
    assert_eq!(log.len(), 12, "three roles, four decisions: {log:?}");
    assert!(
        log.iter()
            .any(|e| e.moderator == "moderator key (API key)" && e.action == "approve")
    );
    app.stop().await;
}

#[tokio::test]
async fn an_approved_comment_is_on_its_thread_and_bad_input_is_precise() {
    let app = crate::common::spawn_app_with(|c| c.comments.close_after_days = 0).await;
    let token = key(&app, Role::Moderator).await;
    let id = held_comment(&app, "Worth reading, this").await;
    let thread = format!("/city/{HARBOUR}/comments");
    let (_, page) = app.text(&thread).await;
    assert!(!page.contains("Worth reading, this"), "held");
    let (s, v) = decide(&app, &token, &id, json!({"decision": "approve"})).await;
    assert_eq!(s, 200, "{v}");
    let (_, page) = app.text(&thread).await;
    assert!(
        page.contains("Worth reading, this"),
        "published on its thread"
    );
    let (s, v) = queue(&app, &token, "?list=pending").await;
    assert_eq!((s, v["total"].as_i64()), (200, Some(0)), "{v}");

    for (body, field) in [
        (json!({"decision": "delete"}), "decision"),
        (json!({"decision": 1}), "decision"),
        (json!({}), "decision"),
        (json!({"decision": "approve", "why": "x"}), "why"),
    ] {
        let (s, v) = decide(&app, &token, &id, body.clone()).await;
        assert_eq!(
            (s, error_of(&v)),
            (422, ("invalid".into(), Some(field.into()))),
            "{body}: {v}"
        );
    }
    let (s, v) = decide(
        &app,
        &token,
        "no-such-comment",
        json!({"decision": "approve"}),
    )
    .await;
    assert_eq!((s, error_of(&v).0.as_str()), (404, "not_found"), "{v}");
    for (query, field) in [
        ("?list=spam", "list"),
        ("?limit=0", "limit"),
        ("?limit=101", "limit"),
    ] {
        let (s, v) = queue(&app, &token, query).await;
        assert_eq!(
            (s, error_of(&v)),
            (422, ("invalid".into(), Some(field.into()))),
            "{query}: {v}"
        );
    }
    let (s, v) = queue(&app, &token, "?tab=pending").await;
    assert_eq!(
        (s, error_of(&v)),
        (400, ("malformed".into(), Some("tab".into()))),
        "{v}"
    );
    app.stop().await;
}
