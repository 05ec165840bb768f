//! `masthead import --from wordpress FILE.xml [--media DIR]`: a WordPress export (Tools →
//! Export, "All content": WXR).
//!
//! What maps to what (also in docs/imports.md):
//! - posts (`wp:post_type` post) → articles; pages → skipped, or articles of one section
//!   (`--pages section:SLUG`); attachments are the files of photos; menus, revisions, reusable
//!   blocks and other post types are skipped;
//! - the **first category** becomes the section (WordPress's default "Uncategorized" only when
//!   there is no other; then the section `news`), the other categories and the tags become tags;
//! - `dc:creator` → the author, with the name of its `wp:author` entry;
//! - `content:encoded` → Markdown: Gutenberg blocks by their saved HTML (groups and columns
//!   flattened in reading order, images, galleries, embeds as links), shortcodes (`[caption]`,
//!   `[embed]`, `[gallery]`; others reported), classic posts' paragraphs;
//! - `wp:status` publish → published, future → scheduled, draft and pending → draft, private →
//!   draft (reported); a password-protected post → registered readers (reported); trash and
//!   auto-drafts are skipped;
//! - the featured image (`_thumbnail_id`) and body images → photos, from `--media DIR` at the path
//!   after `wp-content/uploads/` (the `uploads` folder copied as it is; a resized copy's
//!   `-300x200` suffix falls back to the original);
//! - the permalink (`<link>`) redirects to the article's address here; slugs and dates are kept.
//!
//! The export is read twice, streaming: the first pass checks that it is complete (a truncated
//! export is refused before anything is written) and collects the attachments and authors, which
//! WordPress may list after the posts that use them; the second imports one item at a time.

mod shortcodes;
mod wxr;

use std::{
    collections::HashMap,
    io::BufReader,
    path::{Path, PathBuf},
};

use masthead_core::{AccessLevel, ArticleStatus};

use crate::{
    ImportError,
    convert::{Body, MediaLookup, existing, html_to_markdown, html_to_text, media_relative_path},
    item::{ItemWriter, LeadPhoto, SourceItem},
    report::{PagesPolicy, PlatformReport},
};

pub use wxr::{Entry, RawItem, WxrError, WxrReader};

/// What the first pass learns.
#[derive(Debug, Default)]
struct Index {
    items: u64,
    /// Attachment post id → its URL.
    attachments: HashMap<String, String>,
    /// Login → display name.
    authors: HashMap<String, String>,
}

fn open(path: &Path) -> Result<WxrReader<BufReader<std::fs::File>>, ImportError> {
    let file = std::fs::File::open(path)
        .map_err(|e| ImportError::Input(format!("cannot read {}: {e}", path.display())))?;
    Ok(WxrReader::new(BufReader::with_capacity(256 * 1024, file)))
}

fn wxr_error(path: &Path, e: WxrError) -> ImportError {
    match e {
        WxrError::Truncated { line, .. } | WxrError::Syntax { line, .. } => {
            let text = e.to_string();
            let text = text
                .strip_prefix(&format!("line {line}: "))
                .unwrap_or(&text)
                .to_owned();
            ImportError::Input(format!("{}:{line}: {text}", path.display()))
        }
        other => ImportError::Input(format!("{}: {other}", path.display())),
    }
}

fn index(path: &Path) -> Result<Index, ImportError> {
    let mut reader = open(path)?;
    let mut index = Index::default();
    while let Some(entry) = reader.next_entry().map_err(|e| wxr_error(path, e))? {
        match entry {
            Entry::Author(a) => {
                index.authors.insert(a.login, a.display_name);
            }
            Entry::Item(it) => {
                index.items += 1;
                if it.get("wp:post_type") == "attachment" {
                    let url = it.get("wp:attachment_url");
                    let url = if url.is_empty() { it.get("guid") } else { url };
                    index
                        .attachments
                        .insert(it.get("wp:post_id").to_owned(), url.to_owned());
                }
            }
        }
    }
    Ok(index)
}

/// Files under `wp-content/uploads`, found in `--media DIR`; `wp-image-ID` names the attachment.
struct WpMedia<'a> {
    dir: Option<PathBuf>,
    attachments: &'a HashMap<String, String>,
}

impl MediaLookup for WpMedia<'_> {
    fn find(&self, src: &str, class: &str) -> Option<PathBuf> {
        let by_class = class
            .split_whitespace()
            .find_map(|c| c.strip_prefix("wp-image-"))
            .and_then(|id| self.attachments.get(id));
        for url in by_class.map(String::as_str).into_iter().chain([src]) {
            let Some(rel) = media_relative_path(url, "/wp-content/uploads/") else {
                continue;
            };
            if let Some(found) = existing(self.dir.as_deref(), &rel) {
                return Some(found);
            }
            // `photo-300x200.jpg` is a resized copy of `photo.jpg`.
            let name = rel.file_name()?.to_string_lossy().into_owned();
            let (stem, ext) = name.rsplit_once('.')?;
            if let Some((base, size)) = stem.rsplit_once('-')
                && size.split_once('x').is_some_and(|(w, h)| {
                    !w.is_empty()
                        && !h.is_empty()
                        && (w.to_owned() + h).chars().all(|c| c.is_ascii_digit())
                })
                && let Some(found) = existing(
                    self.dir.as_deref(),
                    &rel.with_file_name(format!("{base}.{ext}")),
                )
            {
                return Some(found);
            }
        }
        None
    }
}

/// Reads a WXR export and imports it; `progress(done, total)` after each item.
pub async fn import(
    writer: &mut ItemWriter<'_>,
    path: &Path,
    mut progress: impl FnMut(u64, u64),
) -> Result<PlatformReport, ImportError> {
    let index = index(path)?;
    let media = WpMedia {
        dir: writer.options().media_in.clone(),
        attachments: &index.attachments,
    };
    let mut reader = open(path)?;
    let mut done = 0;
    while let Some(entry) = reader.next_entry().map_err(|e| wxr_error(path, e))? {
        let Entry::Item(raw) = entry else { continue };
        done += 1;
        let kind = raw.get("wp:post_type").to_owned();
        let status = raw.get("wp:status").to_owned();
        let page_section = match (kind.as_str(), &writer.options().pages) {
            ("attachment", _) => {
                progress(done, index.items);
                continue;
            }
            ("post", _) => None,
            ("page", PagesPolicy::Section(s)) => Some(s.clone()),
            _ => {
                writer.skip();
                progress(done, index.items);
                continue;
            }
        };
        if matches!(status.as_str(), "trash" | "auto-draft" | "inherit") {
            writer.skip();
            progress(done, index.items);
            continue;
        }
        let item = convert_item(&raw, page_section, &index, &media);
        writer.write(item).await;
        progress(done, index.items);
    }
    Ok(writer.report.clone())
}

fn convert_item(
    raw: &RawItem,
    page_section: Option<String>,
    index: &Index,
    media: &WpMedia<'_>,
) -> SourceItem {
    let mut notes = Vec::new();
    for field in &raw.lossy {
        notes.push(format!(
            "its {field} had bytes that are not UTF-8; they were replaced with �"
        ));
    }
    let id = raw.get("wp:post_id").to_owned();
    let slug = percent_encoding::percent_decode_str(raw.get("wp:post_name"))
        .decode_utf8_lossy()
        .into_owned();
    let mut body = Body::default();
    let content = raw.get("content:encoded");
    let mut short_notes = Vec::new();
    let expanded = shortcodes::expand(content, &index.attachments, &mut short_notes);
    let html = if expanded.contains("<!-- wp:") {
        expanded
    } else {
        shortcodes::autop(&expanded)
    };
    html_to_markdown(&html, media, &mut body);
    body.notes.splice(0..0, short_notes);

    let mut categories: Vec<(String, String)> = raw
        .categories
        .iter()
        .filter(|(d, _, _)| d == "category")
        .map(|(_, n, name)| (n.clone(), html_to_text(name)))
        .collect();
    if categories.len() > 1 {
        categories.retain(|(n, _)| n != "uncategorized");
    }
    let section = match page_section {
        Some(s) => (s.clone(), crate::title_case(&s)),
        None => match categories.first() {
            Some((n, _)) if n == "uncategorized" => ("news".to_owned(), "News".to_owned()),
            Some(c) => c.clone(),
            None => ("news".to_owned(), "News".to_owned()),
        },
    };
    let mut tags: Vec<(String, String)> = categories.into_iter().skip(1).collect();
    tags.extend(
        raw.categories
            .iter()
            .filter(|(d, _, _)| d == "post_tag")
            .map(|(_, n, name)| (n.clone(), html_to_text(name))),
    );
    let login = raw.get("dc:creator").trim();
    let authors = if login.is_empty() {
        Vec::new()
    } else {
        let name = index
            .authors
            .get(login)
            .map(|n| html_to_text(n))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| login.to_owned());
        vec![(String::new(), name, String::new())]
    };
    let status = match raw.get("wp:status") {
        "publish" => ArticleStatus::Published,
        "future" => ArticleStatus::Scheduled,
        "draft" | "pending" => ArticleStatus::Draft,
        "private" => {
            notes.push("private on WordPress: imported as a draft".into());
            ArticleStatus::Draft
        }
        other => {
            notes.push(format!("status “{other}”: imported as a draft"));
            ArticleStatus::Draft
        }
    };
    let access = if raw.get("wp:post_password").is_empty() {
        AccessLevel::Free
    } else {
        notes.push(
            "password-protected on WordPress: imported for signed-in readers (the password is not kept)"
                .into(),
        );
        AccessLevel::Registered
    };
    let published_at = wp_date(raw.get("wp:post_date_gmt")).or_else(|| {
        let p = raw.get("pubDate").trim();
        jiff::fmt::rfc2822::parse(p).ok().map(|z| z.timestamp())
    });
    let lead_photo = raw.meta("_thumbnail_id").and_then(|tid| {
        match index.attachments.get(tid.trim()) {
            Some(url) => match media.find(url, &format!("wp-image-{tid}")) {
                Some(file) => Some(LeadPhoto {
                    file,
                    alt: String::new(),
                    caption: String::new(),
                }),
                None => {
                    notes.push(format!(
                        "the featured image {url} is not in the media folder (--media); the article has no lead photo"
                    ));
                    None
                }
            },
            None => {
                notes.push(format!(
                    "the featured image (attachment {tid}) is not in the export"
                ));
                None
            }
        }
    });
    let mut old_paths = Vec::new();
    if let Some(path) = url_path(raw.get("link"))
        && path != "/"
    {
        let bare = path.trim_end_matches('/').to_owned();
        old_paths.push(format!("{bare}/"));
        old_paths.push(bare);
    }
    SourceItem {
        source_id: id.clone(),
        line: Some(raw.line),
        slug,
        headline: html_to_text(raw.get("title")),
        standfirst: html_to_text(raw.get("excerpt:encoded")),
        body,
        section,
        tags,
        authors,
        status,
        access,
        published_at,
        lead_photo,
        old_paths,
        notes,
    }
}

/// `2026-11-27 07:45:00` in UTC; WordPress writes zeros for "no date".
fn wp_date(s: &str) -> Option<jiff::Timestamp> {
    let s = s.trim();
    if s.is_empty() || s.starts_with("0000") {
        return None;
    }
    let dt: jiff::civil::DateTime = s.replace(' ', "T").parse().ok()?;
    dt.to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
}

/// The path of an absolute URL (`https://host/2024/05/slug/` → `/2024/05/slug/`); none for a
/// URL with a query (`/?p=12`), which a path redirect cannot match.
fn url_path(url: &str) -> Option<String> {
    let url = url.trim();
    let rest = url.split_once("://")?.1;
    let path = match rest.find('/') {
        Some(i) => &rest[i..],
        None => "/",
    };
    if path.contains('?') {
        return None;
    }
    let path = path.split('#').next().unwrap_or(path);
    (path.len() <= 500).then(|| path.to_owned())
}
