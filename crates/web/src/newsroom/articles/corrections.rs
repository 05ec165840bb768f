//! Corrections: an editor appends one to a published article from the editor
//! (`POST /newsroom/articles/{id}/corrections`: type and text); readers see it at the foot of
//! the article, the article's "Updated" time and JSON-LD `dateModified` move to its time, and
//! `/corrections` lists every correction, newest first, 20 to a page.

use axum::{
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use masthead_core::ArticleAction;
use masthead_store::newsroom::CorrectionKind;
use serde::Deserialize;

use super::{Writer, article_for, edit, staff_member};
use crate::{
    AppState,
    error::WebError,
    session::CsrfForm,
    views::{self, PageMeta, Pagination},
};

const MAX_TEXT: usize = 2_000;
const PER_PAGE: i64 = 20;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CorrectionForm {
    kind: String,
    text: String,
}

pub async fn add(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    w: Writer,
    CsrfForm(f): CsrfForm<CorrectionForm>,
) -> Result<Response, WebError> {
    let staff = staff_member(&app, &w).await?;
    let article = article_for(&app, &staff, &id, ArticleAction::Correct).await?;
    let text = f.text.trim();
    let problem = match (CorrectionKind::parse(&f.kind), text.chars().count()) {
        (None, _) => Some("Choose whether this is a correction, a clarification or an update."),
        (_, 0) => Some("Write what was wrong and what is right, as readers will read it."),
        (_, n) if n > MAX_TEXT => Some("A correction can have at most 2,000 characters."),
        _ if article.status != masthead_core::ArticleStatus::Published => {
            Some("Corrections are for published articles; change a draft by editing it.")
        }
        _ => None,
    };
    if let Some(message) = problem {
        let state = edit::EditorState {
            draft: article.draft.clone(),
            revision: article.revision,
            errors: vec![masthead_core::draft::FieldError {
                field: "correction",
                message: message.into(),
            }],
            status: Some(StatusCode::BAD_REQUEST),
            correction_text: f.text.clone(),
            ..Default::default()
        };
        return edit::render_editor(&app, &headers, &staff, Some(&article), state).await;
    }
    let kind = CorrectionKind::parse(&f.kind).unwrap_or(CorrectionKind::Correction);
    if !app
        .store
        .add_correction(&article.id, kind, text, &staff)
        .await?
    {
        return Err(WebError::NotFound);
    }
    app.jobs_wake.notify_one();
    app.refresh_content_epoch().await?;
    Ok(Redirect::to(&format!(
        "/newsroom/articles/{}?notice=corrected",
        article.id
    ))
    .into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    page: Option<String>,
}

pub async fn corrections_page(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> Result<Response, WebError> {
    let page_no = match q.page.as_deref().map(str::trim) {
        None | Some("") => 1,
        Some(p) => p
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=100_000).contains(n))
            .ok_or_else(|| {
                WebError::BadRequest(format!(
                    "“{p}” is not a page number. Page numbers are whole numbers from 1."
                ))
            })?,
    };
    let total = app.store.count_corrections().await?;
    let pagination = Pagination::new("/corrections", page_no, total, PER_PAGE);
    if page_no > pagination.total_pages {
        return Err(WebError::NotFound);
    }
    let list = app
        .store
        .list_corrections(PER_PAGE, (page_no - 1) * PER_PAGE)
        .await?;
    let sections = app.sections().await?;
    let site = views::site_with(&app, &sections);
    let meta = PageMeta::new(
        &site,
        "Corrections and clarifications",
        "Corrections and clarifications to our articles.",
        "/corrections",
    );
    let items: Vec<_> = list
        .iter()
        .map(|c| {
            minijinja::context! {
                kind => &c.correction.kind,
                body => &c.correction.body,
                at_iso => masthead_store::from_ms(c.correction.created_at).strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
                at => super::when(&app, c.correction.created_at),
                headline => &c.headline,
                url => views::article_path(&c.section_slug, &c.slug),
            }
        })
        .collect();
    let html = app.theme.render(
        "corrections.html",
        minijinja::context! {
            site => &site, page => meta, now_year => views::now_year(&app),
            signed_in => crate::session::cookies::session_token(&headers, app.secure_cookies()).is_some(),
            corrections => items, pagination,
        },
    )?;
    let mut res = axum::response::Html(html).into_response();
    res.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("public, max-age=60"),
    );
    Ok(res)
}
