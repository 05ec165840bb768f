//! Breaking-news alerts under `/newsroom/alerts`, for editors and admins (`Staff<SendAlerts>`):
//! subscribers per topic, "Send as breaking news" (choose a published article and a topic, then
//! confirm on a page that says how many subscribers it will reach, and whether the story went
//! to that topic before: a second send needs that confirmation), and each alert's progress:
//! sent, expired, failed, retried, received and clicked, with the median and 90th percentile
//! time from confirmation to the browser (the service workers' receipts). The page refreshes
//! itself every few seconds while an alert is going out (no script needed).
//!
//! The article editor (another part of the newsroom) can link here with `?slug=`; the choice
//! is then made for the editor.

use axum::{
    Router,
    extract::{Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use masthead_core::Role;
use masthead_jobs::push::{ComposeError, Composed, compose_alert};
use masthead_store::content::ListFilter;
use serde::Deserialize;

use crate::{
    AppState,
    error::WebError,
    session::{Capability, CsrfForm, Staff},
    views,
};

/// Sending alerts: admins and editors.
pub struct SendAlerts;

impl Capability for SendAlerts {
    const HOME: &'static str = "/newsroom/alerts";
    const DENIED_TITLE: &'static str = "For editors only";
    const DENIED_MESSAGE: &'static str = "Breaking-news alerts are sent by the newsroom's editors. If you should have access, ask an admin.";

    fn allows(role: Role) -> bool {
        role.can_publish()
    }
}

type Editor = Staff<SendAlerts>;

/// Articles offered in the chooser (the latest).
const CHOOSER: i64 = 50;
/// Alerts shown with their progress.
const RECENT: i64 = 20;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/newsroom/alerts", get(page).post(send))
        .route("/newsroom/alerts/confirm", post(confirm))
}

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    slug: Option<String>,
    notice: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct SendForm {
    #[serde(default)]
    slug: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    resend: Option<String>,
}

fn ms(v: Option<i64>) -> Option<String> {
    v.map(|ms| {
        if ms < 10_000 {
            format!("{:.1} s", ms as f64 / 1000.0)
        } else {
            format!("{} s", ms / 1000)
        }
    })
}

pub async fn page(
    State(app): State<AppState>,
    headers: HeaderMap,
    editor: Editor,
    Query(q): Query<PageQuery>,
) -> Result<Response, WebError> {
    render_page(
        &app,
        &headers,
        &editor,
        q.slug,
        q.notice,
        None,
        StatusCode::OK,
    )
    .await
}

async fn render_page(
    app: &AppState,
    headers: &HeaderMap,
    editor: &Editor,
    slug: Option<String>,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let tz = &app.config.time_zone;
    let topics = app.store.push_topic_counts().await?;
    let sections = app.store.sections().await?;
    let articles: Vec<minijinja::Value> = app
        .store
        .list_articles(ListFilter::All, CHOOSER, 0)
        .await?
        .iter()
        .map(|a| minijinja::context! { slug => &a.slug, headline => &a.headline, section => &a.section.name })
        .collect();
    let mut alerts = Vec::new();
    let mut sending = false;
    for a in app.store.recent_push_alerts(RECENT).await? {
        let received = app.store.push_receipt_percentiles(&a.id, false).await?;
        sending |= a.finished_at.is_none();
        alerts.push(minijinja::context! {
            headline => &a.headline,
            topic => &a.topic,
            resend => a.round > 0,
            by => &a.sent_by,
            when => masthead_core::schedule::dateline(masthead_store::from_ms(a.created_at), tz),
            audience => a.audience,
            sent => a.sent, expired => a.expired, failed => a.failed, retried => a.retried,
            received => a.received, clicked => a.clicked,
            done => a.finished_at.is_some(),
            first_after => ms(a.first_sent_at.map(|t| t - a.created_at)),
            took => ms(a.finished_at.map(|t| t - a.created_at)),
            median => ms(received.map(|r| r.0)),
            p90 => ms(received.map(|r| r.1)),
        });
    }
    let ctx = minijinja::context! {
        editor => &editor.session.email,
        topics => topics.iter().map(|(t, n)| minijinja::context! { topic => t, count => n }).collect::<Vec<_>>(),
        sections => sections.iter().map(|s| minijinja::context! { slug => &s.slug, name => &s.name }).collect::<Vec<_>>(),
        articles, alerts, sending, notice, error, chosen => slug,
    };
    views::form_page(
        app,
        headers,
        "newsroom/alerts.html",
        "Breaking-news alerts",
        "/newsroom/alerts",
        status,
        ctx,
    )
    .await
}

/// Checks the topic names a section of the site (or breaking news).
async fn topic_ok(app: &AppState, topic: &str) -> Result<bool, WebError> {
    Ok(match topic.strip_prefix("section:") {
        Some(s) => app.store.section_by_slug(s).await?.is_some(),
        None => topic == "breaking",
    })
}

pub async fn confirm(
    State(app): State<AppState>,
    headers: HeaderMap,
    editor: Editor,
    CsrfForm(f): CsrfForm<SendForm>,
) -> Result<Response, WebError> {
    let slug = f.slug.trim();
    let again = |msg: &str| {
        render_page(
            &app,
            &headers,
            &editor,
            Some(slug.to_owned()),
            None,
            Some(msg.to_owned()),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    let Some(article) = app.store.published_article(slug).await? else {
        return again("Choose a published article to send.").await;
    };
    if !topic_ok(&app, &f.topic).await? {
        return again("Choose who receives it: breaking news, or the followers of a section.")
            .await;
    }
    let audience = app.store.count_push_subscribers(&f.topic).await?;
    let previous = app
        .store
        .last_push_alert_for(&article.card.id, &f.topic)
        .await?
        .map(|a| {
            masthead_core::schedule::dateline(
                masthead_store::from_ms(a.created_at),
                &app.config.time_zone,
            )
        });
    let ctx = minijinja::context! {
        slug, topic => &f.topic, headline => &article.card.headline,
        standfirst => &article.card.standfirst, audience, previous,
    };
    views::form_page(
        &app,
        &headers,
        "newsroom/alerts_confirm.html",
        "Send this alert?",
        "/newsroom/alerts",
        StatusCode::OK,
        ctx,
    )
    .await
}

pub async fn send(
    State(app): State<AppState>,
    headers: HeaderMap,
    editor: Editor,
    CsrfForm(f): CsrfForm<SendForm>,
) -> Result<Response, WebError> {
    let resend = f.resend.is_some();
    let sent_by = editor.session.email.clone();
    let outcome = compose_alert(
        &app.store,
        &app.jobs.site,
        f.slug.trim(),
        &f.topic,
        resend,
        &sent_by,
    )
    .await;
    let error = match outcome {
        Ok(Composed::Created { audience, .. }) => {
            app.jobs_wake.notify_one();
            let url = format!("/newsroom/alerts?notice=sending+to+{audience}+subscribers");
            return Ok(Redirect::to(&url).into_response());
        }
        Ok(Composed::AlreadySent { .. }) => {
            "This story was already sent to these readers. Confirm on the next page to send it again.".to_owned()
        }
        Err(ComposeError::Store(e)) => return Err(e.into()),
        Err(e) => e.to_string(),
    };
    render_page(
        &app,
        &headers,
        &editor,
        Some(f.slug),
        None,
        Some(error),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}
