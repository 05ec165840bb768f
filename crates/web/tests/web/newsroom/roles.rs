//! Each role against each article action, decided by `Role::may` and enforced on the server.

use super::*;

/// What a role may do: (create, edit own, edit other's, publish own, publish other's,
/// correct, preview own, preview other's).
fn expected(role: Role) -> [bool; 8] {
    match role {
        Role::Admin | Role::Editor => [true; 8],
        Role::Author => [true, true, false, true, false, false, true, false],
        Role::Contributor => [true, true, false, false, false, false, true, false],
        Role::Moderator => [false; 8],
    }
}

fn code(allowed: bool) -> u16 {
    if allowed { 303 } else { 403 }
}

#[tokio::test]
async fn each_role_against_each_article_action() {
    let app = newsroom_app().await;
    let chief = app.staff("chief@tribune.example", Role::Editor).await;
    for role in Role::ALL {
        let [
            create_ok,
            edit_own,
            edit_other,
            publish_own,
            publish_other,
            correct,
            preview_own,
            preview_other,
        ] = expected(role);
        let b = staff(&app, role).await;
        let r = role.as_str();
        // Another staff member's draft, and another's published article.
        let other_draft = create(
            &app,
            &chief,
            &[("headline", &format!("Chief draft for {r}"))],
        )
        .await;
        let other_live = create(
            &app,
            &chief,
            &[("headline", &format!("Chief story for {r}"))],
        )
        .await;
        assert_eq!(
            save(&app, &chief, &other_live, &[("action", "publish")])
                .await
                .status(),
            303
        );

        // The newsroom's pages.
        let (status, _) = b.get(&app, "/newsroom/articles").await;
        assert_eq!(status, if create_ok { 200 } else { 403 }, "{r} list");

        let res = b
            .submit(
                &app,
                "/newsroom/articles/new",
                "/newsroom/articles",
                &fields(&[("headline", &format!("Own story by {r}"))]),
            )
            .await;
        assert_eq!(res.status().as_u16(), code(create_ok), "{r} create");
        if create_ok {
            let own = article_id(&res);
            assert_eq!(
                save(&app, &b, &own, &[("standfirst", "Changed")])
                    .await
                    .status()
                    .as_u16(),
                code(edit_own),
                "{r} edit own"
            );
            let res = b
                .client
                .post(app.url(&format!("/newsroom/articles/{own}/preview-links")))
                .form(&[("csrf", csrf_for(&app, &b).await.as_str()), ("days", "2")])
                .send()
                .await
                .unwrap();
            assert_eq!(
                res.status().as_u16(),
                code(preview_own),
                "{r} preview link own"
            );
            let ahead = schedule_time();
            assert_eq!(
                save(
                    &app,
                    &b,
                    &own,
                    &[("action", "schedule"), ("schedule_at", &ahead)]
                )
                .await
                .status()
                .as_u16(),
                code(publish_own),
                "{r} schedule own"
            );
            assert_eq!(
                save(&app, &b, &own, &[("action", "publish")])
                    .await
                    .status()
                    .as_u16(),
                code(publish_own),
                "{r} publish own"
            );
            if publish_own {
                assert_eq!(
                    save(&app, &b, &own, &[("action", "unpublish")])
                        .await
                        .status()
                        .as_u16(),
                    303,
                    "{r} unpublish own"
                );
            }
        }
        let res = save(&app, &b, &other_draft, &[("standfirst", "Theirs changed")]).await;
        assert_eq!(res.status().as_u16(), code(edit_other), "{r} edit other's");
        let res = save(&app, &b, &other_draft, &[("action", "publish")]).await;
        assert_eq!(
            res.status().as_u16(),
            code(publish_other),
            "{r} publish other's"
        );
        let res = save(&app, &b, &other_live, &[("action", "unpublish")]).await;
        assert_eq!(
            res.status().as_u16(),
            code(publish_other),
            "{r} unpublish other's"
        );
        if publish_other {
            // Live again, for the correction.
            assert_eq!(
                save(&app, &chief, &other_live, &[("action", "publish")])
                    .await
                    .status(),
                303
            );
        }
        let csrf = csrf_for(&app, &b).await;
        let res = b
            .client
            .post(app.url(&format!("/newsroom/articles/{other_live}/corrections")))
            .form(&[
                ("csrf", csrf.as_str()),
                ("kind", "correction"),
                ("text", &format!("Fixed by {r}")),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), code(correct), "{r} correct");
        let res = b
            .client
            .post(app.url(&format!("/newsroom/articles/{other_draft}/preview-links")))
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status().as_u16(),
            code(preview_other),
            "{r} preview link other's"
        );
    }
    // Refusals changed nothing: the author's and contributor's attempts left no trace.
    let audit = app
        .db
        .store
        .audit_entries(masthead_store::audit::AuditQuery {
            limit: 500,
            ..Default::default()
        })
        .await
        .unwrap();
    for e in &audit {
        assert!(
            !(e.actor_label.starts_with("contributor@") && e.action == "article.publish"),
            "{e:?}"
        );
        assert!(!(e.actor_label.starts_with("moderator@")), "{e:?}");
    }
    assert!(
        audit
            .iter()
            .any(|e| e.actor_label == "author@tribune.example" && e.action == "article.publish")
    );
    app.expect_jobs_left(3);
    app.stop().await;
}

#[tokio::test]
async fn a_contributor_cannot_edit_their_article_once_live_nor_drop_themselves() {
    let app = newsroom_app().await;
    let c = staff(&app, Role::Contributor).await;
    let editor = staff(&app, Role::Editor).await;
    // Naming only someone else as author keeps the contributor on it too.
    let id = create(&app, &c, &[("authors", "ana-ribeiro")]).await;
    let a = app.db.store.editor_article(&id).await.unwrap().unwrap();
    assert_eq!(
        a.draft.authors.split(", ").count(),
        2,
        "{}",
        a.draft.authors
    );
    assert!(a.draft.authors.starts_with("ana-ribeiro"));
    assert_eq!(
        save(&app, &editor, &id, &[("action", "publish")])
            .await
            .status(),
        303
    );
    let res = save(&app, &c, &id, &[("headline", "Sneaky change")]).await;
    assert_eq!(res.status(), 403);
    let (_, page) = body_of(res).await;
    assert!(page.contains("This article is live"), "{page}");
    app.stop().await;
}

/// A local time tomorrow in the publication's zone, as a datetime-local field sends it.
pub fn schedule_time() -> String {
    let tz = jiff::tz::TimeZone::get("Europe/Lisbon").unwrap();
    let t = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(26);
    t.to_zoned(tz).strftime("%Y-%m-%dT%H:%M").to_string()
}

pub async fn csrf_for(app: &TestApp, b: &Browser) -> String {
    let (_, page) = b.get(app, "/account").await;
    let t = csrf_of(&page);
    if !t.is_empty() {
        return t;
    }
    let (_, page) = b.get(app, "/newsroom/articles/new").await;
    csrf_of(&page)
}
