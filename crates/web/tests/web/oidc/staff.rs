//! Staff and providers: refused until an admin allows it on the settings page; then the
//! session is a staff session as short as by email, the sign-in is audited, and "require
//! passkeys" refuses a provider to a member who holds one.

use masthead_core::Role;

use super::{identities, sign_in_with, spawn, start_idp};
use crate::common::{Browser, browser::location};

#[tokio::test]
async fn staff_use_providers_only_when_an_admin_allows_it_and_keep_the_staff_rules() {
    let idp = start_idp();
    // Trusted and verified: a reader's account would be linked at once.
    let app = spawn(&idp.issuer, Some("example.org")).await;
    app.staff("alice@example.org", Role::Editor).await;
    let admin = app.staff("admin@tribune.example", Role::Admin).await;

    let b = Browser::new();
    let res = sign_in_with(&app, &b, &idp, "alice").await;
    assert_eq!(res.status(), 403);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Newsroom accounts sign in by email"),
        "{html}"
    );
    assert!(html.contains("href=\"/sign-in\""), "{html}");
    assert!(identities(&app).await.is_empty(), "nothing linked");

    let (_, page) = admin.get(&app, "/newsroom/settings").await;
    assert!(
        page.contains("Staff may sign in with OpenID providers"),
        "{page}"
    );
    assert!(!page.contains("name=\"staff_providers\" type=\"checkbox\" value=\"on\" checked"));
    let fields = [
        ("site_name", "The Test Tribune"),
        ("tagline", ""),
        ("time_zone", "Europe/Lisbon"),
        ("meter_free", "5"),
    ];
    let mut allow = fields.to_vec();
    allow.push(("staff_providers", "on"));
    let res = admin
        .submit(&app, "/newsroom/settings", "/newsroom/settings", &allow)
        .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let (_, page) = admin.get(&app, "/newsroom/settings").await;
    assert!(page.contains("value=\"on\" checked"), "{page}");

    let b = Browser::new();
    let res = sign_in_with(&app, &b, &idp, "alice").await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    assert_eq!(location(&res), "/city/harbour-cranes");
    let (status, _) = b.get(&app, "/newsroom").await;
    assert_eq!(status, 200, "a staff session");
    let (staff, length): (i64, i64) = sqlx::query_as(
        "SELECT s.staff, s.expires_at - s.created_at FROM sessions s JOIN readers r ON r.id = s.reader_id \
         WHERE r.email = 'alice@example.org' ORDER BY s.created_at DESC LIMIT 1",
    )
    .fetch_one(app.db.store.reader())
    .await
    .unwrap();
    assert_eq!(staff, 1);
    assert_eq!(length, app.state.config.staff_session_hours * 3_600_000);
    let audited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'staff.sign_in' AND summary LIKE '%OpenID provider%'",
    )
    .fetch_one(app.db.store.reader())
    .await
    .unwrap();
    assert_eq!(audited, 1);

    // Passkeys required of editors and admins, and alice holds one: a provider is not a
    // passkey, so it opens no session (and writes nothing); the page says what to do.
    let alice = app
        .db
        .store
        .staff_by_email(&masthead_core::EmailAddress::parse("alice@example.org").unwrap())
        .await
        .unwrap()
        .unwrap();
    let key = masthead_store::passkeys::NewPasskey {
        credential_id: "Y3JlZGVudGlhbC1vZi1hbGljZQ",
        public_key: "cHVibGljLWtleQ",
        alg: -7,
        sign_count: 0,
        name: "Alice's laptop",
    };
    app.db
        .store
        .add_passkey(&masthead_store::audit::Actor::cli(), &alice.id, &key)
        .await
        .unwrap();
    app.db
        .store
        .change_settings(
            &masthead_store::audit::Actor::cli(),
            &[(masthead_store::passkeys::REQUIRE_PASSKEYS, "1".to_owned())],
        )
        .await
        .unwrap();
    let sessions = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM sessions")
            .fetch_one(app.db.store.reader())
            .await
            .unwrap()
    };
    let before = sessions().await;
    let locked = Browser::new();
    let res = sign_in_with(&app, &locked, &idp, "alice").await;
    assert_eq!(res.status(), 403);
    let html = res.text().await.unwrap();
    assert!(html.contains("Sign in with your passkey"), "{html}");
    assert_eq!(sessions().await, before, "no session opened");
    assert_eq!(locked.get(&app, "/newsroom").await.0, 303, "not signed in");
    // Not required any more: the provider signs her in again.
    app.db
        .store
        .change_settings(
            &masthead_store::audit::Actor::cli(),
            &[(masthead_store::passkeys::REQUIRE_PASSKEYS, "0".to_owned())],
        )
        .await
        .unwrap();
    let res = sign_in_with(&app, &Browser::new(), &idp, "alice").await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());

    // Turned off again: refused at once, without a restart.
    let res = admin
        .submit(&app, "/newsroom/settings", "/newsroom/settings", &fields)
        .await;
    assert_eq!(res.status(), 303);
    let again = Browser::new();
    let res = sign_in_with(&app, &again, &idp, "alice").await;
    assert_eq!(res.status(), 403);
    app.stop().await;
}
