//! An article's revisions (`/newsroom/articles/{id}/revisions`) and the diff between any two
//! (`…/diff?from=REV&to=REV`, `to=current` for the saved version). Restoring is the editor
//! with `?restore=REV`: the revision goes into the form, and only a save makes it current.
//! Diffs are plain text lines, escaped by the template: a contributor's `<script>` shows as
//! text in an editor's browser.

use axum::{
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::Response,
};
use masthead_core::{ArticleAction, draft};
use serde::Deserialize;

use super::{Writer, article_for, page, staff_member, when};
use crate::{AppState, error::WebError};

pub async fn list(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    w: Writer,
) -> Result<Response, WebError> {
    let staff = staff_member(&app, &w).await?;
    let article = article_for(&app, &staff, &id, ArticleAction::Edit).await?;
    let revisions = app.store.revisions(&article.id).await?;
    let rows: Vec<_> = revisions
        .iter()
        .map(|r| {
            minijinja::context! {
                id => &r.id, revision => r.revision, kind => &r.kind, live => r.live,
                by => &r.staff_label, at => when(&app, r.created_at), headline => &r.draft.headline,
            }
        })
        .collect();
    let ctx = minijinja::context! {
        article => minijinja::context! { id => &article.id, headline => &article.draft.headline, revision => article.revision },
        revisions => rows,
    };
    page(
        &app,
        &headers,
        &staff,
        "newsroom/revisions.html",
        &format!("Revisions: {}", article.draft.headline),
        &format!("/newsroom/articles/{}/revisions", article.id),
        StatusCode::OK,
        ctx,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DiffQuery {
    from: String,
    to: String,
}

pub async fn diff(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<DiffQuery>,
    w: Writer,
) -> Result<Response, WebError> {
    let staff = staff_member(&app, &w).await?;
    let article = article_for(&app, &staff, &id, ArticleAction::Edit).await?;
    let load = |rev: String| {
        let app = app.clone();
        let article = &article;
        async move {
            if rev == "current" || rev.is_empty() {
                return Ok::<_, WebError>((
                    format!("the saved version (revision {})", article.revision),
                    article.draft.clone(),
                ));
            }
            let r = app
                .store
                .revision(&article.id, &rev)
                .await?
                .ok_or_else(|| {
                    WebError::BadRequest(
                        "There is no such revision of this article: choose two from the list."
                            .into(),
                    )
                })?;
            Ok((
                format!(
                    "revision {} ({}, {}, {})",
                    r.revision,
                    r.kind,
                    r.staff_label,
                    when(&app, r.created_at)
                ),
                r.draft,
            ))
        }
    };
    let (from_label, from) = load(q.from.clone()).await?;
    let (to_label, to) = load(q.to.clone()).await?;
    let fields: Vec<_> = [
        ("Headline", &from.headline, &to.headline),
        ("Kicker", &from.kicker, &to.kicker),
        ("Standfirst", &from.standfirst, &to.standfirst),
        ("Section", &from.section, &to.section),
        ("Tags", &from.tags, &to.tags),
        ("Authors", &from.authors, &to.authors),
        ("Byline", &from.byline, &to.byline),
        ("Access", &from.access, &to.access),
        ("Slug", &from.slug, &to.slug),
        ("SEO title", &from.seo_title, &to.seo_title),
        (
            "SEO description",
            &from.seo_description,
            &to.seo_description,
        ),
    ]
    .into_iter()
    .filter(|(_, a, b)| a != b)
    .map(|(name, a, b)| minijinja::context! { name, from => a, to => b })
    .collect();
    let ctx = minijinja::context! {
        article => minijinja::context! { id => &article.id, headline => &article.draft.headline },
        from_label, to_label, fields,
        body => draft::diff(&from.body, &to.body),
        same_body => from.body == to.body,
    };
    page(
        &app,
        &headers,
        &staff,
        "newsroom/diff.html",
        "Compare revisions",
        &format!("/newsroom/articles/{}/diff", article.id),
        StatusCode::OK,
        ctx,
    )
    .await
}
