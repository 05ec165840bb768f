//! RSS 2.0 and Atom feeds of the site, a section, an author or a tag: the newest
//! `feeds.items` published articles (`MASTHEAD_FEED_ITEMS`, default 30).
//!
//! - A free article's entry carries its whole body; a metered or registered-only one only the
//!   lead-in the wall shows (`split_lead_in` with the wall's paragraph count, the cut the
//!   article page and search make) and a link to read on: the gated paragraphs never reach a
//!   feed, which anyone can read without a meter or an account.
//! - The lead photo is an enclosure (RSS `<enclosure>` and Media RSS `<media:content>`, Atom
//!   `link rel="enclosure"`); the section and tags are categories; authors are `dc:creator`
//!   (RSS wants an email address in `<author>`, which we do not publish) and Atom `author`
//!   with the author page as `uri`.
//! - An entry's `updated` is its editorial update (`revised_at`, shown as "Updated …"), not
//!   every save: see [`modified_at`], where corrections plug in.
//! - URLs in bodies are made absolute (feed readers show them away from the site).
//! - Entry IDs are `urn:uuid:ARTICLE_ID`: stable when an article moves to another section.

use axum::{
    extract::{Path, State, rejection::PathRejection},
    http::HeaderMap,
    response::Response,
};
use masthead_core::{AccessLevel, markdown::split_lead_in};
use masthead_store::content::{ArticleCard, FeedExtras, ListFilter};

use super::xml::XmlWriter;

mod write;
use crate::{AppState, cache::CachedPage, error::WebError, views};
use write::{atom, rss};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Rss,
    Atom,
}

impl Format {
    fn name(self) -> &'static str {
        match self {
            Format::Rss => "rss",
            Format::Atom => "atom",
        }
    }

    fn file(self) -> &'static str {
        match self {
            Format::Rss => "feed.xml",
            Format::Atom => "feed.atom",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Rss => "application/rss+xml; charset=utf-8",
            Format::Atom => "application/atom+xml; charset=utf-8",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Site,
    Section,
    Author,
    Tag,
}

impl Scope {
    fn name(self) -> &'static str {
        match self {
            Scope::Site => "site",
            Scope::Section => "section",
            Scope::Author => "author",
            Scope::Tag => "tag",
        }
    }
}

/// What one feed is about: its title, its page and which articles it lists.
struct Subject {
    title: String,
    description: String,
    /// The HTML page the feed belongs to (a path).
    page_path: String,
    /// The filter's ID (section, author or tag), none for the site.
    id: Option<String>,
}

pub async fn site_rss(
    State(app): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    serve(&app, Format::Rss, Scope::Site, "", &headers).await
}

pub async fn site_atom(
    State(app): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    serve(&app, Format::Atom, Scope::Site, "", &headers).await
}

macro_rules! scoped {
    ($name:ident, $format:expr, $scope:expr) => {
        pub async fn $name(
            State(app): State<AppState>,
            path: Result<Path<String>, PathRejection>,
            headers: HeaderMap,
        ) -> Result<Response, WebError> {
            let Ok(Path(slug)) = path else {
                return Err(WebError::NotFound);
            };
            serve(&app, $format, $scope, &slug, &headers).await
        }
    };
}

scoped!(section_rss, Format::Rss, Scope::Section);
scoped!(section_atom, Format::Atom, Scope::Section);
scoped!(author_rss, Format::Rss, Scope::Author);
scoped!(author_atom, Format::Atom, Scope::Author);
scoped!(tag_rss, Format::Rss, Scope::Tag);
scoped!(tag_atom, Format::Atom, Scope::Tag);

/// Serves a feed from the page cache. Only slugs that name something are cached (an unknown
/// one is a 404 that is not kept), so requests cannot grow the cache; query strings are not
/// read at all.
async fn serve(
    app: &AppState,
    format: Format,
    scope: Scope,
    slug: &str,
    headers: &HeaderMap,
) -> Result<Response, WebError> {
    if scope != Scope::Site && masthead_core::Slug::parse(slug).is_err() {
        return Err(WebError::NotFound);
    }
    let key = format!("feed:{}:{}:{slug}", format.name(), scope.name());
    let page = app
        .cache
        .get_or_render(&key, render(app, format, scope, slug))
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(page.respond(headers))
}

async fn subject(app: &AppState, scope: Scope, slug: &str) -> Result<Option<Subject>, WebError> {
    let site = &app.config.site_name;
    Ok(match scope {
        Scope::Site => Some(Subject {
            title: site.clone(),
            description: if app.config.tagline.is_empty() {
                format!("The latest from {site}")
            } else {
                app.config.tagline.clone()
            },
            page_path: "/".into(),
            id: None,
        }),
        Scope::Section => {
            let sections = app.sections().await?;
            sections.iter().find(|s| s.slug == slug).map(|s| Subject {
                title: format!("{} — {site}", s.name),
                description: if s.description.is_empty() {
                    format!("The latest in {} from {site}", s.name)
                } else {
                    s.description.clone()
                },
                page_path: views::section_path(&s.slug),
                id: Some(s.id.clone()),
            })
        }
        Scope::Author => app.store.author_by_slug(slug).await?.map(|a| Subject {
            title: format!("{} — {site}", a.name),
            description: format!("Articles by {} in {site}", a.name),
            page_path: views::author_path(&a.slug),
            id: Some(a.id),
        }),
        Scope::Tag => app.store.tag_by_slug(slug).await?.map(|t| Subject {
            title: format!("{} — {site}", t.name),
            description: format!("Articles about {} in {site}", t.name),
            page_path: views::tag_path(&t.slug),
            id: Some(t.id),
        }),
    })
}

/// One entry, as both formats write it.
struct Entry {
    id: String,
    title: String,
    url: String,
    summary: String,
    content_html: String,
    published: i64,
    updated: i64,
    authors: Vec<(String, String)>,
    /// (term, label, scheme URL)
    categories: Vec<(String, String, String)>,
    photo: Option<Enclosure>,
}

struct Enclosure {
    url: String,
    mime: &'static str,
    length: u64,
    width: i64,
    height: i64,
    alt: String,
    credit: String,
}

/// When an entry last changed in a way readers should hear of: its editorial update if later
/// than publication. Corrections (the newsroom's corrections log) will plug in here: the
/// newest correction's time joins `revised_at` in the `max`.
pub fn modified_at(published_at: i64, revised_at: Option<i64>) -> i64 {
    revised_at.map_or(published_at, |r| r.max(published_at))
}

async fn render(
    app: &AppState,
    format: Format,
    scope: Scope,
    slug: &str,
) -> Result<Option<CachedPage>, WebError> {
    let epoch = app.cache.epoch();
    let Some(subject) = subject(app, scope, slug).await? else {
        return Ok(None);
    };
    let filter = match (scope, subject.id.as_deref()) {
        (Scope::Section, Some(id)) => ListFilter::Section(id),
        (Scope::Author, Some(id)) => ListFilter::Author(id),
        (Scope::Tag, Some(id)) => ListFilter::Tag(id),
        _ => ListFilter::All,
    };
    let cards = app
        .store
        .list_articles(filter, app.config.feeds.items as i64, 0)
        .await?;
    let ids: Vec<&str> = cards.iter().map(|c| c.id.as_str()).collect();
    let mut extras = app.store.feed_extras(&ids).await?;
    let base = app.config.public_url.trim_end_matches('/').to_owned();
    let mut last_modified = 0;
    let mut entries = Vec::with_capacity(cards.len());
    for card in &cards {
        let extra = extras.remove(&card.id).unwrap_or_default();
        last_modified = last_modified.max(extra.updated_at.max(card.published_at));
        entries.push(entry(app, &base, card, extra)?);
    }
    let self_path = if scope == Scope::Site {
        format!("/{}", format.file())
    } else {
        format!("{}/{}", subject.page_path, format.file())
    };
    let doc = match format {
        Format::Rss => rss(
            &base,
            &subject,
            &self_path,
            app.config.feeds.websub_hub.as_deref(),
            &entries,
        ),
        Format::Atom => atom(app, &base, &subject, &self_path, &entries),
    };
    let page = CachedPage::new(doc, last_modified, epoch, self_path)
        .with_content_type(format.content_type());
    Ok(Some(page))
}

fn entry(
    app: &AppState,
    base: &str,
    card: &ArticleCard,
    extra: FeedExtras,
) -> Result<Entry, WebError> {
    let path = views::article_path(&card.section.slug, &card.slug);
    let url = format!("{base}{path}");
    let content_html = if card.access == AccessLevel::Free {
        absolute_urls(&extra.body_html, base)
    } else {
        let (lead, _gated) = split_lead_in(&extra.body_html, app.wall.lead_paragraphs);
        let more = app.theme.render(
            "feeds/continue.html",
            minijinja::context! {
                url => &url, site_name => &app.config.site_name,
                registered_only => card.access == AccessLevel::Registered,
            },
        )?;
        format!("{}{}", absolute_urls(lead, base), more.trim())
    };
    let mut categories = vec![(
        card.section.slug.clone(),
        card.section.name.clone(),
        format!("{base}{}", views::section_path(&card.section.slug)),
    )];
    categories.extend(extra.tags.iter().map(|t| {
        (
            t.slug.clone(),
            t.name.clone(),
            format!("{base}{}", views::tag_path(&t.slug)),
        )
    }));
    // The JPEG variant where there is one (an upload's original is never served), else the
    // imported file.
    let photo = card.lead_photo.as_ref().and_then(|p| {
        let pic = crate::photos::picture(p, crate::photos::Frame::Full)?;
        let variant = p
            .variants
            .iter()
            .find(|v| views::media_url(&v.media_key) == pic.url);
        Some(Enclosure {
            url: format!("{base}{}", pic.url),
            mime: variant.map_or_else(|| image_type(&p.file), |_| "image/jpeg"),
            length: match variant {
                Some(v) => u64::try_from(v.bytes).unwrap_or(0),
                None => std::fs::metadata(app.config.media_dir().join(&p.file))
                    .map(|m| m.len())
                    .unwrap_or(0),
            },
            width: pic.width,
            height: pic.height,
            alt: if p.decorative {
                String::new()
            } else {
                p.alt.clone()
            },
            credit: p.credit.clone(),
        })
    });
    Ok(Entry {
        id: format!("urn:uuid:{}", card.id),
        title: card.headline.clone(),
        url,
        summary: card.standfirst.clone(),
        content_html,
        published: card.published_at,
        updated: modified_at(card.published_at, extra.revised_at),
        authors: card
            .authors
            .iter()
            .map(|a| {
                (
                    a.name.clone(),
                    format!("{base}{}", views::author_path(&a.slug)),
                )
            })
            .collect(),
        categories,
        photo,
    })
}

fn image_type(file: &str) -> &'static str {
    match file
        .rsplit('.')
        .next()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("webp") => "image/webp",
        Some("gif") => "image/gif",
        Some("avif") => "image/avif",
        _ => "application/octet-stream",
    }
}

/// The body with its site-relative `src` and `href` values made absolute. Bodies come from
/// `render_body` (ammonia's output: every attribute double-quoted), so the prefix is exact.
pub fn absolute_urls(html: &str, base: &str) -> String {
    let mut out = String::with_capacity(html.len() + 256);
    let mut rest = html;
    loop {
        let next = [" src=\"/", " href=\"/"]
            .iter()
            .filter_map(|p| rest.find(p).map(|i| (i, p.len())))
            .min();
        let Some((i, len)) = next else { break };
        let after = &rest[i + len..];
        out.push_str(&rest[..i + len - 1]);
        if !after.starts_with('/') {
            out.push_str(base);
        }
        out.push('/');
        rest = after;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_urls_become_absolute_and_others_stay() {
        let html = r#"<p><a href="/city/x">x</a> <a href="https://o.example/">o</a> <a href="//cdn.example/a">c</a></p><img src="/media/ab/c.png" alt="">"#;
        let out = absolute_urls(html, "https://news.example");
        assert_eq!(
            out,
            r#"<p><a href="https://news.example/city/x">x</a> <a href="https://o.example/">o</a> <a href="//cdn.example/a">c</a></p><img src="https://news.example/media/ab/c.png" alt="">"#
        );
    }

    #[test]
    fn corrections_and_updates_never_move_a_date_back() {
        assert_eq!(modified_at(1_000, None), 1_000);
        assert_eq!(modified_at(1_000, Some(500)), 1_000);
        assert_eq!(modified_at(1_000, Some(2_000)), 2_000);
    }
}
