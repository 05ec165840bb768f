//! "Or continue with" against a real OpenID provider on loopback: npm's `oidc-provider`
//! (`crates/web/tests/oidc-provider/server.js`, installed by `npm ci` there), its dev login
//! and consent forms driven over HTTP by the test's browser.
//!
//! The app's public URL stays `http://127.0.0.1:8080` (the redirect URI it registers); the
//! browser follows the provider's redirect to that URI on the test app's own port.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
};

use masthead_web::oidc::{OidcProvider, OidcSettings};

use crate::common::{
    Browser, TestApp,
    browser::{csrf_of, location},
    spawn_app_with,
};

const PUBLIC: &str = "http://127.0.0.1:8080";

/// The provider process; killed when dropped.
struct Idp {
    child: Child,
    issuer: String,
}

impl Drop for Idp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_idp() -> Idp {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc-provider");
    assert!(
        dir.join("node_modules/oidc-provider").exists(),
        "run `npm ci` in {} first (.ci/run does)",
        dir.display()
    );
    let mut child = Command::new("node")
        .arg("server.js")
        .current_dir(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node runs");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    // Keep reading what it prints: a closed pipe would end it at its next line.
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    let port = line
        .trim()
        .strip_prefix("listening ")
        .unwrap_or_else(|| panic!("provider said {line:?}"));
    Idp {
        child,
        issuer: format!("http://127.0.0.1:{port}"),
    }
}

fn provider(issuer: &str, trusted: Option<&str>) -> OidcProvider {
    OidcProvider::from_settings(
        "test",
        &OidcSettings {
            issuer: Some(issuer.into()),
            client_id: Some("masthead".into()),
            client_secret: Some("masthead-secret".into()),
            name: Some("Test ID".into()),
            trusted_domains: trusted.map(str::to_owned),
            ..Default::default()
        },
    )
    .unwrap()
}

async fn spawn(issuer: &str, trusted: Option<&str>) -> TestApp {
    let p = provider(issuer, trusted);
    spawn_app_with(move |c| c.oidc = vec![p]).await
}

/// Presses "Continue with Test ID" on the sign-in page (returning to `return_to`).
async fn press_button(app: &TestApp, b: &Browser, return_to: &str) -> reqwest::Response {
    let (status, html) = b.get(app, "/register").await;
    assert_eq!(status, 200);
    assert!(html.contains("Continue with Test ID"), "{html}");
    let (status, html) = b.get(app, "/sign-in").await;
    assert_eq!(status, 200);
    assert!(html.contains("Continue with Test ID"), "{html}");
    assert!(html.contains("action=\"/sign-in/oidc/test\""), "{html}");
    b.client
        .post(app.url("/sign-in/oidc/test"))
        .form(&[("csrf", csrf_of(&html).as_str()), ("return_to", return_to)])
        .send()
        .await
        .unwrap()
}

/// Signs in at the provider as `account` and returns the callback URL it redirects to (on the
/// test app's port).
async fn log_in_at_idp(
    app: &TestApp,
    b: &Browser,
    idp: &Idp,
    auth_url: &str,
    account: &str,
) -> String {
    let mut url = auth_url.to_owned();
    for _ in 0..12 {
        if let Some(rest) = url.strip_prefix(PUBLIC) {
            return app.url(rest);
        }
        let res = b.client.get(&url).send().await.unwrap();
        let status = res.status().as_u16();
        let next = if (300..400).contains(&status) {
            location(&res)
        } else {
            assert_eq!(status, 200, "{url}");
            let html = res.text().await.unwrap();
            let action = html
                .split("action=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .unwrap_or_else(|| panic!("no form at {url}: {html}"))
                .to_owned();
            let action = if action.starts_with('/') {
                format!("{}{action}", idp.issuer)
            } else {
                action
            };
            let form: Vec<(&str, &str)> = if html.contains("name=\"login\"") {
                vec![("prompt", "login"), ("login", account), ("password", "any")]
            } else {
                vec![("prompt", "consent")]
            };
            let res = b.client.post(&action).form(&form).send().await.unwrap();
            assert!(res.status().is_redirection(), "{action}: {}", res.status());
            location(&res)
        };
        url = if next.starts_with('/') {
            format!("{}{next}", idp.issuer)
        } else {
            next
        };
    }
    panic!("the provider never redirected back");
}

/// The whole dance up to the callback's answer.
async fn sign_in_with(app: &TestApp, b: &Browser, idp: &Idp, account: &str) -> reqwest::Response {
    let res = press_button(app, b, "/city/harbour-cranes").await;
    assert_eq!(res.status(), 303);
    let auth = location(&res);
    assert!(auth.starts_with(&idp.issuer), "{auth}");
    assert!(auth.contains("code_challenge_method=S256"), "{auth}");
    assert!(auth.contains("nonce="), "{auth}");
    let callback = log_in_at_idp(app, b, idp, &auth, account).await;
    b.client.get(&callback).send().await.unwrap()
}

async fn identities(app: &TestApp) -> Vec<(String, String)> {
    sqlx::query_as("SELECT subject, provider FROM identities ORDER BY subject")
        .fetch_all(app.db.store.reader())
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
        account.contains("<li>Test ID (alice@example.org)</li>"),
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

    // bob: email_verified false; carol: absent; dave: the string "true". None is linked.
    for account in ["bob", "carol", "dave"] {
        app.reader(&format!("{account}@example.org")).await;
        let b = Browser::new();
        let res = sign_in_with(&app, &b, &idp, account).await;
        let status = res.status().as_u16();
        let html = res.text().await.unwrap();
        assert!((400..500).contains(&status), "{account}: {status}");
        assert!(
            html.contains("href=\"/sign-in\""),
            "{account}: offers email: {html}"
        );
        assert_eq!(b.signed_in_as(&app).await, None, "{account}");
    }
    assert_eq!(identities(&app).await.len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn an_untrusted_provider_does_not_link_an_existing_account() {
    let idp = start_idp();
    let app = spawn(&idp.issuer, None).await;
    app.reader("alice@example.org").await;
    let b = Browser::new();
    let res = sign_in_with(&app, &b, &idp, "alice").await;
    assert_eq!(res.status(), 409);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("sign in with your email address first"),
        "{html}"
    );
    assert!(identities(&app).await.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn a_new_address_the_provider_has_not_verified_gets_no_account() {
    let idp = start_idp();
    let app = spawn(&idp.issuer, None).await;
    let b = Browser::new();
    let res = sign_in_with(&app, &b, &idp, "bob").await;
    assert_eq!(res.status(), 400);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("has not confirmed your email")
    );
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
    ];
    for path in &bad {
        let res = b.client.get(app.url(path)).send().await.unwrap();
        let status = res.status().as_u16();
        let html = res.text().await.unwrap();
        assert!((400..500).contains(&status), "{path}: {status}");
        assert!(html.contains("href=\"/sign-in\""), "{path}: {html}");
    }
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
