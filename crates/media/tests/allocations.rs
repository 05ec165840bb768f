//! Refusing a decompression bomb allocates almost nothing: a binary of its own, so that its
//! counting allocator sees this test alone.

use cap::Cap;
use masthead_media::{Format, Limits, MediaError, make_variants, probe};

#[global_allocator]
static ALLOCATOR: Cap<std::alloc::System> = Cap::new(std::alloc::System, usize::MAX);

/// The tests of this binary run one at a time: the cap is global.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

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
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
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
    // And the cap works, so the assertions above could fail: under it, a 6 MB buffer (what a
    // 2000×1000 decode needs) cannot be had.
    let before = ALLOCATOR.allocated();
    ALLOCATOR
        .set_limit(before + 1_000_000)
        .expect("set the limit");
    let refused = Vec::<u8>::new().try_reserve_exact(2000 * 1000 * 3).is_err();
    ALLOCATOR.set_limit(usize::MAX).expect("lift the limit");
    assert!(refused, "the cap refuses a 6 MB allocation");
}

#[test]
fn refusing_a_png_bomb_allocates_under_a_megabyte() {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    // 12,000 × 12,000 one-bit pixels, all black: ~20 KB that would decode to 432 MB of RGB.
    let mut bomb = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bomb, 12_000, 12_000);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::One);
        let mut writer = encoder.write_header().expect("header");
        let mut stream = writer.stream_writer().expect("stream");
        let row = vec![0u8; 1500];
        for _ in 0..12_000 {
            std::io::Write::write_all(&mut stream, &row).expect("row");
        }
        stream.finish().expect("finish");
    }
    let before = ALLOCATOR.allocated();
    ALLOCATOR
        .set_limit(before + 1_000_000)
        .expect("set the limit");
    let probed = probe(&bomb, &Limits::default());
    let made = make_variants(&bomb, &Limits::default(), None, &[320], &[Format::Jpeg]);
    ALLOCATOR.set_limit(usize::MAX).expect("lift the limit");
    let expected = MediaError::TooManyPixels {
        width: 12_000,
        height: 12_000,
        limit: 50_000_000,
    };
    assert_eq!(probed, Err(expected.clone()));
    assert_eq!(made.map(|v| v.len()), Err(expected));
}
