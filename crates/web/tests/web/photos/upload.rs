//! The upload: each format, the limits (1 MiB elsewhere, 40 MB here, 50 megapixels from the
//! header), bad files, duplicates and a body cut short.

use masthead_core::Role;

use super::*;
use crate::common::spawn_app;

#[tokio::test]
async fn jpeg_png_and_webp_uploads_enter_the_library_and_avif_is_refused_with_a_reason() {
    let app = spawn_app().await;
    let b = app.staff("desk@example.com", Role::Contributor).await;
    for (name, mime, format) in [
        ("a.jpg", "image/jpeg", image::ImageFormat::Jpeg),
        ("b.png", "image/png", image::ImageFormat::Png),
        ("c.webp", "image/webp", image::ImageFormat::WebP),
    ] {
        let res = upload(&app, &b, name, mime, &encode(700, 400, format)).await;
        assert_eq!(res.status(), 303, "{name}: {}", res.text().await.unwrap());
        let (id, notice) = uploaded(&res);
        assert_eq!(notice, "uploaded");
        let photo = app.db.store.library_photo(&id).await.unwrap().unwrap();
        assert_eq!((photo.width, photo.height), (700, 400), "{name}");
        let (status, html) = b
            .get(&app, &format!("/newsroom/photos/{id}?notice=uploaded"))
            .await;
        assert_eq!(status, 200);
        assert!(html.contains("Uploaded."), "{html}");
    }
    // An AVIF file (its header: an ftyp box with the avif brand).
    let avif = b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf\0\0\0\0".to_vec();
    let res = upload(&app, &b, "d.avif", "image/avif", &avif).await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("AVIF"));
    app.run_due_jobs().await;
    app.stop().await;
}

#[tokio::test]
async fn only_the_upload_route_takes_more_than_one_mebibyte() {
    let app = spawn_app().await;
    let b = app.staff("desk@example.com", Role::Editor).await;
    // A noisy PNG of ~3 MB: accepted by the upload route.
    let big = {
        let img = image::RgbImage::from_fn(1000, 1000, |x, y| {
            let v = (x.wrapping_mul(2654435761) ^ y.wrapping_mul(40503)) as u8;
            image::Rgb([v, v.wrapping_mul(7), v.wrapping_mul(13)])
        });
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    };
    assert!(big.len() > 2 * 1024 * 1024, "{}", big.len());
    let res = upload(&app, &b, "big.png", "image/png", &big).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    // The same size to any other route: 413.
    let csrf = upload_csrf(&app, &b).await;
    let padding = "x".repeat(big.len());
    let res = b
        .client
        .post(app.url("/newsroom/articles"))
        .form(&[("csrf", csrf.as_str()), ("headline", padding.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    app.run_due_jobs().await;
    app.stop().await;
}

#[tokio::test]
async fn the_byte_and_pixel_limits_are_checked_before_decoding() {
    let app = crate::common::spawn_app_with(|c| c.photos.limits.max_bytes = 200_000).await;
    let b = app.staff("desk@example.com", Role::Author).await;
    // 60 megapixels announced by a file of a hundred bytes.
    let bomb = png_header_only(10_000, 6_000);
    assert!(bomb.len() < 100);
    let res = upload(&app, &b, "bomb.png", "image/png", &bomb).await;
    assert_eq!(res.status(), 400);
    let html = res.text().await.unwrap();
    assert!(html.contains("10000×6000 pixels"), "{html}");
    assert!(html.contains("megapixel limit"), "{html}");
    // More bytes than the (lowered) limit.
    let res = upload(&app, &b, "big.jpg", "image/jpeg", &vec![0xFF; 300_000]).await;
    assert_eq!(res.status(), 413);
    let html = res.text().await.unwrap();
    assert!(html.contains("MB limit"), "{html}");
    assert_eq!(leftovers(&app).await, (0, 0, 0));
    app.stop().await;
}

#[tokio::test]
async fn an_empty_file_a_liar_and_no_file_get_a_message_and_leave_nothing() {
    let app = spawn_app().await;
    let b = app.staff("desk@example.com", Role::Contributor).await;
    let res = upload(&app, &b, "empty.jpg", "image/jpeg", b"").await;
    assert_eq!(res.status(), 400);
    let html = res.text().await.unwrap();
    assert!(html.contains("The file is empty (0 bytes)"), "{html}");
    assert!(
        html.contains("aria-invalid=\"true\""),
        "the field is marked"
    );
    let res = upload(
        &app,
        &b,
        "photo.jpg",
        "image/jpeg",
        b"Dear editor, this is not a photo.\n",
    )
    .await;
    assert_eq!(res.status(), 400);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("not a photo Masthead can read")
    );
    let truncated = &jpeg(800, 600)[..2000];
    let res = upload(&app, &b, "cut.jpg", "image/jpeg", truncated).await;
    assert_eq!(res.status(), 400, "a truncated JPEG");
    // A form with no file field at all.
    let csrf = upload_csrf(&app, &b).await;
    let body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{BOUNDARY}--\r\n"
    );
    let res = b
        .client
        .post(app.url("/newsroom/photos/upload"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("No photo was chosen"));
    assert_eq!(leftovers(&app).await, (0, 0, 0));
    app.stop().await;
}

#[tokio::test]
async fn the_same_file_uploaded_twice_is_stored_once() {
    let app = spawn_app().await;
    let b = app.staff("desk@example.com", Role::Contributor).await;
    let bytes = jpeg(640, 480);
    let first = upload(&app, &b, "one.jpg", "image/jpeg", &bytes).await;
    let second = upload(&app, &b, "again.jpg", "image/jpeg", &bytes).await;
    let (id1, n1) = uploaded(&first);
    let (id2, n2) = uploaded(&second);
    assert_eq!(
        (id1.as_str(), n1.as_str(), n2.as_str()),
        (id2.as_str(), "uploaded", "duplicate")
    );
    assert_eq!(leftovers(&app).await, (1, 1, 0));
    let (_, html) = b
        .get(&app, &format!("/newsroom/photos/{id2}?notice=duplicate"))
        .await;
    assert!(html.contains("already in the library"));
    app.run_due_jobs().await;
    app.stop().await;
}

#[tokio::test]
async fn an_upload_cut_short_leaves_no_row_and_no_file() {
    let app = spawn_app().await;
    let b = app.staff("desk@example.com", Role::Contributor).await;
    let csrf = upload_csrf(&app, &b).await;
    let body = multipart(Some(&csrf), "photo.jpg", "image/jpeg", &jpeg(1200, 900));
    // The session and CSRF cookies the browser holds, sent by hand on a raw connection.
    let cookies = b.cookie_header(&app);
    // Tokio's socket: a blocking one would stall the runtime the app under test runs on.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let head = format!(
        "POST /newsroom/photos/upload HTTP/1.1\r\nHost: {}\r\nCookie: {cookies}\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {}\r\n\r\n",
        app.addr,
        body.len()
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    tcp.write_all(&body[..body.len() / 2]).await.unwrap();
    tcp.flush().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    tcp.shutdown().await.unwrap();
    let mut answer = String::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        tcp.read_to_string(&mut answer),
    )
    .await;
    // Whatever the server answered (or not), nothing of the upload is kept.
    for _ in 0..50 {
        if leftovers(&app).await == (0, 0, 0) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(leftovers(&app).await, (0, 0, 0), "{answer}");
    app.stop().await;
}

#[tokio::test]
async fn an_upload_without_its_token_is_refused_before_the_file_is_read() {
    let app = spawn_app().await;
    let b = app.staff("desk@example.com", Role::Editor).await;
    let _ = upload_csrf(&app, &b).await;
    for csrf in [None, Some("forged")] {
        let res = b
            .client
            .post(app.url("/newsroom/photos/upload"))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(multipart(csrf, "a.jpg", "image/jpeg", &jpeg(100, 100)))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "{csrf:?}");
    }
    assert_eq!(leftovers(&app).await, (0, 0, 0));
    // Signed out: to the sign-in page, nothing kept.
    let res = app
        .client
        .post(app.url("/newsroom/photos/upload"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(multipart(Some("x"), "a.jpg", "image/jpeg", &jpeg(100, 100)))
        .send()
        .await
        .unwrap();
    assert!(
        res.status().is_redirection() || res.status() == 403,
        "{}",
        res.status()
    );
    assert_eq!(leftovers(&app).await, (0, 0, 0));
    app.stop().await;
}
