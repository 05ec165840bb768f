//! The Daily Edition in the newsroom (`/newsroom/edition`, editors and admins:
//! `Staff<RunEdition>`): the edition of a date (default: the one due now) previewed as its
//! readers will get it (the HTML part in a sandboxed frame, the text part as text), the
//! editor's curation (reorder, drop and pin stories, a short introduction; `actions.rs`), a
//! "Send now" button behind a confirmation page, and each edition's progress (queued, sent,
//! failed, bounced, skipped, unsubscribed, per destination domain).
//!
//! Decisions:
//! - **One composition.** The page composes with `masthead_jobs::edition::compose`, which
//!   applies the stored curation of the date: the preview, `masthead edition preview|send` and
//!   the daily schedule all send what the editor saw. Once an edition has started, the page
//!   shows its stored content, and the curation forms are gone (its stories are fixed).
//! - **Once per date.** "Send now" calls `masthead_jobs::edition::start`, the same call as
//!   `masthead edition send`: a second send for a date (from any node, the CLI or the
//!   schedule) changes nothing, and the page says it was already sent.
//! - **Honest status.** "Sent" only when the ledger shows every message accepted
//!   (`EditionStatus::Sent`); "Finished" says how many failed or bounced; "Stopped" gives the
//!   reason. "Unsubscribed" counts the edition's readers who have turned it off since.
//! - **No script needed.** While an edition is sending, the page refreshes itself every few
//!   seconds (a `<meta http-equiv="refresh">`), and has a refresh link.
//! - **The HTML preview** is served by `GET /newsroom/edition/preview.html` with its own CSP
//!   (`sandbox`, inline styles as emails need, no script) and shown in an `<iframe sandbox>`,
//!   so the email's markup can neither script nor restyle the newsroom.

mod actions;

use axum::{
    Router,
    extract::{Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use jiff::civil::Date;
use masthead_core::{Role, edition as rules};
use masthead_store::edition::{Edition, EditionStatus, Progress};
use serde::Deserialize;

use super::layout_page;
use crate::{
    AppState,
    error::WebError,
    session::{Capability, Staff},
};

/// Running the Daily Edition: admins and editors.
pub struct RunEdition;

impl Capability for RunEdition {
    const HOME: &'static str = "/newsroom/edition";
    const DENIED_TITLE: &'static str = "For editors only";
    const DENIED_MESSAGE: &'static str = "The Daily Edition is prepared and sent by the newsroom's editors. If you should have access, ask an admin.";

    fn allows(role: Role) -> bool {
        role.can_publish()
    }
}

type Editor = Staff<RunEdition>;

/// Editions shown with their progress.
const RECENT: i64 = 10;
/// Destination domains shown for the chosen edition (the busiest).
const DOMAINS: i64 = 20;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/newsroom/edition", get(page))
        .route("/newsroom/edition/preview.html", get(preview_html))
        .route("/newsroom/edition/stories", post(actions::stories))
        .route("/newsroom/edition/intro", post(actions::intro))
        .route("/newsroom/edition/confirm", post(actions::confirm))
        .route("/newsroom/edition/send", post(actions::send))
}

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    date: Option<String>,
    notice: Option<String>,
}

/// The date asked for, or the edition due now; `Err` is the message for a bad one.
fn chosen_date(app: &AppState, asked: Option<&str>) -> Result<Date, String> {
    match asked.map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => rules::parse_date(d).map_err(|e| e.0),
        None => Ok(due_now(app)),
    }
}

fn due_now(app: &AppState) -> Date {
    rules::current_date(
        jiff::Timestamp::now(),
        app.jobs.edition.settings.send_at,
        &app.jobs.site.time_zone,
    )
}

/// The content of the edition dated `date`: the stored one once it started, else composed now.
async fn content_of(
    app: &AppState,
    date: Date,
    edition: Option<&Edition>,
) -> Result<rules::EditionContent, WebError> {
    match edition {
        Some(e) => Ok(serde_json::from_str(&e.content).map_err(anyhow::Error::from)?),
        None => Ok(masthead_jobs::edition::compose(
            &app.store,
            &app.jobs.site,
            &app.jobs.edition.settings,
            date,
        )
        .await?),
    }
}

/// The subject, text and HTML a reader named "Reader" would get (the unsubscribe link is a
/// placeholder: a preview must not carry a working token).
fn rendered(
    app: &AppState,
    content: &rules::EditionContent,
) -> Result<(String, String, String), WebError> {
    let url = format!("{}/edition/unsubscribe?t=preview", app.jobs.site.public_url);
    masthead_jobs::edition::render(&app.jobs, content, &url, Some("Reader"))
        .map_err(|e| WebError::Internal(e.into()))
}

pub async fn page(
    State(app): State<AppState>,
    headers: HeaderMap,
    _editor: Editor,
    Query(q): Query<PageQuery>,
) -> Result<Response, WebError> {
    let (date, error, status) = match chosen_date(&app, q.date.as_deref()) {
        Ok(d) => (d, None, StatusCode::OK),
        Err(e) => (due_now(&app), Some(e), StatusCode::UNPROCESSABLE_ENTITY),
    };
    let view = View {
        notice: q.notice,
        error,
        ..View::default()
    };
    render(&app, &headers, date, view, status).await
}

/// What a re-rendered page carries beyond the date: a notice, an error, the typed intro.
#[derive(Debug, Default)]
pub(super) struct View {
    notice: Option<String>,
    error: Option<String>,
    intro_input: Option<String>,
    intro_error: Option<String>,
}

fn status_label(e: &Edition, p: &Progress) -> String {
    match e.status {
        EditionStatus::Sending => format!("Sending: {} of {} done", p.done(), p.total()),
        EditionStatus::Sent => "Sent: every message was accepted".to_owned(),
        EditionStatus::Finished => format!("Finished: {} failed, {} bounced", p.failed, p.bounced),
        EditionStatus::Stopped => format!(
            "Stopped: {}",
            e.stop_reason.as_deref().unwrap_or("by an operator")
        ),
    }
}

fn counts(p: &Progress, unsubscribed: i64) -> minijinja::Value {
    minijinja::context! {
        queued => p.queued, sent => p.sent, failed => p.failed, bounced => p.bounced,
        skipped => p.skipped, unsubscribed, total => p.total(),
    }
}

pub(super) async fn render(
    app: &AppState,
    headers: &HeaderMap,
    date: Date,
    view: View,
    status: StatusCode,
) -> Result<Response, WebError> {
    let date_s = date.to_string();
    let edition = app.store.edition_by_date(&date_s).await?;
    let content = content_of(app, date, edition.as_ref()).await?;
    let (subject, text, _) = rendered(app, &content)?;
    let saved = app.store.edition_curation(&date_s).await?;
    let curation = saved
        .as_ref()
        .map(|s| s.curation.clone())
        .unwrap_or_default();
    // Dropped stories, to put back: the news day's candidates the curation drops.
    let mut dropped = Vec::new();
    if edition.is_none() && !curation.dropped.is_empty() {
        let (from, to) = rules::news_day(
            date,
            app.jobs.edition.settings.send_at,
            &app.jobs.site.time_zone,
        );
        for s in app
            .store
            .edition_candidates(from.as_millisecond(), to.as_millisecond())
            .await?
        {
            if curation.dropped.contains(&s.article_id) {
                dropped.push(minijinja::context! { id => s.article_id, headline => s.headline });
            }
        }
    }
    let story = |s: &rules::Story| {
        minijinja::context! {
            id => &s.article_id, headline => &s.headline, section => &s.section_name,
            path => &s.path, breaking => s.breaking,
            pinned => curation.pinned.contains(&s.article_id),
        }
    };
    let mut blocks = vec![minijinja::context! {
        name => "Lead stories",
        stories => content.leads.iter().map(story).collect::<Vec<_>>(),
    }];
    for s in &content.sections {
        blocks.push(minijinja::context! {
            name => &s.name, stories => s.stories.iter().map(story).collect::<Vec<_>>(),
        });
    }
    let mut editions = Vec::new();
    let mut sending = false;
    for e in app.store.recent_editions(RECENT).await? {
        let p = app.store.edition_progress(&e.id).await?;
        let unsubscribed: i64 = app
            .store
            .edition_unsubscribed_by_domain(&e.id)
            .await?
            .iter()
            .map(|(_, n)| n)
            .sum();
        sending |= e.status == EditionStatus::Sending;
        editions.push(minijinja::context! {
            date => &e.date, subject => &e.subject, status => e.status.as_str(),
            label => status_label(&e, &p), recipients => e.recipients,
            started => super::articles::when(app, e.started_at),
            counts => counts(&p, unsubscribed),
        });
    }
    let mut domains = Vec::new();
    if let Some(e) = &edition {
        let unsubscribed = app.store.edition_unsubscribed_by_domain(&e.id).await?;
        for (domain, p) in app.store.edition_progress_by_domain(&e.id, DOMAINS).await? {
            let u = unsubscribed
                .iter()
                .find(|(d, _)| *d == domain)
                .map_or(0, |(_, n)| *n);
            domains.push(minijinja::context! { domain, counts => counts(&p, u) });
        }
    }
    let ctx = minijinja::context! {
        date => &date_s, date_label => &content.date_label,
        started => edition.is_some(),
        edition_status => edition.as_ref().map(|e| e.status.as_str()),
        subject, text, story_count => content.story_count(), blocks, dropped,
        intro => view.intro_input.unwrap_or(curation.intro),
        intro_error => view.intro_error, intro_max => rules::curation::INTRO_MAX_CHARS,
        curated_by => saved.map(|s| format!("{}, {}", s.updated_by, super::articles::when(app, s.updated_at))),
        editions, domains, sending,
        notice => view.notice, error => view.error,
    };
    layout_page(
        app,
        headers,
        "newsroom/edition.html",
        "The Daily Edition",
        "/newsroom/edition",
        status,
        ctx,
    )
    .await
}

/// The HTML part as a reader gets it, for the page's sandboxed frame.
pub async fn preview_html(
    State(app): State<AppState>,
    _editor: Editor,
    Query(q): Query<PageQuery>,
) -> Result<Response, WebError> {
    let date = chosen_date(&app, q.date.as_deref()).map_err(WebError::BadRequest)?;
    let edition = app.store.edition_by_date(&date.to_string()).await?;
    let content = content_of(&app, date, edition.as_ref()).await?;
    let (_, _, html) = rendered(&app, &content)?;
    let mut res = ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "sandbox; default-src 'none'; img-src 'self' https: data:; style-src 'unsafe-inline'; frame-ancestors 'self'",
        ),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert("x-robots-tag", HeaderValue::from_static("noindex"));
    Ok(res)
}
