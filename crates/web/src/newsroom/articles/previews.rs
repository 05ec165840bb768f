//! Previews: the live preview of the editor's form (`POST /newsroom/articles/preview`, nothing
//! is saved: opened in a new tab by the form's "Preview" button, and with `newsroom.js` shown
//! beside the form in a sandboxed iframe, refreshed a moment after typing stops), and preview links for
//! people without an account (`/preview/ID.SIGNATURE`): signed with a server secret kept in
//! the `settings` table (shared by every node), revocable, expiring (7 days by default), never
//! indexed (`X-Robots-Tag` and `<meta name="robots">`), never cached, sent with no referrer.
//! Both show the article in the theme's article template, as readers will see it (the whole
//! text: no wall), with the body through the same sanitizing renderer as any save. An
//! existing article's preview (`?article=ID`) shows its lead photo and its inline photos.
//!
//! Nothing a contributor types can run in an editor's browser: the body is sanitized, and a
//! preview response also carries `Content-Security-Policy: sandbox` with `script-src 'none'`
//! (an opaque origin, no script, no forms, even opened in a tab of its own); the editor's
//! iframe is `sandbox` without `allow-scripts`.

use axum::{
    extract::{Path, Query, State},
    http::{HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Redirect, Response},
};
use masthead_core::{
    AccessLevel, ArticleAction, ArticleStatus,
    preview::{preview_token, verify_preview_token},
};
use masthead_store::content::{ArticleCard, ArticleFull, NamedRef};
use serde::Deserialize;

use super::{EditorForm, Writer, article_for, staff_member};
use crate::{
    AppState,
    error::WebError,
    session::CsrfForm,
    views::{self, PageMeta},
};

/// The settings key of the preview links' HMAC secret.
pub const SECRET_KEY: &str = "preview_link_secret";
pub const DEFAULT_VALID_DAYS: i64 = 7;
const MAX_VALID_DAYS: i64 = 90;

/// Every preview's policy: the site's defaults, sandboxed, with no script and no forms.
const PREVIEW_CSP: &str = "sandbox; default-src 'self'; img-src 'self' data:; style-src 'self'; \
     script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'";

/// `?article=ID`: the article the form edits (its photos are shown).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PreviewOf {
    article: Option<String>,
}

pub async fn secret(app: &AppState) -> Result<String, WebError> {
    Ok(app
        .store
        .setting_or_insert(SECRET_KEY, &masthead_core::secret::random_token())
        .await?)
}

pub fn link_url(app: &AppState, secret: &str, id: &str) -> String {
    format!(
        "{}/preview/{}",
        app.config.public_url.trim_end_matches('/'),
        preview_token(secret, id)
    )
}

/// The article template with `article`, whole, marked not to be indexed.
async fn render_preview(
    app: &AppState,
    article: &ArticleFull,
    banner: &str,
) -> Result<Response, WebError> {
    let sections = app.sections().await?;
    let site = views::site_with(app, &sections);
    let view = views::article(app, article);
    let mut meta = PageMeta::new(&site, &article.card.headline, &article.card.standfirst, "");
    meta.canonical_url = String::new();
    let html = app.theme.render(
        "article.html",
        minijinja::context! {
            site => &site, page => meta, now_year => views::now_year(app), signed_in => false,
            article => view, noindex => true, preview_banner => banner,
            // No meter: a preview counts toward nothing (`left` none hides the notice).
            access => minijinja::context! { gated => false, walled => false, left => () },
        },
    )?;
    let mut res = (StatusCode::OK, Html(html)).into_response();
    let h = res.headers_mut();
    h.insert(
        "x-robots-tag",
        HeaderValue::from_static("noindex, nofollow"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PREVIEW_CSP),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    Ok(res)
}

pub async fn preview_page(
    State(app): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let secret = secret(&app).await?;
    let gone = || {
        crate::error::Refusal::new(
            StatusCode::NOT_FOUND,
            "This preview link does not work",
            "The link has expired, was withdrawn, or was copied incompletely. Ask the newsroom for a new one.",
            ("/", "Go to the front page"),
        )
    };
    let Some(id) = verify_preview_token(&secret, &token) else {
        return Err(gone().into());
    };
    let link = app.store.preview_link(id).await?;
    let Some(link) = link.filter(|l| l.usable(masthead_store::now_ms())) else {
        return Err(gone().into());
    };
    let article = app
        .store
        .article_for_preview(&link.article_id)
        .await?
        .ok_or_else(gone)?;
    let banner = match article.status {
        ArticleStatus::Published => "Preview: this article is published.",
        ArticleStatus::Scheduled => "Preview: this article is scheduled and not yet public.",
        ArticleStatus::Draft => "Preview: this article is a draft and not public.",
    };
    render_preview(&app, &article, banner).await
}

/// The editor's form, rendered as readers would see it (nothing saved).
pub async fn live_preview(
    State(app): State<AppState>,
    Query(of): Query<PreviewOf>,
    w: Writer,
    CsrfForm(form): CsrfForm<EditorForm>,
) -> Result<Response, WebError> {
    let staff = staff_member(&app, &w).await?;
    let editing = match of.article.as_deref().filter(|id| !id.is_empty()) {
        Some(id) => Some(article_for(&app, &staff, id, ArticleAction::Preview).await?),
        None => None,
    };
    let draft = form.draft();
    if draft.body.len() > masthead_core::draft::MAX_BODY_BYTES
        || masthead_core::draft::nesting_depth(&draft.body) > masthead_core::draft::MAX_NESTING
    {
        return Err(WebError::BadRequest(
            "The body is too long or nested too deeply to preview: the editor says what to change when you save."
                .into(),
        ));
    }
    let rendered =
        super::edit::render(&app, editing.as_ref().map(|a| a.id.as_str()), &draft.body).await?;
    // The stored article's photos: its lead, and the variants of its inline photos.
    let stored = match &editing {
        Some(a) => app.store.article_for_preview(&a.id).await?,
        None => None,
    };
    let lead_photo = stored.as_ref().and_then(|f| f.card.lead_photo.clone());
    let inline_variants = stored.map(|f| f.inline_variants).unwrap_or_default();
    let sections = app.sections().await?;
    let section = sections.iter().find(|s| s.slug == draft.section.trim());
    let authors = app.store.all_authors().await?;
    let names: Vec<NamedRef> = draft
        .authors
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| {
            authors
                .iter()
                .find(|a| a.slug == n || a.name.eq_ignore_ascii_case(n))
                .map(|a| NamedRef {
                    slug: a.slug.clone(),
                    name: a.name.clone(),
                })
                .unwrap_or_else(|| NamedRef {
                    slug: String::new(),
                    name: n.to_owned(),
                })
        })
        .collect();
    let now = masthead_store::now_ms();
    let article = ArticleFull {
        card: ArticleCard {
            id: String::new(),
            slug: draft.slug.clone(),
            headline: draft.headline.trim().to_owned(),
            standfirst: draft.standfirst.trim().to_owned(),
            section: NamedRef {
                slug: section.map(|s| s.slug.clone()).unwrap_or_default(),
                name: section.map(|s| s.name.clone()).unwrap_or_default(),
            },
            authors: names,
            published_at: now,
            breaking: draft.breaking,
            access: draft.access.parse().unwrap_or(AccessLevel::Metered),
            lead_photo,
            comment_count: 0,
        },
        status: ArticleStatus::Draft,
        body_html: rendered.html,
        body_text: rendered.text,
        updated_at: now,
        revised_at: None,
        tags: Vec::new(),
        kicker: draft.kicker.trim().to_owned(),
        byline: draft.byline.trim().to_owned(),
        seo_title: draft.seo_title.clone(),
        seo_description: draft.seo_description.clone(),
        corrections: Vec::new(),
        inline_variants,
    };
    render_preview(
        &app,
        &article,
        "Preview of your unsaved text: nothing has been saved.",
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LinkForm {
    days: String,
}

pub async fn create_link(
    State(app): State<AppState>,
    Path(id): Path<String>,
    w: Writer,
    CsrfForm(f): CsrfForm<LinkForm>,
) -> Result<Response, WebError> {
    let staff = staff_member(&app, &w).await?;
    let article = article_for(&app, &staff, &id, ArticleAction::Preview).await?;
    let days = match f.days.trim() {
        "" => DEFAULT_VALID_DAYS,
        d => match d.parse::<i64>() {
            Ok(n) if (1..=MAX_VALID_DAYS).contains(&n) => n,
            _ => {
                return Err(WebError::BadRequest(format!(
                    "A preview link lasts 1 to {MAX_VALID_DAYS} days: go back and enter a number of days."
                )));
            }
        },
    };
    app.store
        .create_preview_link(&article.id, days * 86_400_000, &staff)
        .await?;
    Ok(Redirect::to(&format!(
        "/newsroom/articles/{}?notice=link#preview-links",
        article.id
    ))
    .into_response())
}

pub async fn revoke_link(
    State(app): State<AppState>,
    Path((id, link)): Path<(String, String)>,
    w: Writer,
    CsrfForm(_): CsrfForm<super::autosave::Empty>,
) -> Result<Response, WebError> {
    let staff = staff_member(&app, &w).await?;
    let article = article_for(&app, &staff, &id, ArticleAction::Preview).await?;
    if !app
        .store
        .revoke_preview_link(&article.id, &link, &staff)
        .await?
    {
        return Err(WebError::NotFound);
    }
    Ok(Redirect::to(&format!(
        "/newsroom/articles/{}?notice=revoked#preview-links",
        article.id
    ))
    .into_response())
}
