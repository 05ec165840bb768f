//! Saving without losing anything: autosave never touches the saved version, a stale save is
//! refused with both texts on the page, revisions are kept, compared and restored, and the
//! editor shows who else has the article open.

use super::*;

async fn autosave(
    app: &TestApp,
    b: &Browser,
    id: &str,
    revision: i64,
    body: &str,
) -> (u16, serde_json::Value) {
    let (_, page) = b.get(app, &format!("/newsroom/articles/{id}")).await;
    let csrf = csrf_of(&page);
    let draft = serde_json::json!({ "headline": "Ferry timetable changes", "body": body, "section": "city" });
    let res = b
        .client
        .post(app.url(&format!("/newsroom/articles/{id}/autosave")))
        .header("x-csrf-token", csrf)
        .json(&serde_json::json!({ "revision": revision, "draft": draft }))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

#[tokio::test]
async fn autosave_keeps_unsaved_work_apart_and_shows_who_else_is_editing() {
    let app = newsroom_app().await;
    let ana = staff(&app, Role::Author).await;
    let ed = staff(&app, Role::Editor).await;
    let id = create(&app, &ana, &[]).await;
    let (status, reply) = autosave(&app, &ana, &id, 1, "Typed but not saved").await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["stale"], false);
    // The saved version is untouched.
    let saved = app.db.store.editor_article(&id).await.unwrap().unwrap();
    assert_eq!(saved.revision, 1);
    assert!(saved.draft.body.starts_with("The ferry will sail"));
    // The author is offered their unsaved work; the editor sees the author has it open.
    let (_, page) = ana.get(&app, &format!("/newsroom/articles/{id}")).await;
    assert!(page.contains("You have unsaved changes from"), "{page}");
    let (_, page) = ana
        .get(&app, &format!("/newsroom/articles/{id}?autosaved=1"))
        .await;
    assert!(page.contains("Typed but not saved"));
    let (_, page) = ed.get(&app, &format!("/newsroom/articles/{id}")).await;
    assert!(
        page.contains("Also open by: author@tribune.example"),
        "{page}"
    );
    assert!(
        !page.contains("Typed but not saved"),
        "autosaves are per author"
    );
    let (_, reply) = autosave(&app, &ana, &id, 1, "Typed again").await;
    assert_eq!(reply["others"][0], "editor@tribune.example");
    // At most one snapshot every ten minutes: the create's revision is newer than that, so
    // these autosaves took none.
    let kinds: Vec<String> = app
        .db
        .store
        .revisions(&id)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.kind)
        .collect();
    assert_eq!(kinds, ["create"]);
    // Saving spends the autosave.
    assert_eq!(
        save(&app, &ana, &id, &[("body", "Typed again")])
            .await
            .status(),
        303
    );
    assert!(
        app.db
            .store
            .my_autosave(
                &id,
                &app.db
                    .store
                    .newsroom_staff("author@tribune.example")
                    .await
                    .unwrap()
                    .unwrap()
                    .id
            )
            .await
            .unwrap()
            .is_none()
    );
    // Refusals are JSON with a precise status.
    let res = ana
        .client
        .post(app.url(&format!("/newsroom/articles/{id}/autosave")))
        .json(&serde_json::json!({"revision": 1, "draft": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(
        res.json::<serde_json::Value>().await.unwrap()["error"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
    let (_, page) = ana.get(&app, &format!("/newsroom/articles/{id}")).await;
    let res = ana
        .client
        .post(app.url(&format!("/newsroom/articles/{id}/autosave")))
        .header("x-csrf-token", csrf_of(&page))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let res = ana
        .client
        .post(app.url("/newsroom/articles/no-such-article/autosave"))
        .header("x-csrf-token", csrf_of(&page))
        .json(&serde_json::json!({"revision": 1, "draft": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    app.stop().await;
}

#[tokio::test]
async fn the_second_of_two_saves_from_one_revision_is_refused_with_both_texts_kept() {
    let app = newsroom_app().await;
    let ed = staff(&app, Role::Editor).await;
    let other = app.staff("second@tribune.example", Role::Editor).await;
    let id = create(&app, &ed, &[]).await;
    let path = format!("/newsroom/articles/{id}");
    // Both load revision 1.
    let (_, first) = ed.get(&app, &path).await;
    let (_, second) = other.get(&app, &path).await;
    let post = |b: &Browser, page: &str, body: &str| {
        let mut f = fields(&[("body", body)]);
        let csrf = csrf_of(page);
        let rev = hidden(page, "revision");
        let f2: Vec<(String, String)> = f
            .drain(..)
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .chain([("csrf".to_owned(), csrf), ("revision".to_owned(), rev)])
            .collect();
        b.client.post(app.url(&path)).form(&f2).send()
    };
    let res = post(&ed, &first, "First editor's words").await.unwrap();
    assert_eq!(res.status(), 303);
    let res = post(&other, &second, "Second editor's words")
        .await
        .unwrap();
    let (status, page) = body_of(res).await;
    assert_eq!(status, 409);
    assert!(page.contains("Someone else saved this article first"));
    assert!(
        page.contains("Second editor&#39;s words"),
        "mine in the form"
    );
    assert!(
        page.contains("First editor&#39;s words"),
        "theirs beside it"
    );
    assert!(page.contains("diff-added") && page.contains("diff-removed"));
    assert_eq!(
        hidden(&page, "revision"),
        "2",
        "saving again is a deliberate overwrite"
    );
    let saved = app.db.store.editor_article(&id).await.unwrap().unwrap();
    assert_eq!(saved.draft.body, "First editor's words");
    // Saving again from the conflict page wins.
    let res = post(&other, &page, "Second editor's words").await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        app.db
            .store
            .editor_article(&id)
            .await
            .unwrap()
            .unwrap()
            .revision,
        3
    );
    // A form with no revision at all is refused.
    let (_, page) = ed.get(&app, &path).await;
    let res = ed
        .client
        .post(app.url(&path))
        .form(&[
            ("csrf", csrf_of(&page).as_str()),
            ("headline", "x"),
            ("section", "city"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    app.stop().await;
}

#[tokio::test]
async fn revisions_are_kept_compared_and_restored() {
    let app = newsroom_app().await;
    let ed = staff(&app, Role::Editor).await;
    let id = create(&app, &ed, &[("body", "Version one")]).await;
    assert_eq!(
        save(&app, &ed, &id, &[("action", "publish")])
            .await
            .status(),
        303
    );
    for n in 2..=55 {
        let body = format!("Version {n}");
        assert_eq!(
            save(
                &app,
                &ed,
                &id,
                &[("body", body.as_str()), ("action", "unpublish")]
            )
            .await
            .status(),
            303
        );
    }
    let revs = app.db.store.revisions(&id).await.unwrap();
    // Every live version kept (the publish), and the 50 newest drafts.
    assert_eq!(revs.iter().filter(|r| r.live).count(), 1);
    assert_eq!(revs.iter().filter(|r| !r.live).count(), 50);
    assert!(
        revs.iter()
            .any(|r| r.kind == "publish" && r.draft.body == "Version one")
    );
    let (status, page) = ed
        .get(&app, &format!("/newsroom/articles/{id}/revisions"))
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("publish (live)"));
    let publish = revs.iter().find(|r| r.kind == "publish").unwrap();
    let (_, diff) = ed
        .get(
            &app,
            &format!(
                "/newsroom/articles/{id}/diff?from={}&to={}",
                publish.id, revs[0].id
            ),
        )
        .await;
    assert!(
        diff.contains("- Version one") && diff.contains("+ Version 55"),
        "{diff}"
    );
    let (status, _) = ed
        .get(
            &app,
            &format!("/newsroom/articles/{id}/diff?from=nope&to=current"),
        )
        .await;
    assert_eq!(status, 400);
    // Restoring loads the old text; only saving makes it current.
    let (_, page) = ed
        .get(
            &app,
            &format!("/newsroom/articles/{id}?restore={}", publish.id),
        )
        .await;
    assert!(page.contains(">Version one</textarea>"), "{page}");
    assert!(page.contains("Nothing has changed yet"));
    assert_eq!(
        app.db
            .store
            .editor_article(&id)
            .await
            .unwrap()
            .unwrap()
            .draft
            .body,
        "Version 55"
    );
    assert_eq!(
        save(&app, &ed, &id, &[("body", "Version one")])
            .await
            .status(),
        303
    );
    assert_eq!(
        app.db
            .store
            .editor_article(&id)
            .await
            .unwrap()
            .unwrap()
            .draft
            .body,
        "Version one"
    );
    app.stop().await;
}
