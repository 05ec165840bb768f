//! What comment templates receive, and the page wrapper shared by the comment pages.

use axum::{
    http::{HeaderMap, StatusCode},
    response::Response,
};
use masthead_store::comments::{CommentRow, Sort, Status};
use serde::Serialize;

use super::{ThreadData, ThreadHead};
use crate::{AppState, error::WebError, views};

#[derive(Debug, Clone, Serialize)]
pub struct CommentView {
    pub id: String,
    pub author: String,
    /// The writer's account is gone ("deleted account").
    pub deleted_account: bool,
    /// Staff role at the time of writing, for the badge.
    pub role: Option<String>,
    pub html: String,
    /// Deleted by its writer; shown as a placeholder because it has replies.
    pub deleted: bool,
    pub posted_iso: String,
    pub posted_display: String,
    pub edited: bool,
    pub featured: bool,
    pub likes: i64,
    pub liked: bool,
    pub mine: bool,
    pub can_edit: bool,
    pub replies: Vec<CommentView>,
}

/// Who is looking, as far as the thread's controls are concerned.
#[derive(Debug, Clone, Default)]
pub struct Viewer {
    pub reader_id: Option<String>,
    pub liked: Vec<String>,
}

pub fn comment(app: &AppState, c: &CommentRow, viewer: &Viewer, now: i64) -> CommentView {
    let mine = c.reader_id.is_some() && c.reader_id == viewer.reader_id;
    let at = masthead_store::from_ms(c.created_at);
    CommentView {
        id: c.id.clone(),
        author: if c.reader_id.is_none() {
            "Deleted account".into()
        } else {
            c.author_name.clone()
        },
        deleted_account: c.reader_id.is_none(),
        role: c.author_role.clone(),
        html: c.body_html.clone(),
        deleted: c.status == Status::Deleted,
        posted_iso: at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        posted_display: masthead_core::schedule::dateline(at, &app.config.time_zone),
        edited: c.edited_at.is_some(),
        featured: c.featured,
        likes: c.like_count,
        liked: viewer.liked.contains(&c.id),
        mine,
        can_edit: mine
            && c.status != Status::Deleted
            && masthead_core::comment::can_edit(c.created_at, now),
        replies: Vec::new(),
    }
}

/// The page's comments, replies under their parents.
pub fn comments(app: &AppState, data: &ThreadData, viewer: &Viewer) -> Vec<CommentView> {
    let now = masthead_store::now_ms();
    data.page
        .top
        .iter()
        .map(|t| {
            let mut v = comment(app, t, viewer, now);
            v.replies = data
                .page
                .replies
                .iter()
                .filter(|r| r.parent_id.as_deref() == Some(t.id.as_str()))
                .map(|r| comment(app, r, viewer, now))
                .collect();
            v
        })
        .collect()
}

#[derive(Debug, Clone, Serialize)]
pub struct SortLink {
    pub key: &'static str,
    pub label: &'static str,
    pub url: String,
    pub current: bool,
}

/// The thread's URL for a sort and page (page 1 and the default sort are left out).
pub fn thread_url(head: &ThreadHead, sort: Sort, page: i64) -> String {
    let mut q = Vec::new();
    if sort != Sort::Oldest {
        q.push(format!("sort={}", sort.as_str()));
    }
    if page > 1 {
        q.push(format!("page={page}"));
    }
    if q.is_empty() {
        head.thread_path()
    } else {
        format!("{}?{}", head.thread_path(), q.join("&"))
    }
}

pub fn sort_links(head: &ThreadHead, current: Sort) -> Vec<SortLink> {
    [
        (Sort::Oldest, "Oldest first"),
        (Sort::Newest, "Newest first"),
        (Sort::Liked, "Most liked"),
    ]
    .into_iter()
    .map(|(s, label)| SortLink {
        key: s.as_str(),
        label,
        url: thread_url(head, s, 1),
        current: s == current,
    })
    .collect()
}

/// Renders a comment page with the site chrome. Pages with forms carry the browser's CSRF
/// token and are never stored by caches. They are not compressed either: a secret (the
/// token) beside text an attacker can write (a comment) in a compressed response is what
/// BREACH-style attacks measure.
pub async fn render(
    app: &AppState,
    headers: &HeaderMap,
    template: &str,
    title: &str,
    path: &str,
    status: StatusCode,
    extra: minijinja::Value,
) -> Result<Response, WebError> {
    let extra = minijinja::context! { comments_js => app.theme.static_url("comments.js"), ..extra };
    views::form_page(app, headers, template, title, path, status, extra).await
}

/// A short page with a heading, a message and a link onward.
pub async fn notice(
    app: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    title: &str,
    message: &str,
    link: (&str, &str),
) -> Result<Response, WebError> {
    render(
        app,
        headers,
        "account/notice.html",
        title,
        link.0,
        status,
        minijinja::context! { title, message, link_url => link.0, link_text => link.1 },
    )
    .await
}
