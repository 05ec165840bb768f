//! Variants: what the job makes, how `/media` serves it, that no EXIF (GPS included) reaches
//! readers, the pages' `<picture>`, and the job resuming after a crash.

use masthead_core::Role;

use super::*;
use crate::{
    common::spawn_app,
    newsroom::{create, save},
};

/// Uploads `bytes`, describes the photo, makes it the lead photo of a new article, publishes
/// it and runs the jobs. Returns (photo id, the article's path).
async fn published_with(app: &TestApp, b: &Browser, bytes: &[u8]) -> (String, String) {
    let res = upload(app, b, "lead.jpg", "image/jpeg", bytes).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let (photo, _) = uploaded(&res);
    let res = b
        .submit(
            app,
            "/newsroom/photos/new",
            &format!("/newsroom/photos/{photo}"),
            &[
                ("alt", "Cranes over the harbour"),
                ("caption", "Quay 4"),
                ("credit", "AP Photo/Jane Doe"),
                ("focal_x", "50"),
                ("focal_y", "50"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let article = create(
        app,
        b,
        &[("headline", "Cranes at dawn"), ("slug", "cranes-at-dawn")],
    )
    .await;
    let res = b
        .submit(
            app,
            "/newsroom/photos/new",
            &format!("/newsroom/articles/{article}/lead-photo"),
            &[("photo_id", &photo)],
        )
        .await;
    assert_eq!(res.status(), 303);
    let res = save(app, b, &article, &[("action", "publish")]).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    (photo, "/city/cranes-at-dawn".to_owned())
}

#[tokio::test]
async fn variants_are_made_at_the_widths_served_immutable_and_carry_no_exif() {
    let app = spawn_app().await;
    let b = app.staff("desk@example.com", Role::Editor).await;
    let bytes = jpeg_with_gps(1400, 1000, "Harbour at dawn", "GPSMARKER-WGS84");
    let res = upload(&app, &b, "gps.jpg", "image/jpeg", &bytes).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let (id, _) = uploaded(&res);
    let photo = app.db.store.library_photo(&id).await.unwrap().unwrap();
    assert_eq!(
        photo.caption, "Harbour at dawn",
        "the EXIF description prefills the caption"
    );
    app.run_due_jobs().await;
    let variants = app
        .db
        .store
        .variants_of(&[photo.file.as_str()])
        .await
        .unwrap();
    let full: Vec<(i64, &str)> = variants
        .iter()
        .filter(|v| v.aspect.is_empty())
        .map(|v| (v.width, v.format.as_str()))
        .collect();
    for w in [320, 640, 960, 1280] {
        assert!(
            full.contains(&(w, "webp")) && full.contains(&(w, "jpeg")),
            "{w}: {full:?}, jobs: {:?}",
            masthead_store::testing::jobs(&app.db.store).await
        );
    }
    assert!(
        !full.iter().any(|(w, _)| *w > 1400),
        "never wider than the original"
    );
    assert!(
        variants
            .iter()
            .any(|v| v.aspect == "16:9" && v.width == 1200),
        "the social image"
    );
    for v in &variants {
        let res = app.get(&format!("/media/{}", v.media_key)).await;
        assert_eq!(res.status(), 200, "{}", v.media_key);
        let h = res.headers().clone();
        assert_eq!(h["cache-control"], "public, max-age=31536000, immutable");
        let want = if v.format == "webp" {
            "image/webp"
        } else {
            "image/jpeg"
        };
        assert_eq!(h["content-type"], want);
        let etag = h["etag"].to_str().unwrap().to_owned();
        let body = res.bytes().await.unwrap();
        let decoded = image::load_from_memory(&body).unwrap();
        assert_eq!(
            (i64::from(decoded.width()), i64::from(decoded.height())),
            (v.width, v.height)
        );
        let seen = |needle: &[u8]| body.windows(needle.len()).any(|w| w == needle);
        assert!(!seen(b"GPSMARKER"), "GPS data in {}", v.media_key);
        assert!(!seen(b"Exif"), "EXIF in {}", v.media_key);
        let again = app
            .client
            .get(app.url(&format!("/media/{}", v.media_key)))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304);
    }
    // The original (with its GPS) is never served.
    assert_eq!(
        app.get(&format!("/media/{}", photo.file)).await.status(),
        404
    );
    assert_eq!(app.get("/media/../masthead.db").await.status(), 404);
    app.stop().await;
}

#[tokio::test]
async fn pages_carry_a_picture_with_srcset_widths_and_modern_sources() {
    let app = spawn_app().await;
    let b = app.staff("desk@example.com", Role::Editor).await;
    let (_, path) = published_with(&app, &b, &jpeg(2400, 1600)).await;
    // Before its variants: no picture of an upload (its original is never served).
    let (status, html) = app.text(&path).await;
    assert_eq!(status, 200);
    assert!(!html.contains("/media/originals/"), "{html}");
    app.run_due_jobs().await;
    app.state.refresh_content_epoch().await.unwrap();
    let (_, html) = app.text(&path).await;
    let lead = html
        .split("<figure class=\"lead-photo\">")
        .nth(1)
        .expect("the lead photo")
        .split("</figure>")
        .next()
        .unwrap();
    assert!(
        lead.contains("<source type=\"image/webp\" srcset=\""),
        "{lead}"
    );
    for w in ["320w", "640w", "960w", "1280w", "1600w", "2048w"] {
        assert!(lead.contains(w), "{w}: {lead}");
    }
    assert!(lead.contains("sizes=\""));
    assert!(lead.contains("fetchpriority=\"high\""));
    assert!(
        lead.contains("width=\"1280\" height=\"85"),
        "no layout shift: {lead}"
    );
    assert!(lead.contains("alt=\"Cranes over the harbour\""));
    assert!(
        html.contains("<meta property=\"og:image:width\" content=\"1200\">"),
        "og:image from the 16:9 crop"
    );
    assert!(html.contains("<meta property=\"og:image:height\" content=\"675\">"));
    // JSON-LD lists the crops.
    let ld = html
        .split("application/ld+json\">")
        .nth(1)
        .unwrap()
        .split("</script>")
        .next()
        .unwrap();
    assert!(ld.matches("\"ImageObject\"").count() >= 3, "{ld}");
    // The front page's card: lazy, with a modern source.
    let (_, front) = app.text("/").await;
    let card = front.split("Cranes at dawn").next().unwrap();
    assert!(front.contains("type=\"image/webp\""), "{card}");
    app.stop().await;
}

#[tokio::test]
async fn the_variants_job_remakes_only_what_a_crash_lost() {
    let app = spawn_app().await;
    let b = app.staff("desk@example.com", Role::Editor).await;
    let id = upload_jpeg(&app, &b, 1000, 700).await;
    app.run_due_jobs().await;
    let file = app.db.store.library_photo(&id).await.unwrap().unwrap().file;
    let before = app.db.store.variants_of(&[file.as_str()]).await.unwrap();
    assert!(
        before.len() > 6,
        "{before:?}, jobs: {:?}",
        masthead_store::testing::jobs(&app.db.store).await
    );
    // A crash lost one variant's file; another's row was never written.
    let media = masthead_store::photos::MediaStore::new(
        Default::default(),
        app.db.store.clone(),
        &app.db.data_dir(),
    );
    let lost_file = &before[0];
    let lost_row = &before[1];
    media.remove(&lost_file.media_key).await.unwrap();
    app.db
        .store
        .forget_variant(&lost_row.media_key)
        .await
        .unwrap();
    let env = masthead_web::photos_media_env(&app.state.config, &app.db.store);
    let made = masthead_jobs::photo_variants::make_missing_variants(&app.db.store, &env, &file)
        .await
        .unwrap();
    assert_eq!(made.variants, 2, "the two lost ones, nothing else");
    let after = app.db.store.variants_of(&[file.as_str()]).await.unwrap();
    assert_eq!(after, before, "the same variants, under the same names");
    assert!(media.contains(&lost_file.media_key).await.unwrap());
    let again = masthead_jobs::photo_variants::make_missing_variants(&app.db.store, &env, &file)
        .await
        .unwrap();
    assert_eq!(again.variants, 0, "idempotent");
    app.stop().await;
}

#[tokio::test]
async fn imported_photos_show_their_file_until_their_variants_exist_and_get_them_from_rebuild() {
    // Lead and inline photos alike.
    let app = spawn_app().await;
    let (_, html) = app.text(crate::newsroom::HARBOUR_PATH).await;
    assert!(
        html.contains("<img src=\"/media/"),
        "the imported file, as before"
    );
    let originals = app.db.store.originals_without_variants().await.unwrap();
    assert_eq!(originals.len(), 2, "the crane and the cab");
    let env = masthead_web::photos_media_env(&app.state.config, &app.db.store);
    for o in &originals {
        masthead_jobs::photo_variants::make_missing_variants(&app.db.store, &env, o)
            .await
            .unwrap();
    }
    assert!(
        app.db
            .store
            .originals_without_variants()
            .await
            .unwrap()
            .is_empty()
    );
    app.state.refresh_content_epoch().await.unwrap();
    let (_, html) = app.text(crate::newsroom::HARBOUR_PATH).await;
    let lead = html
        .split("<figure class=\"lead-photo\">")
        .nth(1)
        .unwrap()
        .split("</figure>")
        .next()
        .unwrap();
    assert!(
        lead.contains("/media/v/"),
        "the variants replace the file on the cached page: {lead}"
    );
    // The body's inline photo (the cab) too: a picture, lazy, with its caption kept.
    let inline = html
        .split("<figure class=\"inline-photo\">")
        .nth(1)
        .expect("the inline photo")
        .split("</figure>")
        .next()
        .unwrap();
    assert!(
        inline.starts_with("<picture><source type=\"image/webp\" srcset=\"/media/v/"),
        "{inline}"
    );
    assert!(
        inline.contains("loading=\"lazy\" decoding=\"async\"></picture>"),
        "{inline}"
    );
    assert!(inline.contains("Port Aldine Press Agency"), "{inline}");
    app.stop().await;
}
