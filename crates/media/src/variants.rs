//! [`make_variants`]: decode once, crop, resize largest first, orient, encode.

use fast_image_resize::images::Image;
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};

use crate::crop::{apply_orientation, crop_to_stored, swaps_axes};
use crate::decode::decode;
use crate::encode::{Upright, encode};
use crate::probe::read_header;
use crate::{Crop, Format, Limits, MAX_SIDE, MediaError, Variant};

/// Decodes `bytes` once (memory bounded by the [`Limits`], checked from the header first),
/// applies the EXIF orientation and the `crop` (in oriented pixels; `None` is the whole photo)
/// and encodes every width in every format.
///
/// Widths: those wider than the (cropped) photo are skipped; if the photo is narrower than the
/// smallest width, it is made once at its own width; an empty `widths` means its own width
/// only. Widths whose height would pass [`MAX_SIDE`] are skipped (for very tall images).
/// Formats are deduplicated; asking for one this build cannot write
/// ([`Format::can_encode`]) is an error before any decoding. Variants come largest first, each
/// width in the order of `formats`. Their bytes carry no metadata: no EXIF, GPS, XMP, IPTC or
/// ICC profile, whatever the input had.
///
/// Runs on the calling thread only.
pub fn make_variants(
    bytes: &[u8],
    limits: &Limits,
    crop: Option<Crop>,
    widths: &[u32],
    formats: &[Format],
) -> Result<Vec<Variant>, MediaError> {
    let header = read_header(bytes, limits)?;
    let (shown_w, shown_h) = (header.probe.width, header.probe.height);
    let crop = crop.unwrap_or(Crop::full(shown_w, shown_h));
    if !crop.fits(shown_w, shown_h) {
        return Err(MediaError::BadCrop {
            crop,
            width: shown_w,
            height: shown_h,
        });
    }
    let mut wanted: Vec<Format> = Vec::with_capacity(formats.len());
    for &format in formats {
        if !format.can_encode() {
            return encode(
                &Upright {
                    width: 1,
                    height: 1,
                    channels: 3,
                    data: &[0; 3],
                },
                format,
            )
            .map(|_| Vec::new());
        }
        if !wanted.contains(&format) {
            wanted.push(format);
        }
    }
    let sizes = plan_sizes(crop.width, crop.height, widths);
    if wanted.is_empty() || sizes.is_empty() {
        return Ok(Vec::new());
    }

    let orientation = header.probe.orientation;
    let stored = crop_to_stored(crop, orientation, header.stored_width, header.stored_height);
    let pixels = decode(bytes, &header)?;
    let pixel_type = if pixels.channels == 4 {
        PixelType::U8x4
    } else {
        PixelType::U8x3
    };
    let channels = pixels.channels;
    let mut resizer = Resizer::new();
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    // Resized in the stored orientation, turned upright afterwards.
    let stored_size = |(w, h): (u32, u32)| {
        if swaps_axes(orientation) {
            (h, w)
        } else {
            (w, h)
        }
    };
    let resize_error = |e: fast_image_resize::ResizeError| MediaError::Encode {
        format: wanted[0],
        message: format!("resizing: {e}"),
    };

    let mut sizes = sizes.into_iter();
    let Some(largest) = sizes.next() else {
        return Ok(Vec::new());
    };
    let mut current = {
        let full = Image::from_vec_u8(pixels.width, pixels.height, pixels.data, pixel_type)
            .map_err(|e| MediaError::Corrupt(e.to_string()))?;
        let (w, h) = stored_size(largest);
        let mut resized = Image::new(w, h, pixel_type);
        let crop_options = options.clone().crop(
            f64::from(stored.x),
            f64::from(stored.y),
            f64::from(stored.width),
            f64::from(stored.height),
        );
        resizer
            .resize(&full, &mut resized, &crop_options)
            .map_err(resize_error)?;
        // `full`, the decoded photo, is dropped here: only variants from now on.
        resized
    };
    let mut variants = Vec::new();
    loop {
        let (upright, width, height) = apply_orientation(
            current.buffer().to_vec(),
            current.width(),
            current.height(),
            channels,
            orientation,
        );
        let view = Upright {
            width,
            height,
            channels,
            data: &upright,
        };
        for &format in &wanted {
            variants.push(Variant {
                width,
                height,
                format,
                bytes: encode(&view, format)?,
            });
        }
        let Some(next) = sizes.next() else { break };
        let (w, h) = stored_size(next);
        let mut smaller = Image::new(w, h, pixel_type);
        resizer
            .resize(&current, &mut smaller, &options)
            .map_err(resize_error)?;
        current = smaller;
    }
    Ok(variants)
}

/// The (width, height) of each variant of a `width`×`height` (cropped, upright) photo, largest
/// first.
pub(crate) fn plan_sizes(width: u32, height: u32, widths: &[u32]) -> Vec<(u32, u32)> {
    let height_at = |w: u32| -> u32 {
        let h = (u64::from(w) * u64::from(height) + u64::from(width) / 2) / u64::from(width);
        h.clamp(1, u64::from(u32::MAX)) as u32
    };
    let mut chosen: Vec<u32> = widths
        .iter()
        .copied()
        .filter(|&w| w > 0 && w <= width)
        .collect();
    let smallest = widths.iter().copied().filter(|&w| w > 0).min();
    if smallest.is_none_or(|s| width < s) {
        chosen.push(width);
    }
    chosen.retain(|&w| w <= MAX_SIDE && height_at(w) <= MAX_SIDE);
    if chosen.is_empty() {
        // A very tall photo: the widest width whose height still fits.
        let w =
            (u64::from(MAX_SIDE) * u64::from(width) / u64::from(height)).clamp(1, u64::from(width));
        chosen.push(w as u32);
    }
    chosen.sort_unstable_by(|a, b| b.cmp(a));
    chosen.dedup();
    chosen.into_iter().map(|w| (w, height_at(w))).collect()
}

#[cfg(test)]
mod tests {
    use super::plan_sizes;

    #[test]
    fn widths_never_exceed_the_photo() {
        let widths = crate::WIDTHS;
        assert_eq!(
            plan_sizes(6000, 4000, widths),
            vec![
                (2048, 1365),
                (1600, 1067),
                (1280, 853),
                (960, 640),
                (640, 427),
                (320, 213)
            ]
        );
        assert_eq!(
            plan_sizes(1000, 500, widths),
            vec![(960, 480), (640, 320), (320, 160)]
        );
        assert_eq!(plan_sizes(200, 100, widths), vec![(200, 100)]);
        assert_eq!(plan_sizes(320, 100, widths), vec![(320, 100)]);
        assert_eq!(plan_sizes(1, 1, widths), vec![(1, 1)]);
        assert_eq!(plan_sizes(800, 600, &[]), vec![(800, 600)]);
        assert_eq!(plan_sizes(800, 600, &[0, 640, 640]), vec![(640, 480)]);
        // 1:20, tall: 960 would be 19,200 pixels high, beyond WebP's 16,383.
        assert_eq!(
            plan_sizes(1000, 20000, widths),
            vec![(640, 12800), (320, 6400)]
        );
        assert_eq!(plan_sizes(1000, 20000, &[960]), vec![(819, 16380)]);
    }
}
