//! `masthead import --from ghost FILE.json`: a Ghost export (Settings → Labs → Export your
//! content), `db[0].data` with `posts`, `tags`, `posts_tags`, `users`, `posts_authors` and
//! `posts_meta` (an older export's top-level `data` is read too).
//!
//! What maps to what (also in docs/imports.md):
//! - posts → articles; pages → skipped, or articles of one section (`--pages section:SLUG`);
//! - Ghost has no sections: the **primary tag** (the post's first public tag) becomes its
//!   section, the other public tags its tags; internal tags (`#…`) are dropped; a post with no
//!   tag goes to the section `news`;
//! - authors (`posts_authors`, in order) → authors, with their bios;
//! - body: `lexical`, else `mobiledoc`, else `html`, else `plaintext`, converted to Markdown;
//! - `visibility`: public → free, members → registered, paid or tiers → registered, with a
//!   report line (Masthead has no paid tier);
//! - `status`: published, scheduled and draft are kept; a post only sent by email becomes a
//!   draft, reported;
//! - `feature_image` → lead photo, from `--media DIR` at the path after `content/images/`
//!   (Ghost's `content/images` folder, copied as it is); its alt and caption from `posts_meta`;
//! - slug and publication date are kept; `/slug/` (Ghost's default permalink) redirects to
//!   the article's address here.
//!
//! The export is parsed whole before anything is written (Ghost exports are JSON: a truncated
//! one is refused with the line and column where it ends, and nothing is written).

mod cards;

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
};

use masthead_core::{AccessLevel, ArticleStatus};
use serde::Deserialize;
use serde_json::Value;

use crate::{
    ImportError,
    convert::{Body, MediaLookup, existing, html_to_markdown, html_to_text, media_relative_path},
    item::{ItemWriter, LeadPhoto, SourceItem, item_label},
    report::{PagesPolicy, PlatformReport},
};

#[derive(Debug, Deserialize)]
struct Export {
    #[serde(default)]
    db: Vec<Db>,
    #[serde(default)]
    data: Option<Data>,
}

#[derive(Debug, Deserialize)]
struct Db {
    data: Data,
}

#[derive(Debug, Default, Deserialize)]
struct Data {
    #[serde(default)]
    posts: Vec<Post>,
    #[serde(default)]
    tags: Vec<Tag>,
    #[serde(default)]
    posts_tags: Vec<Link>,
    #[serde(default)]
    users: Vec<User>,
    #[serde(default)]
    posts_authors: Vec<Link>,
    #[serde(default)]
    posts_meta: Vec<PostMeta>,
}

#[derive(Debug, Deserialize)]
struct Post {
    id: Value,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    slug: Option<String>,
    #[serde(default)]
    lexical: Option<String>,
    #[serde(default)]
    mobiledoc: Option<String>,
    #[serde(default)]
    html: Option<String>,
    #[serde(default)]
    plaintext: Option<String>,
    #[serde(default)]
    feature_image: Option<String>,
    #[serde(default)]
    feature_image_alt: Option<String>,
    #[serde(default)]
    feature_image_caption: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    page: Option<Value>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    visibility: Option<String>,
    #[serde(default)]
    published_at: Option<Value>,
    #[serde(default)]
    custom_excerpt: Option<String>,
    #[serde(default)]
    author_id: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct Tag {
    id: Value,
    #[serde(default)]
    name: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    visibility: Option<String>,
}

#[derive(Debug, Deserialize)]
struct User {
    id: Value,
    #[serde(default)]
    name: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    bio: Option<String>,
}

/// `posts_tags` and `posts_authors` rows.
#[derive(Debug, Deserialize)]
struct Link {
    post_id: Value,
    #[serde(alias = "author_id")]
    tag_id: Value,
    #[serde(default)]
    sort_order: Option<i64>,
}

#[derive(Debug, Deserialize)]
struct PostMeta {
    post_id: Value,
    #[serde(default)]
    feature_image_alt: Option<String>,
    #[serde(default)]
    feature_image_caption: Option<String>,
}

/// Ids are strings in Ghost 1+ and numbers before.
fn id(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Images under Ghost's `content/images`, found in `--media DIR` (with or without Ghost's
/// resized copies' `size/w600/` prefix).
struct GhostMedia(Option<PathBuf>);

impl MediaLookup for GhostMedia {
    fn find(&self, src: &str, _class: &str) -> Option<PathBuf> {
        let rel = media_relative_path(src, "/content/images/")?;
        if let Some(found) = existing(self.0.as_deref(), &rel) {
            return Some(found);
        }
        let mut parts = rel.components();
        if parts.next()?.as_os_str() == "size" {
            parts.next()?;
            return existing(self.0.as_deref(), parts.as_path());
        }
        None
    }
}

/// Reads a Ghost export and imports it; `progress(done, total)` after each post.
pub async fn import(
    writer: &mut ItemWriter<'_>,
    path: &Path,
    mut progress: impl FnMut(u64, u64),
) -> Result<PlatformReport, ImportError> {
    let bytes = std::fs::read(path)
        .map_err(|e| ImportError::Input(format!("cannot read {}: {e}", path.display())))?;
    let export: Export = serde_json::from_slice(&bytes).map_err(|e| {
        let what = if e.is_eof() {
            "the export ends too early (truncated?): nothing was imported"
        } else {
            "this is not a Ghost export Masthead can read"
        };
        ImportError::Input(format!(
            "{}:{}:{}: {what}: {e}",
            path.display(),
            e.line(),
            e.column()
        ))
    })?;
    drop(bytes);
    let data = match (export.db.into_iter().next(), export.data) {
        (Some(db), _) => db.data,
        (None, Some(d)) => d,
        (None, None) => {
            return Err(ImportError::Input(format!(
                "{}: no `db[0].data` in this file: is it a Ghost export (Settings → Labs → Export)?",
                path.display()
            )));
        }
    };
    let tags: HashMap<String, &Tag> = data.tags.iter().map(|t| (id(&t.id), t)).collect();
    let users: HashMap<String, &User> = data.users.iter().map(|u| (id(&u.id), u)).collect();
    let meta: HashMap<String, &PostMeta> = data
        .posts_meta
        .iter()
        .map(|m| (id(&m.post_id), m))
        .collect();
    let group = |links: &[Link]| {
        let mut m: HashMap<String, Vec<(i64, String)>> = HashMap::new();
        for (i, l) in links.iter().enumerate() {
            m.entry(id(&l.post_id))
                .or_default()
                .push((l.sort_order.unwrap_or(i as i64), id(&l.tag_id)));
        }
        for v in m.values_mut() {
            v.sort();
        }
        m
    };
    let post_tags = group(&data.posts_tags);
    let post_authors = group(&data.posts_authors);
    let media = GhostMedia(writer.options().media_in.clone());
    let total = data.posts.len() as u64;
    for (i, post) in data.posts.iter().enumerate() {
        let pid = id(&post.id);
        let slug = post.slug.clone().unwrap_or_default();
        let is_page = post.kind.as_deref() == Some("page")
            || matches!(post.page, Some(Value::Bool(true)) | Some(Value::Number(_)) if post.page != Some(Value::from(0)));
        let page_section = match (is_page, &writer.options().pages) {
            (true, PagesPolicy::Skip) => {
                writer.skip();
                progress(i as u64 + 1, total);
                continue;
            }
            (true, PagesPolicy::Section(s)) => Some(s.clone()),
            (false, _) => None,
        };
        let item = convert_post(
            post,
            &pid,
            &slug,
            page_section,
            &tags,
            &users,
            meta.get(&pid).copied(),
            post_tags.get(&pid).map(Vec::as_slice).unwrap_or_default(),
            post_authors
                .get(&pid)
                .map(Vec::as_slice)
                .unwrap_or_default(),
            &media,
        );
        match item {
            Ok(item) => {
                writer.write(item).await;
            }
            Err(message) => writer.fail(&item_label(&pid, &slug), None, message),
        }
        progress(i as u64 + 1, total);
    }
    Ok(writer.report.clone())
}

#[allow(clippy::too_many_arguments)]
fn convert_post(
    post: &Post,
    pid: &str,
    slug: &str,
    page_section: Option<String>,
    tags: &HashMap<String, &Tag>,
    users: &HashMap<String, &User>,
    meta: Option<&PostMeta>,
    tag_links: &[(i64, String)],
    author_links: &[(i64, String)],
    media: &GhostMedia,
) -> Result<SourceItem, String> {
    let mut notes = Vec::new();
    let headline = html_to_text(post.title.as_deref().unwrap_or_default());
    let mut body = Body::default();
    let parse = |field: &str, s: &str| -> Result<Value, String> {
        serde_json::from_str(s).map_err(|e| format!("its {field} body is not valid JSON: {e}"))
    };
    match (&post.lexical, &post.mobiledoc, &post.html, &post.plaintext) {
        (Some(lx), _, _, _) if !lx.trim().is_empty() => {
            let doc = parse("lexical", lx)?;
            let html = cards::lexical_to_html(&doc, &mut body);
            html_to_markdown(&html, media, &mut body);
        }
        (_, Some(md), _, _) if !md.trim().is_empty() => {
            let doc = parse("mobiledoc", md)?;
            let html = cards::mobiledoc_to_html(&doc, &mut body);
            html_to_markdown(&html, media, &mut body);
        }
        (_, _, Some(html), _) if !html.trim().is_empty() => {
            html_to_markdown(html, media, &mut body)
        }
        (_, _, _, Some(text)) => {
            let html: String = text
                .split("\n\n")
                .map(|p| format!("<p>{}</p>", p.replace('&', "&amp;").replace('<', "&lt;")))
                .collect();
            html_to_markdown(&html, media, &mut body);
        }
        _ => {}
    }
    let mut public_tags = tag_links
        .iter()
        .filter_map(|(_, t)| tags.get(t))
        .filter(|t| t.visibility.as_deref() != Some("internal") && !t.name.starts_with('#'))
        .map(|t| (t.slug.clone(), t.name.clone()));
    let section = match page_section {
        Some(s) => (s.clone(), crate::title_case(&s)),
        None => public_tags
            .next()
            .unwrap_or_else(|| ("news".to_owned(), "News".to_owned())),
    };
    let tag_list: Vec<(String, String)> = public_tags.collect();
    let mut authors: Vec<(String, String, String)> = author_links
        .iter()
        .filter_map(|(_, a)| users.get(a))
        .map(|u| {
            (
                u.slug.clone(),
                u.name.clone(),
                u.bio.clone().unwrap_or_default(),
            )
        })
        .collect();
    if authors.is_empty()
        && let Some(u) = post.author_id.as_ref().and_then(|a| users.get(&id(a)))
    {
        authors.push((
            u.slug.clone(),
            u.name.clone(),
            u.bio.clone().unwrap_or_default(),
        ));
    }
    let access = match post.visibility.as_deref().unwrap_or("public") {
        "public" => AccessLevel::Free,
        "members" => AccessLevel::Registered,
        other => {
            notes.push(format!(
                "visibility “{other}” (paying members on Ghost): imported for signed-in readers, as Masthead has no paid tier"
            ));
            AccessLevel::Registered
        }
    };
    let status = match post.status.as_deref().unwrap_or("draft") {
        "published" => ArticleStatus::Published,
        "scheduled" => ArticleStatus::Scheduled,
        "draft" => ArticleStatus::Draft,
        other => {
            notes.push(format!(
                "status “{other}” (not on the Ghost site): imported as a draft"
            ));
            ArticleStatus::Draft
        }
    };
    let published_at = match &post.published_at {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(
            s.parse::<jiff::Timestamp>()
                .map_err(|e| format!("published_at “{s}” is not a date: {e}"))?,
        ),
        Some(Value::Number(n)) => n
            .as_i64()
            .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok()),
        Some(other) => return Err(format!("published_at {other} is not a date")),
    };
    let lead_photo = match post.feature_image.as_deref().map(str::trim) {
        Some(src) if !src.is_empty() => match media.find(src, "") {
            Some(file) => Some(LeadPhoto {
                file,
                alt: meta
                    .and_then(|m| m.feature_image_alt.clone())
                    .or_else(|| post.feature_image_alt.clone())
                    .unwrap_or_default(),
                caption: html_to_text(
                    meta.and_then(|m| m.feature_image_caption.as_deref())
                        .or(post.feature_image_caption.as_deref())
                        .unwrap_or_default(),
                ),
            }),
            None => {
                notes.push(format!(
                    "the feature image {src} is not in the media folder (--media); the article has no lead photo"
                ));
                None
            }
        },
        _ => None,
    };
    let old_paths = if slug.is_empty() {
        Vec::new()
    } else {
        vec![format!("/{slug}/"), format!("/{slug}")]
    };
    Ok(SourceItem {
        source_id: pid.to_owned(),
        line: None,
        slug: slug.to_owned(),
        headline,
        standfirst: html_to_text(post.custom_excerpt.as_deref().unwrap_or_default()),
        body,
        section,
        tags: tag_list,
        authors,
        status,
        access,
        published_at,
        lead_photo,
        old_paths,
        notes,
    })
}
