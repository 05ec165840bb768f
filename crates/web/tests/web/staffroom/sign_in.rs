//! Staff sign-in: the session length is configurable, and each staff sign-in is recorded in the
//! audit log (link and code); a reader's sign-in is not; a deactivated member signs in as a
//! reader.

use crate::common::browser::{Browser, code_in, email_to, link_in, location, spawn_with_smtp_and};
use masthead_core::{EmailAddress, Role};

use super::audit_of;

/// The `Max-Age` of the session cookie a response sets.
fn session_max_age(res: &reqwest::Response) -> Option<i64> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("mh_session="))
        .and_then(|c| {
            c.split(';')
                .find_map(|p| p.trim().strip_prefix("Max-Age=").map(str::to_owned))
        })
        .and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn a_staff_sign_in_lasts_the_configured_hours_and_is_audited() {
    let (app, smtp) = spawn_with_smtp_and(|c| c.staff_session_hours = 3).await;
    let email = EmailAddress::parse("editor@tribune.example").unwrap();
    app.db.store.add_staff(&email, Role::Editor).await.unwrap();
    let member = app.db.store.staff_by_email(&email).await.unwrap().unwrap();

    // By link, in the browser that asked (registering: the address has no account yet).
    let b = Browser::new();
    let res = b
        .submit(&app, "/register", "/register", &[("email", email.as_str())])
        .await;
    assert_eq!(res.status(), 303);
    let link = link_in(&email_to(&smtp, email.as_str(), 1).await.text);
    let res = b.post_link(&app, &link, &link).await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        session_max_age(&res),
        Some(3 * 3600),
        "the configured staff session"
    );
    let (status, _) = b.get(&app, "/newsroom/comments").await;
    assert_eq!(status, 200, "a staff session");

    // By code, in another browser that asked.
    let c = Browser::new();
    c.submit(&app, "/sign-in", "/sign-in", &[("email", email.as_str())])
        .await;
    let code = code_in(&email_to(&smtp, email.as_str(), 2).await.text);
    let res = c
        .submit(
            &app,
            "/sign-in/code",
            "/sign-in/code",
            &[("email", email.as_str()), ("code", &code)],
        )
        .await;
    assert_eq!(res.status(), 303, "{}", location(&res));
    assert_eq!(session_max_age(&res), Some(3 * 3600));

    let entries = audit_of(&app, "staff", &member.id).await;
    let sign_ins: Vec<_> = entries
        .iter()
        .filter(|e| e.action == "staff.sign_in")
        .collect();
    assert_eq!(sign_ins.len(), 2, "{entries:?}");
    assert!(sign_ins[0].summary.contains("code"), "{:?}", sign_ins[0]);
    assert!(sign_ins[1].summary.contains("link"), "{:?}", sign_ins[1]);
    assert_eq!(sign_ins[0].actor_label, "editor@tribune.example");
    // The profile page lists them.
    let (status, page) = c.get(&app, "/newsroom/profile").await;
    assert_eq!(status, 200);
    assert!(page.contains("an emailed code"), "{page}");
    assert!(page.contains("3 hours"), "{page}");
    app.stop().await;
}

#[tokio::test]
async fn a_reader_sign_in_is_not_audited_and_a_deactivated_member_signs_in_as_a_reader() {
    let (app, smtp) = spawn_with_smtp_and(|c| c.staff_session_hours = 3).await;
    let admin = app.staff("admin@tribune.example", Role::Admin).await;
    let email = EmailAddress::parse("author@tribune.example").unwrap();
    app.db.store.add_staff(&email, Role::Author).await.unwrap();
    let member = app.db.store.staff_by_email(&email).await.unwrap().unwrap();
    let res = admin
        .submit(
            &app,
            "/newsroom/staff",
            &format!("/newsroom/staff/{}/deactivate", member.id),
            &[],
        )
        .await;
    assert_eq!(location(&res), "/newsroom/staff?notice=deactivated");

    // Register as a reader (the address has no account yet), then sign in: a reader's session.
    let b = Browser::new();
    crate::common::browser::register(&app, &smtp, &b, email.as_str()).await;
    let (status, _) = b.get(&app, "/account").await;
    assert_eq!(status, 200);
    let (status, _) = b.get(&app, "/newsroom/profile").await;
    assert_eq!(status, 403, "no staff rights for a deactivated member");
    let entries = audit_of(&app, "staff", &member.id).await;
    assert!(
        entries.iter().all(|e| e.action != "staff.sign_in"),
        "{entries:?}"
    );
    // And the reader's session is a month long, not the staff one.
    let c = Browser::new();
    c.submit(&app, "/sign-in", "/sign-in", &[("email", email.as_str())])
        .await;
    let link = link_in(&email_to(&smtp, email.as_str(), 2).await.text);
    let res = c.post_link(&app, &link, &link).await;
    assert_eq!(session_max_age(&res), Some(30 * 86_400));
    app.stop().await;
}
