//! Caption, credit and copyright read from EXIF, IPTC and XMP to pre-fill the editor's fields.

use image::ImageFormat;
use masthead_media::{Embedded, Limits, probe};

use crate::{
    ExifSpec, encode, exif, exif_app1, iptc_app13, picture, png_with_chunk, with_segment, xmp_app1,
};

fn embedded(bytes: &[u8]) -> Embedded {
    probe(bytes, &Limits::default()).expect("probe").embedded
}

#[test]
fn exif_alone_fills_the_fields() {
    let tiff = exif(&ExifSpec {
        description: Some("  Crowds gather on the Mall  "),
        artist: Some("Evan Vucci"),
        copyright: Some("© 2026 The Associated Press"),
        ..ExifSpec::default()
    });
    let bytes = with_segment(&crate::jpeg(64, 48), 0xE1, &exif_app1(&tiff));
    assert_eq!(
        embedded(&bytes),
        Embedded {
            caption: Some("Crowds gather on the Mall".into()),
            credit: Some("Evan Vucci".into()),
            copyright: Some("© 2026 The Associated Press".into()),
        }
    );
    let png = png_with_chunk(&encode(&picture(64, 48), ImageFormat::Png), b"eXIf", &tiff);
    assert_eq!(embedded(&png).credit.as_deref(), Some("Evan Vucci"));
}

#[test]
fn iptc_wins_and_the_credit_names_photographer_and_agency() {
    let tiff = exif(&ExifSpec {
        description: Some("OLYMPUS DIGITAL CAMERA"),
        artist: Some("someone"),
        ..ExifSpec::default()
    });
    let mut bytes = with_segment(&crate::jpeg(64, 48), 0xE1, &exif_app1(&tiff));
    bytes = with_segment(
        &bytes,
        0xED,
        &iptc_app13(&[
            (80, "Saul Loeb"),
            (110, "AFP"),
            (116, "AFP 2026"),
            (
                120,
                "President speaks at the White House, Tuesday. Éléments inclus.",
            ),
        ]),
    );
    assert_eq!(
        embedded(&bytes),
        Embedded {
            caption: Some("President speaks at the White House, Tuesday. Éléments inclus.".into()),
            credit: Some("Saul Loeb/AFP".into()),
            copyright: Some("AFP 2026".into()),
        }
    );
}

#[test]
fn xmp_fills_what_iptc_lacks_and_camera_filler_is_ignored() {
    let tiff = exif(&ExifSpec {
        description: Some("SONY DSC"),
        ..ExifSpec::default()
    });
    let mut bytes = with_segment(&crate::jpeg(64, 48), 0xE1, &exif_app1(&tiff));
    bytes = with_segment(
        &bytes,
        0xE1,
        &xmp_app1(
            r#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
        <rdf:Description photoshop:Credit="AP Photo" xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/">
        <dc:creator><rdf:Seq><rdf:li>Jacquelyn Martin</rdf:li></rdf:Seq></dc:creator>
        <dc:description><rdf:Alt><rdf:li xml:lang="x-default">Rain &amp; wind over the river</rdf:li></rdf:Alt></dc:description>
        </rdf:Description></rdf:RDF></x:xmpmeta>"#,
        ),
    );
    assert_eq!(
        embedded(&bytes),
        Embedded {
            caption: Some("Rain & wind over the river".into()),
            credit: Some("Jacquelyn Martin/AP Photo".into()),
            copyright: None,
        }
    );
}

#[test]
fn no_metadata_is_no_fields_and_broken_metadata_is_ignored() {
    assert_eq!(embedded(&crate::jpeg(64, 48)), Embedded::default());
    // An EXIF block whose IFD offset points far past its end, and an IPTC block that lies
    // about its length: the photo is still accepted, with nothing pre-filled.
    let mut lying = b"II*\0".to_vec();
    lying.extend_from_slice(&0xFFFF_FF00u32.to_le_bytes());
    let mut bytes = with_segment(&crate::jpeg(64, 48), 0xE1, &exif_app1(&lying));
    bytes = with_segment(
        &bytes,
        0xED,
        b"Photoshop 3.0\08BIM\x04\x04\0\0\x7f\xff\xff\xff\x1c\x02\x78\x00\x05ab",
    );
    let probed = probe(&bytes, &Limits::default()).expect("probe");
    assert_eq!(probed.embedded, Embedded::default());
    assert_eq!(
        (probed.width, probed.height, probed.orientation),
        (64, 48, 1)
    );
}
