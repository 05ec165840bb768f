//! `POST /api/v1/admin/photos`: the newsroom's upload through the Admin API. A writing key
//! uploads (201, then 200 `duplicate` for the same bytes), the photo gets its variants and an
//! audit entry under the key's name; a key that does not write, a body that is not an image,
//! a file that is not a photo and one past the byte limit each get their JSON error and leave
//! nothing behind.

use reqwest::Method;

use super::*;

fn upload(
    app: &TestApp,
    token: &str,
    content_type: &str,
    body: Vec<u8>,
) -> reqwest::RequestBuilder {
    with_key(app, Method::POST, "/api/v1/admin/photos", token)
        .header("content-type", content_type)
        .body(body)
}

#[tokio::test]
async fn a_writing_key_uploads_a_photo_once_and_it_gets_its_variants() {
    let app = spawn_app().await;
    let token = key(&app, Role::Contributor).await;
    let jpeg = crate::photos::jpeg_with_gps(900, 600, "Harbour at dawn", "SECRET-DATUM");
    let res = upload(&app, &token, "image/jpeg", jpeg.clone())
        .send()
        .await
        .unwrap();
    let (status, body) = json_of(res).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["width"], 900);
    assert_eq!(body["height"], 600);
    assert_eq!(body["duplicate"], false);
    assert_eq!(body["caption"], "Harbour at dawn", "from the file's EXIF");
    let id = body["id"].as_str().unwrap().to_owned();
    assert!(
        body["newsroom_url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/newsroom/photos/{id}"))
    );
    let photo = app
        .db
        .store
        .library_photo(&id)
        .await
        .unwrap()
        .expect("in the library");
    assert_eq!(photo.original_bytes as usize, jpeg.len());
    // The variants job runs as for the form; no served file carries the GPS datum.
    app.run_due_jobs().await;
    let variants = app
        .db
        .store
        .variants_of(&[photo.file.as_str()])
        .await
        .unwrap();
    assert!(variants.len() > 6, "{variants:?}");
    let bytes = app
        .get(&format!("/media/{}", variants[0].media_key))
        .await
        .bytes()
        .await
        .unwrap();
    assert!(!bytes.windows(12).any(|w| w == b"SECRET-DATUM"));
    // Audited under the key's name.
    let audit = app
        .db
        .store
        .audit_entries(masthead_store::audit::AuditQuery {
            limit: 5,
            ..Default::default()
        })
        .await
        .unwrap();
    let entry = audit
        .iter()
        .find(|e| e.action == "photo.upload")
        .expect("audited");
    assert!(
        entry.actor_label.contains("contributor key"),
        "{}",
        entry.actor_label
    );
    // The same bytes again (as octet-stream): that photo, stored once.
    let res = upload(&app, &token, "application/octet-stream", jpeg)
        .send()
        .await
        .unwrap();
    let (status, body) = json_of(res).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["duplicate"], true);
    assert_eq!(body["id"], id.as_str());
    app.stop().await;
}

#[tokio::test]
async fn refused_uploads_get_a_json_error_and_leave_nothing() {
    let app = crate::common::spawn_app_with(|c| c.photos.limits.max_bytes = 200_000).await;
    let jpeg = crate::photos::jpeg(300, 200);
    // A key that does not write; no key.
    let moderator = key(&app, Role::Moderator).await;
    let (status, body) = json_of(
        upload(&app, &moderator, "image/jpeg", jpeg.clone())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["code"], "forbidden");
    let res = app
        .client
        .post(app.url("/api/v1/admin/photos"))
        .header("content-type", "image/jpeg")
        .body(jpeg.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let token = key(&app, Role::Author).await;
    // Not an image type.
    let (status, body) = json_of(
        upload(&app, &token, "text/plain", b"hello".to_vec())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 415, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("image/jpeg")
    );
    // Empty; a liar (text called a JPEG); a truncated JPEG: 422 naming why.
    let (status, body) = json_of(
        upload(&app, &token, "image/jpeg", Vec::new())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["field"], "body");
    let (status, body) = json_of(
        upload(&app, &token, "image/jpeg", b"not a photo at all".to_vec())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let cut = jpeg[..jpeg.len() / 2].to_vec();
    let (status, body) = json_of(
        upload(&app, &token, "image/jpeg", cut)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(!body["error"]["message"].as_str().unwrap().is_empty());
    // Past the byte limit: 413, JSON.
    let big = crate::photos::jpeg(1600, 1200);
    assert!(big.len() > 200_000);
    let (status, body) = json_of(
        upload(&app, &token, "image/jpeg", big)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["error"]["code"], "too_large");
    let (rows, originals, tmp) = crate::photos::leftovers(&app).await;
    assert_eq!((rows, originals, tmp), (0, 0, 0), "nothing kept");
    app.stop().await;
}
