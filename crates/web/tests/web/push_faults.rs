//! Send-time bad input end to end: an alert whose subscribers' push services misbehave (one
//! never answers, one answers headers and never the body, one answers something that is not
//! HTTP, one answers 200 instead of 201, one answers 201 with a body of nonsense) finishes, with
//! every failure counted and retried a bounded number of times, nobody deleted for their push
//! service's faults, and the healthy subscriber served once.

use std::time::{Duration, Instant};

use masthead_jobs::push::{Composed, MAX_RETRIES, compose_alert};
use masthead_push::{
    PushServices, Timeouts,
    testing::{Misbehaving, PushService, TestSubscription},
};
use masthead_store::testing::jobs_of_kind;
use serde_json::json;

use crate::common::spawn_app_with;

#[tokio::test]
async fn a_send_to_misbehaving_push_services_finishes_with_each_failure_counted() {
    let service = PushService::start();
    let bad = Misbehaving::start().await;
    let services = format!("{},{}", service.origin(), bad.origin());
    let request = Duration::from_millis(800);
    let app = spawn_app_with(move |c| {
        c.push.services = PushServices::parse(&services).unwrap();
        c.push.timeouts = Timeouts {
            connect: Duration::from_millis(500),
            request,
        };
        c.public_url = "https://tribune.example".into();
    })
    .await;
    let ok = service.subscription("ok", json!([]), None).await;
    let mut all = vec![ok.clone()];
    for cue in ["hang", "headers-only", "garbage", "ok-200", "created-junk"] {
        all.push(TestSubscription {
            id: cue.into(),
            endpoint: format!("{}/push/{cue}", bad.origin()),
            ..ok.clone()
        });
    }
    for sub in &all {
        let res = app
            .client
            .post(app.url("/push/subscriptions"))
            .header("sec-fetch-site", "same-origin")
            .json(&json!({ "subscription": sub.to_json(), "topics": ["breaking"] }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "{}", sub.id);
    }

    let Composed::Created { id, audience } = compose_alert(
        &app.db.store,
        &app.state.jobs.site,
        "harbour-crane-lifts-a-record-load",
        "breaking",
        false,
        "test",
    )
    .await
    .unwrap() else {
        panic!("not created");
    };
    assert_eq!(audience, 6);

    // Every retry is run as soon as it is enqueued (its backoff skipped), so the send's time
    // is its attempts' timeouts: 1 + MAX_RETRIES of them, the hanging pushes of each attempt
    // waiting together.
    let started = Instant::now();
    app.run_due_jobs().await;
    let took = started.elapsed();
    let alert = app.db.store.push_alert(&id).await.unwrap().unwrap();
    assert!(alert.finished_at.is_some(), "{alert:?}");
    assert_eq!(alert.open_jobs, 0);
    assert_eq!(
        (alert.sent, alert.expired, alert.failed),
        (2, 0, 4),
        "sent: ok and created-junk; failed: hang, headers-only and garbage after their retries, and ok-200 at once"
    );
    assert_eq!(alert.retried, 3 * MAX_RETRIES, "{alert:?}");
    let attempts = 1 + MAX_RETRIES as u32;
    assert!(
        took >= request * 2,
        "the hanging pushes were waited for: {took:?}"
    );
    assert!(
        took < (request + Duration::from_secs(4)) * attempts,
        "{took:?} for {attempts} attempts"
    );
    assert!(
        jobs_of_kind(&app.db.store, "deliver_push_chunk")
            .await
            .iter()
            .all(|j| j.status == "done"),
        "no chunk is left queued, running or dead"
    );

    // The healthy subscriber got the alert once, decrypted and signed.
    let log = service.log().await;
    assert_eq!(log.len(), 1, "{log:#?}");
    assert!(log[0].get("error").is_none(), "{:#}", log[0]);
    assert_eq!(log[0]["payload"]["alert"], id.as_str());
    // The misbehaving services were tried once per attempt (the garbled and the hanging
    // ones), so nothing was skipped; nobody was deleted for their push service's faults.
    assert!(
        bad.connections() >= 3 * attempts as usize + 2,
        "{}",
        bad.connections()
    );
    assert_eq!(
        app.db.store.push_topic_counts().await.unwrap(),
        vec![("breaking".to_owned(), 6)]
    );
    app.stop().await;
}
