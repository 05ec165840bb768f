//! The site's icons and web app manifest, drawn from the publication's initial: the first
//! letter or digit of its name after a leading "The", "A" or "An" (*The Meridian Courier* → M),
//! white on the theme's ink colour. Nothing is downloaded or stored: the PNGs are drawn with a
//! 5×7 bitmap font once per process, on first request (`/icon.svg` uses the reader's own serif
//! font and any letter). There is no logo setting yet; when the newsroom gains one, its file
//! replaces these here.
//!
//! Routes: `/favicon.ico` (16, 32 and 48 px PNGs in an ICO), `/icon.svg`, `/icon-192.png`,
//! `/icon-512.png` (also the `publisher.logo` of structured data and the Atom `logo`),
//! `/apple-touch-icon.png` (180 px), `/manifest.webmanifest`. Full-bleed squares, the glyph
//! inside the maskable safe zone, so the 512 px icon serves as `any maskable`.

use std::sync::OnceLock;

use axum::{
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use bytes::Bytes;

use super::xml::XmlWriter;
use crate::AppState;

pub const FAVICON_PNG: &str = "/icon-192.png";
pub const LOGO_PNG: &str = "/icon-512.png";
const INK: [u8; 3] = [0x1a, 0x1a, 0x1a];
const INK_HEX: &str = "#1a1a1a";
const PAPER_HEX: &str = "#fdfcfa";

/// One generated file with its validator.
pub struct Icon {
    bytes: Bytes,
    content_type: &'static str,
    etag: HeaderValue,
}

impl Icon {
    fn new(bytes: Vec<u8>, content_type: &'static str) -> Self {
        let hash = xxhash_rust::xxh3::xxh3_64(&bytes);
        Self {
            bytes: bytes.into(),
            content_type,
            etag: HeaderValue::from_str(&format!("\"{hash:016x}\""))
                .expect("hex is a valid header value"),
        }
    }

    fn respond(&self, req: &HeaderMap) -> Response {
        let fresh = req
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(',')
                    .any(|t| t.trim().trim_start_matches("W/") == self.etag)
            });
        let mut res = if fresh {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            let mut res = self.bytes.clone().into_response();
            res.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(self.content_type),
            );
            res
        };
        let h = res.headers_mut();
        h.insert(header::ETAG, self.etag.clone());
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=86400"),
        );
        res
    }
}

pub struct Icons {
    favicon: Icon,
    svg: Icon,
    png192: Icon,
    png512: Icon,
    apple: Icon,
    manifest: Icon,
}

/// This node's icons, drawn on first use.
#[derive(Default)]
pub struct IconCache(OnceLock<Icons>);

impl IconCache {
    fn get(&self, site_name: &str) -> &Icons {
        self.0.get_or_init(|| Icons::draw(site_name))
    }
}

impl Icons {
    fn draw(site_name: &str) -> Self {
        let initial = initial(site_name);
        let favicon = ico(&[16, 32, 48].map(|s| png(initial, s)));
        Self {
            favicon: Icon::new(favicon, "image/x-icon"),
            svg: Icon::new(svg(site_name), "image/svg+xml"),
            png192: Icon::new(png(initial, 192), "image/png"),
            png512: Icon::new(png(initial, 512), "image/png"),
            apple: Icon::new(png(initial, 180), "image/png"),
            manifest: Icon::new(manifest(site_name), "application/manifest+json"),
        }
    }
}

/// The letter the icons show, upper case; `None` when the name has no ASCII letter or digit
/// for the bitmap font (the SVG icon still shows the name's first letter).
pub fn initial(site_name: &str) -> Option<char> {
    significant(site_name)
        .chars()
        .chain(site_name.chars())
        .find(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
}

/// The name without a leading article.
fn significant(name: &str) -> &str {
    let trimmed = name.trim();
    for article in ["the ", "a ", "an "] {
        if trimmed.len() > article.len()
            && trimmed.is_char_boundary(article.len())
            && trimmed[..article.len()].eq_ignore_ascii_case(article)
        {
            return trimmed[article.len()..].trim_start();
        }
    }
    trimmed
}

/// Rows of 5 bits, top to bottom, for A–Z and 0–9.
fn glyph(c: char) -> Option<[u8; 7]> {
    const LETTERS: [[u8; 7]; 26] = [
        [14, 17, 17, 31, 17, 17, 17],
        [30, 17, 17, 30, 17, 17, 30],
        [14, 17, 16, 16, 16, 17, 14],
        [30, 17, 17, 17, 17, 17, 30],
        [31, 16, 16, 30, 16, 16, 31],
        [31, 16, 16, 30, 16, 16, 16],
        [14, 17, 16, 23, 17, 17, 15],
        [17, 17, 17, 31, 17, 17, 17],
        [14, 4, 4, 4, 4, 4, 14],
        [7, 2, 2, 2, 2, 18, 12],
        [17, 18, 20, 24, 20, 18, 17],
        [16, 16, 16, 16, 16, 16, 31],
        [17, 27, 21, 21, 17, 17, 17],
        [17, 17, 25, 21, 19, 17, 17],
        [14, 17, 17, 17, 17, 17, 14],
        [30, 17, 17, 30, 16, 16, 16],
        [14, 17, 17, 17, 21, 18, 13],
        [30, 17, 17, 30, 20, 18, 17],
        [15, 16, 16, 14, 1, 1, 30],
        [31, 4, 4, 4, 4, 4, 4],
        [17, 17, 17, 17, 17, 17, 14],
        [17, 17, 17, 17, 17, 10, 4],
        [17, 17, 17, 21, 21, 21, 10],
        [17, 17, 10, 4, 10, 17, 17],
        [17, 17, 10, 4, 4, 4, 4],
        [31, 1, 2, 4, 8, 16, 31],
    ];
    const DIGITS: [[u8; 7]; 10] = [
        [14, 17, 19, 21, 25, 17, 14],
        [4, 12, 4, 4, 4, 4, 14],
        [14, 17, 1, 2, 4, 8, 31],
        [31, 2, 4, 2, 1, 17, 14],
        [2, 6, 10, 18, 31, 2, 2],
        [31, 16, 30, 1, 1, 17, 14],
        [6, 8, 16, 30, 17, 17, 14],
        [31, 1, 2, 4, 8, 8, 8],
        [14, 17, 17, 14, 17, 17, 14],
        [14, 17, 17, 15, 1, 2, 12],
    ];
    match c {
        'A'..='Z' => Some(LETTERS[c as usize - 'A' as usize]),
        '0'..='9' => Some(DIGITS[c as usize - '0' as usize]),
        _ => None,
    }
}

/// A `size`×`size` PNG: the initial in white on ink, its cells square and on whole pixels.
pub fn png(initial: Option<char>, size: u32) -> Vec<u8> {
    let mut img =
        image::RgbaImage::from_pixel(size, size, image::Rgba([INK[0], INK[1], INK[2], 255]));
    if let Some(rows) = initial.and_then(glyph) {
        // The glyph's 7 rows take about 60% of the height (inside the maskable safe zone).
        let cell = (size * 6 / 10 / 7).max(1);
        let (w, h) = (cell * 5, cell * 7);
        let (x0, y0) = ((size - w.min(size)) / 2, (size - h.min(size)) / 2);
        for (row, bits) in rows.iter().enumerate() {
            for col in 0..5u32 {
                if bits & (1 << (4 - col)) == 0 {
                    continue;
                }
                for y in 0..cell {
                    for x in 0..cell {
                        let (px, py) = (x0 + col * cell + x, y0 + row as u32 * cell + y);
                        if px < size && py < size {
                            img.put_pixel(px, py, image::Rgba([255, 255, 255, 255]));
                        }
                    }
                }
            }
        }
    }
    let mut out = std::io::Cursor::new(Vec::new());
    // Encoding an in-memory RGBA image as PNG cannot fail.
    let _ = img.write_to(&mut out, image::ImageFormat::Png);
    out.into_inner()
}

/// An ICO file holding PNG images (Windows Vista and every browser read PNG entries).
pub fn ico(pngs: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&(pngs.len() as u16).to_le_bytes());
    let mut offset = 6 + 16 * pngs.len();
    for png in pngs {
        let (w, h) = png_size(png);
        out.push(if w >= 256 { 0 } else { w as u8 });
        out.push(if h >= 256 { 0 } else { h as u8 });
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&1u16.to_le_bytes());
        out.extend_from_slice(&32u16.to_le_bytes());
        out.extend_from_slice(&(png.len() as u32).to_le_bytes());
        out.extend_from_slice(&(offset as u32).to_le_bytes());
        offset += png.len();
    }
    for png in pngs {
        out.extend_from_slice(png);
    }
    out
}

/// Width and height from a PNG's IHDR.
fn png_size(png: &[u8]) -> (u32, u32) {
    let be = |at: usize| {
        png.get(at..at + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
            .unwrap_or(0)
    };
    (be(16), be(20))
}

fn svg(site_name: &str) -> Vec<u8> {
    let letter: String = significant(site_name)
        .chars()
        .find(|c| c.is_alphanumeric())
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default();
    let mut w = XmlWriter::new();
    w.open(
        "svg",
        &[
            ("xmlns", "http://www.w3.org/2000/svg"),
            ("viewBox", "0 0 512 512"),
        ],
    );
    w.empty(
        "rect",
        &[("width", "512"), ("height", "512"), ("fill", INK_HEX)],
    );
    w.text(
        "text",
        &[
            ("x", "256"),
            ("y", "372"),
            ("font-family", "Georgia, 'Times New Roman', serif"),
            ("font-size", "340"),
            ("font-weight", "bold"),
            ("text-anchor", "middle"),
            ("fill", "#ffffff"),
        ],
        &letter,
    );
    w.finish().into_bytes()
}

fn manifest(site_name: &str) -> Vec<u8> {
    let short: String = if site_name.chars().count() > 12 {
        significant(site_name).chars().take(12).collect()
    } else {
        site_name.to_owned()
    };
    let icon = |src: &str, size: &str, purpose: &str| serde_json::json!({ "src": src, "sizes": size, "type": "image/png", "purpose": purpose });
    serde_json::to_vec_pretty(&serde_json::json!({
        "name": site_name,
        "short_name": short.trim(),
        "start_url": "/",
        "scope": "/",
        "display": "minimal-ui",
        "background_color": PAPER_HEX,
        "theme_color": INK_HEX,
        "icons": [
            icon(FAVICON_PNG, "192x192", "any"),
            icon(LOGO_PNG, "512x512", "any"),
            icon(LOGO_PNG, "512x512", "maskable"),
            { "src": "/icon.svg", "sizes": "any", "type": "image/svg+xml" },
        ],
    }))
    .unwrap_or_default()
}

macro_rules! icon_route {
    ($name:ident, $field:ident) => {
        pub async fn $name(State(app): State<AppState>, headers: HeaderMap) -> Response {
            app.feeds
                .icons
                .get(&app.config.site_name)
                .$field
                .respond(&headers)
        }
    };
}

icon_route!(favicon, favicon);
icon_route!(icon_svg, svg);
icon_route!(icon_192, png192);
icon_route!(icon_512, png512);
icon_route!(apple_touch_icon, apple);
icon_route!(web_manifest, manifest);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_initial_skips_a_leading_article() {
        assert_eq!(initial("The Meridian Courier"), Some('M'));
        assert_eq!(initial("a daily"), Some('D'));
        assert_eq!(initial("Theatre Weekly"), Some('T'));
        assert_eq!(initial("  Ökonom 24"), Some('K'));
        assert_eq!(initial("日報"), None);
    }

    #[test]
    fn icons_are_pngs_of_their_size_and_the_ico_lists_them() {
        let p = png(Some('M'), 48);
        let img = image::load_from_memory(&p).unwrap();
        assert_eq!((img.width(), img.height()), (48, 48));
        // The glyph is drawn: some pixels are white, the corners are ink.
        let rgba = img.to_rgba8();
        assert!(rgba.pixels().any(|p| p.0 == [255, 255, 255, 255]));
        assert_eq!(rgba.get_pixel(0, 0).0, [INK[0], INK[1], INK[2], 255]);
        let ico = ico(&[png(Some('M'), 16), p.clone()]);
        assert_eq!(&ico[..6], &[0, 0, 1, 0, 2, 0]);
        assert_eq!((ico[6], ico[7]), (16, 16));
        assert_eq!((ico[22], ico[23]), (48, 48));
        let offset = u32::from_le_bytes(ico[34..38].try_into().unwrap()) as usize;
        assert_eq!(&ico[offset..offset + p.len()], &p[..]);
    }

    #[test]
    fn every_letter_and_digit_has_a_glyph() {
        for c in ('A'..='Z').chain('0'..='9') {
            let g = glyph(c).unwrap();
            assert!(g.iter().all(|row| *row < 32), "{c}");
            assert!(g.iter().any(|row| *row != 0), "{c}");
        }
    }
}
