//! Web Push end to end: browsers' subscriptions through the public routes, alerts fanned out
//! by the real job kinds, delivered over HTTP to an independent push service (Python with
//! Mozilla's http_ece and py_vapid: `masthead_push::testing`) that verifies VAPID and decrypts
//! every message with the subscription's private key.

use masthead_jobs::push::{Composed, compose_alert};
use masthead_push::{
    PushServices,
    testing::{PushService, TestSubscription},
};
use masthead_store::testing::jobs_of_kind;
use serde_json::{Value, json};

use crate::common::{TestApp, spawn_app_with};

const HARBOUR: &str = "harbour-crane-lifts-a-record-load";

async fn spawn_with_push(service: &PushService) -> TestApp {
    let origin = service.origin();
    spawn_app_with(move |c| {
        c.push.services = PushServices::parse(&origin).unwrap();
        c.public_url = "https://tribune.example".into();
    })
    .await
}

/// POSTs or DELETEs as the site's script does (the browser marks it same-origin).
async fn call(app: &TestApp, method: reqwest::Method, path: &str, body: Value) -> (u16, Value) {
    let res = app
        .client
        .request(method, app.url(path))
        .header("sec-fetch-site", "same-origin")
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn subscribe(app: &TestApp, sub: &TestSubscription, topics: Value) -> (u16, Value) {
    call(
        app,
        reqwest::Method::POST,
        "/push/subscriptions",
        json!({ "subscription": sub.to_json(), "topics": topics }),
    )
    .await
}

async fn send(app: &TestApp, topic: &str, resend: bool) -> Composed {
    compose_alert(
        &app.db.store,
        &app.state.jobs.site,
        HARBOUR,
        topic,
        resend,
        "test",
    )
    .await
    .unwrap()
}

fn by_id<'a>(log: &'a [Value], id: &str) -> Vec<&'a Value> {
    log.iter().filter(|e| e["id"] == id).collect()
}

#[tokio::test]
async fn an_alert_reaches_every_subscriber_decrypted_and_signed() {
    let service = PushService::start();
    let app = spawn_with_push(&service).await;
    let key = app.text("/push/key").await.1;
    assert_eq!(
        key.len(),
        87,
        "uncompressed P-256 point in base64url: {key}"
    );

    let ok = service.subscription("ok", json!([]), None).await;
    let gone = service.subscription("gone", json!([410]), None).await;
    let missing = service.subscription("missing", json!([404]), None).await;
    let busy = service.subscription("busy", json!([429]), Some(2)).await;
    let sport = service.subscription("sport", json!([]), None).await;
    for s in [&ok, &gone, &missing, &busy] {
        let (status, body) = subscribe(&app, s, json!(["breaking", "section:city"])).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["topics"], json!(["breaking", "section:city"]));
    }
    assert_eq!(
        subscribe(&app, &sport, json!(["section:sport"])).await.0,
        201
    );

    let before = masthead_store::now_ms();
    let Composed::Created { id, audience } = send(&app, "breaking", false).await else {
        panic!("not created");
    };
    assert_eq!(audience, 4, "the sport-only subscriber is not in breaking");
    // Everything due within the next second (the split, the chunk), not the retry.
    app.run_jobs_due_by(masthead_store::now_ms() + 1000).await;

    // The 429 is retried no sooner than its Retry-After (2 s).
    let retries: Vec<_> = jobs_of_kind(&app.db.store, "deliver_push_chunk")
        .await
        .into_iter()
        .filter(|j| j.status == "queued")
        .collect();
    assert_eq!(retries.len(), 1, "{retries:?}");
    assert!(retries[0].run_at >= before + 2000, "{retries:?}");
    let alert = app.db.store.push_alert(&id).await.unwrap().unwrap();
    assert_eq!((alert.sent, alert.expired, alert.retried), (1, 2, 1));
    assert!(alert.finished_at.is_none(), "a retry is still due");
    app.run_due_jobs().await;

    let log = service.log().await;
    assert!(log.iter().all(|e| e.get("error").is_none()), "{log:#?}");
    assert_eq!(by_id(&log, "ok").len(), 1);
    assert_eq!(by_id(&log, "busy").len(), 2, "the 429 was retried once");
    assert!(by_id(&log, "sport").is_empty());
    let first = by_id(&log, "ok")[0];
    let payload = &first["payload"];
    assert_eq!(payload["title"], "Harbour crane <lifts> a record load");
    assert_eq!(
        payload["body"],
        "The new crane moved 180 tonnes & more on Tuesday."
    );
    assert_eq!(
        payload["url"],
        format!("https://tribune.example/city/{HARBOUR}")
    );
    assert_eq!(payload["alert"], id.as_str());
    assert!(
        payload["image"]
            .as_str()
            .unwrap()
            .starts_with("https://tribune.example/media/")
    );
    let h = &first["headers"];
    assert_eq!(h["ttl"], "3600");
    assert_eq!(h["urgency"], "high");
    assert_eq!(h["topic"].as_str().unwrap().len(), 32);
    assert_eq!(first["vapid"]["k"], key.as_str());
    assert_eq!(first["vapid"]["claims"]["aud"], service.origin());
    assert_eq!(first["vapid"]["claims"]["sub"], "https://tribune.example");
    // One token per origin, reused.
    let tokens: std::collections::HashSet<_> = log
        .iter()
        .map(|e| e["vapid"]["jwt"].as_str().unwrap())
        .collect();
    assert_eq!(tokens.len(), 1);

    // Expired subscriptions are deleted; the others stay.
    let store = &app.db.store;
    assert_eq!(
        store
            .push_subscription_topics(&gone.endpoint)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .push_subscription_topics(&missing.endpoint)
            .await
            .unwrap(),
        None
    );
    assert!(
        store
            .push_subscription_topics(&busy.endpoint)
            .await
            .unwrap()
            .is_some()
    );
    let alert = store.push_alert(&id).await.unwrap().unwrap();
    assert_eq!(
        (alert.sent, alert.expired, alert.failed, alert.retried),
        (2, 2, 0, 1)
    );
    assert!(alert.finished_at.is_some());

    // The service worker's receipts give delivery times; more than were sent are ignored.
    for event in ["received", "received", "clicked", "received"] {
        let (status, _) = call(
            &app,
            reqwest::Method::POST,
            "/push/receipts",
            json!({ "alert": id, "event": event }),
        )
        .await;
        assert_eq!(status, 204);
    }
    let alert = store.push_alert(&id).await.unwrap().unwrap();
    assert_eq!((alert.received, alert.clicked), (2, 1));
    assert!(
        store
            .push_receipt_percentiles(&id, false)
            .await
            .unwrap()
            .is_some()
    );
    app.stop().await;
}

#[tokio::test]
async fn a_story_goes_once_per_topic_unless_resent() {
    let service = PushService::start();
    let app = spawn_with_push(&service).await;
    let s = service.subscription("s", json!([]), None).await;
    assert_eq!(subscribe(&app, &s, json!(["breaking"])).await.0, 201);
    assert!(matches!(
        send(&app, "breaking", false).await,
        Composed::Created { .. }
    ));
    assert!(matches!(
        send(&app, "breaking", false).await,
        Composed::AlreadySent { .. }
    ));
    // Another topic is another send; so is a confirmed resend.
    assert!(matches!(
        send(&app, "section:city", false).await,
        Composed::Created { audience: 0, .. }
    ));
    assert!(matches!(
        send(&app, "breaking", true).await,
        Composed::Created { audience: 1, .. }
    ));
    app.run_due_jobs().await;
    assert_eq!(by_id(&service.log().await, "s").len(), 2);
    let err = compose_alert(
        &app.db.store,
        &app.state.jobs.site,
        HARBOUR,
        "section:nope",
        false,
        "t",
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("not a topic"), "{err}");
    let err = compose_alert(
        &app.db.store,
        &app.state.jobs.site,
        "no-such-story",
        "breaking",
        false,
        "t",
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("no published article"), "{err}");
    app.stop().await;
}

#[tokio::test]
async fn bad_subscriptions_get_precise_errors_and_change_nothing() {
    let service = PushService::start();
    let app = spawn_with_push(&service).await;
    let good = service.subscription("good", json!([]), None).await;
    let with = |endpoint: &str, p256dh: &str, auth: &str| json!({ "subscription": { "endpoint": endpoint, "keys": { "p256dh": p256dh, "auth": auth } } });
    let post = |body: Value| call(&app, reqwest::Method::POST, "/push/subscriptions", body);
    let p384 = masthead_push::b64::encode(&[4u8; 97]);
    // 65 bytes of the right form whose point is not on P-256 (a key of another curve, or
    // damaged), and a compressed P-256 point (browsers send uncompressed ones).
    let mut off_curve = [1u8; 65];
    off_curve[0] = 4;
    let off_curve = masthead_push::b64::encode(&off_curve);
    let good_point = masthead_push::b64::decode(&good.p256dh).unwrap();
    let mut compressed = vec![2 + (good_point[64] & 1)];
    compressed.extend_from_slice(&good_point[1..33]);
    let compressed = masthead_push::b64::encode(&compressed);
    let long_auth = masthead_push::b64::encode(&[9u8; 32]);
    let cases = [
        (
            with(&good.endpoint, "%%%", &good.auth),
            "subscription.keys.p256dh",
        ),
        (
            with(&good.endpoint, &p384, &good.auth),
            "subscription.keys.p256dh",
        ),
        (
            with(&good.endpoint, &off_curve, &good.auth),
            "subscription.keys.p256dh",
        ),
        (
            with(&good.endpoint, &compressed, &good.auth),
            "subscription.keys.p256dh",
        ),
        (
            with(&good.endpoint, &good.p256dh, &long_auth),
            "subscription.keys.auth",
        ),
        (
            with(&good.endpoint, &good.p256dh, "!!"),
            "subscription.keys.auth",
        ),
        (
            with(&good.endpoint, &good.p256dh, "AAAAAAAA"),
            "subscription.keys.auth",
        ),
        (
            with("https://10.0.0.7/push/x", &good.p256dh, &good.auth),
            "subscription.endpoint",
        ),
        (
            with("https://push.evil.example/x", &good.p256dh, &good.auth),
            "subscription.endpoint",
        ),
        (
            with("http://127.0.0.1:1/push/x", &good.p256dh, &good.auth),
            "subscription.endpoint",
        ),
        (
            with("https://fcm.googleapis.com/x", &good.p256dh, &good.auth),
            "subscription.endpoint",
        ),
    ];
    for (body, field) in cases {
        let (status, err) = post(body.clone()).await;
        assert_eq!(status, 422, "{body} → {err}");
        assert_eq!(err["field"], field, "{err}");
        assert!(err["error"].as_str().unwrap().len() > 10);
    }
    let (status, err) = post(json!({ "subscription": good.to_json(), "topics": ["gossip"] })).await;
    assert_eq!((status, err["field"].as_str()), (422, Some("topics")));
    let (status, _) = post(json!({ "subscription": good.to_json(), "topics": [] })).await;
    assert_eq!(status, 422);
    let (status, err) = post(json!({ "subscription": "no" })).await;
    assert_eq!(status, 400, "{err}");

    // 10 MB of JSON is refused before it is read.
    let huge = format!("{{\"subscription\": \"{}\"}}", "a".repeat(10 * 1024 * 1024));
    let res = app
        .client
        .post(app.url("/push/subscriptions"))
        .header("sec-fetch-site", "same-origin")
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    // A page of another site cannot subscribe anyone.
    let res = app
        .client
        .post(app.url("/push/subscriptions"))
        .header("sec-fetch-site", "cross-site")
        .json(&json!({ "subscription": good.to_json() }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(app.db.store.push_topic_counts().await.unwrap(), vec![]);

    // Subscribing again updates; unsubscribing deletes (and says nothing about strangers).
    assert_eq!(post(json!({ "subscription": good.to_json() })).await.0, 201);
    let (status, body) =
        post(json!({ "subscription": good.to_json(), "topics": ["section:sport", "breaking"] }))
            .await;
    assert_eq!(
        (status, &body["topics"]),
        (200, &json!(["section:sport", "breaking"]))
    );
    assert_eq!(
        app.db
            .store
            .push_subscription_topics(&good.endpoint)
            .await
            .unwrap(),
        Some(vec!["breaking".to_owned(), "section:sport".to_owned()])
    );
    let del = |endpoint: String| {
        call(
            &app,
            reqwest::Method::DELETE,
            "/push/subscriptions",
            json!({ "endpoint": endpoint }),
        )
    };
    assert_eq!(del(good.endpoint.clone()).await.0, 204);
    assert_eq!(
        app.db
            .store
            .push_subscription_topics(&good.endpoint)
            .await
            .unwrap(),
        None
    );
    assert_eq!(del("https://nobody.example/x".into()).await.0, 204);
    app.stop().await;
}

#[tokio::test]
async fn subscribing_is_rate_limited_per_address() {
    let service = PushService::start();
    let app = spawn_with_push(&service).await;
    let s = service.subscription("s", json!([]), None).await;
    let limit = masthead_web_push_limit();
    for _ in 0..limit {
        let (status, _) = subscribe(&app, &s, json!(["breaking"])).await;
        assert!(status == 201 || status == 200, "{status}");
    }
    let res = app
        .client
        .post(app.url("/push/subscriptions"))
        .header("sec-fetch-site", "same-origin")
        .json(&json!({ "subscription": s.to_json() }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    app.stop().await;
}

/// The per-address limit on subscription changes (`push::CHANGES_PER_HOUR`).
fn masthead_web_push_limit() -> usize {
    120
}

#[tokio::test]
async fn a_readers_subscriptions_are_exported_and_erased_with_the_account() {
    let service = PushService::start();
    let app = spawn_with_push(&service).await;
    let browser = app.reader("ines@example.org").await;
    let s = service.subscription("mine", json!([]), None).await;
    let res = browser
        .client
        .post(app.url("/push/subscriptions"))
        .header("sec-fetch-site", "same-origin")
        .json(&json!({ "subscription": s.to_json(), "topics": ["breaking"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let export: Value = browser
        .client
        .get(app.url("/account/export"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let subs = export["push_subscriptions"].as_array().unwrap();
    assert_eq!(subs.len(), 1, "{export}");
    assert_eq!(subs[0]["topics"], json!(["breaking"]));
    assert_eq!(subs[0]["push_service"], service.origin());

    let reader = app
        .db
        .store
        .reader_by_email(&masthead_core::EmailAddress::parse("ines@example.org").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(app.state.erasures.names().contains(&"push subscriptions"));
    app.db
        .store
        .delete_reader(&reader.id, &app.state.erasures)
        .await
        .unwrap();
    assert_eq!(
        app.db
            .store
            .push_subscription_topics(&s.endpoint)
            .await
            .unwrap(),
        None
    );
    app.stop().await;
}

#[tokio::test]
async fn editors_send_alerts_from_the_newsroom_after_a_confirmation() {
    use crate::common::browser::csrf_of;
    use masthead_core::Role;
    let service = PushService::start();
    let app = spawn_with_push(&service).await;
    for i in 0..3 {
        let s = service
            .subscription(&format!("n{i}"), json!([]), None)
            .await;
        assert_eq!(subscribe(&app, &s, json!(["breaking"])).await.0, 201);
    }
    let author = app.staff("author@tribune.example", Role::Author).await;
    assert_eq!(author.get(&app, "/newsroom/alerts").await.0, 403);
    let anonymous = app.get("/newsroom/alerts").await;
    assert_eq!(anonymous.status(), 303, "sign in first");

    let editor = app.staff("editor@tribune.example", Role::Editor).await;
    let (status, page) = editor.get(&app, "/newsroom/alerts").await;
    assert_eq!(status, 200);
    assert!(page.contains("Breaking-news alerts") && page.contains(HARBOUR));
    assert!(page.contains("<td>breaking</td><td>3</td>"), "{page}");
    let csrf = csrf_of(&page);
    let form = |extra: &[(&'static str, &'static str)]| {
        let mut f = vec![
            ("csrf", csrf.clone()),
            ("slug", HARBOUR.to_owned()),
            ("topic", "breaking".to_owned()),
        ];
        f.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
        f
    };
    let res = editor
        .client
        .post(app.url("/newsroom/alerts/confirm"))
        .form(&form(&[]))
        .send()
        .await
        .unwrap();
    let confirm = res.text().await.unwrap();
    assert!(
        confirm.contains("It will reach <strong>3 subscribers</strong>"),
        "{confirm}"
    );
    assert!(!confirm.contains("already sent"));
    let res = editor
        .client
        .post(app.url("/newsroom/alerts"))
        .form(&form(&[]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    deliveries_reach(&app, &service, 3).await;
    let (_, page) = editor.get(&app, "/newsroom/alerts").await;
    assert!(page.contains("3 of 3") && page.contains("Done"), "{page}");

    // The second time, the confirmation says so, and only a confirmed resend goes.
    let res = editor
        .client
        .post(app.url("/newsroom/alerts/confirm"))
        .form(&form(&[]))
        .send()
        .await
        .unwrap();
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("already sent to these readers")
    );
    let res = editor
        .client
        .post(app.url("/newsroom/alerts"))
        .form(&form(&[]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let res = editor
        .client
        .post(app.url("/newsroom/alerts"))
        .form(&form(&[("resend", "1")]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    deliveries_reach(&app, &service, 6).await;
    // A bad choice re-renders the page with a message.
    let res = editor
        .client
        .post(app.url("/newsroom/alerts/confirm"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("slug", "nope"),
            ("topic", "breaking"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Choose a published article")
    );
    app.stop().await;
}

#[tokio::test]
async fn article_pages_carry_the_opt_in_for_the_script() {
    let service = PushService::start();
    let app = spawn_with_push(&service).await;
    let (status, html) = app.text(&format!("/city/{HARBOUR}")).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("id=\"push-optin\" hidden"),
        "hidden until the script shows it"
    );
    assert!(html.contains("Never miss breaking news"));
    assert!(html.contains("value=\"section:city\""));
    assert!(html.contains("<script src=\"/static/push.js\" defer></script>"));
    let (status, js) = app.text("/static/push-sw.js").await;
    assert_eq!(status, 200);
    assert!(js.contains("showNotification"));
    app.stop().await;
}

/// Runs the queue until the push service has logged `n` deliveries (10 s at most): under load
/// on PostgreSQL a chunk may still be in the app's own worker's hands, or waiting for its retry,
/// when one pass of the queue ends. Fails with the count it saw.
async fn deliveries_reach(app: &TestApp, service: &PushService, n: usize) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        app.run_due_jobs().await;
        let seen = service.log().await.len();
        if seen == n {
            return;
        }
        assert!(seen < n, "{seen} deliveries logged, {n} expected");
        assert!(
            std::time::Instant::now() < deadline,
            "{seen} deliveries logged after 10 s, {n} expected"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
