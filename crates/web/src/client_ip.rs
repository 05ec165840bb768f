//! Who is on the other end, for per-client limits: the TCP peer, or, when the peer is one of
//! the site's own reverse proxies (`MASTHEAD_TRUSTED_PROXIES`, CIDRs), the address that proxy
//! says it served.
//!
//! Decisions:
//! - `X-Forwarded-For` and `Forwarded` are read only from a trusted peer; anyone else could
//!   write them. The list is read from the right (each proxy appends what it saw), skipping
//!   trusted proxies, and the first address that is not one is the client. A header that
//!   cannot be read falls back to the peer.
//! - Limits count an IPv6 client by its /64 (one subscriber's network: every address in it is
//!   theirs to use), an IPv4 client by its address.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::{HeaderMap, request::Parts},
};
use ipnet::IpNet;

use crate::{AppState, error::WebError};

/// The client's address as limits count it (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl ClientIp {
    /// The key limits count under: the IPv4 address, or the IPv6 /64.
    pub fn limit_key(&self) -> String {
        match self.0 {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => v4.to_string(),
                None => {
                    let s = v6.segments();
                    let net = Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                    format!("{net}/64")
                }
            },
        }
    }
}

/// `MASTHEAD_TRUSTED_PROXIES`: CIDRs or single addresses, separated by commas or spaces.
pub fn parse_trusted_proxies(s: &str) -> Result<Vec<IpNet>, String> {
    s.split([',', ' '])
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.parse::<IpNet>()
                .or_else(|_| p.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    format!(
                        "“{p}” is not an address or a CIDR range such as 10.0.0.0/8 or fd00::/8"
                    )
                })
        })
        .collect()
}

/// The client behind `peer`, given the site's trusted proxies.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let forwarded = forwarded_for(headers);
    forwarded
        .into_iter()
        .rev()
        .find(|ip| !is_trusted(ip))
        .unwrap_or(peer)
}

/// The addresses a proxy chain reported, oldest first: `Forwarded: for=` (RFC 7239) if
/// present, else `X-Forwarded-For`. Entries that are not addresses (`unknown`, obfuscated
/// names) end the list where they stand, so nothing before them is believed.
fn forwarded_for(headers: &HeaderMap) -> Vec<IpAddr> {
    let joined = |name: &str| {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join(",")
    };
    let forwarded = joined("forwarded");
    let entries: Vec<String> = if !forwarded.is_empty() {
        forwarded
            .split(',')
            .filter_map(|element| {
                element.split(';').find_map(|pair| {
                    let (k, v) = pair.trim().split_once('=')?;
                    k.trim()
                        .eq_ignore_ascii_case("for")
                        .then(|| v.trim().trim_matches('"').to_owned())
                })
            })
            .collect()
    } else {
        joined("x-forwarded-for")
            .split(',')
            .map(|s| s.trim().to_owned())
            .collect()
    };
    let mut out = Vec::new();
    for e in entries.iter().rev() {
        match parse_node(e) {
            Some(ip) => out.push(ip),
            None => break,
        }
    }
    out.reverse();
    out
}

/// `203.0.113.9`, `203.0.113.9:4711`, `[2001:db8::1]`, `[2001:db8::1]:4711`, `2001:db8::1`.
fn parse_node(s: &str) -> Option<IpAddr> {
    if let Ok(ip) = s.parse() {
        return Some(ip);
    }
    if let Ok(sa) = s.parse::<SocketAddr>() {
        return Some(sa.ip());
    }
    s.strip_prefix('[')
        .and_then(|r| r.split_once(']'))
        .and_then(|(ip, _)| ip.parse().ok())
}

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, WebError> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .ok_or_else(|| WebError::Internal(anyhow::anyhow!("no peer address")))?;
        Ok(Self(client_ip(
            peer,
            &parts.headers,
            &app.config.trusted_proxies,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_headers_count_only_from_trusted_proxies() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let xff = headers(&[("x-forwarded-for", "198.51.100.7, 203.0.113.9")]);
        // From a stranger, the header is ignored.
        assert_eq!(client_ip(ip("192.0.2.1"), &xff, &trusted), ip("192.0.2.1"));
        // From the proxy, the rightmost address it did not add itself.
        assert_eq!(client_ip(ip("10.1.2.3"), &xff, &trusted), ip("203.0.113.9"));
        let chain = headers(&[("x-forwarded-for", "203.0.113.9, 10.9.9.9")]);
        assert_eq!(
            client_ip(ip("10.1.2.3"), &chain, &trusted),
            ip("203.0.113.9")
        );
        // RFC 7239, with a port and IPv6 brackets.
        let fwd = headers(&[(
            "forwarded",
            "for=192.0.2.60;proto=http, for=\"[2001:db8::17]:4711\"",
        )]);
        assert_eq!(
            client_ip(ip("10.1.2.3"), &fwd, &trusted),
            ip("2001:db8::17")
        );
        // Garbage ends the believed part of the list; nothing: the peer.
        let junk = headers(&[("x-forwarded-for", "203.0.113.9, not-an-ip")]);
        assert_eq!(client_ip(ip("10.1.2.3"), &junk, &trusted), ip("10.1.2.3"));
        assert_eq!(
            client_ip(ip("10.1.2.3"), &HeaderMap::new(), &trusted),
            ip("10.1.2.3")
        );
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64() {
        let a = ClientIp(ip("2001:db8:1:2:aaaa::1"));
        let b = ClientIp(ip("2001:db8:1:2:ffff:ffff:ffff:ffff"));
        let other = ClientIp(ip("2001:db8:1:3::1"));
        assert_eq!(a.limit_key(), "2001:db8:1:2::/64");
        assert_eq!(a.limit_key(), b.limit_key());
        assert_ne!(a.limit_key(), other.limit_key());
        assert_eq!(ClientIp(ip("203.0.113.9")).limit_key(), "203.0.113.9");
        assert_eq!(
            ClientIp(ip("::ffff:203.0.113.9")).limit_key(),
            "203.0.113.9"
        );
    }
}
