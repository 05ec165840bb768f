//! Operations endpoints: liveness, readiness, Prometheus metrics, and media files.

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

use crate::{AppState, error::WebError, middleware::metrics_handle};

/// Operations endpoints and the theme's and media's files.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/static/{*path}", get(crate::theme::static_file))
        .route("/media/{*path}", get(crate::photos::media_file))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

/// The process is alive.
pub async fn healthz() -> &'static str {
    "ok\n"
}

/// The database answers: this node can serve.
pub async fn readyz(State(app): State<AppState>) -> Response {
    match app.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready\n").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n").into_response()
        }
    }
}

/// Prometheus text. Open to loopback clients (a scraper on the same host, or an operator
/// with `curl`), and to others only with `Authorization: Bearer MASTHEAD_METRICS_TOKEN`, so
/// that a public site does not publish its internals.
pub async fn metrics(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let token_ok = match (
        &app.config.metrics_token,
        headers.get(header::AUTHORIZATION),
    ) {
        (Some(token), Some(given)) => bearer_matches(given.as_bytes(), token),
        _ => false,
    };
    if !peer.ip().is_loopback() && !token_ok {
        return Err(WebError::NotFound);
    }
    let mut out = metrics_handle().render();
    let now = masthead_store::now_ms();
    out.push_str(
        "# HELP masthead_jobs Jobs in the durable queue by status.\n# TYPE masthead_jobs gauge\n",
    );
    let counts = app.store.job_counts().await?;
    for c in &counts {
        out.push_str(&format!(
            "masthead_jobs{{status=\"{}\"}} {}\n",
            c.status, c.count
        ));
    }
    out.push_str(
        "# HELP masthead_jobs_oldest_age_seconds How long the oldest job of a status has been due.\n\
         # TYPE masthead_jobs_oldest_age_seconds gauge\n",
    );
    for c in counts
        .iter()
        .filter(|c| c.status == "queued" || c.status == "running")
    {
        let age = c
            .oldest_run_at
            .map(|t| ((now - t).max(0) as f64) / 1000.0)
            .unwrap_or(0.0);
        out.push_str(&format!(
            "masthead_jobs_oldest_age_seconds{{status=\"{}\"}} {age}\n",
            c.status
        ));
    }
    out.push_str(&format!(
        "# HELP masthead_page_cache_entries Pages in the page cache.\n# TYPE masthead_page_cache_entries gauge\nmasthead_page_cache_entries {}\n",
        app.cache.len()
    ));
    out.push_str(&crate::edition::metrics_text(&app).await?);
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4"),
        )],
        out,
    )
        .into_response())
}

/// Whether `Authorization` carries `Bearer TOKEN`, compared in constant time: an `==` on the
/// bytes returns at the first difference, and its timing would tell a client how much of a
/// guess is right.
fn bearer_matches(given: &[u8], token: &str) -> bool {
    use subtle::ConstantTimeEq;
    let Some(presented) = given.strip_prefix(b"Bearer ") else {
        return false;
    };
    // `ct_eq` on slices of unequal length is false at once; that reveals only the length.
    presented.ct_eq(token.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::bearer_matches;

    #[test]
    fn the_metrics_token_must_match_exactly() {
        assert!(bearer_matches(b"Bearer s3cret", "s3cret"));
        for wrong in [
            &b"Bearer s3cre"[..],
            b"Bearer s3cret2",
            b"bearer s3cret",
            b"s3cret",
            b"",
        ] {
            assert!(!bearer_matches(wrong, "s3cret"), "{wrong:?}");
        }
    }
}
