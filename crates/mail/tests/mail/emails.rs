//! What readers read: every email of the default theme, snapshotted whole (subject, text, HTML).
//! Review a change with `cargo insta review` (or `INSTA_UPDATE=always`, then read the diff).

use masthead_mail::EmailTemplates;
use serde_json::json;

fn snapshot(name: &str, ctx: serde_json::Value) -> String {
    let (subject, text, html) = EmailTemplates::load(None)
        .unwrap()
        .render(name, ctx)
        .unwrap();
    format!("Subject: {subject}\n\n----- text -----\n{text}\n----- html -----\n{html}")
}

fn code_context() -> serde_json::Value {
    json!({
        "site_name": "The Meridian Courier",
        "link": "https://courier.example/account/verify?token=Zm9vYmFy&next=%2Fworld",
        "code": "4821 0937",
        "expires_minutes": 15,
        "email": "ana@example.com",
    })
}

#[test]
fn sign_in() {
    insta::assert_snapshot!(snapshot("sign_in", code_context()));
}

#[test]
fn register() {
    insta::assert_snapshot!(snapshot("register", code_context()));
}

#[test]
fn change_email() {
    insta::assert_snapshot!(snapshot("change_email", code_context()));
}

#[test]
fn no_account() {
    insta::assert_snapshot!(snapshot(
        "no_account",
        json!({
            "site_name": "The Meridian Courier",
            "link": "https://courier.example/sign-in/link?token=abc",
            "expires_minutes": 15,
            "email": "ana@example.com",
        })
    ));
}

#[test]
fn link_identity() {
    insta::assert_snapshot!(snapshot(
        "link_identity",
        json!({
            "site_name": "The Meridian Courier",
            "link": "https://courier.example/sign-in/link?token=abc",
            "code": "1234 5678",
            "expires_minutes": 15,
            "email": "ana@example.com",
            "provider_name": "Google",
        })
    ));
}

#[test]
fn identity_linked_and_unlinked() {
    for name in ["identity_linked", "identity_unlinked"] {
        insta::assert_snapshot!(
            name,
            snapshot(
                name,
                json!({
                    "site_name": "The Meridian Courier",
                    "email": "ana@example.com",
                    "provider_name": "Google",
                    "at": "1 December 2026, 09:30",
                    "account_link": "https://courier.example/account",
                })
            )
        );
    }
}

#[test]
fn comment_reply() {
    let reply = |author: &str, text: &str, id: &str| {
        json!({
            "author": author,
            "excerpt": text,
            "truncated": false,
            "headline": "Ferry timetable <revised> for winter",
            "link": format!("https://courier.example/city/ferry-timetable/comments#c-{id}"),
        })
    };
    insta::assert_snapshot!(snapshot(
        "comment_reply",
        json!({
            "site_name": "The Meridian Courier",
            "name": "Ana",
            "count": 2,
            "replies": [
                reply("Tom", "The 7:40 boat never runs on time & nobody says why.", "1"),
                reply("Eve <staff>", "Thanks, we have asked the operator.", "2"),
            ],
            "settings_link": "https://courier.example/account",
        })
    ));
    // One reply: the subject names who answered.
    let (subject, _, _) = EmailTemplates::load(None)
        .unwrap()
        .render(
            "comment_reply",
            json!({
                "site_name": "The Meridian Courier", "name": "Ana", "count": 1,
                "replies": [reply("Tom", "Agreed.", "3")],
                "settings_link": "https://courier.example/account",
            }),
        )
        .unwrap();
    assert_eq!(
        subject,
        "Tom replied to your comment on The Meridian Courier"
    );
}

#[test]
fn comment_reply_one_long_reply() {
    // One reply, cut to its excerpt: the singular wording and the ellipsis.
    insta::assert_snapshot!(snapshot(
        "comment_reply",
        json!({
            "site_name": "The Meridian Courier",
            "name": "Ana",
            "count": 1,
            "replies": [{
                "author": "Tom",
                "excerpt": "The ferry used to leave at 7:40 sharp, and for years",
                "truncated": true,
                "headline": "Ferry timetable <revised> for winter",
                "link": "https://courier.example/city/ferry-timetable/comments#c-3",
            }],
            "settings_link": "https://courier.example/account",
        })
    ));
}
