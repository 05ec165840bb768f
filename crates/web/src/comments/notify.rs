//! The reply email: one per reader per 15-minute window, listing every reply since their last
//! one. The job is enqueued (with an idempotency key per reader and window) in the transaction
//! that publishes the reply, and runs when the window ends; replies that arrive while it runs
//! are picked up by the next window's job. A retry after a send whose bookkeeping failed sends
//! the same message ID (the outbox replaces the file rather than adding one).

use masthead_mail::Email;
use masthead_store::jobs::ClaimedJob;

use crate::AppState;

pub async fn send_reply_email(app: AppState, job: ClaimedJob) -> Result<(), String> {
    let reader_id = job.payload["reader_id"]
        .as_str()
        .ok_or("comment reply job without reader_id")?;
    let store = &app.store;
    let Some(reader) = store
        .reader_by_id(reader_id)
        .await
        .map_err(|e| e.to_string())?
    else {
        return Ok(()); // the account was deleted meanwhile
    };
    if !store
        .commenter(reader_id)
        .await
        .map_err(|e| e.to_string())?
        .reply_emails
    {
        return Ok(()); // turned off since the reply came in
    }
    let notices = store
        .unsent_notices(reader_id)
        .await
        .map_err(|e| e.to_string())?;
    if notices.is_empty() {
        return Ok(());
    }
    let base = &app.config.public_url;
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
        site_name => &app.config.site_name,
        name => reader.display_name.as_deref().unwrap_or("there"),
        count => replies.len(),
        replies,
        settings_link => format!("{base}/account"),
    };
    let (subject, text, html) = app
        .emails
        .render("comment_reply", ctx)
        .map_err(|e| e.to_string())?;
    let to = masthead_core::EmailAddress::parse(&reader.email).map_err(|e| e.to_string())?;
    let email = Email {
        to,
        subject,
        text,
        html,
        message_id: format!("comment-reply-{}", job.id),
        headers: Vec::new(),
    };
    if let Err(e) = app.mailer.send(&email).await {
        metrics::counter!("masthead_emails_total", "kind" => "comment_reply", "outcome" => "failed").increment(1);
        return Err(format!("sending the comment reply email failed: {e}"));
    }
    metrics::counter!("masthead_emails_total", "kind" => "comment_reply", "outcome" => "sent")
        .increment(1);
    let ids: Vec<String> = notices.into_iter().map(|n| n.id).collect();
    store
        .mark_notices_sent(&ids)
        .await
        .map_err(|e| e.to_string())
}
