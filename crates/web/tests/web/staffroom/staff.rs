//! Staff management: each role against each action, invitations by real email, role changes
//! and deactivation reaching sessions on every node, the last admin kept, the audit entries.

use std::time::Duration;

use crate::common::{
    TestApp,
    browser::{Browser, email_to, location, spawn_with_smtp},
    spawn_app,
};
use masthead_core::{EmailAddress, Role};

use super::{ROLES, audit_of, eventually_status, status_on};

async fn member_id(app: &TestApp, email: &str) -> String {
    let email = EmailAddress::parse(email).unwrap();
    app.db
        .store
        .staff_by_email(&email)
        .await
        .unwrap()
        .unwrap()
        .id
}

#[tokio::test]
async fn only_admins_manage_staff_and_every_staff_member_has_a_profile() {
    let app = spawn_app().await;
    let target = app.staff("target@tribune.example", Role::Author).await;
    drop(target);
    let target_id = member_id(&app, "target@tribune.example").await;
    for (role, email) in ROLES {
        let b = app.staff(email, role).await;
        let admin = role == Role::Admin;
        let (status, page) = b.get(&app, "/newsroom/staff").await;
        assert_eq!(status, if admin { 200 } else { 403 }, "{role}: {page}");
        let (status, page) = b.get(&app, "/newsroom/profile").await;
        assert_eq!(status, 200, "{role}: {page}");
        assert!(
            page.contains(&format!("<dd>{}</dd>", capitalized(role))),
            "{role}: {page}"
        );
        // Every POST, from a page of the site (the profile's token), refused unless admin.
        let actions: [(String, &[(&str, &str)]); 4] = [
            (
                "/newsroom/staff/invite".to_owned(),
                &[("email", "new@tribune.example"), ("role", "author")],
            ),
            (
                format!("/newsroom/staff/{target_id}/role"),
                &[("role", "contributor")],
            ),
            (format!("/newsroom/staff/{target_id}/deactivate"), &[]),
            (format!("/newsroom/staff/{target_id}/reactivate"), &[]),
        ];
        if admin {
            continue;
        }
        for (action, fields) in &actions {
            let res = b.submit(&app, "/newsroom/profile", action, fields).await;
            assert_eq!(res.status(), 403, "{role} {action}");
        }
    }
    // Nothing changed: no invitation, the target still an active author.
    assert!(
        app.db
            .store
            .staff_by_email(&EmailAddress::parse("new@tribune.example").unwrap())
            .await
            .unwrap()
            .is_none()
    );
    let target = app
        .db
        .store
        .staff_member(&target_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((target.role, target.is_active()), (Role::Author, true));
    // A reader and a visitor.
    let reader = app.reader("reader@example.com").await;
    let (status, _) = reader.get(&app, "/newsroom/staff").await;
    assert_eq!(status, 403);
    let (status, _) = reader.get(&app, "/newsroom/profile").await;
    assert_eq!(status, 403);
    let res = app.get("/newsroom/staff").await;
    assert_eq!(res.status(), 303);
    assert!(location(&res).starts_with("/sign-in"), "{}", location(&res));
    app.stop().await;
}

fn capitalized(role: Role) -> String {
    let s = role.as_str();
    format!("{}{}", s[..1].to_uppercase(), &s[1..])
}

#[tokio::test]
async fn an_admin_invites_by_email_and_bad_input_keeps_the_form() {
    let (app, smtp) = spawn_with_smtp().await;
    let admin = app.staff("admin@tribune.example", Role::Admin).await;
    // A bad address: the form again, with the input and a message.
    let res = admin
        .submit(
            &app,
            "/newsroom/staff",
            "/newsroom/staff/invite",
            &[("email", "not an address"), ("role", "editor")],
        )
        .await;
    assert_eq!(res.status(), 400);
    let page = res.text().await.unwrap();
    assert!(page.contains("value=\"not an address\""), "{page}");
    assert!(page.contains("id=\"invite-error\""), "{page}");
    assert!(
        page.contains("<option value=\"editor\" selected>"),
        "{page}"
    );
    // An unknown role.
    let res = admin
        .submit(
            &app,
            "/newsroom/staff",
            "/newsroom/staff/invite",
            &[("email", "nina@tribune.example"), ("role", "owner")],
        )
        .await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("unknown role"));

    let res = admin
        .submit(
            &app,
            "/newsroom/staff",
            "/newsroom/staff/invite",
            &[("email", " Nina@Tribune.example "), ("role", "contributor")],
        )
        .await;
    assert_eq!(location(&res), "/newsroom/staff?notice=invited");
    let invite = email_to(&smtp, "Nina@Tribune.example", 1).await;
    assert!(
        invite.subject.contains("the newsroom of The Test Tribune"),
        "{}",
        invite.subject
    );
    assert!(
        invite.text.contains("admin@tribune.example invited you"),
        "{}",
        invite.text
    );
    assert!(invite.text.contains("as contributor"), "{}", invite.text);
    assert!(
        invite
            .text
            .contains("/register?email=Nina%40tribune.example&return_to=%2Fnewsroom%2Fprofile"),
        "{}",
        invite.text
    );
    assert!(
        !invite.text.contains("token="),
        "no secret in an invitation"
    );
    let id = member_id(&app, "nina@tribune.example").await;
    let (_, page) = admin.get(&app, "/newsroom/staff").await;
    assert!(page.contains("Nina@tribune.example"), "{page}");
    assert!(page.contains("Invited by admin@tribune.example"), "{page}");
    // Inviting again changes nothing and says so; no second email.
    let res = admin
        .submit(
            &app,
            "/newsroom/staff",
            "/newsroom/staff/invite",
            &[("email", "nina@tribune.example"), ("role", "admin")],
        )
        .await;
    assert_eq!(res.status(), 409);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("already on the staff, as contributor")
    );
    let entries = audit_of(&app, "staff", &id).await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].action, "staff.invite");
    assert_eq!(entries[0].actor_label, "admin@tribune.example");
    assert_eq!(
        entries[0].after.as_deref(),
        Some(r#"{"role":"contributor"}"#)
    );

    // The invitee follows the link: registering with the address, in their browser.
    let invitee = Browser::new();
    crate::common::browser::register(&app, &smtp, &invitee, "nina@tribune.example").await;
    let (status, page) = invitee.get(&app, "/newsroom/profile").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("write drafts"), "{page}");
    app.stop().await;
    assert_eq!(
        smtp.messages()
            .iter()
            .filter(|m| m.subject.contains("invited"))
            .count(),
        1
    );
}

#[tokio::test]
async fn a_role_change_reaches_open_sessions_on_every_node_at_once() {
    let app = spawn_app().await;
    let admin = app.staff("admin@tribune.example", Role::Admin).await;
    let editor = app.staff("editor@tribune.example", Role::Editor).await;
    let id = member_id(&app, "editor@tribune.example").await;
    let (node_b, stop) = app.second_node().await;
    assert_eq!(status_on(&editor, &node_b, "/newsroom/comments").await, 200);
    assert_eq!(
        status_on(&editor, &node_b, "/newsroom/comments").await,
        200,
        "from node B's session cache"
    );
    let res = admin
        .submit(
            &app,
            "/newsroom/staff",
            &format!("/newsroom/staff/{id}/role"),
            &[("role", "contributor")],
        )
        .await;
    assert_eq!(location(&res), "/newsroom/staff?notice=role");
    // At once on this node, within a second on the other (its cache would keep it 60 s).
    assert_eq!(
        status_on(&editor, &app.url(""), "/newsroom/comments").await,
        403
    );
    eventually_status(
        &editor,
        &node_b,
        "/newsroom/comments",
        403,
        Duration::from_secs(1),
        "node B still gives the old role",
    )
    .await;
    // The session itself lives on, with the new role.
    let (status, page) = editor.get(&app, "/newsroom/profile").await;
    assert_eq!(status, 200);
    assert!(page.contains("<dd>Contributor</dd>"), "{page}");
    let entries = audit_of(&app, "staff", &id).await;
    let change = entries.iter().find(|e| e.action == "staff.role").unwrap();
    assert_eq!(change.before.as_deref(), Some(r#"{"role":"editor"}"#));
    assert_eq!(change.after.as_deref(), Some(r#"{"role":"contributor"}"#));
    assert_eq!(change.actor_label, "admin@tribune.example");
    // A role that does not exist: the page with a message, nothing changed.
    let res = admin
        .submit(
            &app,
            "/newsroom/staff",
            &format!("/newsroom/staff/{id}/role"),
            &[("role", "owner")],
        )
        .await;
    assert_eq!(res.status(), 400);
    let res = admin
        .submit(
            &app,
            "/newsroom/staff",
            "/newsroom/staff/no-such-id/role",
            &[("role", "author")],
        )
        .await;
    assert_eq!(res.status(), 404);
    let _ = stop.send(());
    app.stop().await;
}

#[tokio::test]
async fn deactivation_ends_sessions_on_every_node_at_once_and_reactivation_restores_the_role() {
    let app = spawn_app().await;
    let admin = app.staff("admin@tribune.example", Role::Admin).await;
    let moderator = app
        .staff("moderator@tribune.example", Role::Moderator)
        .await;
    let id = member_id(&app, "moderator@tribune.example").await;
    let (node_b, stop) = app.second_node().await;
    assert_eq!(
        status_on(&moderator, &node_b, "/newsroom/comments").await,
        200
    );
    assert_eq!(
        status_on(&moderator, &node_b, "/newsroom/comments").await,
        200
    );
    let res = admin
        .submit(
            &app,
            "/newsroom/staff",
            &format!("/newsroom/staff/{id}/deactivate"),
            &[],
        )
        .await;
    assert_eq!(location(&res), "/newsroom/staff?notice=deactivated");
    // The session is gone: sent to sign in, on this node at once and on node B within a second.
    assert_eq!(
        status_on(&moderator, &app.url(""), "/newsroom/comments").await,
        303
    );
    eventually_status(
        &moderator,
        &node_b,
        "/newsroom/comments",
        303,
        Duration::from_secs(1),
        "node B still honours a deactivated member's session",
    )
    .await;
    let (_, page) = admin.get(&app, "/newsroom/staff").await;
    assert!(page.contains("Deactivated "), "{page}");
    // Deactivating again changes nothing.
    let res = admin
        .submit(
            &app,
            "/newsroom/staff",
            &format!("/newsroom/staff/{id}/deactivate"),
            &[],
        )
        .await;
    assert_eq!(location(&res), "/newsroom/staff?notice=unchanged");
    let res = admin
        .submit(
            &app,
            "/newsroom/staff",
            &format!("/newsroom/staff/{id}/reactivate"),
            &[],
        )
        .await;
    assert_eq!(location(&res), "/newsroom/staff?notice=reactivated");
    let m = app.db.store.staff_member(&id).await.unwrap().unwrap();
    assert_eq!((m.role, m.is_active()), (Role::Moderator, true));
    // They sign in again (the old session stays ended).
    assert_eq!(
        status_on(&moderator, &app.url(""), "/newsroom/comments").await,
        303
    );
    let again = app
        .staff("moderator@tribune.example", Role::Moderator)
        .await;
    let (status, _) = again.get(&app, "/newsroom/comments").await;
    assert_eq!(status, 200);
    let actions: Vec<_> = audit_of(&app, "staff", &id)
        .await
        .into_iter()
        .map(|e| (e.action, e.before, e.after))
        .collect();
    assert_eq!(
        actions[..2],
        [
            (
                "staff.reactivate".to_owned(),
                Some(r#"{"active":false,"role":"moderator"}"#.to_owned()),
                Some(r#"{"active":true,"role":"moderator"}"#.to_owned())
            ),
            (
                "staff.deactivate".to_owned(),
                Some(r#"{"active":true,"role":"moderator"}"#.to_owned()),
                Some(r#"{"active":false,"role":"moderator"}"#.to_owned())
            ),
        ],
        "{actions:?}"
    );
    let _ = stop.send(());
    app.stop().await;
}

#[tokio::test]
async fn the_newsroom_always_keeps_an_active_admin() {
    let app = spawn_app().await;
    let admin = app.staff("admin@tribune.example", Role::Admin).await;
    let id = member_id(&app, "admin@tribune.example").await;
    // The only admin cannot demote themselves, nor be deactivated.
    let res = admin
        .submit(
            &app,
            "/newsroom/staff",
            &format!("/newsroom/staff/{id}/role"),
            &[("role", "editor")],
        )
        .await;
    assert_eq!(res.status(), 409);
    let page = res.text().await.unwrap();
    assert!(page.contains("without an admin"), "{page}");
    let res = admin
        .submit(
            &app,
            "/newsroom/staff",
            &format!("/newsroom/staff/{id}/deactivate"),
            &[],
        )
        .await;
    assert_eq!(res.status(), 409);
    // With a second admin: no self-deactivation still, but demoting oneself is allowed.
    let _second = app.staff("second@tribune.example", Role::Admin).await;
    let res = admin
        .submit(
            &app,
            "/newsroom/staff",
            &format!("/newsroom/staff/{id}/deactivate"),
            &[],
        )
        .await;
    assert_eq!(res.status(), 409);
    assert!(res.text().await.unwrap().contains("your own account"));
    let res = admin
        .submit(
            &app,
            "/newsroom/staff",
            &format!("/newsroom/staff/{id}/role"),
            &[("role", "editor")],
        )
        .await;
    assert_eq!(location(&res), "/newsroom/staff?notice=role");
    let (status, _) = admin.get(&app, "/newsroom/staff").await;
    assert_eq!(status, 403, "an editor now");
    // Forms without the token change nothing.
    let second = app.staff("second@tribune.example", Role::Admin).await;
    let res = second
        .client
        .post(app.url(&format!("/newsroom/staff/{id}/role")))
        .form(&[("role", "admin")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let m = app.db.store.staff_member(&id).await.unwrap().unwrap();
    assert_eq!(m.role, Role::Editor);
    app.stop().await;
}

#[tokio::test]
async fn an_invitation_withdrawn_before_its_email_went_is_not_sent() {
    let (app, smtp) = crate::common::browser::spawn_with_smtp_and(|c| c.run_worker = false).await;
    let admin = app.staff("admin@tribune.example", Role::Admin).await;
    let res = admin
        .submit(
            &app,
            "/newsroom/staff",
            "/newsroom/staff/invite",
            &[("email", "late@tribune.example"), ("role", "author")],
        )
        .await;
    assert_eq!(location(&res), "/newsroom/staff?notice=invited");
    let id = member_id(&app, "late@tribune.example").await;
    let res = admin
        .submit(
            &app,
            "/newsroom/staff",
            &format!("/newsroom/staff/{id}/deactivate"),
            &[],
        )
        .await;
    assert_eq!(location(&res), "/newsroom/staff?notice=deactivated");
    let invites =
        masthead_store::testing::jobs_of_kind(&app.db.store, "send_staff_invite_email").await;
    assert_eq!(invites.len(), 1);
    assert_ne!(invites[0].status, "done", "not run yet: no worker");
    app.run_due_jobs().await;
    let invites =
        masthead_store::testing::jobs_of_kind(&app.db.store, "send_staff_invite_email").await;
    assert_eq!(invites[0].status, "done", "the invitation's job ran");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        smtp.messages().iter().all(|m| !m.to.contains("late@")),
        "{:?}",
        smtp.messages()
    );
    app.stop().await;
}
