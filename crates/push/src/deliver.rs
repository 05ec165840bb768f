//! Delivery (RFC 8030): one POST per subscriber to its endpoint, over a pool of connections per
//! push-service origin (hyper's pooled client over rustls with ring; HTTPS services negotiate HTTP/2 by ALPN, so one
//! connection carries many pushes at once), with `TTL`, `Urgency`, a `Topic` (a newer message
//! with the same topic replaces an undelivered older one) and the VAPID `Authorization`.
//!
//! Each answer becomes an [`Outcome`] the caller acts on: 201 sent (its body is not read for
//! sense: push services put nothing in it that we need); another 2xx is [`Outcome::Unconfirmed`]
//! (RFC 8030 §5 says 201; a 200 or 204 comes from something that is not a push service, such
//! as a proxy's page, so it is a logged failure, neither retried nor held against the
//! subscription); 404/410 the subscription is gone; 413 our payload is too big (our bug,
//! logged); 429 and 5xx, and a connection that fails (refused, a TLS handshake that fails, an
//! answer that is not HTTP) or times out, are retried (after `Retry-After` when given); other
//! 4xx are refusals, counted against the subscription until it is dropped.
//!
//! Every push is bounded in time ([`Timeouts`]): the TCP connection by `connect`, and the whole
//! exchange (connection, TLS handshake, request, the answer's headers and its body) by
//! `request`. A push service that accepts connections and never answers, or answers headers and
//! never the body, costs each push that long and no more; the caller's retries are bounded too,
//! so a send always finishes.
//!
//! The endpoint is checked against the allow-list again before each send (the list may have
//! changed since the reader subscribed), and the resolver refuses private, loopback and
//! link-local addresses for every host not listed by its exact origin.

use std::{
    future::Future,
    net::SocketAddr,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::{
    client::legacy::{
        Client,
        connect::{HttpConnector, dns::Name},
    },
    rt::{TokioExecutor, TokioTimer},
};

use crate::{PushServices, Subscription, ece, subscription::parse_endpoint, vapid::Vapid};

/// How long a push may take (`MASTHEAD_PUSH_CONNECT_TIMEOUT_MS`, `MASTHEAD_PUSH_REQUEST_TIMEOUT_MS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Opening the TCP connection.
    pub connect: Duration,
    /// The whole push, connection included: a hanging push service costs a push this much at
    /// most, never a stuck send.
    pub request: Duration,
}

impl Default for Timeouts {
    /// 5 s to connect, 15 s in all: push services answer in well under a second, and a chunk
    /// of pushes in flight at once waits for its slowest.
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(5),
            request: Duration::from_secs(15),
        }
    }
}

/// What to send.
#[derive(Debug, Clone)]
pub struct Message<'a> {
    /// The plaintext (JSON for the service worker), encrypted per subscriber.
    pub payload: &'a [u8],
    /// Seconds the push service keeps an undelivered message.
    pub ttl: u32,
    /// `very-low`, `low`, `normal` or `high`.
    pub urgency: &'static str,
    /// Up to 32 characters of the base64url alphabet.
    pub topic: Option<&'a str>,
}

/// What the push service answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    /// 404 or 410: the subscription has expired or was withdrawn.
    Gone,
    /// The endpoint is no longer on the allow-list.
    Unlisted,
    /// 413: the payload is too big for this service.
    TooBig,
    /// 429, 5xx or a failed connection: try again, after `after` when the service said.
    Retry {
        after: Option<Duration>,
        reason: String,
    },
    /// Another 4xx: counted against the subscription.
    Rejected {
        status: u16,
    },
    /// A 2xx other than 201: something that is not a push service took the message (logged,
    /// counted as failed, not retried).
    Unconfirmed {
        status: u16,
    },
    /// The subscription's key cannot be encrypted to (stored data damaged).
    BadKey,
}

/// Sends pushes: the HTTP client (pooled per origin), the VAPID key and the allow-list.
type Connector = hyper_rustls::HttpsConnector<HttpConnector<PublicOnly>>;

pub struct Deliverer {
    client: Client<Connector, Full<Bytes>>,
    vapid: Arc<Vapid>,
    services: PushServices,
    timeouts: Timeouts,
}

impl std::fmt::Debug for Deliverer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deliverer")
            .field("vapid", &self.vapid)
            .field("services", &self.services.to_string())
            .finish()
    }
}

impl Deliverer {
    /// A deliverer that trusts the web's certificate authorities (the webpki roots).
    pub fn new(
        vapid: Arc<Vapid>,
        services: PushServices,
        timeouts: Timeouts,
    ) -> Result<Self, String> {
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        Self::with_roots(vapid, services, timeouts, roots)
    }

    /// For tests: a deliverer that trusts only `roots` (a certificate authority the test made
    /// for a push service on loopback), still verifying every certificate against them.
    /// Nothing in the configuration reaches this: servers trust the web's roots.
    pub fn trusting_only(
        vapid: Arc<Vapid>,
        services: PushServices,
        timeouts: Timeouts,
        roots: &[rustls::pki_types::CertificateDer<'static>],
    ) -> Result<Self, String> {
        let mut store = rustls::RootCertStore::empty();
        for root in roots {
            store
                .add(root.clone())
                .map_err(|e| format!("test root certificate: {e}"))?;
        }
        Self::with_roots(vapid, services, timeouts, store)
    }

    fn with_roots(
        vapid: Arc<Vapid>,
        services: PushServices,
        timeouts: Timeouts,
        roots: rustls::RootCertStore,
    ) -> Result<Self, String> {
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
        let mut http = HttpConnector::new_with_resolver(PublicOnly(services.clone()));
        http.enforce_http(false);
        http.set_connect_timeout(Some(timeouts.connect));
        http.set_nodelay(true);
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(Duration::from_secs(90))
            // HTTP/2 services (https, ALPN h2) carry every push on one connection; an HTTP/1.1
            // service (an `http://` origin, or one that offers only http/1.1) needs a
            // connection per push in flight, up to the worker's chunks × their concurrency
            // (16 × 64): keep that many, or each wave would open (and leave in TIME_WAIT)
            // hundreds of new ones.
            .pool_max_idle_per_host(1024)
            .http2_adaptive_window(true)
            .build(https);
        Ok(Self {
            client,
            vapid,
            services,
            timeouts,
        })
    }

    pub fn vapid(&self) -> &Vapid {
        &self.vapid
    }

    pub fn services(&self) -> &PushServices {
        &self.services
    }

    /// Encrypts `message` for `sub` and sends it.
    pub async fn send(&self, sub: &Subscription, message: &Message<'_>) -> Outcome {
        let Ok(url) = parse_endpoint(&sub.endpoint, &self.services) else {
            return Outcome::Unlisted;
        };
        let body = match ece::encrypt(&sub.p256dh, &sub.auth, message.payload) {
            Ok(b) => b,
            Err(ece::EncryptError::TooLong(_)) => return Outcome::TooBig,
            Err(ece::EncryptError::BadKey) => return Outcome::BadKey,
            Err(e) => {
                return Outcome::Retry {
                    after: None,
                    reason: e.to_string(),
                };
            }
        };
        let origin = url.origin().ascii_serialization();
        let auth = match self.vapid.authorization(&origin) {
            Ok(a) => a,
            Err(e) => {
                return Outcome::Retry {
                    after: None,
                    reason: e.to_string(),
                };
            }
        };
        let mut req = hyper::Request::post(url.as_str())
            .header("TTL", message.ttl.to_string())
            .header("Urgency", message.urgency)
            .header("Content-Encoding", "aes128gcm")
            .header("Content-Type", "application/octet-stream")
            .header("Authorization", auth)
            .header(
                "User-Agent",
                concat!("masthead/", env!("CARGO_PKG_VERSION")),
            );
        if let Some(topic) = message.topic {
            req = req.header("Topic", topic);
        }
        let req = match req.body(Full::new(Bytes::from(body))) {
            Ok(r) => r,
            Err(e) => return Outcome::Rejected { status: 0 }.tap_log(&e.to_string()),
        };
        let exchange = async {
            let res = self.client.request(req).await.map_err(|e| describe(&e))?;
            let status = res.status().as_u16();
            let retry_after = res
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(parse_retry_after);
            // Read (a little of) the body so that the connection can be reused.
            let _ = Limited::new(res.into_body(), 16 * 1024).collect().await;
            Ok::<_, String>((status, retry_after))
        };
        let limit = self.timeouts.request;
        let (status, retry_after) = match tokio::time::timeout(limit, exchange).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(reason)) => {
                return Outcome::Retry {
                    after: None,
                    reason,
                };
            }
            Err(_) => {
                return Outcome::Retry {
                    after: None,
                    reason: format!("no complete answer within {} ms", limit.as_millis()),
                };
            }
        };
        match status {
            201 => Outcome::Sent,
            200..=299 => Outcome::Unconfirmed { status },
            404 | 410 => Outcome::Gone,
            413 => Outcome::TooBig,
            429 | 500..=599 => Outcome::Retry {
                after: retry_after,
                reason: format!("the push service answered {status}"),
            },
            _ => Outcome::Rejected { status },
        }
    }
}

/// `Retry-After` in seconds (the HTTP-date form is read as "no advice": we back off instead).
fn parse_retry_after(v: &str) -> Option<Duration> {
    v.trim().parse::<u64>().ok().map(Duration::from_secs)
}

fn describe(e: &(dyn std::error::Error + 'static)) -> String {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    message
}

trait TapLog {
    fn tap_log(self, why: &str) -> Self;
}

impl TapLog for Outcome {
    fn tap_log(self, why: &str) -> Self {
        tracing::warn!(%why, "push request could not be built");
        self
    }
}

/// Resolves names with the system resolver, dropping addresses a stranger's endpoint must
/// never reach (loopback, private, link-local, unspecified…) unless the host was listed by its
/// exact origin.
#[derive(Clone)]
struct PublicOnly(PushServices);

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl tower_service::Service<Name> for PublicOnly {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Self::Future {
        let host = name.as_str().to_owned();
        let trusted = self.0.lists_origin_host(&host);
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| trusted || is_public(a.ip()))
                .collect();
            if addrs.is_empty() {
                return Err(format!("{host} resolves to no public address").into());
            }
            Ok(addrs.into_iter())
        })
    }
}

/// Whether an address is on the public internet.
pub fn is_public(ip: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (o[1] & 0xc0) == 64) // shared address space
                || (o[0] == 198 && (o[1] & 0xfe) == 18) // benchmarking
                || o[0] >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || (s[0] & 0xfe00) == 0xfc00 // unique local
                || (s[0] & 0xffc0) == 0xfe80 // link local
                || (s[0] == 0x2001 && s[1] == 0xdb8)) // documentation
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_not_public() {
        for a in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!is_public(a.parse().unwrap()), "{a}");
        }
        for a in ["142.250.184.202", "2a00:1450:4003:80e::200a"] {
            assert!(is_public(a.parse().unwrap()), "{a}");
        }
    }

    #[test]
    fn retry_after_in_seconds() {
        assert_eq!(parse_retry_after(" 3 "), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }
}
