//! Bad input: every refusal names the problem and what to do, and costs nothing to reach.

use std::time::{Duration, Instant};

use image::{ImageFormat, RgbImage};
use masthead_media::{Crop, Format, Limits, MediaError, WIDTHS, make_variants, probe};

use crate::{encode, picture};

fn refused(bytes: &[u8]) -> MediaError {
    let error = probe(bytes, &Limits::default()).expect_err("refused by probe");
    let again = make_variants(bytes, &Limits::default(), None, WIDTHS, &[Format::Webp])
        .expect_err("refused");
    assert_eq!(error, again);
    error
}

#[test]
fn empty_and_foreign_files_say_what_they_are() {
    assert_eq!(refused(b""), MediaError::Empty);
    let text = refused(b"Hello, this is a caption file\nnot a photo\n");
    assert_eq!(text, MediaError::UnsupportedType("a text file"));
    assert!(
        text.to_string()
            .contains("upload a JPEG, PNG or WebP image"),
        "{text}"
    );

    let gif = encode(&picture(16, 16), ImageFormat::Gif);
    assert_eq!(refused(&gif), MediaError::UnsupportedType("a GIF image"));
    assert_eq!(
        refused(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"),
        MediaError::UnsupportedType("a PDF document")
    );
    assert_eq!(
        refused(b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>"),
        MediaError::UnsupportedType("an SVG drawing")
    );
    assert_eq!(
        refused(&[0x00, 0x13, 0x88, 0xfe, 0x01, 0x02, 0x03]),
        MediaError::UnsupportedType("of an unknown type")
    );
    let mut avif = b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf".to_vec();
    avif.extend_from_slice(&[0; 64]);
    let error = refused(&avif);
    assert_eq!(error, MediaError::AvifInput);
    assert!(
        error.to_string().contains("export it as JPEG, PNG or WebP"),
        "{error}"
    );
    let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic\0\0\0\0".to_vec();
    assert!(matches!(refused(&heic), MediaError::UnsupportedType(what) if what.contains("HEIC")));
}

#[test]
fn the_type_comes_from_the_bytes_not_the_name() {
    // PNG bytes an editor's computer calls "photo.jpg": the name never reaches the pipeline,
    // and the sniffed type decides.
    let png = encode(&picture(64, 48), ImageFormat::Png);
    assert_eq!(
        probe(&png, &Limits::default()).expect("probe").format,
        Format::Png
    );
    let webp = encode(&picture(64, 48), ImageFormat::WebP);
    assert_eq!(
        probe(&webp, &Limits::default()).expect("probe").format,
        Format::Webp
    );
    // JPEG magic followed by a PNG: not a JPEG, whatever the first bytes promise.
    let mut liar = vec![0xFF, 0xD8, 0xFF];
    liar.extend_from_slice(&png);
    assert!(matches!(
        refused(&liar),
        MediaError::Corrupt(_) | MediaError::Truncated
    ));
}

#[test]
fn byte_limit_is_checked_first() {
    let jpeg = crate::jpeg(300, 200);
    let limits = Limits {
        max_bytes: 1000,
        ..Limits::default()
    };
    let error = probe(&jpeg, &limits).expect_err("too big");
    assert_eq!(
        error,
        MediaError::TooManyBytes {
            size: jpeg.len() as u64,
            limit: 1000
        }
    );
    assert!(
        error.to_string().contains("0.0 MB limit") || error.to_string().contains("MB"),
        "{error}"
    );
    assert_eq!(
        make_variants(&jpeg, &limits, None, WIDTHS, &[Format::Jpeg]),
        Err(error)
    );
}

/// A real JPEG whose frame header is rewritten to say `width`×`height`; the file stays tiny.
pub fn jpeg_claiming(width: u16, height: u16) -> Vec<u8> {
    let mut bytes = crate::jpeg(16, 16);
    let sof = bytes
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("baseline SOF0");
    bytes[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
    bytes[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
    bytes
}

/// A PNG of `width`×`height` one-bit pixels, all black: a few kilobytes that inflate to
/// `width × height` bytes of RGB.
pub fn png_bomb(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::One);
        encoder.set_compression(png::Compression::Fast);
        let mut writer = encoder.write_header().expect("header");
        let mut stream = writer.stream_writer().expect("stream");
        let row = vec![0u8; width.div_ceil(8) as usize];
        for _ in 0..height {
            std::io::Write::write_all(&mut stream, &row).expect("row");
        }
        stream.finish().expect("finish");
    }
    out
}

#[test]
fn a_60_megapixel_header_on_a_tiny_file_is_refused_at_once() {
    let bytes = jpeg_claiming(10_000, 6_000);
    assert!(bytes.len() < 2_000, "{}", bytes.len());
    let started = Instant::now();
    let error = refused(&bytes);
    assert!(
        started.elapsed() < Duration::from_millis(200),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        error,
        MediaError::TooManyPixels {
            width: 10_000,
            height: 6_000,
            limit: 50_000_000
        }
    );
    assert!(error.to_string().contains("60.0 megapixels"), "{error}");
}

#[test]
fn a_png_bomb_is_refused_from_its_header() {
    let bytes = png_bomb(12_000, 12_000);
    assert!(bytes.len() < 200_000, "{}", bytes.len());
    let started = Instant::now();
    assert_eq!(
        refused(&bytes),
        MediaError::TooManyPixels {
            width: 12_000,
            height: 12_000,
            limit: 50_000_000
        }
    );
    assert!(
        started.elapsed() < Duration::from_millis(200),
        "{:?}",
        started.elapsed()
    );
    // The same file under a limit it fits decodes (one-bit grey made RGB).
    let small = png_bomb(3000, 2000);
    let variants =
        make_variants(&small, &Limits::default(), None, &[320], &[Format::Jpeg]).expect("fits");
    assert_eq!((variants[0].width, variants[0].height), (320, 213));
}

#[test]
fn extreme_shapes_are_refused_and_long_ones_are_capped() {
    let needle = encode(&RgbImage::new(1, 100_000), ImageFormat::Png);
    let error = refused(&needle);
    assert_eq!(
        error,
        MediaError::ExtremeAspect {
            width: 1,
            height: 100_000
        }
    );
    assert!(error.to_string().contains("crop it"), "{error}");
    let wide = encode(&RgbImage::new(2100, 100), ImageFormat::Png);
    assert_eq!(
        refused(&wide),
        MediaError::ExtremeAspect {
            width: 2100,
            height: 100
        }
    );
    // 1:20 is accepted; widths whose height would pass WebP's 16,383 pixels are skipped.
    let tall = encode(&picture(1000, 20_000), ImageFormat::Jpeg);
    let variants =
        make_variants(&tall, &Limits::default(), None, WIDTHS, &[Format::Webp]).expect("tall");
    let sizes: Vec<(u32, u32)> = variants.iter().map(|v| (v.width, v.height)).collect();
    assert_eq!(sizes, vec![(640, 12_800), (320, 6_400)]);
    assert_eq!(crate::decode(&variants[0].bytes).height(), 12_800);
}

#[test]
fn truncated_files_say_so() {
    for format in [ImageFormat::Jpeg, ImageFormat::Png, ImageFormat::WebP] {
        let whole = encode(&picture(400, 300), format);
        let half = &whole[..whole.len() / 2];
        // The probe already sees it (the app can say so at upload time), and so does the job.
        assert_eq!(
            probe(half, &Limits::default()),
            Err(MediaError::Truncated),
            "{format:?}"
        );
        let error = make_variants(half, &Limits::default(), None, &[320], &[Format::Jpeg])
            .expect_err("truncated");
        assert_eq!(error, MediaError::Truncated, "{format:?}");
        assert!(error.to_string().contains("upload the original again"));
        let header_only = &whole[..20];
        assert!(
            matches!(
                probe(header_only, &Limits::default()),
                Err(MediaError::Truncated)
            ),
            "{format:?}: {:?}",
            probe(header_only, &Limits::default())
        );
    }
}

#[test]
fn a_corrupt_jpeg_is_refused_without_a_panic() {
    let whole = crate::jpeg(400, 300);
    // A frame header claiming 9 components; a Huffman table with impossible counts.
    let sof = whole
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("SOF0");
    let mut bad_sof = whole.clone();
    bad_sof[sof + 9] = 9;
    assert!(
        matches!(refused(&bad_sof), MediaError::Corrupt(_)),
        "{:?}",
        probe(&bad_sof, &Limits::default())
    );
    let dht = whole
        .windows(2)
        .position(|w| w == [0xFF, 0xC4])
        .expect("DHT");
    let mut bad_dht = whole.clone();
    for b in &mut bad_dht[dht + 5..dht + 21] {
        *b = 0xFF;
    }
    assert!(
        matches!(refused(&bad_dht), MediaError::Corrupt(_)),
        "{:?}",
        probe(&bad_dht, &Limits::default())
    );
    // Garbage in the middle of the scan data: decodes (as damaged pixels) or is refused, never
    // a panic, and the result is the promised size.
    let mut scribbled = whole.clone();
    let middle = scribbled.len() / 2;
    for (i, b) in scribbled[middle..middle + 200].iter_mut().enumerate() {
        *b = (i * 37) as u8;
    }
    match make_variants(
        &scribbled,
        &Limits::default(),
        None,
        &[320],
        &[Format::Jpeg],
    ) {
        Ok(variants) => assert_eq!((variants[0].width, variants[0].height), (320, 240)),
        Err(error) => assert!(matches!(error, MediaError::Corrupt(_)), "{error:?}"),
    }
}

#[test]
fn a_crop_outside_the_photo_is_refused() {
    let bytes = crate::jpeg(300, 200);
    for crop in [
        Crop {
            x: 0,
            y: 0,
            width: 0,
            height: 10,
        },
        Crop {
            x: 250,
            y: 0,
            width: 100,
            height: 100,
        },
        Crop {
            x: 0,
            y: 150,
            width: 10,
            height: 51,
        },
        Crop {
            x: u32::MAX,
            y: 0,
            width: 2,
            height: 2,
        },
    ] {
        let error = make_variants(
            &bytes,
            &Limits::default(),
            Some(crop),
            WIDTHS,
            &[Format::Jpeg],
        )
        .expect_err("bad crop");
        assert_eq!(
            error,
            MediaError::BadCrop {
                crop,
                width: 300,
                height: 200
            }
        );
        assert!(error.to_string().contains("choose the crop again"));
    }
}
