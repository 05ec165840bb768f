//! The newsroom's articles: the dashboard and list (`list.rs`), the editor (`edit.rs`),
//! autosave and presence (`autosave.rs`), revisions and diffs (`revisions.rs`), previews and
//! preview links (`previews.rs`), corrections and `/corrections` (`corrections.rs`).
//!
//! Every route is behind `Staff<Write>` (roles that write: admin, editor, author,
//! contributor), and every action on an article asks the one rule,
//! [`masthead_core::Role::may`], with whether the staff member is among its authors and
//! whether it is live. State changes take a [`CsrfForm`](crate::session::CsrfForm) (the
//! autosave JSON carries the token in a header instead). Forms that fail re-render with every
//! field as typed and a message beside the field.
//!
//! Decisions where the issue is silent:
//! - A new article exists once first saved (autosave starts from then on); "New article"
//!   is a plain form.
//! - Restoring a revision loads it into the editor; it replaces the article only when saved,
//!   through the same revision check as any save.
//! - A stale save (someone saved since the form was loaded) changes nothing; the page shows
//!   the author's text in the form and the current saved text beside it, with a diff, and the
//!   form now carries the current revision, so saving again is a deliberate overwrite.

mod autosave;
mod corrections;
pub(crate) mod edit;
mod list;
mod previews;
mod revisions;

use axum::{
    Router,
    http::{HeaderMap, StatusCode},
    response::Response,
    routing::{get, post},
};
use masthead_core::{ArticleAction, draft::ArticleDraft};
use masthead_store::newsroom::{EditorArticle, StaffMember};
use serde::Deserialize;

use crate::{
    AppState,
    error::{Refusal, WebError},
    session::{Staff, Write},
    views,
};

pub(in crate::newsroom) type Writer = Staff<Write>;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/newsroom", get(list::dashboard))
        .route("/newsroom/articles", get(list::articles).post(edit::create))
        .route("/newsroom/articles/new", get(edit::new_article))
        .route(
            "/newsroom/articles/{id}",
            get(edit::edit_article).post(edit::save),
        )
        .route("/newsroom/articles/{id}/autosave", post(autosave::autosave))
        .route(
            "/newsroom/articles/{id}/heartbeat",
            post(autosave::heartbeat),
        )
        .route(
            "/newsroom/articles/{id}/autosave/discard",
            post(autosave::discard),
        )
        .route("/newsroom/articles/{id}/revisions", get(revisions::list))
        .route("/newsroom/articles/{id}/diff", get(revisions::diff))
        .route("/newsroom/articles/preview", post(previews::live_preview))
        .route(
            "/newsroom/articles/{id}/preview-links",
            post(previews::create_link),
        )
        .route(
            "/newsroom/articles/{id}/preview-links/{link}/revoke",
            post(previews::revoke_link),
        )
        .route(
            "/newsroom/articles/{id}/corrections",
            post(corrections::add),
        )
        .route("/preview/{token}", get(previews::preview_page))
        .route("/corrections", get(corrections::corrections_page))
}

/// The signed-in staff member, from the staff table (the session's role is the same row's).
pub(in crate::newsroom) async fn staff_member(
    app: &AppState,
    w: &Writer,
) -> Result<StaffMember, WebError> {
    app.store
        .newsroom_staff(&w.session.email)
        .await?
        .ok_or_else(|| denied("Your address is no longer on the newsroom's staff."))
}

pub(in crate::newsroom) fn denied(message: &str) -> WebError {
    Refusal::new(
        StatusCode::FORBIDDEN,
        "Not yours to change",
        message,
        ("/newsroom/articles", "Back to the articles"),
    )
    .into()
}

/// The article, and a 403 when `staff` may not do `action` to it.
pub(in crate::newsroom) async fn article_for(
    app: &AppState,
    staff: &StaffMember,
    id: &str,
    action: ArticleAction,
) -> Result<EditorArticle, WebError> {
    let article = app
        .store
        .editor_article(id)
        .await?
        .ok_or(WebError::NotFound)?;
    require(staff, &article, action)?;
    Ok(article)
}

fn require(
    staff: &StaffMember,
    article: &EditorArticle,
    action: ArticleAction,
) -> Result<(), WebError> {
    if staff
        .role
        .may(action, article.is_author(staff), article.live())
    {
        return Ok(());
    }
    Err(denied(match action {
        ArticleAction::Publish => {
            "Your role may not publish, schedule or unpublish this article. Save it, and ask an editor to publish it."
        }
        ArticleAction::Correct => "Corrections are added by editors. Ask an editor to add one.",
        ArticleAction::Edit if article.live() => {
            "This article is live; changes to it are made by its authors or an editor."
        }
        _ => "Only its authors and editors may change this article.",
    }))
}

/// The editor's form as sent: every field a string (the form may be half-filled, or odd).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EditorForm {
    headline: String,
    kicker: String,
    standfirst: String,
    body: String,
    section: String,
    tags: String,
    authors: String,
    byline: String,
    access: String,
    breaking: Option<String>,
    slug: String,
    seo_title: String,
    seo_description: String,
    revision: String,
    /// save, publish, schedule, unpublish
    action: String,
    schedule_at: String,
}

impl EditorForm {
    fn draft(&self) -> ArticleDraft {
        ArticleDraft {
            headline: self.headline.clone(),
            kicker: self.kicker.clone(),
            standfirst: self.standfirst.clone(),
            body: self.body.clone(),
            section: self.section.clone(),
            tags: self.tags.clone(),
            authors: self.authors.clone(),
            byline: self.byline.clone(),
            access: self.access.clone(),
            breaking: self.breaking.is_some(),
            slug: self.slug.clone(),
            seo_title: self.seo_title.clone(),
            seo_description: self.seo_description.clone(),
        }
    }
}

/// A time in the publication's zone, for people.
pub(in crate::newsroom) fn when(app: &AppState, ms: i64) -> String {
    masthead_core::schedule::dateline(masthead_store::from_ms(ms), &app.config.time_zone)
}

/// What the newsroom layout's navigation shows for this role.
pub(crate) fn nav(staff: &StaffMember) -> minijinja::Value {
    let r = staff.role;
    minijinja::context! {
        role => r.as_str(),
        email => &staff.email,
        write => r.can_write(),
        publish => r.can_publish_own(),
        edition => r.can_publish(),
        moderate => r.can_moderate(),
        taxonomy => r.can_manage_taxonomy(),
        staff => r.can_manage_staff(),
        settings => r.can_change_settings(),
    }
}

#[allow(clippy::too_many_arguments)]
/// A newsroom page: the site chrome, the newsroom navigation, the CSRF token.
pub(crate) async fn page(
    app: &AppState,
    headers: &HeaderMap,
    staff: &StaffMember,
    template: &str,
    title: &str,
    path: &str,
    status: StatusCode,
    ctx: minijinja::Value,
) -> Result<Response, WebError> {
    let ctx = minijinja::context! {
        newsroom => nav(staff), current => path,
        newsroom_js => app.theme.static_url("newsroom.js"),
        ..ctx
    };
    let mut res = views::form_page(app, headers, template, title, path, status, ctx).await?;
    res.headers_mut().insert(
        "x-robots-tag",
        axum::http::HeaderValue::from_static("noindex"),
    );
    Ok(res)
}
