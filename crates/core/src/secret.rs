//! Secrets handed to readers (sign-in links, codes, session cookies, CSRF tokens): made from
//! the operating system's CSPRNG, stored only as keyed hashes ([`TokenHasher`]), compared in
//! constant time.
//!
//! Why keyed: a sign-in code has only 10^8 values, so a bare SHA-256 of it in the database is
//! brute-forced in about a minute by anyone who can read the database (a backup, a replica, an
//! SQL injection elsewhere). With HMAC-SHA-256 under a key that is not in the database (a file
//! in the data directory, or a setting shared by the nodes), the database alone tells nothing.
//! Tokens (256 bits) would be safe either way; they use the same hasher for uniformity.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use rand::{Rng, RngCore, TryRngCore, rngs::OsRng};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::ParseError;

/// Hashes secrets for storage: hex HMAC-SHA-256 under the site's token key. `Debug` never
/// shows the key.
#[derive(Clone)]
pub struct TokenHasher {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for TokenHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenHasher(key masked)")
    }
}

impl TokenHasher {
    /// The hasher for a key as written in the key file or `MASTHEAD_TOKEN_KEY`: 32 bytes as
    /// URL-safe base64 (43 characters, what [`random_token`] makes) or 64 hex digits.
    pub fn from_key_text(text: &str) -> Result<Self, ParseError> {
        let text = text.trim();
        let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            (0..32)
                .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16))
                .collect::<Result<Vec<u8>, _>>()
                .map_err(|_| ParseError::new("the token key is not valid hex"))?
        } else {
            URL_SAFE_NO_PAD.decode(text).map_err(|_| {
                ParseError::new(
                    "the token key must be 32 bytes as URL-safe base64 (43 characters) or 64 hex digits",
                )
            })?
        };
        if bytes.len() != 32 {
            return Err(ParseError::new(format!(
                "the token key must be 32 bytes; this one has {}",
                bytes.len()
            )));
        }
        Ok(Self::from_key(&bytes))
    }

    fn from_key(key: &[u8]) -> Self {
        Self {
            mac: Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length"),
        }
    }

    /// The stored form of `secret`.
    pub fn hash(&self, secret: &str) -> String {
        let mut mac = self.mac.clone();
        mac.update(secret.as_bytes());
        hex(&mac.finalize().into_bytes())
    }

    /// A value that tells two keys apart without revealing either (a hash under the key of a
    /// fixed text, which no token ever is): nodes compare it to find a node whose key differs.
    pub fn fingerprint(&self) -> String {
        self.hash("masthead token key fingerprint\u{0}")[..32].to_owned()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// 256 random bits, URL-safe base64 (43 characters).
pub fn random_token() -> String {
    let mut bytes = [0_u8; 32];
    OsRng.unwrap_err().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// An 8-digit code for typing on another device (10^8 possibilities; attempts are limited).
pub fn random_code() -> String {
    let n: u32 = OsRng.unwrap_err().random_range(0..100_000_000);
    format!("{n:08}")
}

/// Hex SHA-256, unkeyed: a fingerprint of text that is not secret (a comment's words, for
/// duplicate detection), and the form in which sessions opened before keyed hashes were
/// stored (recognised once and re-keyed, `web/src/session`). Never for a new secret: use
/// [`TokenHasher::hash`].
pub fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

/// Compares two secrets without leaking where they differ.
pub fn secrets_equal(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// A typed code as readers write it: "1234 5678", "1234-5678" → "12345678".
pub fn normalize_code(input: &str) -> String {
    input.chars().filter(char::is_ascii_digit).collect()
}

/// Whether a string could be a token we issued (cheap check before a database look-up).
pub fn looks_like_token(s: &str) -> bool {
    s.len() == 43
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_url_safe() {
        let a = random_token();
        let b = random_token();
        assert_ne!(a, b);
        assert!(looks_like_token(&a), "{a}");
        assert!(!looks_like_token("short"));
        assert!(!looks_like_token(&format!("{}!", &a[..42])));
    }

    #[test]
    fn codes_have_eight_digits() {
        for _ in 0..100 {
            let c = random_code();
            assert_eq!(c.len(), 8);
            assert!(c.bytes().all(|b| b.is_ascii_digit()));
        }
        assert_eq!(normalize_code(" 1234 5678 "), "12345678");
        assert_eq!(normalize_code("1234-5678"), "12345678");
    }

    #[test]
    fn keyed_hashes_depend_on_the_key_and_match_rfc_4231() {
        // RFC 4231 test case 2 has a 4-byte key; ours are 32 bytes, so check the HMAC with a
        // 32-byte key against an independent computation: Python's
        // hmac.new(bytes(range(32)), b"what do ya want for nothing?", "sha256").hexdigest()
        let key: Vec<u8> = (0..32).collect();
        let h = TokenHasher::from_key_text(&hex(&key)).unwrap();
        assert_eq!(
            h.hash("what do ya want for nothing?"),
            "099805f4ac310786968565c098db515cc50862b420ae31e20238312344bed36a"
        );
        let b64 = URL_SAFE_NO_PAD.encode(&key);
        assert_eq!(
            TokenHasher::from_key_text(&b64).unwrap().hash("x"),
            h.hash("x")
        );
        let other = TokenHasher::from_key_text(&random_token()).unwrap();
        assert_ne!(other.hash("12345678"), h.hash("12345678"));
        assert_ne!(other.fingerprint(), h.fingerprint());
        assert_ne!(h.hash("12345678"), sha256_hex("12345678"));
        assert!(!format!("{h:?}").contains(&b64));
        for bad in ["", "short", &hex(&key[..31]), &"zz".repeat(32)] {
            assert!(TokenHasher::from_key_text(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn hashes_are_stable_and_comparisons_exact() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(secrets_equal("same", "same"));
        assert!(!secrets_equal("same", "sane"));
        assert!(!secrets_equal("same", "same!"));
    }
}
