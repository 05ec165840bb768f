//! Encoders: pixels in, bytes out, nothing else (no metadata of any kind is written).

use crate::{Format, MediaError};

/// Upright pixels of one variant, `channels` (3 or 4) bytes a pixel.
pub(crate) struct Upright<'a> {
    pub width: u32,
    pub height: u32,
    pub channels: usize,
    pub data: &'a [u8],
}

pub(crate) fn encode(pixels: &Upright<'_>, format: Format) -> Result<Vec<u8>, MediaError> {
    match format {
        Format::Webp => Ok(encode_webp(pixels)),
        Format::Jpeg => encode_jpeg(pixels),
        Format::Avif => encode_avif(pixels),
        Format::Png => Err(MediaError::Encode {
            format,
            message: "PNG variants are not made (photos are served as WebP, AVIF or JPEG)".into(),
        }),
    }
}

fn encode_webp(pixels: &Upright<'_>) -> Vec<u8> {
    let encoder = if pixels.channels == 4 {
        webp::Encoder::from_rgba(pixels.data, pixels.width, pixels.height)
    } else {
        webp::Encoder::from_rgb(pixels.data, pixels.width, pixels.height)
    };
    encoder.encode(crate::WEBP_QUALITY).to_vec()
}

fn encode_jpeg(pixels: &Upright<'_>) -> Result<Vec<u8>, MediaError> {
    let error = |e: jpeg_encoder::EncodingError| MediaError::Encode {
        format: Format::Jpeg,
        message: e.to_string(),
    };
    let (width, height) = match (u16::try_from(pixels.width), u16::try_from(pixels.height)) {
        (Ok(w), Ok(h)) => (w, h),
        _ => {
            return Err(MediaError::Encode {
                format: Format::Jpeg,
                message: format!("{}×{} is beyond JPEG's 65535", pixels.width, pixels.height),
            });
        }
    };
    let flattened;
    let rgb = if pixels.channels == 4 {
        flattened = flatten_on_white(pixels.data);
        &flattened[..]
    } else {
        pixels.data
    };
    let mut out = Vec::with_capacity(rgb.len() / 8);
    let encoder = jpeg_encoder::Encoder::new(&mut out, crate::JPEG_QUALITY);
    // No optimised Huffman tables: with them, jpeg-encoder 0.6's output decodes to wrong
    // colours in zune-jpeg (what `image` reads with); the standard tables cost ~5% in size.
    encoder
        .encode(rgb, width, height, jpeg_encoder::ColorType::Rgb)
        .map_err(error)?;
    Ok(out)
}

/// RGBA over a white background, to RGB (JPEG has no alpha).
fn flatten_on_white(rgba: &[u8]) -> Vec<u8> {
    rgba.chunks_exact(4)
        .flat_map(|p| {
            let a = u32::from(p[3]);
            let over = |c: u8| ((u32::from(c) * a + 255 * (255 - a) + 127) / 255) as u8;
            [over(p[0]), over(p[1]), over(p[2])]
        })
        .collect()
}

#[cfg(feature = "avif")]
fn encode_avif(pixels: &Upright<'_>) -> Result<Vec<u8>, MediaError> {
    use rgb::FromSlice;
    let error = |e: ravif::Error| MediaError::Encode {
        format: Format::Avif,
        message: e.to_string(),
    };
    let encoder = ravif::Encoder::new()
        .with_quality(crate::AVIF_QUALITY)
        .with_speed(crate::AVIF_SPEED)
        .with_num_threads(Some(1));
    let (w, h) = (pixels.width as usize, pixels.height as usize);
    let encoded = if pixels.channels == 4 {
        encoder
            .encode_rgba(ravif::Img::new(pixels.data.as_rgba(), w, h))
            .map_err(error)?
    } else {
        encoder
            .encode_rgb(ravif::Img::new(pixels.data.as_rgb(), w, h))
            .map_err(error)?
    };
    Ok(encoded.avif_file)
}

#[cfg(not(feature = "avif"))]
fn encode_avif(_: &Upright<'_>) -> Result<Vec<u8>, MediaError> {
    Err(MediaError::Encode {
        format: Format::Avif,
        message: "this build has no AVIF encoder (the masthead-media `avif` feature)".into(),
    })
}
