//! The relying-party checks against a software authenticator (ring's keys, CBOR written with
//! ciborium): each step that refuses is made to fail once.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use ciborium::Value;
use ring::{
    rand::SystemRandom,
    signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair},
};

use super::*;

const CHALLENGE: &str = "q7Vb2m0Jf1xk4Y8pZt3uLw9aNcE5rH6sGd0iKoPjQvM";

fn rp() -> RelyingParty {
    RelyingParty {
        id: "news.example".into(),
        origin: "https://news.example".into(),
    }
}

enum Key {
    P256(EcdsaKeyPair),
    Ed(Ed25519KeyPair),
}

struct Authenticator {
    key: Key,
    id: Vec<u8>,
    rp_id: String,
    flags: u8,
    count: u32,
}

impl Authenticator {
    fn p256() -> Self {
        let rng = SystemRandom::new();
        let pkcs8 =
            EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
        let key = EcdsaKeyPair::from_pkcs8(
            &signature::ECDSA_P256_SHA256_ASN1_SIGNING,
            pkcs8.as_ref(),
            &rng,
        )
        .unwrap();
        Self::with(Key::P256(key))
    }

    fn ed25519() -> Self {
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
        Self::with(Key::Ed(Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap()))
    }

    fn with(key: Key) -> Self {
        Self {
            key,
            id: vec![7; 16],
            rp_id: "news.example".into(),
            flags: FLAG_UP | FLAG_UV,
            count: 0,
        }
    }

    fn cose(&self) -> Vec<u8> {
        let i = |n: i64| Value::Integer(n.into());
        let map = match &self.key {
            Key::P256(k) => {
                let p = k.public_key().as_ref();
                vec![
                    (i(1), i(2)),
                    (i(3), i(ES256)),
                    (i(-1), i(1)),
                    (i(-2), Value::Bytes(p[1..33].to_vec())),
                    (i(-3), Value::Bytes(p[33..65].to_vec())),
                ]
            }
            Key::Ed(k) => vec![
                (i(1), i(1)),
                (i(3), i(EDDSA)),
                (i(-1), i(6)),
                (i(-2), Value::Bytes(k.public_key().as_ref().to_vec())),
            ],
        };
        let mut out = Vec::new();
        ciborium::into_writer(&Value::Map(map), &mut out).unwrap();
        out
    }

    fn auth_data(&self, attested: bool) -> Vec<u8> {
        let mut d = digest::digest(&digest::SHA256, self.rp_id.as_bytes())
            .as_ref()
            .to_vec();
        d.push(self.flags | if attested { FLAG_AT } else { 0 });
        d.extend_from_slice(&self.count.to_be_bytes());
        if attested {
            d.extend_from_slice(&[0; 16]);
            d.extend_from_slice(&(self.id.len() as u16).to_be_bytes());
            d.extend_from_slice(&self.id);
            d.extend_from_slice(&self.cose());
        }
        d
    }

    fn client_data(kind: &str, challenge: &str, origin: &str) -> Vec<u8> {
        serde_json::json!({ "type": kind, "challenge": challenge, "origin": origin })
            .to_string()
            .into_bytes()
    }

    fn create(&self, challenge: &str, origin: &str) -> Credential {
        let obj = Value::Map(vec![
            (Value::Text("fmt".into()), Value::Text("none".into())),
            (Value::Text("attStmt".into()), Value::Map(vec![])),
            (
                Value::Text("authData".into()),
                Value::Bytes(self.auth_data(true)),
            ),
        ]);
        let mut att = Vec::new();
        ciborium::into_writer(&obj, &mut att).unwrap();
        let cd = Self::client_data("webauthn.create", challenge, origin);
        Credential::parse(
            &serde_json::json!({
                "id": URL_SAFE_NO_PAD.encode(&self.id), "type": "public-key",
                "response": {
                    "clientDataJSON": URL_SAFE_NO_PAD.encode(cd),
                    "attestationObject": URL_SAFE_NO_PAD.encode(att),
                }
            })
            .to_string(),
        )
        .unwrap()
    }

    fn get(&mut self, challenge: &str, origin: &str) -> Credential {
        self.count += 1;
        let ad = self.auth_data(false);
        let cd = Self::client_data("webauthn.get", challenge, origin);
        let mut msg = ad.clone();
        msg.extend_from_slice(digest::digest(&digest::SHA256, &cd).as_ref());
        let sig = match &self.key {
            Key::P256(k) => k
                .sign(&SystemRandom::new(), &msg)
                .unwrap()
                .as_ref()
                .to_vec(),
            Key::Ed(k) => k.sign(&msg).as_ref().to_vec(),
        };
        Credential::parse(
            &serde_json::json!({
                "id": URL_SAFE_NO_PAD.encode(&self.id), "type": "public-key",
                "response": {
                    "clientDataJSON": URL_SAFE_NO_PAD.encode(cd),
                    "authenticatorData": URL_SAFE_NO_PAD.encode(ad),
                    "signature": URL_SAFE_NO_PAD.encode(sig),
                }
            })
            .to_string(),
        )
        .unwrap()
    }
}

#[test]
fn a_p256_passkey_registers_and_signs_in() {
    let mut a = Authenticator::p256();
    let new = verify_registration(
        &rp(),
        CHALLENGE,
        &a.create(CHALLENGE, "https://news.example"),
    )
    .unwrap();
    assert_eq!(new.alg, ES256);
    assert_eq!(new.id, URL_SAFE_NO_PAD.encode(&a.id));
    let stored = StoredCredential {
        public_key: &new.public_key,
        sign_count: new.sign_count,
    };
    let got = verify_assertion(
        &rp(),
        CHALLENGE,
        &a.get(CHALLENGE, "https://news.example"),
        &stored,
    )
    .unwrap();
    assert_eq!(got.sign_count, 1);
}

#[test]
fn an_ed25519_passkey_signs_in() {
    let mut a = Authenticator::ed25519();
    let new = verify_registration(
        &rp(),
        CHALLENGE,
        &a.create(CHALLENGE, "https://news.example"),
    )
    .unwrap();
    assert_eq!(new.alg, EDDSA);
    let stored = StoredCredential {
        public_key: &new.public_key,
        sign_count: 0,
    };
    verify_assertion(
        &rp(),
        CHALLENGE,
        &a.get(CHALLENGE, "https://news.example"),
        &stored,
    )
    .unwrap();
}

#[test]
fn registration_refuses_what_the_steps_refuse() {
    let a = Authenticator::p256();
    let origin = "https://news.example";
    // Step 8: another challenge.
    let other = "AAAAb2m0Jf1xk4Y8pZt3uLw9aNcE5rH6sGd0iKoPjQv";
    assert_eq!(
        verify_registration(&rp(), CHALLENGE, &a.create(other, origin)).unwrap_err(),
        Refused::Challenge
    );
    // Step 9: another origin (a look-alike site, or plain HTTP).
    for bad in ["https://news.example.evil", "http://news.example"] {
        assert_eq!(
            verify_registration(&rp(), CHALLENGE, &a.create(CHALLENGE, bad)).unwrap_err(),
            Refused::WrongSite("origin")
        );
    }
    // Step 13: the authenticator signed for another rpId.
    let mut elsewhere = Authenticator::p256();
    elsewhere.rp_id = "evil.example".into();
    assert_eq!(
        verify_registration(&rp(), CHALLENGE, &elsewhere.create(CHALLENGE, origin)).unwrap_err(),
        Refused::WrongSite("rpId")
    );
    // Steps 14 and 15: no user presence, no user verification.
    for flags in [FLAG_UV, FLAG_UP] {
        let mut lax = Authenticator::p256();
        lax.flags = flags;
        assert_eq!(
            verify_registration(&rp(), CHALLENGE, &lax.create(CHALLENGE, origin)).unwrap_err(),
            Refused::NotVerified
        );
    }
    // Step 7: an assertion's client data is not a registration's.
    let mut b = Authenticator::p256();
    let wrong_kind = b.get(CHALLENGE, origin);
    assert!(verify_registration(&rp(), CHALLENGE, &wrong_kind).is_err());
    // Garbage and truncation never panic.
    for junk in [
        "",
        "{}",
        "[1,2]",
        r#"{"id":"x","type":"public-key","response":{"clientDataJSON":"!!"}}"#,
    ] {
        if let Ok(c) = Credential::parse(junk) {
            assert!(verify_registration(&rp(), CHALLENGE, &c).is_err());
        }
    }
    let good = a.create(CHALLENGE, origin);
    let att = URL_SAFE_NO_PAD
        .decode(good.response.attestation_object.as_deref().unwrap())
        .unwrap();
    for cut in [0, 1, 10, att.len() / 2, att.len() - 1] {
        let mut c = a.create(CHALLENGE, origin);
        c.response.attestation_object = Some(URL_SAFE_NO_PAD.encode(&att[..cut]));
        assert!(
            verify_registration(&rp(), CHALLENGE, &c).is_err(),
            "cut at {cut}"
        );
    }
}

#[test]
fn an_assertion_is_refused_when_forged_replayed_or_from_a_clone() {
    let mut a = Authenticator::p256();
    let origin = "https://news.example";
    let new = verify_registration(&rp(), CHALLENGE, &a.create(CHALLENGE, origin)).unwrap();
    // Step 20: a signature by another key.
    let mut other = Authenticator::p256();
    let stored = StoredCredential {
        public_key: &new.public_key,
        sign_count: 0,
    };
    assert_eq!(
        verify_assertion(&rp(), CHALLENGE, &other.get(CHALLENGE, origin), &stored).unwrap_err(),
        Refused::Signature
    );
    // Step 20: the authenticator data changed after signing (the UV flag added).
    let mut tampered = a.get(CHALLENGE, origin);
    let mut ad = URL_SAFE_NO_PAD
        .decode(tampered.response.authenticator_data.as_deref().unwrap())
        .unwrap();
    ad[33..37].copy_from_slice(&99_u32.to_be_bytes());
    tampered.response.authenticator_data = Some(URL_SAFE_NO_PAD.encode(ad));
    assert_eq!(
        verify_assertion(&rp(), CHALLENGE, &tampered, &stored).unwrap_err(),
        Refused::Signature
    );
    // Step 21: the counter did not move forward.
    let used = a.get(CHALLENGE, origin);
    let seen = StoredCredential {
        public_key: &new.public_key,
        sign_count: 5,
    };
    assert_eq!(
        verify_assertion(&rp(), CHALLENGE, &used, &seen).unwrap_err(),
        Refused::Cloned
    );
    // Steps 13 and 14: another challenge, another origin.
    let other_challenge = "BBBBb2m0Jf1xk4Y8pZt3uLw9aNcE5rH6sGd0iKoPjQv";
    assert_eq!(
        verify_assertion(&rp(), other_challenge, &a.get(CHALLENGE, origin), &stored).unwrap_err(),
        Refused::Challenge
    );
    assert_eq!(
        verify_assertion(
            &rp(),
            CHALLENGE,
            &a.get(CHALLENGE, "https://evil.example"),
            &stored
        )
        .unwrap_err(),
        Refused::WrongSite("origin")
    );
}

#[test]
fn deeply_nested_cbor_is_refused_without_overflow() {
    let mut deep = vec![0x81_u8; 100_000];
    deep.push(0x00);
    let mut input = deep.as_slice();
    assert!(read_cbor(&mut input).is_err());
}
