//! Reply emails: one per reader per window, listing the replies; turned off on the account page.

use masthead_store::testing::jobs_of_kind;

use super::*;

#[tokio::test]
async fn replies_are_emailed_in_batches_and_can_be_turned_off() {
    let (app, smtp) = open_app_with_smtp().await;
    let ana = app.reader("ana@example.com").await;
    let tom = app.reader("tom@example.com").await;
    let eve = app.reader("eve@example.com").await;
    let a = posted_id(
        &post(
            &ana,
            &app,
            &[("name", "Ana"), ("text", "Start of a debate")],
        )
        .await,
    );
    let toms = posted_id(
        &post(
            &tom,
            &app,
            &[
                ("name", "Tom"),
                ("text", "I disagree strongly"),
                ("parent", &a),
            ],
        )
        .await,
    );
    post(
        &eve,
        &app,
        &[
            ("name", "Eve"),
            ("text", "I agree entirely"),
            ("parent", &a),
        ],
    )
    .await;
    post(
        &ana,
        &app,
        &[("text", "Replying to myself"), ("parent", &a)],
    )
    .await;
    let jobs = jobs_of_kind(&app.db.store, "send_comment_reply_email")
        .await
        .len();
    assert_eq!(jobs, 1, "one email per recipient per window");
    app.run_due_jobs().await;
    let msg = email_to(&smtp, "ana@example.com", 1).await;
    assert!(msg.subject.contains("2 replies"), "{}", msg.subject);
    assert!(msg.text.contains("I disagree strongly") && msg.text.contains("I agree entirely"));
    assert!(!msg.text.contains("Replying to myself"));
    assert!(msg.text.contains(&format!("{THREAD}#c-")));
    // A reply to Tom's reply (shown under Ana's comment) is news for Tom.
    post(&ana, &app, &[("text", "Answering Tom"), ("parent", &toms)]).await;
    app.run_due_jobs().await;
    let msg = email_to(&smtp, "tom@example.com", 1).await;
    assert!(msg.subject.contains("Ana replied"), "{}", msg.subject);
    assert!(msg.text.contains("Answering Tom"));

    // Opt out on the account page: no more notices.
    let res = ana
        .submit(&app, "/account", "/account/comment-replies", &[])
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = ana.get(&app, "/account").await;
    assert!(!page.contains(
        "id=\"reply_emails\" name=\"reply_emails\" type=\"checkbox\" value=\"on\" checked"
    ));
    post(&tom, &app, &[("text", "Another reply"), ("parent", &a)]).await;
    // Every notice row, whatever its comment's status (`unsent_notices` lists only published
    // ones): opting out means none is written.
    let unsent: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM comment_notices WHERE sent_at IS NULL")
            .fetch_one(app.db.store.reader())
            .await
            .unwrap();
    assert_eq!(unsent, 0);
    app.stop().await;
}
