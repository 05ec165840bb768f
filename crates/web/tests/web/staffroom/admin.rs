//! The admins' pages: the audit log (paged, filtered by target) and the settings (validated,
//! each change audited with before and after).

use crate::common::{browser::location, spawn_app};
use masthead_core::{EmailAddress, Role};
use masthead_store::audit::Actor;

use super::{ROLES, audit_of};

#[tokio::test]
async fn only_admins_see_the_audit_log_and_change_settings() {
    let app = spawn_app().await;
    for (role, email) in ROLES {
        let b = app.staff(email, role).await;
        let want = if role == Role::Admin { 200 } else { 403 };
        for page in ["/newsroom/audit", "/newsroom/settings"] {
            let (status, _) = b.get(&app, page).await;
            assert_eq!(status, want, "{role} {page}");
        }
        if role == Role::Admin {
            continue;
        }
        let res = b
            .submit(
                &app,
                "/newsroom/profile",
                "/newsroom/settings",
                &[
                    ("site_name", "Taken over"),
                    ("tagline", ""),
                    ("time_zone", "UTC"),
                    ("meter_free", "0"),
                ],
            )
            .await;
        assert_eq!(res.status(), 403, "{role}");
    }
    assert_eq!(
        app.db.store.setting("site.name").await.unwrap().as_deref(),
        Some("The Test Tribune"),
        "as imported"
    );
    app.stop().await;
}

#[tokio::test]
async fn settings_are_validated_kept_in_the_form_and_audited() {
    let app = spawn_app().await;
    let admin = app.staff("admin@tribune.example", Role::Admin).await;
    let (status, page) = admin.get(&app, "/newsroom/settings").await;
    assert_eq!(status, 200);
    assert!(page.contains("value=\"Europe/Lisbon\""), "{page}");
    assert!(page.contains("takes effect at the next restart"), "{page}");
    let res = admin
        .submit(
            &app,
            "/newsroom/settings",
            "/newsroom/settings",
            &[
                ("site_name", "The Evening Tribune"),
                ("tagline", "Kept tagline"),
                ("time_zone", "Mars/Olympus"),
                ("meter_free", "-3"),
            ],
        )
        .await;
    assert_eq!(res.status(), 400);
    let page = res.text().await.unwrap();
    assert!(page.contains("Unknown time zone"), "{page}");
    assert!(page.contains("from 0 (the wall at once) to 1000"), "{page}");
    assert!(page.contains("value=\"The Evening Tribune\""), "{page}");
    assert!(page.contains("value=\"Mars/Olympus\""), "{page}");
    assert_eq!(
        app.db.store.setting("site.name").await.unwrap().as_deref(),
        Some("The Test Tribune"),
        "nothing saved"
    );
    let res = admin
        .submit(
            &app,
            "/newsroom/settings",
            "/newsroom/settings",
            &[
                ("site_name", "The Evening Tribune"),
                ("tagline", "All the news that fits the tests"),
                ("time_zone", "America/New_York"),
                ("meter_free", "3"),
            ],
        )
        .await;
    assert_eq!(location(&res), "/newsroom/settings?saved=1");
    let (_, page) = admin.get(&app, "/newsroom/settings?saved=1").await;
    assert!(page.contains("value=\"The Evening Tribune\""), "{page}");
    assert!(
        page.contains("take effect when the server restarts"),
        "{page}"
    );
    // In effect now: still the started configuration.
    assert!(
        page.contains("In effect now: <strong>The Test Tribune</strong>"),
        "{page}"
    );
    let name = audit_of(&app, "setting", "site.name").await;
    assert_eq!(name.len(), 1, "{name:?}");
    assert_eq!(
        name[0].before.as_deref(),
        Some(r#"{"value":"The Test Tribune"}"#)
    );
    assert_eq!(
        name[0].after.as_deref(),
        Some(r#"{"value":"The Evening Tribune"}"#)
    );
    assert_eq!(name[0].actor_label, "admin@tribune.example");
    let meter = audit_of(&app, "setting", "meter.free").await;
    assert_eq!(meter[0].before.as_deref(), Some(r#"{"value":null}"#));
    assert_eq!(meter[0].after.as_deref(), Some(r#"{"value":"3"}"#));
    // The tagline did not change: no entry.
    assert!(audit_of(&app, "setting", "site.tagline").await.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn the_audit_log_pages_and_filters_by_target() {
    let app = spawn_app().await;
    let admin = app.staff("admin@tribune.example", Role::Admin).await;
    let actor = Actor::staff("x", "admin@tribune.example");
    let email = EmailAddress::parse("flip@tribune.example").unwrap();
    app.db.store.add_staff(&email, Role::Author).await.unwrap();
    let flip = app
        .db
        .store
        .staff_by_email(&email)
        .await
        .unwrap()
        .unwrap()
        .id;
    for i in 0..30 {
        let role = if i % 2 == 0 {
            Role::Editor
        } else {
            Role::Author
        };
        app.db
            .store
            .change_staff_role(&actor, &flip, role)
            .await
            .unwrap();
    }
    let other = EmailAddress::parse("other@tribune.example").unwrap();
    app.db.store.add_staff(&other, Role::Author).await.unwrap();
    let other_id = app
        .db
        .store
        .staff_by_email(&other)
        .await
        .unwrap()
        .unwrap()
        .id;
    for i in 0..30 {
        let role = if i % 2 == 0 {
            Role::Editor
        } else {
            Role::Author
        };
        app.db
            .store
            .change_staff_role(&actor, &other_id, role)
            .await
            .unwrap();
    }
    // 2 adds (admin, flip) + 30 + 1 add + 30 = 63 entries: two pages.
    let (status, first) = admin.get(&app, "/newsroom/audit").await;
    assert_eq!(status, 200);
    assert_eq!(
        first.matches("<tr>").count(),
        1 + 50,
        "a header row and 50 entries"
    );
    let next = first
        .split("rel=\"next\"")
        .next()
        .unwrap()
        .rsplit("<a href=\"")
        .next()
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let (status, second) = admin.get(&app, &next).await;
    assert_eq!(status, 200, "{next}");
    assert_eq!(second.matches("<tr>").count(), 1 + 13);
    assert!(!second.contains("rel=\"next\""));
    assert!(
        second.contains("Added admin@tribune.example as admin"),
        "{second}"
    );
    // One target's history.
    let (status, page) = admin
        .get(&app, &format!("/newsroom/audit?target=staff%3A{other_id}"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(page.matches("<tr>").count(), 1 + 31);
    assert!(!page.contains("flip@tribune.example"), "{page}");
    // Cursors this page did not make.
    for bad in ["before=yesterday", "before=12", "target=nocolon"] {
        let (status, _) = admin.get(&app, &format!("/newsroom/audit?{bad}")).await;
        assert_eq!(status, 400, "{bad}");
    }
    app.stop().await;
}
