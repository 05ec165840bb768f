//! A push-service sink for the push benchmark (`bench/push.sh`): on loopback, it answers every
//! `POST` with `201 Created` at once, without decrypting, over HTTP/1.1 or cleartext HTTP/2
//! (h2c, by prior knowledge), whichever the client speaks. `GET /stats` answers JSON: pushes
//! received, per HTTP version, connections, and the times (ms since the epoch) of the first
//! and the last push.
//!
//! ```sh
//! cargo run --release -p masthead-push --example push_sink -- 127.0.0.1:18444
//! ```

use std::{
    convert::Infallible,
    sync::{
        Arc,
        atomic::{AtomicI64, AtomicU64, Ordering},
    },
    time::{SystemTime, UNIX_EPOCH},
};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, Response, Version, body::Incoming};
use hyper_util::rt::{TokioExecutor, TokioIo};

#[derive(Default)]
struct Stats {
    pushes: AtomicU64,
    http1: AtomicU64,
    http2: AtomicU64,
    body_bytes: AtomicU64,
    connections: AtomicU64,
    first_ms: AtomicI64,
    last_ms: AtomicI64,
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

async fn answer(req: Request<Incoming>, stats: Arc<Stats>) -> Response<Full<Bytes>> {
    if req.method() == Method::GET && req.uri().path() == "/stats" {
        let json = format!(
            "{{\"pushes\":{},\"http1\":{},\"http2\":{},\"body_bytes\":{},\"connections\":{},\"first_ms\":{},\"last_ms\":{}}}\n",
            stats.pushes.load(Ordering::SeqCst),
            stats.http1.load(Ordering::SeqCst),
            stats.http2.load(Ordering::SeqCst),
            stats.body_bytes.load(Ordering::SeqCst),
            stats.connections.load(Ordering::SeqCst),
            stats.first_ms.load(Ordering::SeqCst),
            stats.last_ms.load(Ordering::SeqCst),
        );
        return Response::new(Full::new(Bytes::from(json)));
    }
    let version = req.version();
    let body = req
        .into_body()
        .collect()
        .await
        .map_or(0, |b| b.to_bytes().len());
    let now = now_ms();
    let _ = stats
        .first_ms
        .compare_exchange(0, now, Ordering::SeqCst, Ordering::SeqCst);
    stats.last_ms.fetch_max(now, Ordering::SeqCst);
    stats.pushes.fetch_add(1, Ordering::SeqCst);
    stats.body_bytes.fetch_add(body as u64, Ordering::Relaxed);
    if version == Version::HTTP_2 {
        stats.http2.fetch_add(1, Ordering::Relaxed);
    } else {
        stats.http1.fetch_add(1, Ordering::Relaxed);
    }
    let mut res = Response::new(Full::new(Bytes::new()));
    *res.status_mut() = hyper::StatusCode::CREATED;
    res
}

fn main() {
    let listen = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:18444".into());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&listen)
            .await
            .unwrap_or_else(|e| panic!("bind {listen}: {e}"));
        println!("LISTENING {}", listener.local_addr().expect("address"));
        let stats = Arc::new(Stats::default());
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                continue;
            };
            let _ = tcp.set_nodelay(true);
            stats.connections.fetch_add(1, Ordering::SeqCst);
            let stats = stats.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req| {
                    let stats = stats.clone();
                    async move { Ok::<_, Infallible>(answer(req, stats).await) }
                });
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tcp), service)
                    .await;
            });
        }
    });
}
