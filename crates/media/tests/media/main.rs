//! The image pipeline's tests: one binary, images made here with real encoders (`image`'s JPEG,
//! PNG, lossless WebP and GIF encoders, the `png` crate), metadata segments written by hand, and
//! every variant checked with an independent decoder (`image`).

mod formats;
mod metadata;
mod orientation;
mod refusals;

use std::io::Cursor;

use image::{ImageFormat, RgbImage, RgbaImage};

/// A photo-like test picture: a gradient with noise (so encoders cannot cheat), its four
/// quadrants tinted red, green, blue and white from the top left, clockwise then bottom left.
pub fn picture(width: u32, height: u32) -> RgbImage {
    let mut seed = 0x9E37_79B9u32;
    RgbImage::from_fn(width, height, |x, y| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let noise = (seed % 24) as u8;
        let base = QUADRANTS[quadrant(x, y, width, height)];
        image::Rgb(base.map(|c| c.saturating_sub(noise)))
    })
}

/// Red, green, white, blue: top left, top right, bottom right, bottom left.
pub const QUADRANTS: [[u8; 3]; 4] = [[230, 30, 30], [30, 230, 30], [240, 240, 240], [30, 30, 230]];

pub fn quadrant(x: u32, y: u32, width: u32, height: u32) -> usize {
    match (x * 2 < width, y * 2 < height) {
        (true, true) => 0,
        (false, true) => 1,
        (false, false) => 2,
        (true, false) => 3,
    }
}

/// Whether `pixel` is near `expected` (lossy codecs move colours a little).
pub fn near(pixel: [u8; 3], expected: [u8; 3]) -> bool {
    pixel.iter().zip(expected).all(|(&a, b)| a.abs_diff(b) < 60)
}

pub fn encode(image: &RgbImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image
        .write_to(&mut out, format)
        .expect("encode the test picture");
    out.into_inner()
}

pub fn encode_rgba(image: &RgbaImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image
        .write_to(&mut out, format)
        .expect("encode the test picture");
    out.into_inner()
}

pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
    encode(&picture(width, height), ImageFormat::Jpeg)
}

/// Inserts a JPEG segment (marker, payload) right after the SOI marker.
pub fn with_segment(jpeg: &[u8], marker: u8, payload: &[u8]) -> Vec<u8> {
    assert_eq!(&jpeg[..2], [0xFF, 0xD8]);
    let length = u16::try_from(payload.len() + 2).expect("segment fits");
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, marker]);
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(payload);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// What an EXIF block written by [`exif`] holds.
#[derive(Default)]
pub struct ExifSpec<'a> {
    pub orientation: Option<u16>,
    pub description: Option<&'a str>,
    pub artist: Option<&'a str>,
    pub copyright: Option<&'a str>,
    /// A GPS IFD with latitude reference and this map datum (an ASCII value to look for).
    pub gps_datum: Option<&'a str>,
}

/// A little-endian TIFF structure, as it follows `Exif\0\0` in a JPEG's APP1 or fills a PNG's
/// eXIf chunk.
pub fn exif(spec: &ExifSpec<'_>) -> Vec<u8> {
    // (tag, type, count, value bytes); type 2 ASCII, 3 SHORT, 4 LONG.
    let ascii = |s: &str| {
        let mut v = s.as_bytes().to_vec();
        v.push(0);
        v
    };
    let mut ifd0: Vec<(u16, u16, Vec<u8>)> = Vec::new();
    if let Some(d) = spec.description {
        ifd0.push((0x010E, 2, ascii(d)));
    }
    if let Some(o) = spec.orientation {
        ifd0.push((0x0112, 3, o.to_le_bytes().to_vec()));
    }
    if let Some(a) = spec.artist {
        ifd0.push((0x013B, 2, ascii(a)));
    }
    if let Some(c) = spec.copyright {
        ifd0.push((0x8298, 2, ascii(c)));
    }
    let gps: Vec<(u16, u16, Vec<u8>)> = match spec.gps_datum {
        Some(datum) => vec![(0x0001, 2, ascii("N")), (0x0012, 2, ascii(datum))],
        None => Vec::new(),
    };
    if !gps.is_empty() {
        ifd0.push((0x8825, 4, vec![0; 4])); // patched below
    }
    let ifd_size = |n: usize| 2 + n * 12 + 4;
    let ifd0_at = 8;
    let gps_at = ifd0_at + ifd_size(ifd0.len());
    let data_at = gps_at
        + if gps.is_empty() {
            0
        } else {
            ifd_size(gps.len())
        };
    let mut data = Vec::new();
    let mut write_ifd = |entries: &[(u16, u16, Vec<u8>)], out: &mut Vec<u8>| {
        out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        for (tag, kind, value) in entries {
            let count = if *kind == 2 { value.len() } else { 1 };
            out.extend_from_slice(&tag.to_le_bytes());
            out.extend_from_slice(&kind.to_le_bytes());
            out.extend_from_slice(&(count as u32).to_le_bytes());
            let mut value = value.clone();
            if *tag == 0x8825 {
                value = (gps_at as u32).to_le_bytes().to_vec();
            }
            if value.len() <= 4 {
                value.resize(4, 0);
                out.extend_from_slice(&value);
            } else {
                out.extend_from_slice(&((data_at + data.len()) as u32).to_le_bytes());
                data.extend_from_slice(&value);
                if data.len() % 2 == 1 {
                    data.push(0);
                }
            }
        }
        out.extend_from_slice(&0u32.to_le_bytes());
    };
    let mut out = b"II*\0".to_vec();
    out.extend_from_slice(&(ifd0_at as u32).to_le_bytes());
    write_ifd(&ifd0, &mut out);
    if !gps.is_empty() {
        write_ifd(&gps, &mut out);
    }
    assert_eq!(out.len(), data_at);
    out.extend_from_slice(&data);
    out
}

/// A JPEG APP1 payload holding `tiff`.
pub fn exif_app1(tiff: &[u8]) -> Vec<u8> {
    let mut payload = b"Exif\0\0".to_vec();
    payload.extend_from_slice(tiff);
    payload
}

/// A JPEG APP13 payload with IPTC-IIM datasets (record 2) in a Photoshop 8BIM 0x0404 block.
pub fn iptc_app13(datasets: &[(u8, &str)]) -> Vec<u8> {
    let mut iim = b"\x1c\x01\x5a\x00\x03\x1b%G".to_vec();
    for (dataset, text) in datasets {
        iim.extend_from_slice(&[0x1C, 2, *dataset]);
        iim.extend_from_slice(&(text.len() as u16).to_be_bytes());
        iim.extend_from_slice(text.as_bytes());
    }
    let mut payload = b"Photoshop 3.0\0".to_vec();
    payload.extend_from_slice(b"8BIM\x04\x04\0\0");
    payload.extend_from_slice(&(iim.len() as u32).to_be_bytes());
    payload.extend_from_slice(&iim);
    if iim.len() % 2 == 1 {
        payload.push(0);
    }
    payload
}

/// A JPEG APP1 payload holding an XMP packet.
pub fn xmp_app1(packet: &str) -> Vec<u8> {
    let mut payload = b"http://ns.adobe.com/xap/1.0/\0".to_vec();
    payload.extend_from_slice(packet.as_bytes());
    payload
}

/// Inserts a chunk into a PNG right after IHDR.
pub fn png_with_chunk(png: &[u8], kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let ihdr_end = 8 + 8 + 13 + 4;
    let mut chunk = (data.len() as u32).to_be_bytes().to_vec();
    chunk.extend_from_slice(kind);
    chunk.extend_from_slice(data);
    let crc = crc32(&chunk[4..]);
    chunk.extend_from_slice(&crc.to_be_bytes());
    let mut out = png[..ihdr_end].to_vec();
    out.extend_from_slice(&chunk);
    out.extend_from_slice(&png[ihdr_end..]);
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Decodes a variant with `image` (not the pipeline's own decoder path).
pub fn decode(bytes: &[u8]) -> image::DynamicImage {
    image::load_from_memory(bytes).expect("a variant decodes")
}

/// Whether `needle` occurs in `haystack`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
