//! `masthead staff` (add, list, deactivate, reset-passkeys) as an operator runs it, and the
//! newsroom settings a staff member saves taking effect at the next start.

use masthead_store::testing::TestDb;

use crate::cli::{masthead, spawn, stop, text};

#[tokio::test]
async fn staff_add_validates_and_is_idempotent() {
    let db = TestDb::new().await;
    let out = masthead(&db, &["staff", "add", "not-an-email", "--role", "admin"]);
    assert!(!out.status.success());
    assert!(
        text(&out).1.contains("example@domain.com"),
        "{}",
        text(&out).1
    );
    let out = masthead(&db, &["staff", "add", "ana@example.com", "--role", "owner"]);
    assert!(!out.status.success());
    assert!(
        text(&out)
            .1
            .contains("admin, editor, author, contributor, moderator")
    );
    let out = masthead(
        &db,
        &["staff", "add", "Ana@Example.com", "--role", "editor"],
    );
    assert!(out.status.success(), "{:?}", text(&out));
    assert!(text(&out).0.contains("Added Ana@example.com as editor"));
    let out = masthead(
        &db,
        &["staff", "add", "ana@example.com", "--role", "editor"],
    );
    assert!(text(&out).0.contains("already editor"));
    assert_eq!(db.store.count_staff().await.unwrap(), 1);
}

/// What the newsroom's settings page saved is in effect at the next start.
#[tokio::test]
async fn settings_saved_in_the_newsroom_apply_at_the_next_start() {
    let db = TestDb::new().await;
    db.store
        .change_settings(
            &masthead_store::audit::Actor::system(),
            &[(
                masthead_store::site_settings::SITE_NAME,
                "The Saved Gazette".into(),
            )],
        )
        .await
        .unwrap();
    let (child, line) = spawn(&db, &["serve", "--listen", "127.0.0.1:0"]);
    assert!(line.contains("serving The Saved Gazette at"), "{line}");
    stop(child, "masthead serve");
}

#[tokio::test]
async fn staff_list_and_deactivate_keep_an_admin_and_are_audited() {
    let db = TestDb::new().await;
    let out = masthead(&db, &["staff", "list"]);
    assert!(text(&out).0.contains("No staff yet"), "{:?}", text(&out));
    for (email, role) in [("ana@example.com", "admin"), ("tom@example.com", "author")] {
        let out = masthead(&db, &["staff", "add", email, "--role", role]);
        assert!(out.status.success(), "{:?}", text(&out));
    }
    // The last admin stays.
    let out = masthead(&db, &["staff", "deactivate", "ana@example.com"]);
    assert!(!out.status.success());
    assert!(
        text(&out).1.contains("last active admin"),
        "{:?}",
        text(&out)
    );
    let out = masthead(&db, &["staff", "deactivate", "nobody@example.com"]);
    assert!(!out.status.success());
    assert!(text(&out).1.contains("is not staff"), "{:?}", text(&out));
    let out = masthead(&db, &["staff", "deactivate", "Tom@example.com"]);
    assert!(out.status.success(), "{:?}", text(&out));
    let (list, _) = text(&masthead(&db, &["staff", "list"]));
    assert!(
        list.contains("ana@example.com\tadmin\tactive\tnever signed in"),
        "{list}"
    );
    assert!(
        list.contains("tom@example.com\tauthor\tdeactivated"),
        "{list}"
    );
    // `staff add` makes them active again.
    let out = masthead(
        &db,
        &["staff", "add", "tom@example.com", "--role", "author"],
    );
    assert!(text(&out).0.contains("active again"), "{:?}", text(&out));
    let entries = db
        .store
        .audit_entries(masthead_store::audit::AuditQuery {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    let actions: Vec<_> = entries
        .iter()
        .map(|e| (e.action.as_str(), e.actor_label.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("staff.reactivate", "masthead (command line)"),
            ("staff.deactivate", "masthead (command line)"),
            ("staff.add", "masthead (command line)"),
            ("staff.add", "masthead (command line)"),
        ]
    );
}

#[tokio::test]
async fn reset_passkeys_removes_them_and_is_audited() {
    let db = TestDb::new().await;
    let out = masthead(&db, &["staff", "add", "ana@example.com", "--role", "admin"]);
    assert!(out.status.success(), "{:?}", text(&out));
    let ana = db
        .store
        .staff_by_email(&masthead_core::EmailAddress::parse("ana@example.com").unwrap())
        .await
        .unwrap()
        .unwrap();
    for (id, name) in [("Y3JlZC1vbmU", "Laptop"), ("Y3JlZC10d28", "Phone")] {
        let key = masthead_store::passkeys::NewPasskey {
            credential_id: id,
            public_key: "cHVibGljLWtleQ",
            alg: -7,
            sign_count: 0,
            name,
        };
        db.store
            .add_passkey(&masthead_store::audit::Actor::cli(), &ana.id, &key)
            .await
            .unwrap();
    }
    assert_eq!(db.store.passkeys_of(&ana.id).await.unwrap().len(), 2);
    // Someone not on the staff: a message saying where to look, a failure status.
    let out = masthead(&db, &["staff", "reset-passkeys", "nobody@example.com"]);
    assert!(!out.status.success());
    assert!(
        text(&out).1.contains("masthead staff list"),
        "{:?}",
        text(&out)
    );
    let out = masthead(&db, &["staff", "reset-passkeys", "not an address"]);
    assert!(!out.status.success());
    // Whatever the case of the address.
    let out = masthead(&db, &["staff", "reset-passkeys", "Ana@Example.com"]);
    assert!(out.status.success(), "{:?}", text(&out));
    assert!(
        text(&out).0.contains("Removed 2 passkey(s)"),
        "{:?}",
        text(&out)
    );
    assert!(db.store.passkeys_of(&ana.id).await.unwrap().is_empty());
    let entries = db
        .store
        .audit_entries(masthead_store::audit::AuditQuery {
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(entries[0].action, "staff.passkey_reset");
    assert_eq!(entries[0].actor_label, "masthead (command line)");
    // A second run removes nothing and says so.
    let out = masthead(&db, &["staff", "reset-passkeys", "ana@example.com"]);
    assert!(
        text(&out).0.contains("Removed 0 passkey(s)"),
        "{:?}",
        text(&out)
    );
}
