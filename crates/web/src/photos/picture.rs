//! From a photo and its variants to what a page's `<picture>` needs: one `<source>` per modern
//! format with its `srcset`, the JPEG fallback (`src`, `srcset`, `width`, `height`), the social
//! image (1200 px of the 16:9 crop) and the JSON-LD image list (16:9, 4:3, 1:1).
//!
//! Until variants exist the picture is the original itself (imported photos), with no
//! `<source>`; an upload without variants has no picture (see the module docs of `photos`).

use masthead_store::{content::PhotoRow, photos::VariantRow};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SourceView {
    /// image/avif, image/webp
    #[serde(rename = "type")]
    pub mime: &'static str,
    pub srcset: String,
}

/// One image of the JSON-LD list, or the social image.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ImageRef {
    pub url: String,
    pub width: i64,
    pub height: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PictureView {
    /// The JPEG fallback (or the original, before variants).
    pub url: String,
    pub width: i64,
    pub height: i64,
    /// `srcset` of the JPEG fallback (empty before variants).
    pub srcset: String,
    pub sources: Vec<SourceView>,
    pub social: Option<ImageRef>,
    pub images: Vec<ImageRef>,
}

/// Which frame a page shows: the full photo (article pages) or its 16:9 crop (cards).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frame {
    Full,
    Card,
}

fn mime(format: &str) -> Option<&'static str> {
    match format {
        "avif" => Some("image/avif"),
        "webp" => Some("image/webp"),
        "jpeg" => Some("image/jpeg"),
        _ => None,
    }
}

fn srcset(vs: &[&VariantRow]) -> String {
    vs.iter()
        .map(|v| format!("{} {}w", crate::views::media_url(&v.media_key), v.width))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The variants of one aspect and crop: the current crop of the photo's framing, or, when the
/// crop changed and its variants are not made yet, the newest there are.
fn of_aspect<'a>(p: &'a PhotoRow, aspect: &str) -> Vec<&'a VariantRow> {
    let mut vs: Vec<&VariantRow> = p.variants.iter().filter(|v| v.aspect == aspect).collect();
    if aspect == "16:9"
        && let (Ok(w), Ok(h)) = (u32::try_from(p.width), u32::try_from(p.height))
    {
        let want =
            masthead_jobs::photo_variants::crop_text(&masthead_jobs::photo_variants::crop_of(
                p.crop_16x9.as_deref(),
                (w, h),
                (p.focal_x, p.focal_y),
                (16, 9),
            ));
        if vs.iter().any(|v| v.crop == want) {
            vs.retain(|v| v.crop == want);
        }
    }
    if let Some(first) = vs.first().map(|v| v.crop.clone()) {
        vs.retain(|v| v.crop == first);
    }
    vs.sort_by_key(|v| v.width);
    vs
}

/// The picture of `p` in `frame`, or `None` for an upload whose variants are not made yet.
pub fn picture(p: &PhotoRow, frame: Frame) -> Option<PictureView> {
    let full = of_aspect(p, "");
    let wide = of_aspect(p, "16:9");
    let chosen = match frame {
        Frame::Card if !wide.is_empty() => &wide,
        _ => &full,
    };
    let jpegs: Vec<&VariantRow> = chosen
        .iter()
        .copied()
        .filter(|v| v.format == "jpeg")
        .collect();
    let image = |aspect: &str| {
        of_aspect(p, aspect)
            .into_iter()
            .filter(|v| v.format == "jpeg")
            .max_by_key(|v| v.width)
            .map(|v| ImageRef {
                url: crate::views::media_url(&v.media_key),
                width: v.width,
                height: v.height,
            })
    };
    let Some(fallback) = jpegs
        .iter()
        .copied()
        .filter(|v| v.width <= 1280)
        .max_by_key(|v| v.width)
        .or_else(|| jpegs.first().copied())
    else {
        if p.file.starts_with(super::ORIGINALS) {
            return None;
        }
        // An imported photo before its variants: the file itself, as before.
        let original = ImageRef {
            url: crate::views::media_url(&p.file),
            width: p.width,
            height: p.height,
        };
        return Some(PictureView {
            url: original.url.clone(),
            width: p.width,
            height: p.height,
            srcset: String::new(),
            sources: Vec::new(),
            social: Some(original.clone()),
            images: vec![original],
        });
    };
    let sources = ["avif", "webp"]
        .into_iter()
        .filter_map(|f| {
            let vs: Vec<&VariantRow> = chosen.iter().copied().filter(|v| v.format == f).collect();
            (!vs.is_empty()).then(|| SourceView {
                mime: mime(f).unwrap_or("image/webp"),
                srcset: srcset(&vs),
            })
        })
        .collect();
    let images: Vec<ImageRef> = ["16:9", "4:3", "1:1"]
        .into_iter()
        .filter_map(image)
        .collect();
    let social = image("16:9").or_else(|| image(""));
    Some(PictureView {
        url: crate::views::media_url(&fallback.media_key),
        width: fallback.width,
        height: fallback.height,
        srcset: srcset(&jpegs),
        sources,
        social,
        images: if images.is_empty() {
            image("").into_iter().collect()
        } else {
            images
        },
    })
}
