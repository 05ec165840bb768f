//! VAPID (RFC 8292): the application server identifies itself to push services with an ES256
//! JWT signed by its key pair; browsers bind each subscription to the public key
//! (`applicationServerKey`), so only we can push to our subscribers.
//!
//! The key pair is made on first start and kept as PKCS#8 (base64url) in the store's settings
//! by the caller, shared by every node. A JWT names one push service's origin (`aud`) and is
//! reused for every message to that origin until an hour before it expires
//! ([`TOKEN_LIFETIME`]): push services verify one signature per connection or token, and we
//! sign once per origin instead of once per message.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use ring::{
    rand::SystemRandom,
    signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair},
};

use crate::b64;

/// How long a token is valid (RFC 8292 allows at most 24 hours).
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(12 * 3600);
/// A token is replaced when less than this is left of it.
pub const TOKEN_RENEW_BEFORE: Duration = Duration::from_secs(3600);

#[derive(Debug, thiserror::Error)]
pub enum VapidError {
    #[error("the stored VAPID key is not a P-256 PKCS#8 key: {0}")]
    BadKey(String),
    #[error("the system's random number generator failed")]
    Random,
}

/// A VAPID key pair and the tokens signed with it, per push-service origin.
pub struct Vapid {
    key: EcdsaKeyPair,
    public: String,
    /// Who to contact about our pushes: `mailto:` or an `https:` URL (`sub`).
    subject: String,
    tokens: Mutex<HashMap<String, Token>>,
}

#[derive(Clone)]
struct Token {
    header: String,
    expires: SystemTime,
}

impl std::fmt::Debug for Vapid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vapid")
            .field("public", &self.public)
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

/// A new key pair as base64url PKCS#8 (what is stored).
pub fn generate_key() -> Result<String, VapidError> {
    let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
        .map_err(|_| VapidError::Random)?;
    Ok(b64::encode(doc.as_ref()))
}

impl Vapid {
    /// The key pair stored as base64url PKCS#8, and the `sub` claim.
    pub fn from_stored(pkcs8_b64: &str, subject: impl Into<String>) -> Result<Self, VapidError> {
        let der =
            b64::decode(pkcs8_b64.trim()).ok_or_else(|| VapidError::BadKey("not base64".into()))?;
        let key =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &der, &SystemRandom::new())
                .map_err(|e| VapidError::BadKey(e.to_string()))?;
        let public = b64::encode(key.public_key().as_ref());
        Ok(Self {
            key,
            public,
            subject: subject.into(),
            tokens: Mutex::new(HashMap::new()),
        })
    }

    /// The public key, uncompressed P-256, base64url: the browser's `applicationServerKey`.
    pub fn public_key(&self) -> &str {
        &self.public
    }

    /// The `Authorization` header for a push to `origin` (`https://host[:port]`): the cached
    /// token while it has more than [`TOKEN_RENEW_BEFORE`] left, else a new one.
    pub fn authorization(&self, origin: &str) -> Result<String, VapidError> {
        let now = SystemTime::now();
        let mut tokens = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(t) = tokens.get(origin)
            && t.expires > now + TOKEN_RENEW_BEFORE
        {
            return Ok(t.header.clone());
        }
        // Bounded: origins come from the allow-list's services (a few per list entry).
        if tokens.len() > 1000 {
            tokens.clear();
        }
        let expires = now + TOKEN_LIFETIME;
        let jwt = self.sign(origin, expires)?;
        let header = format!("vapid t={jwt}, k={}", self.public);
        tokens.insert(
            origin.to_owned(),
            Token {
                header: header.clone(),
                expires,
            },
        );
        Ok(header)
    }

    fn sign(&self, aud: &str, expires: SystemTime) -> Result<String, VapidError> {
        let exp = expires
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let header = b64::encode(br#"{"typ":"JWT","alg":"ES256"}"#);
        let claims = serde_json::json!({ "aud": aud, "exp": exp, "sub": self.subject });
        let claims = b64::encode(claims.to_string().as_bytes());
        let input = format!("{header}.{claims}");
        let sig = self
            .key
            .sign(&SystemRandom::new(), input.as_bytes())
            .map_err(|_| VapidError::Random)?;
        Ok(format!("{input}.{}", b64::encode(sig.as_ref())))
    }
}

#[cfg(test)]
mod tests {
    use ring::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};

    use super::*;

    #[test]
    fn tokens_verify_and_are_reused_per_origin() {
        let vapid =
            Vapid::from_stored(&generate_key().unwrap(), "mailto:news@example.org").unwrap();
        let a = vapid.authorization("https://fcm.googleapis.com").unwrap();
        assert_eq!(
            a,
            vapid.authorization("https://fcm.googleapis.com").unwrap()
        );
        let b = vapid
            .authorization("https://updates.push.services.mozilla.com")
            .unwrap();
        assert_ne!(a, b);

        let rest = a.strip_prefix("vapid t=").unwrap();
        let (jwt, k) = rest.split_once(", k=").unwrap();
        assert_eq!(k, vapid.public_key());
        let (input, sig) = jwt.rsplit_once('.').unwrap();
        let public = b64::decode(k).unwrap();
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &public)
            .verify(input.as_bytes(), &b64::decode(sig).unwrap())
            .expect("signature verifies with the public key");
        let claims: serde_json::Value =
            serde_json::from_slice(&b64::decode(input.split('.').nth(1).unwrap()).unwrap())
                .unwrap();
        assert_eq!(claims["aud"], "https://fcm.googleapis.com");
        assert_eq!(claims["sub"], "mailto:news@example.org");
        let exp = claims["exp"].as_u64().unwrap();
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert!(
            exp > now + 11 * 3600 && exp <= now + 24 * 3600,
            "{exp} vs {now}"
        );
    }

    #[test]
    fn a_damaged_stored_key_is_refused() {
        assert!(Vapid::from_stored("bm90IGEga2V5", "mailto:a@b.c").is_err());
        assert!(Vapid::from_stored("***", "mailto:a@b.c").is_err());
    }
}
