//! The reply email: one per reader per 15-minute window, listing every reply since their last
//! one. The job is enqueued (with an idempotency key per reader and window) in the transaction
//! that publishes the reply, and runs when the window ends; replies that arrive while it runs
//! are picked up by the next window's job. A retry after a send whose bookkeeping failed sends
//! the same message ID (the outbox replaces the file rather than adding one).

use masthead_mail::Email;
use masthead_store::{
    comments::SendReplyEmail,
    jobs::{JobError, RunJob},
};

use crate::{JobEnv, count_email};

impl RunJob<JobEnv> for SendReplyEmail {
    async fn run(&self, env: &JobEnv) -> Result<(), JobError> {
        send(env, self).await
    }
}

async fn send(app: &JobEnv, job: &SendReplyEmail) -> Result<(), JobError> {
    let reader_id = job.reader_id.as_str();
    let store = &app.store;
    let Some(reader) = store.reader_by_id(reader_id).await? else {
        return Ok(()); // the account was deleted meanwhile
    };
    if !store.commenter(reader_id).await?.reply_emails {
        return Ok(()); // turned off since the reply came in
    }
    let notices = store.unsent_notices(reader_id).await?;
    if notices.is_empty() {
        return Ok(());
    }
    let base = &app.site.public_url;
    let replies: Vec<minijinja::Value> = notices
        .iter()
        .map(|n| {
            let excerpt: String = n.body_text.chars().take(300).collect();
            minijinja::context! {
                author => &n.author_name,
                excerpt,
                truncated => n.body_text.chars().count() > 300,
                headline => &n.article_headline,
                link => format!("{base}/{}/{}/comments#c-{}", n.section_slug, n.article_slug, n.comment_id),
            }
        })
        .collect();
    let ctx = minijinja::context! {
        site_name => &app.site.site_name,
        name => reader.display_name.as_deref().unwrap_or("there"),
        count => replies.len(),
        replies,
        settings_link => format!("{base}/account"),
    };
    let (subject, text, html) = app.emails.render("comment_reply", ctx)?;
    let to = masthead_core::EmailAddress::parse(&reader.email)
        .map_err(|e| JobError::permanent(format!("stored address: {}", e.0)))?;
    let email = Email {
        to,
        subject,
        text,
        html,
        // The same message for a retried window: the outbox replaces the file.
        message_id: format!("comment-reply-{}-{}", job.reader_id, job.window),
        headers: Vec::new(),
    };
    let sent = app.mailer.send(&email).await;
    count_email("comment_reply", sent.is_ok());
    sent.map_err(|e| JobError::msg(format!("sending the comment reply email failed: {e}")))?;
    let ids: Vec<String> = notices.into_iter().map(|n| n.id).collect();
    Ok(store.mark_notices_sent(&ids).await?)
}
