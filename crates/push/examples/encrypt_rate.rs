//! The machine's own RFC 8291 encryption rate, the yardstick of the push benchmark
//! (`bench/push.sh`): encrypts N alert-sized payloads (`aes128gcm`, a fresh ephemeral P-256 key
//! each, as a send does) for a pool of real subscriber keys, on one thread and then on
//! `--threads` threads, and prints the rates as JSON.
//!
//! ```sh
//! cargo run --release -p masthead-push --example encrypt_rate -- 20000 2
//! ```

use std::time::Instant;

use masthead_push::{Vapid, ece};

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let threads: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(2);
    // 64 subscriber keys (the cost of a push does not depend on which key it is for).
    let keys: Vec<(Vec<u8>, [u8; 16])> = (0..64u8)
        .map(|i| {
            let pkcs8 = masthead_push::vapid::generate_key().expect("a P-256 key");
            let public = Vapid::from_stored(&pkcs8, "mailto:bench@example.org")
                .expect("the key")
                .public_key()
                .to_owned();
            (
                masthead_push::b64::decode(&public).expect("base64url"),
                [i; 16],
            )
        })
        .collect();
    // An alert as `compose_alert` makes it: headline, standfirst, address, photo (~450 bytes).
    let payload = format!(
        "{{\"title\":\"{}\",\"body\":\"{}\",\"url\":\"https://news.example/city/harbour-crane-lifts-a-record-load\",\"image\":\"https://news.example/media/p01-1200.jpg\",\"tag\":\"Yk3Q2mWcV1p0aZs8fE4rTt9uXy7LbN6h\",\"alert\":\"0195e2c1-5d7a-7c3e-9f1b-2a4d6e8f0a1b\",\"sent_at\":1764600000000}}",
        "Harbour crane lifts a record load as the port's new berth opens",
        "The 1,200-tonne lift, the heaviest in Port Ellory's history, went ahead at dawn after two days of delays caused by high winds over the estuary.",
    );
    let run = |count: usize| {
        for i in 0..count {
            let (key, auth) = &keys[i % keys.len()];
            let out = ece::encrypt(key, auth, payload.as_bytes()).expect("encrypt");
            std::hint::black_box(out);
        }
    };
    let started = Instant::now();
    run(n);
    let one = n as f64 / started.elapsed().as_secs_f64();
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| run(n / threads));
        }
    });
    let many = (n / threads * threads) as f64 / started.elapsed().as_secs_f64();
    println!(
        "{{\"payload_bytes\":{},\"n\":{n},\"one_thread_per_s\":{one:.0},\"threads\":{threads},\"all_threads_per_s\":{many:.0}}}",
        payload.len()
    );
}
