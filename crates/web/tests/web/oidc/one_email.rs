//! One email for a new reader (issue 17, item 4): the sign-in form's email to an address with
//! no account carries a link that finishes registering on the page it opens (the terms and
//! the Daily Edition choice), and the person at the keyboard sees the same page whether or not
//! the address has an account.

use crate::common::browser::{Browser, csrf_of, email_to, link_in, location, spawn_with_smtp};

/// The check-email page with what differs by design (the address typed, the CSRF token) cut out.
async fn check_email_page(app: &crate::common::TestApp, b: &Browser, email: &str) -> String {
    let (status, html) = b.get(app, "/sign-in/check-email").await;
    assert_eq!(status, 200);
    html.replace(email, "ADDRESS")
        .replace(&csrf_of(&html), "CSRF")
}

#[tokio::test]
async fn a_new_reader_registers_from_the_sign_in_forms_one_email_and_the_page_tells_nothing() {
    let (app, smtp) = spawn_with_smtp().await;
    app.reader("known@example.org").await;
    let mut pages = Vec::new();
    for (form, email) in [
        ("/sign-in", "known@example.org"),
        ("/sign-in", "new@example.org"),
        ("/register", "known@example.org"),
        ("/register", "other@example.org"),
    ] {
        let b = Browser::new();
        let res = b
            .submit(
                &app,
                form,
                form,
                &[("email", email), ("return_to", "/city")],
            )
            .await;
        assert_eq!(res.status(), 303, "{form} {email}");
        assert_eq!(location(&res), "/sign-in/check-email", "{form} {email}");
        let page = check_email_page(&app, &b, email).await;
        assert!(page.contains("ADDRESS"), "{page}");
        pages.push(page);
    }
    for page in &pages[1..] {
        assert_eq!(page, &pages[0], "the same page for every address and form");
    }

    let known = email_to(&smtp, "known@example.org", 1).await;
    assert_eq!(known.subject, "Your sign-in link for The Test Tribune");
    let msg = email_to(&smtp, "new@example.org", 1).await;
    assert_eq!(msg.subject, "Finish registering at The Test Tribune");
    assert!(
        !msg.text.contains("code"),
        "a registering link has no code: {}",
        msg.text
    );
    let link = link_in(&msg.text);
    // Any browser may finish (the address is proven by the link): here, a second device.
    let b = Browser::new();
    let (status, page) = b.get(&app, &link).await;
    assert_eq!(status, 200);
    assert!(page.contains("Finish registering"), "{page}");
    assert!(page.contains("name=\"daily_edition\""), "{page}");
    assert!(page.contains("you agree to the terms"), "{page}");
    // The Daily Edition box left unticked.
    let token = link.split("token=").nth(1).unwrap();
    let res = b
        .client
        .post(app.url("/sign-in/link"))
        .form(&[
            ("csrf", csrf_of(&page).as_str()),
            ("token", token),
            ("register", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/city", "back where the reader was");
    assert_eq!(
        b.signed_in_as(&app).await.as_deref(),
        Some("new@example.org")
    );
    let reader = app
        .db
        .store
        .reader_by_email(&masthead_core::EmailAddress::parse("new@example.org").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(reader.terms_version, "2026-11", "consent recorded");
    assert!(!reader.daily_edition, "as chosen on the page");
    assert_eq!(
        b.post_link(&app, "/sign-in", &link).await.status(),
        410,
        "the link works once"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_registering_link_without_the_pages_consent_makes_no_account() {
    let (app, smtp) = spawn_with_smtp().await;
    let b = Browser::new();
    let res = b
        .submit(
            &app,
            "/sign-in",
            "/sign-in",
            &[("email", "new@example.org")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let link = link_in(&email_to(&smtp, "new@example.org", 1).await.text);
    // The link posted without the page's consent (as a bare sign-in button would).
    let res = b.post_link(&app, &link, &link).await;
    assert_eq!(res.status(), 400);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Finish registering from the link")
    );
    assert_eq!(b.signed_in_as(&app).await, None);
    // Nothing was spent: the page's button still registers.
    let (_, page) = b.get(&app, &link).await;
    assert!(page.contains("Create my account"), "{page}");
    let token = link.split("token=").nth(1).unwrap();
    let res = b
        .client
        .post(app.url("/sign-in/link"))
        .form(&[
            ("csrf", csrf_of(&page).as_str()),
            ("token", token),
            ("register", "1"),
            ("daily_edition", "on"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        b.signed_in_as(&app).await.as_deref(),
        Some("new@example.org")
    );
    app.stop().await;
}
