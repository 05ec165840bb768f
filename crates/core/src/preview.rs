//! Preview link tokens: `ID.SIGNATURE`, the signature an HMAC-SHA256 of the link's id under a
//! server secret (base64url). A token that was not made with the secret is refused without
//! asking the database; the link's row (expiry, revocation) is checked after.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use sha2::Sha256;

fn mac(secret: &str, id: &str) -> Hmac<Sha256> {
    // HMAC takes a key of any length.
    let mut m = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    m.update(b"masthead-preview:");
    m.update(id.as_bytes());
    m
}

pub fn preview_token(secret: &str, id: &str) -> String {
    let sig = mac(secret, id).finalize().into_bytes();
    format!("{id}.{}", URL_SAFE_NO_PAD.encode(sig))
}

/// The link id of a token made with `secret`, or `None`.
pub fn verify_preview_token<'a>(secret: &str, token: &'a str) -> Option<&'a str> {
    let (id, sig) = token.split_once('.')?;
    if id.is_empty() || id.len() > 64 || sig.len() > 64 {
        return None;
    }
    let sig = URL_SAFE_NO_PAD.decode(sig).ok()?;
    mac(secret, id).verify_slice(&sig).ok().map(|_| id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_only_with_their_secret_and_id() {
        let t = preview_token("s3cret", "0191-abc");
        assert_eq!(verify_preview_token("s3cret", &t), Some("0191-abc"));
        assert_eq!(verify_preview_token("other", &t), None);
        let forged = t.replacen("0191-abc", "0191-abd", 1);
        assert_eq!(verify_preview_token("s3cret", &forged), None);
        assert_eq!(verify_preview_token("s3cret", "no-dot"), None);
        assert_eq!(verify_preview_token("s3cret", "id.!!!"), None);
    }
}
