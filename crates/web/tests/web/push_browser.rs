//! The opt-in and its script in a real browser: Debian's chromium, driven by chromedriver
//! (`crate::chromium`: WebDriver over HTTP, with the DevTools protocol through chromedriver's `goog/cdp/execute`
//! to grant the notification permission, as a reader's click on "Allow" would).
//!
//! Chromium cannot reach a real push service here (no FCM), so its own `pushManager.subscribe`
//! fails; the test first checks that the page says so instead of pretending, then gives the
//! page a stand-in for the browser's push service (`PushManager.prototype.subscribe` answering
//! with a subscription whose keys the test's push service holds) and follows the rest for real:
//! the page's script, the service worker's registration, the POST, the server's validation and
//! storage, "You're subscribed". Then it delivers an alert to that subscription.

use std::time::{Duration, Instant};

use masthead_push::{PushServices, testing::PushService};
use serde_json::json;

use crate::{chromium::Chromium, common::spawn_app_with};

const ARTICLE: &str = "/city/harbour-crane-lifts-a-record-load";

/// Waits until the opt-in's state is one of `states`; returns it.
async fn state(driver: &Chromium, states: &[&str]) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let s = driver
            .js("var b = document.getElementById('push-optin'); return b ? (b.dataset.state || '') : 'absent';")
            .await;
        let s = s.as_str().unwrap_or_default().to_owned();
        if states.contains(&s.as_str()) {
            return s;
        }
        if Instant::now() >= deadline {
            let seen = driver
                .js("var b = document.getElementById('push-optin'); return JSON.stringify({data: b.dataset, error: b.querySelector('.push-error').textContent, permission: Notification.permission});")
                .await;
            panic!("opt-in state {s:?}, waiting for {states:?}: {seen}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
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
    let driver = Chromium::start().await;
    let site = app.url("");
    driver
        .cdp(
            "Browser.grantPermissions",
            json!({ "origin": site, "permissions": ["notifications"] }),
        )
        .await;
    driver.goto(&app.url(ARTICLE)).await;
    assert_eq!(state(&driver, &["ready"]).await, "ready");
    let visible = driver
        .js("return !document.getElementById('push-optin').hidden && document.body.innerText.indexOf('Never miss breaking news') >= 0;")
        .await;
    assert_eq!(visible, json!(true));
    // Tick the section as well as breaking news.
    driver.click("input[value='section:city']").await;
    driver.click(".push-subscribe").await;
    let outcome = state(&driver, &["subscribed", "failed"]).await;
    let stored = app.db.store.push_topic_counts().await.unwrap();
    if outcome == "failed" {
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
        state(&driver, &["ready"]).await;
        driver.click("input[value='section:city']").await;
        driver.click(".push-subscribe").await;
        assert_eq!(
            state(&driver, &["subscribed", "failed"]).await,
            "subscribed"
        );
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
    state(&driver, &["unsubscribed"]).await;
    assert!(app.db.store.push_topic_counts().await.unwrap().is_empty());
    app.stop().await;
}
