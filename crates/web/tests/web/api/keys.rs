//! API keys in the newsroom: made by admins (shown once), listed by prefix, revoked, audited.

use crate::common::browser::csrf_of;

use super::*;

fn token_in(html: &str) -> Option<String> {
    let at = html.find("value=\"mh_")?;
    let rest = &html[at + 7..];
    Some(rest[..rest.find('"')?].to_owned())
}

#[tokio::test]
async fn an_admin_makes_a_key_sees_it_once_and_revokes_it() {
    let app = spawn_app().await;
    let admin = app.staff("chief@tribune.example", Role::Admin).await;
    let res = admin
        .submit(
            &app,
            "/newsroom/api-keys",
            "/newsroom/api-keys",
            &[("name", "Newsletter sync"), ("role", "editor")],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let html = res.text().await.unwrap();
    let token = token_in(&html).expect("the new key on the page");
    assert_eq!(token.len(), 3 + 43);

    // Never shown again: the list has its prefix only; the store has no copy of it.
    let (_, page) = admin.get(&app, "/newsroom/api-keys").await;
    assert!(!page.contains(&token), "the token is shown once");
    assert!(page.contains(&token[..11]), "its prefix is listed");
    assert!(page.contains("Newsletter sync"));
    let keys = app.db.store.api_keys().await.unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].role, Role::Editor);
    assert_eq!(keys[0].created_by_email, "chief@tribune.example");
    assert!(keys[0].last_used_at.is_none());

    let res = with_key(&app, reqwest::Method::GET, "/api/v1/admin/tags", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        app.db.store.api_keys().await.unwrap()[0]
            .last_used_at
            .is_some()
    );

    // Revoked from the page: refused at once.
    let id = keys[0].id.clone();
    let res = admin
        .client
        .post(app.url(&format!("/newsroom/api-keys/{id}/revoke")))
        .form(&[("csrf", csrf_of(&page).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let res = with_key(&app, reqwest::Method::GET, "/api/v1/admin/tags", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let (_, page) = admin.get(&app, "/newsroom/api-keys").await;
    assert!(page.contains("Revoked"), "{page}");

    // Both changes are in the audit log.
    let (_, audit) = admin.get(&app, "/newsroom/audit").await;
    assert!(
        audit.contains("Made the API key “Newsletter sync” (editor)"),
        "{audit}"
    );
    assert!(
        audit.contains("Revoked the API key “Newsletter sync”"),
        "{audit}"
    );
    app.stop().await;
}

#[tokio::test]
async fn bad_forms_non_admins_and_forged_posts_are_refused() {
    let app = spawn_app().await;
    let admin = app.staff("chief@tribune.example", Role::Admin).await;
    for (name, role, says) in [
        ("", "editor", "Give the key a name"),
        (&"x".repeat(81) as &str, "editor", "at most 80"),
        ("Sync", "owner", "Choose one of the roles"),
    ] {
        let res = admin
            .submit(
                &app,
                "/newsroom/api-keys",
                "/newsroom/api-keys",
                &[("name", name), ("role", role)],
            )
            .await;
        assert_eq!(res.status(), 400, "{name} {role}");
        let html = res.text().await.unwrap();
        assert!(html.contains(says), "{says}: {html}");
        assert!(token_in(&html).is_none());
    }
    assert!(app.db.store.api_keys().await.unwrap().is_empty());

    // Without the page's CSRF token: nothing made.
    let res = admin
        .client
        .post(app.url("/newsroom/api-keys"))
        .form(&[("name", "Forged"), ("role", "admin")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(app.db.store.api_keys().await.unwrap().is_empty());

    // Editors may not see or make keys.
    let editor = app.staff("desk@tribune.example", Role::Editor).await;
    let (status, _) = editor.get(&app, "/newsroom/api-keys").await;
    assert_eq!(status, 403);
    let res = editor
        .submit(
            &app,
            "/newsroom/profile",
            "/newsroom/api-keys",
            &[("name", "Mine"), ("role", "admin")],
        )
        .await;
    assert_eq!(res.status(), 403);
    assert!(app.db.store.api_keys().await.unwrap().is_empty());
    app.stop().await;
}
