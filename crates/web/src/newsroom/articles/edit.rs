//! The editor: a new article's form, an article's form, and their POSTs (save, publish now,
//! schedule, unpublish: the button pressed is the form's `action`).

use axum::{
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use masthead_core::{
    ArticleAction,
    draft::{self, ArticleDraft, FieldError},
    markdown::{InlinePhoto, RenderedBody, render_body},
};
use masthead_store::newsroom::{EditorArticle, SaveAction, SaveArticle, SaveOutcome, StaffMember};
use serde::Deserialize;

use super::{EditorForm, Writer, article_for, page, require, staff_member, when};
use crate::{AppState, error::WebError, session::CsrfForm, views};

#[derive(Debug, Default, Deserialize)]
pub struct EditQuery {
    notice: Option<String>,
    /// A revision to load into the form (restore).
    restore: Option<String>,
    /// Load this staff member's autosave into the form.
    autosaved: Option<String>,
}

/// What the editor page shows besides the saved article.
#[derive(Default)]
pub(super) struct EditorState {
    pub draft: ArticleDraft,
    pub revision: i64,
    pub errors: Vec<FieldError>,
    pub notice: Option<String>,
    /// The current saved version, after a stale save.
    pub conflict: Option<EditorArticle>,
    pub schedule_at: String,
    pub status: Option<StatusCode>,
    /// A correction being written, kept when it is refused.
    pub correction_text: String,
}

pub async fn new_article(
    State(app): State<AppState>,
    headers: HeaderMap,
    w: Writer,
) -> Result<Response, WebError> {
    let staff = staff_member(&app, &w).await?;
    let state = EditorState {
        draft: ArticleDraft {
            access: "metered".into(),
            ..Default::default()
        },
        ..Default::default()
    };
    render_editor(&app, &headers, &staff, None, state).await
}

pub async fn edit_article(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<EditQuery>,
    w: Writer,
) -> Result<Response, WebError> {
    let staff = staff_member(&app, &w).await?;
    let article = article_for(&app, &staff, &id, ArticleAction::Edit).await?;
    app.store.heartbeat(&article.id, &staff).await?;
    let mut state = EditorState {
        draft: article.draft.clone(),
        revision: article.revision,
        notice: q.notice.as_deref().and_then(notice_text).map(str::to_owned),
        ..Default::default()
    };
    if let Some(rev) = q.restore.as_deref() {
        let r = app
            .store
            .revision(&article.id, rev)
            .await?
            .ok_or(WebError::NotFound)?;
        state.draft = r.draft;
        state.notice = Some(format!(
            "Revision {} ({}, {}) is in the form below. Nothing has changed yet: save to make it the current version.",
            r.revision,
            r.kind,
            when(&app, r.created_at)
        ));
    } else if q.autosaved.is_some()
        && let Some(a) = app.store.my_autosave(&article.id, &staff.id).await?
    {
        state.draft = a.draft;
        state.notice = Some(format!(
            "Your unsaved changes from {} are in the form below. Save to keep them.",
            when(&app, a.saved_at)
        ));
    }
    render_editor(&app, &headers, &staff, Some(&article), state).await
}

fn notice_text(code: &str) -> Option<&'static str> {
    Some(match code {
        "created" => "Created. The article is a draft: only the newsroom can see it.",
        "saved" => "Saved.",
        "published" => "Published: the article is on the site.",
        "scheduled" => "Scheduled: it will be published at the time shown.",
        "unpublished" => "Unpublished: the article is a draft again, off every page.",
        "corrected" => "The correction is at the foot of the article.",
        "link" => "A preview link was made: copy it from the list of preview links.",
        "revoked" => "The preview link no longer works.",
        "discarded" => "Your unsaved changes were discarded.",
        "photo" => "The lead photo is set.",
        _ => return None,
    })
}

pub async fn create(
    State(app): State<AppState>,
    headers: HeaderMap,
    w: Writer,
    CsrfForm(form): CsrfForm<EditorForm>,
) -> Result<Response, WebError> {
    let staff = staff_member(&app, &w).await?;
    if !staff.role.may(ArticleAction::Create, false, false) {
        return Err(super::denied("Your role does not write articles."));
    }
    write(&app, &headers, &staff, None, form).await
}

pub async fn save(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    w: Writer,
    CsrfForm(form): CsrfForm<EditorForm>,
) -> Result<Response, WebError> {
    let staff = staff_member(&app, &w).await?;
    let article = article_for(&app, &staff, &id, ArticleAction::Edit).await?;
    write(&app, &headers, &staff, Some(&article), form).await
}

/// The body rendered with the article's inline photos.
pub(crate) async fn render(
    app: &AppState,
    article_id: Option<&str>,
    markdown: &str,
) -> Result<RenderedBody, WebError> {
    let photos = match article_id {
        Some(id) => app.store.photos_of(id).await?,
        None => Vec::new(),
    };
    Ok(render_body(markdown, |name| {
        photos
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, p)| InlinePhoto {
                url: views::media_url(&p.file),
                alt: p.alt.clone(),
                caption: p.caption.clone(),
                credit: p.credit.clone(),
                width: u32::try_from(p.width).unwrap_or(0),
                height: u32::try_from(p.height).unwrap_or(0),
            })
    }))
}

async fn write(
    app: &AppState,
    headers: &HeaderMap,
    staff: &StaffMember,
    article: Option<&EditorArticle>,
    form: EditorForm,
) -> Result<Response, WebError> {
    let raw = form.draft();
    let mut state = EditorState {
        draft: raw.clone(),
        revision: form.revision.trim().parse().unwrap_or(0),
        schedule_at: form.schedule_at.clone(),
        status: Some(StatusCode::BAD_REQUEST),
        ..Default::default()
    };
    let action = match form.action.as_str() {
        "" | "save" => SaveAction::Save,
        "publish" => SaveAction::PublishNow,
        "unpublish" => SaveAction::Unpublish,
        "schedule" => match draft::parse_schedule(
            &form.schedule_at,
            &app.config.time_zone,
            jiff::Timestamp::now(),
        ) {
            Ok(at) => SaveAction::Schedule(at.as_millisecond()),
            Err(e) => {
                state.errors.push(FieldError {
                    field: "schedule_at",
                    message: e.0,
                });
                SaveAction::Save
            }
        },
        _ => {
            return Err(WebError::BadRequest(
                "Unknown action: use the editor's buttons (save, publish, schedule, unpublish)."
                    .into(),
            ));
        }
    };
    if action != SaveAction::Save {
        match article {
            Some(a) => require(staff, a, ArticleAction::Publish)?,
            // A new article is its writer's own.
            None if !staff.role.may(ArticleAction::Publish, true, false) => {
                return Err(super::denied(
                    "Your role may not publish. Save the draft, and ask an editor to publish it.",
                ));
            }
            None => {}
        }
    }
    if article.is_some() && form.revision.trim().parse::<i64>().is_err() {
        return Err(WebError::BadRequest(
            "The form has no revision number (was it sent from the editor?). Please reload the article and try again.".into(),
        ));
    }
    let checked = match raw.check() {
        Ok(c) if state.errors.is_empty() => c,
        Ok(_) => return render_editor(app, headers, staff, article, state).await,
        Err(errors) => {
            state.errors.extend(errors);
            return render_editor(app, headers, staff, article, state).await;
        }
    };
    if matches!(action, SaveAction::PublishNow | SaveAction::Schedule(_))
        && let Some(a) = article
    {
        // The alt-text rule (`masthead_core::photo`): the editor says which photo and why.
        let photos = app.store.article_photo_checks(&a.id).await?;
        if let Err(problems) = masthead_core::photo::check_alt_text(photos.iter().map(|p| {
            masthead_core::photo::ShownPhoto {
                role: &p.role,
                name: p.name.as_deref(),
                caption: &p.caption,
                alt: &p.alt,
                decorative: p.decorative,
            }
        })) {
            state
                .errors
                .extend(problems.into_iter().map(|message| FieldError {
                    field: "photos",
                    message,
                }));
            return render_editor(app, headers, staff, article, state).await;
        }
    }
    let body = render(app, article.map(|a| a.id.as_str()), &checked.body).await?;
    let outcome = app
        .store
        .write_article(&SaveArticle {
            article_id: article.map(|a| a.id.as_str()),
            base_revision: state.revision,
            raw: &raw,
            draft: &checked,
            body_html: &body.html,
            body_text: &body.text,
            action,
            staff,
            keep_self_as_author: !staff.role.can_publish(),
            actor: None,
        })
        .await?;
    match outcome {
        SaveOutcome::Saved { id, .. } => {
            app.jobs_wake.notify_one();
            app.refresh_content_epoch().await?;
            let notice = match action {
                SaveAction::PublishNow => "published",
                SaveAction::Schedule(_) => "scheduled",
                SaveAction::Unpublish => "unpublished",
                SaveAction::Save if article.is_none() => "created",
                SaveAction::Save => "saved",
            };
            Ok(Redirect::to(&format!("/newsroom/articles/{id}?notice={notice}")).into_response())
        }
        SaveOutcome::Stale(current) => {
            state.status = Some(StatusCode::CONFLICT);
            state.revision = current.revision;
            state.conflict = Some(*current);
            render_editor(app, headers, staff, article, state).await
        }
        SaveOutcome::Refused { field, message } => {
            state.errors.push(FieldError { field, message });
            render_editor(app, headers, staff, article, state).await
        }
        SaveOutcome::NotFound => Err(WebError::NotFound),
    }
}

/// The editor page for `article` (or a new one) with `state` in the form.
pub(super) async fn render_editor(
    app: &AppState,
    headers: &HeaderMap,
    staff: &StaffMember,
    article: Option<&EditorArticle>,
    state: EditorState,
) -> Result<Response, WebError> {
    let sections = app.sections().await?;
    let authors = app.store.all_authors().await?;
    let errors: std::collections::BTreeMap<&str, &str> = state
        .errors
        .iter()
        .map(|e| (e.field, e.message.as_str()))
        .collect();
    let (own, live) = article.map_or((true, false), |a| (a.is_author(staff), a.live()));
    let may = |action| staff.role.may(action, own, live);
    let mut ctx = minijinja::context! {
        draft => &state.draft,
        revision => state.revision,
        errors => &errors,
        error_list => &state.errors,
        notice => &state.notice,
        schedule_at => &state.schedule_at,
        correction_text => &state.correction_text,
        time_zone => app.config.time_zone.iana_name().unwrap_or("UTC"),
        sections => sections.iter().map(|s| minijinja::context! { slug => &s.slug, name => &s.name }).collect::<Vec<_>>(),
        authors => authors.iter().map(|a| minijinja::context! { slug => &a.slug, name => &a.name }).collect::<Vec<_>>(),
        access_levels => ["free", "metered", "registered"],
        can_publish => may(ArticleAction::Publish),
        can_correct => article.is_some() && may(ArticleAction::Correct),
        can_preview => article.is_some() && may(ArticleAction::Preview),
        conflict => state.conflict.as_ref().map(|c| minijinja::context! {
            revision => c.revision,
            draft => &c.draft,
            saved => when(app, c.updated_at),
            body_diff => draft::diff(&c.draft.body, &state.draft.body),
            headline_changed => c.draft.headline != state.draft.headline,
        }),
    };
    let title;
    let path;
    if let Some(a) = article {
        let others = app.store.others_present(&a.id, &staff.id).await?;
        let autosave = app.store.my_autosave(&a.id, &staff.id).await?;
        let links = app.store.preview_links_of(&a.id).await?;
        let secret = super::previews::secret(app).await?;
        let now = masthead_store::now_ms();
        let corrections = app.store.corrections_of(&a.id).await?;
        let lead_photo = app
            .store
            .article_photo_checks(&a.id)
            .await?
            .into_iter()
            .find(|p| p.role == "lead");
        let extra = minijinja::context! {
            article => minijinja::context! {
                id => &a.id,
                status => a.status.as_str(),
                live => a.live(),
                revision => a.revision,
                url => views::article_path(&a.draft.section, &a.draft.slug),
                published => a.published_at.map(|t| when(app, t)),
            },
            others => others.iter().map(|p| minijinja::context! { label => &p.label, seen => when(app, p.seen_at) }).collect::<Vec<_>>(),
            autosave => autosave.filter(|s| s.draft != a.draft && s.draft != state.draft).map(|s| minijinja::context! {
                saved => when(app, s.saved_at),
                stale => s.base_revision != a.revision,
            }),
            preview_links => links.iter().filter(|l| l.usable(now)).map(|l| minijinja::context! {
                id => &l.id,
                url => super::previews::link_url(app, &secret, &l.id),
                expires => when(app, l.expires_at),
                by => &l.created_by,
            }).collect::<Vec<_>>(),
            lead_photo => lead_photo.map(|p| minijinja::context! {
                caption => p.caption,
                library_id => p.source_id,
                needs_alt => p.alt.trim().is_empty() && !p.decorative,
            }),
            corrections => corrections.iter().map(|c| minijinja::context! { kind => &c.kind, body => &c.body, at => when(app, c.created_at) }).collect::<Vec<_>>(),
        };
        ctx = minijinja::context! { ..extra, ..ctx };
        title = format!("Edit: {}", a.draft.headline);
        path = format!("/newsroom/articles/{}", a.id);
    } else {
        title = "New article".to_owned();
        path = "/newsroom/articles/new".to_owned();
    }
    page(
        app,
        headers,
        staff,
        "newsroom/editor.html",
        &title,
        &path,
        state.status.unwrap_or(StatusCode::OK),
        ctx,
    )
    .await
}
