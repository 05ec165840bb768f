//! The meter cookie (`mh_meter`): any cookie decodes to a meter without panicking, and one
//! that verifies round-trips. Random bytes almost never carry a valid MAC, so the input is
//! signed here with the target's key: what gets past the MAC is the payload parser.
#![no_main]

use base64::Engine;
use hmac::{Hmac, Mac};
use libfuzzer_sys::fuzz_target;
use masthead_core::meter::MeterCodec;
use sha2::Sha256;

const KEY: &[u8] = b"fuzzing key";

fn sign(payload: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(KEY).unwrap();
    mac.update(b"masthead-meter-v1\0");
    mac.update(payload.as_bytes());
    let tag = &mac.finalize().into_bytes()[..16];
    let tag = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(tag);
    format!("{payload}.{tag}")
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let codec = MeterCodec::new(KEY);
    // As sent: almost always a fresh meter, never a panic.
    let _ = codec.decode(Some(text));
    // Signed: the payload parser proper.
    let state = codec.decode(Some(&sign(text)));
    let again = codec.decode(Some(&codec.encode(&state)));
    assert_eq!(again.counted, state.counted);
    assert_eq!(
        again.window_start_ms / 1000,
        state.window_start_ms.max(0) / 1000
    );
});
