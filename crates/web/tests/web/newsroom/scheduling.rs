//! Scheduling and the embargo: a scheduled article is on no reader page, feed of the store or
//! search until its time; then it goes live within 15 s, also when no server was running at
//! that moment (the worker catches up when one starts), and exactly once with two nodes.

use std::time::{Duration, Instant};

use masthead_web::Application;

use super::*;

/// A local time `secs` from now in the publication's zone, with seconds.
fn in_secs(secs: i64) -> String {
    let tz = jiff::tz::TimeZone::get("Europe/Lisbon").unwrap();
    let t = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(secs);
    t.to_zoned(tz).strftime("%Y-%m-%dT%H:%M:%S").to_string()
}

async fn wait_until_live(app: &TestApp, path: &str, within: Duration) -> Duration {
    let start = Instant::now();
    loop {
        let (status, _) = app.text(path).await;
        if status == 200 {
            return start.elapsed();
        }
        assert!(start.elapsed() < within, "{path} not live after {within:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Another node: the app on the same database, with its own worker.
async fn node(
    app: &TestApp,
) -> (
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<anyhow::Result<()>>,
) {
    let config = app.another_node_config();
    let node = Application::build(config, app.db.store.clone())
        .await
        .unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(node.run(async move {
        let _ = stopped.await;
    }));
    (stop, task)
}

#[tokio::test]
async fn a_scheduled_article_is_embargoed_then_live_within_15_s_once_on_two_nodes() {
    let app = newsroom_app().await;
    let ed = staff(&app, Role::Editor).await;
    let id = create(
        &app,
        &ed,
        &[
            ("headline", "Embargoed budget figures"),
            ("body", "Embargoed zanzibarite words."),
        ],
    )
    .await;
    let (second, second_task) = node(&app).await;
    let at = in_secs(3);
    let res = save(
        &app,
        &ed,
        &id,
        &[("action", "schedule"), ("schedule_at", &at)],
    )
    .await;
    assert_eq!(
        location(&res),
        format!("/newsroom/articles/{id}?notice=scheduled")
    );
    let path = "/city/embargoed-budget-figures";
    // Before its time: nowhere for readers.
    assert_eq!(app.text(path).await.0, 404);
    let (_, front) = app.text("/").await;
    assert!(!front.contains("Embargoed budget"));
    let (_, city) = app.text("/city").await;
    assert!(!city.contains("Embargoed budget"));
    let (_, search) = app.text("/search?q=zanzibarite").await;
    assert!(!search.contains("Embargoed budget"), "{search}");
    assert!(
        app.db
            .store
            .published_article("embargoed-budget-figures")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        app.db
            .store
            .published_article_access("embargoed-budget-figures")
            .await
            .unwrap()
            .is_none()
    );
    let (_, dash) = ed.get(&app, "/newsroom").await;
    assert!(
        dash.contains("Embargoed budget figures"),
        "on the dashboard's scheduled list"
    );
    let took = wait_until_live(&app, path, Duration::from_secs(15)).await;
    eprintln!("live {took:?} after scheduling 3 s ahead");
    let _ = second.send(());
    second_task.await.unwrap().unwrap();
    // Once: one publication in the log and in the revisions, whichever node ran it.
    let audit = app
        .db
        .store
        .audit_entries(masthead_store::audit::AuditQuery {
            target: Some(("article", &id)),
            limit: 20,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|e| e.action == "article.publish")
            .count(),
        1,
        "{audit:?}"
    );
    assert_eq!(audit[0].actor_label, "Masthead");
    let revs = app.db.store.revisions(&id).await.unwrap();
    assert_eq!(
        revs.iter()
            .filter(|r| r.kind == "scheduled-publish")
            .count(),
        1
    );
    wait_for_search(&app, "zanzibarite", "Embargoed budget figures").await;
    app.stop().await;
}

#[tokio::test]
async fn a_publication_due_while_no_server_ran_happens_when_one_starts() {
    // No worker in this app: the server is "down" for publishing.
    let app = crate::common::spawn_app_with(|c| c.run_worker = false).await;
    let ed = staff(&app, Role::Editor).await;
    let id = create(&app, &ed, &[("headline", "Published after the outage")]).await;
    let at = in_secs(2);
    assert_eq!(
        save(
            &app,
            &ed,
            &id,
            &[("action", "schedule"), ("schedule_at", &at)]
        )
        .await
        .status(),
        303
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        app.text("/city/published-after-the-outage").await.0,
        404,
        "no worker ran"
    );
    // A node starts: its worker catches up at once.
    let (stop, task) = node(&app).await;
    let took = wait_until_live(
        &app,
        "/city/published-after-the-outage",
        Duration::from_secs(15),
    )
    .await;
    eprintln!("live {took:?} after the node started");
    let _ = stop.send(());
    task.await.unwrap().unwrap();
    app.stop().await;
}

#[tokio::test]
async fn unpublishing_and_rescheduling_take_effect_at_once() {
    let app = newsroom_app().await;
    let ed = staff(&app, Role::Editor).await;
    let id = id_of(&app, "harbour-crane-lifts-a-record-load").await;
    assert_eq!(app.text(HARBOUR_PATH).await.0, 200);
    assert_eq!(
        save(&app, &ed, &id, &[("action", "unpublish")])
            .await
            .status(),
        303
    );
    assert_eq!(app.text(HARBOUR_PATH).await.0, 404);
    let (_, front) = app.text("/").await;
    assert!(!front.contains("Harbour crane"));
    // Scheduled, then rescheduled later: the first job finds nothing to do.
    let soon = in_secs(2);
    assert_eq!(
        save(
            &app,
            &ed,
            &id,
            &[("action", "schedule"), ("schedule_at", &soon)]
        )
        .await
        .status(),
        303
    );
    let later = super::roles::schedule_time();
    assert_eq!(
        save(
            &app,
            &ed,
            &id,
            &[("action", "schedule"), ("schedule_at", &later)]
        )
        .await
        .status(),
        303
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    app.run_jobs_due_by(masthead_store::now_ms()).await;
    assert_eq!(app.text(HARBOUR_PATH).await.0, 404, "still embargoed");
    app.expect_jobs_left(1);
    app.stop().await;
}
