//! Decoding the whole photo, once, into 8-bit RGB or RGBA in its stored orientation.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder};
use zune_core::bytestream::ZCursor;

use crate::probe::{Header, image_error, jpeg_error, zune_options};
use crate::{Format, MediaError};

/// Decoded pixels, row-major, `channels` (3 or 4) bytes a pixel, alpha not premultiplied.
pub(crate) struct Pixels {
    pub width: u32,
    pub height: u32,
    pub channels: usize,
    pub data: Vec<u8>,
}

/// The memory a decoder may take for a `width`×`height` image: 16-bit RGBA and some slack.
pub(crate) fn image_limits(width: u32, height: u32) -> image::Limits {
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(width);
    limits.max_image_height = Some(height);
    limits.max_alloc = Some(u64::from(width) * u64::from(height) * 8 + (16 << 20));
    limits
}

pub(crate) fn decode(bytes: &[u8], header: &Header) -> Result<Pixels, MediaError> {
    let (width, height) = (header.stored_width, header.stored_height);
    let pixels = match header.probe.format {
        Format::Jpeg => {
            if !jpeg_has_end(bytes) {
                return Err(MediaError::Truncated);
            }
            let mut decoder =
                zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(bytes), zune_options());
            let data = decoder.decode().map_err(jpeg_error)?;
            let channels = decoder
                .output_colorspace()
                .map(|c| c.num_components())
                .unwrap_or(3);
            Pixels {
                width,
                height,
                channels,
                data,
            }
        }
        Format::Png => {
            let mut decoder = image::codecs::png::PngDecoder::with_limits(
                Cursor::new(bytes),
                image_limits(width, height),
            )
            .map_err(image_error)?;
            decoder
                .set_limits(image_limits(width, height))
                .map_err(image_error)?;
            from_image(DynamicImage::from_decoder(decoder).map_err(image_error)?)
        }
        Format::Webp => {
            let mut decoder =
                image::codecs::webp::WebPDecoder::new(Cursor::new(bytes)).map_err(image_error)?;
            decoder
                .set_limits(image_limits(width, height))
                .map_err(image_error)?;
            from_image(DynamicImage::from_decoder(decoder).map_err(image_error)?)
        }
        Format::Avif => return Err(MediaError::AvifInput),
    };
    let expected = width as usize * height as usize * pixels.channels;
    if pixels.width != width
        || pixels.height != height
        || pixels.data.len() != expected
        || !matches!(pixels.channels, 3 | 4)
    {
        return Err(MediaError::Corrupt(format!(
            "decoded {}×{}×{} pixels from a {width}×{height} header",
            pixels.width, pixels.height, pixels.channels
        )));
    }
    Ok(pixels)
}

fn from_image(image: DynamicImage) -> Pixels {
    let (width, height) = (image.width(), image.height());
    if image.color().has_alpha() {
        let rgba = image.into_rgba8().into_raw();
        if rgba.chunks_exact(4).all(|p| p[3] == 255) {
            // Opaque after all: drop the alpha channel (smaller, and JPEG needs no flattening).
            let rgb = rgba
                .chunks_exact(4)
                .flat_map(|p| [p[0], p[1], p[2]])
                .collect();
            Pixels {
                width,
                height,
                channels: 3,
                data: rgb,
            }
        } else {
            Pixels {
                width,
                height,
                channels: 4,
                data: rgba,
            }
        }
    } else {
        Pixels {
            width,
            height,
            channels: 3,
            data: image.into_rgb8().into_raw(),
        }
    }
}

/// Whether the JPEG has an end-of-image marker after its first scan: a file cut off during an
/// upload has none (zune-jpeg would fill the missing rows with grey and say nothing). The
/// segments before the scan are walked by their lengths, so an EXIF thumbnail's own end marker
/// does not count; inside a scan 0xFF is always escaped, so any FF D9 after it is an end.
pub(crate) fn jpeg_has_end(bytes: &[u8]) -> bool {
    let mut at = 2;
    loop {
        let (Some(&ff), Some(&marker)) = (bytes.get(at), bytes.get(at + 1)) else {
            return false;
        };
        if ff != 0xFF {
            return false;
        }
        match marker {
            // Fill bytes.
            0xFF => at += 1,
            0xDA => return bytes[at..].windows(2).any(|w| w == [0xFF, 0xD9]),
            0xD9 => return true,
            0x01 | 0xD0..=0xD7 => at += 2,
            _ => {
                let Some(length) = bytes.get(at + 2..at + 4) else {
                    return false;
                };
                at += 2 + usize::from(u16::from_be_bytes([length[0], length[1]]));
            }
        }
    }
}
