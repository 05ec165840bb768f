//! Refusing a decompression bomb allocates almost nothing: a binary of its own, so that its
//! counting allocator sees this test alone.

use cap::Cap;
use masthead_media::{Format, Limits, MediaError, make_variants, probe};

#[global_allocator]
static ALLOCATOR: Cap<std::alloc::System> = Cap::new(std::alloc::System, usize::MAX);

/// A real 16×16 JPEG whose frame header says 10,000×6,000 (60 MP).
fn jpeg_claiming_60_megapixels() -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image::RgbImage::new(16, 16)
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .expect("encode");
    let mut bytes = out.into_inner();
    let sof = bytes
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("SOF0");
    bytes[sof + 5..sof + 7].copy_from_slice(&6000u16.to_be_bytes());
    bytes[sof + 7..sof + 9].copy_from_slice(&10_000u16.to_be_bytes());
    bytes
}

#[test]
fn refusing_a_60_megapixel_header_allocates_under_a_megabyte() {
    let bytes = jpeg_claiming_60_megapixels();
    // Decoding would need 180 MB; refusing must stay under 1 MB at its peak. The limit makes
    // any larger allocation fail (and abort the test) rather than merely be counted.
    let before = ALLOCATOR.allocated();
    ALLOCATOR
        .set_limit(before + 1_000_000)
        .expect("set the limit");
    let probed = probe(&bytes, &Limits::default());
    let made = make_variants(&bytes, &Limits::default(), None, &[320], &[Format::Webp]);
    ALLOCATOR.set_limit(usize::MAX).expect("lift the limit");
    let expected = MediaError::TooManyPixels {
        width: 10_000,
        height: 6_000,
        limit: 50_000_000,
    };
    assert_eq!(probed, Err(expected.clone()));
    assert_eq!(made.map(|v| v.len()), Err(expected));
    // And the limit works: a real decode of the same picture at its true size is refused by
    // the allocator's cap, so the test above could have failed.
    let mut out = std::io::Cursor::new(Vec::new());
    image::RgbImage::new(2000, 1000)
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .expect("encode");
    let real = out.into_inner();
    let before = ALLOCATOR.allocated();
    ALLOCATOR
        .set_limit(before + 1_000_000)
        .expect("set the limit");
    let attempt = std::panic::catch_unwind(|| {
        let mut buffer: Vec<u8> = Vec::new();
        buffer.try_reserve_exact(2000 * 1000 * 3).is_err()
    });
    ALLOCATOR.set_limit(usize::MAX).expect("lift the limit");
    assert_eq!(
        attempt.ok(),
        Some(true),
        "the cap refuses a 6 MB allocation"
    );
    assert!(make_variants(&real, &Limits::default(), None, &[320], &[Format::Webp]).is_ok());
}
