//! Test support: the push service of `testing/push_service.py` (Python, with Mozilla's
//! `http_ece` and `py_vapid`), an independent receiver that verifies VAPID, decrypts every push
//! with the subscription's private key and answers as cued. Used by the web and CLI tests;
//! needs `python3 -m pip install http_ece py_vapid` (`.ci/run` installs them).

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
};

use ring::rand::SecureRandom;

use crate::b64;

/// The script, beside this crate's sources.
pub const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testing/push_service.py");

/// A running test push service on loopback; stopped on drop.
pub struct PushService {
    child: Child,
    pub port: u16,
    client: reqwest::Client,
}

/// A subscription the test made: its keys are known to the push service only by their
/// private half.
#[derive(Debug, Clone)]
pub struct TestSubscription {
    pub id: String,
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
}

impl TestSubscription {
    /// `PushSubscription.toJSON()` for it.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "endpoint": self.endpoint,
            "expirationTime": null,
            "keys": { "p256dh": self.p256dh, "auth": self.auth },
        })
    }
}

impl PushService {
    pub fn start() -> Self {
        let mut child = Command::new("python3")
            .arg(SCRIPT)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start python3 testing/push_service.py");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the push service's port");
        let port = line
            .trim()
            .strip_prefix("LISTENING ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| {
                panic!("the push service did not start (is `pip install http_ece py_vapid` done?): {line:?}")
            });
        // reqwest is built without a TLS crypto provider of its own (the workspace's rustls
        // uses ring): install it before the first client, or a test run alone panics.
        let _ = rustls::crypto::ring::default_provider().install_default();
        Self {
            child,
            port,
            client: reqwest::Client::new(),
        }
    }

    /// `http://127.0.0.1:PORT`, for `MASTHEAD_PUSH_SERVICES`.
    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// A new subscription `id` with fresh keys; the push service answers its pushes with the
    /// statuses of `script` in turn (numbers, or "hang" / "garbage"), then 201.
    pub async fn subscription(
        &self,
        id: &str,
        script: serde_json::Value,
        retry_after: Option<u64>,
    ) -> TestSubscription {
        let pkcs8 = crate::vapid::generate_key().unwrap();
        let public = crate::Vapid::from_stored(&pkcs8, "mailto:test@example.org")
            .unwrap()
            .public_key()
            .to_owned();
        let mut auth = [0u8; 16];
        ring::rand::SystemRandom::new().fill(&mut auth).unwrap();
        let auth = b64::encode(&auth);
        let res = self
            .client
            .post(format!("{}/control/subscriptions", self.origin()))
            .json(&serde_json::json!({
                "id": id, "pkcs8": pkcs8, "auth": auth, "script": script, "retry_after": retry_after,
            }))
            .send()
            .await
            .expect("register a test subscription");
        assert!(res.status().is_success());
        TestSubscription {
            id: id.to_owned(),
            endpoint: format!("{}/push/{id}", self.origin()),
            p256dh: public,
            auth,
        }
    }

    /// Answers every push `seconds` later (a slow push service: a fan-out takes a while).
    pub async fn set_delay(&self, seconds: f64) {
        let res = self
            .client
            .post(format!("{}/control/config", self.origin()))
            .json(&serde_json::json!({ "delay": seconds }))
            .send()
            .await
            .expect("configure the push service");
        assert!(res.status().is_success());
    }

    /// Every push received so far, in order: `id`, `status` answered, `payload` (decrypted
    /// JSON), `headers`, `vapid` (`claims`, `k`), `error` when the push was malformed, `at`.
    pub async fn log(&self) -> Vec<serde_json::Value> {
        self.client
            .get(format!("{}/control/log", self.origin()))
            .send()
            .await
            .expect("read the push log")
            .json()
            .await
            .expect("push log JSON")
    }
}

impl Drop for PushService {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
