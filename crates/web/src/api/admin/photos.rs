//! The Admin API's photo upload: `POST /api/v1/admin/photos` with the file as the body
//! (`Content-Type: image/jpeg`, `image/png` or `image/webp`; `application/octet-stream` is
//! taken too, since the type is read from the bytes). The same door as the newsroom's upload
//! form (`crate::photos::ingest`): the byte and pixel limits before decoding, one check
//! decode, the original kept unserved, the variants job queued, the upload audited under the
//! key's name. Roles: every role that writes (`Role::can_write`), as the upload page.
//!
//! Decisions:
//! - Only this route takes a body above 1 MiB (up to the photo byte limit, `MASTHEAD_PHOTO_MAX_MB`).
//! - The answer is the library photo: 201 when new, 200 with `duplicate: true` when the same
//!   bytes were uploaded before (stored once). Its caption, credit and alt text are edited in
//!   the newsroom (`newsroom_url`); the caption and credit start from the file's EXIF/IPTC, as
//!   for the form.
//! - A file that is not a photo Masthead takes (another type, AVIF, a truncated or corrupt
//!   file, too many pixels) is a 422 whose message says why; too many bytes a 413.

use axum::{
    Json,
    body::Bytes,
    extract::{DefaultBodyLimit, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use masthead_core::Role;
use masthead_store::photos::Uploaded;
use serde::Serialize;
use sha2::Digest;
use utoipa::ToSchema;

use crate::{
    AppState,
    api::{
        auth::ApiKey,
        error::{ApiError, ErrorBody},
    },
    photos::ingest::{Ingested, ingest},
};

/// The photo's file: its bytes.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct PhotoFile(#[allow(dead_code)] Vec<u8>);

/// A photo in the library.
#[derive(Debug, Serialize, ToSchema)]
pub struct PhotoOut {
    pub id: String,
    pub width: i64,
    pub height: i64,
    /// `jpg`, `png` or `webp`.
    pub format: String,
    pub bytes: i64,
    /// From the file's metadata, until someone edits it.
    pub caption: String,
    pub credit: String,
    /// The same bytes were uploaded before: this is that photo.
    pub duplicate: bool,
    /// Where staff describe it (alt text, caption, credit, focal point, crops).
    pub newsroom_url: String,
}

/// The route with its own body limit (the rest of the API keeps 1 MiB).
pub fn routes(state: &AppState) -> axum::Router<AppState> {
    let limit = usize::try_from(state.config.photos.limits.max_bytes).unwrap_or(usize::MAX);
    axum::Router::new()
        .route("/api/v1/admin/photos", axum::routing::post(upload))
        .layer(axum::middleware::from_fn(crate::api::error::json_errors))
        .layer(DefaultBodyLimit::max(limit))
}

/// Upload a photo to the library.
#[utoipa::path(
    post, path = "/api/v1/admin/photos", tag = "admin", security(("bearer" = [])),
    request_body(
        description = "The photo's file: JPEG, PNG or WebP.",
        content(
            (PhotoFile = "image/jpeg"),
            (PhotoFile = "image/png"),
            (PhotoFile = "image/webp"),
            (PhotoFile = "application/octet-stream"),
        )
    ),
    responses(
        (status = 201, description = "Uploaded", body = PhotoOut, content_type = "application/json"),
        (status = 200, description = "The same file was uploaded before", body = PhotoOut, content_type = "application/json"),
        (status = 401, body = ErrorBody, content_type = "application/json", description = "No valid key"),
        (status = 403, body = ErrorBody, content_type = "application/json", description = "The key's role does not write"),
        (status = 413, body = ErrorBody, content_type = "application/json", description = "More bytes than the photo limit"),
        (status = 415, body = ErrorBody, content_type = "application/json", description = "Not an image content type"),
        (status = 422, body = ErrorBody, content_type = "application/json", description = "Not a photo Masthead takes, and why"),
        (status = 429, body = ErrorBody, content_type = "application/json", description = "Rate limited"),
    )
)]
pub async fn upload(
    State(app): State<AppState>,
    key: ApiKey,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, ApiError> {
    key.require(Role::can_write, "upload photos")?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if !(content_type.starts_with("image/") || content_type == "application/octet-stream") {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Send the photo's bytes as the body, with Content-Type image/jpeg, image/png or image/webp.",
        ));
    }
    let body = body.map_err(|_| ApiError::too_large())?;
    if body.is_empty() {
        return Err(ApiError::invalid(
            "body",
            "The body is empty: send the photo's file as the body.",
        ));
    }
    let size = body.len() as u64;
    let hash: String = sha2::Sha256::digest(&body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let (id, duplicate) = match ingest(&app, Vec::from(body), hash, size, &key.actor()).await? {
        Ingested::Kept(Uploaded::New(id)) => (id, false),
        Ingested::Kept(Uploaded::Duplicate(id)) => (id, true),
        Ingested::Refused(message) => return Err(ApiError::invalid("body", message)),
    };
    let photo = app
        .store
        .library_photo(&id)
        .await?
        .ok_or_else(|| ApiError::not_found("photo"))?;
    let out = PhotoOut {
        newsroom_url: format!("{}/newsroom/photos/{}", app.config.public_url, photo.id),
        id: photo.id,
        width: photo.width,
        height: photo.height,
        format: photo.original_format,
        bytes: photo.original_bytes,
        caption: photo.caption,
        credit: photo.credit,
        duplicate,
    };
    let status = if duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(out)).into_response())
}
