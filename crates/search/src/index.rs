//! Opening the live index, keeping it current one article at a time, and rebuilding it into a
//! new generation directory that replaces the old one atomically.

use std::{
    path::{Path, PathBuf},
    sync::{
        Arc, Mutex, RwLock,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, SystemTime},
};

use tantivy::{
    Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term, directory::MmapDirectory,
};

use crate::{IndexDoc, Result, SearchError, SearchOptions, analyzer, io_err, schema::Fields};

mod files;
mod versions;

use files::{dir_size, remove_stale, swap_link};

/// The link that names the live generation, relative to the data directory.
pub const LINK: &str = "search-index";
const GENERATION_PREFIX: &str = "search-index-";
/// Written last into a generation directory: its presence marks a finished build.
const BUILD_INFO: &str = "masthead-build.json";
/// Memory for the live writer, which indexes one article at a time.
const LIVE_WRITER_HEAP: usize = 30_000_000;
/// Memory for a full rebuild, shared by its indexing threads.
const REBUILD_WRITER_HEAP: usize = 200_000_000;
/// An unfinished generation this old is the leftover of a crashed rebuild.
const ABANDONED_AFTER: Duration = Duration::from_secs(6 * 3600);

/// What a finished build records beside the index.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BuildInfo {
    /// When the rebuild began reading the database (ms): changes after that may be missing from
    /// it, so whoever adopts it re-applies them.
    pub started_at_ms: i64,
    pub language: String,
    pub lead_in_paragraphs: usize,
    pub documents: u64,
}

/// Why the live index cannot be used as it is; every case is fixed by a rebuild.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("there is no search index yet at {0}")]
    Missing(PathBuf),
    #[error("the search index at {path} is damaged ({reason})")]
    Corrupt { path: PathBuf, reason: String },
    #[error("the search index at {path} was built with other settings ({reason})")]
    Outdated { path: PathBuf, reason: String },
    #[error(
        "the search index at {0} is in use by another process: run one `masthead serve` per data directory"
    )]
    Locked(PathBuf),
}

struct Live {
    dir: PathBuf,
    info: BuildInfo,
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
}

/// The live index of one node: searched by requests, updated by the job worker, replaced when a
/// rebuild swaps in a new generation.
pub struct SearchIndex {
    data_dir: PathBuf,
    options: SearchOptions,
    fields: Fields,
    live: RwLock<Arc<Live>>,
    /// Bumped on every change that queries can see (commit or swap): part of cache keys.
    generation: AtomicU64,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("data_dir", &self.data_dir)
            .field("options", &self.options)
            .finish()
    }
}

impl SearchIndex {
    /// Opens the live generation under `data_dir`. Any error means "rebuild it" (see
    /// [`OpenError`]), except `Locked`.
    pub fn open(data_dir: &Path, options: &SearchOptions) -> Result<Self, OpenError> {
        let live = open_live(data_dir, options)?;
        remove_stale(data_dir, &[live.dir.as_path()]);
        let (_, fields) = Fields::build();
        Ok(Self {
            data_dir: data_dir.to_owned(),
            options: options.clone(),
            fields,
            live: RwLock::new(Arc::new(live)),
            generation: AtomicU64::new(1),
        })
    }

    pub fn options(&self) -> &SearchOptions {
        &self.options
    }

    pub(crate) fn fields(&self) -> Fields {
        self.fields
    }

    /// Changes whenever results may change; results pages are cached under it.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The build the live index came from.
    pub fn build_info(&self) -> BuildInfo {
        self.current().info.clone()
    }

    fn current(&self) -> Arc<Live> {
        match self.live.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub(crate) fn searcher(&self) -> (tantivy::Searcher, Index) {
        let live = self.current();
        (live.reader.searcher(), live.index.clone())
    }

    /// Adds or replaces one article and makes the change visible to queries. Blocking (it
    /// writes and syncs files): call it off the async runtime.
    pub fn upsert(&self, doc: &IndexDoc) -> Result<()> {
        self.apply(&[Change::Upsert(Box::new(doc.clone()))], None)
    }

    /// Removes an article (unpublished or deleted); removing one not in the index is a no-op.
    pub fn remove(&self, id: &str) -> Result<()> {
        self.apply(&[Change::Remove(id.to_owned())], None)
    }

    /// Applies `changes` in one commit, visible to queries when this returns, and records
    /// `cursor` (the newest `updated_at` applied) with it. Blocking: call it off the async
    /// runtime.
    pub fn apply(&self, changes: &[Change], cursor: Option<i64>) -> Result<()> {
        let live = self.current();
        let mut writer = match live.writer.lock() {
            Ok(w) => w,
            Err(poisoned) => poisoned.into_inner(),
        };
        let f = &self.fields;
        let mut result = Ok(());
        for change in changes {
            match change {
                Change::Upsert(doc) => {
                    writer.delete_term(Term::from_field_text(f.id, &doc.id));
                    if let Err(e) = writer.add_document(to_document(f, doc)) {
                        result = Err(e.into());
                        break;
                    }
                }
                Change::Remove(id) => {
                    writer.delete_term(Term::from_field_text(f.id, id));
                }
            }
        }
        if let Err(e) = result {
            let _ = writer.rollback();
            return Err(e);
        }
        let cursor = cursor.unwrap_or_else(|| cursor_of(&live));
        let mut commit = writer.prepare_commit()?;
        commit.set_payload(&cursor.to_string());
        commit.commit()?;
        drop(writer);
        live.reader.reload()?;
        self.generation.fetch_add(1, Ordering::AcqRel);
        Ok(())
    }

    /// The `updated_at` of the version of article `id` the index holds; `None` if it holds none.
    pub fn indexed_version(&self, id: &str) -> Result<Option<i64>> {
        use tantivy::schema::Value;
        let (searcher, _) = self.searcher();
        let query = tantivy::query::TermQuery::new(
            Term::from_field_text(self.fields.id, id),
            tantivy::schema::IndexRecordOption::Basic,
        );
        let top = searcher.search(
            &query,
            &tantivy::collector::TopDocs::with_limit(1).order_by_score(),
        )?;
        let Some((_, addr)) = top.first() else {
            return Ok(None);
        };
        let doc: TantivyDocument = searcher.doc(*addr)?;
        Ok(doc.get_first(self.fields.updated).and_then(|v| v.as_i64()))
    }

    /// The newest `updated_at` (ms) whose changes the live index holds: changes at or after it
    /// may be missing. From the last commit, or the build's start for a fresh rebuild.
    pub fn cursor(&self) -> i64 {
        cursor_of(&self.current())
    }

    /// Adopts a generation that a rebuild swapped in since this one was opened (by this process
    /// or another). Returns its build info when it did, so the caller can re-apply the changes
    /// made since the rebuild began; `None` when the live generation is still current.
    pub fn follow_swap(&self) -> Result<Option<BuildInfo>, OpenError> {
        let link = self.data_dir.join(LINK);
        let target = match std::fs::read_link(&link) {
            Ok(t) => self.data_dir.join(t),
            Err(_) => return Ok(None),
        };
        if target == self.current().dir {
            return Ok(None);
        }
        let live = open_live(&self.data_dir, &self.options)?;
        let info = live.info.clone();
        let new_dir = live.dir.clone();
        match self.live.write() {
            Ok(mut g) => *g = Arc::new(live),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(live),
        }
        self.generation.fetch_add(1, Ordering::AcqRel);
        remove_stale(&self.data_dir, &[new_dir.as_path()]);
        tracing::info!(dir = %new_dir.display(), documents = info.documents, "search index: adopted a rebuilt index");
        Ok(Some(info))
    }
}

fn cursor_of(live: &Live) -> i64 {
    live.index
        .load_metas()
        .ok()
        .and_then(|m| m.payload)
        .and_then(|p| p.parse().ok())
        .unwrap_or(live.info.started_at_ms)
}

/// One change to the live index.
#[derive(Debug, Clone)]
pub enum Change {
    Upsert(Box<IndexDoc>),
    Remove(String),
}

fn open_live(data_dir: &Path, options: &SearchOptions) -> Result<Live, OpenError> {
    let link = data_dir.join(LINK);
    let target = std::fs::read_link(&link).map_err(|_| OpenError::Missing(link.clone()))?;
    let dir = data_dir.join(target);
    let corrupt = |reason: String| OpenError::Corrupt {
        path: dir.clone(),
        reason,
    };
    let info_text = std::fs::read_to_string(dir.join(BUILD_INFO))
        .map_err(|e| corrupt(format!("no build record: {e}")))?;
    let info: BuildInfo = serde_json::from_str(&info_text)
        .map_err(|e| corrupt(format!("unreadable build record: {e}")))?;
    if info.language != options.language.as_str()
        || info.lead_in_paragraphs != options.lead_in_paragraphs
    {
        return Err(OpenError::Outdated {
            path: dir.clone(),
            reason: format!(
                "language {} and lead-in {} paragraphs, now {} and {}",
                info.language,
                info.lead_in_paragraphs,
                options.language,
                options.lead_in_paragraphs
            ),
        });
    }
    let directory = MmapDirectory::open(&dir).map_err(|e| corrupt(e.to_string()))?;
    let mut index = Index::open(directory).map_err(|e| corrupt(e.to_string()))?;
    analyzer::register(index.tokenizers(), options.language);
    // A query's segments are searched in parallel, one thread per core (at most 4): a query
    // made of common words scores tens of thousands of articles, and splitting that work is
    // what keeps its latency near the median's. Under load every core is busy anyway, so this
    // costs throughput little.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    if threads > 1 {
        index
            .set_multithread_executor(threads)
            .map_err(|e| corrupt(e.to_string()))?;
    }
    let (expected, _) = Fields::build();
    if index.schema() != expected {
        return Err(OpenError::Outdated {
            path: dir.clone(),
            reason: "its schema is from another version of Masthead".into(),
        });
    }
    let reader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()
        .map_err(|e: tantivy::TantivyError| corrupt(e.to_string()))?;
    // One indexing thread: the live writer sees one article at a time. A generation that a
    // rebuild has just finished may still be locked for a moment by the rebuild's writer,
    // whose merge threads release the lock as they wind down (seen under load in tests): a
    // lock held that briefly is waited for; one still held after two seconds belongs to
    // another process.
    let mut tries = 0;
    let writer = loop {
        match index.writer_with_num_threads(1, LIVE_WRITER_HEAP) {
            Ok(w) => break w,
            Err(tantivy::TantivyError::LockFailure(..)) if tries < 40 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            Err(tantivy::TantivyError::LockFailure(..)) => return Err(OpenError::Locked(dir)),
            Err(e) => return Err(corrupt(e.to_string())),
        }
    };
    Ok(Live {
        dir,
        info,
        index,
        reader,
        writer: Mutex::new(writer),
    })
}

pub(crate) fn to_document(f: &Fields, doc: &IndexDoc) -> TantivyDocument {
    let mut d = TantivyDocument::default();
    d.add_text(f.id, &doc.id);
    d.add_text(f.url, &doc.url);
    d.add_text(f.headline, &doc.headline);
    d.add_text(f.standfirst, &doc.standfirst);
    d.add_text(f.text, &doc.headline);
    d.add_text(f.text, &doc.standfirst);
    d.add_text(f.quotable, doc.quotable_body());
    d.add_text(f.section, &doc.section_slug);
    d.add_text(f.section_name, &doc.section_name);
    for (slug, name) in &doc.authors {
        d.add_text(f.author, slug);
        d.add_text(f.author_name, name);
    }
    for tag in &doc.tags {
        d.add_text(f.tags, tag);
        d.add_text(f.text, tag);
    }
    for (_, name) in &doc.authors {
        d.add_text(f.text, name);
    }
    // What a signed-out reader may read of the body (see `schema` on the gated fields).
    let open_body = if doc.registered_only {
        &doc.lead_in
    } else {
        &doc.body_text
    };
    d.add_text(f.text, open_body);
    d.add_i64(f.published, doc.published_at);
    d.add_i64(f.updated, doc.updated_at);
    d.add_text(f.words, &doc.headline);
    d.add_text(f.words, &doc.standfirst);
    d.add_text(f.words, open_body);
    if doc.registered_only {
        d.add_text(f.text_gated, &doc.body_text);
        d.add_text(f.words_gated, &doc.body_text);
    }
    d
}

/// A full rebuild into a new generation directory. The live index is untouched (and keeps
/// answering) until [`Rebuild::finish`] swaps the link.
pub struct Rebuild {
    data_dir: PathBuf,
    dir: PathBuf,
    options: SearchOptions,
    fields: Fields,
    writer: IndexWriter,
    started_at_ms: i64,
    documents: u64,
}

impl Rebuild {
    /// `started_at_ms` is when the caller begins reading the database.
    pub fn start(data_dir: &Path, options: &SearchOptions, started_at_ms: i64) -> Result<Self> {
        let mut dir = data_dir.join(format!("{GENERATION_PREFIX}{started_at_ms}"));
        let mut n = 1;
        while dir.exists() {
            dir = data_dir.join(format!("{GENERATION_PREFIX}{started_at_ms}-{n}"));
            n += 1;
        }
        std::fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        let (schema, fields) = Fields::build();
        let index = Index::create_in_dir(&dir, schema)?;
        analyzer::register(index.tokenizers(), options.language);
        let writer = index.writer(REBUILD_WRITER_HEAP)?;
        Ok(Self {
            data_dir: data_dir.to_owned(),
            dir,
            options: options.clone(),
            fields,
            writer,
            started_at_ms,
            documents: 0,
        })
    }

    pub fn add(&mut self, doc: &IndexDoc) -> Result<()> {
        self.writer.add_document(to_document(&self.fields, doc))?;
        self.documents += 1;
        Ok(())
    }

    pub fn documents(&self) -> u64 {
        self.documents
    }

    /// Commits, waits for merges, records the build and swaps it in. Returns the build info and
    /// the new generation's size on disk in bytes.
    pub fn finish(mut self) -> Result<(BuildInfo, u64)> {
        self.writer.commit()?;
        self.writer.wait_merging_threads()?;
        let info = BuildInfo {
            started_at_ms: self.started_at_ms,
            language: self.options.language.as_str().to_owned(),
            lead_in_paragraphs: self.options.lead_in_paragraphs,
            documents: self.documents,
        };
        let info_path = self.dir.join(BUILD_INFO);
        let json = serde_json::to_vec_pretty(&info).expect("build info serializes");
        std::fs::write(&info_path, json).map_err(io_err(&info_path))?;
        let size = dir_size(&self.dir);
        let previous = std::fs::read_link(self.data_dir.join(LINK))
            .ok()
            .map(|t| self.data_dir.join(t));
        swap_link(&self.data_dir, &self.dir)?;
        // The previous generation may still be open in a running server until it notices the
        // swap; that server removes it then.
        let mut keep = vec![self.dir.as_path()];
        if let Some(p) = previous.as_deref() {
            keep.push(p);
        }
        remove_stale(&self.data_dir, &keep);
        Ok((info, size))
    }
}

impl From<OpenError> for SearchError {
    fn from(e: OpenError) -> Self {
        SearchError::Io {
            path: PathBuf::new(),
            source: std::io::Error::other(e.to_string()),
        }
    }
}
