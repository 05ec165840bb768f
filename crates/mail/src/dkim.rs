//! DKIM keys for bulk mail (RFC 6376; Ed25519 per RFC 8463): generated here, kept by the caller
//! (the store's `settings`, shared by every node), and turned into lettre's signing configs and
//! the DNS TXT records an operator publishes.
//!
//! The signature covers From, To, Subject, Date, Message-ID, MIME-Version, List-Unsubscribe,
//! List-Unsubscribe-Post and Feedback-ID (RFC 8058 §3 requires both List-Unsubscribe headers
//! to be signed), relaxed/relaxed canonicalization: relays that re-fold headers or re-wrap
//! whitespace do not break it.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use lettre::message::dkim::{
    DkimCanonicalization, DkimCanonicalizationType, DkimConfig, DkimSigningAlgorithm,
    DkimSigningKey,
};
use lettre::message::header::HeaderName;
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey};
use rsa::pkcs8::{EncodePublicKey, LineEnding};

use crate::MailError;

/// The headers every bulk message's signature covers.
pub const SIGNED_HEADERS: &[&str] = &[
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "MIME-Version",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
    "Feedback-ID",
];

/// A site's DKIM keys: RSA-2048 always, Ed25519 optionally (receivers that do not know
/// Ed25519 ignore its signature and check the RSA one).
#[derive(Clone)]
pub struct DkimKeys {
    /// The `s=` selector (`SELECTOR._domainkey.DOMAIN`).
    pub selector: String,
    /// The `d=` domain: the From address's.
    pub domain: String,
    /// PKCS#1 PEM.
    pub rsa_pem: String,
    /// The 32-byte seed, standard base64.
    pub ed25519_seed: Option<String>,
}

impl std::fmt::Debug for DkimKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DkimKeys")
            .field("selector", &self.selector)
            .field("domain", &self.domain)
            .field("rsa_pem", &"****")
            .field("ed25519", &self.ed25519_seed.as_ref().map(|_| "****"))
            .finish()
    }
}

/// A new RSA-2048 private key, PKCS#1 PEM.
pub fn generate_rsa_pem() -> Result<String, MailError> {
    let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).map_err(dkim_error)?;
    Ok(key
        .to_pkcs1_pem(LineEnding::LF)
        .map_err(dkim_error)?
        .to_string())
}

/// A new Ed25519 seed, standard base64.
pub fn generate_ed25519_seed() -> String {
    use rand::TryRngCore;
    let mut seed = [0_u8; 32];
    rand::rngs::OsRng
        .try_fill_bytes(&mut seed)
        .expect("the operating system's random source works");
    STANDARD.encode(seed)
}

fn dkim_error(e: impl std::fmt::Display) -> MailError {
    MailError::Dkim(e.to_string())
}

impl DkimKeys {
    /// The TXT records to publish: (name, value) for RSA, then Ed25519 if configured. The
    /// Ed25519 record takes the selector with `-ed25519` appended.
    pub fn dns_records(&self) -> Result<Vec<(String, String)>, MailError> {
        let key = rsa::RsaPrivateKey::from_pkcs1_pem(&self.rsa_pem).map_err(dkim_error)?;
        let public = key
            .to_public_key()
            .to_public_key_der()
            .map_err(dkim_error)?;
        let mut out = vec![(
            format!("{}._domainkey.{}", self.selector, self.domain),
            format!("v=DKIM1; k=rsa; p={}", STANDARD.encode(public.as_bytes())),
        )];
        if let Some(seed) = &self.ed25519_seed {
            let key = ed25519_key(seed)?;
            out.push((
                format!("{}._domainkey.{}", self.ed25519_selector(), self.domain),
                format!(
                    "v=DKIM1; k=ed25519; p={}",
                    STANDARD.encode(key.verifying_key().to_bytes())
                ),
            ));
        }
        Ok(out)
    }

    fn ed25519_selector(&self) -> String {
        format!("{}-ed25519", self.selector)
    }

    /// lettre's signing configs, RSA first.
    pub(crate) fn configs(&self) -> Result<Vec<DkimConfig>, MailError> {
        let headers = || {
            SIGNED_HEADERS
                .iter()
                .map(|h| HeaderName::new_from_ascii_str(h))
                .collect::<Vec<_>>()
        };
        let canonicalization = || DkimCanonicalization {
            header: DkimCanonicalizationType::Relaxed,
            body: DkimCanonicalizationType::Relaxed,
        };
        let rsa = DkimSigningKey::new(&self.rsa_pem, DkimSigningAlgorithm::Rsa)
            .map_err(|e| dkim_error(format!("the RSA key cannot be read: {e:?}")))?;
        let mut out = vec![DkimConfig::new(
            self.selector.clone(),
            self.domain.clone(),
            rsa,
            headers(),
            canonicalization(),
        )];
        if let Some(seed) = &self.ed25519_seed {
            ed25519_key(seed)?;
            let key = DkimSigningKey::new(seed, DkimSigningAlgorithm::Ed25519)
                .map_err(|e| dkim_error(format!("the Ed25519 key cannot be read: {e:?}")))?;
            out.push(DkimConfig::new(
                self.ed25519_selector(),
                self.domain.clone(),
                key,
                headers(),
                canonicalization(),
            ));
        }
        Ok(out)
    }
}

fn ed25519_key(seed: &str) -> Result<ed25519_dalek::SigningKey, MailError> {
    let bytes: [u8; 32] = STANDARD
        .decode(seed)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| dkim_error("the Ed25519 seed is not 32 bytes of base64"))?;
    Ok(ed25519_dalek::SigningKey::from_bytes(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_make_dns_records_and_signing_configs() {
        let keys = DkimKeys {
            selector: "masthead".into(),
            domain: "news.example".into(),
            rsa_pem: generate_rsa_pem().unwrap(),
            ed25519_seed: Some(generate_ed25519_seed()),
        };
        assert!(keys.rsa_pem.starts_with("-----BEGIN RSA PRIVATE KEY-----"));
        let records = keys.dns_records().unwrap();
        assert_eq!(records[0].0, "masthead._domainkey.news.example");
        assert!(
            records[0].1.starts_with("v=DKIM1; k=rsa; p=MIIBIjAN"),
            "{}",
            records[0].1
        );
        assert_eq!(records[1].0, "masthead-ed25519._domainkey.news.example");
        assert_eq!(records[1].1.len(), "v=DKIM1; k=ed25519; p=".len() + 44);
        assert_eq!(keys.configs().unwrap().len(), 2);
        let debug = format!("{keys:?}");
        assert!(!debug.contains("BEGIN"), "{debug}");
        let bad = DkimKeys {
            rsa_pem: "not a key".into(),
            ed25519_seed: None,
            ..keys
        };
        assert!(bad.configs().is_err());
        assert!(bad.dns_records().is_err());
    }
}
