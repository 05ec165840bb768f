//! The opt-in and its script in a real browser: Debian's chromium, driven by chromedriver
//! (WebDriver over HTTP, with the DevTools protocol through chromedriver's `goog/cdp/execute`
//! to grant the notification permission, as a reader's click on "Allow" would).
//!
//! Chromium cannot reach a real push service here (no FCM), so its own `pushManager.subscribe`
//! fails; the test first checks that the page says so instead of pretending, then gives the
//! page a stand-in for the browser's push service (`PushManager.prototype.subscribe` answering
//! with a subscription whose keys the test's push service holds) and follows the rest for real:
//! the page's script, the service worker's registration, the POST, the server's validation and
//! storage, "You're subscribed". Then it delivers an alert to that subscription.

use std::{
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use masthead_push::{PushServices, testing::PushService};
use serde_json::{Value, json};

use crate::common::spawn_app_with;

const ARTICLE: &str = "/city/harbour-crane-lifts-a-record-load";

struct Driver {
    child: Child,
    base: String,
    session: String,
    http: reqwest::Client,
    _profile: tempfile::TempDir,
}

impl Driver {
    async fn start() -> Self {
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
            .expect("chromedriver (apt-get install chromium chromium-driver; .ci/run does)");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        while http.get(format!("{base}/status")).send().await.is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        let caps = json!({ "capabilities": { "alwaysMatch": { "goog:chromeOptions": { "args": [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--window-size=1280,1600",
            format!("--user-data-dir={}", profile.path().display()),
        ] } } } });
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

    async fn call(&self, path: &str, body: Value) -> Value {
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

    async fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.call("/goog/cdp/execute", json!({ "cmd": cmd, "params": params }))
            .await
    }

    async fn goto(&self, url: &str) {
        self.call("/url", json!({ "url": url })).await;
    }

    async fn js(&self, script: &str) -> Value {
        self.call("/execute/sync", json!({ "script": script, "args": [] }))
            .await
    }

    /// Clicks as a reader would: WebDriver's element click, which scrolls the element into
    /// view and fails if something covers it.
    async fn click(&self, css: &str) {
        // In the middle of the window, clear of the sticky site header.
        self.js(&format!(
            "document.querySelector({}).scrollIntoView({{block: 'center'}});",
            json!(css)
        ))
        .await;
        let el = self
            .call("/element", json!({ "using": "css selector", "value": css }))
            .await;
        let id = el
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(|v| v.as_str())
            .unwrap_or_else(|| panic!("no element {css}: {el}"))
            .to_owned();
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

    /// Waits until the opt-in's state is one of `states`; returns it.
    async fn state(&self, states: &[&str]) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let s = self
                .js("var b = document.getElementById('push-optin'); return b ? (b.dataset.state || '') : 'absent';")
                .await;
            let s = s.as_str().unwrap_or_default().to_owned();
            if states.contains(&s.as_str()) {
                return s;
            }
            if Instant::now() >= deadline {
                let seen = self
                    .js("var b = document.getElementById('push-optin'); return JSON.stringify({data: b.dataset, error: b.querySelector('.push-error').textContent, permission: Notification.permission});")
                    .await;
                panic!("opt-in state {s:?}, waiting for {states:?}: {seen}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn the_opt_in_subscribes_in_a_real_browser() {
    let service = PushService::start();
    let origin = service.origin();
    let app = spawn_app_with(move |c| {
        c.push.services = PushServices::parse(&format!("fcm.googleapis.com,{origin}")).unwrap();
    })
    .await;
    let driver = Driver::start().await;
    let site = app.url("");
    driver
        .cdp(
            "Browser.grantPermissions",
            json!({ "origin": site, "permissions": ["notifications"] }),
        )
        .await;
    driver.goto(&app.url(ARTICLE)).await;
    assert_eq!(driver.state(&["ready"]).await, "ready");
    let visible = driver
        .js("return !document.getElementById('push-optin').hidden && document.body.innerText.indexOf('Never miss breaking news') >= 0;")
        .await;
    assert_eq!(visible, json!(true));
    // Tick the section as well as breaking news.
    driver.click("input[value='section:city']").await;
    driver.click(".push-subscribe").await;
    let state = driver.state(&["subscribed", "failed"]).await;
    let stored = app.db.store.push_topic_counts().await.unwrap();
    if state == "failed" {
        // No push service reachable from here: the page says so and the server has nothing.
        let error = driver
            .js("return document.querySelector('.push-error').textContent;")
            .await;
        assert!(!error.as_str().unwrap_or_default().is_empty());
        assert!(stored.is_empty(), "{stored:?}");

        // The stand-in for the browser's push service: a subscription whose private key the
        // test's push service holds.
        let sub = service.subscription("browser", json!([]), None).await;
        let stand_in = format!(
            "(function () {{ var json = {json}; var current = null;
               PushManager.prototype.subscribe = function () {{
                 current = {{ endpoint: json.endpoint, toJSON: function () {{ return json; }},
                              unsubscribe: function () {{ current = null; return Promise.resolve(true); }} }};
                 return Promise.resolve(current); }};
               PushManager.prototype.getSubscription = function () {{ return Promise.resolve(current); }};
             }})();",
            json = sub.to_json()
        );
        driver
            .cdp(
                "Page.addScriptToEvaluateOnNewDocument",
                json!({ "source": stand_in }),
            )
            .await;
        driver.goto(&app.url(ARTICLE)).await;
        driver.state(&["ready"]).await;
        driver.click("input[value='section:city']").await;
        driver.click(".push-subscribe").await;
        assert_eq!(driver.state(&["subscribed", "failed"]).await, "subscribed");
        let topics = app
            .db
            .store
            .push_subscription_topics(&sub.endpoint)
            .await
            .unwrap();
        assert_eq!(
            topics,
            Some(vec!["breaking".to_owned(), "section:city".to_owned()])
        );
    } else {
        assert_eq!(stored.len(), 2, "{stored:?}");
    }
    let text = driver.js("return document.body.innerText;").await;
    assert!(
        text.as_str().unwrap().contains("You're subscribed"),
        "{text}"
    );
    // The service worker is registered and active.
    let active = driver
        .call(
            "/execute/async",
            json!({ "script": "var done = arguments[0]; navigator.serviceWorker.getRegistration('/static/').then(function (r) { done(!!(r && r.active)); });", "args": [] }),
        )
        .await;
    assert_eq!(active, json!(true));
    // Stopping notifications deletes the subscription on the server.
    driver.click(".push-unsubscribe").await;
    driver.state(&["unsubscribed"]).await;
    assert!(app.db.store.push_topic_counts().await.unwrap().is_empty());
    app.stop().await;
}
