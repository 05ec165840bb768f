//! `/media/*`: variants and imported photos, from the media store of this node (the data
//! directory, or the database through this node's disk cache). Names carry a content hash,
//! so a file never changes: `Cache-Control: immutable` for a year, and the hash as the ETag.
//! Uploaded originals (`originals/…`) are refused with a 404, like a name that is not there.

use axum::{
    extract::{Path, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use tower::ServiceExt;

use crate::{AppState, error::WebError};

fn content_type(key: &str) -> &'static str {
    match key.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()) {
        Some(e) if e == "jpg" || e == "jpeg" => "image/jpeg",
        Some(e) if e == "png" => "image/png",
        Some(e) if e == "webp" => "image/webp",
        Some(e) if e == "avif" => "image/avif",
        Some(e) if e == "gif" => "image/gif",
        _ => "application/octet-stream",
    }
}

pub async fn media_file(
    State(app): State<AppState>,
    path: Result<Path<String>, axum::extract::rejection::PathRejection>,
    req: axum::extract::Request,
) -> Result<Response, WebError> {
    let Ok(Path(key)) = path else {
        return Err(WebError::NotFound);
    };
    if key.starts_with(super::ORIGINALS) || !masthead_store::photos::MediaStore::valid_key(&key) {
        return Err(WebError::NotFound);
    }
    let stem = key
        .rsplit('/')
        .next()
        .and_then(|n| n.split('.').next())
        .unwrap_or_default();
    let etag = HeaderValue::from_str(&format!("\"{stem}\"")).ok();
    if let (Some(etag), Some(given)) = (&etag, req.headers().get(header::IF_NONE_MATCH))
        && given
            .as_bytes()
            .split(|b| *b == b',')
            .any(|t| t.trim_ascii() == etag.as_bytes() || t.trim_ascii() == b"*")
    {
        let mut res = StatusCode::NOT_MODIFIED.into_response();
        res.headers_mut().insert(header::ETAG, etag.clone());
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
        return Ok(res);
    }
    let media = super::media_store(&app.config, &app.store);
    let Some(file) = media.local_path(&key).await? else {
        return Err(WebError::NotFound);
    };
    let res = tower_http::services::ServeFile::new(file)
        .oneshot(req)
        .await
        .map_err(|e| WebError::Internal(anyhow::anyhow!("serving media: {e}")))?;
    if res.status() == StatusCode::NOT_FOUND {
        return Err(WebError::NotFound);
    }
    let mut res = res.into_response();
    if res.status().is_success() {
        let h = res.headers_mut();
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(content_type(&key)),
        );
        if let Some(etag) = etag {
            h.insert(header::ETAG, etag);
        }
    }
    Ok(res)
}

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
