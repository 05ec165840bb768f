//! The flow against the real provider: first sign-ins, existing readers, bad callbacks.

use super::{identities, log_in_at_idp, press_button, sign_in_with, spawn, start_idp};
use crate::common::{Browser, TestApp, browser::location};

async fn flows(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM oidc_flows")
        .fetch_one(app.db.store.reader())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_new_reader_registers_on_the_confirmation_page_and_signs_in_again() {
    let idp = start_idp();
    let app = spawn(&idp.issuer, None).await;
    let b = Browser::new();
    let res = sign_in_with(&app, &b, &idp, "alice").await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/sign-in/oidc/welcome");
    assert_eq!(
        b.signed_in_as(&app).await,
        None,
        "no account before consent"
    );
    let res = b
        .submit(&app, "/sign-in/oidc/welcome", "/sign-in/oidc/welcome", &[])
        .await;
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
    let reader = app
        .db
        .store
        .reader_by_email(&masthead_core::EmailAddress::parse("alice@example.org").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(!reader.daily_edition, "the box was left unticked");
    assert_eq!(reader.terms_version, "2026-11");
    assert_eq!(identities(&app).await, [("alice".into(), "test".into())]);
    let (_, account) = b.get(&app, "/account").await;
    assert!(account.contains("Signed in with"), "{account}");
    assert!(
        account.contains("<li>Test ID (alice@example.org)"),
        "{account}"
    );
    // The welcome page was spent.
    let (status, _) = b.get(&app, "/sign-in/oidc/welcome").await;
    assert_eq!(status, 410);

    // Next time the identity signs in at once, in another browser.
    let other = Browser::new();
    let res = sign_in_with(&app, &other, &idp, "alice").await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/city/harbour-cranes");
    assert_eq!(
        other.signed_in_as(&app).await.as_deref(),
        Some("alice@example.org")
    );
    app.stop().await;
}

#[tokio::test]
async fn an_existing_reader_is_linked_only_when_the_provider_is_trusted_and_says_verified() {
    let idp = start_idp();
    let app = spawn(&idp.issuer, Some("example.org")).await;
    let old = app.reader("alice@example.org").await;
    assert!(old.signed_in_as(&app).await.is_some());
    let b = Browser::new();
    let res = sign_in_with(&app, &b, &idp, "alice").await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    assert_eq!(location(&res), "/city/harbour-cranes");
    assert_eq!(
        b.signed_in_as(&app).await.as_deref(),
        Some("alice@example.org")
    );
    assert_eq!(identities(&app).await.len(), 1);
    assert_eq!(
        old.signed_in_as(&app).await,
        None,
        "linking ends the other sessions"
    );
    let notes: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'send_identity_notice'")
            .fetch_one(app.db.store.reader())
            .await
            .unwrap();
    assert_eq!(notes, 1, "the reader is told of the link");

    // dave: email_verified the string "true": not a token we accept at all.
    app.reader("dave@example.org").await;
    let b = Browser::new();
    let res = sign_in_with(&app, &b, &idp, "dave").await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("href=\"/sign-in\""));
    assert_eq!(b.signed_in_as(&app).await, None);
    // bob: email_verified false; carol: absent. Neither is linked at once: each is sent to
    // "Check your email" (the account's address decides, linking.rs).
    for account in ["bob", "carol"] {
        app.reader(&format!("{account}@example.org")).await;
        let b = Browser::new();
        let res = sign_in_with(&app, &b, &idp, account).await;
        assert_eq!(res.status(), 303, "{account}");
        assert_eq!(location(&res), "/sign-in/check-email", "{account}");
        let (_, html) = b.get(&app, "/sign-in/check-email").await;
        assert!(
            html.contains("links Test ID to your account"),
            "{account}: {html}"
        );
        assert_eq!(b.signed_in_as(&app).await, None, "{account}");
    }
    assert_eq!(identities(&app).await.len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn a_new_address_the_provider_has_not_verified_gets_no_account() {
    let idp = start_idp();
    let app = spawn(&idp.issuer, None).await;
    // bob: email_verified false; carol: absent; dave: the string "true".
    for account in ["bob", "carol", "dave"] {
        let b = Browser::new();
        let res = sign_in_with(&app, &b, &idp, account).await;
        assert_eq!(res.status(), 400, "{account}");
        let html = res.text().await.unwrap();
        if account == "dave" {
            // A string where the claim is a boolean: the token itself is refused.
            assert!(
                html.contains("We could not sign you in"),
                "{account}: {html}"
            );
        } else {
            assert!(
                html.contains("has not confirmed your email"),
                "{account}: {html}"
            );
        }
        assert!(
            html.contains("href=\"/sign-in\""),
            "{account}: offers email"
        );
        assert_eq!(b.signed_in_as(&app).await, None, "{account}");
    }
    let readers: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM readers")
        .fetch_one(app.db.store.reader())
        .await
        .unwrap();
    assert_eq!(readers, 0);
    app.stop().await;
}

#[tokio::test]
async fn state_mismatch_replay_and_bad_callbacks_get_a_page_with_the_email_way() {
    let idp = start_idp();
    let app = spawn(&idp.issuer, None).await;
    let b = Browser::new();
    let res = press_button(&app, &b, "/").await;
    let auth = location(&res);
    let callback = log_in_at_idp(&app, &b, &idp, &auth, "alice").await;
    let state = callback
        .split("state=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    let code = callback
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();

    let huge = "a".repeat(100_000);
    let bad = [
        format!(
            "/sign-in/oidc/test/callback?code={code}&state={}",
            masthead_core::secret::random_token()
        ),
        format!("/sign-in/oidc/test/callback?code={code}"),
        format!(
            "/sign-in/oidc/test/callback?code={code}&state={}",
            &huge[..4000]
        ),
        "/sign-in/oidc/test/callback".to_owned(),
        format!("/sign-in/oidc/nope/callback?code={code}&state={state}"),
        // A huge state: refused before any look-up, nothing stored.
        format!(
            "/sign-in/oidc/test/callback?code={code}&state={}",
            &huge[..30_000]
        ),
        format!(
            "/sign-in/oidc/test/callback?code={}&state={state}x",
            &huge[..30_000]
        ),
    ];
    let flows_before = flows(&app).await;
    for path in &bad {
        let res = b.client.get(app.url(path)).send().await.unwrap();
        let status = res.status().as_u16();
        let html = res.text().await.unwrap();
        assert!((400..500).contains(&status), "{path}: {status}");
        assert!(html.contains("href=\"/sign-in\""), "{path}: {html}");
    }
    assert_eq!(
        flows(&app).await,
        flows_before,
        "bad callbacks store nothing"
    );
    // Another browser cannot finish this browser's sign-in (and it is spent by trying).
    let thief = Browser::new();
    let res = thief.client.get(&callback).send().await.unwrap();
    assert_eq!(res.status(), 400);
    let res = b.client.get(&callback).send().await.unwrap();
    assert_eq!(res.status(), 400, "a state works once");
    assert_eq!(b.signed_in_as(&app).await, None);

    // A fresh flow without its code.
    let res = press_button(&app, &b, "/").await;
    let auth = location(&res);
    let callback = log_in_at_idp(&app, &b, &idp, &auth, "alice").await;
    let no_code = callback.split("code=").next().unwrap().to_owned()
        + &callback
            .split('&')
            .filter(|p| p.starts_with("state="))
            .collect::<Vec<_>>()
            .join("&");
    let res = b.client.get(&no_code).send().await.unwrap();
    assert_eq!(res.status(), 400, "{no_code}");
    assert!(res.text().await.unwrap().contains("sent no sign-in code"));
    app.stop().await;
}

#[tokio::test]
async fn a_provider_that_is_down_gets_a_page_offering_email() {
    // A port nothing listens on: bound, then closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = spawn(&format!("http://127.0.0.1:{port}"), None).await;
    let b = Browser::new();
    let res = press_button(&app, &b, "/").await;
    assert_eq!(res.status(), 400);
    let html = res.text().await.unwrap();
    assert!(html.contains("We could not reach Test ID"), "{html}");
    assert!(html.contains("href=\"/sign-in\""), "{html}");
    app.stop().await;
}
