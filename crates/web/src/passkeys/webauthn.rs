//! The relying party's checks of WebAuthn responses, following the W3C Web Authentication
//! Level 2 recommendation: §7.1 "Registering a New Credential" and §7.2 "Verifying an
//! Authentication Assertion". Each check below names the step it implements.
//!
//! Why our own: `webauthn-rs` needs OpenSSL, and the pure-Rust relying-party crates pull in a
//! second set of elliptic-curve and RSA implementations. Verification is small once CBOR is
//! parsed (`ciborium`); the signatures are checked with `ring`, which the build has already
//! (rustls): ES256 (ECDSA P-256 with SHA-256, ASN.1 DER signatures), EdDSA (Ed25519) and RS256
//! (RSASSA-PKCS1-v1_5 with SHA-256, 2048 to 8192-bit keys).
//!
//! Decisions:
//! - Attestation: we ask for `"none"` (§5.4.7) and do not use attestation: a statement an
//!   authenticator sends anyway is not verified and is treated as "none" (§7.1 steps 19–21 are
//!   then the "none" format's: nothing to verify, no trust path). The newsroom trusts the staff
//!   member who registers a passkey from their own signed-in session, not the device's maker.
//! - User presence is required (§7.1 step 14, §7.2 step 16) and so is user verification
//!   (steps 15 and 17): a passkey replaces the email link, so it has to be two factors
//!   (the device and its PIN or biometric).
//! - Challenges: 32 random bytes, single use, expiring, stored hashed and bound to the browser
//!   (see `masthead_store::passkeys`); this module compares what the client signed with the
//!   challenge the server issued.
//! - Limits: a client data JSON over 4 KiB, an attestation object over 16 KiB, or CBOR nested
//!   deeper than a COSE key needs is refused before it is parsed further.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use ciborium::Value;
use ring::{
    digest,
    signature::{self, UnparsedPublicKey},
};
use serde::Deserialize;

/// COSE algorithm identifiers we accept (IANA COSE Algorithms registry), in our order of
/// preference, as `pubKeyCredParams` lists them.
pub const ES256: i64 = -7;
pub const EDDSA: i64 = -8;
pub const RS256: i64 = -257;
pub const ALGORITHMS: [i64; 3] = [ES256, EDDSA, RS256];

const MAX_CLIENT_DATA: usize = 4 * 1024;
const MAX_ATTESTATION: usize = 16 * 1024;
const MAX_AUTH_DATA: usize = 16 * 1024;
const MAX_SIGNATURE: usize = 1024;
/// Deepest CBOR nesting we read: an attestation object holds a map (attStmt) of arrays (x5c).
const MAX_DEPTH: usize = 4;

/// Flags of the authenticator data (§6.1).
const FLAG_UP: u8 = 0x01;
const FLAG_UV: u8 = 0x04;
const FLAG_AT: u8 = 0x40;

/// The relying party: its id (the site's host) and the one origin its pages are served from.
#[derive(Debug, Clone)]
pub struct RelyingParty {
    pub id: String,
    pub origin: String,
}

/// Why a response was refused. The message is for the staff member: it says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("The browser's answer could not be read ({0}). Please try again.")]
    Malformed(&'static str),
    #[error("This passkey request has expired or was already used. Please try again.")]
    Challenge,
    #[error("The passkey answered for another site ({0}). Please use this site's address.")]
    WrongSite(&'static str),
    #[error(
        "The passkey did not confirm it was you (no user verification). Use a passkey with a PIN, fingerprint or face check."
    )]
    NotVerified,
    #[error(
        "This passkey uses a kind of key we do not support. Please use another passkey (most support ES256)."
    )]
    Algorithm,
    #[error("This passkey is not registered here, or it was removed.")]
    Unknown,
    #[error("The passkey's signature is not valid.")]
    Signature,
    #[error(
        "This passkey's counter went backwards, a sign that it was copied. It has not been used; ask an admin to reset your passkeys, then register a new one."
    )]
    Cloned,
}

/// A credential as the browser sends it (`PublicKeyCredential`, with its binary fields in
/// base64url as `passkeys.js` encodes them).
#[derive(Debug, Deserialize)]
pub struct Credential {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub response: CredentialResponse,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialResponse {
    #[serde(rename = "clientDataJSON")]
    pub client_data_json: String,
    #[serde(default)]
    pub attestation_object: Option<String>,
    #[serde(default)]
    pub authenticator_data: Option<String>,
    #[serde(default)]
    pub signature: Option<String>,
    #[serde(default)]
    pub user_handle: Option<String>,
}

impl Credential {
    pub fn parse(json: &str) -> Result<Self, Refused> {
        if json.len() > 4 * (MAX_ATTESTATION + MAX_CLIENT_DATA) {
            return Err(Refused::Malformed("too long"));
        }
        let c: Self = serde_json::from_str(json).map_err(|_| Refused::Malformed("not JSON"))?;
        if c.kind != "public-key" {
            return Err(Refused::Malformed("not a public-key credential"));
        }
        Ok(c)
    }
}

/// A newly registered credential, to store.
#[derive(Debug, Clone)]
pub struct NewCredential {
    /// The credential id, base64url.
    pub id: String,
    /// The COSE_Key as the authenticator encoded it.
    pub public_key: Vec<u8>,
    pub alg: i64,
    pub sign_count: u32,
}

/// A stored credential, for checking an assertion.
#[derive(Debug, Clone)]
pub struct StoredCredential<'a> {
    pub public_key: &'a [u8],
    pub sign_count: u32,
}

fn b64(s: &str, what: &'static str, max: usize) -> Result<Vec<u8>, Refused> {
    if s.len() > max * 4 / 3 + 4 {
        return Err(Refused::Malformed(what));
    }
    URL_SAFE_NO_PAD
        .decode(s.trim_end_matches('='))
        .map_err(|_| Refused::Malformed(what))
}

#[derive(Deserialize)]
struct ClientData {
    #[serde(rename = "type")]
    kind: String,
    challenge: String,
    origin: String,
    #[serde(default, rename = "crossOrigin")]
    cross_origin: bool,
}

/// Steps 5–11 of §7.1 (and 10–14 of §7.2): the client data, checked against the ceremony's
/// type, the challenge we issued, and our origin. Returns its SHA-256 hash (step 11 / 19).
fn check_client_data(
    raw: &[u8],
    kind: &str,
    challenge: &str,
    rp: &RelyingParty,
) -> Result<digest::Digest, Refused> {
    if raw.len() > MAX_CLIENT_DATA {
        return Err(Refused::Malformed("client data too long"));
    }
    // Step 5: UTF-8 decode; step 6: parse the JSON.
    let text = std::str::from_utf8(raw).map_err(|_| Refused::Malformed("client data"))?;
    let c: ClientData =
        serde_json::from_str(text).map_err(|_| Refused::Malformed("client data"))?;
    // Step 7: the ceremony's type.
    if c.kind != kind {
        return Err(Refused::Malformed("wrong ceremony"));
    }
    // Step 8: the challenge is the one we issued (base64url of its bytes).
    if !masthead_core::secret::secrets_equal(c.challenge.trim_end_matches('='), challenge) {
        return Err(Refused::Challenge);
    }
    // Step 9: the origin is ours; a page of another site framing ours is refused too.
    if c.origin != rp.origin || c.cross_origin {
        return Err(Refused::WrongSite("origin"));
    }
    // Step 10 (token binding) is not used by browsers; step 11: the hash.
    Ok(digest::digest(&digest::SHA256, raw))
}

/// The authenticator data (§6.1), as far as we read it.
struct AuthData<'a> {
    rp_id_hash: &'a [u8],
    flags: u8,
    sign_count: u32,
    /// With the AT flag: the credential id and its COSE key (exact bytes).
    attested: Option<(&'a [u8], &'a [u8])>,
}

fn parse_auth_data(data: &[u8]) -> Result<AuthData<'_>, Refused> {
    if data.len() < 37 || data.len() > MAX_AUTH_DATA {
        return Err(Refused::Malformed("authenticator data"));
    }
    let flags = data[32];
    let sign_count = u32::from_be_bytes([data[33], data[34], data[35], data[36]]);
    let attested = if flags & FLAG_AT != 0 {
        // aaguid (16), credentialIdLength (2, big-endian), credentialId, credentialPublicKey.
        let rest = data
            .get(37 + 16..)
            .ok_or(Refused::Malformed("attested data"))?;
        let len = usize::from(u16::from_be_bytes([
            *rest.first().ok_or(Refused::Malformed("attested data"))?,
            *rest.get(1).ok_or(Refused::Malformed("attested data"))?,
        ]));
        if len > 1023 {
            return Err(Refused::Malformed("credential id too long"));
        }
        let id = rest
            .get(2..2 + len)
            .ok_or(Refused::Malformed("credential id"))?;
        let key_and_more = &rest[2 + len..];
        // The COSE key is one CBOR item; extensions may follow it. Read one item to learn
        // where it ends.
        let mut reader = key_and_more;
        read_cbor(&mut reader)?;
        let used = key_and_more.len() - reader.len();
        Some((id, &key_and_more[..used]))
    } else {
        None
    };
    Ok(AuthData {
        rp_id_hash: &data[..32],
        flags,
        sign_count,
        attested,
    })
}

/// One CBOR item from the front of `input` (advancing it), refused if nested too deep.
fn read_cbor(input: &mut &[u8]) -> Result<Value, Refused> {
    let value: Value = ciborium::de::from_reader_with_recursion_limit(&mut *input, MAX_DEPTH * 4)
        .map_err(|_| Refused::Malformed("CBOR"))?;
    if depth(&value) > MAX_DEPTH {
        return Err(Refused::Malformed("CBOR nested too deep"));
    }
    Ok(value)
}

fn depth(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        Value::Map(m) => {
            1 + m
                .iter()
                .map(|(k, v)| depth(k).max(depth(v)))
                .max()
                .unwrap_or(0)
        }
        Value::Tag(_, v) => 1 + depth(v),
        _ => 0,
    }
}

/// Steps 13–15 of §7.1 (15–17 of §7.2): our rpId's hash, user presence, user verification.
fn check_flags(auth: &AuthData<'_>, rp: &RelyingParty) -> Result<(), Refused> {
    let ours = digest::digest(&digest::SHA256, rp.id.as_bytes());
    if auth.rp_id_hash != ours.as_ref() {
        return Err(Refused::WrongSite("rpId"));
    }
    if auth.flags & FLAG_UP == 0 {
        return Err(Refused::NotVerified);
    }
    if auth.flags & FLAG_UV == 0 {
        return Err(Refused::NotVerified);
    }
    Ok(())
}

fn map_get(m: &[(Value, Value)], key: i64) -> Option<&Value> {
    m.iter()
        .find(|(k, _)| k.as_integer().and_then(|i| i64::try_from(i).ok()) == Some(key))
        .map(|(_, v)| v)
}

fn bytes_of(m: &[(Value, Value)], key: i64) -> Result<&[u8], Refused> {
    map_get(m, key)
        .and_then(Value::as_bytes)
        .map(Vec::as_slice)
        .ok_or(Refused::Malformed("COSE key"))
}

fn int_of(m: &[(Value, Value)], key: i64) -> Option<i64> {
    map_get(m, key)?
        .as_integer()
        .and_then(|i| i64::try_from(i).ok())
}

/// A COSE_Key (RFC 9052 §7, RFC 9053) we can verify with: its algorithm, checked against the
/// key type and curve.
enum PublicKey {
    Es256(Vec<u8>),
    Ed25519(Vec<u8>),
    Rs256 { n: Vec<u8>, e: Vec<u8> },
}

fn parse_cose_key(raw: &[u8]) -> Result<(i64, PublicKey), Refused> {
    let mut reader = raw;
    let value = read_cbor(&mut reader)?;
    let Value::Map(m) = value else {
        return Err(Refused::Malformed("COSE key"));
    };
    let kty = int_of(&m, 1).ok_or(Refused::Malformed("COSE key type"))?;
    let alg = int_of(&m, 3).ok_or(Refused::Malformed("COSE algorithm"))?;
    let key = match (kty, alg) {
        // EC2, P-256 (crv 1): the uncompressed point ring reads.
        (2, ES256) if int_of(&m, -1) == Some(1) => {
            let (x, y) = (bytes_of(&m, -2)?, bytes_of(&m, -3)?);
            if x.len() != 32 || y.len() != 32 {
                return Err(Refused::Malformed("P-256 key"));
            }
            let mut point = vec![0x04];
            point.extend_from_slice(x);
            point.extend_from_slice(y);
            PublicKey::Es256(point)
        }
        // OKP, Ed25519 (crv 6).
        (1, EDDSA) if int_of(&m, -1) == Some(6) => {
            let x = bytes_of(&m, -2)?;
            if x.len() != 32 {
                return Err(Refused::Malformed("Ed25519 key"));
            }
            PublicKey::Ed25519(x.to_vec())
        }
        (3, RS256) => PublicKey::Rs256 {
            n: bytes_of(&m, -1)?.to_vec(),
            e: bytes_of(&m, -2)?.to_vec(),
        },
        _ => return Err(Refused::Algorithm),
    };
    Ok((alg, key))
}

fn verify_signature(key: &PublicKey, message: &[u8], sig: &[u8]) -> Result<(), Refused> {
    let ok = match key {
        PublicKey::Es256(point) => {
            UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_ASN1, point).verify(message, sig)
        }
        PublicKey::Ed25519(x) => {
            UnparsedPublicKey::new(&signature::ED25519, x).verify(message, sig)
        }
        PublicKey::Rs256 { n, e } => signature::RsaPublicKeyComponents { n, e }.verify(
            &signature::RSA_PKCS1_2048_8192_SHA256,
            message,
            sig,
        ),
    };
    ok.map_err(|_| Refused::Signature)
}

/// §7.1, Registering a New Credential, for a response to options carrying `challenge`
/// (base64url). Step 22 (the credential id not registered yet) is the store's unique index.
pub fn verify_registration(
    rp: &RelyingParty,
    challenge: &str,
    credential: &Credential,
) -> Result<NewCredential, Refused> {
    // Step 3: the response is an attestation response.
    let attestation = credential
        .response
        .attestation_object
        .as_deref()
        .ok_or(Refused::Malformed("no attestation object"))?;
    // Steps 5–11.
    let client_data = b64(
        &credential.response.client_data_json,
        "client data",
        MAX_CLIENT_DATA,
    )?;
    check_client_data(&client_data, "webauthn.create", challenge, rp)?;
    // Step 12: CBOR-decode the attestation object: fmt, authData, attStmt.
    let attestation = b64(attestation, "attestation object", MAX_ATTESTATION)?;
    let mut reader = attestation.as_slice();
    let Value::Map(obj) = read_cbor(&mut reader)? else {
        return Err(Refused::Malformed("attestation object"));
    };
    let field = |name: &str| {
        obj.iter()
            .find(|(k, _)| k.as_text() == Some(name))
            .map(|(_, v)| v)
    };
    let auth_data = field("authData")
        .and_then(Value::as_bytes)
        .ok_or(Refused::Malformed("authData"))?;
    // fmt must be there; its statement is not used (see the module docs: steps 19–21 as for
    // "none").
    field("fmt")
        .and_then(Value::as_text)
        .ok_or(Refused::Malformed("fmt"))?;
    let auth = parse_auth_data(auth_data)?;
    // Steps 13–15.
    check_flags(&auth, rp)?;
    let (id, key) = auth
        .attested
        .ok_or(Refused::Malformed("no attested credential"))?;
    // The id the browser reports is the one the authenticator attested.
    let id = URL_SAFE_NO_PAD.encode(id);
    if credential.id.trim_end_matches('=') != id {
        return Err(Refused::Malformed("credential id"));
    }
    // Step 16: the key's algorithm is one of those we offered in pubKeyCredParams.
    let (alg, _) = parse_cose_key(key)?;
    if !ALGORITHMS.contains(&alg) {
        return Err(Refused::Algorithm);
    }
    // Step 17: no extensions were asked for; any output is ignored.
    // Step 23: what to store.
    Ok(NewCredential {
        id,
        public_key: key.to_vec(),
        alg,
        sign_count: auth.sign_count,
    })
}

/// An assertion that passed §7.2: its credential, user handle and new signature counter.
#[derive(Debug, Clone)]
pub struct Assertion {
    pub sign_count: u32,
}

/// The parts of an assertion read before the credential is looked up (§7.2 steps 5–6): the
/// credential id and, if the authenticator sent it, the user handle.
pub fn assertion_ids(credential: &Credential) -> Result<(String, Option<String>), Refused> {
    let id = credential.id.trim_end_matches('=');
    if id.is_empty() || id.len() > 1400 || b64(id, "credential id", 1023).is_err() {
        return Err(Refused::Malformed("credential id"));
    }
    let handle = match credential.response.user_handle.as_deref() {
        None | Some("") => None,
        Some(h) => {
            let bytes = b64(h, "user handle", 64)?;
            Some(String::from_utf8(bytes).map_err(|_| Refused::Malformed("user handle"))?)
        }
    };
    Ok((id.to_owned(), handle))
}

/// §7.2, Verifying an Authentication Assertion, steps 7–21, against the stored credential the
/// assertion's id names (steps 5–6 are the caller's: the id is registered, and the user handle,
/// if any, is its owner's).
pub fn verify_assertion(
    rp: &RelyingParty,
    challenge: &str,
    credential: &Credential,
    stored: &StoredCredential<'_>,
) -> Result<Assertion, Refused> {
    let r = &credential.response;
    // Step 7: cData, authData and sig.
    let client_data = b64(&r.client_data_json, "client data", MAX_CLIENT_DATA)?;
    let auth_data = b64(
        r.authenticator_data
            .as_deref()
            .ok_or(Refused::Malformed("no authenticator data"))?,
        "authenticator data",
        MAX_AUTH_DATA,
    )?;
    let sig = b64(
        r.signature
            .as_deref()
            .ok_or(Refused::Malformed("no signature"))?,
        "signature",
        MAX_SIGNATURE,
    )?;
    // Steps 10–14, and 19 (the hash).
    let hash = check_client_data(&client_data, "webauthn.get", challenge, rp)?;
    // Steps 15–17.
    let auth = parse_auth_data(&auth_data)?;
    check_flags(&auth, rp)?;
    // Step 18: no extensions asked for. Step 20: the signature over authData ‖ hash.
    let (_, key) = parse_cose_key(stored.public_key)?;
    let mut message = auth_data.clone();
    message.extend_from_slice(hash.as_ref());
    verify_signature(&key, &message, &sig)?;
    // Step 21: the signature counter. If either is non-zero, the new one must be greater;
    // else the authenticator may have been cloned: refuse (the RP's choice the step allows).
    if (auth.sign_count != 0 || stored.sign_count != 0) && auth.sign_count <= stored.sign_count {
        return Err(Refused::Cloned);
    }
    Ok(Assertion {
        sign_count: auth.sign_count,
    })
}

#[cfg(test)]
#[path = "webauthn_tests.rs"]
mod tests;
