//! Likes and reports: toggling, and hiding a comment at the report threshold.

use super::*;

#[tokio::test]
async fn likes_toggle_and_reports_hide_at_the_threshold() {
    let app = open_app().await;
    settings(&app, |s| s.report_threshold = 2).await;
    let ana = app.reader("ana@example.com").await;
    let tom = app.reader("tom@example.com").await;
    let eve = app.reader("eve@example.com").await;
    let a = posted_id(&post(&ana, &app, &[("name", "Ana"), ("text", "Likeable words")]).await);
    let like = format!("{THREAD}/{a}/like");
    assert_eq!(tom.submit(&app, THREAD, &like, &[]).await.status(), 303);
    let (_, page) = tom.get(&app, THREAD).await;
    assert!(
        page.contains("1 like<") && page.contains("aria-pressed=\"true\""),
        "{page}"
    );
    assert_eq!(tom.submit(&app, THREAD, &like, &[]).await.status(), 303);
    let (_, page) = app.text(THREAD).await;
    assert!(page.contains("0 likes<"), "undone");

    let report = format!("{THREAD}/{a}/report");
    let (s, page) = status_and_body(
        tom.submit(&app, &report, &report, &[("reason", "other")])
            .await,
    )
    .await;
    assert_eq!(s, 400, "other needs words");
    assert!(page.contains("what is wrong"));
    let (s, _) = status_and_body(
        tom.submit(&app, &report, &report, &[("reason", "nonsense")])
            .await,
    )
    .await;
    assert_eq!(s, 400);
    assert_eq!(
        tom.submit(&app, &report, &report, &[("reason", "spam")])
            .await
            .status(),
        303
    );
    // The same reader again does not count twice.
    assert_eq!(
        tom.submit(&app, &report, &report, &[("reason", "spam")])
            .await
            .status(),
        303
    );
    let (_, page) = app.text(THREAD).await;
    assert!(page.contains("Likeable words"), "below the threshold");
    assert_eq!(
        eve.submit(
            &app,
            &report,
            &report,
            &[("reason", "abusive"), ("detail", "Rude")]
        )
        .await
        .status(),
        303
    );
    let (_, page) = app.text(THREAD).await;
    assert!(!page.contains("Likeable words"), "hidden pending review");
    // Its writer cannot bring it back by editing it.
    let edit = format!("{THREAD}/{a}/edit");
    let res = ana
        .submit(&app, &edit, &edit, &[("text", "Likeable words, edited")])
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = app.text(THREAD).await;
    assert!(
        !page.contains("Likeable words"),
        "still hidden after the edit"
    );
    let row = app.db.store.comment(&a).await.unwrap().unwrap();
    assert_eq!(row.open_reports, 2);
    // It is in the moderators' reported list; approving restores it.
    let moderator = app.staff("mod@tribune.example", Role::Moderator).await;
    let (_, queue) = moderator.get(&app, "/newsroom/comments?tab=reported").await;
    assert!(
        queue.contains("Likeable words") && queue.contains("abusive — Rude"),
        "{queue}"
    );
    let res = moderator
        .submit(
            &app,
            "/newsroom/comments?tab=reported",
            &format!("/newsroom/comments/{a}/decide"),
            &[("action", "approve"), ("reason", "Fair comment")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = app.text(THREAD).await;
    assert!(page.contains("Likeable words"));
    assert_counts_consistent(&app).await;
    app.stop().await;
}
