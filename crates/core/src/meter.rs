//! The registration wall's meter: how many articles an anonymous reader may read before the
//! wall asks them to register, and the compact signed cookie that remembers it.
//!
//! Rules (unit-tested below; the web layer only applies them):
//! - Signed-in readers (staff included) are never walled, and never counted.
//! - Free articles never count and are never walled.
//! - Registered-only articles are walled for every anonymous reader.
//! - Metered articles: an anonymous reader may read `free` of them per window (default 5 per
//!   30 days). The window starts with the first article counted and ends `window` later; then
//!   the meter starts afresh. Re-reading an article already counted is free.
//!
//! The state lives only in the reader's browser, in a cookie signed with HMAC-SHA256 (no
//! storage per anonymous reader on the server). A cookie that is tampered with, malformed,
//! oversized, or from the future is read as a fresh meter — never an error. Clearing cookies
//! therefore resets the meter: a wall that stops nobody determined, which is what a free
//! registration wall is for (it asks; it does not lock).

use std::fmt::Write as _;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::AccessLevel;

const DAY_MS: i64 = 86_400_000;
/// More counted articles than any sane policy needs; longer cookies are not read.
const MAX_COUNTED: usize = 64;
/// A cookie longer than this is garbage (64 keys of 8 hex digits plus the rest is ~560).
pub const MAX_COOKIE_LEN: usize = 600;
/// Bytes of the HMAC kept in the cookie: 128 bits is plenty against forgery.
const MAC_LEN: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeterPolicy {
    /// Metered articles an anonymous reader may read per window.
    pub free: u32,
    /// The window's length in milliseconds.
    pub window_ms: i64,
}

impl Default for MeterPolicy {
    fn default() -> Self {
        Self {
            free: 5,
            window_ms: 30 * DAY_MS,
        }
    }
}

/// What one anonymous browser has read: when its window started and which articles counted.
/// Articles are identified by a 32-bit key (see [`article_key`]): the cookie stays small, and
/// a collision (one in four billion per pair) merely gives a reader one free re-read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MeterState {
    /// Milliseconds since the epoch; 0 when nothing has been counted.
    pub window_start_ms: i64,
    pub counted: Vec<u32>,
}

/// Why an article is walled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WallReason {
    /// The reader has read their free articles for this window.
    MeterSpent,
    /// The article is for registered readers only.
    RegisteredOnly,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The whole article, with nothing to say about the meter (free articles, signed-in
    /// readers).
    Open,
    /// The whole article, counted on the meter: `left` metered articles remain in the window.
    Metered { left: u32 },
    /// The lead-in and the wall.
    Walled(WallReason),
}

/// A decision and, when the meter changed, the state to store in the cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub decision: Decision,
    pub new_state: Option<MeterState>,
}

impl MeterPolicy {
    /// Decides what a reader sees of an article; `now_ms` is the current time.
    pub fn decide(
        &self,
        state: &MeterState,
        article: u32,
        access: AccessLevel,
        signed_in: bool,
        now_ms: i64,
    ) -> Outcome {
        let open = |decision| Outcome {
            decision,
            new_state: None,
        };
        if signed_in || access == AccessLevel::Free {
            return open(Decision::Open);
        }
        if access == AccessLevel::Registered {
            return open(Decision::Walled(WallReason::RegisteredOnly));
        }
        let current = self.current(state, now_ms);
        let used = current.counted.len() as u32;
        let left = |used: u32| self.free.saturating_sub(used);
        if current.counted.contains(&article) {
            // A re-read is free; a state that was reset must still be written back.
            let new_state = (current != *state).then(|| current.clone());
            return Outcome {
                decision: Decision::Metered { left: left(used) },
                new_state,
            };
        }
        if used >= self.free {
            return Outcome {
                decision: Decision::Walled(WallReason::MeterSpent),
                // A spent meter from an earlier window was reset above and is not spent.
                new_state: None,
            };
        }
        let mut next = current;
        if next.counted.is_empty() {
            next.window_start_ms = now_ms;
        }
        next.counted.push(article);
        Outcome {
            decision: Decision::Metered {
                left: left(used + 1),
            },
            new_state: Some(next),
        }
    }

    /// The state as of `now`: a window that has ended (or that claims to start in the future,
    /// which only a broken clock or a forger produces) starts afresh.
    fn current(&self, state: &MeterState, now_ms: i64) -> MeterState {
        let start = state.window_start_ms;
        let valid = !state.counted.is_empty()
            && start <= now_ms.saturating_add(DAY_MS)
            && now_ms < start.saturating_add(self.window_ms);
        if valid {
            state.clone()
        } else {
            MeterState::default()
        }
    }
}

/// The meter key of an article: 32 bits of a hash of its ID.
pub fn article_key(article_id: &str) -> u32 {
    use sha2::Digest as _;
    let digest = Sha256::digest(article_id.as_bytes());
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// Signs and reads meter cookies. The key is the site's secret (generated on first start).
#[derive(Clone)]
pub struct MeterCodec {
    key: Hmac<Sha256>,
}

impl std::fmt::Debug for MeterCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MeterCodec(…)")
    }
}

impl MeterCodec {
    pub fn new(secret: &[u8]) -> Self {
        let key = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
        Self { key }
    }

    fn mac(&self, payload: &str) -> Vec<u8> {
        let mut mac = self.key.clone();
        mac.update(b"masthead-meter-v1\0");
        mac.update(payload.as_bytes());
        mac.finalize().into_bytes()[..MAC_LEN].to_vec()
    }

    /// `v1.<window start, seconds, hex>.<keys, 8 hex digits each>.<mac, base64url>`
    pub fn encode(&self, state: &MeterState) -> String {
        let mut payload = format!("v1.{:x}.", state.window_start_ms.max(0) / 1000);
        for key in state.counted.iter().take(MAX_COUNTED) {
            // Writing into a String cannot fail.
            let _ = write!(payload, "{key:08x}");
        }
        let mac = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(self.mac(&payload));
        format!("{payload}.{mac}")
    }

    /// The state in a cookie; anything that does not verify is a fresh meter.
    pub fn decode(&self, cookie: Option<&str>) -> MeterState {
        cookie.and_then(|c| self.try_decode(c)).unwrap_or_default()
    }

    fn try_decode(&self, cookie: &str) -> Option<MeterState> {
        if cookie.len() > MAX_COOKIE_LEN {
            return None;
        }
        let (payload, mac) = cookie.rsplit_once('.')?;
        let mac = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(mac)
            .ok()?;
        // Verifying through the Mac type compares in constant time.
        let mut check = self.key.clone();
        check.update(b"masthead-meter-v1\0");
        check.update(payload.as_bytes());
        check.verify_truncated_left(&mac).ok()?;
        if mac.len() != MAC_LEN {
            return None;
        }
        let mut parts = payload.split('.');
        if parts.next()? != "v1" {
            return None;
        }
        let start = i64::from_str_radix(parts.next()?, 16).ok()?;
        let keys = parts.next()?;
        if parts.next().is_some() || keys.len() % 8 != 0 || keys.len() / 8 > MAX_COUNTED {
            return None;
        }
        let counted = keys
            .as_bytes()
            .chunks(8)
            .map(|c| u32::from_str_radix(std::str::from_utf8(c).ok()?, 16).ok())
            .collect::<Option<Vec<u32>>>()?;
        Some(MeterState {
            window_start_ms: start.checked_mul(1000)?,
            counted,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_780_000_000_000;
    const M: AccessLevel = AccessLevel::Metered;

    fn read(p: &MeterPolicy, s: &MeterState, article: u32, now: i64) -> Outcome {
        p.decide(s, article, M, false, now)
    }

    /// Reads articles 1..=n in turn, keeping the cookie state, and returns it.
    fn read_n(p: &MeterPolicy, n: u32, now: i64) -> MeterState {
        let mut s = MeterState::default();
        for a in 1..=n {
            let o = read(p, &s, a, now);
            s = o.new_state.unwrap_or(s);
        }
        s
    }

    #[test]
    fn counts_down_then_walls_the_sixth() {
        let p = MeterPolicy::default();
        let mut s = MeterState::default();
        for (a, left) in (1..=5).zip([4, 3, 2, 1, 0]) {
            let o = read(&p, &s, a, NOW);
            assert_eq!(o.decision, Decision::Metered { left }, "article {a}");
            s = o.new_state.expect("a new article changes the meter");
        }
        assert_eq!(s.window_start_ms, NOW);
        let o = read(&p, &s, 6, NOW + 1000);
        assert_eq!(o.decision, Decision::Walled(WallReason::MeterSpent));
        assert_eq!(o.new_state, None);
    }

    #[test]
    fn rereads_are_free_even_when_spent() {
        let p = MeterPolicy::default();
        let s = read_n(&p, 5, NOW);
        let o = read(&p, &s, 3, NOW + 5);
        assert_eq!(o.decision, Decision::Metered { left: 0 });
        assert_eq!(o.new_state, None, "a re-read writes nothing");
    }

    #[test]
    fn the_window_rolls_over() {
        let p = MeterPolicy::default();
        let s = read_n(&p, 5, NOW);
        let last_moment = NOW + p.window_ms - 1;
        assert_eq!(
            read(&p, &s, 9, last_moment).decision,
            Decision::Walled(WallReason::MeterSpent)
        );
        let o = read(&p, &s, 9, NOW + p.window_ms);
        assert_eq!(o.decision, Decision::Metered { left: 4 });
        let fresh = o.new_state.unwrap();
        assert_eq!(fresh.counted, vec![9]);
        assert_eq!(fresh.window_start_ms, NOW + p.window_ms);
        // A re-read of an article counted in the old window counts again in the new one.
        let o = read(&p, &s, 1, NOW + p.window_ms);
        assert_eq!(o.decision, Decision::Metered { left: 4 });
    }

    #[test]
    fn a_window_from_the_future_is_reset() {
        let p = MeterPolicy::default();
        let s = MeterState {
            window_start_ms: NOW + 10 * DAY_MS,
            counted: vec![1, 2, 3, 4, 5],
        };
        assert_eq!(read(&p, &s, 7, NOW).decision, Decision::Metered { left: 4 });
    }

    #[test]
    fn free_and_registered_articles_and_signed_in_readers() {
        let p = MeterPolicy::default();
        let spent = read_n(&p, 5, NOW);
        let fresh = MeterState::default();
        for s in [&fresh, &spent] {
            let o = p.decide(s, 42, AccessLevel::Free, false, NOW);
            assert_eq!(o.decision, Decision::Open);
            assert_eq!(o.new_state, None, "free articles never count");
            let o = p.decide(s, 42, AccessLevel::Registered, false, NOW);
            assert_eq!(o.decision, Decision::Walled(WallReason::RegisteredOnly));
            for access in [
                AccessLevel::Free,
                AccessLevel::Metered,
                AccessLevel::Registered,
            ] {
                let o = p.decide(s, 42, access, true, NOW);
                assert_eq!(o.decision, Decision::Open);
                assert_eq!(o.new_state, None);
            }
        }
    }

    #[test]
    fn boundaries_of_the_policy() {
        let none = MeterPolicy {
            free: 0,
            ..Default::default()
        };
        assert_eq!(
            read(&none, &MeterState::default(), 1, NOW).decision,
            Decision::Walled(WallReason::MeterSpent)
        );
        let one = MeterPolicy {
            free: 1,
            window_ms: DAY_MS,
        };
        let s = read_n(&one, 1, NOW);
        assert_eq!(
            read(&one, &s, 2, NOW).decision,
            Decision::Walled(WallReason::MeterSpent)
        );
        // A lowered allowance keeps re-reads of what was counted under the old one.
        let lowered = MeterPolicy {
            free: 2,
            ..Default::default()
        };
        let s = read_n(&MeterPolicy::default(), 4, NOW);
        assert_eq!(
            read(&lowered, &s, 4, NOW).decision,
            Decision::Metered { left: 0 }
        );
        assert_eq!(
            read(&lowered, &s, 5, NOW).decision,
            Decision::Walled(WallReason::MeterSpent)
        );
    }

    #[test]
    fn cookies_round_trip_and_resist_tampering() {
        let codec = MeterCodec::new(b"site secret");
        let s = MeterState {
            window_start_ms: 1_780_000_000_000,
            counted: vec![1, 0xdead_beef, u32::MAX],
        };
        let c = codec.encode(&s);
        assert!(c.len() < 80, "{c}");
        assert_eq!(codec.decode(Some(&c)), s);
        assert_eq!(codec.decode(None), MeterState::default());

        // Another site's key, a flipped character anywhere, truncation, garbage, huge input.
        let other = MeterCodec::new(b"another secret");
        assert_eq!(other.decode(Some(&c)), MeterState::default());
        for i in 0..c.len() {
            let mut bytes = c.clone().into_bytes();
            bytes[i] = if bytes[i] == b'0' { b'1' } else { b'0' };
            let t = String::from_utf8(bytes).unwrap();
            assert_eq!(codec.decode(Some(&t)), MeterState::default(), "{t}");
        }
        for bad in [
            "",
            ".",
            "v1..",
            &c[..c.len() - 3],
            "v1.0.zzzzzzzz.AAAAAAAAAAAAAAAAAAAAAA",
            "ÿÿÿ.é",
            &"a".repeat(10_000),
        ] {
            assert_eq!(codec.decode(Some(bad)), MeterState::default(), "{bad}");
        }
    }

    #[test]
    fn article_keys_are_stable_and_distinct() {
        assert_eq!(article_key("a"), article_key("a"));
        assert_ne!(article_key("a"), article_key("b"));
    }
}
