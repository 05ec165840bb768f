//! Errors an editor sees. Each message says what happened and what to do next; the app shows
//! `Display` as it is, beside the upload field.

use crate::{Crop, Format, MAX_ASPECT};

/// Why a photo was refused or could not be processed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaError {
    #[error("the file is empty (0 bytes): choose the photo again and upload it")]
    Empty,
    /// The bytes are not an image Masthead reads; the field names what they are, e.g.
    /// "a GIF image", "a PDF document", "a text file".
    #[error("this file is {0}, not a photo Masthead can read: upload a JPEG, PNG or WebP image")]
    UnsupportedType(&'static str),
    #[error(
        "this file is an AVIF image, which Masthead cannot read yet: export it as JPEG, PNG or \
         WebP and upload that"
    )]
    AvifInput,
    #[error(
        "the file is {} MB, more than the {} MB limit: export the photo at a lower quality or a \
         smaller size and upload it again",
        mb(*size),
        mb(*limit)
    )]
    TooManyBytes { size: u64, limit: u64 },
    #[error(
        "the image is {width}×{height} pixels ({} megapixels), more than the {} megapixel limit: \
         resize it before uploading",
        megapixels(u64::from(*width) * u64::from(*height)),
        megapixels(*limit)
    )]
    TooManyPixels { width: u32, height: u32, limit: u64 },
    #[error(
        "the image is {width}×{height} pixels, more than {MAX_ASPECT} times as long as it is \
         wide: no page can show it; crop it to a usable shape and upload it again"
    )]
    ExtremeAspect { width: u32, height: u32 },
    #[error(
        "the file ends too early (it was cut off during the upload or a copy): upload the \
         original again"
    )]
    Truncated,
    #[error(
        "the file is damaged and cannot be read ({0}): export it again from the original and \
         upload that"
    )]
    Corrupt(String),
    #[error(
        "the crop {}×{} at ({}, {}) does not fit in the {width}×{height} photo: choose the crop \
         again",
        crop.width,
        crop.height,
        crop.x,
        crop.y
    )]
    BadCrop { crop: Crop, width: u32, height: u32 },
    /// An encoder failed (a bug or resource exhaustion, not the editor's fault).
    #[error("the {format} encoder failed ({message}): try again; if it keeps failing, report it")]
    Encode { format: Format, message: String },
}

fn mb(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / 1_000_000.0)
}

fn megapixels(pixels: u64) -> String {
    format!("{:.1}", pixels as f64 / 1_000_000.0)
}
