//! EXIF orientations 1..=8: the probe reports the upright size, the variants come out upright,
//! and a crop given in upright pixels shows what the editor chose.

use image::{ImageFormat, RgbImage};
use masthead_media::{Crop, Format, Limits, make_variants, probe};

use crate::{ExifSpec, QUADRANTS, decode, encode, exif, exif_app1, near, picture, with_segment};

/// The stored pixels that show as `upright` once `orientation` is applied (the EXIF meaning of
/// each value, written out independently of the crate's code: stored (x, y) shows at (u, v)).
fn stored_for(upright: &RgbImage, orientation: u16) -> RgbImage {
    let (w, h) = upright.dimensions();
    let (sw, sh) = if orientation >= 5 { (h, w) } else { (w, h) };
    RgbImage::from_fn(sw, sh, |x, y| {
        let (u, v) = match orientation {
            1 => (x, y),
            2 => (sw - 1 - x, y),
            3 => (sw - 1 - x, sh - 1 - y),
            4 => (x, sh - 1 - y),
            5 => (y, x),
            6 => (sh - 1 - y, x),
            7 => (sh - 1 - y, sw - 1 - x),
            8 => (y, sw - 1 - x),
            _ => unreachable!(),
        };
        *upright.get_pixel(u, v)
    })
}

fn assert_quadrants(image: &RgbImage, context: &str) {
    let (w, h) = image.dimensions();
    for (q, (x, y)) in [
        (0, (w / 4, h / 4)),
        (1, (3 * w / 4, h / 4)),
        (2, (3 * w / 4, 3 * h / 4)),
        (3, (w / 4, 3 * h / 4)),
    ] {
        let pixel = image.get_pixel(x, y).0;
        assert!(
            near(pixel, QUADRANTS[q]),
            "{context}: quadrant {q} is {pixel:?}"
        );
    }
}

#[test]
fn every_exif_orientation_comes_out_upright() {
    let upright = picture(600, 400);
    for orientation in 1..=8u16 {
        for container in [ImageFormat::Jpeg, ImageFormat::Png] {
            let tiff = exif(&ExifSpec {
                orientation: Some(orientation),
                ..ExifSpec::default()
            });
            let stored = encode(&stored_for(&upright, orientation), container);
            let bytes = match container {
                ImageFormat::Jpeg => with_segment(&stored, 0xE1, &exif_app1(&tiff)),
                _ => crate::png_with_chunk(&stored, b"eXIf", &tiff),
            };
            let context = format!("orientation {orientation} in {container:?}");
            let probed = probe(&bytes, &Limits::default()).expect("probe");
            assert_eq!(
                (probed.width, probed.height, probed.orientation),
                (600, 400, orientation),
                "{context}"
            );

            let variants = make_variants(
                &bytes,
                &Limits::default(),
                None,
                &[320],
                &[Format::Jpeg, Format::Webp],
            )
            .expect("variants");
            for variant in &variants {
                assert_eq!((variant.width, variant.height), (320, 213), "{context}");
                assert_quadrants(
                    &decode(&variant.bytes).to_rgb8(),
                    &format!("{context}, {variant:?}"),
                );
            }

            // The bottom-right quadrant as the editor sees it: white only.
            let crop = Crop {
                x: 320,
                y: 220,
                width: 260,
                height: 160,
            };
            let variants = make_variants(
                &bytes,
                &Limits::default(),
                Some(crop),
                &[200],
                &[Format::Jpeg],
            )
            .expect("cropped");
            assert_eq!(
                (variants[0].width, variants[0].height),
                (200, 123),
                "{context}"
            );
            let shown = decode(&variants[0].bytes).to_rgb8();
            for (x, y) in [(5, 5), (195, 5), (100, 60), (5, 118), (195, 118)] {
                assert!(
                    near(shown.get_pixel(x, y).0, QUADRANTS[2]),
                    "{context}: crop at ({x}, {y})"
                );
            }
        }
    }
}

#[test]
fn an_invalid_orientation_counts_as_upright() {
    let tiff = exif(&ExifSpec {
        orientation: Some(9),
        ..ExifSpec::default()
    });
    let bytes = with_segment(&crate::jpeg(300, 200), 0xE1, &exif_app1(&tiff));
    let probed = probe(&bytes, &Limits::default()).expect("probe");
    assert_eq!(
        (probed.width, probed.height, probed.orientation),
        (300, 200, 1)
    );
}
