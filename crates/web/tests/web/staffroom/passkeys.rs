//! Passkeys over HTTP with a software authenticator (`common::authenticator`): registering,
//! signing in, and each refusal the relying party owes (a spent challenge, another browser's
//! challenge, a counter that went backwards, garbage, no script); the requirement for editors
//! and admins with the recovery path (an admin's reset); roles and CSRF. The same flows in a
//! real browser: `newsroom::browser::passkeys`.

use masthead_core::{EmailAddress, Role};
use serde_json::Value;

use crate::common::{
    TestApp,
    authenticator::SoftAuthenticator,
    browser::{Browser, csrf_of, email_to, link_in, location, spawn_with_smtp},
    spawn_app,
};

/// POSTs the page's CSRF token to an options URL; the JSON answer and its status.
async fn options(app: &TestApp, b: &Browser, page: &str, url: &str) -> (u16, Value) {
    let (_, html) = b.get(app, page).await;
    let res = b
        .client
        .post(app.url(url))
        .form(&[("csrf", csrf_of(&html))])
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Registers a passkey for the browser's staff member; the response of the form's POST.
async fn register(
    app: &TestApp,
    b: &Browser,
    key: &mut SoftAuthenticator,
    name: &str,
) -> reqwest::Response {
    let (status, o) = options(app, b, "/newsroom/profile", "/newsroom/passkeys/options").await;
    assert_eq!(status, 200, "{o}");
    let credential = key.create(&o);
    b.submit(
        app,
        "/newsroom/profile",
        "/newsroom/passkeys",
        &[("name", name), ("credential", &credential)],
    )
    .await
}

/// Signs a fresh (or given) browser in with the passkey; the response of the sign-in POST.
async fn sign_in(
    app: &TestApp,
    b: &Browser,
    key: &mut SoftAuthenticator,
) -> (reqwest::Response, String) {
    let (status, o) = options(app, b, "/sign-in", "/sign-in/passkey/options").await;
    assert_eq!(status, 200, "{o}");
    let assertion = key.get(&o);
    let res = b
        .submit(
            app,
            "/sign-in",
            "/sign-in/passkey",
            &[("credential", &assertion)],
        )
        .await;
    (res, assertion)
}

/// The summaries of the audit entries with this action, newest first.
async fn summaries(app: &TestApp, action: &str) -> Vec<String> {
    app.db
        .store
        .audit_entries(masthead_store::audit::AuditQuery {
            target: None,
            before: None,
            limit: 200,
        })
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == action)
        .map(|e| e.summary)
        .collect()
}

async fn member_id(app: &TestApp, email: &str) -> String {
    let e = EmailAddress::parse(email).unwrap();
    app.db.store.staff_by_email(&e).await.unwrap().unwrap().id
}

#[tokio::test]
async fn a_registered_passkey_signs_in_and_every_challenge_works_once() {
    let app = spawn_app().await;
    let editor = app.staff("editor@tribune.example", Role::Editor).await;
    let id = member_id(&app, "editor@tribune.example").await;
    let mut key = SoftAuthenticator::for_test_app();

    // The creation options: our relying party, the staff id as user handle, required UV.
    let (_, o) = options(
        &app,
        &editor,
        "/newsroom/profile",
        "/newsroom/passkeys/options",
    )
    .await;
    assert_eq!(o["publicKey"]["rp"]["id"], "127.0.0.1");
    assert_eq!(
        o["publicKey"]["authenticatorSelection"]["userVerification"],
        "required"
    );
    assert_eq!(o["publicKey"]["attestation"], "none");

    let res = register(&app, &editor, &mut key, "Work laptop").await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/newsroom/profile?notice=passkey-added");
    let keys = app.db.store.passkeys_of(&id).await.unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].credential_id, key.id_b64());
    let (_, profile) = editor.get(&app, "/newsroom/profile").await;
    assert!(profile.contains("Work laptop"), "{profile}");

    // The same credential again (a new challenge): known already.
    let res = register(&app, &editor, &mut key, "Again").await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("registered already"));

    // A registration answering a challenge already spent is refused.
    let (_, o) = options(
        &app,
        &editor,
        "/newsroom/profile",
        "/newsroom/passkeys/options",
    )
    .await;
    let mut other = SoftAuthenticator::for_test_app();
    let first = other.create(&o);
    let ok = editor
        .submit(
            &app,
            "/newsroom/profile",
            "/newsroom/passkeys",
            &[("name", "Phone"), ("credential", &first)],
        )
        .await;
    assert_eq!(ok.status(), 303);
    let mut third = SoftAuthenticator::for_test_app();
    let replay = third.create(&o);
    let res = editor
        .submit(
            &app,
            "/newsroom/profile",
            "/newsroom/passkeys",
            &[("name", "Tablet"), ("credential", &replay)],
        )
        .await;
    assert_eq!(res.status(), 400);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("expired or was already used")
    );
    assert_eq!(app.db.store.passkeys_of(&id).await.unwrap().len(), 2);

    // Signing in: a browser with no session, the passkey, a staff session.
    let b = Browser::new();
    let (res, assertion) = sign_in(&app, &b, &mut key).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let (status, page) = b.get(&app, "/newsroom/profile").await;
    assert_eq!(status, 200);
    assert!(page.contains("editor@tribune.example"));
    let sign_ins = summaries(&app, "staff.sign_in").await;
    assert!(
        sign_ins.iter().any(|s| s.contains("with a passkey")),
        "{sign_ins:?}"
    );

    // The same assertion again: its challenge is spent.
    let c = Browser::new();
    let res = c
        .submit(
            &app,
            "/sign-in",
            "/sign-in/passkey",
            &[("credential", &assertion)],
        )
        .await;
    assert_eq!(res.status(), 400);
    assert!(c.get(&app, "/newsroom/profile").await.0 != 200);

    // A challenge issued to another browser does not work in this one.
    let asked = Browser::new();
    let (_, o) = options(&app, &asked, "/sign-in", "/sign-in/passkey/options").await;
    let stolen = key.get(&o);
    let res = c
        .submit(
            &app,
            "/sign-in",
            "/sign-in/passkey",
            &[("credential", &stolen)],
        )
        .await;
    assert_eq!(res.status(), 400);

    // A counter that went backwards (a copied authenticator) is refused, and says why.
    key.count = 0;
    let (res, _) = sign_in(&app, &Browser::new(), &mut key).await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("counter went backwards"));

    // An authenticator nobody registered.
    let mut stranger = SoftAuthenticator::for_test_app();
    let (res, _) = sign_in(&app, &Browser::new(), &mut stranger).await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("not registered here"));

    // Every registration is audited; removing one is too, and only its owner may.
    assert_eq!(summaries(&app, "staff.passkey_add").await.len(), 2);
    let author = app.staff("author@tribune.example", Role::Author).await;
    let theirs = &app.db.store.passkeys_of(&id).await.unwrap()[0].id;
    let res = author
        .submit(
            &app,
            "/newsroom/profile",
            &format!("/newsroom/passkeys/{theirs}/remove"),
            &[],
        )
        .await;
    assert_eq!(res.status(), 404);
    let res = editor
        .submit(
            &app,
            "/newsroom/profile",
            &format!("/newsroom/passkeys/{theirs}/remove"),
            &[],
        )
        .await;
    assert_eq!(location(&res), "/newsroom/profile?notice=passkey-removed");
    assert_eq!(summaries(&app, "staff.passkey_remove").await.len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn bad_answers_are_refused_with_a_message_and_the_name_kept() {
    let app = spawn_app().await;
    let editor = app.staff("editor@tribune.example", Role::Editor).await;
    for (credential, says) in [
        ("", "needs JavaScript"),
        ("not json", "could not be read"),
        (
            r#"{"id":"AAAA","type":"public-key","response":{"clientDataJSON":"e30","attestationObject":"oA"}}"#,
            "expired or was already used",
        ),
    ] {
        let res = editor
            .submit(
                &app,
                "/newsroom/profile",
                "/newsroom/passkeys",
                &[("name", "Desk PC"), ("credential", credential)],
            )
            .await;
        assert_eq!(res.status(), 400);
        let page = res.text().await.unwrap();
        assert!(page.contains(says), "{credential}: {page}");
        assert!(page.contains("value=\"Desk PC\""), "the name is kept");
    }
    let long = "x".repeat(61);
    let res = editor
        .submit(
            &app,
            "/newsroom/profile",
            "/newsroom/passkeys",
            &[("name", &long), ("credential", "{}")],
        )
        .await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("1 to 60 characters"));
    // A sign-in with garbage: refused, counted as a failed attempt.
    let b = Browser::new();
    let res = b
        .submit(
            &app,
            "/sign-in",
            "/sign-in/passkey",
            &[("credential", "{\"id\":1}")],
        )
        .await;
    assert_eq!(res.status(), 400);
    // Without the CSRF token (and from another site), nothing is issued.
    let res = b
        .client
        .post(app.url("/sign-in/passkey/options"))
        .header("sec-fetch-site", "cross-site")
        .form(&[("csrf", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // Sign-in options are limited per address: a JSON error with the field, then Retry-After.
    // The windows are fixed clock minutes: the 31st answer is refused unless a new minute began
    // meanwhile, so up to two windows' worth are asked for and the first refusal must come
    // after at least 30 answers.
    let mut last = (200, Value::Null);
    let mut answered = 0;
    for _ in 0..61 {
        last = options(&app, &b, "/sign-in", "/sign-in/passkey/options").await;
        if last.0 != 200 {
            break;
        }
        answered += 1;
    }
    assert_eq!(last.0, 429, "{}", last.1);
    assert!(answered >= 30, "refused after {answered}");
    assert_eq!(last.1["error"]["code"], "rate_limited");
    assert!(last.1["error"].get("field").is_some());
    app.stop().await;
}

#[tokio::test]
async fn required_passkeys_close_the_email_link_and_an_admin_reset_reopens_it() {
    let (app, smtp) = spawn_with_smtp().await;
    let admin = app.staff("admin@tribune.example", Role::Admin).await;
    let editor = app.staff("editor@tribune.example", Role::Editor).await;
    let author = app.staff("author@tribune.example", Role::Author).await;
    let editor_id = member_id(&app, "editor@tribune.example").await;

    // Only admins change the rule; the change is audited as settings are.
    let res = editor
        .submit(
            &app,
            "/newsroom/profile",
            "/newsroom/settings/passkeys",
            &[("require", "1")],
        )
        .await;
    assert_eq!(res.status(), 403);
    let res = admin
        .submit(
            &app,
            "/newsroom/settings",
            "/newsroom/settings/passkeys",
            &[("require", "1")],
        )
        .await;
    assert_eq!(location(&res), "/newsroom/settings?saved=1");
    assert!(app.db.store.passkeys_required().await.unwrap());
    assert!(
        summaries(&app, "settings.change")
            .await
            .iter()
            .any(|s| s.contains("staff.require_passkeys"))
    );

    // An editor without a passkey may only register one; an author is not concerned.
    let (status, page) = editor.get(&app, "/newsroom/articles").await;
    assert_eq!(status, 403);
    assert!(page.contains("Register a passkey first"), "{page}");
    let (status, page) = editor.get(&app, "/newsroom/profile").await;
    assert_eq!(status, 200);
    assert!(page.contains("passkey-needed"));
    assert_eq!(author.get(&app, "/newsroom/articles").await.0, 200);
    // The admin too, until they register one.
    assert_eq!(admin.get(&app, "/newsroom/staff").await.0, 403);

    let mut key = SoftAuthenticator::for_test_app();
    assert_eq!(
        register(&app, &editor, &mut key, "Phone").await.status(),
        303
    );
    assert_eq!(editor.get(&app, "/newsroom/articles").await.0, 200);

    // Now an emailed link no longer signs the editor in (and is not spent).
    let b = Browser::new();
    b.submit(
        &app,
        "/sign-in",
        "/sign-in",
        &[("email", "editor@tribune.example")],
    )
    .await;
    let link = link_in(&email_to(&smtp, "editor@tribune.example", 1).await.text);
    let res = b.post_link(&app, &link, &link).await;
    assert_eq!(res.status(), 403);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Sign in with your passkey")
    );
    let (res, _) = sign_in(&app, &b, &mut key).await;
    assert_eq!(res.status(), 303);

    // The recovery path: an admin (once they hold a passkey) resets the editor's passkeys,
    // audited; the same link then signs the editor in, to register a new one.
    let mut admin_key = SoftAuthenticator::for_test_app();
    assert_eq!(
        register(&app, &admin, &mut admin_key, "Admin key")
            .await
            .status(),
        303
    );
    let res = author
        .submit(
            &app,
            "/newsroom/profile",
            &format!("/newsroom/staff/{editor_id}/reset-passkeys"),
            &[],
        )
        .await;
    assert_eq!(res.status(), 403);
    let res = admin
        .submit(
            &app,
            "/newsroom/staff",
            &format!("/newsroom/staff/{editor_id}/reset-passkeys"),
            &[],
        )
        .await;
    assert_eq!(location(&res), "/newsroom/staff?notice=passkeys-reset");
    assert!(
        app.db
            .store
            .passkeys_of(&editor_id)
            .await
            .unwrap()
            .is_empty()
    );
    let resets = summaries(&app, "staff.passkey_reset").await;
    assert_eq!(resets.len(), 1, "{resets:?}");
    let c = Browser::new();
    c.submit(
        &app,
        "/sign-in",
        "/sign-in",
        &[("email", "editor@tribune.example")],
    )
    .await;
    let link = link_in(&email_to(&smtp, "editor@tribune.example", 2).await.text);
    let res = c.post_link(&app, &link, &link).await;
    assert_eq!(res.status(), 303);
    assert_eq!(c.get(&app, "/newsroom/profile").await.0, 200);
    assert_eq!(
        c.get(&app, "/newsroom/articles").await.0,
        403,
        "until they register one"
    );
    app.stop().await;
}
