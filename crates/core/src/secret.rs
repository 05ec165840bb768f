//! Secrets handed to readers (sign-in links, codes, session cookies, CSRF tokens): made from
//! the operating system's CSPRNG, stored only as SHA-256 hashes, compared in constant time.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::{Rng, RngCore, TryRngCore, rngs::OsRng};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

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

/// The form in which a secret is stored: hex SHA-256. Tokens carry 256 bits of entropy, so a
/// fast hash is right (no password stretching needed).
pub fn hash_secret(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
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
    fn hashes_are_stable_and_comparisons_exact() {
        assert_eq!(
            hash_secret("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(secrets_equal("same", "same"));
        assert!(!secrets_equal("same", "sane"));
        assert!(!secrets_equal("same", "same!"));
    }
}
