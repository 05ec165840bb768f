//! The HTTP server loop: accepts connections and serves the router on each, with limits that
//! keep slow or idle clients from holding the process's connections and file descriptors.
//!
//! `axum::serve` has no timeouts and no connection cap: a client that sends half a request
//! head and waits keeps its socket forever, and about a thousand such clients exhaust the
//! descriptors. Here (settings in `WebConfig::server`, docs/configuration.md):
//!
//! - **Header timeout** (hyper's HTTP/1 `header_read_timeout`, on hyper's timer): a request
//!   head must be complete within `header_timeout` of the connection starting to wait for it.
//!   Hyper starts that clock when a connection is ready for a request, a new one or a kept-alive
//!   one after its last response, so for HTTP/1 it also bounds the idle time between requests
//!   (like Apache's `KeepAliveTimeout`).
//! - **Idle timeout**: a connection on which no byte moves in either direction for
//!   `idle_timeout` is closed. It covers what the header timer does not: HTTP/2 connections,
//!   and a response stalled on a client that stopped reading.
//! - **Request timeout**: a layer in `router()`, so that its 408 carries the security headers
//!   and is counted (a client that sends a body slowly, or a handler that hangs).
//! - **Connection cap**: at `max_connections` open connections the loop stops accepting until
//!   one closes. New clients wait in the kernel's listen backlog, costing no descriptor of
//!   ours, and are served in turn as slots free; the connections already open are served as
//!   usual. Since a silent client holds a slot for at most the header timeout, a flood of them
//!   delays newcomers by seconds instead of locking them out.
//!
//! Graceful shutdown is as `axum::serve`'s: stop accepting, let every connection finish the
//! request in flight (idle ones close at once), then return.

use std::{
    convert::Infallible,
    io,
    net::SocketAddr,
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    task::{Context, Poll},
    time::{Duration, Instant},
};

use axum::{Router, extract::ConnectInfo};
use hyper::body::Incoming;
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::conn::auto,
};
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::{TcpListener, TcpStream},
    sync::{Semaphore, watch},
};
use tower::ServiceExt;

/// Limits on connections; see the module documentation for what each one guards against.
#[derive(Debug, Clone)]
pub struct ServerLimits {
    pub header_timeout: Duration,
    pub request_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            // Below the usual soft limit of 1,024 descriptors, leaving room for the database
            // pool, the search index's files and the outbox.
            max_connections: 512,
        }
    }
}

/// Serves `router` on `listener` until `shutdown` resolves, then drains the connections.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ServerLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    // Each connection holds a receiver: `close_tx.closed()` resolves when all have ended.
    let (signal_tx, signal_rx) = watch::channel(());
    let (close_tx, close_rx) = watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_error(e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Small responses go out at once rather than waiting for Nagle's timer.
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let limits = limits.clone();
        let signal = signal_rx.clone();
        let close = close_rx.clone();
        tokio::spawn(async move {
            serve_connection(stream, peer, router, &limits, signal).await;
            drop(slot);
            drop(close);
        });
    }
    tracing::info!("shutting down: finishing requests in flight");
    drop(listener);
    drop(signal_rx);
    drop(close_rx);
    let _ = signal_tx.send(());
    close_tx.closed().await;
    Ok(())
}

async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    limits: &ServerLimits,
    mut signal: watch::Receiver<()>,
) {
    let activity = Activity::new();
    let io = TokioIo::new(Watched {
        inner: stream,
        activity: activity.clone(),
    });
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        // What `into_make_service_with_connect_info` did: handlers and rate limits read the
        // peer address from the request.
        req.extensions_mut().insert(ConnectInfo(peer));
        let router = router.clone();
        async move { Ok::<_, Infallible>(router.oneshot(req).await.unwrap_or_else(|e| match e {})) }
    });
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    builder.http2().timer(TokioTimer::new());
    let conn = builder.serve_connection_with_upgrades(io, service);
    let mut conn = std::pin::pin!(conn);
    let mut draining = false;
    loop {
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    // Header timeouts, resets and malformed requests: the client's doing.
                    tracing::debug!(%peer, error = %e, "connection ended with an error");
                }
                return;
            }
            _ = signal.changed(), if !draining => {
                draining = true;
                conn.as_mut().graceful_shutdown();
            }
            () = activity.idle_for(limits.idle_timeout) => {
                tracing::debug!(%peer, "closing a connection idle for too long");
                return;
            }
        }
    }
}

/// Waits after an accept error that is not one connection's failure (EMFILE, ENFILE,
/// ENOBUFS…): retrying at once would spin while descriptors are short.
async fn accept_error(e: io::Error) {
    use io::ErrorKind::*;
    if matches!(
        e.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset | Interrupted
    ) {
        return;
    }
    tracing::error!(error = %e, "accepting a connection failed; retrying in a second");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// When bytes last moved on a connection, in milliseconds since the connection opened.
#[derive(Clone)]
struct Activity {
    opened: Instant,
    last: Arc<AtomicU64>,
}

impl Activity {
    fn new() -> Self {
        Self {
            opened: Instant::now(),
            last: Arc::new(AtomicU64::new(0)),
        }
    }

    fn touch(&self) {
        let ms = self.opened.elapsed().as_millis() as u64;
        self.last.store(ms, Ordering::Relaxed);
    }

    /// Resolves once nothing has moved for `limit`; wakes only at deadlines, not per byte.
    async fn idle_for(&self, limit: Duration) {
        loop {
            let last = Duration::from_millis(self.last.load(Ordering::Relaxed));
            let deadline = self.opened + last + limit;
            if Instant::now() >= deadline {
                return;
            }
            tokio::time::sleep_until(deadline.into()).await;
        }
    }
}

/// The TCP stream, noting every read and write that moved bytes.
struct Watched {
    inner: TcpStream,
    activity: Activity,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let res = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(res, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.touch();
        }
        res
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let res = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(res, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        res
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let res = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(res, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        res
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
