//! The Admin API's staff: admin keys only, each role's key against each action; the store's
//! rules (the last admin, one's own account, an address already on staff) as 409s; the audit
//! log naming the key; a deactivation ending the member's newsroom sessions.

use reqwest::Method;
use serde_json::json;

use super::*;

async fn call(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let mut req = with_key(app, method, path, token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    json_of(req.send().await.unwrap()).await
}

async fn member_id(app: &TestApp, email: &str) -> String {
    app.db
        .store
        .staff_by_email(&EmailAddress::parse(email).unwrap())
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no staff {email}"))
        .id
}

#[tokio::test]
async fn only_admin_keys_manage_staff() {
    let app = spawn_app().await;
    let target_email = "sub@tribune.example";
    app.db
        .store
        .add_staff(&EmailAddress::parse(target_email).unwrap(), Role::Author)
        .await
        .unwrap();
    let target = member_id(&app, target_email).await;
    for role in Role::ALL {
        let r = role.as_str();
        let token = key_by(&app, &format!("{r}@tribune.example"), role, role).await;
        let allowed = role == Role::Admin;
        let want = |ok: u16| if allowed { ok } else { 403 };
        let before = app.db.store.staff_member(&target).await.unwrap().unwrap();
        let (s, v) = call(&app, &token, Method::GET, "/api/v1/admin/staff", None).await;
        assert_eq!(s, want(200), "{r} list: {v}");
        if !allowed {
            assert_eq!(error_of(&v).0, "forbidden", "{r}: {v}");
        }
        let email = format!("invited-by-{r}@tribune.example");
        let (s, v) = call(
            &app,
            &token,
            Method::POST,
            "/api/v1/admin/staff",
            Some(json!({"email": email, "role": "contributor"})),
        )
        .await;
        assert_eq!(s, want(201), "{r} invite: {v}");
        let invited = app
            .db
            .store
            .staff_by_email(&EmailAddress::parse(&email).unwrap())
            .await
            .unwrap();
        assert_eq!(invited.is_some(), allowed, "{r}: invited only by an admin");
        let (s, v) = call(
            &app,
            &token,
            Method::POST,
            &format!("/api/v1/admin/staff/{target}/role"),
            Some(json!({"role": "editor"})),
        )
        .await;
        assert_eq!(s, want(200), "{r} role: {v}");
        let (s, v) = call(
            &app,
            &token,
            Method::POST,
            &format!("/api/v1/admin/staff/{target}/deactivate"),
            None,
        )
        .await;
        assert_eq!(s, want(200), "{r} deactivate: {v}");
        let (s, v) = call(
            &app,
            &token,
            Method::POST,
            &format!("/api/v1/admin/staff/{target}/reactivate"),
            None,
        )
        .await;
        assert_eq!(s, want(200), "{r} reactivate: {v}");
        let m = app.db.store.staff_member(&target).await.unwrap().unwrap();
        if allowed {
            assert_eq!((m.role, m.is_active()), (Role::Editor, true), "{r}");
        } else {
            assert_eq!(m, before, "{r}: nothing changed");
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn invite_change_deactivate_reactivate_with_the_newsrooms_rules() {
    let app = spawn_app().await;
    let admin = key(&app, Role::Admin).await;
    let creator = member_id(&app, "keys-admin@tribune.example").await;

    // Invite: 201 with the member; the invitation email is queued with it.
    let (s, v) = call(
        &app,
        &admin,
        Method::POST,
        "/api/v1/admin/staff",
        Some(json!({"email": "Nia@Tribune.example", "role": "author"})),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(
        (v["role"].as_str(), v["active"].as_bool()),
        (Some("author"), Some(true))
    );
    assert_eq!(v["invited_by"], "admin key", "{v}");
    let id = v["id"].as_str().unwrap().to_owned();
    let (s, list) = call(&app, &admin, Method::GET, "/api/v1/admin/staff", None).await;
    assert_eq!(s, 200);
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["id"] == id.as_str()),
        "{list}"
    );
    // The invitation email, queued with the row (run here or by the app's worker already).
    let mut sent = Vec::new();
    for _ in 0..100 {
        app.run_due_jobs().await;
        sent = sqlx::query_scalar::<_, String>(
            "SELECT status FROM jobs WHERE kind = 'send_staff_invite_email' AND payload LIKE $1",
        )
        .bind(format!("%{id}%"))
        .fetch_all(app.db.store.reader())
        .await
        .unwrap();
        if sent != ["running"] {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(sent, ["done"], "the invitation email");

    // The same address again, in any case: 409 on `email`, nothing changed.
    let (s, v) = call(
        &app,
        &admin,
        Method::POST,
        "/api/v1/admin/staff",
        Some(json!({"email": "nia@tribune.example", "role": "editor"})),
    )
    .await;
    assert_eq!(
        (s, error_of(&v)),
        (409, ("conflict".into(), Some("email".into()))),
        "{v}"
    );
    // Bad input: 422 naming the field; a path naming nobody: 404.
    for (body, field) in [
        (
            json!({"email": "not an address", "role": "author"}),
            "email",
        ),
        (
            json!({"email": "ok@tribune.example", "role": "boss"}),
            "role",
        ),
        (json!({"email": "ok@tribune.example"}), "role"),
        (
            json!({"email": "ok@tribune.example", "role": "author", "x": 1}),
            "x",
        ),
    ] {
        let (s, v) = call(
            &app,
            &admin,
            Method::POST,
            "/api/v1/admin/staff",
            Some(body),
        )
        .await;
        assert_eq!(
            (s, error_of(&v)),
            (422, ("invalid".into(), Some(field.into()))),
            "{v}"
        );
    }
    let (s, v) = call(
        &app,
        &admin,
        Method::POST,
        &format!("/api/v1/admin/staff/{id}/role"),
        Some(json!({"role": "boss"})),
    )
    .await;
    assert_eq!((s, error_of(&v).1.as_deref()), (422, Some("role")), "{v}");
    for path in ["nobody/role", "nobody/deactivate", "nobody/reactivate"] {
        let body = path.ends_with("role").then(|| json!({"role": "author"}));
        let (s, v) = call(
            &app,
            &admin,
            Method::POST,
            &format!("/api/v1/admin/staff/{path}"),
            body,
        )
        .await;
        assert_eq!(
            (s, error_of(&v).0.as_str()),
            (404, "not_found"),
            "{path}: {v}"
        );
    }

    // A role change; the same role again changes nothing (200, no second audit entry).
    for _ in 0..2 {
        let (s, v) = call(
            &app,
            &admin,
            Method::POST,
            &format!("/api/v1/admin/staff/{id}/role"),
            Some(json!({"role": "editor"})),
        )
        .await;
        assert_eq!((s, v["role"].as_str()), (200, Some("editor")), "{v}");
    }
    // Deactivating ends their newsroom sessions; reactivating restores the role.
    let nia = app.staff("nia@tribune.example", Role::Editor).await;
    assert_eq!(nia.get(&app, "/newsroom/articles").await.0, 200);
    let (s, v) = call(
        &app,
        &admin,
        Method::POST,
        &format!("/api/v1/admin/staff/{id}/deactivate"),
        None,
    )
    .await;
    assert_eq!((s, v["active"].as_bool()), (200, Some(false)), "{v}");
    assert_ne!(
        nia.get(&app, "/newsroom/articles").await.0,
        200,
        "session ended"
    );
    let (s, v) = call(
        &app,
        &admin,
        Method::POST,
        &format!("/api/v1/admin/staff/{id}/reactivate"),
        None,
    )
    .await;
    assert_eq!(
        (s, v["active"].as_bool(), v["role"].as_str()),
        (200, Some(true), Some("editor"))
    );

    // The rules: the key's creator is the only admin, so demoting them is refused; and a key
    // may not deactivate its creator's own account. Both 409, nothing changed.
    let (s, v) = call(
        &app,
        &admin,
        Method::POST,
        &format!("/api/v1/admin/staff/{creator}/role"),
        Some(json!({"role": "editor"})),
    )
    .await;
    assert_eq!(s, 409, "{v}");
    assert!(
        error_of(&v).0 == "conflict"
            && v["error"]["message"]
                .as_str()
                .unwrap()
                .contains("without an admin")
    );
    let (s, v) = call(
        &app,
        &admin,
        Method::POST,
        &format!("/api/v1/admin/staff/{id}/role"),
        Some(json!({"role": "admin"})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = call(
        &app,
        &admin,
        Method::POST,
        &format!("/api/v1/admin/staff/{creator}/deactivate"),
        None,
    )
    .await;
    assert_eq!(s, 409, "{v}");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("made it"),
        "{v}"
    );
    let m = app.db.store.staff_member(&creator).await.unwrap().unwrap();
    assert_eq!((m.role, m.is_active()), (Role::Admin, true));

    // Every change is in the audit log under the key's name.
    let entries = app
        .db
        .store
        .audit_entries(masthead_store::audit::AuditQuery {
            target: Some(("staff", &id)),
            before: None,
            limit: 50,
        })
        .await
        .unwrap();
    let mut actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    actions.sort_unstable();
    assert_eq!(
        actions,
        [
            "staff.deactivate",
            "staff.invite",
            "staff.reactivate",
            "staff.role",
            "staff.role"
        ],
        "{entries:?}"
    );
    assert!(
        entries.iter().all(|e| e.actor_label == "admin key"),
        "{entries:?}"
    );
    app.stop().await;
}
