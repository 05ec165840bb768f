//! Writing: post, reply, edit, delete. Each POST's CSRF proof is checked by its extractor
//! (`CsrfForm`), then the article, the reader and their input; a refusal shows the thread (or
//! form) again with what they typed and what to do. Success redirects back to the thread at the
//! comment's anchor. What a new or edited text becomes (published, held, refused) is decided by
//! one function for both, [`pipeline::decide`](super::pipeline::decide).

use axum::{
    extract::{Path, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use masthead_core::comment;
use masthead_store::{
    comments::{NewComment, Poster, Refusal, Sort, Status},
    rate_limit::{RateKey, RateLimit},
};
use serde::Deserialize;

use super::{
    ThreadHead,
    pipeline::{self, Verdict},
    thread::{self, FormState},
    view,
};
use crate::{
    AppState,
    error::WebError,
    session::{CsrfForm, MaybeReader, Session},
};

#[derive(Debug, Default, Clone, Deserialize)]
pub struct CommentForm {
    #[serde(default)]
    pub(super) text: String,
    #[serde(default)]
    pub(super) name: String,
    #[serde(default)]
    pub(super) parent: Option<String>,
    #[serde(default)]
    pub(super) sort: Option<String>,
    #[serde(default)]
    pub(super) page: Option<String>,
    #[serde(default)]
    pub(super) reason: String,
    #[serde(default)]
    pub(super) detail: String,
}

impl CommentForm {
    pub(super) fn sort(&self) -> Sort {
        self.sort
            .as_deref()
            .and_then(Sort::parse)
            .unwrap_or(Sort::Oldest)
    }

    pub(super) fn page(&self) -> i64 {
        thread::parse_page(self.page.as_deref()).unwrap_or(1)
    }
}

/// The article of a comment POST, and its signed-in writer (else: sign in, then back to the
/// thread).
pub(super) async fn writer(
    app: &AppState,
    signed_in: MaybeReader,
    section: &str,
    slug: &str,
) -> Result<(std::sync::Arc<ThreadHead>, Session), WebError> {
    let head = thread::head(app, slug)
        .await?
        .filter(|h| h.section_slug == section)
        .ok_or(WebError::NotFound)?;
    let session = signed_in.require(&head.thread_path())?;
    Ok((head, session))
}

/// The thread again, with the reader's text and a message.
pub(super) async fn again(
    app: &AppState,
    headers: &HeaderMap,
    head: &ThreadHead,
    reader_id: &str,
    f: &CommentForm,
    status: StatusCode,
    error: String,
) -> Result<Response, WebError> {
    let state = FormState {
        text: f.text.clone(),
        name: f.name.clone(),
        parent: f.parent.clone().filter(|p| !p.is_empty()),
        error: Some(error),
        notice: None,
    };
    let mut res = thread::show(
        app,
        headers,
        head,
        f.sort(),
        f.page(),
        reader_id,
        state,
        status,
    )
    .await?;
    if status == StatusCode::TOO_MANY_REQUESTS {
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
    }
    Ok(res)
}

pub(super) fn back_to(
    head: &ThreadHead,
    sort: Sort,
    page: i64,
    notice: Option<&str>,
    anchor: &str,
) -> Response {
    let mut url = view::thread_url(head, sort, page);
    if let Some(n) = notice {
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str("notice=");
        url.push_str(n);
    }
    Redirect::to(&format!("{url}#{anchor}")).into_response()
}

pub(super) async fn rate_ok(app: &AppState, limit: RateLimit) -> Result<bool, WebError> {
    Ok(app.store.take_rate_limit(&limit).await?)
}

pub async fn post_comment(
    State(app): State<AppState>,
    Path((section, slug)): Path<(String, String)>,
    headers: HeaderMap,
    signed_in: MaybeReader,
    CsrfForm(f): CsrfForm<CommentForm>,
) -> Result<Response, WebError> {
    let (head, session) = writer(&app, signed_in, &section, &slug).await?;
    // One read for the reader, their standing, their role and the thread's state. A thread
    // closed between this read and the write still takes this one comment.
    let poster = app
        .store
        .session_poster(&session.id_hash, &head.article_id)
        .await?;
    let Some(Poster {
        reader,
        commenter,
        role,
        thread_closed,
    }) = poster
    else {
        return Err(WebError::SignInFirst(head.thread_path()));
    };
    let refuse = |status, msg: String| again(&app, &headers, &head, &reader.id, &f, status, msg);
    let name = match &reader.display_name {
        Some(n) => n.clone(),
        None => match comment::parse_display_name(&f.name) {
            Ok(n) => n,
            Err(e) => return refuse(StatusCode::BAD_REQUEST, e.0).await,
        },
    };
    let settings = app.comment_settings().await?;
    let verdict = pipeline::decide(
        &app,
        &head,
        &settings,
        &commenter,
        role,
        thread_closed,
        &f.text,
    );
    let (body, status, hold_reason) = match verdict {
        Verdict::Accepted { body, status, hold } => (body, status, hold),
        Verdict::Refused(status, msg) => return refuse(status, msg).await,
    };
    let new = NewComment {
        article_id: head.article_id.clone(),
        parent_id: f.parent.clone().filter(|p| !p.is_empty()),
        reader_id: reader.id.clone(),
        author_name: name,
        author_role: role.map(|r| r.as_str().to_owned()),
        body,
        status,
        hold_reason,
        per_minute: settings.per_minute,
        save_display_name: reader.display_name.is_none(),
    };
    match app.store.post_comment(&new).await? {
        Ok((id, version)) => {
            app.comments.observe(&head.article_id, version);
            // No wake for the job worker: the only job a post makes (a reply email) is due at
            // the end of its batching window, and a claim per post would queue at the writer.
            metrics::counter!("masthead_comments_posted_total", "status" => status.as_str())
                .increment(1);
            Ok(match status {
                Status::Published => back_to(&head, f.sort(), f.page(), None, &format!("c-{id}")),
                _ => back_to(&head, f.sort(), f.page(), Some("held"), "comment-form"),
            })
        }
        Err(Refusal::TooFast) => {
            let msg = "You are commenting faster than we allow. Please wait a minute and post again; your text is still here.";
            refuse(StatusCode::TOO_MANY_REQUESTS, msg.into()).await
        }
        Err(Refusal::Duplicate) => {
            let msg = "You posted this same comment a moment ago. It is already on the page (or waiting for a moderator).";
            refuse(StatusCode::CONFLICT, msg.into()).await
        }
        Err(_) => {
            // The reply form of a missing comment is not on the page: show the text in the
            // main form instead.
            let msg = "The comment you replied to is no longer available. You can post your text as a new comment instead.";
            let mut f = f.clone();
            f.parent = None;
            again(
                &app,
                &headers,
                &head,
                &reader.id,
                &f,
                StatusCode::NOT_FOUND,
                msg.into(),
            )
            .await
        }
    }
}

/// Someone else's comment, a comment on another article, or one that is gone.
async fn not_theirs(
    app: &AppState,
    headers: &HeaderMap,
    head: &ThreadHead,
    status: StatusCode,
    msg: &str,
) -> Result<Response, WebError> {
    view::notice(
        app,
        headers,
        status,
        "That comment cannot be changed",
        msg,
        (&head.thread_path(), "Back to the comments"),
    )
    .await
}

fn refusal_message(r: Refusal) -> (StatusCode, &'static str) {
    match r {
        Refusal::NotFound => (
            StatusCode::NOT_FOUND,
            "We could not find that comment. It may have been deleted.",
        ),
        Refusal::NotYours => (
            StatusCode::FORBIDDEN,
            "Only its writer can change a comment, and only while it is on the page.",
        ),
        Refusal::EditWindowOver => (
            StatusCode::FORBIDDEN,
            "Comments can be edited for 10 minutes after posting; this one can no longer be changed. You can delete it and post again.",
        ),
        Refusal::TooFast => (
            StatusCode::TOO_MANY_REQUESTS,
            "You are commenting faster than we allow. Please wait a minute.",
        ),
        Refusal::Duplicate => (
            StatusCode::CONFLICT,
            "You posted this same comment a moment ago.",
        ),
    }
}

pub async fn edit_form(
    State(app): State<AppState>,
    Path((section, slug, id)): Path<(String, String, String)>,
    headers: HeaderMap,
    signed_in: MaybeReader,
) -> Result<Response, WebError> {
    let (head, reader) = writer(&app, signed_in, &section, &slug).await?;
    let c = app
        .store
        .comment(&id)
        .await?
        .filter(|c| c.article_id == head.article_id)
        .ok_or(WebError::NotFound)?;
    if c.reader_id.as_deref() != Some(reader.reader_id.as_str()) || c.status == Status::Deleted {
        let (s, m) = refusal_message(Refusal::NotYours);
        return not_theirs(&app, &headers, &head, s, m).await;
    }
    if !comment::can_edit(c.created_at, masthead_store::now_ms()) {
        let (s, m) = refusal_message(Refusal::EditWindowOver);
        return not_theirs(&app, &headers, &head, s, m).await;
    }
    edit_page(
        &app,
        &headers,
        &head,
        &id,
        &c.body_text,
        None,
        StatusCode::OK,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn edit_page(
    app: &AppState,
    headers: &HeaderMap,
    head: &ThreadHead,
    id: &str,
    text: &str,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let ctx = minijinja::context! {
        thread => minijinja::context! { headline => &head.headline, url => head.thread_path(), article_url => head.article_path() },
        comment_id => id, text, error, max_chars => comment::MAX_CHARS,
    };
    let path = format!("{}/{id}/edit", head.thread_path());
    view::render(
        app,
        headers,
        "comments/edit.html",
        "Edit your comment",
        &path,
        status,
        ctx,
    )
    .await
}

pub async fn edit_submit(
    State(app): State<AppState>,
    Path((section, slug, id)): Path<(String, String, String)>,
    headers: HeaderMap,
    signed_in: MaybeReader,
    CsrfForm(f): CsrfForm<CommentForm>,
) -> Result<Response, WebError> {
    let (head, session) = writer(&app, signed_in, &section, &slug).await?;
    let bad =
        |status, msg: String| edit_page(&app, &headers, &head, &id, &f.text, Some(msg), status);
    let settings = app.comment_settings().await?;
    if !rate_ok(
        &app,
        RateLimit::per_minute(
            RateKey::CommentEdits(session.reader_id.clone()),
            settings.per_minute,
        ),
    )
    .await?
    {
        return bad(
            StatusCode::TOO_MANY_REQUESTS,
            "You are changing comments faster than we allow. Please wait a minute.".into(),
        )
        .await;
    }
    // The same rules as a new comment: a banned or suspended writer, or a closed thread, takes
    // no edits either.
    let Some(poster) = app
        .store
        .session_poster(&session.id_hash, &head.article_id)
        .await?
    else {
        return Err(WebError::SignInFirst(head.thread_path()));
    };
    let verdict = pipeline::decide(
        &app,
        &head,
        &settings,
        &poster.commenter,
        poster.role,
        poster.thread_closed,
        &f.text,
    );
    let (body, status, hold) = match verdict {
        Verdict::Accepted { body, status, hold } => (body, status, hold),
        Verdict::Refused(status, msg) => return bad(status, msg).await,
    };
    if app
        .store
        .comment(&id)
        .await?
        .is_none_or(|c| c.article_id != head.article_id)
    {
        return Err(WebError::NotFound);
    }
    match app
        .store
        .edit_comment(&id, &session.reader_id, &body, status, hold.as_deref())
        .await?
    {
        Ok(version) => {
            app.comments.observe(&head.article_id, version);
            let notice = (status == Status::Pending).then_some("held");
            Ok(back_to(
                &head,
                f.sort(),
                f.page(),
                notice,
                &format!("c-{id}"),
            ))
        }
        Err(r) => {
            let (s, m) = refusal_message(r);
            not_theirs(&app, &headers, &head, s, m).await
        }
    }
}

pub async fn delete_submit(
    State(app): State<AppState>,
    Path((section, slug, id)): Path<(String, String, String)>,
    headers: HeaderMap,
    signed_in: MaybeReader,
    CsrfForm(f): CsrfForm<CommentForm>,
) -> Result<Response, WebError> {
    let (head, reader) = writer(&app, signed_in, &section, &slug).await?;
    if app
        .store
        .comment(&id)
        .await?
        .is_none_or(|c| c.article_id != head.article_id)
    {
        return Err(WebError::NotFound);
    }
    match app.store.delete_own_comment(&id, &reader.reader_id).await? {
        Ok((_, version)) => {
            app.comments.observe(&head.article_id, version);
            Ok(back_to(
                &head,
                f.sort(),
                f.page(),
                Some("deleted"),
                "comments",
            ))
        }
        Err(r) => {
            let (s, m) = refusal_message(r);
            not_theirs(&app, &headers, &head, s, m).await
        }
    }
}
