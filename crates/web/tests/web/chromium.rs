//! A real browser for the tests: Debian's chromium, headless, driven by chromedriver over
//! WebDriver (HTTP), with the DevTools protocol reached through chromedriver's
//! `goog/cdp/execute` where WebDriver has no command (permissions, script switched off).
//!
//! Each [`Chromium`] is its own chromedriver process and browser profile, ended when dropped.
//! Installed by `.ci/test-tools` (`chromium`, `chromium-driver`).

use std::{
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use serde_json::{Value, json};

use crate::common::TestApp;

pub struct Chromium {
    child: Child,
    base: String,
    session: String,
    http: reqwest::Client,
    _profile: tempfile::TempDir,
}

/// How long waits for the page last before the test fails, saying what it saw.
const PATIENCE: Duration = Duration::from_secs(30);

impl Chromium {
    /// A headless chromium with script on.
    pub async fn start() -> Self {
        Self::start_with(&[]).await
    }

    /// A headless chromium with extra command-line switches.
    pub async fn start_with(extra: &[&str]) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver (apt-get install chromium chromium-driver; .ci/test-tools does)");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        while http.get(format!("{base}/status")).send().await.is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        let mut args: Vec<String> = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--window-size=1280,1600",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        let caps = json!({ "capabilities": { "alwaysMatch": { "goog:chromeOptions": { "args": args } } } });
        let res: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = res["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {res}"))
            .to_owned();
        Self {
            child,
            base,
            session,
            http,
            _profile: profile,
        }
    }

    /// A WebDriver command of this session (POST); its `value`.
    pub async fn call(&self, path: &str, body: Value) -> Value {
        let res: Value = self
            .http
            .post(format!("{}/session/{}{path}", self.base, self.session))
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        res["value"].clone()
    }

    /// A WebDriver GET of this session; its `value`.
    pub async fn get(&self, path: &str) -> Value {
        let res: Value = self
            .http
            .get(format!("{}/session/{}{path}", self.base, self.session))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        res["value"].clone()
    }

    /// A DevTools protocol command.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.call("/goog/cdp/execute", json!({ "cmd": cmd, "params": params }))
            .await
    }

    pub async fn goto(&self, url: &str) {
        self.call("/url", json!({ "url": url })).await;
    }

    pub async fn current_url(&self) -> String {
        self.get("/url")
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Runs `script` in the page (WebDriver's execute, which works with the page's own script
    /// switched off); returns what it returns.
    pub async fn js(&self, script: &str) -> Value {
        self.call("/execute/sync", json!({ "script": script, "args": [] }))
            .await
    }

    /// Runs an async script: it calls `arguments[0]` with its result.
    pub async fn js_async(&self, script: &str) -> Value {
        self.call("/execute/async", json!({ "script": script, "args": [] }))
            .await
    }

    async fn element(&self, css: &str) -> String {
        let el = self
            .call("/element", json!({ "using": "css selector", "value": css }))
            .await;
        el.as_object()
            .and_then(|o| o.values().next())
            .and_then(|v| v.as_str())
            .unwrap_or_else(|| panic!("no element {css}: {el}"))
            .to_owned()
    }

    /// Clicks as a person would: WebDriver's element click, which scrolls the element into view
    /// and fails if something covers it.
    pub async fn click(&self, css: &str) {
        self.js(&format!(
            "document.querySelector({}).scrollIntoView({{block: 'center'}});",
            json!(css)
        ))
        .await;
        let id = self.element(css).await;
        let res = self.call(&format!("/element/{id}/click"), json!({})).await;
        if !res.is_null() {
            // Headless chromium's hit test misplaces elements far down a long page; the DOM
            // click runs the same handlers.
            eprintln!(
                "WebDriver click on {css} refused ({}); clicking through the DOM",
                res["error"]
            );
            self.js(&format!("document.querySelector({}).click();", json!(css)))
                .await;
        }
    }

    /// Types `text` into the field, key by key (the page's input events fire as for a person).
    pub async fn type_into(&self, css: &str, text: &str) {
        let id = self.element(css).await;
        let res = self
            .call(&format!("/element/{id}/value"), json!({ "text": text }))
            .await;
        assert!(res.is_null(), "typing into {css}: {res}");
    }

    /// Waits until `predicate` (a script's expression) is true; panics with `explain`'s value.
    pub async fn wait_for(&self, predicate: &str, explain: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if self.js(&format!("return !!({predicate});")).await == json!(true) {
                return;
            }
            if Instant::now() >= deadline {
                let seen = self.js(&format!("return {explain};")).await;
                panic!("waited for {predicate}: {seen}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the page's text contains `text`.
    pub async fn wait_for_text(&self, text: &str) {
        self.wait_for(
            &format!(
                "document.body && document.body.innerText.indexOf({}) >= 0",
                json!(text)
            ),
            "location.href + '\\n' + (document.body ? document.body.innerText : '')",
        )
        .await;
    }

    /// Sets a cookie for the app's site (the browser must be on one of its pages).
    pub async fn set_cookie(&self, name: &str, value: &str) {
        let res = self
            .call(
                "/cookie",
                json!({ "cookie": { "name": name, "value": value, "path": "/", "httpOnly": true } }),
            )
            .await;
        assert!(res.is_null(), "setting cookie {name}: {res}");
    }

    /// Deletes every cookie of the current site (a signed-out browser).
    pub async fn delete_cookies(&self) {
        self.http
            .delete(format!("{}/session/{}/cookie", self.base, self.session))
            .send()
            .await
            .unwrap();
    }

    /// Opens the app's front page at `base` and signs this browser in as a staff member with a
    /// session made in the store (for tests whose subject is not signing in).
    pub async fn sign_in_as_staff(
        &self,
        app: &TestApp,
        base: &str,
        email: &str,
        role: masthead_core::Role,
    ) {
        let token = app.staff_session_token(email, role).await;
        self.goto(&format!("{base}/robots.txt")).await;
        self.set_cookie("mh_session", &token).await;
    }

    /// Adds a virtual authenticator (WebDriver's WebAuthn extension): a platform authenticator
    /// with resident keys that verifies its user. Returns its id.
    pub async fn add_virtual_authenticator(&self) -> String {
        let id = self
            .call(
                "/webauthn/authenticator",
                json!({ "protocol": "ctap2", "transport": "internal", "hasResidentKey": true,
                        "hasUserVerification": true, "isUserVerified": true }),
            )
            .await;
        id.as_str()
            .unwrap_or_else(|| panic!("no virtual authenticator: {id}"))
            .to_owned()
    }

    /// The credentials a virtual authenticator holds.
    pub async fn authenticator_credentials(&self, authenticator: &str) -> Vec<Value> {
        let v = self
            .get(&format!(
                "/webauthn/authenticator/{authenticator}/credentials"
            ))
            .await;
        v.as_array().cloned().unwrap_or_default()
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
