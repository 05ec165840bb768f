//! What templates receive: plain serializable views built from store rows. Times are rendered
//! here, in the publication's time zone; URLs are built here, in one place.

use axum::{
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response},
};
use masthead_store::content::{ArticleCard, ArticleFull, NamedRef, PhotoRow, SectionRow};
use serde::Serialize;

use crate::{AppState, error::WebError, session::cookies};

#[derive(Debug, Clone, Serialize)]
pub struct SiteView {
    pub name: String,
    pub tagline: String,
    pub lang: &'static str,
    pub base_url: String,
    pub static_url: String,
    pub sections: Vec<NavItem>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NavItem {
    pub name: String,
    pub slug: String,
    pub url: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PageMeta {
    pub title: String,
    pub description: String,
    pub canonical_url: String,
    pub current_section: Option<String>,
}

impl PageMeta {
    /// `title` is the page's own title; the publication's name is appended (or used alone
    /// when `title` is empty).
    pub fn new(site: &SiteView, title: &str, description: &str, path: &str) -> Self {
        Self {
            title: if title.is_empty() {
                site.name.clone()
            } else {
                format!("{title} — {}", site.name)
            },
            description: description.to_owned(),
            canonical_url: format!("{}{path}", site.base_url),
            current_section: None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct LinkView {
    pub name: String,
    pub slug: String,
    pub url: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PhotoView {
    /// The JPEG fallback (the original before variants exist).
    pub url: String,
    /// Empty for a decorative photo.
    pub alt: String,
    pub caption: String,
    pub credit: String,
    pub width: i64,
    pub height: i64,
    /// `<picture>`: the JPEG `srcset` and one `<source>` per modern format (`photos`).
    pub srcset: String,
    pub sources: Vec<crate::photos::SourceView>,
    /// 1200 px of the 16:9 crop, for `og:image`.
    pub social: Option<crate::photos::ImageRef>,
    /// The JSON-LD `image` list (16:9, 4:3, 1:1).
    pub images: Vec<crate::photos::ImageRef>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CardView {
    pub headline: String,
    pub standfirst: String,
    pub url: String,
    pub section: LinkView,
    pub authors: Vec<LinkView>,
    pub published_iso: String,
    pub published_display: String,
    pub photo: Option<PhotoView>,
    pub breaking: bool,
    /// Published comments when the page was rendered.
    pub comment_count: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ArticleView {
    #[serde(flatten)]
    pub card: CardView,
    pub lead_photo: Option<PhotoView>,
    pub tags: Vec<LinkView>,
    pub updated_iso: Option<String>,
    pub updated_display: Option<String>,
    pub body_html: String,
    /// Above the headline (empty: none).
    pub kicker: String,
    /// Shown instead of the author list when set.
    pub byline: String,
    pub seo_title: String,
    pub seo_description: String,
    /// Corrections and clarifications, oldest first, for the foot of the article.
    pub corrections: Vec<CorrectionView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CorrectionView {
    /// correction, clarification, update
    pub kind: String,
    pub body: String,
    pub at_iso: String,
    pub at_display: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Pagination {
    pub page: i64,
    pub total_pages: i64,
    pub prev_url: Option<String>,
    pub next_url: Option<String>,
}

impl Pagination {
    pub fn new(path: &str, page: i64, total_items: i64, per_page: i64) -> Self {
        let total_pages = ((total_items + per_page - 1) / per_page).max(1);
        let url = |p: i64| {
            if p == 1 {
                path.to_owned()
            } else {
                format!("{path}?page={p}")
            }
        };
        Self {
            page,
            total_pages,
            prev_url: (page > 1).then(|| url(page - 1)),
            next_url: (page < total_pages).then(|| url(page + 1)),
        }
    }
}

pub fn article_path(section_slug: &str, slug: &str) -> String {
    format!("/{section_slug}/{slug}")
}

pub fn section_path(slug: &str) -> String {
    format!("/{slug}")
}

pub fn tag_path(slug: &str) -> String {
    format!("/tag/{slug}")
}

pub fn author_path(slug: &str) -> String {
    format!("/author/{slug}")
}

pub fn media_url(file: &str) -> String {
    format!("/media/{file}")
}

/// The site-wide part of every page. On a database error the navigation is left empty rather
/// than failing the page (error pages use this too).
pub async fn site(app: &AppState) -> SiteView {
    let sections = match app.sections().await {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "cannot load sections for the navigation");
            Default::default()
        }
    };
    site_with(app, &sections)
}

pub fn site_with(app: &AppState, sections: &[SectionRow]) -> SiteView {
    SiteView {
        name: app.config.site_name.clone(),
        tagline: app.config.tagline.clone(),
        lang: "en",
        base_url: app.config.public_url.clone(),
        static_url: app.theme.static_url("style.css"),
        sections: sections
            .iter()
            .map(|s| NavItem {
                name: s.name.clone(),
                slug: s.slug.clone(),
                url: section_path(&s.slug),
            })
            .collect(),
    }
}

/// Renders a page that carries a form for this browser: the site chrome, the browser's CSRF
/// token (made, and set as a cookie, when it has none), `no-store`. Such pages are never cached
/// or compressed: a secret (the token) beside text an attacker can write (a comment, a name) in
/// a compressed response is what BREACH-style attacks measure.
pub async fn form_page(
    app: &AppState,
    headers: &HeaderMap,
    template: &str,
    title: &str,
    path: &str,
    status: StatusCode,
    extra: minijinja::Value,
) -> Result<Response, WebError> {
    let (csrf, new_csrf) = cookies::csrf_token(headers, app.secure_cookies());
    let html = form_html(app, headers, template, title, path, &csrf, extra).await?;
    Ok(form_response(app, status, html, &csrf, new_csrf))
}

/// The HTML of [`form_page`], with `csrf` as the token (a page cached for several readers
/// renders a marker there and puts each reader's token in when it is sent).
pub async fn form_html(
    app: &AppState,
    headers: &HeaderMap,
    template: &str,
    title: &str,
    path: &str,
    csrf: &str,
    extra: minijinja::Value,
) -> Result<String, WebError> {
    let sections = app.sections().await?;
    let site = site_with(app, &sections);
    let ctx = minijinja::context! {
        site => &site,
        page => PageMeta::new(&site, title, "", path),
        now_year => now_year(app),
        signed_in => cookies::session_token(headers, app.secure_cookies()).is_some(),
        csrf,
        oidc_providers => app.oidc.buttons(),
        ..extra
    };
    Ok(app.theme.render(template, ctx)?)
}

/// The response of [`form_page`]: `no-store`, and the CSRF cookie when the browser had none.
pub fn form_response(
    app: &AppState,
    status: StatusCode,
    html: String,
    csrf: &str,
    new_csrf: bool,
) -> Response {
    let mut res = (status, Html(html)).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if new_csrf {
        res.headers_mut().append(
            header::SET_COOKIE,
            cookies::set(cookies::CSRF, csrf, None, app.secure_cookies()),
        );
    }
    res
}

/// A short page with a heading, a message and a link onward (a success, or a refusal that
/// needs the browser's token on the page).
pub async fn notice_page(
    app: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    title: &str,
    message: &str,
    link: (&str, &str),
) -> Result<Response, WebError> {
    let ctx = minijinja::context! { title, message, link_url => link.0, link_text => link.1 };
    form_page(
        app,
        headers,
        "account/notice.html",
        title,
        link.0,
        status,
        ctx,
    )
    .await
}

pub fn now_year(app: &AppState) -> i16 {
    jiff::Timestamp::now()
        .to_zoned(app.config.time_zone.clone())
        .year()
}

fn photo(p: &PhotoRow, frame: crate::photos::Frame) -> Option<PhotoView> {
    let pic = crate::photos::picture(p, frame)?;
    Some(PhotoView {
        url: pic.url,
        alt: if p.decorative {
            String::new()
        } else {
            p.alt.clone()
        },
        caption: p.caption.clone(),
        credit: p.credit.clone(),
        width: pic.width,
        height: pic.height,
        srcset: pic.srcset,
        sources: pic.sources,
        social: pic.social,
        images: pic.images,
    })
}

fn author_link(a: &NamedRef) -> LinkView {
    LinkView {
        name: a.name.clone(),
        slug: a.slug.clone(),
        url: author_path(&a.slug),
    }
}

fn iso(ms: i64) -> String {
    masthead_store::from_ms(ms)
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

pub fn card(app: &AppState, c: &ArticleCard) -> CardView {
    let published = masthead_store::from_ms(c.published_at);
    CardView {
        headline: c.headline.clone(),
        standfirst: c.standfirst.clone(),
        url: article_path(&c.section.slug, &c.slug),
        section: LinkView {
            name: c.section.name.clone(),
            slug: c.section.slug.clone(),
            url: section_path(&c.section.slug),
        },
        authors: c.authors.iter().map(author_link).collect(),
        published_iso: iso(c.published_at),
        published_display: masthead_core::schedule::dateline(published, &app.config.time_zone),
        photo: c
            .lead_photo
            .as_ref()
            .and_then(|p| photo(p, crate::photos::Frame::Card)),
        breaking: c.breaking,
        comment_count: c.comment_count,
    }
}

pub fn cards(app: &AppState, list: &[ArticleCard]) -> Vec<CardView> {
    list.iter().map(|c| card(app, c)).collect()
}

pub fn article(app: &AppState, a: &ArticleFull) -> ArticleView {
    let revised = a.revised_at.filter(|r| *r > a.card.published_at);
    ArticleView {
        card: card(app, &a.card),
        lead_photo: a
            .card
            .lead_photo
            .as_ref()
            .and_then(|p| photo(p, crate::photos::Frame::Full)),
        tags: a
            .tags
            .iter()
            .map(|t| LinkView {
                name: t.name.clone(),
                slug: t.slug.clone(),
                url: tag_path(&t.slug),
            })
            .collect(),
        updated_iso: revised.map(iso),
        updated_display: revised.map(|r| {
            masthead_core::schedule::dateline(masthead_store::from_ms(r), &app.config.time_zone)
        }),
        body_html: crate::photos::picture::inline_pictures(&a.body_html, &a.inline_variants),
        kicker: a.kicker.clone(),
        byline: a.byline.clone(),
        seo_title: a.seo_title.clone(),
        seo_description: a.seo_description.clone(),
        corrections: a
            .corrections
            .iter()
            .map(|c| CorrectionView {
                kind: c.kind.clone(),
                body: c.body.clone(),
                at_iso: iso(c.created_at),
                at_display: masthead_core::schedule::dateline(
                    masthead_store::from_ms(c.created_at),
                    &app.config.time_zone,
                ),
            })
            .collect(),
    }
}
