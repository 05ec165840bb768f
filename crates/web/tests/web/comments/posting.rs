//! Posting, editing and deleting one's own comment: refused input, markup, CSRF, limits, the
//! edit window.

use super::*;

#[tokio::test]
async fn bad_input_is_refused_with_the_text_kept_and_nothing_written() {
    let app = open_app().await;
    let ana = app.reader("ana@example.com").await;
    // First comment without a name.
    let (s, page) = status_and_body(post(&ana, &app, &[("text", "Keep this text")]).await).await;
    assert_eq!(s, 400);
    assert!(page.contains("at least 2 characters"), "{page}");
    assert!(page.contains(">Keep this text</textarea>"), "text kept");
    let (s, page) =
        status_and_body(post(&ana, &app, &[("name", "Ana"), ("text", "  \n ")]).await).await;
    assert_eq!(s, 400);
    assert!(page.contains("Your comment is empty"));
    assert!(page.contains("value=\"Ana\""), "name kept");
    let long = "word ".repeat(500);
    let (s, page) =
        status_and_body(post(&ana, &app, &[("name", "Ana"), ("text", &long)]).await).await;
    assert_eq!(s, 400);
    assert!(page.contains("the limit is 2000"));
    let (s, page) = status_and_body(
        post(
            &ana,
            &app,
            &[("name", "Ana"), ("text", "bin\u{0}ary\u{1b}[0m")],
        )
        .await,
    )
    .await;
    assert_eq!(s, 400);
    assert!(page.contains("characters that are not text"));
    // Replies to a missing comment, or to another article's comment.
    let (s, page) = status_and_body(
        post(
            &ana,
            &app,
            &[
                ("name", "Ana"),
                ("text", "A reply"),
                ("parent", "no-such-id"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(s, 404);
    assert!(
        page.contains("no longer available") && page.contains(">A reply</textarea>"),
        "{page}"
    );
    let res = post_to(
        &ana,
        &app,
        OTHER_THREAD,
        &[("name", "Ana"), ("text", "On the derby")],
    )
    .await;
    let other = posted_id(&res);
    let (s, _) =
        status_and_body(post(&ana, &app, &[("text", "Cross-thread"), ("parent", &other)]).await)
            .await;
    assert_eq!(s, 404);
    // Binary bytes in a raw form body.
    let (_, page) = ana.get(&app, THREAD).await;
    let body = format!("csrf={}&name=Ana&text=%00%FF%FE%01binary", csrf_of(&page));
    let res = ana
        .client
        .post(app.url(THREAD))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    // Not a form at all.
    let res = ana
        .client
        .post(app.url(THREAD))
        .json(&serde_json::json!({"text": "hi"}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_client_error(), "{}", res.status());
    // Likes and reports of missing comments, edits of others'.
    let (_, page) = ana.get(&app, THREAD).await;
    let csrf = csrf_of(&page);
    for action in ["like", "report", "delete"] {
        let res = ana
            .client
            .post(app.url(&format!(
                "{THREAD}/0190aaaa-0000-7000-8000-000000000000/{action}"
            )))
            .form(&[("csrf", csrf.as_str()), ("reason", "spam")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404, "{action}");
    }
    // A like on a comment of another article, through this article's URL.
    let res = ana
        .client
        .post(app.url(&format!("{THREAD}/{other}/like")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(count_comments(&app).await, 1, "only the derby comment");
    assert_counts_consistent(&app).await;
    app.stop().await;
}

#[tokio::test]
async fn xss_payloads_are_shown_as_text() {
    let app = open_app().await;
    let ana = app.reader("ana@example.com").await;
    settings(&app, |s| s.per_minute = 100).await;
    let payloads = [
        "<script>alert('x')</script>",
        "<img src=x onerror=alert(1)>",
        "<svg/onload=alert(1)>",
        "[click me](javascript:alert(1))",
        "<a href=\"javascript:alert(1)\">x</a>",
        "<div style=\"background:url(javascript:alert(1));width:expression(alert(1))\">css</div>",
        "<iframe src=//evil.example></iframe>",
        "[data](data:text/html;base64,PHNjcmlwdD4=)",
        "\"><script>alert(2)</script>",
        "<style>body{display:none}</style>",
    ];
    for (i, p) in payloads.iter().enumerate() {
        let name = if i == 0 {
            vec![("name", "<b>Ana</b>")]
        } else {
            vec![]
        };
        let mut fields = name.clone();
        fields.push(("text", p));
        let res = post(&ana, &app, &fields).await;
        assert_eq!(res.status(), 303, "{p}");
    }
    for page in [app.text(THREAD).await.1, ana.get(&app, THREAD).await.1] {
        let list = &page[page.find("comment-list").unwrap()..];
        let list = &list[..list.find("</section>").unwrap()];
        // Every tag in the list is one of ours, and no attribute carries script.
        for tag in list
            .split('<')
            .skip(1)
            .map(|t| t.split('>').next().unwrap())
        {
            let name = tag
                .trim_start_matches('/')
                .split([' ', '/'])
                .next()
                .unwrap();
            assert!(
                [
                    "article", "p", "header", "span", "a", "time", "div", "footer", "form",
                    "input", "button", "em", "strong", "br", "section", "nav", "ul", "li", "main",
                    "body", "html", "h1", "h2", "label", "textarea", "footer"
                ]
                .contains(&name),
                "unexpected tag <{tag}>"
            );
            for bad in ["javascript:", "data:", "onerror", "onload", "style="] {
                assert!(!tag.to_lowercase().contains(bad), "{bad} in <{tag}>");
            }
        }
        assert!(list.contains("&lt;script&gt;"), "shown as text");
        assert!(list.contains("&lt;b&gt;Ana&lt;/b&gt;"), "names escaped");
    }
    app.stop().await;
}

#[tokio::test]
async fn csrf_is_required_and_anonymous_posts_go_to_sign_in() {
    let app = open_app().await;
    let ana = app.reader("ana@example.com").await;
    let res = ana
        .client
        .post(app.url(THREAD))
        .form(&[("name", "Ana"), ("text", "Hi")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = ana
        .client
        .post(app.url(THREAD))
        .form(&[
            ("csrf", "a-forged-token-aaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
            ("name", "Ana"),
            ("text", "Hi"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(count_comments(&app).await, 0);
    // A browser that is not signed in is sent to sign in, with the way back.
    let stranger = Browser::new();
    let (_, page) = stranger.get(&app, "/sign-in").await;
    let res = stranger
        .client
        .post(app.url(THREAD))
        .form(&[("csrf", csrf_of(&page).as_str()), ("text", "Hi")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), format!("/sign-in?return_to={THREAD}"));
    assert_eq!(count_comments(&app).await, 0);
    app.stop().await;
}

#[tokio::test]
async fn posting_rate_and_duplicates_are_limited() {
    let app = open_app().await;
    settings(&app, |s| s.per_minute = 2).await;
    let ana = app.reader("ana@example.com").await;
    assert_eq!(
        post(&ana, &app, &[("name", "Ana"), ("text", "One")])
            .await
            .status(),
        303
    );
    let (s, page) = status_and_body(post(&ana, &app, &[("text", "One")]).await).await;
    assert_eq!(s, 409, "duplicate");
    assert!(page.contains("same comment a moment ago"));
    // Refused posts do not count: a second one fits in the minute, a third does not.
    assert_eq!(post(&ana, &app, &[("text", "Two")]).await.status(), 303);
    let res = post(&ana, &app, &[("text", "Three")]).await;
    assert_eq!(res.status(), 429);
    assert_eq!(res.headers()["retry-after"], "60");
    let page = res.text().await.unwrap();
    assert!(page.contains("faster than we allow") && page.contains(">Three</textarea>"));
    assert_eq!(count_comments(&app).await, 2);
    app.stop().await;
}

#[tokio::test]
async fn edit_window_and_deletion() {
    let app = open_app().await;
    let ana = app.reader("ana@example.com").await;
    let tom = app.reader("tom@example.com").await;
    let a = posted_id(&post(&ana, &app, &[("name", "Ana"), ("text", "Frist!")]).await);
    let edit = format!("{THREAD}/{a}/edit");
    let res = ana
        .submit(&app, &edit, &edit, &[("text", "First, corrected.")])
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = app.text(THREAD).await;
    assert!(page.contains("First, corrected.") && page.contains("(edited)"));
    assert!(!page.contains("Frist!"));
    // Not the writer.
    let (s, _) = tom.get(&app, &edit).await;
    assert_eq!(s, 403);
    let res = tom
        .submit(&app, THREAD, &edit, &[("text", "Hijacked")])
        .await;
    assert_eq!(res.status(), 403);
    // Bad text keeps the form.
    let (s, page) = status_and_body(ana.submit(&app, &edit, &edit, &[("text", "")]).await).await;
    assert_eq!(s, 400);
    assert!(page.contains("empty"));
    // After the window.
    // Past the edit window: no store function moves a comment's time (the store reads the
    // clock itself), so the test ages the row.
    sqlx::query("UPDATE comments SET created_at = created_at - 3600000 WHERE id = $1")
        .bind(&a)
        .execute(app.db.store.reader())
        .await
        .unwrap();
    let res = ana
        .submit(&app, THREAD, &edit, &[("text", "Too late")])
        .await;
    assert_eq!(res.status(), 403);
    assert!(res.text().await.unwrap().contains("10 minutes"));

    // Deleting a comment with a reply leaves a placeholder; without, it goes.
    let reply = posted_id(
        &post(
            &tom,
            &app,
            &[("name", "Tom"), ("text", "A reply to Ana"), ("parent", &a)],
        )
        .await,
    );
    let res = ana
        .submit(&app, THREAD, &format!("{THREAD}/{a}/delete"), &[])
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = app.text(THREAD).await;
    assert!(page.contains("Comment deleted") && page.contains("A reply to Ana"));
    assert!(!page.contains("First, corrected."));
    let res = tom
        .submit(&app, THREAD, &format!("{THREAD}/{reply}/delete"), &[])
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = app.text(THREAD).await;
    assert!(
        !page.contains("Comment deleted"),
        "no replies left: no placeholder"
    );
    assert!(page.contains("No comments yet"));
    // Deleting twice, or someone else's.
    let res = ana
        .submit(&app, THREAD, &format!("{THREAD}/{a}/delete"), &[])
        .await;
    assert_eq!(res.status(), 403);
    assert_counts_consistent(&app).await;
    // The reply's email, due when its window ends.
    app.run_due_jobs().await;
    app.stop().await;
}

#[tokio::test]
async fn edits_take_the_rules_of_a_new_comment_ban_and_closed_thread() {
    let app = open_app().await;
    let ana = app.reader("ana@example.com").await;
    let a = posted_id(&post(&ana, &app, &[("name", "Ana"), ("text", "Before")]).await);
    let ana_id = app
        .db
        .store
        .comment(&a)
        .await
        .unwrap()
        .unwrap()
        .reader_id
        .unwrap();
    let edit = format!("{THREAD}/{a}/edit");
    let m = app.staff("mod@tribune.example", Role::Moderator).await;
    let sanction = format!("/newsroom/commenters/{ana_id}/sanction");
    let res = m
        .submit(&app, "/newsroom/comments", &sanction, &[("action", "ban")])
        .await;
    assert_eq!(res.status(), 303);
    let (s, page) = status_and_body(
        ana.submit(&app, &edit, &edit, &[("text", "Banned words")])
            .await,
    )
    .await;
    assert_eq!(s, 403, "a banned writer's edit is refused");
    assert!(page.contains("banned"), "{page}");
    let res = m
        .submit(
            &app,
            "/newsroom/comments",
            &sanction,
            &[("action", "restore")],
        )
        .await;
    assert_eq!(res.status(), 303);
    // The newsroom closes the thread: no edits either.
    let article_id = app.db.store.comment(&a).await.unwrap().unwrap().article_id;
    let res = m
        .submit(
            &app,
            "/newsroom/comments",
            &format!("/newsroom/threads/{article_id}"),
            &[("action", "close")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (s, page) = status_and_body(
        ana.submit(&app, &edit, &edit, &[("text", "After closing")])
            .await,
    )
    .await;
    assert_eq!(s, 403);
    assert!(page.contains("closed"), "{page}");
    let (_, thread) = app.text(THREAD).await;
    assert!(thread.contains("Before") && !thread.contains("After closing"));
    app.stop().await;
}
