//! Photo settings: `MASTHEAD_MEDIA_STORE` (or `media_store` in masthead.toml): `files` (the
//! default: `DATA/media`) or `database` (media in the database with a per-node disk cache, for
//! several nodes); `MASTHEAD_PHOTO_MAX_MB` (`photo_max_mb`, default 40) and
//! `MASTHEAD_PHOTO_MAX_MEGAPIXELS` (`photo_max_megapixels`, default 50), the upload limits,
//! checked from the file's header before anything is decoded.

use anyhow::Context;
use masthead_web::PhotosConfig;

use super::env;

pub fn apply(
    photos: &mut PhotosConfig,
    file_store: Option<&str>,
    file_mb: Option<u64>,
    file_mp: Option<u64>,
) -> anyhow::Result<()> {
    // `serve` and `worker` give imported photos their variants at start.
    photos.variants_at_start = true;
    if let Some(v) = env("MASTHEAD_MEDIA_STORE").or_else(|| file_store.map(str::to_owned)) {
        photos.media_store = v
            .parse()
            .map_err(|e: String| anyhow::anyhow!("MASTHEAD_MEDIA_STORE={v}: {e}"))?;
    }
    let whole = |name: &str, file: Option<u64>, max: u64| -> anyhow::Result<Option<u64>> {
        match env(name) {
            Some(v) => v
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .map(Some)
                .with_context(|| format!("{name}={v} is not a whole number from 1 to {max}")),
            None => Ok(file),
        }
    };
    if let Some(mb) = whole("MASTHEAD_PHOTO_MAX_MB", file_mb, 1000)? {
        photos.limits.max_bytes = mb * 1_000_000;
    }
    if let Some(mp) = whole("MASTHEAD_PHOTO_MAX_MEGAPIXELS", file_mp, 500)? {
        photos.limits.max_pixels = mp * 1_000_000;
    }
    Ok(())
}
