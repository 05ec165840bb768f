//! The Daily Edition's newsroom page (`/newsroom/edition`) on both backends: who may open and
//! use it, the preview (HTML part in a sandboxed frame, text part), the curation (move, drop,
//! restore, pin, the introduction) reaching the composition the CLI and the schedule use,
//! "Send now" behind a confirmation and at most once per date, honest progress (sent only when
//! every message was accepted, per destination domain, unsubscribed), and /metrics.

use jiff::civil::Date;
use masthead_core::{EmailAddress, Role};
use masthead_mail::testing::SmtpServer;
use masthead_store::edition::EditionStatus;

use super::staff;
use crate::common::{TestApp, browser::*, spawn_app, spawn_app_with};

/// The fixture's harbour story is in the edition dated 15 July 2026 (Lisbon, 06:00).
const DATE: Date = Date::constant(2026, 7, 15);
const PAGE: &str = "/newsroom/edition?date=2026-07-15";
/// Its headline, as the page escapes it.
const HARBOUR: &str = "Harbour crane &lt;lifts&gt; a record load";

async fn composed(app: &TestApp) -> masthead_core::edition::EditionContent {
    let env = &app.state.jobs;
    masthead_jobs::edition::compose(&app.db.store, &env.site, &env.edition.settings, DATE)
        .await
        .unwrap()
}

/// Moves the derby story into the same news day (an hour before the harbour story), so the
/// edition has two stories to arrange.
async fn second_story(app: &TestApp) {
    let harbour = composed(app).await.leads[0].published_at;
    sqlx::query("UPDATE articles SET published_at = $1 WHERE slug = 'athletic-win-the-derby'")
        .bind(harbour - 3_600_000)
        .execute(app.db.store.reader())
        .await
        .unwrap();
}

fn lead_ids(c: &masthead_core::edition::EditionContent) -> Vec<String> {
    c.leads.iter().map(|s| s.article_id.clone()).collect()
}

fn all_ids(c: &masthead_core::edition::EditionContent) -> Vec<String> {
    c.leads
        .iter()
        .chain(c.sections.iter().flat_map(|s| &s.stories))
        .map(|s| s.article_id.clone())
        .collect()
}

async fn post(b: &Browser, app: &TestApp, path: &str, form: &[(&str, &str)]) -> (u16, String) {
    let res = b
        .client
        .post(app.url(path))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let loc = location(&res);
    let body = res.text().await.unwrap();
    (status, if status == 303 { loc } else { body })
}

async fn story_action(b: &Browser, app: &TestApp, story: &str, action: &str) -> (u16, String) {
    let (_, page) = b.get(app, PAGE).await;
    let csrf = csrf_of(&page);
    post(
        b,
        app,
        "/newsroom/edition/stories",
        &[
            ("csrf", &csrf),
            ("date", "2026-07-15"),
            ("story", story),
            ("action", action),
        ],
    )
    .await
}

#[tokio::test]
async fn the_edition_page_is_for_editors_and_admins_only() {
    let app = spawn_app().await;
    for role in [Role::Admin, Role::Editor] {
        let b = staff(&app, role).await;
        let (status, page) = b.get(&app, PAGE).await;
        assert_eq!(status, 200, "{role:?}: {page}");
        assert!(page.contains("The Daily Edition") && page.contains(HARBOUR));
        assert!(page.contains("href=\"/newsroom/edition\" aria-current=\"page\""));
        let (status, _) = b
            .get(&app, "/newsroom/edition/preview.html?date=2026-07-15")
            .await;
        assert_eq!(status, 200);
    }
    let harbour = composed(&app).await.leads[0].article_id.clone();
    for role in [Role::Author, Role::Contributor, Role::Moderator] {
        let b = staff(&app, role).await;
        let (status, page) = b.get(&app, PAGE).await;
        assert_eq!(status, 403, "{role:?}");
        assert!(page.contains("For editors only"));
        let (status, _) = b
            .get(&app, "/newsroom/edition/preview.html?date=2026-07-15")
            .await;
        assert_eq!(status, 403, "{role:?}");
        // The navigation of their other pages has no link to it.
        let (_, profile) = b.get(&app, "/newsroom/profile").await;
        assert!(!profile.contains("href=\"/newsroom/edition\""), "{role:?}");
        // The forms are refused on the server, whatever the client sends.
        let (_, any) = b.get(&app, "/newsroom/profile").await;
        let csrf = csrf_of(&any);
        for (path, form) in [
            ("/newsroom/edition/send", vec![("date", "2026-07-15")]),
            ("/newsroom/edition/confirm", vec![("date", "2026-07-15")]),
            (
                "/newsroom/edition/intro",
                vec![("date", "2026-07-15"), ("intro", "Hi")],
            ),
            (
                "/newsroom/edition/stories",
                vec![
                    ("date", "2026-07-15"),
                    ("story", harbour.as_str()),
                    ("action", "drop"),
                ],
            ),
        ] {
            let mut form = form;
            form.push(("csrf", &csrf));
            assert_eq!(post(&b, &app, path, &form).await.0, 403, "{role:?} {path}");
        }
    }
    assert!(
        app.db
            .store
            .edition_by_date("2026-07-15")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        app.db
            .store
            .edition_curation("2026-07-15")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(app.get(PAGE).await.status(), 303, "sign in first");
    app.stop().await;
}

#[tokio::test]
async fn the_preview_shows_both_parts_and_the_html_is_sandboxed() {
    let app = spawn_app().await;
    let editor = staff(&app, Role::Editor).await;
    let (status, page) = editor.get(&app, PAGE).await;
    assert_eq!(status, 200);
    assert!(page.contains("<iframe class=\"edition-preview\" sandbox src=\"/newsroom/edition/preview.html?date=2026-07-15\""), "{page}");
    assert!(page.contains("Wednesday 15 July 2026"));
    // The text part, with the placeholder unsubscribe link (a preview carries no real token).
    assert!(page.contains("Good morning, Reader."));
    assert!(page.contains("/edition/unsubscribe?t=preview"));
    let res = editor
        .client
        .get(app.url("/newsroom/edition/preview.html?date=2026-07-15"))
        .send()
        .await
        .unwrap();
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.starts_with("sandbox;") && !csp.contains("script-src"),
        "{csp}"
    );
    let html = res.text().await.unwrap();
    assert!(html.contains(HARBOUR) && html.contains("<html"), "{html}");
    // A bad date is a message, not a guess.
    let (status, page) = editor.get(&app, "/newsroom/edition?date=15/07/2026").await;
    assert_eq!(status, 422);
    assert!(page.contains("is not a date"), "{page}");
    let (status, _) = editor
        .get(&app, "/newsroom/edition/preview.html?date=nope")
        .await;
    assert_eq!(status, 400);
    app.stop().await;
}

#[tokio::test]
async fn the_editors_curation_reaches_the_composition_the_cli_sends() {
    let app = spawn_app().await;
    let editor = staff(&app, Role::Editor).await;
    second_story(&app).await;
    let before = composed(&app).await;
    let ids = all_ids(&before);
    assert!(ids.len() >= 2, "the fixture's day has stories: {ids:?}");
    let (first, last) = (ids[0].clone(), ids[ids.len() - 1].clone());

    // Drop the first lead: it leaves the edition, and the page offers to put it back.
    let (status, loc) = story_action(&editor, &app, &first, "drop").await;
    assert_eq!(
        (status, loc.as_str()),
        (303, "/newsroom/edition?date=2026-07-15&notice=dropped")
    );
    let after = composed(&app).await;
    assert!(!all_ids(&after).contains(&first));
    let (_, page) = editor.get(&app, &loc).await;
    assert!(
        page.contains("Put back") && page.contains("Done: dropped."),
        "{page}"
    );
    assert_eq!(story_action(&editor, &app, &first, "restore").await.0, 303);
    assert_eq!(all_ids(&composed(&app).await), ids);

    // Pin the last story: it becomes the first lead.
    assert_eq!(story_action(&editor, &app, &last, "pin").await.0, 303);
    let pinned = composed(&app).await;
    assert_eq!(lead_ids(&pinned)[0], last);
    let (_, page) = editor.get(&app, PAGE).await;
    assert!(page.contains(", pinned)"), "{page}");
    // Move it down one place within the leads.
    assert_eq!(story_action(&editor, &app, &last, "down").await.0, 303);
    let moved = composed(&app).await;
    assert_eq!(lead_ids(&moved)[1], last, "{:?}", lead_ids(&moved));
    assert_eq!(story_action(&editor, &app, &last, "unpin").await.0, 303);

    // Bad input re-renders the page with a message.
    assert_eq!(
        story_action(&editor, &app, "no-such-story", "drop").await.0,
        422
    );
    let (status, page) = story_action(&editor, &app, &first, "explode").await;
    assert_eq!(status, 422);
    assert!(page.contains("Choose what to do with the story"), "{page}");
    // No CSRF token: refused.
    let (status, _) = post(
        &editor,
        &app,
        "/newsroom/edition/stories",
        &[
            ("date", "2026-07-15"),
            ("story", &first),
            ("action", "drop"),
        ],
    )
    .await;
    assert_eq!(status, 403);
    assert!(all_ids(&composed(&app).await).contains(&first));

    // The introduction: too long is refused with the text kept; then saved and used.
    let (_, page) = editor.get(&app, PAGE).await;
    let csrf = csrf_of(&page);
    let long = "word ".repeat(130);
    let (status, page) = post(
        &editor,
        &app,
        "/newsroom/edition/intro",
        &[("csrf", &csrf), ("date", "2026-07-15"), ("intro", &long)],
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        page.contains("keep it to 600") && page.contains("word word word"),
        "{page}"
    );
    let intro = "A busy day at the harbour & a derby win.";
    let (status, _) = post(
        &editor,
        &app,
        "/newsroom/edition/intro",
        &[("csrf", &csrf), ("date", "2026-07-15"), ("intro", intro)],
    )
    .await;
    assert_eq!(status, 303);
    let content = composed(&app).await;
    assert_eq!(content.intro, intro);
    let (_, text, html) =
        masthead_jobs::edition::render(&app.state.jobs, &content, "https://x/u", None).unwrap();
    assert!(text.contains(intro), "{text}");
    assert!(
        html.contains("A busy day at the harbour &amp; a derby win."),
        "{html}"
    );
    let (_, page) = editor.get(&app, PAGE).await;
    assert!(
        page.contains("Last arranged by editor@tribune.example"),
        "{page}"
    );
    // Another date is untouched.
    let other = app.db.store.edition_curation("2026-07-16").await.unwrap();
    assert!(other.is_none());
    app.stop().await;
}

#[tokio::test]
async fn send_now_confirms_sends_once_and_reports_honest_progress() {
    let smtp = SmtpServer::start_choosy();
    let url = smtp.url.clone();
    let app = spawn_app_with(move |c| {
        c.smtp_url = Some(url);
        c.mail_from = "The Test Tribune <news@tribune.example>".into();
        c.edition.chunk_size = 3;
        c.edition.pool_size = 2;
    })
    .await;
    let store = &app.db.store;
    let emails: Vec<EmailAddress> = [
        "ana@example.com",
        "ben@example.org",
        "bounce.cy@example.net",
    ]
    .iter()
    .map(|a| EmailAddress::parse(a).unwrap())
    .collect();
    let ids = store.add_readers_for_tests(&emails, true).await.unwrap();
    let audience = store.edition_audience().await.unwrap();
    let editor = staff(&app, Role::Editor).await;
    let (_, page) = editor.get(&app, PAGE).await;
    assert!(page.contains("No edition has been sent yet."));
    let csrf = csrf_of(&page);
    let intro = [
        ("csrf", csrf.as_str()),
        ("date", "2026-07-15"),
        ("intro", "Before the send."),
    ];
    assert_eq!(
        post(&editor, &app, "/newsroom/edition/intro", &intro)
            .await
            .0,
        303
    );

    let date = [("csrf", csrf.as_str()), ("date", "2026-07-15")];
    let (status, confirm) = post(&editor, &app, "/newsroom/edition/confirm", &date).await;
    assert_eq!(status, 200);
    assert!(
        confirm.contains(&format!(
            "It will go to <strong>{audience} readers</strong>"
        )),
        "{confirm}"
    );
    assert!(
        store.edition_by_date("2026-07-15").await.unwrap().is_none(),
        "not before the confirmation"
    );
    let (status, loc) = post(&editor, &app, "/newsroom/edition/send", &date).await;
    assert_eq!(
        (status, loc.as_str()),
        (303, "/newsroom/edition?date=2026-07-15&notice=sending")
    );
    let edition = store.edition_by_date("2026-07-15").await.unwrap().unwrap();
    assert_eq!(edition.recipients, audience);
    let (_, page) = editor.get(&app, PAGE).await;
    assert!(
        page.contains("http-equiv=\"refresh\""),
        "refreshes itself while sending"
    );
    assert!(page.contains("Sending: "), "{page}");
    assert!(
        !page.contains("action=\"/newsroom/edition/stories\""),
        "the stories are fixed"
    );
    app.run_due_jobs().await;

    // One bounced: the edition is "finished", never "sent".
    let edition = store.edition(&edition.id).await.unwrap().unwrap();
    assert_eq!(edition.status, EditionStatus::Finished);
    assert_eq!(smtp.messages().len() as i64, audience - 1);
    assert!(
        smtp.messages()
            .iter()
            .all(|m| m.text.contains("Before the send."))
    );
    let (_, page) = editor.get(&app, PAGE).await;
    assert!(page.contains("Finished: 0 failed, 1 bounced"), "{page}");
    assert!(!page.contains("Sent: every message was accepted"));
    assert!(!page.contains("http-equiv=\"refresh\""));
    assert!(
        page.contains("<td>example.net</td><td>0</td><td>0</td><td>0</td><td>1</td>"),
        "{page}"
    );

    // A reader turns it off afterwards: counted as unsubscribed, on the page and in /metrics.
    store.set_daily_edition(&ids[1], false).await.unwrap();
    let (_, page) = editor.get(&app, PAGE).await;
    assert!(
        page.contains(
            "<td>example.org</td><td>0</td><td>1</td><td>0</td><td>0</td><td>0</td><td>1</td>"
        ),
        "{page}"
    );
    let (_, metrics) = app.text("/metrics").await;
    assert!(
        metrics.contains("masthead_edition_deliveries{status=\"bounced\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("masthead_edition_deliveries{status=\"unsubscribed\"} 1"),
        "{metrics}"
    );
    assert!(!metrics.contains("domain=\""), "no domain labels");

    // At most once per date: a second send, and any curation, change nothing.
    let sent = smtp.messages().len();
    let (status, page) = post(&editor, &app, "/newsroom/edition/send", &date).await;
    assert_eq!(status, 409);
    assert!(page.contains("never sent twice"), "{page}");
    assert_eq!(
        post(&editor, &app, "/newsroom/edition/confirm", &date)
            .await
            .0,
        409
    );
    assert_eq!(
        post(&editor, &app, "/newsroom/edition/intro", &intro)
            .await
            .0,
        409
    );
    app.run_due_jobs().await;
    assert_eq!(smtp.messages().len(), sent);
    app.stop().await;
}

#[tokio::test]
async fn an_edition_every_message_of_which_was_accepted_says_sent() {
    let smtp = SmtpServer::start();
    let url = smtp.url.clone();
    let app = spawn_app_with(move |c| {
        c.smtp_url = Some(url);
        c.mail_from = "The Test Tribune <news@tribune.example>".into();
    })
    .await;
    let emails = [EmailAddress::parse("ana@example.com").unwrap()];
    app.db
        .store
        .add_readers_for_tests(&emails, true)
        .await
        .unwrap();
    let admin = staff(&app, Role::Admin).await;
    let (_, page) = admin.get(&app, PAGE).await;
    let csrf = csrf_of(&page);
    let date = [("csrf", csrf.as_str()), ("date", "2026-07-15")];
    assert_eq!(
        post(&admin, &app, "/newsroom/edition/send", &date).await.0,
        303
    );
    app.run_due_jobs().await;
    let (_, page) = admin.get(&app, PAGE).await;
    assert!(page.contains("Sent: every message was accepted"), "{page}");
    app.stop().await;
}
