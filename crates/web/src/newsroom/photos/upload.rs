//! The upload: `GET /newsroom/photos/new` (the form: a plain file input; `photos.js` adds
//! drag and drop) and `POST /newsroom/photos/upload` (multipart: `csrf` first, then `photo`).
//!
//! The file is streamed to `DATA/tmp/upload-…` and hashed (SHA-256) on the way; the byte limit
//! is enforced while streaming, the pixel limit and the type from the header by
//! `masthead_media::probe` before anything is decoded (`crate::photos::ingest`, shared with the
//! Admin API). The temporary file is removed on every path ([`TempUpload`]'s `Drop`).

use std::path::PathBuf;

use axum::{
    extract::{Multipart, State, multipart::MultipartRejection},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use masthead_store::photos::Uploaded;
use sha2::Digest;
use tokio::io::AsyncWriteExt;

use crate::{
    AppState,
    error::{Refusal, WebError},
    newsroom::articles::{Writer, page, staff_member},
    photos::ingest::{Ingested, ingest, sentence},
    session::cookies,
};

pub async fn upload_form(
    State(app): State<AppState>,
    headers: HeaderMap,
    w: Writer,
) -> Result<Response, WebError> {
    let staff = staff_member(&app, &w).await?;
    render_form(&app, &headers, &staff, StatusCode::OK, None).await
}

async fn render_form(
    app: &AppState,
    headers: &HeaderMap,
    staff: &masthead_store::newsroom::StaffMember,
    status: StatusCode,
    error: Option<String>,
) -> Result<Response, WebError> {
    let limits = app.config.photos.limits;
    let ctx = minijinja::context! {
        error => error,
        max_mb => limits.max_bytes / 1_000_000,
        max_mp => limits.max_pixels / 1_000_000,
        photos_js => app.theme.static_url("photos.js"),
    };
    page(
        app,
        headers,
        staff,
        "newsroom/photo_upload.html",
        "Upload a photo",
        "/newsroom/photos/new",
        status,
        ctx,
    )
    .await
}

/// A temporary upload file, removed when dropped unless it was kept.
struct TempUpload {
    path: PathBuf,
}

impl Drop for TempUpload {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Why an upload was not accepted: shown above the form.
enum Refused {
    /// (status, message)
    Form(StatusCode, String),
    Csrf,
}

pub async fn upload(
    State(app): State<AppState>,
    headers: HeaderMap,
    w: Writer,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, WebError> {
    let staff = staff_member(&app, &w).await?;
    let Ok(multipart) = multipart else {
        return render_form(
            &app,
            &headers,
            &staff,
            StatusCode::BAD_REQUEST,
            Some(
                "The upload could not be read: use the form on this page to choose a photo.".into(),
            ),
        )
        .await;
    };
    match receive(&app, &headers, multipart).await {
        Ok((temp, hash, size)) => store_upload(&app, &headers, &staff, temp, hash, size).await,
        Err(Refused::Csrf) => Err(Refusal::new(
            StatusCode::FORBIDDEN,
            "This form has expired",
            "For your security, the upload could not be accepted. Please reload the page and upload the photo again. Nothing was changed.",
            ("/newsroom/photos/new", "Back to the upload"),
        )
        .into()),
        Err(Refused::Form(status, message)) => {
            render_form(&app, &headers, &staff, status, Some(message)).await
        }
    }
}

/// Reads the form: the token, then the file into a temporary file. Returns the file, its
/// SHA-256 (hex) and its size.
async fn receive(
    app: &AppState,
    headers: &HeaderMap,
    mut multipart: Multipart,
) -> Result<(TempUpload, String, u64), Refused> {
    let interrupted = || {
        Refused::Form(
            StatusCode::BAD_REQUEST,
            "The upload was interrupted before the whole file arrived. Nothing was kept: please upload the photo again.".into(),
        )
    };
    let max = app.config.photos.limits.max_bytes;
    let mut csrf_checked = false;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => return Err(interrupted()),
        };
        match field.name() {
            Some("csrf") => {
                let token = field.text().await.map_err(|_| interrupted())?;
                if !cookies::csrf_ok(headers, token.trim(), app.secure_cookies()) {
                    return Err(Refused::Csrf);
                }
                csrf_checked = true;
            }
            Some("photo") => {
                if !csrf_checked {
                    return Err(Refused::Csrf);
                }
                return receive_file(app, field, max).await;
            }
            _ => {}
        }
    }
    if !csrf_checked {
        return Err(Refused::Csrf);
    }
    Err(Refused::Form(
        StatusCode::BAD_REQUEST,
        "No photo was chosen: choose a JPEG, PNG or WebP file and upload it.".into(),
    ))
}

async fn receive_file(
    app: &AppState,
    mut field: axum::extract::multipart::Field<'_>,
    max: u64,
) -> Result<(TempUpload, String, u64), Refused> {
    let internal = |e: std::io::Error| {
        tracing::error!(error = %e, "cannot write an upload to the temporary directory");
        Refused::Form(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The server could not keep the upload (its disk may be full). Nothing was kept: try again later, or tell the site's administrator.".into(),
        )
    };
    let dir = app.config.data_dir.join("tmp");
    tokio::fs::create_dir_all(&dir).await.map_err(internal)?;
    let temp = TempUpload {
        path: dir.join(format!("upload-{}.part", masthead_core::new_id())),
    };
    let mut file = tokio::fs::File::create(&temp.path)
        .await
        .map_err(internal)?;
    let mut hasher = sha2::Sha256::new();
    let mut size: u64 = 0;
    loop {
        match field.chunk().await {
            Ok(Some(chunk)) => {
                size += chunk.len() as u64;
                if size > max {
                    return Err(Refused::Form(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        sentence(masthead_media::MediaError::TooManyBytes { size, limit: max }),
                    ));
                }
                hasher.update(&chunk);
                file.write_all(&chunk).await.map_err(internal)?;
            }
            Ok(None) => break,
            Err(_) => {
                return Err(Refused::Form(
                    StatusCode::BAD_REQUEST,
                    "The upload was interrupted before the whole file arrived. Nothing was kept: please upload the photo again.".into(),
                ));
            }
        }
    }
    file.flush().await.map_err(internal)?;
    drop(file);
    let hash: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok((temp, hash, size))
}

async fn store_upload(
    app: &AppState,
    headers: &HeaderMap,
    staff: &masthead_store::newsroom::StaffMember,
    temp: TempUpload,
    hash: String,
    size: u64,
) -> Result<Response, WebError> {
    let bytes = tokio::fs::read(&temp.path)
        .await
        .map_err(|e| WebError::Internal(anyhow::anyhow!("reading the upload back: {e}")))?;
    drop(temp);
    let (id, notice) = match ingest(app, bytes, hash, size, &staff.actor()).await? {
        Ingested::Kept(Uploaded::New(id)) => (id, "uploaded"),
        Ingested::Kept(Uploaded::Duplicate(id)) => (id, "duplicate"),
        Ingested::Refused(message) => {
            return render_form(app, headers, staff, StatusCode::BAD_REQUEST, Some(message)).await;
        }
    };
    Ok(Redirect::to(&format!("/newsroom/photos/{id}?notice={notice}")).into_response())
}
