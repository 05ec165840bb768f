//! Making a photo's responsive variants (`make_photo_variants`, queued with the upload, after a
//! change of crop or focal point, and at start for originals without variants), and
//! `masthead photos rebuild` through [`make_missing_variants`].
//!
//! What is made, for each original:
//! - the full frame at every width of [`masthead_media::WIDTHS`] not wider than the photo (the
//!   photo's own width when it is narrower than all), in WebP, AVIF where this build encodes
//!   it, and JPEG (the fallback every browser shows);
//! - for each framing of it (each row's focal point or chosen crop): the 16:9 crop at 320, 640
//!   and 1200 px (cards, and the 1200 px social image: `og:image` and the first JSON-LD
//!   image), and the 4:3 and 1:1 crops at 1200 px (the JSON-LD `image` list, as Google asks
//!   for), in WebP and JPEG.
//!
//! Idempotent, and resumable after a crash: a variant is made only when its row is missing or
//! its file is gone; each file is written (temp then rename, or one row) before its row, so a
//! crash leaves at worst an unrecorded content-addressed file, which the next run writes again
//! with the same bytes and records. Only what was missing is stored.

use std::collections::BTreeSet;

use masthead_media::{Crop, Format, Limits, WIDTHS, crop_for_aspect};
use masthead_store::{
    Store,
    jobs::{JobError, RunJob},
    photos::{MakePhotoVariants, MediaStore, NewVariant},
};
use sha2::Digest;

use crate::JobEnv;

/// The crops made besides the full frame: (aspect, its label, widths).
const CROPS: &[((u32, u32), &str, &[u32])] = &[
    ((16, 9), "16:9", &[320, 640, 1200]),
    ((4, 3), "4:3", &[1200]),
    ((1, 1), "1:1", &[1200]),
];

/// What a node needs to make variants.
#[derive(Debug, Clone)]
pub struct MediaEnv {
    pub media: MediaStore,
    pub limits: Limits,
}

/// What one run made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Made {
    pub variants: usize,
    pub bytes: u64,
}

/// The formats of the full frame, best first.
pub fn full_frame_formats() -> Vec<Format> {
    [Format::Avif, Format::Webp, Format::Jpeg]
        .into_iter()
        .filter(|f| f.can_encode())
        .collect()
}

/// The widths made of something `width` pixels wide.
pub fn widths_for(width: u32, wanted: &[u32]) -> Vec<u32> {
    let w: Vec<u32> = wanted.iter().copied().filter(|&x| x <= width).collect();
    if w.is_empty() && width > 0 {
        vec![width]
    } else {
        w
    }
}

/// The crop of `aspect` for a framing: the editor's crop, or one around the focal point.
pub fn crop_of(
    stored: Option<&str>,
    (width, height): (u32, u32),
    (focal_x, focal_y): (i64, i64),
    aspect: (u32, u32),
) -> Crop {
    if let Some((x, y, w, h)) = stored.and_then(masthead_core::photo::crop_numbers) {
        let c = Crop {
            x,
            y,
            width: w,
            height: h,
        };
        if c.fits(width, height) {
            return c;
        }
    }
    let f = |v: i64| (v.clamp(0, 1000) as f32) / 1000.0;
    crop_for_aspect(width, height, (f(focal_x), f(focal_y)), aspect)
}

pub fn crop_text(c: &Crop) -> String {
    format!("{},{},{},{}", c.x, c.y, c.width, c.height)
}

fn format_name(f: Format) -> &'static str {
    match f {
        Format::Jpeg => "jpeg",
        Format::Png => "png",
        Format::Webp => "webp",
        Format::Avif => "avif",
    }
}

/// The content-addressed key of a variant's bytes.
fn variant_key(bytes: &[u8], format: Format) -> String {
    let hash = hex(&sha2::Sha256::digest(bytes)[..16]);
    format!("v/{}/{hash}.{}", &hash[..2], format.extension())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Photos worked on at once in this process: one per core. The worker runs up to 16 jobs at a
/// time, and 16 photos decoded and encoded at once (the 24 lead photos of an import, at the
/// first start) took a serving node's peak memory from ~130 to 243 MiB and both cores from
/// its readers; the rest wait their turn in the queue's lease.
static PHOTO_SLOTS: std::sync::LazyLock<tokio::sync::Semaphore> = std::sync::LazyLock::new(|| {
    tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(1, |n| n.get()))
});

impl RunJob<JobEnv> for MakePhotoVariants {
    async fn run(&self, env: &JobEnv) -> Result<(), JobError> {
        let Some(media) = &env.media else {
            return Err(JobError::permanent(
                "this node has no media store: run the worker with the data directory",
            ));
        };
        let _slot = PHOTO_SLOTS
            .acquire()
            .await
            .map_err(|e| JobError::msg(e.to_string()))?;
        match make_missing_variants(&env.store, media, &self.original).await {
            Ok(made) => {
                tracing::info!(original = %self.original, made = made.variants, bytes = made.bytes, "photo variants");
                Ok(())
            }
            Err(VariantsError::Permanent(e)) => Err(JobError::permanent(e)),
            Err(VariantsError::Retry(e)) => Err(JobError::msg(format!("{e:#}"))),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VariantsError {
    /// The original is missing or cannot be read as a photo: running again will not help.
    #[error("{0}")]
    Permanent(String),
    #[error(transparent)]
    Retry(#[from] anyhow::Error),
}

impl From<masthead_store::StoreError> for VariantsError {
    fn from(e: masthead_store::StoreError) -> Self {
        VariantsError::Retry(e.into())
    }
}

/// One crop of one original and the (width, format) pairs to make of it.
struct Group {
    aspect: &'static str,
    crop: Option<Crop>,
    crop_text: String,
    wanted: BTreeSet<(u32, Format)>,
}

/// Makes and records what is missing of `original`'s variants.
pub async fn make_missing_variants(
    store: &Store,
    env: &MediaEnv,
    original: &str,
) -> Result<Made, VariantsError> {
    let Some(bytes) = env.media.get(original).await? else {
        return Err(VariantsError::Permanent(format!(
            "the original photo {original} is not in the media store"
        )));
    };
    let limits = env.limits;
    let bytes = std::sync::Arc::new(bytes);
    let probe = {
        let bytes = bytes.clone();
        tokio::task::spawn_blocking(move || masthead_media::probe(&bytes, &limits))
            .await
            .map_err(|e| VariantsError::Retry(e.into()))?
            .map_err(|e| VariantsError::Permanent(format!("{original}: {e}")))?
    };
    let size = (probe.width, probe.height);
    // What is there: a row whose file is gone counts as missing (and its row is dropped).
    let mut have = BTreeSet::new();
    for v in store.variants_of(&[original]).await? {
        if env.media.contains(&v.media_key).await? {
            have.insert((v.aspect.clone(), v.crop.clone(), v.width, v.format.clone()));
        } else {
            store.forget_variant(&v.media_key).await?;
        }
    }
    let mut groups = vec![Group {
        aspect: "",
        crop: None,
        crop_text: String::new(),
        wanted: widths_for(probe.width, WIDTHS)
            .into_iter()
            .flat_map(|w| full_frame_formats().into_iter().map(move |f| (w, f)))
            .collect(),
    }];
    let mut framings = store.framings_of(original).await?;
    if framings.is_empty() {
        framings.push((500, 500, None, None, None));
    }
    for (fx, fy, c16, c4, c1) in &framings {
        for (aspect, label, widths) in CROPS {
            let stored = match *label {
                "16:9" => c16.as_deref(),
                "4:3" => c4.as_deref(),
                _ => c1.as_deref(),
            };
            let crop = crop_of(stored, size, (*fx, *fy), *aspect);
            let text = crop_text(&crop);
            if groups
                .iter()
                .any(|g| g.aspect == *label && g.crop_text == text)
            {
                continue;
            }
            groups.push(Group {
                aspect: label,
                crop: Some(crop),
                crop_text: text,
                wanted: widths_for(crop.width, widths)
                    .into_iter()
                    .flat_map(|w| [Format::Webp, Format::Jpeg].map(move |f| (w, f)))
                    .collect(),
            });
        }
    }
    let mut made = Made::default();
    for g in groups {
        let missing: BTreeSet<(u32, Format)> = g
            .wanted
            .iter()
            .copied()
            .filter(|(w, f)| {
                !have.contains(&(
                    g.aspect.to_owned(),
                    g.crop_text.clone(),
                    i64::from(*w),
                    format_name(*f).to_owned(),
                ))
            })
            .collect();
        if missing.is_empty() {
            continue;
        }
        // Every width of the framing, not only the missing ones: the media crate resizes each
        // width from the next larger one, so a width remade alone (from the photo) would not
        // be the same pixels, nor the same content-addressed name, as the first time.
        let widths: Vec<u32> = g
            .wanted
            .iter()
            .map(|(w, _)| *w)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let formats: Vec<Format> = missing
            .iter()
            .map(|(_, f)| *f)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let variants = {
            let bytes = bytes.clone();
            let crop = g.crop;
            tokio::task::spawn_blocking(move || {
                masthead_media::make_variants(&bytes, &limits, crop, &widths, &formats)
            })
            .await
            .map_err(|e| VariantsError::Retry(e.into()))?
            .map_err(|e| VariantsError::Permanent(format!("{original}: {e}")))?
        };
        let mut rows = Vec::new();
        let mut keys = Vec::new();
        for v in &variants {
            // Made together with a missing one, but already stored: kept as it was.
            if !missing.contains(&(v.width, v.format)) {
                continue;
            }
            let key = variant_key(&v.bytes, v.format);
            env.media.put(&key, &v.bytes).await?;
            made.variants += 1;
            made.bytes += v.bytes.len() as u64;
            keys.push((key, v));
        }
        for (key, v) in &keys {
            rows.push(NewVariant {
                original,
                aspect: g.aspect,
                crop: &g.crop_text,
                width: v.width,
                height: v.height,
                format: format_name(v.format),
                media_key: key,
                bytes: v.bytes.len() as u64,
            });
        }
        if !rows.is_empty() {
            store.record_variants(&rows).await?;
        }
    }
    Ok(made)
}
