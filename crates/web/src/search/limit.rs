//! A per-node limit on searches per client: a token bucket per IP address, in memory.
//!
//! Only searches that reach the index are counted (a cached results page costs nothing), so
//! readers paging through popular results are never limited; a client making up queries to
//! miss the cache is. Memory is bounded: buckets live in a fixed-size cache, and when it is
//! full the least used go first (an evicted client starts again with a full bucket, which
//! costs an attacker nothing they did not already have). IPv6 clients are keyed by their /64,
//! the block one host usually gets. The address is the TCP peer; behind a reverse proxy that
//! is the proxy (trusting a forwarded header is a separate setting, to come).

use std::{
    net::{IpAddr, Ipv6Addr},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

/// Clients remembered at once (a bucket is a few dozen bytes).
const CLIENTS: usize = 16_384;

/// Keyed by client address for searches; the API also keys one by API key (`K`).
pub struct SearchLimiter<K = IpAddr> {
    buckets: quick_cache::sync::Cache<K, Arc<Mutex<Bucket>>>,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

impl<K: Eq + std::hash::Hash + Clone> Default for SearchLimiter<K> {
    fn default() -> Self {
        Self {
            buckets: quick_cache::sync::Cache::new(CLIENTS),
        }
    }
}

impl SearchLimiter {
    /// Takes one search from `client`'s bucket: `per_minute` searches a minute, up to a
    /// minute's worth at once. `Err` says when the next one will be allowed. `per_minute`
    /// 0 turns the limit off.
    pub fn take(&self, client: IpAddr, per_minute: u32) -> Result<(), Duration> {
        self.take_at(client, per_minute, Instant::now())
    }

    fn take_at(&self, client: IpAddr, per_minute: u32, now: Instant) -> Result<(), Duration> {
        self.take_key_at(key(client), per_minute, now)
    }
}

impl<K: Eq + std::hash::Hash + Clone> SearchLimiter<K> {
    /// [`SearchLimiter::take`] for any key (an API key's id).
    pub fn take_key(&self, key: K, per_minute: u32) -> Result<(), Duration> {
        self.take_key_at(key, per_minute, Instant::now())
    }

    fn take_key_at(&self, key: K, per_minute: u32, now: Instant) -> Result<(), Duration> {
        if per_minute == 0 {
            return Ok(());
        }
        let capacity = f64::from(per_minute);
        let per_sec = capacity / 60.0;
        let bucket = self
            .buckets
            .get_or_insert_with(&key, || {
                Ok::<_, std::convert::Infallible>(Arc::new(Mutex::new(Bucket {
                    tokens: capacity,
                    at: now,
                })))
            })
            .unwrap_or_else(|e| match e {});
        let mut b = bucket
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
        b.tokens = (b.tokens + elapsed * per_sec).min(capacity);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - b.tokens) / per_sec).max(Duration::from_secs(1)))
        }
    }
}

/// The address a client is known by: IPv4 as is, IPv6 by its /64 (IPv4-mapped ones as IPv4).
fn key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_gets_its_rate_and_others_are_not_affected() {
        let limiter = SearchLimiter::<IpAddr>::default();
        let t0 = Instant::now();
        let a: IpAddr = "203.0.113.7".parse().unwrap();
        let b: IpAddr = "203.0.113.8".parse().unwrap();
        for _ in 0..60 {
            assert!(limiter.take_at(a, 60, t0).is_ok());
        }
        let wait = limiter.take_at(a, 60, t0).unwrap_err();
        assert!(wait >= Duration::from_secs(1) && wait <= Duration::from_secs(2));
        assert!(limiter.take_at(b, 60, t0).is_ok());
        // One a second comes back.
        assert!(limiter.take_at(a, 60, t0 + Duration::from_secs(1)).is_ok());
        assert!(limiter.take_at(a, 60, t0 + Duration::from_secs(1)).is_err());
        assert!(limiter.take_at(a, 0, t0).is_ok(), "0 turns the limit off");
    }

    #[test]
    fn an_ipv6_client_is_its_64() {
        let limiter = SearchLimiter::<IpAddr>::default();
        let t0 = Instant::now();
        let one: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let other_in_64: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        for _ in 0..5 {
            assert!(limiter.take_at(one, 5, t0).is_ok());
        }
        assert!(limiter.take_at(other_in_64, 5, t0).is_err());
        assert!(
            limiter
                .take_at("2001:db8:1:3::1".parse().unwrap(), 5, t0)
                .is_ok()
        );
    }

    #[test]
    fn memory_is_bounded() {
        let limiter = SearchLimiter::<IpAddr>::default();
        let t0 = Instant::now();
        for i in 0..(CLIENTS as u32 * 3) {
            let _ = limiter.take_at(IpAddr::V4(i.into()), 60, t0);
        }
        assert!(limiter.buckets.len() <= CLIENTS + CLIENTS / 10);
    }
}
