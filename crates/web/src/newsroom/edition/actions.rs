//! The edition page's forms, each CSRF-checked and for editors and admins only: a story's
//! move up or down, drop, restore, pin or unpin; the introduction; "Send now" and its
//! confirmation. A form for an edition that has already started is refused with 409 and the
//! page (its stories are fixed once it is sending).

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use masthead_core::edition::curation::{Move, parse_intro};
use serde::Deserialize;

use super::{Editor, View, chosen_date, content_of, render, rendered};
use crate::{AppState, error::WebError, session::CsrfForm};

#[derive(Debug, Default, Deserialize)]
pub struct StoryForm {
    #[serde(default)]
    date: String,
    #[serde(default)]
    story: String,
    #[serde(default)]
    action: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct IntroForm {
    #[serde(default)]
    date: String,
    #[serde(default)]
    intro: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct DateForm {
    #[serde(default)]
    date: String,
}

const ALREADY: &str = "This edition has already been sent (or is sending): its stories are fixed and it is never sent twice.";

fn back(date: &str, notice: &str) -> Response {
    Redirect::to(&format!("/newsroom/edition?date={date}&notice={notice}")).into_response()
}

async fn again(
    app: &AppState,
    headers: &HeaderMap,
    date: jiff::civil::Date,
    view: View,
    status: StatusCode,
) -> Result<Response, WebError> {
    render(app, headers, date, view, status).await
}

fn error(msg: impl Into<String>) -> View {
    View {
        error: Some(msg.into()),
        ..View::default()
    }
}

pub async fn stories(
    State(app): State<AppState>,
    headers: HeaderMap,
    editor: Editor,
    CsrfForm(f): CsrfForm<StoryForm>,
) -> Result<Response, WebError> {
    let date = chosen_date(&app, Some(&f.date)).map_err(WebError::BadRequest)?;
    let date_s = date.to_string();
    if app.store.edition_by_date(&date_s).await?.is_some() {
        return again(&app, &headers, date, error(ALREADY), StatusCode::CONFLICT).await;
    }
    let mut curation = app
        .store
        .edition_curation(&date_s)
        .await?
        .map(|s| s.curation)
        .unwrap_or_default();
    let content = content_of(&app, date, None).await?;
    let id = f.story.trim();
    let in_edition = std::iter::once(&content.leads)
        .chain(content.sections.iter().map(|s| &s.stories))
        .flatten()
        .any(|s| s.article_id == id);
    let known = in_edition || curation.dropped.iter().any(|d| d == id);
    if !known {
        let msg =
            "That story is not in this edition (it may have been unpublished): reload the page.";
        return again(
            &app,
            &headers,
            date,
            error(msg),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let notice = match f.action.as_str() {
        "up" | "down" => {
            let direction = if f.action == "up" {
                Move::Up
            } else {
                Move::Down
            };
            if !curation.move_story(&content, id, direction) {
                return Ok(back(&date_s, "unchanged"));
            }
            "moved"
        }
        "drop" => {
            curation.drop_story(id);
            "dropped"
        }
        "restore" => {
            curation.restore_story(id);
            "restored"
        }
        "pin" => {
            curation.pin_story(id);
            "pinned"
        }
        "unpin" => {
            curation.unpin_story(id);
            "unpinned"
        }
        _ => {
            let msg = "Choose what to do with the story: up, down, drop, pin or unpin.";
            return again(
                &app,
                &headers,
                date,
                error(msg),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    app.store
        .save_edition_curation(&date_s, &curation, &editor.session.email)
        .await?;
    tracing::info!(date = %date_s, story = id, action = %f.action, by = %editor.session.email, "daily edition curated");
    Ok(back(&date_s, notice))
}

pub async fn intro(
    State(app): State<AppState>,
    headers: HeaderMap,
    editor: Editor,
    CsrfForm(f): CsrfForm<IntroForm>,
) -> Result<Response, WebError> {
    let date = chosen_date(&app, Some(&f.date)).map_err(WebError::BadRequest)?;
    let date_s = date.to_string();
    if app.store.edition_by_date(&date_s).await?.is_some() {
        return again(&app, &headers, date, error(ALREADY), StatusCode::CONFLICT).await;
    }
    let intro = match parse_intro(&f.intro) {
        Ok(i) => i,
        Err(e) => {
            let view = View {
                intro_input: Some(f.intro),
                intro_error: Some(e.0),
                ..View::default()
            };
            return again(&app, &headers, date, view, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let mut curation = app
        .store
        .edition_curation(&date_s)
        .await?
        .map(|s| s.curation)
        .unwrap_or_default();
    curation.intro = intro;
    app.store
        .save_edition_curation(&date_s, &curation, &editor.session.email)
        .await?;
    Ok(back(&date_s, "introduction-saved"))
}

/// The confirmation page: the subject, the stories and how many readers it will reach now.
pub async fn confirm(
    State(app): State<AppState>,
    headers: HeaderMap,
    _editor: Editor,
    CsrfForm(f): CsrfForm<DateForm>,
) -> Result<Response, WebError> {
    let date = chosen_date(&app, Some(&f.date)).map_err(WebError::BadRequest)?;
    let date_s = date.to_string();
    if app.store.edition_by_date(&date_s).await?.is_some() {
        return again(&app, &headers, date, error(ALREADY), StatusCode::CONFLICT).await;
    }
    let content = content_of(&app, date, None).await?;
    let (subject, _, _) = rendered(&app, &content)?;
    let audience = app.store.edition_audience().await?;
    let ctx = minijinja::context! {
        date => &date_s, date_label => &content.date_label, subject, audience,
        story_count => content.story_count(), intro => &content.intro,
    };
    super::layout_page(
        &app,
        &headers,
        "newsroom/edition_confirm.html",
        "Send the Daily Edition?",
        "/newsroom/edition",
        StatusCode::OK,
        ctx,
    )
    .await
}

/// "Send now", confirmed: starts the edition as `masthead edition send` does (once per date).
pub async fn send(
    State(app): State<AppState>,
    headers: HeaderMap,
    editor: Editor,
    CsrfForm(f): CsrfForm<DateForm>,
) -> Result<Response, WebError> {
    let date = chosen_date(&app, Some(&f.date)).map_err(WebError::BadRequest)?;
    let started = masthead_jobs::edition::start(&app.jobs, date).await?;
    if !started.created {
        return again(&app, &headers, date, error(ALREADY), StatusCode::CONFLICT).await;
    }
    app.jobs_wake.notify_one();
    tracing::info!(date = %started.edition.date, recipients = started.edition.recipients, by = %editor.session.email, "daily edition sent from the newsroom");
    Ok(back(&started.edition.date, "sending"))
}
