//! The list pages with their "new" form, the edit pages, and the order buttons.

use axum::{
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use masthead_core::Slug;
use masthead_store::taxonomy::{Move, TaxonomyEdit, TaxonomyItem, TaxonomyOutcome};
use serde::Deserialize;

use super::{ManageTaxonomy, Which};
use crate::{
    AppState,
    error::WebError,
    newsroom::staff::actor_of,
    session::{CsrfForm, Staff},
};

type Editor = Staff<ManageTaxonomy>;

const NAME_MAX: usize = 80;
const DESCRIPTION_MAX: usize = 500;

#[derive(Debug, Default, Deserialize)]
pub struct ItemForm {
    #[serde(default)]
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) slug: String,
    #[serde(default)]
    pub(crate) description: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    direction: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct NoticeQuery {
    notice: Option<String>,
}

fn notice_text(key: Option<&str>) -> Option<&'static str> {
    Some(match key? {
        "created" => "Created.",
        "saved" => "Saved. Old addresses redirect to the new ones.",
        "moved" => "The navigation order was changed.",
        _ => return None,
    })
}

/// The form's problems, by field (shown beside each), or the edit to save.
pub(crate) struct Problems {
    pub(crate) name: Option<String>,
    pub(crate) slug: Option<String>,
    pub(crate) description: Option<String>,
}

/// Also the Admin API's check of a section or tag (`api/admin/taxonomy.rs`).
pub(crate) fn parse(which: Which, f: &ItemForm) -> Result<TaxonomyEdit, Problems> {
    let name = f.name.trim().to_owned();
    let mut p = Problems {
        name: None,
        slug: None,
        description: None,
    };
    if name.is_empty() {
        p.name =
            Some("Please give it a name: readers see it in the navigation and on its page.".into());
    } else if name.chars().count() > NAME_MAX {
        p.name = Some(format!("A name can have at most {NAME_MAX} characters."));
    }
    let description = f.description.trim().to_owned();
    if description.chars().count() > DESCRIPTION_MAX {
        p.description = Some(format!(
            "A description can have at most {DESCRIPTION_MAX} characters."
        ));
    }
    let slug = if f.slug.trim().is_empty() {
        Slug::from_title(&name)
    } else if which == Which::Sections {
        Slug::parse_section(&f.slug)
    } else {
        Slug::parse(&f.slug)
    };
    // A slug made from the name must also stay clear of the site's own top-level pages.
    let slug = match (which, slug) {
        (Which::Sections, Ok(s)) => Slug::parse_section(s.as_str()),
        (_, s) => s,
    };
    let slug = match slug {
        Ok(s) => Some(s),
        Err(e) => {
            if p.name.is_none() {
                p.slug = Some(e.0);
            }
            None
        }
    };
    match slug {
        Some(slug) if p.name.is_none() && p.description.is_none() => Ok(TaxonomyEdit {
            slug,
            name,
            description,
        }),
        _ => Err(p),
    }
}

/// A page: the list (with the "new" form) when `editing` is None, else the edit form.
#[allow(clippy::too_many_arguments)]
async fn page(
    app: &AppState,
    headers: &HeaderMap,
    which: Which,
    editing: Option<&TaxonomyItem>,
    input: Option<&ItemForm>,
    problems: Option<Problems>,
    notice: Option<&'static str>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let items = match which {
        Which::Sections => app.store.taxonomy_sections().await?,
        Which::Tags => app.store.taxonomy_tags().await?,
    };
    let (name, slug, description) = match (input, editing) {
        (Some(f), _) => (f.name.as_str(), f.slug.as_str(), f.description.as_str()),
        (None, Some(i)) => (i.name.as_str(), i.slug.as_str(), i.description.as_str()),
        (None, None) => ("", "", ""),
    };
    let p = problems.unwrap_or(Problems {
        name: None,
        slug: None,
        description: None,
    });
    let sections = which == Which::Sections;
    let title = match (sections, editing.is_some()) {
        (true, false) => "Sections",
        (true, true) => "Edit section",
        (false, false) => "Tags",
        (false, true) => "Edit tag",
    };
    let ctx = minijinja::context! {
        sections, base => which.base(), items, notice,
        editing => editing.map(|i| minijinja::context! { id => &i.id, name => &i.name, slug => &i.slug }),
        form => minijinja::context! {
            name, slug, description,
            name_error => p.name, slug_error => p.slug, description_error => p.description,
        },
        heading => title,
    };
    let template = if editing.is_some() {
        "newsroom/taxonomy_edit.html"
    } else {
        "newsroom/taxonomy.html"
    };
    crate::newsroom::layout_page(app, headers, template, title, which.base(), status, ctx).await
}

async fn find(app: &AppState, which: Which, id: &str) -> Result<TaxonomyItem, WebError> {
    let items = match which {
        Which::Sections => app.store.taxonomy_sections().await?,
        Which::Tags => app.store.taxonomy_tags().await?,
    };
    items
        .into_iter()
        .find(|i| i.id == id)
        .ok_or(WebError::NotFound)
}

async fn list(
    app: AppState,
    headers: HeaderMap,
    which: Which,
    q: NoticeQuery,
) -> Result<Response, WebError> {
    let notice = notice_text(q.notice.as_deref());
    page(
        &app,
        &headers,
        which,
        None,
        None,
        None,
        notice,
        StatusCode::OK,
    )
    .await
}

async fn create(
    app: AppState,
    headers: HeaderMap,
    editor: Editor,
    which: Which,
    f: ItemForm,
) -> Result<Response, WebError> {
    let edit = match parse(which, &f) {
        Ok(e) => e,
        Err(p) => {
            let status = StatusCode::BAD_REQUEST;
            return page(&app, &headers, which, None, Some(&f), Some(p), None, status).await;
        }
    };
    let actor = actor_of(&app, &editor.session).await?;
    let outcome = match which {
        Which::Sections => app.store.create_section(&actor, &edit).await?,
        Which::Tags => app.store.create_tag(&actor, &edit).await?,
    };
    saved(&app, &headers, which, None, &f, outcome, "created").await
}

async fn saved(
    app: &AppState,
    headers: &HeaderMap,
    which: Which,
    editing: Option<&TaxonomyItem>,
    f: &ItemForm,
    outcome: TaxonomyOutcome,
    notice: &str,
) -> Result<Response, WebError> {
    match outcome {
        TaxonomyOutcome::Saved(_) => {
            app.refresh_content_epoch().await?;
            Ok(Redirect::to(&format!("{}?notice={notice}", which.base())).into_response())
        }
        TaxonomyOutcome::NotFound => Err(WebError::NotFound),
        TaxonomyOutcome::SlugTaken => {
            let p = Problems {
                name: None,
                slug: Some(format!(
                    "Another {} already has this slug. Choose another one.",
                    if which == Which::Sections {
                        "section"
                    } else {
                        "tag"
                    }
                )),
                description: None,
            };
            let status = StatusCode::CONFLICT;
            page(app, headers, which, editing, Some(f), Some(p), None, status).await
        }
    }
}

async fn edit(
    app: AppState,
    headers: HeaderMap,
    which: Which,
    id: String,
) -> Result<Response, WebError> {
    let item = find(&app, which, &id).await?;
    page(
        &app,
        &headers,
        which,
        Some(&item),
        None,
        None,
        None,
        StatusCode::OK,
    )
    .await
}

async fn update(
    app: AppState,
    headers: HeaderMap,
    editor: Editor,
    which: Which,
    id: String,
    f: ItemForm,
) -> Result<Response, WebError> {
    let item = find(&app, which, &id).await?;
    let edit = match parse(which, &f) {
        Ok(e) => e,
        Err(p) => {
            let status = StatusCode::BAD_REQUEST;
            return page(
                &app,
                &headers,
                which,
                Some(&item),
                Some(&f),
                Some(p),
                None,
                status,
            )
            .await;
        }
    };
    let actor = actor_of(&app, &editor.session).await?;
    let outcome = match which {
        Which::Sections => app.store.update_section(&actor, &id, &edit).await?,
        Which::Tags => app.store.update_tag(&actor, &id, &edit).await?,
    };
    saved(&app, &headers, which, Some(&item), &f, outcome, "saved").await
}

pub async fn list_sections(
    State(app): State<AppState>,
    headers: HeaderMap,
    _editor: Editor,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    list(app, headers, Which::Sections, q).await
}

pub async fn list_tags(
    State(app): State<AppState>,
    headers: HeaderMap,
    _editor: Editor,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    list(app, headers, Which::Tags, q).await
}

pub async fn create_section(
    State(app): State<AppState>,
    headers: HeaderMap,
    editor: Editor,
    CsrfForm(f): CsrfForm<ItemForm>,
) -> Result<Response, WebError> {
    create(app, headers, editor, Which::Sections, f).await
}

pub async fn create_tag(
    State(app): State<AppState>,
    headers: HeaderMap,
    editor: Editor,
    CsrfForm(f): CsrfForm<ItemForm>,
) -> Result<Response, WebError> {
    create(app, headers, editor, Which::Tags, f).await
}

pub async fn edit_section(
    State(app): State<AppState>,
    headers: HeaderMap,
    _editor: Editor,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    edit(app, headers, Which::Sections, id).await
}

pub async fn edit_tag(
    State(app): State<AppState>,
    headers: HeaderMap,
    _editor: Editor,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    edit(app, headers, Which::Tags, id).await
}

pub async fn update_section(
    State(app): State<AppState>,
    headers: HeaderMap,
    editor: Editor,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<ItemForm>,
) -> Result<Response, WebError> {
    update(app, headers, editor, Which::Sections, id, f).await
}

pub async fn update_tag(
    State(app): State<AppState>,
    headers: HeaderMap,
    editor: Editor,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<ItemForm>,
) -> Result<Response, WebError> {
    update(app, headers, editor, Which::Tags, id, f).await
}

pub async fn move_section(
    State(app): State<AppState>,
    editor: Editor,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<MoveForm>,
) -> Result<Response, WebError> {
    let to = match f.direction.as_str() {
        "up" => Move::Up,
        "down" => Move::Down,
        _ => return Err(WebError::BadRequest("Move a section up or down.".into())),
    };
    let actor = actor_of(&app, &editor.session).await?;
    if !app.store.move_section(&actor, &id, to).await? {
        return Err(WebError::NotFound);
    }
    app.refresh_content_epoch().await?;
    Ok(Redirect::to("/newsroom/sections?notice=moved").into_response())
}
