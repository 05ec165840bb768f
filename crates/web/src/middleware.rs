//! Around every request: security headers, metrics by route, and the themed error page for
//! errors raised by handlers (see `error.rs`).

use std::{sync::OnceLock, time::Instant};

use axum::{
    extract::{MatchedPath, Request, State},
    http::{HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{Html, IntoResponse, Response},
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::{AppState, error::ErrorPage, views};

/// The process-wide metrics recorder (one per process, shared by every app built in it).
pub fn metrics_handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Suffix("duration_seconds".into()),
                &[
                    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                ],
            )
            .expect("bucket list is not empty")
            .build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was already installed; /metrics will be empty");
        }
        handle
    })
}

/// The method as a metric label. Labels must come from a closed set: every distinct value is a
/// series the recorder keeps for the life of the process, and hyper accepts any token as a
/// method, so a label copied from the request lets a client grow /metrics (and our memory)
/// without bound.
fn method_label(method: &Method) -> Option<&'static str> {
    Some(match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => return None,
    })
}

/// The status as a metric label: the server sets it, but an unregistered code (any three
/// digits are valid) is folded into `other` so that the label set stays closed whatever a
/// handler or a library returns.
fn status_label(status: StatusCode) -> String {
    match status.canonical_reason() {
        Some(_) => status.as_str().to_owned(),
        None => "other".to_owned(),
    }
}

pub async fn observe(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = method_label(req.method());
    // Route templates (`/{section}/{slug}`) are a closed set; the raw path is not.
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let signed_in =
        crate::session::cookies::session_token(req.headers(), app.secure_cookies()).is_some();
    // Kept for the redirect lookup of a 404 (a `Uri` clone shares its bytes).
    let uri = matches!(method, Some("GET" | "HEAD")).then(|| req.uri().clone());
    let is_api = req.uri().path().starts_with("/api/");
    let mut res = match method {
        Some(_) => next.run(req).await,
        // Under /api/ the OpenAPI document is the contract: a method it does not list for a
        // path is a 405 `method_not_allowed` with `Allow`, whether or not the method is one
        // we recognise (`QUERY`, `X-ANYTHING`), so that a client sees one answer for "not
        // here" (and Schemathesis's unsupported-method cases hold). The router answers it.
        None if is_api => next.run(req).await,
        // RFC 9110 §15.6.2: elsewhere, a method the server does not recognise is answered
        // 501, before any handler or fallback sees it (a 404 would suggest another path
        // might work).
        None => StatusCode::NOT_IMPLEMENTED.into_response(),
    };
    // A path that moved (a changed slug, a renamed section or tag) answers with a permanent
    // redirect wherever the 404 came from: the fallback or a handler that found nothing.
    if res.status() == StatusCode::NOT_FOUND
        && let Some(uri) = &uri
        && let Some(to) = moved_to(&app, uri).await
    {
        res = axum::response::Redirect::permanent(&to).into_response();
    }
    // Under /api/ every error is the APIs' JSON error, whoever made it (the body limit, a
    // timeout, a panic): `api::error::rewrite_outer`.
    if is_api {
        res = crate::api::error::rewrite_outer(res);
    }
    // A body over the limit is refused before any handler reads it: say so in words, and
    // that what was typed is still in the page it came from.
    // A page of ours (the photo upload's form naming its own limit) is left as it is.
    if res.status() == StatusCode::PAYLOAD_TOO_LARGE
        && !is_api
        && res.extensions().get::<ErrorPage>().is_none()
        && !res
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"text/html"))
    {
        res.extensions_mut().insert(ErrorPage {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            title: "That was too much to send at once",
            message: "The form was over 1 MB, the most the site accepts, so nothing was saved. Your text is still in the page you came from: go back, shorten it (an article body can have at most 400 KB; split a longer piece into parts) and send it again.".into(),
            link: None,
        });
    }
    if let Some(page) = res.extensions_mut().remove::<ErrorPage>() {
        let retry_after = res.headers().get(header::RETRY_AFTER).cloned();
        res = render_error(&app, page, signed_in).await;
        if let Some(v) = retry_after {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    // Defaults: a handler may have set a stricter value (the sign-in link page: no-referrer).
    let h = res.headers_mut();
    for (name, value) in [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
        (header::X_FRAME_OPTIONS, "SAMEORIGIN"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
             object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'",
        ),
    ] {
        h.entry(name).or_insert(HeaderValue::from_static(value));
    }
    // Only when readers come over HTTPS: on plain HTTP the header is ignored, and a site
    // reached at http://127.0.0.1 (the demo) must not pin itself to HTTPS. No
    // includeSubDomains: the publisher's other hosts are not ours to decide for.
    if app.config.is_https() {
        h.entry(header::STRICT_TRANSPORT_SECURITY)
            .or_insert(HeaderValue::from_static("max-age=31536000"));
    }
    let status = status_label(res.status());
    let method = method.unwrap_or("other");
    metrics::counter!("masthead_http_requests_total", "route" => route.clone(), "method" => method, "status" => status)
        .increment(1);
    metrics::histogram!("masthead_http_request_duration_seconds", "route" => route)
        .record(start.elapsed().as_secs_f64());
    res
}

/// Where the path of `uri` moved to, with its query kept. A database error is logged and
/// leaves the 404 as it was.
async fn moved_to(app: &AppState, uri: &axum::http::Uri) -> Option<String> {
    match app.store.redirect_for(uri.path()).await {
        Ok(Some(to)) => Some(match uri.query() {
            Some(q) => format!("{to}?{q}"),
            None => to,
        }),
        Ok(None) => None,
        Err(e) => {
            tracing::warn!(error = %e, "redirect lookup failed");
            None
        }
    }
}

async fn render_error(app: &AppState, page: ErrorPage, signed_in: bool) -> Response {
    let site = views::site(app).await;
    let ctx = minijinja::context! {
        site => &site,
        page => views::PageMeta::new(&site, page.title, "", "/"),
        now_year => views::now_year(app),
        status => page.status.as_u16(),
        title => page.title,
        message => &page.message,
        link_url => page.link.as_ref().map(|l| &l.0),
        link_text => page.link.as_ref().map(|l| &l.1),
        signed_in,
    };
    let html = app.theme.render("error.html", ctx).unwrap_or_else(|e| {
        tracing::error!(error = %e, "the error template failed");
        format!("<!doctype html><title>{0}</title><h1>{0}</h1>", page.status)
    });
    let mut res = (page.status, Html(html)).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

pub fn panic_response(err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    tracing::error!(panic = detail, "a request handler panicked");
    let mut res = axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response();
    res.extensions_mut().insert(ErrorPage::internal());
    res
}
