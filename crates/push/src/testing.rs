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

/// A push service that misbehaves on cue, on loopback: for the send-time bad input tests
/// (a hanging, garbled or half-answering service must cost a bounded time and never stick a
/// send). It speaks just enough HTTP/1.1 by hand to misbehave precisely; the path of each push
/// says how (`http://127.0.0.1:PORT/push/<cue>`):
///
/// - `hang`: reads the request and never answers;
/// - `headers-only`: answers `201` with a `Content-Length` and never sends the body;
/// - `garbage`: answers bytes that are not HTTP, then closes;
/// - `ok-200`: answers `200 OK` (a 2xx that is not RFC 8030's 201);
/// - `created-junk`: answers `201` with a body that is not JSON nor anything (fine);
/// - anything else: `201`.
///
/// In [`Misbehaving::silent`] mode it accepts connections and never reads or writes (a TLS
/// handshake that never ends); in [`Misbehaving::not_tls`] mode it answers whatever arrives
/// with bytes that are not TLS (a failed handshake).
pub struct Misbehaving {
    pub port: u16,
    hits: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Manner {
    ByPath,
    Silent,
    NotTls,
}

impl Misbehaving {
    /// Misbehaves as each push's path says.
    pub async fn start() -> Self {
        Self::spawn(Manner::ByPath).await
    }

    /// Accepts connections and never says a word.
    pub async fn silent() -> Self {
        Self::spawn(Manner::Silent).await
    }

    /// Answers a TLS `ClientHello` with bytes that are not TLS.
    pub async fn not_tls() -> Self {
        Self::spawn(Manner::NotTls).await
    }

    async fn spawn(manner: Manner) -> Self {
        use std::sync::atomic::Ordering;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let port = listener.local_addr().expect("local address").port();
        let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = hits.clone();
        let task = tokio::spawn(async move {
            // Dropped with this task (on drop of `Misbehaving`): every held connection closes.
            let mut connections = tokio::task::JoinSet::new();
            while let Ok((socket, _)) = listener.accept().await {
                counted.fetch_add(1, Ordering::SeqCst);
                connections.spawn(misbehave(socket, manner));
            }
        });
        Self { port, hits, task }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `https://127.0.0.1:PORT` (for the TLS modes).
    pub fn tls_origin(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.hits.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Drop for Misbehaving {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn misbehave(mut socket: tokio::net::TcpStream, manner: Manner) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    const FOREVER: std::time::Duration = std::time::Duration::from_secs(3600);
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    match manner {
        Manner::Silent => {
            tokio::time::sleep(FOREVER).await;
            return;
        }
        Manner::NotTls => {
            let _ = socket.read(&mut buf).await;
            let _ = socket
                .write_all(b"HTTP/1.1 400 Bad Request\r\n\r\nthis is not TLS\r\n")
                .await;
            return;
        }
        Manner::ByPath => {}
    }
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
        if head.len() > 64 * 1024 {
            return;
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let path = head
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .rsplit('/')
        .next()
        .unwrap_or("");
    let answer: &[u8] = match path {
        "hang" => {
            tokio::time::sleep(FOREVER).await;
            return;
        }
        "headers-only" => {
            let _ = socket
                .write_all(b"HTTP/1.1 201 Created\r\ncontent-length: 1000\r\n\r\n{\"par")
                .await;
            tokio::time::sleep(FOREVER).await;
            return;
        }
        "garbage" => b"\x00\x01\x02 SPDY? no: this is not HTTP at all\r\n\r\n",
        "ok-200" => b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
        "created-junk" => {
            b"HTTP/1.1 201 Created\r\ncontent-length: 9\r\nconnection: close\r\n\r\n\xff\xfe{oops!}"
        }
        _ => b"HTTP/1.1 201 Created\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
    };
    let _ = socket.write_all(answer).await;
    let _ = socket.shutdown().await;
}
