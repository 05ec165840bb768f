//! The editor: every field reaches the reader's page; bad input re-renders the form with the
//! text kept and a message; a published article's new slug redirects; nothing a contributor
//! types runs as script.

use super::*;

#[tokio::test]
async fn every_field_reaches_the_readers_page_and_the_audit_log() {
    let app = newsroom_app().await;
    let editor = staff(&app, Role::Editor).await;
    let id = create(
        &app,
        &editor,
        &[
            ("kicker", "Exclusive"),
            ("headline", "Night ferry returns"),
            (
                "body",
                "The **night** ferry is back.\n\n## Times\n\nEvery hour.",
            ),
            ("authors", "ana-ribeiro, Tom Vale"),
            (
                "byline",
                "Reported by Ana Ribeiro, with additional reporting by Tom Vale",
            ),
            ("seo_title", "Night ferry timetable 2026"),
            (
                "seo_description",
                "When the night ferry sails, and from where.",
            ),
            ("breaking", "on"),
            ("access", "registered"),
        ],
    )
    .await;
    // A draft is on no reader page.
    assert_eq!(app.text("/city/night-ferry-returns").await.0, 404);
    let res = save(&app, &editor, &id, &[("action", "publish")]).await;
    assert_eq!(
        location(&res),
        format!("/newsroom/articles/{id}?notice=published")
    );
    let (status, page) = app.text("/city/night-ferry-returns").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("<p class=\"article-kicker\">Exclusive</p>"),
        "{page}"
    );
    assert!(page.contains("Reported by Ana Ribeiro, with additional reporting by Tom Vale"));
    assert!(
        page.contains("<title>Night ferry timetable 2026 — The Test Tribune</title>"),
        "{page}"
    );
    assert!(page.contains(
        "<meta name=\"description\" content=\"When the night ferry sails, and from where.\">"
    ));
    assert!(page.contains("label-breaking"));
    let (_, front) = app.text("/").await;
    assert!(front.contains("Night ferry returns"));
    let audit = app
        .db
        .store
        .audit_entries(masthead_store::audit::AuditQuery {
            target: Some(("article", &id)),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    let actions: Vec<_> = audit.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["article.publish", "article.create"]);
    assert!(
        audit
            .iter()
            .all(|e| e.actor_label == "editor@tribune.example")
    );
    // Search finds it once its index job ran.
    wait_for_search(&app, "ferry", "Night ferry returns").await;
    app.stop().await;
}

#[tokio::test]
async fn bad_input_re_renders_the_form_with_the_text_kept() {
    let app = newsroom_app().await;
    let editor = staff(&app, Role::Editor).await;
    let long = "H".repeat(10_000);
    let deep = format!("{} too deep", ">".repeat(10_000));
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (vec![("headline", long.as_str())], "it can have at most 200"),
        (vec![("section", "")], "Choose a section"),
        (
            vec![("section", "weather")],
            "There is no section “weather”",
        ),
        (
            vec![("slug", "harbour-crane-lifts-a-record-load")],
            "Another article already has the address",
        ),
        (
            vec![("body", deep.as_str())],
            "nests quotes or lists more than",
        ),
        (
            vec![("authors", "Nobody Known")],
            "There is no author “Nobody Known”",
        ),
        (
            vec![("action", "schedule"), ("schedule_at", "2020-01-01T10:00")],
            "has already passed",
        ),
        (
            vec![("action", "schedule"), ("schedule_at", "2030-03-31T01:30")],
            "does not exist in Europe/Lisbon",
        ),
        (
            vec![("action", "schedule"), ("schedule_at", "soon")],
            "is not a date and time",
        ),
    ];
    for (over, message) in cases {
        let mut over = over;
        over.push(("standfirst", "My careful standfirst"));
        let res = editor
            .submit(
                &app,
                "/newsroom/articles/new",
                "/newsroom/articles",
                &fields(&over),
            )
            .await;
        let (status, page) = body_of(res).await;
        assert_eq!(status, 400, "{over:?}");
        assert!(
            page.contains(message),
            "{message}: {}",
            &page[..page.len().min(3000)]
        );
        assert!(page.contains("Nothing was saved"));
        assert!(page.contains("My careful standfirst"), "the text is kept");
        let body = over.iter().find(|(k, _)| *k == "body").map_or(
            "The ferry will sail every hour.",
            |(_, v)| {
                if v.len() > 100 { "too deep" } else { v }
            },
        );
        assert!(page.contains(body), "the body is kept");
    }
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM articles")
        .fetch_one(app.db.store.reader())
        .await
        .unwrap();
    assert_eq!(n, 2, "nothing was created");
    // A body over the app's 1 MiB limit: a page that says what to do, not a bare 413.
    let big = "x".repeat(5 * 1024 * 1024);
    let res = editor
        .submit(
            &app,
            "/newsroom/articles/new",
            "/newsroom/articles",
            &fields(&[("body", big.as_str())]),
        )
        .await;
    let (status, page) = body_of(res).await;
    assert_eq!(status, 413);
    assert!(
        page.contains("Your text is still in the page you came from"),
        "{page}"
    );
    // 450 KB arrives, and is refused with the text kept.
    let long_body = "word ".repeat(90_000);
    let res = editor
        .submit(
            &app,
            "/newsroom/articles/new",
            "/newsroom/articles",
            &fields(&[("body", long_body.as_str())]),
        )
        .await;
    let (status, page) = body_of(res).await;
    assert_eq!(status, 400);
    assert!(page.contains("an article can have at most 400 KB"));
    assert!(page.contains(&long_body[..1000]));
    app.stop().await;
}

#[tokio::test]
async fn a_published_articles_new_slug_and_section_redirect_from_the_old_url() {
    let app = newsroom_app().await;
    let editor = staff(&app, Role::Editor).await;
    let id = id_of(&app, "harbour-crane-lifts-a-record-load").await;
    let res = save(
        &app,
        &editor,
        &id,
        &[("slug", "record-crane-lift"), ("section", "sport")],
    )
    .await;
    assert_eq!(res.status(), 303);
    let res = app.get(HARBOUR_PATH).await;
    assert_eq!(res.status(), 308);
    assert_eq!(location(&res), "/sport/record-crane-lift");
    assert_eq!(app.text("/sport/record-crane-lift").await.0, 200);
    // Moved again: the first URL goes straight to the newest.
    let res = save(&app, &editor, &id, &[("slug", "crane-lift")]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&app.get(HARBOUR_PATH).await), "/sport/crane-lift");
    // A draft's slug changes leave no redirect.
    let draft = create(&app, &editor, &[("headline", "Quiet draft")]).await;
    assert_eq!(
        save(&app, &editor, &draft, &[("slug", "quiet-draft-2")])
            .await
            .status(),
        303
    );
    assert_eq!(
        app.db
            .store
            .redirect_for("/city/quiet-draft")
            .await
            .unwrap(),
        None
    );
    app.stop().await;
}

#[tokio::test]
async fn nothing_a_contributor_types_runs_as_script() {
    let app = newsroom_app().await;
    let c = staff(&app, Role::Contributor).await;
    let editor = staff(&app, Role::Editor).await;
    let evil = "<script>alert(1)</script><img src=x onerror=alert(2)>";
    let body = format!("Hello {evil}\n\n[click](javascript:alert(3))");
    let id = create(
        &app,
        &c,
        &[
            ("headline", evil),
            ("kicker", evil),
            ("body", body.as_str()),
            ("byline", evil),
        ],
    )
    .await;
    let check = |page: &str, what: &str| {
        assert!(!page.contains("<script>alert"), "{what}: {page}");
        assert!(!page.contains("<img src=x"), "{what}");
        assert!(!page.contains("href=\"javascript:"), "{what}");
    };
    let (_, page) = editor.get(&app, &format!("/newsroom/articles/{id}")).await;
    check(&page, "editor");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_eq!(
        save(&app, &c, &id, &[("body", "Plain now")]).await.status(),
        303
    );
    let revs = app.db.store.revisions(&id).await.unwrap();
    let (_, page) = editor
        .get(
            &app,
            &format!(
                "/newsroom/articles/{id}/diff?from={}&to=current",
                revs[1].id
            ),
        )
        .await;
    check(&page, "diff");
    assert!(page.contains("- Hello &lt;script&gt;"), "{page}");
    let res = editor
        .submit(
            &app,
            &format!("/newsroom/articles/{id}"),
            "/newsroom/articles/preview",
            &fields(&[("headline", evil), ("body", body.as_str())]),
        )
        .await;
    // Even opened in a tab of its own, a preview runs no script and submits no form.
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.starts_with("sandbox;"), "{csp}");
    assert!(csp.contains("script-src 'none'"), "{csp}");
    assert!(csp.contains("form-action 'none'"), "{csp}");
    let (status, page) = body_of(res).await;
    assert_eq!(status, 200);
    check(&page, "live preview");
    assert!(page.contains("Preview of your unsaved text"));
    app.stop().await;
}

#[tokio::test]
async fn the_live_preview_of_an_article_shows_its_photos_and_only_to_who_may_edit_it() {
    let app = newsroom_app().await;
    let editor = staff(&app, Role::Editor).await;
    let id = create(&app, &editor, &[("headline", "Quay cranes")]).await;
    let photo = crate::photos::upload_jpeg(&app, &editor, 800, 600).await;
    let res = editor
        .submit(
            &app,
            &format!("/newsroom/photos?for={id}"),
            &format!("/newsroom/articles/{id}/lead-photo"),
            &[("photo_id", &photo)],
        )
        .await;
    assert_eq!(res.status(), 303);
    app.run_due_jobs().await;
    let form = fields(&[("headline", "Quay cranes, unsaved")]);
    let (_, html) = editor.get(&app, &format!("/newsroom/articles/{id}")).await;
    assert!(
        html.contains(&format!(
            "data-preview=\"/newsroom/articles/preview?article={id}\""
        )),
        "the editor's script previews this article"
    );
    let res = editor
        .submit(
            &app,
            &format!("/newsroom/articles/{id}"),
            &format!("/newsroom/articles/preview?article={id}"),
            &form,
        )
        .await;
    let (status, page) = body_of(res).await;
    assert_eq!(status, 200);
    assert!(page.contains("Quay cranes, unsaved"));
    assert!(
        page.contains("<figure class=\"lead-photo\">"),
        "the lead photo: {page}"
    );
    // Without the article: the same text, no photo.
    let res = editor
        .submit(
            &app,
            &format!("/newsroom/articles/{id}"),
            "/newsroom/articles/preview",
            &form,
        )
        .await;
    let (_, page) = body_of(res).await;
    assert!(!page.contains("<figure class=\"lead-photo\">"));
    // A contributor may not preview (and so read the photos of) an editor's article.
    let c = staff(&app, Role::Contributor).await;
    let res = c
        .submit(
            &app,
            "/newsroom/articles/new",
            &format!("/newsroom/articles/preview?article={id}"),
            &form,
        )
        .await;
    assert_eq!(res.status(), 403);
    app.stop().await;
}
