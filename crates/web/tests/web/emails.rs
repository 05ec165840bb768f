//! Every email the default theme sends, as a reader receives it off a real SMTP server, made
//! by the app's own jobs from their real contexts (the mail crate's `emails` module snapshots
//! the templates from contexts written by hand). Tokens, codes, ports and IDs are redacted.

use crate::common::browser::{Browser, email_to, register, spawn_with_smtp_and};

/// What changes from run to run.
fn redactions() -> Vec<(&'static str, &'static str)> {
    vec![
        (r"token=[A-Za-z0-9_-]{43}", "token=[token]"),
        (r"\b\d{4} ?\d{4}\b", "[code]"),
        (r"http://127\.0\.0\.1:\d+", "[site]"),
        (
            r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
            "[id]",
        ),
    ]
}

#[tokio::test]
async fn every_email_the_default_theme_sends() {
    let (app, smtp) = spawn_with_smtp_and(|c| c.comments.close_after_days = 0).await;

    // register: a new address, from the registration form.
    let ana = Browser::new();
    register(&app, &smtp, &ana, "ana@example.com").await;
    let register_email = email_to(&smtp, "ana@example.com", 1).await;

    // sign_in: a known address, from the sign-in form.
    let laptop = Browser::new();
    let res = laptop
        .submit(
            &app,
            "/sign-in",
            "/sign-in",
            &[("email", "ana@example.com")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let sign_in_email = email_to(&smtp, "ana@example.com", 2).await;

    // no_account: an unknown address, from the sign-in form.
    let res = laptop
        .submit(
            &app,
            "/sign-in",
            "/sign-in",
            &[("email", "nobody@example.com")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let no_account_email = email_to(&smtp, "nobody@example.com", 1).await;

    // change_email: to the new address, from the account page.
    let res = ana
        .submit(
            &app,
            "/account",
            "/account/email",
            &[("new_email", "ana.new@example.com")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let change_email = email_to(&smtp, "ana.new@example.com", 1).await;

    // comment_reply: at the end of the window, to the author of the comment replied to.
    let thread = "/city/harbour-crane-lifts-a-record-load/comments";
    let res = ana
        .submit(
            &app,
            thread,
            thread,
            &[("name", "Ana"), ("text", "The crane is a marvel.")],
        )
        .await;
    let parent = crate::common::browser::location(&res)
        .split("#c-")
        .nth(1)
        .expect("the comment's anchor")
        .to_owned();
    let tom = app.reader("tom@example.com").await;
    let res = tom
        .submit(
            &app,
            thread,
            thread,
            &[
                ("name", "Tom"),
                ("text", "It is & it <b>was</b> loud."),
                ("parent", &parent),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    app.run_due_jobs().await;
    let reply_email = email_to(&smtp, "ana@example.com", 3).await;

    insta::with_settings!({ filters => redactions() }, {
        insta::assert_snapshot!("register", register_email.snapshot());
        insta::assert_snapshot!("sign_in", sign_in_email.snapshot());
        insta::assert_snapshot!("no_account", no_account_email.snapshot());
        insta::assert_snapshot!("change_email", change_email.snapshot());
        insta::assert_snapshot!("comment_reply", reply_email.snapshot());
    });
    app.stop().await;
}
