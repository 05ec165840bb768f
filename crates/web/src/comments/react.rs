//! Reactions: likes (one per reader, pressed again to undo) and reports (with a reason; at the
//! newsroom's threshold the comment is hidden until a moderator decides).

use axum::{
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::Response,
};
use masthead_core::comment::ReportReason;
use masthead_store::{
    comments::Status,
    rate_limit::{RateKey, RateLimit},
};

use super::{
    ThreadHead, view,
    write::{CommentForm, again, back_to, rate_ok, writer},
};
use crate::{
    AppState,
    error::WebError,
    session::{CsrfForm, MaybeReader},
};

const LIKES_PER_MINUTE: i64 = 60;
const REPORTS_PER_HOUR: i64 = 20;
/// The longest "other" text on a report.
const MAX_REPORT_DETAIL: usize = 500;

pub async fn like_submit(
    State(app): State<AppState>,
    Path((section, slug, id)): Path<(String, String, String)>,
    headers: HeaderMap,
    signed_in: MaybeReader,
    CsrfForm(f): CsrfForm<CommentForm>,
) -> Result<Response, WebError> {
    let (head, reader) = writer(&app, signed_in, &section, &slug).await?;
    if !rate_ok(
        &app,
        RateLimit::per_minute(
            RateKey::CommentLikes(reader.reader_id.clone()),
            LIKES_PER_MINUTE,
        ),
    )
    .await?
    {
        return again(
            &app,
            &headers,
            &head,
            &reader.reader_id,
            &f,
            StatusCode::TOO_MANY_REQUESTS,
            "You are liking comments faster than we allow. Please wait a minute.".into(),
        )
        .await;
    }
    match app
        .store
        .toggle_like(&head.article_id, &id, &reader.reader_id)
        .await?
    {
        Some((_, version)) => {
            app.comments.observe(&head.article_id, version);
            Ok(back_to(&head, f.sort(), f.page(), None, &format!("c-{id}")))
        }
        None => Err(WebError::NotFound),
    }
}

pub async fn report_form(
    State(app): State<AppState>,
    Path((section, slug, id)): Path<(String, String, String)>,
    headers: HeaderMap,
    signed_in: MaybeReader,
) -> Result<Response, WebError> {
    let (head, _) = writer(&app, signed_in, &section, &slug).await?;
    let c = app.store.comment(&id).await?;
    let c = c
        .filter(|c| c.article_id == head.article_id && c.status == Status::Published)
        .ok_or(WebError::NotFound)?;
    report_page(
        &app,
        &headers,
        &head,
        &c.id,
        &c.body_html,
        "",
        "",
        None,
        StatusCode::OK,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn report_page(
    app: &AppState,
    headers: &HeaderMap,
    head: &ThreadHead,
    id: &str,
    comment_html: &str,
    reason: &str,
    detail: &str,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let reasons: Vec<&str> = ReportReason::ALL.iter().map(|r| r.as_str()).collect();
    let ctx = minijinja::context! {
        thread => minijinja::context! { headline => &head.headline, url => head.thread_path() },
        comment_id => id, comment_html, reasons, reason, detail, error,
    };
    let path = format!("{}/{id}/report", head.thread_path());
    view::render(
        app,
        headers,
        "comments/report.html",
        "Report a comment",
        &path,
        status,
        ctx,
    )
    .await
}

pub async fn report_submit(
    State(app): State<AppState>,
    Path((section, slug, id)): Path<(String, String, String)>,
    headers: HeaderMap,
    signed_in: MaybeReader,
    CsrfForm(f): CsrfForm<CommentForm>,
) -> Result<Response, WebError> {
    let (head, reader) = writer(&app, signed_in, &section, &slug).await?;
    let c = app.store.comment(&id).await?;
    let c = c
        .filter(|c| c.article_id == head.article_id && c.status == Status::Published)
        .ok_or(WebError::NotFound)?;
    let detail = f.detail.trim();
    let problem = match ReportReason::parse(&f.reason) {
        None => Some("Please choose why you are reporting this comment."),
        Some(ReportReason::Other) if detail.is_empty() => {
            Some("Please tell us in a few words what is wrong.")
        }
        _ if detail.chars().count() > MAX_REPORT_DETAIL => {
            Some("Please keep the explanation under 500 characters.")
        }
        _ if detail.chars().any(|ch| ch.is_control() && ch != '\n') => {
            Some("The explanation contains characters that are not text.")
        }
        _ => None,
    };
    if let Some(msg) = problem {
        return report_page(
            &app,
            &headers,
            &head,
            &id,
            &c.body_html,
            &f.reason,
            detail,
            Some(msg.into()),
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    if !rate_ok(
        &app,
        RateLimit::per_hour(
            RateKey::CommentReports(reader.reader_id.clone()),
            REPORTS_PER_HOUR,
        ),
    )
    .await?
    {
        let msg = "You have sent many reports in the last hour. Thank you; please wait a while before sending more.";
        return report_page(
            &app,
            &headers,
            &head,
            &id,
            &c.body_html,
            &f.reason,
            detail,
            Some(msg.into()),
            StatusCode::TOO_MANY_REQUESTS,
        )
        .await;
    }
    let threshold = app.comment_settings().await?.report_threshold;
    match app
        .store
        .report_comment(
            &head.article_id,
            &id,
            &reader.reader_id,
            f.reason.trim(),
            detail,
            threshold,
        )
        .await?
    {
        Some((_, version)) => {
            app.comments.observe(&head.article_id, version);
            Ok(back_to(
                &head,
                f.sort(),
                f.page(),
                Some("reported"),
                "comments",
            ))
        }
        None => Err(WebError::NotFound),
    }
}
