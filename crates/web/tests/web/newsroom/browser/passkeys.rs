//! Passkeys in chromium with its virtual authenticator (WebDriver's WebAuthn extension): a staff
//! member registers one from their profile, then signs in with it from the sign-in page, and
//! both are in the audit log; the server checked a real browser's `create` and `get`.

use masthead_core::{EmailAddress, Role};
use masthead_store::audit::AuditQuery;

use super::localhost_app;
use crate::chromium::Chromium;

#[tokio::test]
async fn a_passkey_registers_and_signs_in_through_the_virtual_authenticator() {
    let (app, base) = localhost_app().await;
    let browser = Chromium::start().await;
    let authenticator = browser.add_virtual_authenticator().await;
    browser
        .sign_in_as_staff(&app, &base, "ed@example.com", Role::Editor)
        .await;

    browser.goto(&format!("{base}/newsroom/profile")).await;
    browser.wait_for_text("You have no passkey yet.").await;
    // The script hides the note that passkeys need it.
    let note_hidden = browser
        .js("return document.querySelector('.passkey-noscript').hidden;")
        .await;
    assert_eq!(note_hidden, serde_json::json!(true));
    browser.type_into("#passkey-name", "Test laptop").await;
    browser
        .click("#passkey-register button[type='submit']")
        .await;
    browser.wait_for_text("Your passkey is registered.").await;
    browser.wait_for_text("Test laptop").await;

    let email = EmailAddress::parse("ed@example.com").unwrap();
    let member = app.db.store.staff_by_email(&email).await.unwrap().unwrap();
    let keys = app.db.store.passkeys_of(&member.id).await.unwrap();
    assert_eq!(keys.len(), 1, "{keys:?}");
    let held = browser.authenticator_credentials(&authenticator).await;
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!(
        held[0]["credentialId"]
            .as_str()
            .map(|s| s.trim_end_matches('=').replace('+', "-").replace('/', "_")),
        Some(keys[0].credential_id.clone())
    );

    // Signed out (the cookies gone), the sign-in page offers the passkey.
    browser.delete_cookies().await;
    browser.goto(&format!("{base}/sign-in")).await;
    browser
        .wait_for(
            "!document.getElementById('passkey-sign-in').hidden",
            "document.getElementById('passkey-sign-in').outerHTML",
        )
        .await;
    browser
        .click("#passkey-sign-in button[type='submit']")
        .await;
    browser
        .wait_for_text("Signed in as ed@example.com (editor)")
        .await;
    assert!(browser.current_url().await.ends_with("/newsroom"));

    let entries = app
        .db
        .store
        .audit_entries(AuditQuery {
            target: Some(("staff", &member.id)),
            before: None,
            limit: 20,
        })
        .await
        .unwrap();
    let actions: Vec<_> = entries
        .iter()
        .map(|e| (e.action.as_str(), e.summary.as_str()))
        .collect();
    assert!(
        actions.iter().any(|(a, _)| *a == "staff.passkey_add"),
        "{actions:?}"
    );
    assert!(
        actions
            .iter()
            .any(|(a, s)| *a == "staff.sign_in" && s.contains("with a passkey")),
        "{actions:?}"
    );
    let used = app.db.store.passkeys_of(&member.id).await.unwrap();
    assert!(used[0].last_used_at.is_some());

    // The profile lists it; removing it is audited and leaves none.
    browser.goto(&format!("{base}/newsroom/profile")).await;
    browser.click(".passkey-list button[type='submit']").await;
    browser.wait_for_text("The passkey was removed.").await;
    assert!(
        app.db
            .store
            .passkeys_of(&member.id)
            .await
            .unwrap()
            .is_empty()
    );
    app.stop().await;
}
