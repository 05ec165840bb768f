//! The audit log and the redirect table: entries are written inside the change's transaction
//! (a rolled-back change leaves none), paged newest first; redirect chains collapse and a
//! path back in use stops redirecting.

use masthead_store::{
    audit::{Actor, ActorKind, AuditEntry, AuditQuery, record_audit},
    redirects::{add_redirect, remove_redirect},
    testing::TestDb,
};

fn entry<'a>(actor: &'a Actor, action: &'static str, id: &'a str) -> AuditEntry<'a> {
    AuditEntry {
        actor,
        action,
        target_kind: "article",
        target_id: Some(id),
        summary: format!("{action} {id}"),
        before: None,
        after: Some(serde_json::json!({ "id": id })),
    }
}

#[tokio::test]
async fn audit_entries_commit_with_their_change_and_page_newest_first() {
    let db = TestDb::new().await;
    let store = &db.store;
    let editor = Actor::staff("s1", "editor@tribune.example");

    // Rolled back: no trace.
    let mut tx = store.begin().await.unwrap();
    record_audit(&mut tx, entry(&editor, "article.publish", "gone"))
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    assert!(
        store
            .audit_entries(AuditQuery {
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap()
            .is_empty()
    );

    for i in 0..5 {
        let mut tx = store.begin().await.unwrap();
        let id = format!("a{i}");
        let action = if i % 2 == 0 {
            "article.save"
        } else {
            "article.publish"
        };
        record_audit(&mut tx, entry(&editor, action, &id))
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    let mut tx = store.begin().await.unwrap();
    record_audit(&mut tx, entry(&Actor::cli(), "article.save", "a1"))
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let first = store
        .audit_entries(AuditQuery {
            limit: 4,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(first.len(), 4);
    assert_eq!(first[0].target_id.as_deref(), Some("a1"));
    assert_eq!(first[0].actor_kind, ActorKind::Cli);
    assert!(
        first
            .windows(2)
            .all(|w| (w[0].at, &w[0].id) > (w[1].at, &w[1].id))
    );
    let last = first.last().unwrap();
    let rest = store
        .audit_entries(AuditQuery {
            limit: 4,
            before: Some((last.at, &last.id)),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(rest.len(), 2, "six entries in all");
    assert!(rest.iter().all(|r| !first.iter().any(|f| f.id == r.id)));

    let about_a1 = store
        .audit_entries(AuditQuery {
            target: Some(("article", "a1")),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(about_a1.len(), 2);
    assert_eq!(about_a1[1].actor_label, "editor@tribune.example");
    assert_eq!(about_a1[1].action, "article.publish");
    assert_eq!(about_a1[1].after.as_deref(), Some(r#"{"id":"a1"}"#));
}

#[tokio::test]
async fn redirect_chains_collapse_and_a_reused_path_stops_redirecting() {
    let db = TestDb::new().await;
    let store = &db.store;
    let mut tx = store.begin().await.unwrap();
    add_redirect(&mut tx, "/city/a", "/city/b").await.unwrap();
    add_redirect(&mut tx, "/city/b", "/city/c").await.unwrap();
    add_redirect(&mut tx, "/city/same", "/city/same")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        store.redirect_for("/city/a").await.unwrap().as_deref(),
        Some("/city/c"),
        "no chain: one hop to the current path"
    );
    assert_eq!(
        store.redirect_for("/city/b").await.unwrap().as_deref(),
        Some("/city/c")
    );
    assert_eq!(store.redirect_for("/city/same").await.unwrap(), None);

    // Renamed back: /city/a is live again and must not redirect (no loop).
    let mut tx = store.begin().await.unwrap();
    add_redirect(&mut tx, "/city/c", "/city/a").await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(store.redirect_for("/city/a").await.unwrap(), None);
    assert_eq!(
        store.redirect_for("/city/b").await.unwrap().as_deref(),
        Some("/city/a")
    );
    assert_eq!(
        store.redirect_for("/city/c").await.unwrap().as_deref(),
        Some("/city/a")
    );

    let mut tx = store.begin().await.unwrap();
    remove_redirect(&mut tx, "/city/b").await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(store.redirect_for("/city/b").await.unwrap(), None);
    assert_eq!(store.redirect_for(&"/x".repeat(400)).await.unwrap(), None);
}
