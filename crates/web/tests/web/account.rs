//! Reader accounts end to end: forms over HTTP, emails read off a real SMTP server (aiosmtpd on
//! loopback), links, codes, sessions. Both database backends.

use std::time::{Duration, Instant};

use crate::common::browser::{
    Browser, code_in, email_to, link_in, location, register, spawn_with_smtp,
};
use crate::common::spawn_app_with;
use masthead_store::testing::jobs_of_kind;

#[tokio::test]
async fn register_by_link_read_off_the_wire() {
    let (app, smtp) = spawn_with_smtp().await;
    let browser = Browser::new();
    let res = browser
        .submit(
            &app,
            "/register?return_to=/city/harbour-crane-lifts-a-record-load",
            "/register",
            &[
                ("email", "  Reader@Example.COM "),
                ("daily_edition", "on"),
                ("return_to", "/city/harbour-crane-lifts-a-record-load"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/sign-in/check-email");
    let (status, page) = browser.get(&app, "/sign-in/check-email").await;
    assert_eq!(status, 200);
    assert!(
        page.contains(
            "We sent an email to you at <strong class=\"email-address\">Reader@example.com</strong>"
        ),
        "{page}"
    );

    let msg = email_to(&smtp, "Reader@example.com", 1).await;
    assert!(msg.subject.contains("The Test Tribune"), "{}", msg.subject);
    let link = link_in(&msg.text);
    assert!(
        msg.html.contains(link.split("token=").nth(1).unwrap()),
        "the HTML part has the link too"
    );

    // A scanner (or the reader) GETs the link: nothing is spent, nobody is signed in.
    let scanner = Browser::new();
    let res = scanner.client.get(app.url(&link)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["referrer-policy"],
        "no-referrer",
        "the token must not leak in Referer"
    );
    let confirm = res.text().await.unwrap();
    assert!(
        confirm.contains("Sign in to The Test Tribune") && confirm.contains("Reader@example.com")
    );
    let (status, _) = browser.get(&app, &link).await;
    assert_eq!(status, 200, "still valid after the scanner's GET");
    assert_eq!(browser.signed_in_as(&app).await, None);

    // The reader's POST signs in and returns to the article.
    let res = browser.post_link(&app, &link, &link).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    assert_eq!(location(&res), "/city/harbour-crane-lifts-a-record-load");
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("mh_session="))
        .unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert_eq!(
        browser.signed_in_as(&app).await.as_deref(),
        Some("Reader@example.com")
    );
    let (_, article) = browser
        .get(&app, "/city/harbour-crane-lifts-a-record-load")
        .await;
    assert!(
        article.contains("Your account"),
        "the header knows the reader is signed in"
    );

    // Consent and the Daily Edition choice were recorded.
    let reader = app
        .db
        .store
        .reader_by_email(&masthead_core::EmailAddress::parse("reader@example.com").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(reader.terms_version, "2026-11");
    assert!(reader.daily_edition);

    // Replaying the used link fails, and signs nobody in.
    let replay = Browser::new();
    let res = replay.post_link(&app, "/sign-in", &link).await;
    assert_eq!(res.status(), 410);
    assert_eq!(replay.signed_in_as(&app).await, None);
    let (status, page) = replay.get(&app, &link).await;
    assert_eq!(status, 410, "{page}");
    app.stop().await;
}

#[tokio::test]
async fn the_code_signs_in_another_device_and_wrong_codes_are_limited() {
    let (app, smtp) = spawn_with_smtp().await;
    let phone = Browser::new();
    register(&app, &smtp, &phone, "ana@example.com").await;

    let laptop = Browser::new();
    let res = laptop
        .submit(
            &app,
            "/sign-in",
            "/sign-in",
            &[("email", "ana@example.com")],
        )
        .await;
    assert_eq!(location(&res), "/sign-in/check-email");
    let code = code_in(&email_to(&smtp, "ana@example.com", 2).await.text);

    // Another device, with no cookie from the request: email + code.
    let tablet = Browser::new();
    let wrong = if code == "00000000" {
        "11111111"
    } else {
        "00000000"
    };
    let res = tablet
        .submit(
            &app,
            "/sign-in/code",
            "/sign-in/code",
            &[("email", "ana@example.com"), ("code", wrong)],
        )
        .await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("That code is not right"));
    let res = tablet
        .submit(
            &app,
            "/sign-in/code",
            "/sign-in/code",
            &[("email", "ana@example.com"), ("code", "12")],
        )
        .await;
    assert_eq!(res.status(), 400);
    let spaced = format!("{} {}", &code[..4], &code[4..]);
    let res = tablet
        .submit(
            &app,
            "/sign-in/code",
            "/sign-in/code",
            &[("email", "ANA@example.com"), ("code", &spaced)],
        )
        .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    assert_eq!(
        tablet.signed_in_as(&app).await.as_deref(),
        Some("ana@example.com")
    );
    // The code works once.
    let other = Browser::new();
    let res = other
        .submit(
            &app,
            "/sign-in/code",
            "/sign-in/code",
            &[("email", "ana@example.com"), ("code", &code)],
        )
        .await;
    assert_eq!(res.status(), 400);

    // Five wrong codes make a fresh code useless too.
    other
        .submit(
            &app,
            "/sign-in",
            "/sign-in",
            &[("email", "ana@example.com")],
        )
        .await;
    let code = code_in(&email_to(&smtp, "ana@example.com", 3).await.text);
    let wrong = if code == "00000000" {
        "11111111"
    } else {
        "00000000"
    };
    for _ in 0..5 {
        other
            .submit(
                &app,
                "/sign-in/code",
                "/sign-in/code",
                &[("email", "ana@example.com"), ("code", wrong)],
            )
            .await;
    }
    let res = other
        .submit(
            &app,
            "/sign-in/code",
            "/sign-in/code",
            &[("email", "ana@example.com"), ("code", &code)],
        )
        .await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("too many wrong codes"));
    app.stop().await;
}

#[tokio::test]
async fn expired_and_tampered_links_change_nothing() {
    let (app, smtp) = spawn_with_smtp().await;
    let browser = Browser::new();
    browser
        .submit(
            &app,
            "/register",
            "/register",
            &[("email", "late@example.com")],
        )
        .await;
    let link = link_in(&email_to(&smtp, "late@example.com", 1).await.text);
    // Fifteen minutes later: no store function moves a request's expiry (the store reads the
    // clock itself), so the test expires the row.
    sqlx::query("UPDATE sign_in_requests SET expires_at = 0")
        .execute(app.db.store.reader())
        .await
        .unwrap();
    let (status, page) = browser.get(&app, &link).await;
    assert_eq!(status, 410);
    assert!(page.contains("Send me a new link"));
    for bad in [
        "/sign-in/link",
        "/sign-in/link?token=short",
        "/sign-in/link?token=%00%ff",
        &format!("{}x", &link[..link.len() - 1]),
    ] {
        assert_eq!(browser.get(&app, bad).await.0, 410, "{bad}");
    }
    let res = browser.post_link(&app, "/sign-in", &link).await;
    assert_eq!(res.status(), 410);
    assert!(
        app.db
            .store
            .reader_by_email(&masthead_core::EmailAddress::parse("late@example.com").unwrap())
            .await
            .unwrap()
            .is_none()
    );
    app.stop().await;
}

#[tokio::test]
async fn no_account_enumeration() {
    let (app, smtp) = spawn_with_smtp().await;
    register(&app, &smtp, &Browser::new(), "known@example.com").await;
    let mut answers = Vec::new();
    for (form, email) in [
        ("/sign-in", "known@example.com"),
        ("/sign-in", "unknown@example.com"),
        ("/register", "known@example.com"),
    ] {
        let b = Browser::new();
        let started = Instant::now();
        let res = b.submit(&app, form, form, &[("email", email)]).await;
        answers.push((res.status().as_u16(), location(&res), started.elapsed()));
        let (_, page) = b.get(&app, "/sign-in/check-email").await;
        assert!(page.contains(email), "the page names the address");
    }
    assert!(
        answers
            .iter()
            .all(|(s, l, _)| *s == 303 && l == "/sign-in/check-email"),
        "{answers:?}"
    );
    assert!(
        answers.iter().all(|(_, _, t)| *t < Duration::from_secs(1)),
        "{answers:?}"
    );
    // The unknown address is told there is no account (and offered registration).
    let msg = email_to(&smtp, "unknown@example.com", 1).await;
    assert!(msg.text.contains("/register"), "{}", msg.text);
    assert!(!msg.text.contains("/sign-in/link"));
    // Registering a known address sends a sign-in link, not a second account.
    let msg = email_to(&smtp, "known@example.com", 3).await;
    assert!(
        msg.text.contains("/sign-in/link?token="),
        "{} / {}",
        msg.subject,
        msg.text
    );
    app.stop().await;
}

#[tokio::test]
async fn bad_input_is_explained_and_changes_nothing() {
    let (app, _smtp) = spawn_with_smtp().await;
    let b = Browser::new();
    let res = b
        .submit(
            &app,
            "/register",
            "/register",
            &[("email", "reader@@example")],
        )
        .await;
    assert_eq!(res.status(), 400);
    let html = res.text().await.unwrap();
    assert!(html.contains("Please use the following structure: example@domain.com"));
    assert!(
        html.contains("value=\"reader@@example\""),
        "the form keeps what the reader typed"
    );
    assert!(html.contains("aria-invalid=\"true\""));
    // Without the CSRF token: refused, nothing recorded.
    let res = b
        .client
        .post(app.url("/register"))
        .form(&[("email", "x@example.com")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = b
        .client
        .post(app.url("/register"))
        .form(&[
            ("email", "x@example.com"),
            ("csrf", "forged-token-forged-token-forged-token-xxxx"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let long = "a".repeat(5000);
    let res = b
        .submit(&app, "/sign-in", "/sign-in", &[("email", &long)])
        .await;
    assert_eq!(res.status(), 400);
    let res = b
        .client
        .post(app.url("/sign-in"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("%%%=&&=%")
        .send()
        .await
        .unwrap();
    assert!(
        res.status() == 400 || res.status() == 403,
        "{}",
        res.status()
    );
    // Nothing written: no store function counts requests, so the test counts the rows.
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sign_in_requests")
        .fetch_one(app.db.store.reader())
        .await
        .unwrap();
    assert_eq!(n, 0);
    app.stop().await;
}

#[tokio::test]
async fn emails_are_rate_limited_per_address() {
    let (app, _smtp) = spawn_with_smtp().await;
    let b = Browser::new();
    for i in 0..5 {
        let res = b
            .submit(
                &app,
                "/sign-in",
                "/sign-in",
                &[("email", "busy@example.com")],
            )
            .await;
        assert_eq!(res.status(), 303, "request {i}");
    }
    let res = b
        .submit(
            &app,
            "/sign-in",
            "/sign-in",
            &[("email", "busy@example.com")],
        )
        .await;
    assert_eq!(res.status(), 429);
    assert_eq!(res.headers()["retry-after"], "3600");
    assert!(res.text().await.unwrap().contains("wait an hour"));
    // Another address from the same browser is still fine.
    let res = b
        .submit(
            &app,
            "/sign-in",
            "/sign-in",
            &[("email", "calm@example.com")],
        )
        .await;
    assert_eq!(res.status(), 303);
    app.stop().await;
}

#[tokio::test]
async fn the_account_page_sign_out_and_deletion() {
    let (app, smtp) = spawn_with_smtp().await;
    let b = Browser::new();
    register(&app, &smtp, &b, "me@example.com").await;
    let other_device = Browser::new();
    register(&app, &smtp, &other_device, "me@example.com").await;

    // The Daily Edition toggle.
    let res = b
        .submit(&app, "/account", "/account/daily-edition", &[])
        .await;
    assert_eq!(location(&res), "/account?notice=edition-off");
    let me = masthead_core::EmailAddress::parse("me@example.com").unwrap();
    assert!(
        !app.db
            .store
            .reader_by_email(&me)
            .await
            .unwrap()
            .unwrap()
            .daily_edition
    );
    b.submit(
        &app,
        "/account",
        "/account/daily-edition",
        &[("daily_edition", "on")],
    )
    .await;
    assert!(
        app.db
            .store
            .reader_by_email(&me)
            .await
            .unwrap()
            .unwrap()
            .daily_edition
    );

    // Export.
    let res = b
        .client
        .get(app.url("/account/export"))
        .send()
        .await
        .unwrap();
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let data: serde_json::Value = res.json().await.unwrap();
    assert_eq!(data["account"]["email"], "me@example.com");
    assert_eq!(data["account"]["terms_version"], "2026-11");

    // Sign out here; the other device stays signed in; then everywhere.
    b.submit(&app, "/account", "/sign-out", &[]).await;
    assert_eq!(b.signed_in_as(&app).await, None);
    assert!(other_device.signed_in_as(&app).await.is_some());
    register(&app, &smtp, &b, "me@example.com").await;
    b.submit(&app, "/account", "/account/sign-out-everywhere", &[])
        .await;
    assert_eq!(other_device.signed_in_as(&app).await, None);

    // Delete.
    register(&app, &smtp, &b, "me@example.com").await;
    let res = b
        .submit(&app, "/account/delete", "/account/delete", &[])
        .await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("has been deleted"));
    assert!(app.db.store.reader_by_email(&me).await.unwrap().is_none());
    assert_eq!(b.signed_in_as(&app).await, None);
    app.stop().await;
}

#[tokio::test]
async fn changing_the_email_address_is_confirmed_by_the_new_address() {
    let (app, smtp) = spawn_with_smtp().await;
    let b = Browser::new();
    register(&app, &smtp, &b, "old@example.com").await;
    let res = b
        .submit(
            &app,
            "/account",
            "/account/email",
            &[("new_email", "not an email")],
        )
        .await;
    assert_eq!(res.status(), 400);
    let res = b
        .submit(
            &app,
            "/account",
            "/account/email",
            &[("new_email", "new@example.com")],
        )
        .await;
    assert_eq!(location(&res), "/sign-in/check-email");
    let msg = email_to(&smtp, "new@example.com", 1).await;
    let link = link_in(&msg.text);
    let (_, confirm) = b.get(&app, &link).await;
    assert!(confirm.contains("Confirm my new address"));
    let res = b.post_link(&app, &link, &link).await;
    assert_eq!(location(&res), "/account?notice=email-changed");
    assert_eq!(
        b.signed_in_as(&app).await.as_deref(),
        Some("new@example.com")
    );
    app.stop().await;
}

#[tokio::test]
async fn a_failing_smtp_server_is_retried_and_visible_in_metrics() {
    // Nothing listens on this port: every delivery attempt fails with a transient error.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app =
        spawn_app_with(move |c| c.smtp_url = Some(format!("smtp://127.0.0.1:{port}?tls=none")))
            .await;
    let b = Browser::new();
    let res = b
        .submit(
            &app,
            "/register",
            "/register",
            &[("email", "patient@example.com")],
        )
        .await;
    assert_eq!(
        res.status(),
        303,
        "the reader is not kept waiting by the mail server"
    );
    // The attempt due now (run here, or by the app's worker if it was first), and no retry.
    app.run_jobs_due_by(masthead_store::now_ms()).await;
    let job = jobs_of_kind(&app.db.store, "send_sign_in_email")
        .await
        .pop()
        .expect("the email's job");
    let (status, attempts, run_at, error) = (job.status, job.attempts, job.run_at, job.last_error);
    assert_eq!(
        (status.as_str(), attempts),
        ("queued", 1),
        "kept for a retry, not dead"
    );
    assert!(
        run_at > masthead_store::now_ms(),
        "retried later, with backoff"
    );
    let error = error.unwrap_or_default();
    assert!(
        error.contains("register") && error.contains("failed"),
        "{error}"
    );
    let (_, metrics) = app.text("/metrics").await;
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("masthead_emails_total{") && l.contains("outcome=\"failed\"")),
        "{metrics}"
    );
    // The retry waits for its backoff.
    app.expect_jobs_left(1);
    app.stop().await;
}

#[tokio::test]
async fn an_address_taken_meanwhile_is_refused_and_nothing_changes() {
    let (app, smtp) = spawn_with_smtp().await;
    let b = Browser::new();
    register(&app, &smtp, &b, "first@example.com").await;
    let res = b
        .submit(
            &app,
            "/account",
            "/account/email",
            &[("new_email", "second@example.com")],
        )
        .await;
    assert_eq!(location(&res), "/sign-in/check-email");
    let link = link_in(&email_to(&smtp, "second@example.com", 1).await.text);
    // Before the link is used, someone registers the new address.
    register(&app, &smtp, &Browser::new(), "second@example.com").await;
    let res = b.post_link(&app, &link, &link).await;
    assert_eq!(res.status(), 409);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("another account already uses that address")
    );
    assert_eq!(
        b.signed_in_as(&app).await.as_deref(),
        Some("first@example.com")
    );
    app.stop().await;
}
