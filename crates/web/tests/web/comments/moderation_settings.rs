//! The moderation settings: applied at once on this node, within a second on others.

use super::*;

#[tokio::test]
async fn moderation_settings_apply_at_once_on_this_node_and_within_a_second_elsewhere() {
    let app = open_app().await;
    settings(&app, |s| s.per_minute = 100).await;
    let ana = app.reader("ana@example.com").await;
    let m = app.staff("mod@tribune.example", Role::Moderator).await;
    let res = post(&ana, &app, &[("name", "Ana"), ("text", "Turnips for all")]).await;
    assert_eq!(
        res.status(),
        303,
        "this node now holds a copy of the settings"
    );
    // Another node bans a word: only the database knows.
    let mut s = app.db.store.comment_settings().await.unwrap();
    s.banned_words = vec!["turnip".into()];
    app.db
        .store
        .save_comment_settings(&s, "elsewhere")
        .await
        .unwrap();
    let start = std::time::Instant::now();
    let mut n = 0;
    loop {
        n += 1;
        let res = post(&ana, &app, &[("text", &format!("A turnip, take {n}"))]).await;
        if res.status() == 400 {
            break;
        }
        assert_eq!(res.status(), 303);
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "the banned word was not applied within the settings' time to live (1 s)"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The settings form on this node applies at once (its copy was read a moment ago): the
    // word is allowed on the next post.
    let res = settings_form(
        &m,
        &app,
        &[
            ("mode", "post"),
            ("trusted_after", "0"),
            ("report_threshold", "3"),
            ("per_minute", "100"),
            ("banned_words", "parsnip"),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    let res = post(&ana, &app, &[("text", "A turnip after all")]).await;
    assert_eq!(res.status(), 303);
    let (s, page) = status_and_body(post(&ana, &app, &[("text", "No parsnip here")]).await).await;
    assert_eq!(s, 400, "{page}");
    app.stop().await;
}
