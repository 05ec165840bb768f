//! The article page, in the forms the registration wall needs (see `wall/`): open, open with
//! "N free articles left", and walled. Each form is rendered once and cached; the request
//! decides which form a reader gets and sets their meter cookie.

use axum::{
    extract::{OriginalUri, Path, State, rejection::PathRejection},
    http::{HeaderMap, HeaderValue, Method, header},
    response::{IntoResponse, Redirect, Response},
};
use masthead_core::{AccessLevel, markdown::split_lead_in, meter::WallReason};

use super::{Variant, json_ld};
use crate::{
    AppState,
    cache::CachedPage,
    error::WebError,
    views::{self, PageMeta},
    wall::{Counting, View},
};

pub async fn article_page(
    State(app): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    OriginalUri(uri): OriginalUri,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let Ok(Path((_section, slug))) = path else {
        return Err(WebError::NotFound);
    };
    let gate = app.article_gate(&slug).await?.ok_or(WebError::NotFound)?;
    let counting = Counting::of(&method);
    let access = app.article_access(&headers, &gate, counting).await?;
    let v = Variant {
        signed_in: access.signed_in,
    };
    let key = v.key(&format!("article:{slug}|{}", access.view.key()));
    let page = app
        .cache
        .get_or_render(&key, render_article(&app, v, access.view, &slug))
        .await?
        .ok_or(WebError::NotFound)?;
    // The slug identifies the article; if it moved to another section, its old URL redirects
    // (without counting: the new URL counts).
    if uri.path() != page.canonical_path {
        let mut res = Redirect::permanent(&page.canonical_path).into_response();
        res.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=300"),
        );
        return Ok(res);
    }
    // A HEAD sees no wall: it is not an impression.
    if let View::Walled(reason) = access.view
        && counting == Counting::Spend
    {
        app.wall.impression(&gate.article_id, reason);
    }
    let mut res = page.respond(&headers);
    if let Some(cookie) = access.set_cookie {
        res.headers_mut().append(header::SET_COOKIE, cookie);
    }
    Ok(res)
}

/// What the template says about access: whether the article is gated, the meter notice, the
/// wall.
#[derive(Debug, serde::Serialize)]
struct AccessView {
    gated: bool,
    walled: bool,
    /// "meter" or "registered": why the wall is shown.
    reason: Option<&'static str>,
    /// Free metered articles left after this one, when the meter counted it.
    left: Option<u32>,
    free_per_window: u32,
    /// The gated paragraphs, for readers who may read them.
    gated_html: Option<String>,
}

async fn render_article(
    app: &AppState,
    v: Variant,
    view: View,
    slug: &str,
) -> Result<Option<CachedPage>, WebError> {
    let epoch = app.cache.epoch();
    let Some(article) = app.store.published_article(slug).await? else {
        return Ok(None);
    };
    let sections = app.sections().await?;
    let site = views::site_with(app, &sections);
    let mut article_view = views::article(app, &article);
    let path = article_view.card.url.clone();
    let gated = article.card.access != AccessLevel::Free;
    let walled = matches!(view, View::Walled(_));
    let mut gated_html = None;
    if gated {
        // The body as the page shows it (inline photos as pictures), split for the wall.
        let body = std::mem::take(&mut article_view.body_html);
        let (lead, rest) = split_lead_in(&body, app.wall.lead_paragraphs);
        if !walled {
            gated_html = Some(rest.to_owned());
        }
        article_view.body_html = lead.to_owned();
    }
    let access = AccessView {
        gated,
        walled,
        reason: match view {
            View::Walled(WallReason::MeterSpent) => Some("meter"),
            View::Walled(WallReason::RegisteredOnly) => Some("registered"),
            _ => None,
        },
        left: match view {
            View::Metered { left } => Some(left),
            _ => None,
        },
        free_per_window: app.wall.policy.free,
        gated_html,
    };
    // The newsroom's SEO title and description, when set, are what search engines get.
    let mut meta = PageMeta::new(
        &site,
        or_else(&article.seo_title, &article.card.headline),
        or_else(&article.seo_description, &article.card.standfirst),
        &path,
    );
    meta.current_section = Some(article.card.section.slug.clone());
    let structured = crate::feeds::structured::script(&serde_json::json!([
        json_ld::news_article(&site, &meta, &article_view, gated),
        crate::feeds::structured::breadcrumbs(
            &site,
            &[
                (&article.card.section.name, &article_view.card.section.url),
                (&article.card.headline, &path),
            ]
        ),
    ]));
    let read_more = crate::search::read_more(app, &article).await;
    let html = app.theme.render(
        "article.html",
        minijinja::context! {
            site => &site, page => meta, now_year => views::now_year(app), signed_in => v.signed_in,
            article => article_view, access, json_ld => structured, read_more,
            wall => minijinja::context! { article_id => &article.card.id, return_to => &path },
            oidc_providers => app.oidc.buttons(),
        },
    )?;
    let modified = article.updated_at.max(article.card.published_at);
    let page = if view.per_reader() {
        Variant::private_page(html, modified, epoch, path)
    } else {
        v.page(html, modified, epoch, path)
    };
    Ok(Some(page))
}

fn or_else<'a>(preferred: &'a str, fallback: &'a str) -> &'a str {
    if preferred.is_empty() {
        fallback
    } else {
        preferred
    }
}
