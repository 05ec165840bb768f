//! A software WebAuthn authenticator for the HTTP tests of passkeys: an ES256 key (ring), the
//! attestation object and authenticator data written as the specification lays them out
//! (CBOR with ciborium), "none" attestation, user presence and verification set. It answers
//! the JSON options the server sends with the JSON `passkeys.js` would submit. (The browser
//! test uses Chromium's own virtual authenticator.)

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use ciborium::Value;
use ring::{
    digest,
    rand::{SecureRandom, SystemRandom},
    signature::{self, EcdsaKeyPair, KeyPair},
};
use serde_json::{Value as Json, json};

pub struct SoftAuthenticator {
    key: EcdsaKeyPair,
    pub credential_id: Vec<u8>,
    pub rp_id: String,
    pub origin: String,
    pub count: u32,
    /// The user handle of the registration (the server's `user.id`), sent with assertions.
    user_handle: Option<String>,
}

impl SoftAuthenticator {
    pub fn new(rp_id: &str, origin: &str) -> Self {
        let rng = SystemRandom::new();
        let alg = &signature::ECDSA_P256_SHA256_ASN1_SIGNING;
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, &rng).unwrap();
        let key = EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), &rng).unwrap();
        let mut id = vec![0_u8; 32];
        rng.fill(&mut id).unwrap();
        Self {
            key,
            credential_id: id,
            rp_id: rp_id.into(),
            origin: origin.into(),
            count: 0,
            user_handle: None,
        }
    }

    /// For the app's default public URL (`http://127.0.0.1:8080`).
    pub fn for_test_app() -> Self {
        Self::new("127.0.0.1", "http://127.0.0.1:8080")
    }

    pub fn id_b64(&self) -> String {
        URL_SAFE_NO_PAD.encode(&self.credential_id)
    }

    fn cose_key(&self) -> Vec<u8> {
        let p = self.key.public_key().as_ref();
        let i = |n: i64| Value::Integer(n.into());
        let map = Value::Map(vec![
            (i(1), i(2)),
            (i(3), i(-7)),
            (i(-1), i(1)),
            (i(-2), Value::Bytes(p[1..33].to_vec())),
            (i(-3), Value::Bytes(p[33..65].to_vec())),
        ]);
        let mut out = Vec::new();
        ciborium::into_writer(&map, &mut out).unwrap();
        out
    }

    fn auth_data(&self, attested: bool) -> Vec<u8> {
        let mut d = digest::digest(&digest::SHA256, self.rp_id.as_bytes())
            .as_ref()
            .to_vec();
        d.push(0x01 | 0x04 | if attested { 0x40 } else { 0 });
        d.extend_from_slice(&self.count.to_be_bytes());
        if attested {
            d.extend_from_slice(&[0; 16]);
            d.extend_from_slice(&(self.credential_id.len() as u16).to_be_bytes());
            d.extend_from_slice(&self.credential_id);
            d.extend_from_slice(&self.cose_key());
        }
        d
    }

    fn client_data(&self, kind: &str, challenge: &str) -> Vec<u8> {
        json!({ "type": kind, "challenge": challenge, "origin": self.origin, "crossOrigin": false })
            .to_string()
            .into_bytes()
    }

    /// Answers creation options (`{"publicKey": {...}}`) with a new credential's JSON.
    pub fn create(&mut self, options: &Json) -> String {
        let o = &options["publicKey"];
        let challenge = o["challenge"].as_str().expect("a challenge");
        self.user_handle = o["user"]["id"].as_str().map(str::to_owned);
        let att = Value::Map(vec![
            (Value::Text("fmt".into()), Value::Text("none".into())),
            (Value::Text("attStmt".into()), Value::Map(vec![])),
            (
                Value::Text("authData".into()),
                Value::Bytes(self.auth_data(true)),
            ),
        ]);
        let mut att_bytes = Vec::new();
        ciborium::into_writer(&att, &mut att_bytes).unwrap();
        json!({
            "id": self.id_b64(), "type": "public-key",
            "response": {
                "clientDataJSON": URL_SAFE_NO_PAD.encode(self.client_data("webauthn.create", challenge)),
                "attestationObject": URL_SAFE_NO_PAD.encode(att_bytes),
            }
        })
        .to_string()
    }

    /// Answers request options with an assertion's JSON (the counter moves on by one).
    pub fn get(&mut self, options: &Json) -> String {
        let challenge = options["publicKey"]["challenge"]
            .as_str()
            .expect("a challenge");
        self.count += 1;
        let auth = self.auth_data(false);
        let client = self.client_data("webauthn.get", challenge);
        let mut msg = auth.clone();
        msg.extend_from_slice(digest::digest(&digest::SHA256, &client).as_ref());
        let sig = self.key.sign(&SystemRandom::new(), &msg).unwrap();
        json!({
            "id": self.id_b64(), "type": "public-key",
            "response": {
                "clientDataJSON": URL_SAFE_NO_PAD.encode(client),
                "authenticatorData": URL_SAFE_NO_PAD.encode(auth),
                "signature": URL_SAFE_NO_PAD.encode(sig.as_ref()),
                "userHandle": self.user_handle,
            }
        })
        .to_string()
    }
}
