//! Comments end to end, on both backends: signed-in readers post, reply, edit, delete, like and
//! report over HTTP; moderators work the queue; reply emails are read off a real SMTP server.
//! Readers and staff sign in through the store (signing in has its own tests, in `account`).

use std::time::Duration;

use crate::common::{TestApp, browser::*, spawn_app_with};
use masthead_core::{EmailAddress, Role, comment::ModerationSettings};
use masthead_mail::testing::SmtpServer;
use masthead_store::comments::{NewComment, Status};

mod account_deletion;
mod likes_and_reports;
mod moderation;
mod moderation_settings;
mod posting;
mod reply_emails;
mod threads;

const THREAD: &str = "/city/harbour-crane-lifts-a-record-load/comments";
const OTHER_THREAD: &str = "/sport/athletic-win-the-derby/comments";

/// The fixture's articles are months old: keep threads open unless a test says otherwise.
/// Email goes to the outbox; readers and staff sign in through the store ([`TestApp::reader`],
/// [`TestApp::staff`]).
async fn open_app() -> TestApp {
    spawn_app_with(|c| c.comments.close_after_days = 0).await
}

/// As [`open_app`], sending email to a real SMTP server (for the reply emails).
async fn open_app_with_smtp() -> (TestApp, SmtpServer) {
    spawn_with_smtp_and(|c| c.comments.close_after_days = 0).await
}

async fn post_to(
    b: &Browser,
    app: &TestApp,
    thread: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    b.submit(app, thread, thread, fields).await
}

async fn post(b: &Browser, app: &TestApp, fields: &[(&str, &str)]) -> reqwest::Response {
    post_to(b, app, THREAD, fields).await
}

/// The comment id in a redirect to `…#c-ID`.
fn posted_id(res: &reqwest::Response) -> String {
    let loc = location(res);
    loc.split("#c-")
        .nth(1)
        .unwrap_or_else(|| panic!("no comment anchor in {loc}"))
        .to_owned()
}

async fn status_and_body(res: reqwest::Response) -> (u16, String) {
    let s = res.status().as_u16();
    (s, res.text().await.unwrap())
}

/// The ID of the comment `email`'s reader wrote with `text`.
async fn comment_id(app: &TestApp, email: &str, text: &str) -> String {
    let reader = reader_id(app, email).await;
    let comments = app.db.store.comments_of_reader(&reader).await.unwrap();
    comments
        .into_iter()
        .find(|c| c.body_text == text)
        .unwrap_or_else(|| panic!("no comment {text:?} by {email}"))
        .id
}

async fn reader_id(app: &TestApp, email: &str) -> String {
    let address = EmailAddress::parse(email).unwrap();
    app.db
        .store
        .reader_by_email(&address)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no reader {email}"))
        .id
}

/// The ID of a published article of the fixture.
async fn article_id(app: &TestApp, slug: &str) -> String {
    app.db
        .store
        .published_article_access(slug)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no published article {slug}"))
        .0
}

/// How many comment rows there are, whatever their status (no store function counts them all).
async fn count_comments(app: &TestApp) -> i64 {
    sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM comments")
        .fetch_one(app.db.store.reader())
        .await
        .unwrap()
}

/// The kept counts agree with the rows: per article, and replies per comment. (An integrity
/// check of the schema itself: no store function could stand in for it.)
async fn assert_counts_consistent(app: &TestApp) {
    let store = &app.db.store;
    let bad_articles: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM articles a WHERE a.comment_count <> \
         (SELECT COUNT(*) FROM comments c WHERE c.article_id = a.id AND c.status = 'published')",
    )
    .fetch_one(store.reader())
    .await
    .unwrap();
    assert_eq!(bad_articles, 0, "articles.comment_count out of step");
    let bad_replies: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM comments p WHERE p.reply_count <> \
         (SELECT COUNT(*) FROM comments c WHERE c.parent_id = p.id AND c.status = 'published')",
    )
    .fetch_one(store.reader())
    .await
    .unwrap();
    assert_eq!(bad_replies, 0, "comments.reply_count out of step");
    let bad_likes: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM comments p WHERE p.like_count <> \
         (SELECT COUNT(*) FROM comment_likes l WHERE l.comment_id = p.id)",
    )
    .fetch_one(store.reader())
    .await
    .unwrap();
    assert_eq!(bad_likes, 0, "comments.like_count out of step");
}

async fn settings(app: &TestApp, f: impl FnOnce(&mut ModerationSettings)) {
    let mut s = app.db.store.comment_settings().await.unwrap();
    f(&mut s);
    app.db
        .store
        .save_comment_settings(&s, "test")
        .await
        .unwrap();
    // Saved straight into the database, as another node would: this node's copy is dropped
    // the way the settings form drops it.
    app.state.forget_comment_settings();
}

/// A comment by Ana written straight through the store (as another node would write it);
/// held comments say so in their reason.
fn comment_by(article_id: &str, reader_id: &str, text: &str, status: Status) -> NewComment {
    NewComment {
        article_id: article_id.to_owned(),
        parent_id: None,
        reader_id: reader_id.to_owned(),
        author_name: "Ana".into(),
        author_role: None,
        body: masthead_core::comment::CommentBody::parse(text).unwrap(),
        status,
        hold_reason: (status == Status::Pending).then(|| "pre-moderation".into()),
        per_minute: 1000,
        save_display_name: false,
    }
}

/// The moderation settings form on the queue page, sent by moderator `m`.
async fn settings_form(m: &Browser, app: &TestApp, fields: &[(&str, &str)]) -> reqwest::Response {
    m.submit(
        app,
        "/newsroom/comments",
        "/newsroom/comments/settings",
        fields,
    )
    .await
}
