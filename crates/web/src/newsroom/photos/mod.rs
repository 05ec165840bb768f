//! The newsroom's photo library: the library page with search and paging (`library.rs`), the
//! upload (`upload.rs`), a photo's edit page, its deletion and its use as an article's lead
//! photo (`edit.rs`).
//!
//! Decisions where the issue is silent (docs/architecture.md, "Photos", says the same):
//! - Roles: every role that writes (contributor and up) uploads and uses library photos in the
//!   articles it may edit; a photo's metadata is changed, and the photo deleted, by whoever
//!   uploaded it and by editors and admins (`may_change`). Moderators have no photo pages.
//! - Only `POST /newsroom/photos/upload` accepts a body above 1 MiB: up to the byte limit
//!   (`MASTHEAD_PHOTO_MAX_MB`, 40 MB by default) plus 64 KiB for the form around the file. The
//!   file is streamed to a temporary file in `DATA/tmp`, hashed on the way, and removed on
//!   every path that does not keep it (a body cut short, a refused file): no row and no file
//!   are left behind.
//! - CSRF: the upload form's first field is the token, checked before the file is read; every
//!   other POST is a [`CsrfForm`](crate::session::CsrfForm).
//! - Before it is kept, the upload is decoded once at 320 px: a truncated or corrupt file is
//!   refused with the reason at once instead of failing later in the variants job.
//! - A photo in use by an article cannot be deleted (the page says which count uses it).

mod edit;
mod library;
mod upload;

use axum::{
    Router,
    extract::DefaultBodyLimit,
    routing::{get, post},
};
use masthead_core::Role;
use masthead_store::{newsroom::StaffMember, photos::LibraryPhoto};

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/newsroom/photos", get(library::library))
        .route("/newsroom/photos/new", get(upload::upload_form))
        .route(
            "/newsroom/photos/{id}",
            get(edit::edit_page).post(edit::save),
        )
        .route("/newsroom/photos/{id}/delete", post(edit::delete))
        .route("/newsroom/articles/{id}/lead-photo", post(edit::attach))
}

/// The upload route, with its own body limit (the rest of the site keeps 1 MiB).
pub fn upload_routes(state: &AppState) -> Router<AppState> {
    let limit = upload_body_limit(state.config.photos.limits.max_bytes);
    Router::new()
        .route("/newsroom/photos/upload", post(upload::upload))
        // A backstop at twice the limit: up to it, the handler's own streaming check answers
        // with the page that names the limit; a body past it is cut with a bare 413.
        .layer(DefaultBodyLimit::max(limit.saturating_mul(2)))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            limit.saturating_mul(2),
        ))
}

/// The file's limit plus room for the form's other fields and the multipart framing.
fn upload_body_limit(max_bytes: u64) -> usize {
    usize::try_from(max_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(64 * 1024)
}

/// Whether `staff` may change or delete `photo`: its uploader, editors and admins.
fn may_change(staff: &StaffMember, photo: &LibraryPhoto) -> bool {
    matches!(staff.role, Role::Admin | Role::Editor)
        || photo.uploaded_by.as_deref() == Some(staff.id.as_str())
}

/// The smallest full-frame variant at least `min` wide, for thumbnails and previews, as a URL
/// (preferring WebP), or `None` before the variants exist.
fn preview_url(variants: &[masthead_store::photos::VariantRow], min: i64) -> Option<String> {
    let mut full: Vec<_> = variants.iter().filter(|v| v.aspect.is_empty()).collect();
    full.sort_by_key(|v| (v.width, v.format != "webp"));
    full.iter()
        .find(|v| v.width >= min && v.format == "webp")
        .or_else(|| full.iter().find(|v| v.width >= min))
        .or_else(|| full.last())
        .map(|v| crate::views::media_url(&v.media_key))
}
