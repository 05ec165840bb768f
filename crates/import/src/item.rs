//! The write side shared by the Ghost and WordPress importers: an item of the old platform,
//! converted ([`SourceItem`]), becomes an article through the same content write path as the
//! Markdown import ([`masthead_store::content`]), with its source mapping and redirects in the
//! same transaction (`masthead_store::imports`).
//!
//! - **One transaction per item.** A crash, a kill or a failing item loses nothing already
//!   imported and never leaves half an article; running the same import again finishes the job.
//! - **Idempotent by source id.** Each item is remembered by (source, id) with a hash of what
//!   was written: the same item again is *unchanged* (nothing is written, so an edit made in the
//!   newsroom since is kept), a changed item *updates* its article, under the slug it got the
//!   first time.
//! - **Slugs are kept** unless another article has the slug (an article of the newsroom's, or
//!   another item of the export: Ghost allows a post and a page with one slug): the item then
//!   gets `slug-2` (`-3`…), and the report says so.
//! - **Dry run**: everything is read, converted and checked (images decoded, slugs resolved)
//!   and reported as it would be, and nothing is written, neither the database nor the media
//!   folder.

use std::{
    collections::{HashMap, HashSet},
    path::{Path, PathBuf},
};

use masthead_core::{
    AccessLevel, ArticleStatus, PhotoMeta, Slug,
    markdown::{InlinePhoto, render_body},
};
use masthead_store::{
    Store,
    content::{ArticleInput, PhotoInput, Saved},
};

use crate::{
    convert::Body,
    media,
    report::{Note, Outcome, PlatformOptions, PlatformReport},
};

/// An article of the old platform, converted and ready to be written.
#[derive(Debug, Clone)]
pub struct SourceItem {
    /// The item's id in the export (Ghost's post id, WordPress's `wp:post_id`).
    pub source_id: String,
    /// Where the item starts in the export, when the reader knows.
    pub line: Option<u64>,
    /// The slug it had (empty: made from the headline).
    pub slug: String,
    pub headline: String,
    pub standfirst: String,
    pub body: Body,
    /// (slug, name) of its section.
    pub section: (String, String),
    /// (slug, name)
    pub tags: Vec<(String, String)>,
    /// (slug, name, bio)
    pub authors: Vec<(String, String, String)>,
    pub status: ArticleStatus,
    pub access: AccessLevel,
    pub published_at: Option<jiff::Timestamp>,
    pub lead_photo: Option<LeadPhoto>,
    /// Paths the item had on the old site (`/old-slug/`), redirected to its new address.
    pub old_paths: Vec<String>,
    /// What the conversion could not keep, besides the body's own notes.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct LeadPhoto {
    pub file: PathBuf,
    pub alt: String,
    pub caption: String,
}

/// Writes items of one export; keeps the slug → id of the sections and authors it has seen.
pub struct ItemWriter<'a> {
    store: &'a Store,
    source: &'static str,
    file: String,
    options: PlatformOptions,
    sections: HashMap<String, String>,
    authors: HashMap<String, String>,
    /// Slugs given to new items in this run (a dry run writes none to the database).
    claimed: HashSet<String>,
    pub report: PlatformReport,
    /// The last article written: the run queues one search-index job for it at the end.
    pub(crate) last_saved: Option<String>,
}

impl<'a> ItemWriter<'a> {
    pub fn new(
        store: &'a Store,
        source: &'static str,
        file: &Path,
        options: PlatformOptions,
    ) -> Self {
        let report = PlatformReport {
            dry_run: options.dry_run,
            ..Default::default()
        };
        Self {
            store,
            source,
            file: file.display().to_string(),
            options,
            sections: HashMap::new(),
            authors: HashMap::new(),
            claimed: HashSet::new(),
            report,
            last_saved: None,
        }
    }

    pub fn options(&self) -> &PlatformOptions {
        &self.options
    }

    /// Adds a report line about an item.
    pub fn note(&mut self, item: &str, line: Option<u64>, message: impl Into<String>) {
        let note = Note {
            file: self.file.clone(),
            line,
            item: item.to_owned(),
            message: message.into(),
        };
        tracing::info!("{note}");
        self.report.notes.push(note);
    }

    /// Counts an item that is not imported (a page under `--pages skip`, a revision…).
    pub fn skip(&mut self) {
        self.report.skipped += 1;
    }

    /// Counts an item that could not be read at all.
    pub fn fail(&mut self, item: &str, line: Option<u64>, message: impl Into<String>) {
        self.report.failed += 1;
        self.note(item, line, message);
    }

    /// Imports one item; what happened is counted in the report, and every note is added.
    pub async fn write(&mut self, mut item: SourceItem) -> Outcome {
        let label = item_label(&item.source_id, &item.slug);
        for n in std::mem::take(&mut item.notes) {
            self.note(&label, item.line, n);
        }
        for n in std::mem::take(&mut item.body.notes) {
            self.note(&label, item.line, n);
        }
        let line = item.line;
        let outcome = match self.try_write(item, &label).await {
            Ok(o) => o,
            Err(message) => {
                self.note(&label, line, message);
                Outcome::Failed
            }
        };
        match outcome {
            Outcome::Imported => self.report.imported += 1,
            Outcome::Updated => self.report.updated += 1,
            Outcome::Unchanged => self.report.unchanged += 1,
            Outcome::Failed => self.report.failed += 1,
        }
        outcome
    }

    async fn try_write(&mut self, mut item: SourceItem, label: &str) -> Result<Outcome, String> {
        let db = |e: masthead_store::StoreError| format!("database error: {e}");
        let headline = item.headline.trim().to_owned();
        if headline.is_empty() {
            return Err("the item has no title; it was not imported".into());
        }
        let mapped = self
            .store
            .imported_item(self.source, &item.source_id)
            .await
            .map_err(db)?;
        let slug = match &mapped {
            Some(m) => Slug::parse(&m.slug).map_err(|e| e.0)?,
            None => self.free_slug(&item, &headline, label).await?,
        };
        let (section_slug, section_id) = self.section(&item.section).await.map_err(db)?;
        let mut author_ids = Vec::new();
        if item.authors.is_empty() {
            item.authors
                .push(("newsroom".into(), "Newsroom".into(), String::new()));
            self.note(
                label,
                item.line,
                "the item names no author; credited to “Newsroom”",
            );
        }
        for (slug, name, bio) in &item.authors {
            author_ids.push(self.author(slug, name, bio).await.map_err(db)?);
        }
        let mut tags = Vec::new();
        for (slug, name) in &item.tags {
            let slug = Slug::parse(slug).or_else(|_| Slug::from_title(name));
            match slug {
                Ok(s) if !tags.iter().any(|(t, _): &(Slug, String)| t == &s) => {
                    tags.push((s, name.trim().to_owned()))
                }
                Ok(_) => {}
                Err(e) => self.note(label, item.line, format!("tag “{name}” left out: {}", e.0)),
            }
        }
        let lead_photo = match item.lead_photo.take() {
            Some(p) => match self.photo(&p.file, &p.alt, &p.caption, &headline) {
                Ok((photo, note)) => {
                    if let Some(n) = note {
                        self.note(label, item.line, n);
                    }
                    Some(photo)
                }
                Err(e) => {
                    self.note(label, item.line, format!("feature image left out: {e}"));
                    None
                }
            },
            None => None,
        };
        let mut inline_photos = Vec::new();
        for p in item.body.photos.clone() {
            match self.photo(&p.file, &p.alt, &p.caption, &headline) {
                Ok((photo, note)) => {
                    if let Some(n) = note {
                        self.note(label, item.line, n);
                    }
                    inline_photos.push((p.name.clone(), photo));
                }
                Err(e) => {
                    self.note(label, item.line, format!("image left out: {e}"));
                    item.body.remove_photo(&p.name);
                }
            }
        }
        let markdown = item.body.markdown.clone();
        let rendered = render_body(&markdown, |name| {
            inline_photos
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, p): &(String, PhotoInput)| InlinePhoto {
                    url: format!("/media/{}", p.file),
                    alt: p.meta.alt.clone(),
                    caption: p.meta.caption.clone(),
                    credit: p.meta.credit.clone(),
                    width: p.width,
                    height: p.height,
                })
        });
        let published_at = match (item.status, item.published_at) {
            (ArticleStatus::Published, None) => Some(jiff::Timestamp::now()),
            (ArticleStatus::Scheduled, None) => {
                return Err("a scheduled item has no publication date".into());
            }
            (_, p) => p,
        };
        let input = ArticleInput {
            slug,
            headline,
            standfirst: item.standfirst.trim().to_owned(),
            body_markdown: markdown,
            body_html: rendered.html,
            body_text: rendered.text,
            section_id,
            status: item.status,
            access: item.access,
            breaking: false,
            published_at,
            revised_at: None,
            author_ids,
            tags,
            lead_photo,
            inline_photos,
        };
        let hash = content_hash(
            &input,
            &section_slug,
            &item.authors,
            &item.old_paths,
            item.published_at,
        );
        if let Some(m) = &mapped
            && m.content_hash == hash
        {
            return Ok(Outcome::Unchanged);
        }
        if self.options.dry_run {
            return Ok(if mapped.is_some() {
                Outcome::Updated
            } else {
                Outcome::Imported
            });
        }
        let path = format!("/{section_slug}/{}", input.slug.as_str());
        let (id, saved) = self
            .store
            .save_imported_article(
                &input,
                self.source,
                &item.source_id,
                &hash,
                &path,
                &item.old_paths,
            )
            .await
            .map_err(|e| format!("could not save the article: {e}"))?;
        self.last_saved = Some(id);
        Ok(match (saved, mapped) {
            (_, Some(_)) | (Saved::Updated, None) => Outcome::Updated,
            (Saved::Created, None) => Outcome::Imported,
        })
    }

    async fn free_slug(
        &mut self,
        item: &SourceItem,
        headline: &str,
        label: &str,
    ) -> Result<Slug, String> {
        let wanted = Slug::parse(&item.slug)
            .or_else(|_| Slug::from_title(&item.slug))
            .or_else(|_| Slug::from_title(headline))
            .map_err(|e| format!("no usable slug: {}", e.0))?;
        let mut candidate = wanted.clone();
        let mut n = 1;
        loop {
            let taken = self.claimed.contains(candidate.as_str())
                || self
                    .store
                    .article_slug_taken(candidate.as_str())
                    .await
                    .map_err(|e| format!("database error: {e}"))?;
            if !taken {
                break;
            }
            n += 1;
            let base: String = wanted.as_str().chars().take(90).collect();
            candidate =
                Slug::parse(&format!("{}-{n}", base.trim_end_matches('-'))).map_err(|e| e.0)?;
        }
        if n > 1 {
            self.note(
                label,
                item.line,
                format!(
                    "the slug “{wanted}” is taken by another article; imported as “{candidate}”"
                ),
            );
        }
        self.claimed.insert(candidate.as_str().to_owned());
        Ok(candidate)
    }

    /// A photo stored in the media folder (or, in a dry run, only read and checked), and a note
    /// when it had no alt text.
    fn photo(
        &self,
        file: &Path,
        alt: &str,
        caption: &str,
        headline: &str,
    ) -> Result<(PhotoInput, Option<String>), String> {
        let bytes =
            std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        let stored = if self.options.dry_run {
            media::inspect_photo_bytes(&bytes)
        } else {
            media::store_photo_bytes(&bytes, &self.options.media_out)
        }
        .map_err(|e| format!("{}: {e}", file.display()))?;
        let caption = caption.trim();
        let (alt, note) = if alt.trim().is_empty() {
            let fallback = if caption.is_empty() {
                format!("Photo: {headline}")
            } else {
                caption.to_owned()
            };
            let alt: String = fallback.chars().take(400).collect();
            (
                alt,
                Some(format!(
                    "the image {} has no alt text; used “{}” until someone describes it",
                    file.file_name().unwrap_or_default().to_string_lossy(),
                    fallback.chars().take(60).collect::<String>()
                )),
            )
        } else {
            (alt.trim().chars().take(500).collect(), None)
        };
        let meta = PhotoMeta::new(&alt, caption, "").map_err(|e| e.0)?;
        Ok((
            PhotoInput {
                file: stored.file,
                width: stored.width,
                height: stored.height,
                meta,
            },
            note,
        ))
    }

    async fn section(
        &mut self,
        (slug, name): &(String, String),
    ) -> masthead_store::Result<(String, String)> {
        let slug = Slug::parse_section(slug)
            .or_else(|_| Slug::from_title(name).and_then(|s| Slug::parse_section(s.as_str())))
            .or_else(|_| Slug::parse_section(&format!("{slug}-news")))
            .or_else(|_| Slug::parse_section("news"))
            .map_err(|e| masthead_store::StoreError::Conflict(e.0))?;
        if let Some(id) = self.sections.get(slug.as_str()) {
            return Ok((slug.into_string(), id.clone()));
        }
        let id = match self.store.section_by_slug(slug.as_str()).await? {
            Some(s) => s.id,
            None if self.options.dry_run => format!("dry-run:{slug}"),
            None => {
                let position = self.store.sections().await?.len() as i64;
                let name = if name.trim().is_empty() {
                    slug.as_str().to_owned()
                } else {
                    name.trim().to_owned()
                };
                self.store
                    .upsert_section(&slug, &name, "", position)
                    .await?
            }
        };
        self.sections.insert(slug.as_str().to_owned(), id.clone());
        Ok((slug.into_string(), id))
    }

    async fn author(
        &mut self,
        slug: &str,
        name: &str,
        bio: &str,
    ) -> masthead_store::Result<String> {
        let slug = Slug::parse(slug)
            .or_else(|_| Slug::from_title(slug))
            .or_else(|_| Slug::from_title(name))
            .map_err(|e| masthead_store::StoreError::Conflict(e.0))?;
        if let Some(id) = self.authors.get(slug.as_str()) {
            return Ok(id.clone());
        }
        let id = match self.store.author_by_slug(slug.as_str()).await? {
            Some(a) => a.id,
            None if self.options.dry_run => format!("dry-run:{slug}"),
            None => {
                let name = if name.trim().is_empty() {
                    slug.as_str()
                } else {
                    name.trim()
                };
                self.store.upsert_author(&slug, name, bio.trim()).await?
            }
        };
        self.authors.insert(slug.into_string(), id.clone());
        Ok(id)
    }
}

/// `6656bd2f (tram-line)`: the item's id, and its slug when it has one.
pub fn item_label(id: &str, slug: &str) -> String {
    if slug.is_empty() {
        id.to_owned()
    } else {
        format!("{id} ({slug})")
    }
}

/// A hash of everything an import writes for an item: equal hashes, nothing to write.
fn content_hash(
    input: &ArticleInput,
    section: &str,
    authors: &[(String, String, String)],
    old_paths: &[String],
    published_at: Option<jiff::Timestamp>,
) -> String {
    let mut s = String::new();
    let mut field = |v: &str| {
        s.push_str(v);
        s.push('\u{1f}');
    };
    field(input.slug.as_str());
    field(&input.headline);
    field(&input.standfirst);
    field(&input.body_markdown);
    field(section);
    field(input.status.as_str());
    field(input.access.as_str());
    // The export's date, not the one filled in for an undated item (that would differ each run).
    field(&published_at.map(|t| t.to_string()).unwrap_or_default());
    for (slug, name) in &input.tags {
        field(slug.as_str());
        field(name);
    }
    for (slug, name, bio) in authors {
        field(slug);
        field(name);
        field(bio);
    }
    for p in input
        .lead_photo
        .iter()
        .chain(input.inline_photos.iter().map(|(_, p)| p))
    {
        field(&p.file);
        field(&p.meta.alt);
        field(&p.meta.caption);
    }
    for p in old_paths {
        field(p);
    }
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(s.as_bytes()))
}
