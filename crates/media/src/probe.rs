//! Headers and metadata only: [`probe`] never decodes a pixel.

use std::io::Cursor;

use image::ImageDecoder;
use zune_core::bytestream::ZCursor;

use crate::crop::swaps_axes;
use crate::metadata::{self, ExifFacts};
use crate::sniff::sniff;
use crate::{Embedded, Format, Limits, MAX_ASPECT, MediaError, Probe};

/// Reads only the header and metadata of `bytes`: the type (sniffed from the bytes, never a file
/// name), the dimensions after the EXIF orientation, the orientation, and the caption, credit
/// and copyright found in EXIF, IPTC or XMP. The byte limit is checked first and the pixel
/// limit from the header, before any decoding, so a decompression bomb costs nothing.
pub fn probe(bytes: &[u8], limits: &Limits) -> Result<Probe, MediaError> {
    Ok(read_header(bytes, limits)?.probe)
}

/// What the decoder needs besides the public [`Probe`].
pub(crate) struct Header {
    pub probe: Probe,
    /// Dimensions as stored, before the orientation.
    pub stored_width: u32,
    pub stored_height: u32,
}

pub(crate) fn read_header(bytes: &[u8], limits: &Limits) -> Result<Header, MediaError> {
    if bytes.is_empty() {
        return Err(MediaError::Empty);
    }
    let size = bytes.len() as u64;
    if size > limits.max_bytes {
        return Err(MediaError::TooManyBytes {
            size,
            limit: limits.max_bytes,
        });
    }
    let format = sniff(bytes)?;
    let (width, height, exif, iptc, xmp) = match format {
        Format::Jpeg => jpeg_header(bytes, limits)?,
        Format::Png => png_header(bytes, limits)?,
        Format::Webp => webp_header(bytes, limits)?,
        Format::Avif => return Err(MediaError::AvifInput),
    };
    let exif = exif
        .as_deref()
        .map(metadata::read_exif)
        .unwrap_or(ExifFacts {
            orientation: 1,
            ..ExifFacts::default()
        });
    let iptc = iptc.as_deref().map(metadata::read_iptc).unwrap_or_default();
    let xmp = xmp.as_deref().map(metadata::read_xmp).unwrap_or_default();
    let embedded: Embedded = metadata::combine(&exif, &iptc, &xmp);
    let orientation = exif.orientation;
    let (shown_w, shown_h) = if swaps_axes(orientation) {
        (height, width)
    } else {
        (width, height)
    };
    Ok(Header {
        probe: Probe {
            format,
            width: shown_w,
            height: shown_h,
            orientation,
            embedded,
        },
        stored_width: width,
        stored_height: height,
    })
}

type Raw = (u32, u32, Option<Vec<u8>>, Option<Vec<u8>>, Option<Vec<u8>>);

/// The checks every format shares, on the stored dimensions.
pub(crate) fn check_dimensions(width: u32, height: u32, limits: &Limits) -> Result<(), MediaError> {
    if width == 0 || height == 0 {
        return Err(MediaError::Corrupt(format!(
            "the header says {width}×{height} pixels"
        )));
    }
    if u64::from(width) * u64::from(height) > limits.max_pixels {
        return Err(MediaError::TooManyPixels {
            width,
            height,
            limit: limits.max_pixels,
        });
    }
    let (long, short) = (width.max(height), width.min(height));
    if u64::from(long) > u64::from(short) * u64::from(MAX_ASPECT) {
        return Err(MediaError::ExtremeAspect { width, height });
    }
    Ok(())
}

pub(crate) fn zune_options() -> zune_core::options::DecoderOptions {
    zune_core::options::DecoderOptions::default()
        .set_strict_mode(false)
        .set_max_width(usize::from(u16::MAX))
        .set_max_height(usize::from(u16::MAX))
        .jpeg_set_out_colorspace(zune_core::colorspace::ColorSpace::RGB)
}

pub(crate) fn jpeg_error(error: zune_jpeg::errors::DecodeErrors) -> MediaError {
    use zune_core::bytestream::ZByteIoError;
    use zune_jpeg::errors::DecodeErrors;
    match error {
        DecodeErrors::ExhaustedData | DecodeErrors::IoErrors(ZByteIoError::NotEnoughBytes(..)) => {
            MediaError::Truncated
        }
        other => MediaError::Corrupt(format!("JPEG: {other:?}")),
    }
}

fn jpeg_header(bytes: &[u8], limits: &Limits) -> Result<Raw, MediaError> {
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(bytes), zune_options());
    decoder.decode_headers().map_err(jpeg_error)?;
    let (width, height) = decoder
        .dimensions()
        .ok_or_else(|| MediaError::Corrupt("JPEG without a frame header".into()))?;
    let (width, height) = (width as u32, height as u32);
    check_dimensions(width, height, limits)?;
    if !crate::decode::jpeg_has_end(bytes) {
        return Err(MediaError::Truncated);
    }
    Ok((
        width,
        height,
        decoder.exif().cloned(),
        decoder.iptc().cloned(),
        decoder.xmp().cloned(),
    ))
}

fn png_header(bytes: &[u8], limits: &Limits) -> Result<Raw, MediaError> {
    // The IHDR chunk must come first: read its dimensions before the png crate allocates
    // anything for the image.
    let ihdr = bytes.get(8..24).ok_or(MediaError::Truncated)?;
    if &ihdr[4..8] != b"IHDR" {
        return Err(MediaError::Corrupt("PNG without an IHDR header".into()));
    }
    let width = u32::from_be_bytes([ihdr[8], ihdr[9], ihdr[10], ihdr[11]]);
    let height = u32::from_be_bytes([ihdr[12], ihdr[13], ihdr[14], ihdr[15]]);
    check_dimensions(width, height, limits)?;
    if !png_has_end(bytes) {
        return Err(MediaError::Truncated);
    }
    let mut decoder = image::codecs::png::PngDecoder::with_limits(
        Cursor::new(bytes),
        crate::decode::image_limits(width, height),
    )
    .map_err(image_error)?;
    Ok((
        width,
        height,
        decoder.exif_metadata().ok().flatten(),
        None,
        decoder.xmp_metadata().ok().flatten(),
    ))
}

/// Whether the PNG's chunks, walked by their lengths, reach an IEND chunk inside the file.
fn png_has_end(bytes: &[u8]) -> bool {
    let mut at = 8usize;
    while let Some(head) = bytes.get(at..at + 8) {
        let length = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        if &head[4..8] == b"IEND" {
            return true;
        }
        at = match at.checked_add(12 + length) {
            Some(next) => next,
            None => return false,
        };
    }
    false
}

fn webp_header(bytes: &[u8], limits: &Limits) -> Result<Raw, MediaError> {
    // The RIFF header gives the file's length: a shorter file was cut off.
    let riff_size = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
    if u64::from(riff_size) + 8 > bytes.len() as u64 {
        return Err(MediaError::Truncated);
    }
    let mut decoder =
        image::codecs::webp::WebPDecoder::new(Cursor::new(bytes)).map_err(image_error)?;
    let (width, height) = decoder.dimensions();
    check_dimensions(width, height, limits)?;
    Ok((
        width,
        height,
        decoder.exif_metadata().ok().flatten(),
        None,
        decoder.xmp_metadata().ok().flatten(),
    ))
}

pub(crate) fn image_error(error: image::ImageError) -> MediaError {
    match error {
        image::ImageError::IoError(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            MediaError::Truncated
        }
        image::ImageError::Limits(e) => MediaError::Corrupt(format!("beyond the limits: {e}")),
        other => {
            let message = other.to_string();
            if message.contains("end of file")
                || message.contains("EOF")
                || message.contains("unexpected end")
            {
                MediaError::Truncated
            } else {
                MediaError::Corrupt(message)
            }
        }
    }
}
