//! Every input format, several sizes and shapes: variants decode to the promised dimensions, in
//! the promised format, with no metadata.

use image::{GenericImageView, ImageFormat, RgbaImage};
use masthead_media::{Format, Limits, WIDTHS, make_variants, probe};

use crate::{
    ExifSpec, contains, decode, encode, exif, exif_app1, iptc_app13, picture, with_segment,
    xmp_app1,
};

fn served_as(format: Format) -> ImageFormat {
    match format {
        Format::Jpeg => ImageFormat::Jpeg,
        Format::Webp => ImageFormat::WebP,
        Format::Png => ImageFormat::Png,
        Format::Avif => ImageFormat::Avif,
    }
}

#[test]
fn every_input_format_and_shape_makes_every_width_that_fits() {
    let sizes = [
        (2400, 1600),
        (1600, 2400),
        (1000, 700),
        (700, 1000),
        (333, 111),
        (100, 80),
        (1, 1),
    ];
    for input in [ImageFormat::Jpeg, ImageFormat::Png, ImageFormat::WebP] {
        for (w, h) in sizes {
            let bytes = encode(&picture(w, h), input);
            let probed = probe(&bytes, &Limits::default()).expect("probe");
            assert_eq!((probed.width, probed.height), (w, h), "{input:?} {w}×{h}");
            let variants = make_variants(
                &bytes,
                &Limits::default(),
                None,
                WIDTHS,
                &[Format::Webp, Format::Jpeg],
            )
            .expect("variants");
            let expected: Vec<u32> = match WIDTHS
                .iter()
                .copied()
                .filter(|&x| x <= w)
                .collect::<Vec<_>>()
            {
                fitting if fitting.is_empty() => vec![w],
                mut fitting => {
                    fitting.reverse();
                    fitting
                }
            };
            let made: Vec<u32> = variants.iter().step_by(2).map(|v| v.width).collect();
            assert_eq!(made, expected, "{input:?} {w}×{h}");
            for variant in &variants {
                let promised_h = ((u64::from(variant.width) * u64::from(h) + u64::from(w) / 2)
                    / u64::from(w))
                .max(1) as u32;
                assert_eq!(variant.height, promised_h, "{input:?} {w}×{h} {variant:?}");
                assert_eq!(
                    image::guess_format(&variant.bytes).expect("known format"),
                    served_as(variant.format)
                );
                let decoded = decode(&variant.bytes);
                assert_eq!(
                    decoded.dimensions(),
                    (variant.width, variant.height),
                    "{variant:?}"
                );
            }
        }
    }
}

#[test]
fn the_colours_survive_resizing() {
    let bytes = encode(&picture(1200, 800), ImageFormat::Png);
    let variants = make_variants(
        &bytes,
        &Limits::default(),
        None,
        &[640, 320],
        &[Format::Webp, Format::Jpeg],
    )
    .expect("variants");
    assert_eq!(variants.len(), 4);
    for variant in variants {
        let decoded = decode(&variant.bytes).to_rgb8();
        let (w, h) = decoded.dimensions();
        for (q, (x, y)) in [
            (0, (w / 4, h / 4)),
            (1, (3 * w / 4, h / 4)),
            (2, (3 * w / 4, 3 * h / 4)),
            (3, (w / 4, 3 * h / 4)),
        ] {
            let pixel = decoded.get_pixel(x, y).0;
            assert!(
                crate::near(pixel, crate::QUADRANTS[q]),
                "{variant:?} quadrant {q}: {pixel:?}"
            );
        }
    }
}

#[test]
fn transparency_is_kept_in_webp_and_flattened_on_white_in_jpeg() {
    let mut rgba = RgbaImage::from_pixel(400, 300, image::Rgba([200, 0, 0, 255]));
    for x in 200..400 {
        for y in 0..300 {
            rgba.put_pixel(x, y, image::Rgba([0, 0, 0, 0]));
        }
    }
    let bytes = crate::encode_rgba(&rgba, ImageFormat::Png);
    let variants = make_variants(
        &bytes,
        &Limits::default(),
        None,
        &[320],
        &[Format::Webp, Format::Jpeg],
    )
    .expect("variants");
    let webp = decode(&variants[0].bytes);
    assert!(webp.color().has_alpha());
    assert!(
        webp.to_rgba8().get_pixel(300, 100).0[3] < 10,
        "transparent stays transparent"
    );
    assert!(webp.to_rgba8().get_pixel(20, 100).0[3] > 245);
    let jpeg = decode(&variants[1].bytes).to_rgb8();
    assert!(
        jpeg.get_pixel(300, 100).0.iter().all(|&c| c > 240),
        "white behind the transparency"
    );
    assert!(crate::near(jpeg.get_pixel(20, 100).0, [200, 0, 0]));
}

#[test]
fn a_crop_is_made_in_every_width_that_fits_it() {
    let bytes = crate::jpeg(3000, 2000);
    let crop = masthead_media::crop_for_aspect(3000, 2000, (0.0, 0.0), (1, 1));
    assert_eq!(
        crop,
        masthead_media::Crop {
            x: 0,
            y: 0,
            width: 2000,
            height: 2000
        }
    );
    let variants = make_variants(
        &bytes,
        &Limits::default(),
        Some(crop),
        WIDTHS,
        &[Format::Jpeg],
    )
    .expect("variants");
    let sizes: Vec<(u32, u32)> = variants.iter().map(|v| (v.width, v.height)).collect();
    assert_eq!(
        sizes,
        vec![
            (1600, 1600),
            (1280, 1280),
            (960, 960),
            (640, 640),
            (320, 320)
        ]
    );
    // The square from the left edge shows red (top left), blue (bottom left) and part of the
    // green and white quadrants on its right.
    let small = decode(&variants[4].bytes).to_rgb8();
    assert!(crate::near(small.get_pixel(40, 40).0, crate::QUADRANTS[0]));
    assert!(crate::near(small.get_pixel(40, 280).0, crate::QUADRANTS[3]));
    assert!(crate::near(small.get_pixel(300, 40).0, crate::QUADRANTS[1]));
}

#[test]
fn no_metadata_reaches_a_variant_even_gps() {
    let tiff = exif(&ExifSpec {
        orientation: Some(1),
        description: Some("Crowds on the Mall"),
        artist: Some("Evan Vucci"),
        copyright: Some("Copyright 2026 The Associated Press"),
        gps_datum: Some("WGS-84 SECRET-SPOT"),
    });
    let mut bytes = with_segment(&crate::jpeg(1500, 1000), 0xE1, &exif_app1(&tiff));
    bytes = with_segment(
        &bytes,
        0xE1,
        &xmp_app1(
            r#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description photoshop:Credit="AP" exif:GPSLatitude="48,51.5N"/></rdf:RDF></x:xmpmeta>"#,
        ),
    );
    bytes = with_segment(&bytes, 0xED, &iptc_app13(&[(120, "IPTC caption")]));
    // The input really has them, GPS included.
    let found = exif::Reader::new()
        .read_from_container(&mut std::io::Cursor::new(&bytes))
        .expect("input EXIF");
    assert!(
        found
            .get_field(exif::Tag::GPSMapDatum, exif::In::PRIMARY)
            .is_some()
    );

    let png = crate::png_with_chunk(
        &encode(&picture(800, 600), ImageFormat::Png),
        b"eXIf",
        &tiff,
    );
    for input in [bytes, png] {
        let variants = make_variants(
            &input,
            &Limits::default(),
            None,
            WIDTHS,
            &[Format::Webp, Format::Jpeg],
        )
        .expect("variants");
        assert!(!variants.is_empty());
        for variant in variants {
            for needle in [
                &b"Exif"[..],
                b"SECRET",
                b"GPS",
                b"xap/1.0",
                b"xmpmeta",
                b"Photoshop",
                b"8BIM",
                b"Vucci",
                b"ICC_PROFILE",
            ] {
                assert!(
                    !contains(&variant.bytes, needle),
                    "{variant:?} contains {:?}",
                    String::from_utf8_lossy(needle)
                );
            }
            assert!(
                exif::Reader::new()
                    .read_from_container(&mut std::io::Cursor::new(&variant.bytes))
                    .is_err(),
                "{variant:?} has EXIF"
            );
            let mut decoder = image::ImageReader::new(std::io::Cursor::new(&variant.bytes))
                .with_guessed_format()
                .expect("reader")
                .into_decoder()
                .expect("decoder");
            use image::ImageDecoder;
            assert_eq!(decoder.exif_metadata().expect("exif read"), None);
            assert_eq!(decoder.xmp_metadata().expect("xmp read"), None);
        }
    }
}

#[test]
fn formats_are_deduplicated_and_avif_needs_its_feature() {
    let bytes = crate::jpeg(400, 300);
    let variants = make_variants(
        &bytes,
        &Limits::default(),
        None,
        &[320],
        &[Format::Jpeg, Format::Jpeg],
    )
    .expect("variants");
    assert_eq!(variants.len(), 1);
    assert!(
        make_variants(&bytes, &Limits::default(), None, &[320], &[])
            .expect("none")
            .is_empty()
    );
    let avif = make_variants(&bytes, &Limits::default(), None, &[320], &[Format::Avif]);
    if cfg!(feature = "avif") {
        let variants = avif.expect("AVIF");
        assert_eq!(
            image::guess_format(&variants[0].bytes).ok(),
            Some(ImageFormat::Avif)
        );
    } else {
        assert!(
            matches!(
                avif,
                Err(masthead_media::MediaError::Encode {
                    format: Format::Avif,
                    ..
                })
            ),
            "{avif:?}"
        );
    }
    assert!(matches!(
        make_variants(&bytes, &Limits::default(), None, &[320], &[Format::Png]),
        Err(masthead_media::MediaError::Encode {
            format: Format::Png,
            ..
        })
    ));
}
