//! Subscriptions as browsers give them (`PushSubscription.toJSON()`), parsed once into a
//! [`Subscription`] that can only hold what we can deliver to, and the list of push services
//! the server delivers to ([`PushServices`], `MASTHEAD_PUSH_SERVICES`).
//!
//! An endpoint is a URL chosen by a stranger: the server POSTs to it. So an endpoint must be on
//! the allow-list, which names push services by host suffix (`fcm.googleapis.com` matches
//! that host and its subdomains, https on port 443 only) or by exact origin
//! (`http://127.0.0.1:9000`, for a push service on loopback in tests or a private relay).
//! `http:` is accepted only for an origin listed with `http://`; an IP address only when its
//! origin is listed; a suffix never matches an IP literal. The delivery client's resolver
//! ([`crate::deliver`]) refuses private, loopback and link-local addresses for hosts that were
//! matched by suffix, so a listed name pointed at an internal address is not followed either.

use std::{fmt, net::IpAddr};

use serde::Deserialize;
use url::Url;

use crate::{b64, ece};

/// The longest endpoint kept (real ones are a few hundred characters).
pub const MAX_ENDPOINT: usize = 2048;

/// The push services of Chrome/Android, Firefox, Safari/Apple and Edge/Windows.
pub const DEFAULT_SERVICES: &str =
    "fcm.googleapis.com,updates.push.services.mozilla.com,push.apple.com,notify.windows.com";

/// The push services the server delivers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushServices {
    entries: Vec<Service>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Service {
    /// scheme, host (lower case; IPv6 in brackets as `Url` writes it), port.
    Origin(String, String, u16),
    /// A DNS suffix: the host itself or any subdomain, https on 443.
    Suffix(String),
}

impl Default for PushServices {
    fn default() -> Self {
        Self::parse(DEFAULT_SERVICES).expect("the default push services parse")
    }
}

impl PushServices {
    /// A comma-separated list of origins (`https://push.example:8443`, `http://127.0.0.1:9000`)
    /// and host suffixes (`fcm.googleapis.com`).
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut entries = Vec::new();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            if item.contains("://") {
                let url =
                    Url::parse(item).map_err(|e| format!("“{item}” is not an origin: {e}"))?;
                if !matches!(url.scheme(), "http" | "https") {
                    return Err(format!(
                        "“{item}”: push services are reached over http or https"
                    ));
                }
                if url.path() != "/" || url.query().is_some() || !url.username().is_empty() {
                    return Err(format!(
                        "“{item}”: give an origin only (scheme, host and port), without a path"
                    ));
                }
                let host = url
                    .host_str()
                    .ok_or_else(|| format!("“{item}” has no host"))?;
                let port = url.port_or_known_default().unwrap_or(443);
                entries.push(Service::Origin(
                    url.scheme().into(),
                    host.to_ascii_lowercase(),
                    port,
                ));
            } else {
                let suffix = item.trim_start_matches('.').to_ascii_lowercase();
                let valid = suffix.contains('.')
                    && suffix
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
                    && suffix.parse::<IpAddr>().is_err();
                if !valid {
                    return Err(format!(
                        "“{item}” is not a host suffix such as fcm.googleapis.com (an IP address must be given as an origin, such as http://127.0.0.1:9000)"
                    ));
                }
                entries.push(Service::Suffix(suffix));
            }
        }
        if entries.is_empty() {
            return Err("the list of push services is empty".into());
        }
        Ok(Self { entries })
    }

    /// Whether `url` is on the list (see the module docs).
    pub fn allows(&self, url: &Url) -> bool {
        let Some(host) = url.host_str().map(str::to_ascii_lowercase) else {
            return false;
        };
        let port = url.port_or_known_default().unwrap_or(0);
        if !url.username().is_empty() || url.password().is_some() {
            return false;
        }
        self.entries.iter().any(|e| match e {
            Service::Origin(scheme, h, p) => scheme == url.scheme() && *h == host && *p == port,
            Service::Suffix(s) => {
                url.scheme() == "https"
                    && port == 443
                    && matches!(url.host(), Some(url::Host::Domain(_)))
                    && (host == *s || host.ends_with(&format!(".{s}")))
            }
        })
    }

    /// Whether `host` was listed by exact origin (so it may resolve to any address).
    pub fn lists_origin_host(&self, host: &str) -> bool {
        self.entries
            .iter()
            .any(|e| matches!(e, Service::Origin(_, h, _) if h.eq_ignore_ascii_case(host)))
    }
}

impl fmt::Display for PushServices {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .entries
            .iter()
            .map(|e| match e {
                Service::Origin(s, h, p) => format!("{s}://{h}:{p}"),
                Service::Suffix(s) => s.clone(),
            })
            .collect();
        f.write_str(&parts.join(","))
    }
}

/// `PushSubscription.toJSON()`.
#[derive(Debug, Clone, Deserialize)]
pub struct SubscriptionJson {
    pub endpoint: String,
    #[serde(default, rename = "expirationTime")]
    pub expiration_time: Option<f64>,
    pub keys: KeysJson,
}

#[derive(Debug, Clone, Deserialize)]
pub struct KeysJson {
    pub p256dh: String,
    pub auth: String,
}

/// A subscription we can deliver to.
#[derive(Clone, PartialEq, Eq)]
pub struct Subscription {
    pub endpoint: String,
    /// The browser's P-256 public key, uncompressed (65 bytes).
    pub p256dh: Vec<u8>,
    pub auth: [u8; 16],
}

impl fmt::Debug for Subscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The endpoint is a capability (anyone holding it and our key could push): not logged.
        f.debug_struct("Subscription")
            .field("endpoint", &"…")
            .finish_non_exhaustive()
    }
}

/// Why a subscription was refused; [`SubscriptionError::field`] names the JSON field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubscriptionError {
    #[error("the endpoint is not a URL")]
    EndpointNotUrl,
    #[error("the endpoint is longer than {MAX_ENDPOINT} characters")]
    EndpointTooLong,
    #[error("the endpoint must use https")]
    NotHttps,
    #[error("the endpoint is not on this site's list of push services")]
    NotListed,
    #[error("keys.p256dh is not base64url")]
    KeyEncoding,
    #[error("keys.p256dh is not an uncompressed P-256 public key")]
    KeyNotP256,
    #[error("keys.auth is not base64url")]
    AuthEncoding,
    #[error("keys.auth must be 16 bytes, not {0}")]
    AuthLength(usize),
}

impl SubscriptionError {
    pub fn field(&self) -> &'static str {
        match self {
            Self::EndpointNotUrl | Self::EndpointTooLong | Self::NotHttps | Self::NotListed => {
                "subscription.endpoint"
            }
            Self::KeyEncoding | Self::KeyNotP256 => "subscription.keys.p256dh",
            Self::AuthEncoding | Self::AuthLength(_) => "subscription.keys.auth",
        }
    }
}

/// Checks an endpoint against the allow-list; the URL as it will be requested.
pub fn parse_endpoint(endpoint: &str, services: &PushServices) -> Result<Url, SubscriptionError> {
    if endpoint.len() > MAX_ENDPOINT {
        return Err(SubscriptionError::EndpointTooLong);
    }
    let url = Url::parse(endpoint).map_err(|_| SubscriptionError::EndpointNotUrl)?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(SubscriptionError::EndpointNotUrl);
    }
    if services.allows(&url) {
        return Ok(url);
    }
    Err(if url.scheme() == "http" {
        SubscriptionError::NotHttps
    } else {
        SubscriptionError::NotListed
    })
}

impl Subscription {
    pub fn parse(
        json: &SubscriptionJson,
        services: &PushServices,
    ) -> Result<Self, SubscriptionError> {
        let url = parse_endpoint(json.endpoint.trim(), services)?;
        let p256dh = b64::decode(&json.keys.p256dh).ok_or(SubscriptionError::KeyEncoding)?;
        if !ece::is_valid_p256_key(&p256dh) {
            return Err(SubscriptionError::KeyNotP256);
        }
        let auth = b64::decode(&json.keys.auth).ok_or(SubscriptionError::AuthEncoding)?;
        let auth: [u8; 16] = auth
            .as_slice()
            .try_into()
            .map_err(|_| SubscriptionError::AuthLength(auth.len()))?;
        Ok(Self {
            endpoint: url.to_string(),
            p256dh,
            auth,
        })
    }

    /// From the stored (base64url) form.
    pub fn from_stored(endpoint: &str, p256dh: &str, auth: &str) -> Option<Self> {
        Some(Self {
            endpoint: endpoint.to_owned(),
            p256dh: b64::decode(p256dh)?,
            auth: b64::decode(auth)?.try_into().ok()?,
        })
    }

    pub fn p256dh_b64(&self) -> String {
        b64::encode(&self.p256dh)
    }

    pub fn auth_b64(&self) -> String {
        b64::encode(&self.auth)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const UA: &str =
        "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";

    fn json(endpoint: &str, p256dh: &str, auth: &str) -> SubscriptionJson {
        serde_json::from_value(serde_json::json!({
            "endpoint": endpoint, "expirationTime": null, "keys": { "p256dh": p256dh, "auth": auth }
        }))
        .unwrap()
    }

    #[test]
    fn endpoints_must_be_on_the_list() {
        let s = PushServices::default();
        let ok = |e: &str| parse_endpoint(e, &s).map(|_| ());
        assert_eq!(ok("https://fcm.googleapis.com/fcm/send/abc"), Ok(()));
        assert_eq!(ok("https://web.push.apple.com/QG9"), Ok(()));
        assert_eq!(
            ok("https://wns2-par02p.notify.windows.com/w/?token=x"),
            Ok(())
        );
        assert_eq!(
            ok("http://fcm.googleapis.com/x"),
            Err(SubscriptionError::NotHttps)
        );
        assert_eq!(
            ok("https://fcm.googleapis.com:8443/x"),
            Err(SubscriptionError::NotListed)
        );
        assert_eq!(
            ok("https://evilfcm.googleapis.com.example/x"),
            Err(SubscriptionError::NotListed)
        );
        assert_eq!(
            ok("https://notfcm.googleapis.comx/x"),
            Err(SubscriptionError::NotListed)
        );
        assert_eq!(ok("https://127.0.0.1/x"), Err(SubscriptionError::NotListed));
        assert_eq!(ok("https://[::1]/x"), Err(SubscriptionError::NotListed));
        assert_eq!(ok("https://10.0.0.8/x"), Err(SubscriptionError::NotListed));
        assert_eq!(
            ok("https://user@fcm.googleapis.com/x"),
            Err(SubscriptionError::NotListed)
        );
        assert_eq!(
            ok("file:///etc/passwd"),
            Err(SubscriptionError::EndpointNotUrl)
        );
        assert_eq!(ok("not a url"), Err(SubscriptionError::EndpointNotUrl));
        let long = format!("https://fcm.googleapis.com/{}", "a".repeat(MAX_ENDPOINT));
        assert_eq!(ok(&long), Err(SubscriptionError::EndpointTooLong));
    }

    #[test]
    fn http_and_addresses_only_when_their_origin_is_listed() {
        let s = PushServices::parse("http://127.0.0.1:9000, fcm.googleapis.com").unwrap();
        assert!(parse_endpoint("http://127.0.0.1:9000/push/1", &s).is_ok());
        assert_eq!(
            parse_endpoint("http://127.0.0.1:9001/push/1", &s),
            Err(SubscriptionError::NotHttps)
        );
        assert_eq!(
            parse_endpoint("https://127.0.0.1:9000/push/1", &s),
            Err(SubscriptionError::NotListed)
        );
        assert!(s.lists_origin_host("127.0.0.1"));
        assert!(!s.lists_origin_host("fcm.googleapis.com"));
        assert!(PushServices::parse("10.0.0.1").is_err());
        assert!(PushServices::parse("ftp://x.example").is_err());
        assert!(PushServices::parse("https://x.example/path").is_err());
        assert!(PushServices::parse(" , ").is_err());
    }

    #[test]
    fn keys_are_checked() {
        let s = PushServices::default();
        let e = "https://fcm.googleapis.com/fcm/send/abc";
        let sub = Subscription::parse(&json(e, UA, "BTBZMqHH6r4Tts7J_aSIgg"), &s).unwrap();
        assert_eq!(sub.p256dh_b64(), UA);
        assert_eq!(
            Subscription::parse(&json(e, "!!!", "BTBZMqHH6r4Tts7J_aSIgg"), &s),
            Err(SubscriptionError::KeyEncoding)
        );
        // A P-384 point (97 bytes) and a point off the curve.
        let p384 = b64::encode(&[4u8; 97]);
        assert_eq!(
            Subscription::parse(&json(e, &p384, "BTBZMqHH6r4Tts7J_aSIgg"), &s),
            Err(SubscriptionError::KeyNotP256)
        );
        let mut off = b64::decode(UA).unwrap();
        off[64] ^= 1;
        assert_eq!(
            Subscription::parse(&json(e, &b64::encode(&off), "BTBZMqHH6r4Tts7J_aSIgg"), &s),
            Err(SubscriptionError::KeyNotP256)
        );
        let err = Subscription::parse(&json(e, UA, "AAAA"), &s).unwrap_err();
        assert_eq!(err, SubscriptionError::AuthLength(3));
        assert_eq!(err.field(), "subscription.keys.auth");
        // Padded standard base64 as some libraries write it is accepted too.
        assert!(Subscription::parse(&json(e, UA, "BTBZMqHH6r4Tts7J/aSIgg=="), &s).is_ok());
    }
}
