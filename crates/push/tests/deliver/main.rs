//! Delivery against real sockets on loopback: push services that misbehave on cue
//! ([`faults`]), and a push service behind real TLS with HTTP/2 ([`tls`]). The decrypting,
//! VAPID-verifying receiver is the independent Python push service of `testing/`.

mod faults;
mod tls;

use std::{sync::Arc, time::Duration};

use masthead_push::{
    Deliverer, Message, PushServices, Subscription, SubscriptionJson, Timeouts, Vapid,
    testing::TestSubscription,
};

/// Short limits, so that a hanging service costs the test little.
pub const TIMEOUTS: Timeouts = Timeouts {
    connect: Duration::from_millis(500),
    request: Duration::from_millis(800),
};

/// How much later than its limit a push may end on a loaded machine (two cores shared by
/// parallel builds): generous, but far below the 60 s the Python service's hang lasts.
pub const SLACK: Duration = Duration::from_secs(5);

pub fn vapid() -> Arc<Vapid> {
    let key = masthead_push::vapid::generate_key().unwrap();
    Arc::new(Vapid::from_stored(&key, "mailto:alerts@tribune.example").unwrap())
}

pub fn deliverer(origins: &[String]) -> Deliverer {
    let services = PushServices::parse(&origins.join(",")).unwrap();
    Deliverer::new(vapid(), services, TIMEOUTS).unwrap()
}

/// A subscription to `endpoint` with the keys of `keys` (a test subscription whose private
/// key the Python service holds, or any valid one).
pub fn subscription(endpoint: &str, keys: &TestSubscription, services: &str) -> Subscription {
    let json: SubscriptionJson = serde_json::from_value(serde_json::json!({
        "endpoint": endpoint,
        "keys": { "p256dh": keys.p256dh, "auth": keys.auth },
    }))
    .unwrap();
    Subscription::parse(&json, &PushServices::parse(services).unwrap()).unwrap()
}

pub fn message(payload: &[u8]) -> Message<'_> {
    Message {
        payload,
        ttl: 3600,
        urgency: "high",
        topic: Some("harbour-crane-record-load-000001"),
    }
}

/// A key pair a push service never heard of (for misbehaving services, which do not decrypt).
pub fn any_keys() -> TestSubscription {
    let pkcs8 = masthead_push::vapid::generate_key().unwrap();
    let public = Vapid::from_stored(&pkcs8, "mailto:x@example.org")
        .unwrap()
        .public_key()
        .to_owned();
    TestSubscription {
        id: "any".into(),
        endpoint: String::new(),
        p256dh: public,
        auth: masthead_push::b64::encode(&[7u8; 16]),
    }
}
