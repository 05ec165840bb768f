//! The moderation queue and decisions: pre-moderation, word lists, held links, sanctions, the
//! audit trail, the queue's size.

use super::*;

#[tokio::test]
async fn pre_moderation_word_lists_links_and_the_audit_trail() {
    let app = open_app().await;
    settings(&app, |s| {
        s.mode = masthead_core::comment::ModerationMode::PreNew;
        s.trusted_after = 1;
        s.banned_words = vec!["gobbledygook".into()];
        s.suspect_words = vec!["fishy".into()];
    })
    .await;
    let ana = app.reader("ana@example.com").await;
    let (s, page) = status_and_body(
        post(
            &ana,
            &app,
            &[("name", "Ana"), ("text", "Pure Gobbledygook here")],
        )
        .await,
    )
    .await;
    assert_eq!(s, 400);
    assert!(page.contains("language we do not publish") && page.contains("Pure Gobbledygook here"));
    let res = post(&ana, &app, &[("name", "Ana"), ("text", "My first words")]).await;
    assert_eq!(res.status(), 303);
    assert!(location(&res).contains("notice=held"));
    let (_, page) = ana.get(&app, &location(&res)).await;
    assert!(page.contains("once a moderator has read it"));
    assert!(!page.contains("My first words"), "held");

    let editor = app.staff("editor@tribune.example", Role::Editor).await;
    let (_, queue) = editor.get(&app, "/newsroom/comments").await;
    assert!(queue.contains("My first words") && queue.contains("held: new commenter"));
    let id = comment_id(&app, "ana@example.com", "My first words").await;
    let res = editor
        .submit(
            &app,
            "/newsroom/comments",
            &format!("/newsroom/comments/{id}/decide"),
            &[("action", "approve"), ("reason", "Looks fine")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = app.text(THREAD).await;
    assert!(page.contains("My first words"));
    // Trusted now (one approved comment): published at once, except suspect words and nothing
    // else; staff comments carry their badge.
    let res = post(
        &ana,
        &app,
        &[("text", "Second, with a [link](https://example.org)")],
    )
    .await;
    assert!(!location(&res).contains("held"), "trusted: links allowed");
    let res = post(&ana, &app, &[("text", "Something fishy")]).await;
    assert!(location(&res).contains("notice=held"));
    post(
        &editor,
        &app,
        &[("name", "The Editor"), ("text", "Thanks for reading.")],
    )
    .await;
    let (_, page) = app.text(THREAD).await;
    assert!(
        page.contains("staff-badge staff-badge--editor\">Editor"),
        "{page}"
    );
    // Feature: first in the thread.
    let res = editor
        .submit(
            &app,
            "/newsroom/comments?tab=approved",
            &format!("/newsroom/comments/{id}/decide"),
            &[("action", "feature")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = app.text(&format!("{THREAD}?sort=newest")).await;
    let list = &page[page.find("comment-list").unwrap()..];
    assert!(list.find("My first words").unwrap() < list.find("Thanks for reading").unwrap());
    assert!(page.contains("Editors’ pick"));
    // Reject the fishy one; every decision is in the audit trail with who and why.
    let fishy = comment_id(&app, "ana@example.com", "Something fishy").await;
    let res = editor
        .submit(
            &app,
            "/newsroom/comments",
            &format!("/newsroom/comments/{fishy}/decide"),
            &[("action", "reject"), ("reason", "Off topic")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, queue) = editor.get(&app, "/newsroom/comments?tab=rejected").await;
    assert!(queue.contains("Something fishy"));
    let log = app.db.store.moderation_log(10).await.unwrap();
    let actions: Vec<(&str, &str, &str)> = log
        .iter()
        .map(|e| (e.moderator.as_str(), e.action.as_str(), e.reason.as_str()))
        .collect();
    assert!(
        actions.contains(&("editor@tribune.example", "reject", "Off topic")),
        "{actions:?}"
    );
    assert!(actions.contains(&("editor@tribune.example", "approve", "Looks fine")));
    assert!(actions.contains(&("editor@tribune.example", "feature", "")));
    assert!(queue.contains("Off topic"), "the queue shows the trail");
    // Pre-moderation for all holds even trusted writers, but not staff.
    settings(&app, |s| {
        s.mode = masthead_core::comment::ModerationMode::PreAll
    })
    .await;
    let res = post(&ana, &app, &[("text", "Held regardless")]).await;
    assert!(location(&res).contains("held"));
    let res = post(&editor, &app, &[("text", "Staff are not held")]).await;
    assert!(!location(&res).contains("held"));
    assert_counts_consistent(&app).await;
    app.stop().await;
}

#[tokio::test]
async fn links_from_new_commenters_are_held() {
    let app = open_app().await;
    let ana = app.reader("ana@example.com").await;
    let res = post(
        &ana,
        &app,
        &[("name", "Ana"), ("text", "See <https://example.org/x>")],
    )
    .await;
    assert!(location(&res).contains("held"), "{}", location(&res));
    let res = post(&ana, &app, &[("text", "No link")]).await;
    assert!(!location(&res).contains("held"));
    app.stop().await;
}

#[tokio::test]
async fn moderators_suspend_and_ban_and_readers_see_why() {
    let app = open_app().await;
    let ana = app.reader("ana@example.com").await;
    let id = posted_id(&post(&ana, &app, &[("name", "Ana"), ("text", "Provocative")]).await);
    let ana_id = app
        .db
        .store
        .comment(&id)
        .await
        .unwrap()
        .unwrap()
        .reader_id
        .unwrap();
    // Readers and authors are not moderators.
    let (s, _) = ana.get(&app, "/newsroom/comments").await;
    assert_eq!(s, 403);
    let author = app.staff("author@tribune.example", Role::Author).await;
    let (s, _) = author.get(&app, "/newsroom/comments").await;
    assert_eq!(s, 403);
    let res = app.get("/newsroom/comments").await;
    assert_eq!(res.status(), 303);
    let res = author
        .submit(
            &app,
            THREAD,
            &format!("/newsroom/comments/{id}/decide"),
            &[("action", "reject")],
        )
        .await;
    assert_eq!(res.status(), 403);

    let m = app.staff("mod@tribune.example", Role::Moderator).await;
    let sanction = format!("/newsroom/commenters/{ana_id}/sanction");
    let res = m
        .submit(
            &app,
            "/newsroom/comments",
            &sanction,
            &[("action", "warn"), ("reason", "Tone")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = ana.get(&app, THREAD).await;
    assert!(page.contains("A moderator has warned you"), "{page}");
    assert!(page.contains("<textarea"), "a warning does not stop anyone");
    let res = m
        .submit(
            &app,
            "/newsroom/comments",
            &sanction,
            &[("action", "suspend"), ("days", "abc")],
        )
        .await;
    assert_eq!(res.status(), 400);
    let res = m
        .submit(
            &app,
            "/newsroom/comments",
            &sanction,
            &[("action", "suspend"), ("days", "3"), ("reason", "Cool off")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = ana.get(&app, THREAD).await;
    assert!(page.contains("suspended your commenting until"), "{page}");
    let (s, page) = status_and_body(post(&ana, &app, &[("text", "Let me in")]).await).await;
    assert_eq!(s, 403);
    assert!(page.contains("suspended"));
    let res = m
        .submit(&app, "/newsroom/comments", &sanction, &[("action", "ban")])
        .await;
    assert_eq!(res.status(), 303);
    let (s, page) = status_and_body(post(&ana, &app, &[("text", "Still here")]).await).await;
    assert_eq!(s, 403);
    assert!(page.contains("banned"));
    let res = m
        .submit(
            &app,
            "/newsroom/comments",
            &sanction,
            &[("action", "restore")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        post(&ana, &app, &[("text", "Back again")]).await.status(),
        303
    );
    let res = m
        .submit(
            &app,
            "/newsroom/comments",
            "/newsroom/commenters/nobody/sanction",
            &[("action", "warn")],
        )
        .await;
    assert_eq!(res.status(), 404);
    let log = app.db.store.moderation_log(10).await.unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(&actions[..4], &["restore", "ban", "suspend", "warn"]);
    // Settings form: a bad number re-renders with the message.
    let res = settings_form(
        &m,
        &app,
        &[
            ("mode", "post"),
            ("trusted_after", "x"),
            ("report_threshold", "3"),
            ("per_minute", "5"),
        ],
    )
    .await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("Trusted after"));
    let res = settings_form(
        &m,
        &app,
        &[
            ("mode", "pre"),
            ("trusted_after", "2"),
            ("report_threshold", "4"),
            ("per_minute", "9"),
            ("banned_words", "Foo\nbar baz"),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    let s = app.db.store.comment_settings().await.unwrap();
    assert_eq!(s.mode, masthead_core::comment::ModerationMode::PreAll);
    assert_eq!(
        (
            s.trusted_after,
            s.report_threshold,
            s.per_minute,
            s.hold_links
        ),
        (2, 4, 9, false)
    );
    assert_eq!(
        s.banned_words,
        vec!["bar baz".to_string(), "foo".to_string()]
    );
    app.stop().await;
}

#[tokio::test]
async fn the_queue_shows_the_oldest_hundred_and_says_how_many_wait() {
    let app = open_app().await;
    let _ana = app.reader("ana@example.com").await;
    let ana = app
        .db
        .store
        .reader_by_email(&EmailAddress::parse("ana@example.com").unwrap())
        .await
        .unwrap()
        .unwrap();
    let article = article_id(&app, "harbour-crane-lifts-a-record-load").await;
    for i in 0..103 {
        let held = comment_by(
            &article,
            &ana.id,
            &format!("Held number {i:03}"),
            Status::Pending,
        );
        app.db.store.post_comment(&held).await.unwrap().unwrap();
    }
    let m = app.staff("mod@tribune.example", Role::Moderator).await;
    let (_, queue) = m.get(&app, "/newsroom/comments").await;
    assert!(queue.contains("Pending (103)"), "{queue}");
    assert!(queue.contains("Showing the first 100 of 103, oldest first"));
    assert!(queue.contains("Held number 000") && queue.contains("Held number 099"));
    assert!(!queue.contains("Held number 100"));
    app.stop().await;
}
