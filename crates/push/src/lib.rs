//! Web Push for Masthead, with no vendor in between: message encryption (RFC 8291,
//! [`ece`]), the server's identity (VAPID, RFC 8292, [`vapid`]), subscriptions and the
//! allow-list of push services ([`subscription`]), and delivery (RFC 8030, [`deliver`]).
//!
//! This crate knows no database and no web server: the store keeps subscriptions and the
//! VAPID key, `masthead-jobs` fans a send out in chunks, and `masthead-web` takes
//! subscriptions from browsers.
//!
//! Crypto is `ring` (already in the build through rustls): P-256 ECDH and ECDSA, HKDF,
//! AES-128-GCM.

pub mod deliver;
pub mod ece;
pub mod subscription;
pub mod testing;
pub mod vapid;

pub use deliver::{Deliverer, Message, Outcome, Timeouts};
pub use subscription::{PushServices, Subscription, SubscriptionError, SubscriptionJson};
pub use vapid::Vapid;

use serde::{Deserialize, Serialize};

/// The largest payload we send (push services take 4,096 bytes of encrypted body; keeping the
/// plaintext under 3 KB leaves room for every service's overhead).
pub const MAX_PAYLOAD: usize = 3000;

/// What the service worker shows: the JSON payload of a push.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub title: String,
    pub body: String,
    /// The article's address (opened on click).
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    /// The article's photo, where the platform shows one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Replaces an earlier notification with the same tag on the device.
    pub tag: String,
    /// The alert's ID, for the receipt the service worker reports.
    pub alert: String,
    /// When the send was confirmed (ms since the epoch), for delivery times.
    pub sent_at: i64,
}

impl Notification {
    /// The JSON payload, with the body shortened (at a character boundary, with an ellipsis)
    /// until the whole fits [`MAX_PAYLOAD`]; `None` if even an empty body does not (a title
    /// or addresses far too long).
    pub fn to_payload(&self) -> Option<Vec<u8>> {
        let mut n = self.clone();
        loop {
            let json = serde_json::to_vec(&n).ok()?;
            if json.len() <= MAX_PAYLOAD {
                return Some(json);
            }
            if n.body.is_empty() {
                return None;
            }
            // Bytes to drop (JSON escapes may make the body longer than it is), the ellipsis
            // included; cut at a character boundary.
            let over = json.len() - MAX_PAYLOAD + '…'.len_utf8();
            let mut keep = n.body.trim_end_matches('…').len().saturating_sub(over);
            while !n.body.is_char_boundary(keep) {
                keep -= 1;
            }
            n.body.truncate(keep);
            if !n.body.is_empty() {
                n.body.push('…');
            }
        }
    }
}

/// The `Topic` header for a story: a newer alert about the same story replaces an undelivered
/// older one. 32 characters of base64url (a hash: the article ID itself may not fit).
pub fn topic_for(article_id: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, article_id.as_bytes());
    b64::encode(&digest.as_ref()[..24])
}

/// Unpadded base64url, as Web Push writes keys; decoding also takes padding and the standard
/// alphabet, as some libraries write them.
pub mod b64 {
    use base64::{
        Engine,
        engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig, general_purpose},
    };

    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );

    pub fn encode(bytes: &[u8]) -> String {
        general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    pub fn decode(s: &str) -> Option<Vec<u8>> {
        let s = s.trim().replace('+', "-").replace('/', "_");
        LENIENT.decode(s).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_bodies_are_shortened_to_fit() {
        let n = Notification {
            title: "Harbour crane lifts a record load".into(),
            body: "é".repeat(5000),
            url: "https://news.example/city/harbour".into(),
            icon: None,
            image: None,
            tag: topic_for("a"),
            alert: "01".into(),
            sent_at: 1,
        };
        let p = n.to_payload().unwrap();
        assert!(p.len() <= MAX_PAYLOAD, "{}", p.len());
        let back: Notification = serde_json::from_slice(&p).unwrap();
        assert!(back.body.ends_with('…'));
        assert_eq!(back.title, n.title);
        let huge = Notification {
            title: "t".repeat(4000),
            ..n
        };
        assert_eq!(huge.to_payload(), None);
    }

    #[test]
    fn topics_fit_the_header() {
        let t = topic_for("0195e2c1-article");
        assert_eq!(t.len(), 32);
        assert!(
            t.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_ne!(t, topic_for("another"));
    }
}
