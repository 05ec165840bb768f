//! Delivery through real TLS: a push service on loopback behind a certificate signed by a
//! certificate authority the test makes (rcgen), which only this test's deliverer trusts
//! ([`Deliverer::trusting_only`]). The TLS front (rustls, hyper's HTTP/1 + HTTP/2 server)
//! records the protocol each push arrived over and hands the push on, unchanged, to the Python
//! push service, which verifies the VAPID JWT for the front's `https://` origin and decrypts
//! the payload.

use std::{
    convert::Infallible,
    sync::{Arc, Mutex},
    time::Instant,
};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response, Version, body::Incoming};
use hyper_util::rt::{TokioExecutor, TokioIo};
use masthead_push::{
    Deliverer, Outcome, PushServices,
    testing::{Misbehaving, PushService},
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::{SLACK, TIMEOUTS, any_keys, deliverer, message, subscription, vapid};

/// The test's certificate authority and a certificate it signed for 127.0.0.1.
struct Certificates {
    root: CertificateDer<'static>,
    chain: Vec<CertificateDer<'static>>,
    key: PrivatePkcs8KeyDer<'static>,
}

fn certificates() -> Certificates {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "Masthead push test CA");
    let ca = ca.self_signed(&ca_key).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&leaf_key, &ca, &ca_key)
        .unwrap();
    Certificates {
        root: ca.der().clone(),
        chain: vec![leaf.der().clone()],
        key: PrivatePkcs8KeyDer::from(leaf_key.serialize_der()),
    }
}

/// What the TLS front saw of one push.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    alpn: Option<Vec<u8>>,
    version: Version,
    path: String,
}

/// The TLS front: `https://127.0.0.1:PORT`, offering `alpn`, handing pushes to `upstream`.
struct Front {
    port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
    connections: Arc<Mutex<usize>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Front {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Front {
    fn origin(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

async fn front(certs: &Certificates, alpn: &[&[u8]], upstream: String) -> Front {
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        certs.chain.clone(),
        PrivateKeyDer::Pkcs8(certs.key.clone_key()),
    )
    .unwrap();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let connections = Arc::new(Mutex::new(0));
    let (seen2, connections2) = (seen.clone(), connections.clone());
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::new();
    let task = tokio::spawn(async move {
        let mut open = tokio::task::JoinSet::new();
        while let Ok((tcp, _)) = listener.accept().await {
            *connections2.lock().unwrap() += 1;
            let (acceptor, seen, client, upstream) = (
                acceptor.clone(),
                seen2.clone(),
                client.clone(),
                upstream.clone(),
            );
            open.spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let alpn = tls.get_ref().1.alpn_protocol().map(<[u8]>::to_vec);
                let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                    let (seen, client, upstream, alpn) =
                        (seen.clone(), client.clone(), upstream.clone(), alpn.clone());
                    async move {
                        Ok::<_, Infallible>(
                            forward(req, port, alpn, &seen, &client, &upstream).await,
                        )
                    }
                });
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    Front {
        port,
        seen,
        connections,
        task,
    }
}

/// Hands a push on to the Python service as a reverse proxy would (`X-Forwarded-Proto`,
/// `X-Forwarded-Host`: the VAPID `aud` must be the front's origin) and answers its status.
async fn forward(
    req: Request<Incoming>,
    port: u16,
    alpn: Option<Vec<u8>>,
    seen: &Mutex<Vec<Seen>>,
    client: &reqwest::Client,
    upstream: &str,
) -> Response<Full<Bytes>> {
    let version = req.version();
    let path = req.uri().path().to_owned();
    let headers = req.headers().clone();
    let body = req.into_body().collect().await.unwrap().to_bytes();
    seen.lock().unwrap().push(Seen {
        alpn,
        version,
        path: path.clone(),
    });
    let mut onward = client
        .post(format!("{upstream}{path}"))
        .header("x-forwarded-proto", "https")
        .header("x-forwarded-host", format!("127.0.0.1:{port}"));
    for name in [
        "authorization",
        "content-encoding",
        "content-type",
        "ttl",
        "urgency",
        "topic",
    ] {
        if let Some(v) = headers.get(name) {
            onward = onward.header(name, v.clone());
        }
    }
    let status = onward.body(body).send().await.unwrap().status().as_u16();
    Response::builder()
        .status(status)
        .body(Full::new(Bytes::new()))
        .unwrap()
}

#[tokio::test]
async fn pushes_travel_over_tls_and_http2_decrypt_and_carry_a_valid_vapid_jwt() {
    let service = PushService::start();
    let keys = service
        .subscription("tls", serde_json::json!([]), None)
        .await;
    let certs = certificates();
    let front = front(&certs, &[b"h2", b"http/1.1"], service.origin()).await;
    let origin = front.origin();
    let vapid = vapid();
    let deliverer = Deliverer::trusting_only(
        vapid.clone(),
        PushServices::parse(&origin).unwrap(),
        TIMEOUTS,
        std::slice::from_ref(&certs.root),
    )
    .unwrap();
    let sub = subscription(&format!("{origin}/push/tls"), &keys, &origin);
    let payload = br#"{"title":"Harbour crane lifts a record load","body":"Over TLS"}"#;
    for _ in 0..3 {
        assert_eq!(deliverer.send(&sub, &message(payload)).await, Outcome::Sent);
    }
    let h2 = Seen {
        alpn: Some(b"h2".to_vec()),
        version: Version::HTTP_2,
        path: "/push/tls".into(),
    };
    assert_eq!(front.seen(), vec![h2.clone(), h2.clone(), h2]);
    assert_eq!(
        *front.connections.lock().unwrap(),
        1,
        "the pushes shared one HTTP/2 connection"
    );
    let log = service.log().await;
    assert_eq!(log.len(), 3);
    for entry in &log {
        assert!(entry.get("error").is_none(), "{entry:#}");
        assert_eq!(entry["status"], 201);
        assert_eq!(
            entry["payload"],
            serde_json::from_slice::<serde_json::Value>(payload).unwrap()
        );
        assert_eq!(entry["vapid"]["claims"]["aud"], origin.as_str());
        assert_eq!(
            entry["vapid"]["claims"]["sub"],
            "mailto:alerts@tribune.example"
        );
        assert_eq!(entry["vapid"]["k"], vapid.public_key());
        assert_eq!(entry["headers"]["urgency"], "high");
        assert_eq!(entry["headers"]["ttl"], "3600");
    }
}

#[tokio::test]
async fn a_push_service_that_speaks_only_http1_over_tls_is_served_too() {
    let service = PushService::start();
    let keys = service
        .subscription("h1", serde_json::json!([]), None)
        .await;
    let certs = certificates();
    let front = front(&certs, &[b"http/1.1"], service.origin()).await;
    let origin = front.origin();
    let deliverer = Deliverer::trusting_only(
        vapid(),
        PushServices::parse(&origin).unwrap(),
        TIMEOUTS,
        std::slice::from_ref(&certs.root),
    )
    .unwrap();
    let sub = subscription(&format!("{origin}/push/h1"), &keys, &origin);
    assert_eq!(deliverer.send(&sub, &message(b"{}")).await, Outcome::Sent);
    assert_eq!(front.seen()[0].version, Version::HTTP_11);
    assert_eq!(front.seen()[0].alpn.as_deref(), Some(&b"http/1.1"[..]));
    assert!(service.log().await[0].get("error").is_none());
}

#[tokio::test]
async fn a_certificate_from_an_authority_the_client_does_not_trust_fails_the_handshake() {
    let service = PushService::start();
    let keys = service.subscription("t", serde_json::json!([]), None).await;
    let certs = certificates();
    let front = front(&certs, &[b"h2"], service.origin()).await;
    let origin = front.origin();
    // The production deliverer: the web's roots only.
    let deliverer = deliverer(std::slice::from_ref(&origin));
    let sub = subscription(&format!("{origin}/push/t"), &keys, &origin);
    let started = Instant::now();
    let outcome = deliverer.send(&sub, &message(b"{}")).await;
    let Outcome::Retry { reason, .. } = &outcome else {
        panic!("{outcome:?}");
    };
    assert!(
        reason.contains("UnknownIssuer") || reason.contains("certificate"),
        "{reason}"
    );
    assert!(started.elapsed() < TIMEOUTS.request);
    assert!(front.seen().is_empty(), "nothing was sent over it");
    assert!(service.log().await.is_empty());
}

#[tokio::test]
async fn a_handshake_answered_with_garbage_or_never_answered_is_bounded() {
    let garbage = Misbehaving::not_tls().await;
    let silent = Misbehaving::silent().await;
    for (service, at_least) in [(&garbage, None), (&silent, Some(TIMEOUTS.request))] {
        let origin = service.tls_origin();
        let deliverer = deliverer(std::slice::from_ref(&origin));
        let sub = subscription(&format!("{origin}/push/x"), &any_keys(), &origin);
        let started = Instant::now();
        let outcome = deliverer.send(&sub, &message(b"{}")).await;
        let took = started.elapsed();
        assert!(matches!(outcome, Outcome::Retry { .. }), "{outcome:?}");
        assert!(took < TIMEOUTS.request + SLACK, "{took:?}");
        if let Some(limit) = at_least {
            assert!(took >= limit, "{took:?}");
        } else {
            assert!(took < TIMEOUTS.request, "refused at once: {took:?}");
        }
        assert_eq!(service.connections(), 1);
    }
}
