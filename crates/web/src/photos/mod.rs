//! Photos on the reader side: the settings (where media live, the upload limits), the
//! `<picture>` data pages render (`picture.rs`) and `/media/*` (`serve.rs`). The newsroom's
//! library and upload are `newsroom::photos`.
//!
//! Decisions where the issue is silent:
//! - `/media/*` serves variants (`v/…`, written by the variants job from pixels only: no EXIF,
//!   no GPS) and the files `masthead import` writes. Uploaded originals live under
//!   `originals/…` in the same store and are never served: they may carry GPS positions and
//!   the photographer's camera serial. Until an upload's variants exist, pages show it in
//!   no size at all (its `<figure>` is left out); the job runs seconds after the upload.
//! - Imported photos are shown as today (their file) until their variants exist; the start
//!   of the server queues the job for every original without variants.

pub(crate) mod ingest;
pub(crate) mod picture;
mod serve;

pub use picture::{Frame, ImageRef, SourceView, picture};
pub use serve::media_file;

use masthead_store::photos::{MediaBackend, MediaStore};

/// The photo settings: `MASTHEAD_MEDIA_STORE` (`files` or `database`),
/// `MASTHEAD_PHOTO_MAX_MB` and `MASTHEAD_PHOTO_MAX_MEGAPIXELS`, also in `masthead.toml`.
#[derive(Debug, Clone, Copy, Default)]
pub struct PhotosConfig {
    pub media_store: MediaBackend,
    pub limits: masthead_media::Limits,
    /// Queue the variants job at start for every photo without variants (`masthead serve`
    /// does; off in this struct's default so that an app built in a test changes no page
    /// behind the test's back).
    pub variants_at_start: bool,
}

/// Where media live on this node.
pub fn media_store(config: &crate::WebConfig, store: &masthead_store::Store) -> MediaStore {
    MediaStore::new(config.photos.media_store, store.clone(), &config.data_dir)
}

/// What the variants job needs on this node.
pub fn media_env(
    config: &crate::WebConfig,
    store: &masthead_store::Store,
) -> masthead_jobs::photo_variants::MediaEnv {
    masthead_jobs::photo_variants::MediaEnv {
        media: media_store(config, store),
        limits: config.photos.limits,
    }
}

/// Keys under this prefix are uploaded originals: kept, never served.
pub const ORIGINALS: &str = "originals/";
