//! Caption, credit, copyright and orientation from EXIF, IPTC-IIM (JPEG APP13) and XMP.
//!
//! Metadata is read to help the editor, never trusted: every length inside it is checked
//! against the bytes actually there (kamadak-exif does so for EXIF; the IPTC and XMP readers
//! below index nothing without a bound check), and metadata that cannot be read is ignored
//! rather than refusing the photo. Text is UTF-8 when it is valid UTF-8, else Latin-1 (what
//! older agency software writes), trimmed and cut to [`MAX_FIELD_CHARS`] characters.
//!
//! Which source wins when several say something: IPTC, then XMP, then EXIF (IPTC is what
//! agencies and newsroom tools fill in; EXIF's ImageDescription is often a camera's
//! "OLYMPUS DIGITAL CAMERA", which is ignored). The credit is the newsroom's
//! "Photographer/Agency" when the file names both (IPTC By-line and Credit, or XMP dc:creator
//! and photoshop:Credit), e.g. "Evan Vucci/AP".

use crate::{Embedded, MAX_FIELD_CHARS};

/// What the EXIF block (TIFF structure, after `Exif\0\0`) says.
#[derive(Debug, Default)]
pub(crate) struct ExifFacts {
    pub orientation: u16,
    pub description: Option<String>,
    pub artist: Option<String>,
    pub copyright: Option<String>,
}

pub(crate) fn read_exif(tiff: &[u8]) -> ExifFacts {
    let mut facts = ExifFacts {
        orientation: 1,
        ..ExifFacts::default()
    };
    let Ok(exif) = exif::Reader::new().read_raw(tiff.to_vec()) else {
        return facts;
    };
    let ascii = |tag: exif::Tag| {
        let field = exif.get_field(tag, exif::In::PRIMARY)?;
        match &field.value {
            exif::Value::Ascii(parts) => {
                let joined: Vec<u8> = parts.join(&b' ');
                clean(&joined)
            }
            _ => None,
        }
    };
    if let Some(field) = exif.get_field(exif::Tag::Orientation, exif::In::PRIMARY)
        && let Some(value) = field.value.get_uint(0)
        && (1..=8).contains(&value)
    {
        facts.orientation = value as u16;
    }
    facts.description = ascii(exif::Tag::ImageDescription).filter(|d| !is_camera_filler(d));
    facts.artist = ascii(exif::Tag::Artist);
    facts.copyright = ascii(exif::Tag::Copyright);
    facts
}

/// What the IPTC-IIM datasets say (record 2).
#[derive(Debug, Default)]
pub(crate) struct IptcFacts {
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub byline: Option<String>,
    pub copyright: Option<String>,
}

/// Reads the Photoshop image resources of a JPEG's APP13 (after `Photoshop 3.0\0`).
pub(crate) fn read_iptc(resources: &[u8]) -> IptcFacts {
    let mut facts = IptcFacts::default();
    if let Some(iim) = find_8bim(resources, 0x0404) {
        read_iim(iim, &mut facts);
    }
    facts
}

/// The data of the first image resource with `id`, bounds-checked.
fn find_8bim(mut rest: &[u8], id: u16) -> Option<&[u8]> {
    while rest.len() >= 12 && rest.starts_with(b"8BIM") {
        let this = u16::from_be_bytes([rest[4], rest[5]]);
        // A Pascal string, padded so that length byte + name is even.
        let name_len = usize::from(rest[6]);
        let name_total = (1 + name_len + 1) & !1;
        let size_at = 6 + name_total;
        let size_bytes = rest.get(size_at..size_at + 4)?;
        let size = u32::from_be_bytes(size_bytes.try_into().ok()?) as usize;
        let data_at = size_at + 4;
        let data = rest.get(data_at..data_at.checked_add(size)?)?;
        if this == id {
            return Some(data);
        }
        let next = data_at + size + (size & 1);
        rest = rest.get(next..)?;
    }
    None
}

fn read_iim(mut rest: &[u8], facts: &mut IptcFacts) {
    let mut utf8 = false;
    while rest.len() >= 5 && rest[0] == 0x1C {
        let (record, dataset) = (rest[1], rest[2]);
        let size = u16::from_be_bytes([rest[3], rest[4]]);
        if size & 0x8000 != 0 {
            // Extended (longer than 32 KB) datasets: none of the text ones we read.
            return;
        }
        let Some(data) = rest.get(5..5 + usize::from(size)) else {
            return;
        };
        match (record, dataset) {
            // Coded Character Set: ESC % G is UTF-8.
            (1, 90) => utf8 = data == b"\x1b%G",
            (2, 120) => set_once(&mut facts.caption, decode_text(data, utf8)),
            (2, 110) => set_once(&mut facts.credit, decode_text(data, utf8)),
            (2, 80) => set_once(&mut facts.byline, decode_text(data, utf8)),
            (2, 116) => set_once(&mut facts.copyright, decode_text(data, utf8)),
            _ => {}
        }
        rest = &rest[5 + usize::from(size)..];
    }
}

fn set_once(slot: &mut Option<String>, value: Option<String>) {
    if slot.is_none() {
        *slot = value;
    }
}

fn decode_text(data: &[u8], _declared_utf8: bool) -> Option<String> {
    // Whatever the declaration, valid UTF-8 is UTF-8 (many tools forget to declare it).
    clean(data)
}

/// What the XMP packet says.
#[derive(Debug, Default)]
pub(crate) struct XmpFacts {
    pub description: Option<String>,
    pub credit: Option<String>,
    pub creator: Option<String>,
    pub rights: Option<String>,
}

pub(crate) fn read_xmp(xmp: &[u8]) -> XmpFacts {
    let text = String::from_utf8_lossy(xmp);
    XmpFacts {
        description: xmp_property(&text, "dc:description"),
        credit: xmp_property(&text, "photoshop:Credit"),
        creator: xmp_property(&text, "dc:creator"),
        rights: xmp_property(&text, "dc:rights"),
    }
}

/// The value of an XMP property written either as an attribute (`name="value"`) or as an
/// element, simple (`<name>value</name>`) or holding an `rdf:Alt`/`rdf:Seq`/`rdf:Bag` whose
/// first `rdf:li` is taken.
fn xmp_property(xmp: &str, name: &str) -> Option<String> {
    let element_open = format!("<{name}");
    let mut from = 0;
    while let Some(found) = xmp[from..].find(&element_open) {
        let start = from + found;
        let after = &xmp[start + element_open.len()..];
        from = start + element_open.len();
        match after.chars().next() {
            // An element, `<name>` or `<name attr=...>`.
            Some('>' | ' ' | '\t' | '\r' | '\n') => {
                let tag_end = after.find('>')?;
                if after[..tag_end].ends_with('/') {
                    continue;
                }
                let body = &after[tag_end + 1..];
                let close = format!("</{name}>");
                let body = &body[..body.find(&close)?];
                let value = match body.find("<rdf:li") {
                    Some(li) => {
                        let li = &body[li..];
                        let open_end = li.find('>')?;
                        let inner = &li[open_end + 1..];
                        &inner[..inner.find("</rdf:li>")?]
                    }
                    None => body,
                };
                if let Some(value) = clean(unescape_xml(value).as_bytes()) {
                    return Some(value);
                }
            }
            _ => continue,
        }
    }
    // The attribute form, `photoshop:Credit="AP"`, preceded by whitespace.
    let attribute = format!("{name}=\"");
    let mut from = 0;
    while let Some(found) = xmp[from..].find(&attribute) {
        let start = from + found;
        from = start + attribute.len();
        if !xmp[..start].ends_with(|c: char| c.is_whitespace()) {
            continue;
        }
        let rest = &xmp[from..];
        let value = &rest[..rest.find('"')?];
        return clean(unescape_xml(value).as_bytes());
    }
    None
}

fn unescape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let Some(semi) = rest[..rest.len().min(12)].find(';') else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|dec| dec.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Text from metadata bytes: UTF-8 if valid, else Latin-1; NULs and control characters out,
/// whitespace collapsed at the ends, at most [`MAX_FIELD_CHARS`] characters; `None` if blank.
pub(crate) fn clean(bytes: &[u8]) -> Option<String> {
    let text: String = match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    };
    let text: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_FIELD_CHARS)
        .collect();
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// Descriptions cameras write by themselves ("OLYMPUS DIGITAL CAMERA", "SONY DSC").
fn is_camera_filler(description: &str) -> bool {
    let upper = description.to_ascii_uppercase();
    upper.contains("DIGITAL CAMERA")
        || upper.ends_with(" DSC")
        || upper == "DCIM"
        || upper.starts_with("DCF ")
        || (upper == description && upper.split_whitespace().count() <= 2 && upper.len() <= 16)
}

/// Puts the sources together in the order the module documentation gives.
pub(crate) fn combine(exif: &ExifFacts, iptc: &IptcFacts, xmp: &XmpFacts) -> Embedded {
    let pick = |options: [&Option<String>; 3]| options.into_iter().flatten().next().cloned();
    let caption = pick([&iptc.caption, &xmp.description, &exif.description]);
    let agency = iptc.credit.as_ref().or(xmp.credit.as_ref());
    let photographer = pick([&iptc.byline, &xmp.creator, &exif.artist]);
    let credit = match (photographer, agency) {
        (Some(person), Some(agency)) if !agency.contains(person.as_str()) => {
            clean(format!("{person}/{agency}").as_bytes())
        }
        (_, Some(agency)) => Some(agency.clone()),
        (person, None) => person,
    };
    let copyright = pick([&iptc.copyright, &xmp.rights, &exif.copyright]);
    Embedded {
        caption,
        credit,
        copyright,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xmp_properties_in_every_form() {
        let xmp = r#"<x:xmpmeta><rdf:RDF><rdf:Description photoshop:Credit="AP &amp; Co"
            xmlns:dc="http://purl.org/dc/elements/1.1/">
            <dc:description><rdf:Alt><rdf:li xml:lang="x-default">Crowds on the Mall &#x2014; at dusk</rdf:li></rdf:Alt></dc:description>
            <dc:creator><rdf:Seq><rdf:li>Evan Vucci</rdf:li></rdf:Seq></dc:creator>
            <dc:rights/>
            </rdf:Description></rdf:RDF></x:xmpmeta>"#;
        let facts = read_xmp(xmp.as_bytes());
        assert_eq!(
            facts.description.as_deref(),
            Some("Crowds on the Mall \u{2014} at dusk")
        );
        assert_eq!(facts.credit.as_deref(), Some("AP & Co"));
        assert_eq!(facts.creator.as_deref(), Some("Evan Vucci"));
        assert_eq!(facts.rights, None);
        let embedded = combine(&ExifFacts::default(), &IptcFacts::default(), &facts);
        assert_eq!(embedded.credit.as_deref(), Some("Evan Vucci/AP & Co"));
    }

    #[test]
    fn truncated_or_lying_metadata_is_ignored() {
        // An 8BIM block claiming 4 GB, an IIM dataset longer than the bytes, an unclosed tag.
        let mut resources = b"8BIM\x04\x04\0\0\xff\xff\xff\xff".to_vec();
        resources.extend_from_slice(b"\x1c\x02\x78\x00\x10abc");
        assert!(read_iptc(&resources).caption.is_none());
        let mut ok = b"8BIM\x04\x04\0\0\0\0\0\x08".to_vec();
        ok.extend_from_slice(b"\x1c\x02\x78\x00\x10abc");
        assert!(read_iptc(&ok).caption.is_none());
        assert!(
            read_xmp(b"<dc:description><rdf:li>never closed")
                .description
                .is_none()
        );
        assert_eq!(read_exif(b"II*\0\xff\xff\xff\xff").orientation, 1);
        assert_eq!(clean(b"  \0\x01 "), None);
        assert_eq!(clean(b"Caf\xe9").as_deref(), Some("Caf\u{e9}"));
        assert!(clean(&[b'a'; 5000]).is_some_and(|s| s.chars().count() == MAX_FIELD_CHARS));
    }

    #[test]
    fn camera_filler_is_not_a_caption() {
        for filler in ["OLYMPUS DIGITAL CAMERA", "SONY DSC", "DCIM"] {
            assert!(is_camera_filler(filler), "{filler}");
        }
        assert!(!is_camera_filler("Protesters gather outside the Capitol"));
    }
}
