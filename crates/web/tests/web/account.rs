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
    // The unknown address gets a link that finishes registering (tests: oidc/one_email.rs).
    let msg = email_to(&smtp, "unknown@example.com", 1).await;
    assert_eq!(msg.subject, "Finish registering at The Test Tribune");
    assert!(msg.text.contains("/sign-in/link?token="), "{}", msg.text);
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

#[tokio::test]
async fn a_session_cached_on_another_node_stops_working_within_a_second_of_signing_out() {
    let (app, smtp) = spawn_with_smtp().await;
    let b = Browser::new();
    register(&app, &smtp, &b, "ana@example.com").await;
    let (node_b, stop) = app.second_node().await;
    // The same cookies go to both nodes (cookies do not depend on the port).
    let account_on_b = || async {
        let res = b
            .client
            .get(format!("{node_b}/account"))
            .send()
            .await
            .unwrap();
        res.status().as_u16()
    };
    assert_eq!(account_on_b().await, 200);
    assert_eq!(
        account_on_b().await,
        200,
        "served from node B's session cache"
    );
    let res = b.submit(&app, "/account", "/sign-out", &[]).await;
    assert_eq!(res.status(), 303);
    let (status, _) = b.get(&app, "/account").await;
    assert_eq!(
        status, 303,
        "signed out at once on the node that signed out"
    );
    // The cookie jar dropped the session cookie; replay it as a thief would.
    let started = Instant::now();
    loop {
        let status = account_on_b().await;
        if status == 303 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "node B still honours a signed-out session"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = stop.send(());
    app.stop().await;
}

#[tokio::test]
async fn a_wrong_code_reads_the_same_for_known_and_unknown_addresses() {
    let (app, smtp) = spawn_with_smtp().await;
    register(&app, &smtp, &Browser::new(), "known@example.com").await;
    let b = Browser::new();
    // The known address has a live request (and code); the unknown one was sent none.
    for email in ["known@example.com", "nobody@example.com"] {
        b.submit(&app, "/sign-in", "/sign-in", &[("email", email)])
            .await;
    }
    let answer = |email: &'static str| {
        let b = &b;
        let app = &app;
        async move {
            let res = b
                .submit(
                    app,
                    "/sign-in/code",
                    "/sign-in/code",
                    &[("email", email), ("code", "1234 5678")],
                )
                .await;
            let status = res.status().as_u16();
            let html = res.text().await.unwrap();
            let message = html
                .split("class=\"field-error\"")
                .nth(1)
                .map(|m| m.split('<').next().unwrap_or_default().to_owned());
            (status, message.or(Some(html)))
        }
    };
    let known = answer("known@example.com").await;
    let unknown = answer("nobody@example.com").await;
    assert_eq!(known.0, 400);
    assert_eq!(known, unknown, "the answer tells the addresses apart");
    app.stop().await;
}

#[tokio::test]
async fn changing_to_a_staff_address_follows_the_staff_rules_and_ends_other_sessions() {
    let (app, smtp) = spawn_with_smtp().await;
    let reader = Browser::new();
    register(&app, &smtp, &reader, "mallory@example.com").await;
    let elsewhere = Browser::new();
    register(&app, &smtp, &elsewhere, "mallory@example.com").await;
    let editor = masthead_core::EmailAddress::parse("editor@example.com").unwrap();
    app.db
        .store
        .add_staff(&editor, masthead_core::Role::Editor)
        .await
        .unwrap();
    // The reader asks to move their account to the editor's address; the editor, puzzled,
    // opens the link in their own browser.
    let res = reader
        .submit(
            &app,
            "/account",
            "/account/email",
            &[("new_email", "editor@example.com")],
        )
        .await;
    assert_eq!(location(&res), "/sign-in/check-email");
    let link = link_in(&email_to(&smtp, "editor@example.com", 1).await.text);
    let staff_browser = Browser::new();
    let res = staff_browser.post_link(&app, &link, &link).await;
    assert_eq!(
        res.status(),
        403,
        "a staff address's link works only where it was asked for"
    );
    assert_eq!(
        reader.signed_in_as(&app).await.as_deref(),
        Some("mallory@example.com"),
        "the address did not change"
    );
    // A reader's session never carries staff rights, whatever its address becomes.
    let (status, _) = reader.get(&app, "/newsroom/comments").await;
    assert_eq!(status, 403);

    // A change of address confirmed where it was asked ends the account's other sessions.
    let res = reader
        .submit(
            &app,
            "/account",
            "/account/email",
            &[("new_email", "mallory2@example.com")],
        )
        .await;
    assert_eq!(location(&res), "/sign-in/check-email");
    let link = link_in(&email_to(&smtp, "mallory2@example.com", 1).await.text);
    let res = reader.post_link(&app, &link, &link).await;
    assert_eq!(location(&res), "/account?notice=email-changed");
    assert_eq!(
        reader.signed_in_as(&app).await.as_deref(),
        Some("mallory2@example.com")
    );
    assert_eq!(elsewhere.signed_in_as(&app).await, None);
    // The old address is told, where a reader whose account was taken over still reads mail.
    let note = email_to(&smtp, "mallory@example.com", 3).await;
    assert!(note.subject.contains("was changed"), "{}", note.subject);
    assert!(note.text.contains("mallory2@example.com"), "{}", note.text);
    assert!(!note.text.contains("token="), "no link to the old address");
    app.stop().await;
}

/// Asks for a sign-in email as a client behind `forwarded` (an `X-Forwarded-For` value).
async fn sign_in_via(
    app: &crate::common::TestApp,
    b: &Browser,
    email: &str,
    forwarded: &str,
) -> u16 {
    let (_, page) = b.get(app, "/sign-in").await;
    let csrf = crate::common::browser::csrf_of(&page);
    b.client
        .post(app.url("/sign-in"))
        .header("x-forwarded-for", forwarded)
        .form(&[("csrf", csrf.as_str()), ("email", email)])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn per_ip_limits_see_through_trusted_proxies_only_and_count_ipv6_by_its_64() {
    let limit = |c: &mut masthead_web::WebConfig| {
        c.rate_limits.emails_per_ip = 2;
        c.trusted_proxies = masthead_web::parse_trusted_proxies("127.0.0.0/8").unwrap();
    };
    let app = spawn_app_with(limit).await;
    let b = Browser::new();
    // Behind the proxy, two readers: each has their own budget.
    for i in 0..2 {
        let email = format!("a{i}@example.com");
        assert_eq!(sign_in_via(&app, &b, &email, "203.0.113.9").await, 303);
    }
    assert_eq!(
        sign_in_via(&app, &b, "a9@example.com", "203.0.113.9").await,
        429
    );
    assert_eq!(
        sign_in_via(&app, &b, "b0@example.com", "198.51.100.7").await,
        303
    );
    // Two addresses of one IPv6 /64 are one client.
    assert_eq!(
        sign_in_via(&app, &b, "c0@example.com", "2001:db8:1:2::1").await,
        303
    );
    assert_eq!(
        sign_in_via(&app, &b, "c1@example.com", "2001:db8:1:2::ffff").await,
        303
    );
    assert_eq!(
        sign_in_via(&app, &b, "c2@example.com", "2001:db8:1:2:3::9").await,
        429
    );
    app.stop().await;

    // Without trusted proxies, the header is the client's to write and is ignored.
    let app = spawn_app_with(|c| c.rate_limits.emails_per_ip = 2).await;
    for (i, fwd) in ["203.0.113.1", "203.0.113.2", "203.0.113.3"]
        .iter()
        .enumerate()
    {
        let email = format!("d{i}@example.com");
        let expected = if i < 2 { 303 } else { 429 };
        assert_eq!(sign_in_via(&app, &b, &email, fwd).await, expected, "{fwd}");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_session_stored_before_keyed_hashes_keeps_working_and_is_rekeyed() {
    let app = crate::common::spawn_app().await;
    let email = masthead_core::EmailAddress::parse("old-timer@example.com").unwrap();
    let token = masthead_core::secret::random_token();
    let legacy = masthead_core::secret::sha256_hex(&token);
    app.db
        .store
        .open_session_for_tests(&email, &legacy, Duration::from_secs(3600))
        .await
        .unwrap();
    let b = Browser::new();
    b.set_cookie(&app, &format!("mh_session={token}"));
    assert_eq!(
        b.signed_in_as(&app).await.as_deref(),
        Some("old-timer@example.com")
    );
    let keyed = app.state.jobs.tokens.hash(&token);
    assert!(
        app.db.store.session(&legacy).await.unwrap().is_none(),
        "the unkeyed hash is gone"
    );
    assert!(app.db.store.session(&keyed).await.unwrap().is_some());
    // The stored form of a secret says nothing without the key: not the bare SHA-256.
    assert_ne!(keyed, legacy);
    assert_eq!(keyed.len(), 64);
    // Still signed in (now through the keyed row), and signing out ends it.
    assert!(b.signed_in_as(&app).await.is_some());
    app.stop().await;
}

#[tokio::test]
async fn wrong_codes_from_one_address_slow_it_down_for_a_minute_and_links_still_work() {
    let (app, smtp) =
        crate::common::browser::spawn_with_smtp_and(|c| c.rate_limits.attempts_per_minute = 3)
            .await;
    // A guesser and a reader behind the same address (here: loopback, both).
    register(&app, &smtp, &Browser::new(), "kim@example.com").await;
    let guesser = Browser::new();
    let reader = Browser::new();
    for i in 0..3 {
        let res = guesser
            .submit(
                &app,
                "/sign-in/code",
                "/sign-in/code",
                &[("email", "victim@example.com"), ("code", "12345678")],
            )
            .await;
        assert_eq!(res.status(), 400, "wrong code {i}");
    }
    let res = guesser
        .submit(
            &app,
            "/sign-in/code",
            "/sign-in/code",
            &[("email", "victim@example.com"), ("code", "12345678")],
        )
        .await;
    assert_eq!(res.status(), 429);
    // Slowed down for a minute, not locked out for an hour.
    let wait: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert!(res.text().await.unwrap().contains("wait a minute"));
    // The reader sharing the address: their link works at once.
    reader
        .submit(
            &app,
            "/sign-in",
            "/sign-in",
            &[("email", "kim@example.com")],
        )
        .await;
    let mail = email_to(&smtp, "kim@example.com", 2).await;
    let res = reader
        .post_link(&app, &link_in(&mail.text), &link_in(&mail.text))
        .await;
    assert_eq!(
        res.status(),
        303,
        "a valid link is never refused by the per-IP limit"
    );
    assert_eq!(
        reader.signed_in_as(&app).await.as_deref(),
        Some("kim@example.com")
    );
    app.stop().await;
}
