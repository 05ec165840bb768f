//! Linking a provider to an existing account through its email, unlinking, and the notes the
//! reader gets; emails read off a real SMTP server, the provider the real one.

use masthead_mail::testing::SmtpServer;

use super::{identities, provider, sign_in_with, start_idp};
use crate::common::{
    Browser, TestApp,
    browser::{csrf_of, email_to, link_in, location, spawn_with_smtp_and},
};

async fn spawn_smtp(issuer: &str, trusted: Option<&str>) -> (TestApp, SmtpServer) {
    let p = provider(issuer, trusted);
    spawn_with_smtp_and(move |c| c.oidc = vec![p]).await
}

#[tokio::test]
async fn an_untrusted_provider_is_linked_once_the_accounts_email_link_is_used_in_that_browser() {
    let idp = start_idp();
    let (app, smtp) = spawn_smtp(&idp.issuer, None).await;
    let old = app.reader("alice@example.org").await;
    let b = Browser::new();
    let res = sign_in_with(&app, &b, &idp, "alice").await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/sign-in/check-email");
    assert_eq!(b.signed_in_as(&app).await, None, "not before the email");
    assert!(identities(&app).await.is_empty());

    let msg = email_to(&smtp, "alice@example.org", 1).await;
    assert_eq!(msg.subject, "Link Test ID to your The Test Tribune account");
    let link = link_in(&msg.text);
    // Someone else's browser (who got hold of the email) cannot use it, and spends nothing.
    let other = Browser::new();
    let (status, page) = other.get(&app, &link).await;
    assert_eq!(status, 200);
    assert!(page.contains("links Test ID to your account"), "{page}");
    let res = other.post_link(&app, &link, &link).await;
    assert_eq!(res.status(), 403);
    assert_eq!(other.signed_in_as(&app).await, None);
    assert!(identities(&app).await.is_empty());

    let res = b.post_link(&app, &link, &link).await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        location(&res),
        "/city/harbour-cranes",
        "back where the reader was"
    );
    assert_eq!(
        b.signed_in_as(&app).await.as_deref(),
        Some("alice@example.org")
    );
    assert_eq!(identities(&app).await, [("alice".into(), "test".into())]);
    assert_eq!(
        old.signed_in_as(&app).await,
        None,
        "linking ends the other sessions"
    );
    let note = email_to(&smtp, "alice@example.org", 2).await;
    assert_eq!(
        note.subject,
        "Test ID was linked to your The Test Tribune account"
    );
    assert!(note.text.contains("unlink Test ID"), "{}", note.text);
    // The link worked once.
    let res = b.post_link(&app, "/sign-in", &link).await;
    assert_eq!(res.status(), 410);

    // From now on the provider signs in at once, in any browser.
    let later = Browser::new();
    let res = sign_in_with(&app, &later, &idp, "alice").await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/city/harbour-cranes");
    assert_eq!(
        later.signed_in_as(&app).await.as_deref(),
        Some("alice@example.org")
    );
    app.stop().await;
}

#[tokio::test]
async fn a_link_email_sent_again_still_links_and_the_first_no_longer_works() {
    let idp = start_idp();
    let (app, smtp) = spawn_smtp(&idp.issuer, None).await;
    app.reader("bob@example.org").await;
    let b = Browser::new();
    let res = sign_in_with(&app, &b, &idp, "bob").await;
    assert_eq!(location(&res), "/sign-in/check-email");
    let first = link_in(&email_to(&smtp, "bob@example.org", 1).await.text);
    let res = b
        .submit(&app, "/sign-in/check-email", "/sign-in/resend", &[])
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = b.get(&app, &location(&res)).await;
    assert!(page.contains("links Test ID to your account"), "{page}");
    let second = email_to(&smtp, "bob@example.org", 2).await;
    assert_eq!(
        second.subject,
        "Link Test ID to your The Test Tribune account"
    );
    let again = link_in(&second.text);
    let res = b.post_link(&app, &again, &again).await;
    assert_eq!(res.status(), 303);
    assert_eq!(identities(&app).await, [("bob".into(), "test".into())]);
    let res = b.post_link(&app, "/sign-in", &first).await;
    assert_eq!(res.status(), 410, "the first email's link was replaced");
    app.stop().await;
}

/// POSTs the account page's unlink form for the first linked provider.
async fn unlink(app: &TestApp, b: &Browser, subject: &str) -> reqwest::Response {
    let (_, page) = b.get(app, "/account").await;
    let issuer = page
        .split("name=\"issuer\" value=\"")
        .nth(1)
        .map(|s| s.split('"').next().unwrap().to_owned())
        .unwrap_or_default();
    b.client
        .post(app.url("/account/providers/unlink"))
        .form(&[
            ("csrf", csrf_of(&page).as_str()),
            ("issuer", issuer.replace("&#x2f;", "/").as_str()),
            ("subject", subject),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn unlinking_is_refused_for_the_last_way_in_until_the_address_is_proven() {
    let idp = start_idp();
    let (app, smtp) = spawn_smtp(&idp.issuer, None).await;
    // A new reader made through the provider: our email never reached the address.
    let b = Browser::new();
    let res = sign_in_with(&app, &b, &idp, "alice").await;
    assert_eq!(location(&res), "/sign-in/oidc/welcome");
    let res = b
        .submit(
            &app,
            "/sign-in/oidc/welcome",
            "/sign-in/oidc/welcome",
            &[("daily_edition", "on")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = b.get(&app, "/account").await;
    assert!(!page.contains("Unlink Test ID"), "{page}");
    assert!(
        page.contains("To be able to unlink it, sign in once with your email address"),
        "{page}"
    );
    // The form forged anyway: refused, nothing changed.
    let issuer = idp.issuer.clone();
    let res = b
        .client
        .post(app.url("/account/providers/unlink"))
        .form(&[
            ("csrf", csrf_of(&page).as_str()),
            ("issuer", issuer.as_str()),
            ("subject", "alice"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Sign in by email once first")
    );
    assert_eq!(identities(&app).await.len(), 1);

    // Signing in once by email proves the address (in another browser).
    let phone = Browser::new();
    let res = phone
        .submit(
            &app,
            "/sign-in",
            "/sign-in",
            &[("email", "alice@example.org")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let link = link_in(&email_to(&smtp, "alice@example.org", 1).await.text);
    assert_eq!(phone.post_link(&app, &link, &link).await.status(), 303);
    assert!(phone.signed_in_as(&app).await.is_some());

    // No CSRF proof: refused. Someone else's identity: not found.
    let res = b
        .client
        .post(app.url("/account/providers/unlink"))
        .form(&[("issuer", issuer.as_str()), ("subject", "alice")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = unlink(&app, &b, "bob").await;
    assert_eq!(res.status(), 404);
    assert_eq!(identities(&app).await.len(), 1);

    let (_, page) = b.get(&app, "/account").await;
    assert!(page.contains("Unlink Test ID"), "{page}");
    let res = unlink(&app, &b, "alice").await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/account?notice=provider-unlinked");
    assert!(identities(&app).await.is_empty());
    assert!(
        b.signed_in_as(&app).await.is_some(),
        "this browser stays signed in"
    );
    assert_eq!(
        phone.signed_in_as(&app).await,
        None,
        "the others are signed out"
    );
    let note = email_to(&smtp, "alice@example.org", 2).await;
    assert_eq!(
        note.subject,
        "Test ID was unlinked from your The Test Tribune account"
    );

    // The provider no longer signs in to the account: its address exists, so it asks the email.
    let later = Browser::new();
    let res = sign_in_with(&app, &later, &idp, "alice").await;
    assert_eq!(location(&res), "/sign-in/check-email");
    assert_eq!(later.signed_in_as(&app).await, None);
    app.stop().await;
}
