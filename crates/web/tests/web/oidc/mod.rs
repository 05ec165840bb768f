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

mod fake;
mod flow;
mod linking;
mod misbehaving;
mod one_email;
mod staff;
mod wall;

pub const PUBLIC: &str = "http://127.0.0.1:8080";

/// The provider process; killed when dropped.
pub struct Idp {
    child: Child,
    pub issuer: String,
}

impl Drop for Idp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn start_idp() -> Idp {
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

pub fn provider(issuer: &str, trusted: Option<&str>) -> OidcProvider {
    provider_as("test", "Test ID", issuer, trusted)
}

/// A provider `id` labelled `name` (the client `masthead` of the provider at `issuer`).
pub fn provider_as(id: &str, name: &str, issuer: &str, trusted: Option<&str>) -> OidcProvider {
    OidcProvider::from_settings(
        id,
        &OidcSettings {
            issuer: Some(issuer.into()),
            client_id: Some("masthead".into()),
            client_secret: Some("masthead-secret".into()),
            name: Some(name.into()),
            trusted_domains: trusted.map(str::to_owned),
            ..Default::default()
        },
    )
    .unwrap()
}

pub async fn spawn(issuer: &str, trusted: Option<&str>) -> TestApp {
    let p = provider(issuer, trusted);
    spawn_app_with(move |c| c.oidc = vec![p]).await
}

/// Presses "Continue with Test ID" on the sign-in page (returning to `return_to`).
pub async fn press_button(app: &TestApp, b: &Browser, return_to: &str) -> reqwest::Response {
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
pub async fn log_in_at_idp(
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
pub async fn sign_in_with(
    app: &TestApp,
    b: &Browser,
    idp: &Idp,
    account: &str,
) -> reqwest::Response {
    let res = press_button(app, b, "/city/harbour-cranes").await;
    assert_eq!(res.status(), 303);
    let auth = location(&res);
    assert!(auth.starts_with(&idp.issuer), "{auth}");
    assert!(auth.contains("code_challenge_method=S256"), "{auth}");
    assert!(auth.contains("nonce="), "{auth}");
    let callback = log_in_at_idp(app, b, idp, &auth, account).await;
    b.client.get(&callback).send().await.unwrap()
}

pub async fn identities(app: &TestApp) -> Vec<(String, String)> {
    sqlx::query_as("SELECT subject, provider FROM identities ORDER BY subject")
        .fetch_all(app.db.store.reader())
        .await
        .unwrap()
}
