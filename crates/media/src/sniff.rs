//! The type of a file, from its first bytes (never from its name or a declared type).

use crate::{Format, MediaError};

/// The format of `bytes`, or why it is not one Masthead reads.
pub(crate) fn sniff(bytes: &[u8]) -> Result<Format, MediaError> {
    if bytes.is_empty() {
        return Err(MediaError::Empty);
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(Format::Jpeg);
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ok(Format::Png);
    }
    if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return Ok(Format::Webp);
    }
    if let Some(brands) = ftyp_brands(bytes) {
        if brands.clone().any(|b| b == b"avif" || b == b"avis") {
            return Err(MediaError::AvifInput);
        }
        if brands
            .clone()
            .any(|b| matches!(b, b"heic" | b"heix" | b"heim" | b"heis" | b"mif1"))
        {
            return Err(MediaError::UnsupportedType(
                "a HEIC/HEIF image (iPhone): set the camera to \"Most Compatible\" or export it as JPEG",
            ));
        }
        return Err(MediaError::UnsupportedType("a video or an ISO media file"));
    }
    Err(MediaError::UnsupportedType(describe(bytes)))
}

/// The major and compatible brands of an ISO-BMFF `ftyp` box at the start of the file.
fn ftyp_brands(bytes: &[u8]) -> Option<impl Iterator<Item = &[u8]> + Clone> {
    if bytes.len() < 16 || &bytes[4..8] != b"ftyp" {
        return None;
    }
    let size = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
    let end = size.clamp(16, bytes.len().min(4096));
    // Major brand at 8..12, minor version at 12..16, compatible brands after.
    let major = std::iter::once(&bytes[8..12]);
    let compatible = bytes[16..end].chunks_exact(4);
    Some(major.chain(compatible))
}

/// What a refused file is, in words an editor knows.
fn describe(bytes: &[u8]) -> &'static str {
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    if starts(b"GIF87a") || starts(b"GIF89a") {
        "a GIF image"
    } else if starts(b"%PDF-") {
        "a PDF document"
    } else if starts(b"II*\0") || starts(b"MM\0*") {
        "a TIFF or camera raw image"
    } else if starts(b"BM") && bytes.len() > 14 {
        "a BMP image"
    } else if starts(&[0x00, 0x00, 0x01, 0x00]) {
        "an icon (ICO)"
    } else if starts(b"8BPS") {
        "a Photoshop document (PSD)"
    } else if starts(&[0xFF, 0x0A]) || starts(b"\0\0\0\x0cJXL ") {
        "a JPEG XL image"
    } else if starts(b"PK\x03\x04") {
        "a ZIP archive (or an Office document)"
    } else if looks_like_text(bytes) {
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).to_ascii_lowercase();
        if head.contains("<svg") {
            "an SVG drawing"
        } else if head.contains("<html") || head.contains("<!doctype") {
            "a web page (HTML)"
        } else {
            "a text file"
        }
    } else {
        "of an unknown type"
    }
}

/// Whether the first bytes are printable UTF-8 text.
fn looks_like_text(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(512)];
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        // A multi-byte character cut at the 512th byte.
        Err(e) if e.error_len().is_none() => {
            std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => return false,
    };
    !text.is_empty()
        && text
            .chars()
            .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t' | '\u{feff}'))
}
