//! The library's pages: search and paging, roles, CSRF, edits with bad input, deletion, the
//! audit log, and the lead photo from the editor with the alt-text rule.

use masthead_core::Role;

use super::*;
use crate::{
    common::{browser::location, spawn_app},
    newsroom::{create, save},
};

/// Submits the photo's edit form as `b`, with `over` changing fields.
async fn edit(app: &TestApp, b: &Browser, id: &str, over: &[(&str, &str)]) -> reqwest::Response {
    let mut fields: Vec<(&str, &str)> = vec![
        ("alt", "A crane lifts a hull section"),
        ("caption", "Quay 4 at dawn"),
        ("credit", ""),
        ("photographer", "Ana Ribeiro"),
        ("agency", "Courier"),
        ("licence", "Staff photo, all uses"),
        ("focal_x", "50"),
        ("focal_y", "50"),
        ("crop_16x9", ""),
        ("crop_4x3", ""),
        ("crop_1x1", ""),
    ];
    for (k, v) in over {
        match fields.iter_mut().find(|(n, _)| n == k) {
            Some(slot) => slot.1 = v,
            None => fields.push((k, v)),
        }
    }
    let page = format!("/newsroom/photos/{id}");
    // The form is on the photo's page for those who may change it; the token is the browser's.
    let (_, html) = b.get(app, "/newsroom/photos/new").await;
    let csrf = csrf_of(&html);
    let mut body = vec![("csrf", csrf.as_str())];
    body.extend(fields);
    b.client
        .post(app.url(&page))
        .form(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_library_is_searched_by_caption_and_credit_and_paged() {
    let app = spawn_app().await;
    let b = app.staff("desk@example.com", Role::Editor).await;
    let harbour = upload_jpeg(&app, &b, 400, 300).await;
    let mayor = upload_jpeg(&app, &b, 401, 300).await;
    assert_eq!(
        edit(
            &app,
            &b,
            &harbour,
            &[("caption", "Cranes at Quay 4"), ("credit", "SAUL LOEB/AFP")]
        )
        .await
        .status(),
        303
    );
    assert_eq!(
        edit(&app, &b, &mayor, &[("caption", "The mayor speaks")])
            .await
            .status(),
        303
    );
    let (status, html) = b.get(&app, "/newsroom/photos?q=afp").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Cranes at Quay 4") && !html.contains("The mayor speaks"),
        "{html}"
    );
    let (_, html) = b.get(&app, "/newsroom/photos?q=ribeiro").await;
    assert!(
        html.contains("The mayor speaks"),
        "the credit made of photographer and agency"
    );
    let (_, html) = b.get(&app, "/newsroom/photos?page=999").await;
    assert!(html.contains("No photos"));
    let (status, _) = b.get(&app, "/newsroom/photos?page=-3&q=%25%25").await;
    assert_eq!(status, 200, "odd input is not an error");
    app.run_due_jobs().await;
    let (_, html) = b.get(&app, "/newsroom/photos").await;
    assert!(
        html.contains("/media/v/"),
        "thumbnails once the variants exist: {html}"
    );
    app.stop().await;
}

#[tokio::test]
async fn who_may_upload_change_and_delete() {
    let app = spawn_app().await;
    let moderator = app.staff("mod@example.com", Role::Moderator).await;
    let (status, _) = moderator.get(&app, "/newsroom/photos").await;
    assert_eq!(status, 403, "moderators have no photo pages");
    let (status, _) = moderator.get(&app, "/newsroom/photos/new").await;
    assert_eq!(status, 403);
    let alice = app.staff("alice@example.com", Role::Contributor).await;
    let bob = app.staff("bob@example.com", Role::Contributor).await;
    let editor = app.staff("ed@example.com", Role::Editor).await;
    let id = upload_jpeg(&app, &alice, 300, 200).await;
    assert_eq!(
        edit(&app, &alice, &id, &[]).await.status(),
        303,
        "the uploader"
    );
    assert_eq!(
        edit(&app, &bob, &id, &[("alt", "vandal")]).await.status(),
        403,
        "another contributor"
    );
    let (_, html) = bob.get(&app, &format!("/newsroom/photos/{id}")).await;
    assert!(html.contains("changed by whoever uploaded it and by editors"));
    assert_eq!(
        edit(&app, &editor, &id, &[("alt", "Edited by the desk")])
            .await
            .status(),
        303,
        "an editor"
    );
    assert_eq!(
        app.db.store.library_photo(&id).await.unwrap().unwrap().alt,
        "Edited by the desk"
    );
    let res = bob
        .submit(
            &app,
            "/newsroom/photos/new",
            &format!("/newsroom/photos/{id}/delete"),
            &[],
        )
        .await;
    assert_eq!(res.status(), 403);
    let res = alice
        .submit(
            &app,
            "/newsroom/photos/new",
            &format!("/newsroom/photos/{id}/delete"),
            &[],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert!(app.db.store.library_photo(&id).await.unwrap().is_none());
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE target_kind = 'photo' ORDER BY at, id",
    )
    .fetch_all(app.db.store.reader())
    .await
    .unwrap();
    assert_eq!(
        actions,
        ["photo.upload", "photo.edit", "photo.edit", "photo.delete"]
    );
    app.run_due_jobs().await;
    app.stop().await;
}

#[tokio::test]
async fn an_edit_without_its_token_changes_nothing_and_bad_fields_keep_the_input() {
    let app = spawn_app().await;
    let b = app.staff("desk@example.com", Role::Author).await;
    let id = upload_jpeg(&app, &b, 1600, 1200).await;
    let res = b
        .client
        .post(app.url(&format!("/newsroom/photos/{id}")))
        .form(&[("alt", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = edit(
        &app,
        &b,
        &id,
        &[
            ("focal_x", "120"),
            ("crop_16x9", "0,0,1200,1200"),
            ("caption", "Kept as typed"),
        ],
    )
    .await;
    assert_eq!(res.status(), 400);
    let html = res.text().await.unwrap();
    assert!(html.contains("from 0 (the left edge) to 100"), "{html}");
    assert!(html.contains("which is not 16:9"), "{html}");
    assert!(html.contains("Kept as typed"), "the input is kept");
    assert_eq!(
        app.db.store.library_photo(&id).await.unwrap().unwrap().alt,
        ""
    );
    let res = edit(
        &app,
        &b,
        &id,
        &[("crop_16x9", "0,0,1600,900"), ("focal_x", "25")],
    )
    .await;
    assert_eq!(res.status(), 303);
    let p = app.db.store.library_photo(&id).await.unwrap().unwrap();
    assert_eq!(
        (p.crop_16x9.as_deref(), p.focal_x, p.credit.as_str()),
        (Some("0,0,1600,900"), 250, "Ana Ribeiro/Courier")
    );
    app.run_due_jobs().await;
    app.stop().await;
}

#[tokio::test]
async fn alt_text_cannot_be_cleared_while_a_published_or_scheduled_article_shows_the_photo() {
    let app = spawn_app().await;
    let editor = app.staff("ed@example.com", Role::Editor).await;
    let photo = upload_jpeg(&app, &editor, 800, 600).await;
    assert_eq!(edit(&app, &editor, &photo, &[]).await.status(), 303);
    // Not shown anywhere yet: the alt text may be cleared and written again.
    assert_eq!(
        edit(&app, &editor, &photo, &[("alt", "")]).await.status(),
        303
    );
    assert_eq!(edit(&app, &editor, &photo, &[]).await.status(), 303);
    let article = create(&app, &editor, &[]).await;
    let res = editor
        .submit(
            &app,
            &format!("/newsroom/photos?for={article}"),
            &format!("/newsroom/articles/{article}/lead-photo"),
            &[("photo_id", &photo)],
        )
        .await;
    assert_eq!(res.status(), 303);
    let res = save(
        &app,
        &editor,
        &article,
        &[("action", "schedule"), ("schedule_at", "2099-01-01T10:00")],
    )
    .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let headline = app
        .db
        .store
        .editor_article(&article)
        .await
        .unwrap()
        .unwrap()
        .draft
        .headline;
    // Scheduled: clearing the alt text is refused, naming the article; the input is kept.
    let res = edit(
        &app,
        &editor,
        &photo,
        &[("alt", "  "), ("caption", "A new caption kept in the form")],
    )
    .await;
    assert_eq!(res.status(), 400);
    let html = res.text().await.unwrap();
    assert!(html.contains("Alt text is needed"), "{html}");
    assert!(html.contains(&headline), "names the article: {html}");
    assert!(html.contains("A new caption kept in the form"));
    let stored = app.db.store.library_photo(&photo).await.unwrap().unwrap();
    assert_eq!(stored.alt, "A crane lifts a hull section", "unchanged");
    assert_eq!(stored.caption, "Quay 4 at dawn", "nothing half-saved");
    // Marked decorative instead: allowed.
    assert_eq!(
        edit(&app, &editor, &photo, &[("alt", ""), ("decorative", "on")])
            .await
            .status(),
        303
    );
    // The scheduled article keeps its job for 2099.
    app.expect_jobs_left(1);
    app.stop().await;
}

#[tokio::test]
async fn an_article_whose_lead_photo_has_no_alt_text_cannot_be_published_or_scheduled() {
    let app = spawn_app().await;
    let editor = app.staff("ed@example.com", Role::Editor).await;
    let article = create(&app, &editor, &[]).await;
    let photo = upload_jpeg(&app, &editor, 800, 600).await;
    let res = editor
        .submit(
            &app,
            &format!("/newsroom/photos?for={article}"),
            &format!("/newsroom/articles/{article}/lead-photo"),
            &[("photo_id", &photo)],
        )
        .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    assert!(location(&res).ends_with("notice=photo"));
    let (_, html) = editor
        .get(&app, &format!("/newsroom/articles/{article}"))
        .await;
    assert!(html.contains("no alt text yet"), "{html}");
    for action in [("action", "publish")] {
        let res = save(&app, &editor, &article, &[action]).await;
        assert_eq!(res.status(), 400);
        let html = res.text().await.unwrap();
        assert!(html.contains("The lead photo has no alt text"), "{html}");
        assert!(html.contains("mark it decorative"));
    }
    let res = save(
        &app,
        &editor,
        &article,
        &[("action", "schedule"), ("schedule_at", "2099-01-01T10:00")],
    )
    .await;
    assert_eq!(res.status(), 400, "scheduling too");
    assert_eq!(
        app.db
            .store
            .editor_article(&article)
            .await
            .unwrap()
            .unwrap()
            .status
            .as_str(),
        "draft"
    );
    // Marked decorative: it may go.
    assert_eq!(
        edit(&app, &editor, &photo, &[("alt", ""), ("decorative", "on")])
            .await
            .status(),
        303
    );
    let res = save(&app, &editor, &article, &[("action", "publish")]).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    // A contributor may not set the lead photo of an article that is not theirs.
    let other = app.staff("c@example.com", Role::Contributor).await;
    let res = other
        .submit(
            &app,
            "/newsroom/photos",
            &format!("/newsroom/articles/{article}/lead-photo"),
            &[("photo_id", &photo)],
        )
        .await;
    assert_eq!(res.status(), 403);
    app.run_due_jobs().await;
    app.stop().await;
}
