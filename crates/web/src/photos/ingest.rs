//! Keeping an uploaded photo, whichever door it came in by (the newsroom's upload form, the
//! Admin API's `POST /api/v1/admin/photos`): the type and pixel limits checked from the header
//! (`masthead_media::probe`), one decode at 320 px so that a truncated or corrupt file is
//! refused now with its reason, then the original written to the media store under
//! `originals/` and the library row with its variants job in one transaction.

use masthead_store::{
    audit::Actor,
    photos::{NewUpload, Uploaded},
};

use crate::{AppState, error::WebError};

/// The outcome of [`ingest`].
#[derive(Debug)]
pub enum Ingested {
    /// In the library (new, or the same bytes uploaded before).
    Kept(Uploaded),
    /// Not a photo Masthead takes: the reason, as a sentence for the uploader.
    Refused(String),
}

/// `bytes` is the whole file, `hash` its SHA-256 (hex) and `size` its length.
pub async fn ingest(
    app: &AppState,
    bytes: Vec<u8>,
    hash: String,
    size: u64,
    actor: &Actor,
) -> Result<Ingested, WebError> {
    let limits = app.config.photos.limits;
    let probe = match masthead_media::probe(&bytes, &limits) {
        Ok(p) => p,
        Err(e) => return Ok(Ingested::Refused(sentence(e))),
    };
    // A full decode at the smallest size: about a second for 24 MP.
    let bytes = std::sync::Arc::new(bytes);
    let check = {
        let bytes = bytes.clone();
        let width = probe.width.min(320);
        tokio::task::spawn_blocking(move || {
            masthead_media::make_variants(
                &bytes,
                &limits,
                None,
                &[width],
                &[masthead_media::Format::Jpeg],
            )
        })
        .await
        .map_err(|e| WebError::Internal(anyhow::anyhow!("checking an upload: {e}")))?
    };
    if let Err(e) = check {
        return Ok(Ingested::Refused(sentence(e)));
    }
    let key = format!(
        "{}{}/{hash}.{}",
        super::ORIGINALS,
        &hash[..2],
        probe.format.extension()
    );
    let media = super::media_store(&app.config, &app.store);
    media.put(&key, &bytes).await?;
    let embedded = probe.embedded;
    let up = NewUpload {
        file: key,
        content_hash: hash,
        width: probe.width,
        height: probe.height,
        format: probe.format.extension().to_owned(),
        bytes: size,
        embedded_caption: embedded.caption.unwrap_or_default(),
        embedded_credit: embedded.credit.unwrap_or_default(),
        embedded_copyright: embedded.copyright.unwrap_or_default(),
    };
    let kept = app.store.add_library_photo(&up, actor).await?;
    if matches!(kept, Uploaded::New(_)) {
        app.jobs_wake.notify_one();
    }
    Ok(Ingested::Kept(kept))
}

/// A media error as a sentence: capitalised, one full stop.
pub fn sentence(message: impl std::fmt::Display) -> String {
    let m = message.to_string();
    let mut c = m.chars();
    match c.next() {
        Some(first) => format!(
            "{}{}.",
            first.to_uppercase(),
            c.as_str().trim_end_matches('.')
        ),
        None => m,
    }
}
