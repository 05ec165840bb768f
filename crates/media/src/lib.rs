//! The image pipeline: pure functions over the bytes of one uploaded photo, no I/O.
//!
//! Two steps, both given the whole file and the [`Limits`]:
//!
//! - [`probe`] reads only the headers and metadata. The type is sniffed from the bytes (a file
//!   name is never consulted), the byte and pixel limits are checked from the header **before**
//!   any pixel is decoded (a 60-megapixel header on a 100-byte file, or a PNG "bomb" that
//!   inflates to gigabytes, is refused at once), and the EXIF orientation, caption, credit and
//!   copyright are read to pre-fill the editor's fields.
//! - [`make_variants`] decodes the photo once, applies the EXIF orientation and an optional crop
//!   (given in oriented pixels, as the editor sees the photo) and encodes every requested width
//!   in every requested format. Served bytes carry no metadata at all: the encoders are given
//!   pixels only, so no EXIF (GPS included), XMP, IPTC or ICC profile survives.
//!
//! # Decisions
//!
//! - **Formats read**: JPEG (zune-jpeg), PNG (png) and WebP (image-webp), all pure Rust. AVIF
//!   uploads are recognised and refused with [`MediaError::AvifInput`]: the AVIF decoders on
//!   the registries wrap libdav1d or libaom, which need meson/nasm or cmake to build; none builds
//!   with the registries and gcc alone. AVIF is still an *output* format (feature `avif`).
//! - **Formats written**: WebP (libwebp, lossy, quality [`WEBP_QUALITY`]), JPEG as the fallback
//!   (jpeg-encoder, baseline, 4:2:0, standard Huffman tables, quality [`JPEG_QUALITY`]) and,
//!   with the `avif` feature, AVIF (ravif/rav1e, quality [`AVIF_QUALITY`], speed
//!   [`AVIF_SPEED`]). AVIF is off by default: rav1e adds minutes to a clean build on two cores
//!   and its encoder is several times slower than libwebp (docs/benchmarks.md has the figures).
//! - **Resizing** with fast_image_resize, Lanczos3, in gamma-encoded sRGB (as `vipsthumbnail`
//!   does by default): linear-light resizing is slightly more correct on high-contrast edges but
//!   costs a 16-bit round trip per pixel, and no reader sees the difference at these ratios.
//!   The largest width is made from the decoded photo; each smaller one from the next larger
//!   (every step is at most ~2.5×, where Lanczos3 loses nothing visible), which keeps the cost
//!   of the small widths negligible.
//! - **Orientation** is applied to the *outputs*: the crop is mapped back to the stored pixels,
//!   the photo is resized as stored, and each small variant is rotated, so the full-size photo
//!   is never copied to be rotated.
//! - **Memory**: one decoded buffer (3 bytes a pixel, 4 with alpha; 72 MB for 24 MP) plus the
//!   variants; the decoded buffer is dropped as soon as the largest width is made. PNGs of
//!   16 bits a channel are decoded at 16 bits and then reduced, so they briefly need ~3× that.
//! - **One core**: everything runs on the calling thread. The app runs several photo jobs at
//!   once rather than several threads per photo.
//! - **Shapes**: an image more than [`MAX_ASPECT`] times as long as it is wide (1×100,000) is
//!   refused with [`MediaError::ExtremeAspect`]; no page can show it. Variants whose longer side
//!   would pass [`MAX_SIDE`] (WebP's limit) are skipped for every format, so that each width
//!   exists in every format.
//! - **Alpha**: kept in WebP and AVIF; JPEG variants are flattened onto white.
//! - **Colour**: pixels are assumed to be sRGB; an embedded ICC profile is dropped with the other
//!   metadata (photos in Adobe RGB will look slightly flatter).

mod crop;
mod decode;
mod encode;
mod error;
mod metadata;
mod probe;
mod sniff;
mod variants;

pub use crop::{Crop, crop_for_aspect};
pub use error::MediaError;
pub use probe::probe;
pub use variants::make_variants;

/// The widths the app asks for by default, in CSS pixels of a `srcset`.
pub const WIDTHS: &[u32] = &[320, 640, 960, 1280, 1600, 2048];

/// WebP quality (libwebp's 0..100 scale; `cwebp` and `vipsthumbnail` default to 75).
pub const WEBP_QUALITY: f32 = 80.0;
/// JPEG quality (IJG scale).
pub const JPEG_QUALITY: u8 = 82;
/// AVIF quality (ravif's 0..100 scale, comparable to JPEG's).
pub const AVIF_QUALITY: f32 = 70.0;
/// AVIF encoder speed (rav1e, 1 slowest .. 10 fastest).
pub const AVIF_SPEED: u8 = 8;
/// The longest side of a variant (WebP cannot encode more than 16383 pixels a side).
pub const MAX_SIDE: u32 = 16383;
/// The longest caption, credit or copyright kept from the file's metadata, in characters.
pub const MAX_FIELD_CHARS: usize = 2000;
/// The most an image may be longer than it is wide (or wider than it is long).
pub const MAX_ASPECT: u32 = 20;

/// What an upload may weigh, checked before decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest file accepted, in bytes.
    pub max_bytes: u64,
    /// The most pixels (width × height, as stored) accepted.
    pub max_pixels: u64,
}

impl Default for Limits {
    /// 40 MB and 50 megapixels: more than any press camera makes (a 45 MP full-frame JPEG is
    /// ~25 MB), and at most 200 MB of decoded pixels.
    fn default() -> Self {
        Limits {
            max_bytes: 40_000_000,
            max_pixels: 50_000_000,
        }
    }
}

/// The image formats Masthead reads (all but AVIF) and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    Jpeg,
    Png,
    Webp,
    Avif,
}

impl Format {
    /// The media type, for `Content-Type` and `<source type>`.
    pub fn mime(self) -> &'static str {
        match self {
            Format::Jpeg => "image/jpeg",
            Format::Png => "image/png",
            Format::Webp => "image/webp",
            Format::Avif => "image/avif",
        }
    }

    /// The usual file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Jpeg => "jpg",
            Format::Png => "png",
            Format::Webp => "webp",
            Format::Avif => "avif",
        }
    }

    /// Whether [`make_variants`] can write this format in this build (AVIF needs the `avif`
    /// feature; PNG is never written: photos are served as WebP, AVIF or JPEG).
    pub fn can_encode(self) -> bool {
        match self {
            Format::Jpeg | Format::Webp => true,
            Format::Avif => cfg!(feature = "avif"),
            Format::Png => false,
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Format::Jpeg => "JPEG",
            Format::Png => "PNG",
            Format::Webp => "WebP",
            Format::Avif => "AVIF",
        })
    }
}

/// Caption, credit and copyright found in the file (EXIF, IPTC or XMP), to pre-fill the
/// editor's fields. Each is trimmed, at most [`MAX_FIELD_CHARS`] characters, and
/// `None` when absent or blank.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Embedded {
    /// IPTC Caption-Abstract (2:120), XMP dc:description or EXIF ImageDescription.
    pub caption: Option<String>,
    /// IPTC Credit (2:110) or XMP photoshop:Credit, else the photographer (IPTC By-line 2:80,
    /// XMP dc:creator, EXIF Artist).
    pub credit: Option<String>,
    /// IPTC Copyright Notice (2:116), XMP dc:rights or EXIF Copyright.
    pub copyright: Option<String>,
}

/// What [`probe`] learned from the headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    pub format: Format,
    /// Width after the EXIF orientation (as a reader sees the photo).
    pub width: u32,
    /// Height after the EXIF orientation.
    pub height: u32,
    /// The EXIF orientation, 1..=8 (1 when absent or invalid).
    pub orientation: u16,
    pub embedded: Embedded,
}

/// One encoded variant. Its bytes hold pixels only, no metadata.
#[derive(Clone, PartialEq, Eq)]
pub struct Variant {
    pub width: u32,
    pub height: u32,
    pub format: Format,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for Variant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Variant")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("format", &self.format)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}
