//! Photos end to end, on both backends: uploads of each format and the bad ones (`upload.rs`),
//! the library's roles, CSRF and edits (`library.rs`), variants, serving and pages
//! (`variants.rs`). Images are made in the tests with the `image` crate; the multipart bodies
//! are written by hand so that a test can cut one short.

use std::io::Cursor;

use crate::common::{Browser, TestApp, browser::csrf_of};

mod library;
mod upload;
mod variants;

/// A JPEG of `w`×`h` with a gradient (so that it is not trivially compressible).
pub fn jpeg(w: u32, h: u32) -> Vec<u8> {
    encode(w, h, image::ImageFormat::Jpeg)
}

pub fn encode(w: u32, h: u32, format: image::ImageFormat) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 251) as u8, (y % 241) as u8, ((x * y) % 239) as u8])
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

/// `jpeg` with an EXIF segment holding an image description and a GPS IFD whose map datum is
/// `marker` (an ASCII string to look for in every served byte).
pub fn jpeg_with_gps(w: u32, h: u32, description: &str, marker: &str) -> Vec<u8> {
    let plain = jpeg(w, h);
    // TIFF, big-endian: IFD0 with ImageDescription and the GPS IFD pointer; the GPS IFD with
    // GPSLatitudeRef "N" and GPSMapDatum `marker`.
    let mut t: Vec<u8> = b"MM\0\x2a\0\0\0\x08".to_vec();
    let desc = [description.as_bytes(), b"\0"].concat();
    let datum = [marker.as_bytes(), b"\0"].concat();
    let ifd0_len = 2 + 2 * 12 + 4;
    let gps_at = 8 + ifd0_len;
    let gps_len = 2 + 2 * 12 + 4;
    let desc_at = gps_at + gps_len;
    let datum_at = desc_at + desc.len();
    let entry = |t: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: u32| {
        t.extend_from_slice(&tag.to_be_bytes());
        t.extend_from_slice(&kind.to_be_bytes());
        t.extend_from_slice(&count.to_be_bytes());
        t.extend_from_slice(&value.to_be_bytes());
    };
    t.extend_from_slice(&2u16.to_be_bytes());
    entry(&mut t, 0x010E, 2, desc.len() as u32, desc_at as u32);
    entry(&mut t, 0x8825, 4, 1, gps_at as u32);
    t.extend_from_slice(&0u32.to_be_bytes());
    t.extend_from_slice(&2u16.to_be_bytes());
    entry(&mut t, 0x0001, 2, 2, u32::from_be_bytes(*b"N\0\0\0"));
    entry(&mut t, 0x0012, 2, datum.len() as u32, datum_at as u32);
    t.extend_from_slice(&0u32.to_be_bytes());
    t.extend_from_slice(&desc);
    t.extend_from_slice(&datum);
    let payload = [b"Exif\0\0".as_slice(), &t].concat();
    let mut out = plain[..2].to_vec(); // SOI
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&plain[2..]);
    out
}

/// A PNG that is only a header saying `w`×`h` (and an end): a "bomb" in a hundred bytes.
pub fn png_header_only(w: u32, h: u32) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend_from_slice(&crc32(&[kind.as_slice(), data].concat()).to_be_bytes());
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IEND", &[]);
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

pub const BOUNDARY: &str = "masthead-test-boundary-7d1f";

/// The multipart body of the upload form: `csrf` (when given), then the file.
pub fn multipart(csrf: Option<&str>, filename: &str, content_type: &str, bytes: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    if let Some(csrf) = csrf {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// The upload form's CSRF token for `b`.
pub async fn upload_csrf(app: &TestApp, b: &Browser) -> String {
    let (status, html) = b.get(app, "/newsroom/photos/new").await;
    assert_eq!(status, 200, "{html}");
    csrf_of(&html)
}

/// Uploads `bytes` as `b` through the form, as a browser sends it.
pub async fn upload(
    app: &TestApp,
    b: &Browser,
    filename: &str,
    content_type: &str,
    bytes: &[u8],
) -> reqwest::Response {
    let csrf = upload_csrf(app, b).await;
    b.client
        .post(app.url("/newsroom/photos/upload"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(multipart(Some(&csrf), filename, content_type, bytes))
        .send()
        .await
        .unwrap()
}

/// The library photo id of an upload's redirect, and its notice.
pub fn uploaded(res: &reqwest::Response) -> (String, String) {
    let loc = crate::common::browser::location(res);
    let rest = loc
        .strip_prefix("/newsroom/photos/")
        .unwrap_or_else(|| panic!("not a redirect to a photo: {loc}"));
    let (id, notice) = rest.split_once("?notice=").unwrap();
    (id.to_owned(), notice.to_owned())
}

/// Uploads a JPEG and returns its library id.
pub async fn upload_jpeg(app: &TestApp, b: &Browser, w: u32, h: u32) -> String {
    let res = upload(app, b, "photo.jpg", "image/jpeg", &jpeg(w, h)).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    uploaded(&res).0
}

/// The number of photo rows and of files under the data directory's `media/originals` and
/// `tmp`, to check that a refused upload leaves nothing behind.
pub async fn leftovers(app: &TestApp) -> (i64, usize, usize) {
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM photos WHERE role = 'library'")
        .fetch_one(app.db.store.reader())
        .await
        .unwrap();
    let count = |dir: std::path::PathBuf| -> usize {
        fn walk(d: &std::path::Path) -> usize {
            std::fs::read_dir(d)
                .map(|rd| {
                    rd.flatten()
                        .map(|e| {
                            if e.path().is_dir() {
                                walk(&e.path())
                            } else {
                                1
                            }
                        })
                        .sum()
                })
                .unwrap_or(0)
        }
        walk(&dir)
    };
    let data = app.db.data_dir();
    (
        rows,
        count(data.join("media/originals")),
        count(data.join("tmp")),
    )
}
