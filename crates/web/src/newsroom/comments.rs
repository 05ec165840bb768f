//! The moderation queue under `/newsroom/comments`: lists (pending, reported, approved,
//! rejected), decisions on comments (approve, reject, feature), on commenters (warn, suspend,
//! ban, restore), on threads (close, reopen), the settings form, and the audit trail. Server-
//! rendered forms, usable by keyboard. Staff with a moderating role only (admin, editor,
//! moderator), signed in as staff (`Staff<Moderate>`).

use axum::{
    Router,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use masthead_core::comment::{ModerationMode, ModerationSettings, parse_word_list};
use masthead_store::{
    comments::{Decision, QueueTab, Sanction},
    rate_limit::{RateKey, RateLimit},
};
use serde::Deserialize;

use crate::{
    AppState,
    comments::view,
    error::{Refusal, WebError},
    session::{CsrfForm, Moderate, Session, Staff},
};

type Moderator = Staff<Moderate>;

const QUEUE_LIMIT: i64 = 100;
const ACTIONS_PER_MINUTE: i64 = 300;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/newsroom/comments", get(queue))
        .route("/newsroom/comments/{id}/decide", post(decide))
        .route("/newsroom/commenters/{id}/sanction", post(sanction))
        .route("/newsroom/comments/settings", post(save_settings))
        .route("/newsroom/threads/{article_id}", post(thread_state))
}

#[derive(Debug, Default, Deserialize)]
pub struct QueueQuery {
    tab: Option<String>,
    notice: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ModForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    days: String,
    #[serde(default)]
    tab: String,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    trusted_after: String,
    #[serde(default)]
    banned_words: String,
    #[serde(default)]
    suspect_words: String,
    #[serde(default)]
    hold_links: Option<String>,
    #[serde(default)]
    report_threshold: String,
    #[serde(default)]
    per_minute: String,
}

/// Every moderating POST counts against the moderator's rate (a runaway script, a stolen
/// session).
async fn count_action(app: &AppState, session: &Session) -> Result<(), WebError> {
    let limit = RateLimit::per_minute(
        RateKey::ModeratorActions(session.reader_id.clone()),
        ACTIONS_PER_MINUTE,
    );
    if app.store.take_rate_limit(&limit).await? {
        return Ok(());
    }
    Err(Refusal::too_many(
        "That was a great many decisions in one minute. Please wait a moment and continue.",
        60,
        ("/newsroom/comments", "Back to the queue"),
    )
    .into())
}

fn back(tab: &str, notice: &str) -> Response {
    let tab = QueueTab::parse(tab).map(|_| tab).unwrap_or("pending");
    Redirect::to(&format!("/newsroom/comments?tab={tab}&notice={notice}")).into_response()
}

pub async fn queue(
    State(app): State<AppState>,
    headers: HeaderMap,
    moderator: Moderator,
    Query(q): Query<QueueQuery>,
) -> Result<Response, WebError> {
    let reader = moderator.session;
    let tab_name = q.tab.as_deref().unwrap_or("pending");
    let tab = QueueTab::parse(tab_name).ok_or_else(|| {
        WebError::BadRequest("Unknown list: use pending, reported, approved or rejected.".into())
    })?;
    settings_page(
        &app,
        &headers,
        &reader,
        tab,
        tab_name,
        q.notice,
        None,
        None,
        StatusCode::OK,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn settings_page(
    app: &AppState,
    headers: &HeaderMap,
    reader: &Session,
    tab: QueueTab,
    tab_name: &str,
    notice: Option<String>,
    settings: Option<ModerationSettings>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let queue = app.store.moderation_queue(tab, QUEUE_LIMIT).await?;
    let tz = &app.config.time_zone;
    let items: Vec<minijinja::Value> = queue
        .items
        .iter()
        .map(|i| {
            let c = &i.comment;
            let path = crate::views::article_path(&i.section_slug, &i.article_slug);
            minijinja::context! {
                id => &c.id,
                author => if c.reader_id.is_some() { c.author_name.as_str() } else { "Deleted account" },
                reader_id => &c.reader_id,
                role => &c.author_role,
                html => &c.body_html,
                status => c.status,
                hold_reason => &c.hold_reason,
                featured => c.featured,
                open_reports => c.open_reports,
                reports => i.reports.iter().map(|(r, d)| minijinja::context! { reason => r, detail => d }).collect::<Vec<_>>(),
                posted => masthead_core::schedule::dateline(masthead_store::from_ms(c.created_at), tz),
                article_headline => &i.article_headline,
                article_url => &path,
                article_id => &c.article_id,
                thread_url => format!("{path}/comments#c-{}", c.id),
            }
        })
        .collect();
    let log: Vec<minijinja::Value> = app
        .store
        .moderation_log(50)
        .await?
        .iter()
        .map(|e| {
            minijinja::context! {
                when => masthead_core::schedule::dateline(masthead_store::from_ms(e.created_at), tz),
                moderator => &e.moderator, action => &e.action, reason => &e.reason,
                comment_id => &e.comment_id, reader_id => &e.reader_id,
            }
        })
        .collect();
    let s = match settings {
        Some(s) => s,
        None => app.store.comment_settings().await?,
    };
    let ctx = minijinja::context! {
        moderator => &reader.email,
        tab => tab_name,
        tabs => ["pending", "reported", "approved", "rejected"],
        items, total => queue.total, log, notice, error,
        settings => minijinja::context! {
            mode => s.mode.as_str(), trusted_after => s.trusted_after,
            banned_words => s.banned_words.join("\n"), suspect_words => s.suspect_words.join("\n"),
            hold_links => s.hold_links, report_threshold => s.report_threshold, per_minute => s.per_minute,
        },
    };
    view::render(
        app,
        headers,
        "newsroom/comments.html",
        "Comment moderation",
        "/newsroom/comments",
        status,
        ctx,
    )
    .await
}

pub async fn decide(
    State(app): State<AppState>,
    Path(id): Path<String>,
    moderator: Moderator,
    CsrfForm(f): CsrfForm<ModForm>,
) -> Result<Response, WebError> {
    let reader = moderator.session;
    count_action(&app, &reader).await?;
    let decision = Decision::parse(&f.action).ok_or_else(|| {
        WebError::BadRequest("Unknown decision: use approve, reject, feature or unfeature.".into())
    })?;
    let c = app.store.comment(&id).await?.ok_or(WebError::NotFound)?;
    match app
        .store
        .moderate_comment(&id, decision, &reader.email, f.reason.trim())
        .await?
    {
        Some(version) => {
            app.comments.observe(&c.article_id, version);
            app.jobs_wake.notify_one();
            Ok(back(&f.tab, decision.as_str()))
        }
        None => Err(WebError::NotFound),
    }
}

pub async fn sanction(
    State(app): State<AppState>,
    Path(reader_id): Path<String>,
    moderator: Moderator,
    CsrfForm(f): CsrfForm<ModForm>,
) -> Result<Response, WebError> {
    let reader = moderator.session;
    count_action(&app, &reader).await?;
    let s = match f.action.as_str() {
        "warn" => Sanction::Warn,
        "ban" => Sanction::Ban,
        "restore" => Sanction::Restore,
        "suspend" => match f.days.trim().parse::<i64>() {
            Ok(d) if (1..=365).contains(&d) => {
                Sanction::Suspend(masthead_store::now_ms() + d * 86_400_000)
            }
            _ => {
                return Err(WebError::BadRequest(
                    "A suspension lasts 1 to 365 days: please enter a number of days.".into(),
                ));
            }
        },
        _ => {
            return Err(WebError::BadRequest(
                "Unknown action: use warn, suspend, ban or restore.".into(),
            ));
        }
    };
    if !app
        .store
        .sanction_commenter(&reader_id, s, &reader.email, f.reason.trim())
        .await?
    {
        return Err(WebError::NotFound);
    }
    app.comments.sanctioned();
    Ok(back(&f.tab, s.as_str()))
}

pub async fn thread_state(
    State(app): State<AppState>,
    Path(article_id): Path<String>,
    moderator: Moderator,
    CsrfForm(f): CsrfForm<ModForm>,
) -> Result<Response, WebError> {
    let reader = moderator.session;
    count_action(&app, &reader).await?;
    let closed = match f.action.as_str() {
        "close" => true,
        "open" => false,
        _ => {
            return Err(WebError::BadRequest(
                "Unknown action: use close or open.".into(),
            ));
        }
    };
    let exists: Option<String> = app.store.article_id_exists(&article_id).await?;
    if exists.is_none() {
        return Err(WebError::NotFound);
    }
    let version = app
        .store
        .set_thread_closed(&article_id, closed, &reader.email)
        .await?;
    app.comments.observe(&article_id, version);
    Ok(back(&f.tab, if closed { "closed" } else { "opened" }))
}

pub async fn save_settings(
    State(app): State<AppState>,
    headers: HeaderMap,
    moderator: Moderator,
    CsrfForm(f): CsrfForm<ModForm>,
) -> Result<Response, WebError> {
    let reader = moderator.session;
    count_action(&app, &reader).await?;
    let num = |v: &str, lo: i64, hi: i64| {
        v.trim()
            .parse::<i64>()
            .ok()
            .filter(|n| (lo..=hi).contains(n))
    };
    let parsed = (
        ModerationMode::parse(&f.mode),
        num(&f.trusted_after, 0, 1000),
        num(&f.report_threshold, 0, 1000),
        num(&f.per_minute, 1, 100_000),
    );
    let settings = ModerationSettings {
        mode: parsed.0.unwrap_or(ModerationMode::Post),
        trusted_after: parsed.1.unwrap_or(0),
        banned_words: parse_word_list(&f.banned_words),
        suspect_words: parse_word_list(&f.suspect_words),
        hold_links: f.hold_links.is_some(),
        report_threshold: parsed.2.unwrap_or(0),
        per_minute: parsed.3.unwrap_or(1),
    };
    let error = match parsed {
        (None, ..) => Some("Choose a moderation mode."),
        (_, None, ..) => Some("“Trusted after” must be a whole number from 0 to 1000."),
        (_, _, None, _) => {
            Some("The report threshold must be a whole number from 0 (never hide) to 1000.")
        }
        (.., None) => Some("Comments per minute must be a whole number from 1."),
        _ => None,
    };
    if let Some(e) = error {
        return settings_page(
            &app,
            &headers,
            &reader,
            QueueTab::Pending,
            "pending",
            None,
            Some(settings),
            Some(e.into()),
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    app.store
        .save_comment_settings(&settings, &reader.email)
        .await?;
    app.forget_comment_settings();
    Ok(back("pending", "settings"))
}
