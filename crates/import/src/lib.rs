//! Bringing articles into Masthead: Markdown files with front matter (`masthead import`), and
//! the demo newspaper (`masthead serve --demo`), which is the same import run over files
//! shipped in the binary, with photos drawn at load time.
//!
//! ## The format
//!
//! A folder may hold a `site.toml` (publication name, tagline, time zone, sections and authors
//! with bios) and any number of `.md` files, in sub-folders too. Each file starts with front
//! matter, YAML between `---` lines or TOML between `+++` lines:
//!
//! ```yaml
//! headline: "Tram line to the university will open in March"
//! slug: tram-line-march        # optional; made from the headline otherwise
//! standfirst: "One or two sentences under the headline."
//! section: city                # a section slug; created if unknown
//! tags: [transport, council]
//! authors: [ines-okafor]       # author slugs or names; created if unknown
//! published: 2026-11-27T07:45:00Z   # RFC 3339; a future time schedules the article
//! updated: 2026-11-27T10:00:00Z     # optional: shown as "Updated …"
//! status: published            # draft | scheduled | published (default: from `published`)
//! access: metered              # free | metered | registered (default metered)
//! breaking: false
//! lead_photo: { file: photos/depot.jpg, alt: "…", caption: "…", credit: "…" }
//! photos:                      # inline photos, placed in the body as ![](depot-interior)
//!   - { name: depot-interior, file: photos/interior.jpg, alt: "…", caption: "…", credit: "…" }
//! ```
//!
//! Photo paths are relative to the Markdown file. Photos are copied into the media directory
//! under a name made from their content hash, so the same picture used twice is stored once.
//!
//! Import is idempotent by slug: importing a file again updates its article, never duplicates
//! it. A malformed file is reported with its path, line and what is wrong, and the import goes
//! on with the other files.

pub mod convert;
mod demo;
mod front_matter;
pub mod ghost;
mod item;
mod media;
mod report;
mod site;
pub mod wordpress;

use std::{
    collections::HashMap,
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

pub use demo::{DEMO_ADMIN_EMAIL, load_demo};
pub use front_matter::FrontMatter;
pub use item::{ItemWriter, SourceItem};
pub use report::{Note, Outcome, PagesPolicy, PlatformOptions, PlatformReport};
pub use site::{SETTING_NAME, SETTING_TAGLINE, SETTING_TIME_ZONE, SiteFile};

/// The platforms `masthead import --from` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    Ghost,
    WordPress,
}

impl Platform {
    /// The name kept with each imported item (`import_sources.source`).
    pub fn source(self) -> &'static str {
        match self {
            Platform::Ghost => "ghost",
            Platform::WordPress => "wordpress",
        }
    }
}

/// Imports a Ghost or WordPress export (see the `ghost` and `wordpress` modules);
/// `progress(done, total)` after each item.
pub async fn import_platform(
    store: &Store,
    platform: Platform,
    file: &Path,
    options: PlatformOptions,
    progress: impl FnMut(u64, u64),
) -> Result<PlatformReport, ImportError> {
    let mut writer = ItemWriter::new(store, platform.source(), file, options);
    let report = match platform {
        Platform::Ghost => ghost::import(&mut writer, file, progress).await,
        Platform::WordPress => wordpress::import(&mut writer, file, progress).await,
    };
    // Also after an error: what was written before it is searchable without waiting.
    if let Some(id) = writer.last_saved.take() {
        store.queue_index_catch_up(&id).await?;
    }
    report
}

/// A file that could not be imported, and why, in words an editor can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportFailure {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for ImportFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.path.display(), self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

#[derive(Debug, Default)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
    pub failures: Vec<ImportFailure>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    Input(String),
    #[error(transparent)]
    Store(#[from] masthead_store::StoreError),
}

#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Where photos are copied (DATA/media).
    pub media_dir: PathBuf,
    /// Added to every date (the demo moves its dates so that the newest story is today's).
    pub shift: jiff::SignedDuration,
}

impl ImportOptions {
    pub fn new(media_dir: PathBuf) -> Self {
        Self {
            media_dir,
            shift: jiff::SignedDuration::ZERO,
        }
    }
}

/// What the import found to do: the `site.toml` files and the Markdown files, in a stable order.
#[derive(Debug, Default)]
pub struct Plan {
    pub sites: Vec<(PathBuf, SiteFile)>,
    pub files: Vec<PathBuf>,
}

/// Finds the files under `paths` (files or folders). A `site.toml` that does not parse is an
/// error: sections and authors would otherwise be created with the wrong names.
pub fn plan(paths: &[PathBuf]) -> Result<Plan, ImportError> {
    let mut plan = Plan::default();
    for path in paths {
        let meta = std::fs::metadata(path)
            .map_err(|e| ImportError::Input(format!("cannot read {}: {e}", path.display())))?;
        if meta.is_dir() {
            let site = path.join("site.toml");
            if site.is_file() {
                plan.sites.push((site.clone(), SiteFile::read(&site)?));
            }
            walk(path, &mut plan.files)?;
        } else {
            plan.files.push(path.clone());
        }
    }
    plan.files.sort();
    plan.files.dedup();
    Ok(plan)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), ImportError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| ImportError::Input(format!("cannot read {}: {e}", dir.display())))?;
    for entry in entries {
        let path = entry
            .map_err(|e| ImportError::Input(format!("cannot read {}: {e}", dir.display())))?
            .path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path
            .extension()
            .is_some_and(|e| e == "md" || e == "markdown")
        {
            out.push(path);
        }
    }
    Ok(())
}

/// Imports Markdown articles; keeps the slug → id of sections and authors it has seen.
pub struct Importer<'a> {
    store: &'a Store,
    options: ImportOptions,
    sections: HashMap<String, String>,
    authors: HashMap<String, String>,
    /// The last article written: the run queues one search-index job for it at the end.
    last_saved: Option<String>,
}

impl<'a> Importer<'a> {
    pub fn new(store: &'a Store, options: ImportOptions) -> Self {
        Self {
            store,
            options,
            sections: HashMap::new(),
            authors: HashMap::new(),
            last_saved: None,
        }
    }

    /// Applies a `site.toml`: the publication's settings, its sections and authors.
    pub async fn apply_site(&mut self, site: &SiteFile) -> Result<(), ImportError> {
        site.apply(self.store, &mut self.sections, &mut self.authors)
            .await
    }

    /// Imports every file of the plan, reporting progress after each.
    pub async fn run(
        &mut self,
        plan: &Plan,
        mut progress: impl FnMut(usize, &Path),
    ) -> Result<ImportReport, ImportError> {
        for (_, site) in &plan.sites {
            self.apply_site(site).await?;
        }
        let mut report = ImportReport::default();
        for (i, path) in plan.files.iter().enumerate() {
            match self.import_file(path).await {
                Ok(Saved::Created) => report.created += 1,
                Ok(Saved::Updated) => report.updated += 1,
                Err(failure) => {
                    tracing::warn!("{failure}");
                    report.failures.push(failure);
                }
            }
            progress(i + 1, path);
        }
        self.queue_index_catch_up().await?;
        Ok(report)
    }

    /// One search-index job for everything this run wrote (see `Store::queue_index_catch_up`).
    pub async fn queue_index_catch_up(&mut self) -> Result<(), ImportError> {
        if let Some(id) = self.last_saved.take() {
            self.store.queue_index_catch_up(&id).await?;
        }
        Ok(())
    }

    pub async fn import_file(&mut self, path: &Path) -> Result<Saved, ImportFailure> {
        let fail = |line: Option<usize>, message: String| ImportFailure {
            path: path.to_owned(),
            line,
            message,
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| fail(None, format!("cannot read the file: {e}")))?;
        let (fm, body, body_line) =
            front_matter::parse(&text).map_err(|(line, msg)| fail(line, msg))?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let input = self
            .article_input(&fm, body, dir)
            .await
            .map_err(|e| match e {
                ArticleError::Field(msg) => fail(Some(1), msg),
                ArticleError::Body(msg) => fail(Some(body_line), msg),
                ArticleError::Store(e) => fail(None, format!("database error: {e}")),
            })?;
        let (id, saved) = self
            .store
            .save_article(&input)
            .await
            .map_err(|e| fail(None, format!("could not save the article: {e}")))?;
        self.last_saved = Some(id);
        Ok(saved)
    }

    async fn article_input(
        &mut self,
        fm: &FrontMatter,
        body: &str,
        dir: &Path,
    ) -> Result<ArticleInput, ArticleError> {
        let field = |e: masthead_core::ParseError| ArticleError::Field(e.0);
        let headline = fm.headline.trim();
        if headline.is_empty() {
            return Err(ArticleError::Field("the headline is empty".into()));
        }
        let slug = match &fm.slug {
            Some(s) => Slug::parse(s).map_err(field)?,
            None => Slug::from_title(headline).map_err(field)?,
        };
        let section_id = self.section_id(&fm.section).await?;
        if fm.authors.is_empty() {
            return Err(ArticleError::Field(
                "an article needs at least one author (authors: [...])".into(),
            ));
        }
        let mut author_ids = Vec::new();
        for a in &fm.authors {
            author_ids.push(self.author_id(a).await?);
        }
        let mut tags = Vec::new();
        for t in &fm.tags {
            let name = t.trim();
            tags.push((Slug::from_title(name).map_err(field)?, name.to_owned()));
        }
        let published = fm
            .published_at()
            .map_err(field)?
            .map(|t| t + self.options.shift);
        let revised = fm
            .updated_at()
            .map_err(field)?
            .map(|t| t + self.options.shift);
        let status = match &fm.status {
            Some(s) => s.parse::<ArticleStatus>().map_err(field)?,
            None => match published {
                Some(t) if t > jiff::Timestamp::now() => ArticleStatus::Scheduled,
                _ => ArticleStatus::Published,
            },
        };
        if status == ArticleStatus::Scheduled && published.is_none() {
            return Err(ArticleError::Field(
                "a scheduled article needs a `published` time".into(),
            ));
        }
        let published = match (status, published) {
            (ArticleStatus::Published, None) => Some(jiff::Timestamp::now()),
            (_, p) => p,
        };
        let access = match &fm.access {
            Some(a) => a.parse::<AccessLevel>().map_err(field)?,
            None => AccessLevel::Metered,
        };
        let lead_photo = match &fm.lead_photo {
            Some(p) => Some(self.photo(dir, &p.file, &p.alt, &p.caption, &p.credit)?),
            None => None,
        };
        let mut inline_photos = Vec::new();
        for p in &fm.photos {
            if p.name.trim().is_empty() {
                return Err(ArticleError::Field(
                    "every entry of `photos` needs a name".into(),
                ));
            }
            inline_photos.push((
                p.name.trim().to_owned(),
                self.photo(dir, &p.file, &p.alt, &p.caption, &p.credit)?,
            ));
        }
        let rendered = render_body(body, |name| {
            inline_photos
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, p)| InlinePhoto {
                    url: format!("/media/{}", p.file),
                    alt: p.meta.alt.clone(),
                    caption: p.meta.caption.clone(),
                    credit: p.meta.credit.clone(),
                    width: p.width,
                    height: p.height,
                })
        });
        if let Some(missing) = rendered.missing_photos.first() {
            return Err(ArticleError::Body(format!(
                "the body places a photo named “{missing}” (![]({missing})), but `photos` has no entry with that name"
            )));
        }
        Ok(ArticleInput {
            slug,
            headline: headline.to_owned(),
            standfirst: fm.standfirst.trim().to_owned(),
            body_markdown: body.to_owned(),
            body_html: rendered.html,
            body_text: rendered.text,
            section_id,
            status,
            access,
            breaking: fm.breaking,
            published_at: published,
            revised_at: revised,
            author_ids,
            tags,
            lead_photo,
            inline_photos,
        })
    }

    fn photo(
        &self,
        dir: &Path,
        file: &str,
        alt: &str,
        caption: &str,
        credit: &str,
    ) -> Result<PhotoInput, ArticleError> {
        let meta = PhotoMeta::new(alt, caption, credit)
            .map_err(|e| ArticleError::Field(format!("photo {file}: {}", e.0)))?;
        let stored = media::store_photo(&dir.join(file), &self.options.media_dir)
            .map_err(ArticleError::Field)?;
        Ok(PhotoInput {
            file: stored.file,
            width: stored.width,
            height: stored.height,
            meta,
        })
    }

    async fn section_id(&mut self, slug: &str) -> Result<String, ArticleError> {
        let slug = Slug::parse_section(slug)
            .map_err(|e| ArticleError::Field(format!("section: {}", e.0)))?;
        if let Some(id) = self.sections.get(slug.as_str()) {
            return Ok(id.clone());
        }
        let id = match self
            .store
            .section_by_slug(slug.as_str())
            .await
            .map_err(ArticleError::Store)?
        {
            Some(s) => s.id,
            None => {
                let name = title_case(slug.as_str());
                let position = self
                    .store
                    .sections()
                    .await
                    .map_err(ArticleError::Store)?
                    .len() as i64;
                self.store
                    .upsert_section(&slug, &name, "", position)
                    .await
                    .map_err(ArticleError::Store)?
            }
        };
        self.sections.insert(slug.into_string(), id.clone());
        Ok(id)
    }

    /// An author by slug (`ines-okafor`) or by name (`Inés Okafor`), created if unknown.
    async fn author_id(&mut self, given: &str) -> Result<String, ArticleError> {
        let given = given.trim();
        let (slug, name) = match Slug::parse(given) {
            Ok(slug) => (slug, title_case(given)),
            Err(_) => (
                Slug::from_title(given)
                    .map_err(|e| ArticleError::Field(format!("author: {}", e.0)))?,
                given.to_owned(),
            ),
        };
        if let Some(id) = self.authors.get(slug.as_str()) {
            return Ok(id.clone());
        }
        let id = match self
            .store
            .author_by_slug(slug.as_str())
            .await
            .map_err(ArticleError::Store)?
        {
            Some(a) => a.id,
            None => self
                .store
                .upsert_author(&slug, &name, "")
                .await
                .map_err(ArticleError::Store)?,
        };
        self.authors.insert(slug.into_string(), id.clone());
        Ok(id)
    }
}

enum ArticleError {
    /// A front-matter field is wrong.
    Field(String),
    /// The body is wrong.
    Body(String),
    Store(masthead_store::StoreError),
}

/// `port-aldine` → `Port Aldine`.
pub(crate) fn title_case(slug: &str) -> String {
    slug.split('-')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}
