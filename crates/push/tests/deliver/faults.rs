//! Push services that misbehave (send-time bad input): each is an [`Outcome`] within the
//! request limit, never a hang and never a panic.

use std::time::Instant;

use masthead_push::{Outcome, testing::Misbehaving};

use crate::{SLACK, TIMEOUTS, any_keys, deliverer, message, subscription};

/// Sends one push to `cue` on `service` and returns what came of it and how long it took.
async fn push_to(service: &Misbehaving, cue: &str) -> (Outcome, std::time::Duration) {
    let origin = service.origin();
    let deliverer = deliverer(std::slice::from_ref(&origin));
    let sub = subscription(&format!("{origin}/push/{cue}"), &any_keys(), &origin);
    let started = Instant::now();
    let outcome = deliverer.send(&sub, &message(b"{\"title\":\"t\"}")).await;
    (outcome, started.elapsed())
}

fn assert_retry_mentioning(outcome: &Outcome, words: &[&str]) {
    let Outcome::Retry { after, reason } = outcome else {
        panic!("not a retry: {outcome:?}");
    };
    assert_eq!(*after, None);
    assert!(
        words.iter().any(|w| reason.contains(w)),
        "{reason:?} says none of {words:?}"
    );
}

#[tokio::test]
async fn a_service_that_never_answers_costs_the_request_limit() {
    let service = Misbehaving::start().await;
    let (outcome, took) = push_to(&service, "hang").await;
    assert_retry_mentioning(&outcome, &["no complete answer within 800 ms"]);
    assert!(took >= TIMEOUTS.request, "{took:?}");
    assert!(took < TIMEOUTS.request + SLACK, "{took:?}");
    assert_eq!(service.connections(), 1);
}

#[tokio::test]
async fn a_service_that_answers_headers_and_never_the_body_costs_the_request_limit() {
    let service = Misbehaving::start().await;
    let (outcome, took) = push_to(&service, "headers-only").await;
    assert_retry_mentioning(&outcome, &["no complete answer"]);
    assert!(took >= TIMEOUTS.request, "{took:?}");
    assert!(took < TIMEOUTS.request + SLACK, "{took:?}");
}

#[tokio::test]
async fn an_answer_that_is_not_http_is_a_failed_push_to_retry() {
    let service = Misbehaving::start().await;
    let (outcome, took) = push_to(&service, "garbage").await;
    assert_retry_mentioning(&outcome, &["invalid", "parse", "HTTP"]);
    assert!(took < TIMEOUTS.request, "answered at once: {took:?}");
}

#[tokio::test]
async fn a_2xx_that_is_not_201_is_unconfirmed() {
    let service = Misbehaving::start().await;
    let (outcome, _) = push_to(&service, "ok-200").await;
    assert_eq!(outcome, Outcome::Unconfirmed { status: 200 });
}

#[tokio::test]
async fn a_201_with_a_body_of_nonsense_is_sent() {
    let service = Misbehaving::start().await;
    let (outcome, _) = push_to(&service, "created-junk").await;
    assert_eq!(outcome, Outcome::Sent);
    let (outcome, _) = push_to(&service, "plain").await;
    assert_eq!(outcome, Outcome::Sent);
}

#[tokio::test]
async fn a_closed_port_is_a_failed_connection_to_retry() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let origin = format!("http://127.0.0.1:{port}");
    let deliverer = deliverer(std::slice::from_ref(&origin));
    let sub = subscription(&format!("{origin}/push/x"), &any_keys(), &origin);
    let started = Instant::now();
    let outcome = deliverer.send(&sub, &message(b"{}")).await;
    assert_retry_mentioning(&outcome, &["refused", "connect"]);
    assert!(
        started.elapsed() < TIMEOUTS.request,
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn many_pushes_to_a_hanging_service_end_together_within_the_limit() {
    // A chunk's pushes are in flight at once: 50 hanging pushes cost one limit, not fifty.
    let service = Misbehaving::start().await;
    let origin = service.origin();
    let deliverer = std::sync::Arc::new(deliverer(std::slice::from_ref(&origin)));
    let sub = subscription(&format!("{origin}/push/hang"), &any_keys(), &origin);
    let started = Instant::now();
    let mut all = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let (deliverer, sub) = (deliverer.clone(), sub.clone());
        all.spawn(async move { deliverer.send(&sub, &message(b"{}")).await });
    }
    while let Some(outcome) = all.join_next().await {
        assert!(matches!(outcome.unwrap(), Outcome::Retry { .. }));
    }
    assert!(
        started.elapsed() < TIMEOUTS.request + SLACK,
        "{:?}",
        started.elapsed()
    );
}
