//! Reading and replying: the thread page, replies, closing threads, and a comment written
//! on another node reaching the cached thread.

use super::*;

#[tokio::test]
async fn post_reply_and_read_the_thread() {
    let app = open_app().await;
    // Anonymous readers see the thread and an invitation, no form.
    let (status, page) = app.text(THREAD).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Comments <span class=\"comment-count\">(0)</span>"),
        "{page}"
    );
    assert!(page.contains("Sign in or register</a> to join"));
    assert!(!page.contains("<textarea"));

    let ana = app.reader("ana@example.com").await;
    let (_, page) = ana.get(&app, THREAD).await;
    assert!(
        page.contains("Your name, shown with your comments"),
        "asked on first comment"
    );
    let res = post(
        &ana,
        &app,
        &[
            ("name", "Ana R."),
            ("text", "The crane was *huge*.\n\nSecond paragraph."),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    let first = posted_id(&res);
    assert!(location(&res).starts_with(THREAD));

    let (_, page) = ana.get(&app, THREAD).await;
    assert!(
        !page.contains("Your name, shown with your comments"),
        "asked once"
    );
    assert!(
        page.contains("<p>The crane was <em>huge</em>.</p>"),
        "{page}"
    );
    assert!(page.contains("Ana R."));

    let tom = app.reader("tom@example.com").await;
    let res = post(
        &tom,
        &app,
        &[
            ("name", "Tom"),
            ("text", "I watched it from the quay."),
            ("parent", &first),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    let reply = posted_id(&res);
    // A reply to a reply joins the first level's thread (two levels).
    let res = post(&ana, &app, &[("text", "So did I."), ("parent", &reply)]).await;
    assert_eq!(res.status(), 303);
    let nested = posted_id(&res);
    let row = app.db.store.comment(&nested).await.unwrap().unwrap();
    assert_eq!(row.parent_id.as_deref(), Some(first.as_str()));

    // Anonymous view is current (the thread's version moved) and counts replies.
    let (_, page) = app.text(THREAD).await;
    assert!(
        page.contains("Comments <span class=\"comment-count\">(3)</span>"),
        "{page}"
    );
    assert!(page.find("I watched it").unwrap() < page.find("So did I.").unwrap());

    // A new top-level comment; newest first puts it on top.
    post(&tom, &app, &[("text", "Another thought on cranes.")]).await;
    let (_, page) = app.text(&format!("{THREAD}?sort=newest")).await;
    assert!(page.find("Another thought").unwrap() < page.find("The crane was").unwrap());
    let (status, _) = app.text(&format!("{THREAD}?sort=sideways")).await;
    assert_eq!(status, 400);
    let (status, _) = app.text(&format!("{THREAD}?page=9")).await;
    assert_eq!(status, 404);
    let (status, _) = app.text("/city/no-such-article/comments").await;
    assert_eq!(status, 404);
    // The thread under another section redirects to the article's own.
    let res = app
        .get("/sport/harbour-crane-lifts-a-record-load/comments")
        .await;
    assert_eq!(res.status(), 308);

    // Cards and the article page show the count (as of their render: the content changed
    // nowhere, so drop the pages to see it now).
    app.state.refresh_content_epoch().await.unwrap();
    app.db.store.set_setting("test.bump", "1").await.unwrap();
    app.state.refresh_content_epoch().await.unwrap();
    let (_, front) = app.text("/city").await;
    assert!(front.contains("4 comments</a>"), "{front}");
    let (_, article) = app.text("/city/harbour-crane-lifts-a-record-load").await;
    assert!(article.contains("Comments (4)"), "{article}");
    assert!(article.contains(&format!("href=\"{THREAD}\"")));

    // Snapshot of the rendered thread, as anonymous readers get it.
    let (_, page) = app.text(THREAD).await;
    let start = page.find("<section class=\"comments\"").unwrap();
    let end = page[start..].find("</section>").unwrap() + start + "</section>".len();
    insta::with_settings!({filters => vec![
        (r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "[id]"),
        (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "[iso]"),
        (r"\d{1,2} [A-Z][a-z]+ \d{4}, \d\d:\d\d", "[time]"),
    ]}, {
        insta::assert_snapshot!("thread", &page[start..end]);
    });
    assert_counts_consistent(&app).await;
    // The replies' emails, due when their window ends.
    app.run_due_jobs().await;
    app.stop().await;
}

#[tokio::test]
async fn threads_close_by_hand_and_by_age() {
    // Default: 14 days; the fixture's articles are older.
    let app = spawn_app_with(|_| {}).await;
    let ana = app.reader("ana@example.com").await;
    let (_, page) = ana.get(&app, THREAD).await;
    assert!(page.contains("Comments on this article are closed."));
    // The closed page has no form: take the token from the account page.
    let res = ana
        .submit(
            &app,
            "/account",
            THREAD,
            &[("name", "Ana"), ("text", "Too late")],
        )
        .await;
    let (s, page) = status_and_body(res).await;
    assert_eq!(s, 403);
    assert!(page.contains("Comments on this article are closed."));
    assert_eq!(count_comments(&app).await, 0);
    app.stop().await;

    let app = open_app().await;
    let ana = app.reader("ana@example.com").await;
    let m = app.staff("mod@tribune.example", Role::Moderator).await;
    let article_id = article_id(&app, "harbour-crane-lifts-a-record-load").await;
    let res = m
        .submit(
            &app,
            "/newsroom/comments",
            &format!("/newsroom/threads/{article_id}"),
            &[("action", "close")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let res = ana
        .submit(
            &app,
            "/account",
            THREAD,
            &[("name", "Ana"), ("text", "Closed?")],
        )
        .await;
    assert_eq!(res.status(), 403);
    m.submit(
        &app,
        "/newsroom/comments",
        &format!("/newsroom/threads/{article_id}"),
        &[("action", "open")],
    )
    .await;
    assert_eq!(
        post(&ana, &app, &[("name", "Ana"), ("text", "Open again")])
            .await
            .status(),
        303
    );
    app.stop().await;
}

#[tokio::test]
async fn a_comment_written_elsewhere_reaches_the_cached_thread_within_a_poll() {
    let app = open_app().await;
    let ana = app.reader("ana@example.com").await;
    let id = posted_id(&post(&ana, &app, &[("name", "Ana"), ("text", "Written here")]).await);
    let row = app.db.store.comment(&id).await.unwrap().unwrap();
    let (_, page) = app.text(THREAD).await;
    assert!(page.contains("Written here"));
    // Another node (or process) writes to the same database: this node's memory knows nothing
    // of it, only the comments epoch in the database moves.
    let other = comment_by(
        &row.article_id,
        row.reader_id.as_deref().unwrap(),
        "Written on another node",
        Status::Published,
    );
    app.db.store.post_comment(&other).await.unwrap().unwrap();
    let mut seen = false;
    for _ in 0..50 {
        let (_, page) = app.text(THREAD).await;
        if page.contains("Written on another node") {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        seen,
        "the poll (every 100 ms in tests) did not pick the change up"
    );
    // The article pages were not dropped: comments do not move the content epoch.
    let epoch = app.db.store.content_epoch().await.unwrap();
    post(&ana, &app, &[("text", "One more")]).await;
    assert_eq!(app.db.store.content_epoch().await.unwrap(), epoch);
    app.stop().await;
}

#[tokio::test]
async fn signed_in_readers_share_a_render_but_each_gets_their_own_token_and_likes() {
    let app = open_app().await;
    let ana = app.reader("ana@example.com").await;
    let tom = app.reader("tom@example.com").await;
    let eve = app.reader("eve@example.com").await;
    let a = posted_id(&post(&ana, &app, &[("name", "Ana"), ("text", "A point")]).await);
    // Tom and Eve have the same view of the page (no likes, no comments of theirs): one render,
    // each with their own CSRF token in every form.
    let (_, tom_page) = tom.get(&app, THREAD).await;
    let (_, eve_page) = eve.get(&app, THREAD).await;
    let (tom_csrf, eve_csrf) = (csrf_of(&tom_page), csrf_of(&eve_page));
    assert_ne!(tom_csrf, eve_csrf);
    assert!(!tom_page.contains(&eve_csrf) && !eve_page.contains(&tom_csrf));
    assert!(
        !tom_page.contains("csrf-marker"),
        "the marker never leaves the server"
    );
    assert_eq!(
        tom_page.matches(&tom_csrf).count(),
        eve_page.matches(&eve_csrf).count()
    );
    // Tom likes Ana's comment: his page says so, Eve's does not; Ana's own has her buttons.
    let res = tom
        .submit(&app, THREAD, &format!("{THREAD}/{a}/like"), &[])
        .await;
    assert_eq!(res.status(), 303);
    let (_, tom_page) = tom.get(&app, THREAD).await;
    let (_, eve_page) = eve.get(&app, THREAD).await;
    let (_, ana_page) = ana.get(&app, THREAD).await;
    assert!(tom_page.contains("aria-pressed=\"true\""), "{tom_page}");
    assert!(!eve_page.contains("aria-pressed=\"true\""));
    assert!(ana_page.contains(&format!("{THREAD}/{a}/delete")));
    assert!(!eve_page.contains(&format!("{THREAD}/{a}/delete")));
    assert!(eve_page.contains("1 like"));
    app.stop().await;
}
