//! Message encryption for Web Push (RFC 8291): the `aes128gcm` content coding (RFC 8188) with
//! keys derived from an ECDH agreement between a fresh sender key and the subscription's P-256
//! key, and the subscription's 16-byte authentication secret.
//!
//! Every message gets a new ephemeral key and a new random salt, so two subscribers (or two
//! messages to one subscriber) never share a content key. A message is one record: the
//! plaintext, the last-record delimiter (0x02), no padding.

use ring::{aead, agreement, hkdf, rand};

/// The record size written in the header: one record holds any payload we send (push services
/// accept at most 4,096 bytes of body).
pub const RECORD_SIZE: u32 = 4096;
/// Bytes added to the plaintext: the header (salt, record size, key length, sender key), the
/// delimiter and the AES-GCM tag.
pub const OVERHEAD: usize = 16 + 4 + 1 + 65 + 1 + 16;
/// The largest plaintext that fits one record.
pub const MAX_PLAINTEXT: usize = RECORD_SIZE as usize - 17;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncryptError {
    #[error("the subscription's key is not a point on P-256")]
    BadKey,
    #[error("the message is {0} bytes; at most {MAX_PLAINTEXT} fit a push message")]
    TooLong(usize),
    #[error("the system's random number generator failed")]
    Random,
}

/// Encrypts `plaintext` for the subscription whose P-256 public key (uncompressed, 65 bytes)
/// is `ua_public` and whose authentication secret is `auth`. Returns the request body.
pub fn encrypt(
    ua_public: &[u8],
    auth: &[u8; 16],
    plaintext: &[u8],
) -> Result<Vec<u8>, EncryptError> {
    let rng = rand::SystemRandom::new();
    let mut salt = [0u8; 16];
    rand::SecureRandom::fill(&rng, &mut salt).map_err(|_| EncryptError::Random)?;
    let key = agreement::EphemeralPrivateKey::generate(&agreement::ECDH_P256, &rng)
        .map_err(|_| EncryptError::Random)?;
    encrypt_with(key, salt, ua_public, auth, plaintext)
}

/// Whether `ua_public` is a P-256 public key a message can be encrypted to (a point on the
/// curve, uncompressed). It costs one key agreement.
pub fn is_valid_p256_key(ua_public: &[u8]) -> bool {
    let rng = rand::SystemRandom::new();
    let Ok(key) = agreement::EphemeralPrivateKey::generate(&agreement::ECDH_P256, &rng) else {
        return false;
    };
    ua_public.len() == 65
        && ua_public[0] == 0x04
        && agreement::agree_ephemeral(
            key,
            &agreement::UnparsedPublicKey::new(&agreement::ECDH_P256, ua_public),
            |_| (),
        )
        .is_ok()
}

/// [`encrypt`] with the sender key and salt given (the RFC's test vector fixes both).
pub(crate) fn encrypt_with(
    sender: agreement::EphemeralPrivateKey,
    salt: [u8; 16],
    ua_public: &[u8],
    auth: &[u8; 16],
    plaintext: &[u8],
) -> Result<Vec<u8>, EncryptError> {
    if plaintext.len() > MAX_PLAINTEXT {
        return Err(EncryptError::TooLong(plaintext.len()));
    }
    if ua_public.len() != 65 {
        return Err(EncryptError::BadKey);
    }
    let as_public = sender
        .compute_public_key()
        .map_err(|_| EncryptError::BadKey)?;
    let as_public = as_public.as_ref();
    let peer = agreement::UnparsedPublicKey::new(&agreement::ECDH_P256, ua_public);
    let ikm = agreement::agree_ephemeral(sender, &peer, |ecdh_secret| {
        // PRK_key = HMAC(auth, ecdh); IKM = HKDF-Expand(PRK_key, "WebPush: info" 0 ua as, 32)
        let mut key_info = Vec::with_capacity(14 + 130);
        key_info.extend_from_slice(b"WebPush: info\0");
        key_info.extend_from_slice(ua_public);
        key_info.extend_from_slice(as_public);
        let prk_key = hkdf::Salt::new(hkdf::HKDF_SHA256, auth).extract(ecdh_secret);
        expand::<32>(&prk_key, &key_info)
    })
    .map_err(|_| EncryptError::BadKey)?
    .ok_or(EncryptError::BadKey)?;
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, &salt).extract(&ikm);
    let cek = expand::<16>(&prk, b"Content-Encoding: aes128gcm\0").ok_or(EncryptError::BadKey)?;
    let nonce = expand::<12>(&prk, b"Content-Encoding: nonce\0").ok_or(EncryptError::BadKey)?;

    let mut body = Vec::with_capacity(plaintext.len() + OVERHEAD);
    body.extend_from_slice(&salt);
    body.extend_from_slice(&RECORD_SIZE.to_be_bytes());
    body.push(65);
    body.extend_from_slice(as_public);
    let header_len = body.len();
    body.extend_from_slice(plaintext);
    body.push(2); // the last (and only) record
    let key = aead::LessSafeKey::new(
        aead::UnboundKey::new(&aead::AES_128_GCM, &cek).map_err(|_| EncryptError::BadKey)?,
    );
    let mut record = body.split_off(header_len);
    key.seal_in_place_append_tag(
        aead::Nonce::assume_unique_for_key(nonce),
        aead::Aad::empty(),
        &mut record,
    )
    .map_err(|_| EncryptError::BadKey)?;
    body.extend_from_slice(&record);
    Ok(body)
}

struct Len(usize);

impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

fn expand<const N: usize>(prk: &hkdf::Prk, info: &[u8]) -> Option<[u8; N]> {
    let mut out = [0u8; N];
    prk.expand(&[info], Len(N)).ok()?.fill(&mut out).ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::b64;

    /// RFC 8291, Appendix A: fixed sender key and salt, so the message is known byte for byte.
    #[test]
    #[allow(deprecated)] // ring's fixed "random" source is the only way to fix an ephemeral key
    fn the_rfc_8291_example_encrypts_byte_for_byte() {
        let as_private = b64::decode("yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw").unwrap();
        let fixed = ring::test::rand::FixedSliceRandom { bytes: &as_private };
        let sender =
            agreement::EphemeralPrivateKey::generate(&agreement::ECDH_P256, &fixed).unwrap();
        assert_eq!(
            b64::encode(sender.compute_public_key().unwrap().as_ref()),
            "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8"
        );
        let ua_public = b64::decode(
            "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
        )
        .unwrap();
        let auth: [u8; 16] = b64::decode("BTBZMqHH6r4Tts7J_aSIgg")
            .unwrap()
            .try_into()
            .unwrap();
        let salt: [u8; 16] = b64::decode("DGv6ra1nlYgDCS1FRnbzlw")
            .unwrap()
            .try_into()
            .unwrap();
        let body = encrypt_with(
            sender,
            salt,
            &ua_public,
            &auth,
            b"When I grow up, I want to be a watermelon",
        )
        .unwrap();
        assert_eq!(
            b64::encode(&body),
            "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
        );
    }

    #[test]
    fn every_message_has_its_own_salt_and_key() {
        let ua = b64::decode(
            "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
        )
        .unwrap();
        let a = encrypt(&ua, &[7; 16], b"same").unwrap();
        let b = encrypt(&ua, &[7; 16], b"same").unwrap();
        assert_eq!(a.len(), 4 + OVERHEAD);
        assert_ne!(a[..16], b[..16], "salt");
        assert_ne!(a[21..86], b[21..86], "sender key");
    }

    #[test]
    fn bad_keys_and_long_messages_are_refused() {
        let mut off_curve = vec![4u8; 65];
        off_curve[64] = 1;
        assert!(!is_valid_p256_key(&off_curve));
        assert!(!is_valid_p256_key(&[4u8; 33]));
        assert_eq!(
            encrypt(&off_curve, &[0; 16], b"x"),
            Err(EncryptError::BadKey)
        );
        let ua = b64::decode(
            "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
        )
        .unwrap();
        assert!(is_valid_p256_key(&ua));
        assert_eq!(
            encrypt(&ua, &[0; 16], &vec![b'a'; MAX_PLAINTEXT + 1]),
            Err(EncryptError::TooLong(MAX_PLAINTEXT + 1))
        );
        assert!(encrypt(&ua, &[0; 16], &vec![b'a'; MAX_PLAINTEXT]).is_ok());
    }
}
