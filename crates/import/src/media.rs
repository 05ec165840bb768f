//! Photos in the media directory, named by content hash (`ab/ab12…ef.png`): the same picture
//! imported twice is stored once, and a file never changes under its name, so it can be cached
//! for a year.

use std::path::Path;

pub struct StoredPhoto {
    /// The path under the media directory.
    pub file: String,
    pub width: u32,
    pub height: u32,
}

pub fn store_photo(source: &Path, media_dir: &Path) -> Result<StoredPhoto, String> {
    let bytes = std::fs::read(source)
        .map_err(|e| format!("cannot read photo {}: {e}", source.display()))?;
    store_photo_bytes(&bytes, media_dir).map_err(|e| format!("photo {}: {e}", source.display()))
}

pub fn store_photo_bytes(bytes: &[u8], media_dir: &Path) -> Result<StoredPhoto, String> {
    let photo = inspect_photo_bytes(bytes)?;
    let target = media_dir.join(&photo.file);
    if !target.exists() {
        let dir = target.parent().unwrap_or(media_dir);
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let ext = target
            .extension()
            .map(|e| e.to_string_lossy().into_owned())
            .unwrap_or_default();
        // Write then rename, so that a crash never leaves a half-written file under the final name.
        let tmp = target.with_extension(format!("{ext}.tmp-{}", std::process::id()));
        std::fs::write(&tmp, bytes).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
        std::fs::rename(&tmp, &target)
            .map_err(|e| format!("cannot write {}: {e}", target.display()))?;
    }
    Ok(photo)
}

/// What [`store_photo_bytes`] would store, without writing anything (for a dry run).
pub fn inspect_photo_bytes(bytes: &[u8]) -> Result<StoredPhoto, String> {
    let format = image::guess_format(bytes)
        .map_err(|_| "not an image Masthead can read (use JPEG, PNG, WebP or GIF)".to_string())?;
    let ext = match format {
        image::ImageFormat::Png => "png",
        image::ImageFormat::Jpeg => "jpg",
        image::ImageFormat::WebP => "webp",
        image::ImageFormat::Gif => "gif",
        _ => return Err("not an image Masthead can read (use JPEG, PNG, WebP or GIF)".into()),
    };
    let reader = image::ImageReader::with_format(std::io::Cursor::new(bytes), format);
    let (width, height) = reader
        .into_dimensions()
        .map_err(|e| format!("the image is damaged: {e}"))?;
    let hash = format!("{:032x}", xxhash_rust::xxh3::xxh3_128(bytes));
    let file = format!("{}/{hash}.{ext}", &hash[..2]);
    Ok(StoredPhoto {
        file,
        width,
        height,
    })
}
