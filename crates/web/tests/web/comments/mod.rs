//! Comments end to end, on both backends: readers signed in through the real email flow post,
//! reply, edit, delete, like and report over HTTP; moderators work the queue; reply emails are
//! read off a real SMTP server.

use std::time::Duration;

use crate::common::{TestApp, browser::*};
use masthead_core::{EmailAddress, Role, comment::ModerationSettings};
use masthead_mail::testing::SmtpServer;
use masthead_store::comments::{NewComment, Status};

const THREAD: &str = "/city/harbour-crane-lifts-a-record-load/comments";
const OTHER_THREAD: &str = "/sport/athletic-win-the-derby/comments";

/// The fixture's articles are months old: keep threads open unless a test says otherwise.
async fn open_app() -> (TestApp, SmtpServer) {
    spawn_with_smtp_and(|c| c.comments.close_after_days = 0).await
}

async fn reader(app: &TestApp, smtp: &SmtpServer, email: &str) -> Browser {
    let b = Browser::new();
    register(app, smtp, &b, email).await;
    b
}

async fn post_to(
    b: &Browser,
    app: &TestApp,
    thread: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    b.submit(app, thread, thread, fields).await
}

async fn post(b: &Browser, app: &TestApp, fields: &[(&str, &str)]) -> reqwest::Response {
    post_to(b, app, THREAD, fields).await
}

/// The comment id in a redirect to `…#c-ID`.
fn posted_id(res: &reqwest::Response) -> String {
    let loc = location(res);
    loc.split("#c-")
        .nth(1)
        .unwrap_or_else(|| panic!("no comment anchor in {loc}"))
        .to_owned()
}

async fn status_and_body(res: reqwest::Response) -> (u16, String) {
    let s = res.status().as_u16();
    (s, res.text().await.unwrap())
}

async fn count_comments(app: &TestApp) -> i64 {
    sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM comments")
        .fetch_one(app.db.store.reader())
        .await
        .unwrap()
}

/// The kept counts agree with the rows: per article, and replies per comment.
async fn assert_counts_consistent(app: &TestApp) {
    let store = &app.db.store;
    let bad_articles: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM articles a WHERE a.comment_count <> \
         (SELECT COUNT(*) FROM comments c WHERE c.article_id = a.id AND c.status = 'published')",
    )
    .fetch_one(store.reader())
    .await
    .unwrap();
    assert_eq!(bad_articles, 0, "articles.comment_count out of step");
    let bad_replies: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM comments p WHERE p.reply_count <> \
         (SELECT COUNT(*) FROM comments c WHERE c.parent_id = p.id AND c.status = 'published')",
    )
    .fetch_one(store.reader())
    .await
    .unwrap();
    assert_eq!(bad_replies, 0, "comments.reply_count out of step");
    let bad_likes: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM comments p WHERE p.like_count <> \
         (SELECT COUNT(*) FROM comment_likes l WHERE l.comment_id = p.id)",
    )
    .fetch_one(store.reader())
    .await
    .unwrap();
    assert_eq!(bad_likes, 0, "comments.like_count out of step");
}

async fn settings(app: &TestApp, f: impl FnOnce(&mut ModerationSettings)) {
    let mut s = app.db.store.comment_settings().await.unwrap();
    f(&mut s);
    app.db
        .store
        .save_comment_settings(&s, "test")
        .await
        .unwrap();
    // Saved straight into the database, as another node would: this node's copy is dropped
    // the way the settings form drops it.
    app.state.forget_comment_settings();
}

/// A comment by Ana written straight through the store (as another node would write it);
/// held comments say so in their reason.
fn comment_by(article_id: &str, reader_id: &str, text: &str, status: Status) -> NewComment {
    NewComment {
        article_id: article_id.to_owned(),
        parent_id: None,
        reader_id: reader_id.to_owned(),
        author_name: "Ana".into(),
        author_role: None,
        body: masthead_core::comment::CommentBody::parse(text).unwrap(),
        status,
        hold_reason: (status == Status::Pending).then(|| "pre-moderation".into()),
        per_minute: 1000,
        save_display_name: false,
    }
}

/// The moderation settings form on the queue page, sent by moderator `m`.
async fn settings_form(m: &Browser, app: &TestApp, fields: &[(&str, &str)]) -> reqwest::Response {
    m.submit(
        app,
        "/newsroom/comments",
        "/newsroom/comments/settings",
        fields,
    )
    .await
}

/// Signs in a staff member with `role` (through the real email flow).
async fn staff(app: &TestApp, smtp: &SmtpServer, email: &str, role: Role) -> Browser {
    let addr = EmailAddress::parse(email).unwrap();
    app.db.store.add_staff(&addr, role).await.unwrap();
    reader(app, smtp, email).await
}

#[tokio::test]
async fn post_reply_and_read_the_thread() {
    let (app, smtp) = open_app().await;
    // Anonymous readers see the thread and an invitation, no form.
    let (status, page) = app.text(THREAD).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Comments <span class=\"comment-count\">(0)</span>"),
        "{page}"
    );
    assert!(page.contains("Sign in or register</a> to join"));
    assert!(!page.contains("<textarea"));

    let ana = reader(&app, &smtp, "ana@example.com").await;
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

    let tom = reader(&app, &smtp, "tom@example.com").await;
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
    app.stop().await;
}

#[tokio::test]
async fn bad_input_is_refused_with_the_text_kept_and_nothing_written() {
    let (app, smtp) = open_app().await;
    let ana = reader(&app, &smtp, "ana@example.com").await;
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
    let (app, smtp) = open_app().await;
    let ana = reader(&app, &smtp, "ana@example.com").await;
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
    let (app, smtp) = open_app().await;
    let ana = reader(&app, &smtp, "ana@example.com").await;
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
    let (app, smtp) = open_app().await;
    settings(&app, |s| s.per_minute = 2).await;
    let ana = reader(&app, &smtp, "ana@example.com").await;
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
    let (app, smtp) = open_app().await;
    let ana = reader(&app, &smtp, "ana@example.com").await;
    let tom = reader(&app, &smtp, "tom@example.com").await;
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
    app.stop().await;
}

#[tokio::test]
async fn likes_toggle_and_reports_hide_at_the_threshold() {
    let (app, smtp) = open_app().await;
    settings(&app, |s| s.report_threshold = 2).await;
    let ana = reader(&app, &smtp, "ana@example.com").await;
    let tom = reader(&app, &smtp, "tom@example.com").await;
    let eve = reader(&app, &smtp, "eve@example.com").await;
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
    let moderator = staff(&app, &smtp, "mod@tribune.example", Role::Moderator).await;
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

#[tokio::test]
async fn pre_moderation_word_lists_links_and_the_audit_trail() {
    let (app, smtp) = open_app().await;
    settings(&app, |s| {
        s.mode = masthead_core::comment::ModerationMode::PreNew;
        s.trusted_after = 1;
        s.banned_words = vec!["gobbledygook".into()];
        s.suspect_words = vec!["fishy".into()];
    })
    .await;
    let ana = reader(&app, &smtp, "ana@example.com").await;
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

    let editor = staff(&app, &smtp, "editor@tribune.example", Role::Editor).await;
    let (_, queue) = editor.get(&app, "/newsroom/comments").await;
    assert!(queue.contains("My first words") && queue.contains("held: new commenter"));
    let id: String =
        sqlx::query_scalar("SELECT id FROM comments WHERE body_text = 'My first words'")
            .fetch_one(app.db.store.reader())
            .await
            .unwrap();
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
    let fishy: String =
        sqlx::query_scalar("SELECT id FROM comments WHERE body_text = 'Something fishy'")
            .fetch_one(app.db.store.reader())
            .await
            .unwrap();
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
    let (app, smtp) = open_app().await;
    let ana = reader(&app, &smtp, "ana@example.com").await;
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
    let (app, smtp) = open_app().await;
    let ana = reader(&app, &smtp, "ana@example.com").await;
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
    let author = staff(&app, &smtp, "author@tribune.example", Role::Author).await;
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

    let m = staff(&app, &smtp, "mod@tribune.example", Role::Moderator).await;
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
async fn threads_close_by_hand_and_by_age() {
    // Default: 14 days; the fixture's articles are older.
    let (app, smtp) = spawn_with_smtp_and(|_| {}).await;
    let ana = reader(&app, &smtp, "ana@example.com").await;
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

    let (app, smtp) = open_app().await;
    let ana = reader(&app, &smtp, "ana@example.com").await;
    let m = staff(&app, &smtp, "mod@tribune.example", Role::Moderator).await;
    let article_id: String = sqlx::query_scalar(
        "SELECT id FROM articles WHERE slug = 'harbour-crane-lifts-a-record-load'",
    )
    .fetch_one(app.db.store.reader())
    .await
    .unwrap();
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

/// Makes the queued reply emails due now and waits for the worker to finish them.
async fn run_reply_jobs(app: &TestApp) {
    sqlx::query(
        "UPDATE jobs SET run_at = 0 WHERE kind = 'send_comment_reply_email' AND status = 'queued'",
    )
    .execute(app.db.store.reader())
    .await
    .unwrap();
    app.state.jobs_wake.notify_one();
    for _ in 0..150 {
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'send_comment_reply_email' AND status <> 'done'")
            .fetch_one(app.db.store.reader())
            .await
            .unwrap();
        if left == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("reply emails not sent");
}

#[tokio::test]
async fn replies_are_emailed_in_batches_and_can_be_turned_off() {
    let (app, smtp) = open_app().await;
    let ana = reader(&app, &smtp, "ana@example.com").await;
    let tom = reader(&app, &smtp, "tom@example.com").await;
    let eve = reader(&app, &smtp, "eve@example.com").await;
    let a = posted_id(
        &post(
            &ana,
            &app,
            &[("name", "Ana"), ("text", "Start of a debate")],
        )
        .await,
    );
    let toms = posted_id(
        &post(
            &tom,
            &app,
            &[
                ("name", "Tom"),
                ("text", "I disagree strongly"),
                ("parent", &a),
            ],
        )
        .await,
    );
    post(
        &eve,
        &app,
        &[
            ("name", "Eve"),
            ("text", "I agree entirely"),
            ("parent", &a),
        ],
    )
    .await;
    post(
        &ana,
        &app,
        &[("text", "Replying to myself"), ("parent", &a)],
    )
    .await;
    let jobs: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'send_comment_reply_email'")
            .fetch_one(app.db.store.reader())
            .await
            .unwrap();
    assert_eq!(jobs, 1, "one email per recipient per window");
    run_reply_jobs(&app).await;
    let msg = email_to(&smtp, "ana@example.com", 2).await; // the first was the sign-in link
    assert!(msg.subject.contains("2 replies"), "{}", msg.subject);
    assert!(msg.text.contains("I disagree strongly") && msg.text.contains("I agree entirely"));
    assert!(!msg.text.contains("Replying to myself"));
    assert!(msg.text.contains(&format!("{THREAD}#c-")));
    // A reply to Tom's reply (shown under Ana's comment) is news for Tom.
    post(&ana, &app, &[("text", "Answering Tom"), ("parent", &toms)]).await;
    run_reply_jobs(&app).await;
    let msg = email_to(&smtp, "tom@example.com", 2).await;
    assert!(msg.subject.contains("Ana replied"), "{}", msg.subject);
    assert!(msg.text.contains("Answering Tom"));

    // Opt out on the account page: no more notices.
    let res = ana
        .submit(&app, "/account", "/account/comment-replies", &[])
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = ana.get(&app, "/account").await;
    assert!(!page.contains(
        "id=\"reply_emails\" name=\"reply_emails\" type=\"checkbox\" value=\"on\" checked"
    ));
    post(&tom, &app, &[("text", "Another reply"), ("parent", &a)]).await;
    let unsent: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM comment_notices WHERE sent_at IS NULL")
            .fetch_one(app.db.store.reader())
            .await
            .unwrap();
    assert_eq!(unsent, 0);
    app.stop().await;
}

#[tokio::test]
async fn deleted_accounts_leave_anonymous_comments_or_none() {
    for remove in [false, true] {
        let (app, smtp) = spawn_with_smtp_and(move |c| {
            c.comments.close_after_days = 0;
            if remove {
                c.comments.on_delete = masthead_web::OnDelete::Remove;
            }
        })
        .await;
        let ana = reader(&app, &smtp, "ana@example.com").await;
        let tom = reader(&app, &smtp, "tom@example.com").await;
        let a = posted_id(&post(&ana, &app, &[("name", "Ana"), ("text", "Words of Ana")]).await);
        post(
            &tom,
            &app,
            &[("name", "Tom"), ("text", "Words of Tom"), ("parent", &a)],
        )
        .await;
        post(&ana, &app, &[("text", "More from Ana")]).await;
        // A like Ana gave on another thread, whose page is cached with it.
        let t = posted_id(&post_to(&tom, &app, OTHER_THREAD, &[("text", "Tom elsewhere")]).await);
        let like = format!("{OTHER_THREAD}/{t}/like");
        assert_eq!(
            ana.submit(&app, OTHER_THREAD, &like, &[]).await.status(),
            303
        );
        assert!(app.text(OTHER_THREAD).await.1.contains("1 like<"));
        let export = ana
            .client
            .get(app.url("/account/export"))
            .send()
            .await
            .unwrap();
        let json: serde_json::Value = export.json().await.unwrap();
        let texts: Vec<&str> = json["comments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["text"].as_str().unwrap())
            .collect();
        assert_eq!(texts, vec!["Words of Ana", "More from Ana"]);
        let res = ana
            .submit(&app, "/account/delete", "/account/delete", &[])
            .await;
        assert_eq!(res.status(), 200);
        let (_, page) = app.text(THREAD).await;
        assert!(page.contains("Words of Tom"));
        if remove {
            assert!(!page.contains("Words of Ana") && !page.contains("More from Ana"));
            assert!(
                page.contains("Comment deleted"),
                "placeholder where Tom replied"
            );
            assert!(page.contains("Comments <span class=\"comment-count\">(1)</span>"));
        } else {
            assert!(page.contains("Words of Ana") && page.contains("Deleted account"));
            assert!(!page.contains(">Ana<"));
        }
        // The like is gone from the other thread's page too (its version moved).
        let mut seen = false;
        for _ in 0..40 {
            if app.text(OTHER_THREAD).await.1.contains("0 likes<") {
                seen = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(seen, "the thread Ana liked still counts her like");
        assert_counts_consistent(&app).await;
        app.stop().await;
    }
}

#[tokio::test]
async fn a_comment_written_elsewhere_reaches_the_cached_thread_within_a_poll() {
    let (app, smtp) = open_app().await;
    let ana = reader(&app, &smtp, "ana@example.com").await;
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
async fn moderation_settings_apply_at_once_on_this_node_and_within_a_second_elsewhere() {
    let (app, smtp) = open_app().await;
    settings(&app, |s| s.per_minute = 100).await;
    let ana = reader(&app, &smtp, "ana@example.com").await;
    let m = staff(&app, &smtp, "mod@tribune.example", Role::Moderator).await;
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

#[tokio::test]
async fn the_queue_shows_the_oldest_hundred_and_says_how_many_wait() {
    let (app, smtp) = open_app().await;
    let _ana = reader(&app, &smtp, "ana@example.com").await;
    let ana = app
        .db
        .store
        .reader_by_email(&EmailAddress::parse("ana@example.com").unwrap())
        .await
        .unwrap()
        .unwrap();
    let article: String = sqlx::query_scalar(
        "SELECT id FROM articles WHERE slug = 'harbour-crane-lifts-a-record-load'",
    )
    .fetch_one(app.db.store.reader())
    .await
    .unwrap();
    for i in 0..103 {
        let held = comment_by(
            &article,
            &ana.id,
            &format!("Held number {i:03}"),
            Status::Pending,
        );
        app.db.store.post_comment(&held).await.unwrap().unwrap();
    }
    let m = staff(&app, &smtp, "mod@tribune.example", Role::Moderator).await;
    let (_, queue) = m.get(&app, "/newsroom/comments").await;
    assert!(queue.contains("Pending (103)"), "{queue}");
    assert!(queue.contains("Showing the first 100 of 103, oldest first"));
    assert!(queue.contains("Held number 000") && queue.contains("Held number 099"));
    assert!(!queue.contains("Held number 100"));
    app.stop().await;
}
