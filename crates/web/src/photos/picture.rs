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

/// The body's inline photos as `<picture>`s: each `<figure class="inline-photo">` whose
/// `<img>` shows an original that has full-frame variants gets a `<source>` per modern format
/// and the JPEG fallback's `srcset`, lazy and async (inline photos are below the lead). The
/// body is the sanitized HTML `masthead_core::markdown` wrote at save time, so its figures have
/// one known shape; anything else is left as it is. Photos without variants keep their file.
pub fn inline_pictures(body_html: &str, variants: &[VariantRow]) -> String {
    const FIGURE: &str = "<figure class=\"inline-photo\"><img ";
    if variants.is_empty() || !body_html.contains(FIGURE) {
        return body_html.to_owned();
    }
    let mut out = String::with_capacity(body_html.len() + 1024);
    let mut rest = body_html;
    while let Some(at) = rest.find(FIGURE) {
        let img_at = at + FIGURE.len() - "<img ".len();
        out.push_str(&rest[..img_at]);
        let Some(len) = rest[img_at..].find('>') else {
            break;
        };
        let img = &rest[img_at..=img_at + len];
        rest = &rest[img_at + len + 1..];
        match picture_for(img, variants) {
            Some(p) => out.push_str(&p),
            None => out.push_str(img),
        }
    }
    out.push_str(rest);
    out
}

/// The value of `name="…"` in one tag (values are escaped: no `"` inside).
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let from = tag.find(&key)? + key.len();
    let len = tag[from..].find('"')?;
    Some(&tag[from..from + len])
}

fn picture_for(img: &str, variants: &[VariantRow]) -> Option<String> {
    let file = attr(img, "src")?.strip_prefix("/media/")?;
    let full: Vec<&VariantRow> = variants
        .iter()
        .filter(|v| v.original == file && v.aspect.is_empty())
        .collect();
    let mut jpegs: Vec<&VariantRow> = full
        .iter()
        .copied()
        .filter(|v| v.format == "jpeg")
        .collect();
    jpegs.sort_by_key(|v| v.width);
    let fallback = jpegs
        .iter()
        .copied()
        .filter(|v| v.width <= 1280)
        .max_by_key(|v| v.width)
        .or_else(|| jpegs.first().copied())?;
    const SIZES: &str = "(min-width: 56rem) 56rem, 100vw";
    let mut html = String::from("<picture>");
    for format in ["avif", "webp"] {
        let mut vs: Vec<&VariantRow> = full
            .iter()
            .copied()
            .filter(|v| v.format == format)
            .collect();
        if vs.is_empty() {
            continue;
        }
        vs.sort_by_key(|v| v.width);
        html.push_str(&format!(
            "<source type=\"{}\" srcset=\"{}\" sizes=\"{SIZES}\">",
            mime(format).unwrap_or("image/webp"),
            srcset(&vs)
        ));
    }
    html.push_str(&format!(
        "<img src=\"{}\" srcset=\"{}\" sizes=\"{SIZES}\" alt=\"{}\" width=\"{}\" height=\"{}\" loading=\"lazy\" decoding=\"async\"></picture>",
        crate::views::media_url(&fallback.media_key),
        srcset(&jpegs),
        attr(img, "alt").unwrap_or(""),
        fallback.width,
        fallback.height
    ));
    Some(html)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(original: &str, width: i64, format: &str) -> VariantRow {
        VariantRow {
            original: original.into(),
            aspect: String::new(),
            crop: String::new(),
            width,
            height: width * 2 / 3,
            format: format.into(),
            media_key: format!("v/{original}-{width}.{format}"),
            bytes: 1,
        }
    }

    #[test]
    fn inline_figures_with_variants_become_pictures_and_the_rest_stays() {
        let body = "<p>One.</p>\n<figure class=\"inline-photo\"><img src=\"/media/ab/crane.png\" alt=\"A crane &quot;lifting&quot;\" width=\"1200\" height=\"800\" loading=\"lazy\"><figcaption>Quay 4</figcaption></figure>\n\
                    <figure class=\"inline-photo\"><img src=\"/media/cd/none.png\" alt=\"No variants\" width=\"10\" height=\"10\" loading=\"lazy\"><figcaption>x</figcaption></figure>\n<p>Two <img src=\"/media/ab/crane.png\"></p>";
        let variants = [
            v("ab/crane.png", 640, "jpeg"),
            v("ab/crane.png", 1280, "jpeg"),
            v("ab/crane.png", 640, "webp"),
            v("ab/crane.png", 1280, "webp"),
        ];
        let out = inline_pictures(body, &variants);
        assert!(out.starts_with("<p>One.</p>\n<figure class=\"inline-photo\"><picture><source type=\"image/webp\" srcset=\"/media/v/ab/crane.png-640.webp 640w, /media/v/ab/crane.png-1280.webp 1280w\""), "{out}");
        assert!(out.contains("<img src=\"/media/v/ab/crane.png-1280.jpeg\" srcset=\"/media/v/ab/crane.png-640.jpeg 640w, /media/v/ab/crane.png-1280.jpeg 1280w\""), "{out}");
        assert!(out.contains("alt=\"A crane &quot;lifting&quot;\" width=\"1280\" height=\"853\" loading=\"lazy\" decoding=\"async\"></picture><figcaption>Quay 4</figcaption>"), "{out}");
        // No variants: the figure as written; an image outside a figure: untouched.
        assert!(
            out.contains("<figure class=\"inline-photo\"><img src=\"/media/cd/none.png\""),
            "{out}"
        );
        assert!(
            out.ends_with("<p>Two <img src=\"/media/ab/crane.png\"></p>"),
            "{out}"
        );
        assert_eq!(inline_pictures(body, &[]), body);
    }
}
