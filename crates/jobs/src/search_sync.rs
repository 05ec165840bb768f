//! Keeping this node's search index current with the database.
//!
//! - At start ([`open_at_start`]): open the live index, then apply the changes since its
//!   cursor. A missing, damaged or outdated index is rebuilt from the database (logged, never
//!   fatal): before serving when the archive is small (up to
//!   `rebuild_before_serving_max` articles, 10,000 by default in the web config: seconds);
//!   otherwise the server starts at once on an empty index and rebuilds in the background
//!   ([`rebuild_in_background`]), and `/search` says results are incomplete until the rebuilt
//!   index is adopted.
//! - On each `index_article` job ([`index_article`]): if the index does not hold the job's
//!   version of the article, apply every change since the index's cursor (a bulk import is
//!   applied by its first job; the rest find their version already there) plus the article
//!   itself, in one commit, visible to queries when the job completes.
//! - Every second ([`watch_index`]): adopt a generation that `masthead reindex` swapped in,
//!   then apply the changes made since the index's cursor (other nodes' edits, and a rebuild's
//!   stragglers).

use std::{
    path::{Path, PathBuf},
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicI64, Ordering},
    },
    time::Duration,
};

use masthead_search::{
    BuildInfo, Change, IndexDoc, OpenError, Rebuild, SearchIndex, SearchOptions,
};
use masthead_store::{
    Store,
    jobs::{JobError, RunJob},
    search_feed::{IndexArticle, IndexRow},
};

use crate::JobEnv;

/// A node's search index and what keeps it current: the index itself (reached through
/// `Deref`), the lock that orders updates, and whether a background rebuild is under way.
pub struct SearchState {
    index: Arc<SearchIndex>,
    data_dir: PathBuf,
    /// Held while this node applies changes to its index: the job worker runs jobs
    /// concurrently, and two catch-ups racing could let an older snapshot of an article land
    /// after a newer one.
    updates: tokio::sync::Mutex<()>,
    /// The index is being rebuilt in the background: results are incomplete, and `/search`
    /// says so ([`open_at_start`]).
    rebuilding: AtomicBool,
    /// Every row stamped at or before this (ms) has been read and applied: see [`catch_up`].
    /// `i64::MIN` until the first catch-up, and again when a rebuilt generation is adopted.
    settled: AtomicI64,
}

impl std::ops::Deref for SearchState {
    type Target = SearchIndex;
    fn deref(&self) -> &SearchIndex {
        &self.index
    }
}

impl SearchState {
    pub fn index(&self) -> &Arc<SearchIndex> {
        &self.index
    }

    pub fn rebuilding(&self) -> bool {
        self.rebuilding.load(Ordering::Acquire)
    }

    /// Marks a background rebuild under way (tests of the notice that results are incomplete).
    pub fn set_rebuilding(&self, on: bool) {
        self.rebuilding.store(on, Ordering::Release);
    }
}

/// Rows read from the database per batch.
const BATCH: i64 = 1000;
/// Changes applied per commit while catching up.
const CHANGES_PER_COMMIT: usize = 5000;
/// Transactions stamp `updated_at` before they commit, so one may become visible after a later
/// stamp was already applied: catching up re-reads this far behind the cursor, and a row
/// stamped this long before a read is taken to have committed before it (see [`catch_up`]).
const OVERLAP_MS: i64 = 5_000;

/// The document for a row; `lead_paragraphs` is the wall's lead-in (what a gated article's
/// results may quote).
pub fn index_doc(row: &IndexRow, lead_paragraphs: usize) -> IndexDoc {
    let free = row.access == masthead_core::AccessLevel::Free;
    IndexDoc {
        lead_in: if free {
            String::new()
        } else {
            masthead_core::markdown::lead_in_text(&row.body_html, lead_paragraphs)
        },
        id: row.id.clone(),
        // The article's URL, as the web crate routes it.
        url: format!("/{}/{}", row.section_slug, row.slug),
        headline: row.headline.clone(),
        standfirst: row.standfirst.clone(),
        body_text: row.body_text.clone(),
        section_slug: row.section_slug.clone(),
        section_name: row.section_name.clone(),
        authors: row
            .authors
            .iter()
            .map(|a| (a.slug.clone(), a.name.clone()))
            .collect(),
        tags: row.tags.iter().map(|t| t.name.clone()).collect(),
        published_at: row.published_at,
        updated_at: row.updated_at,
        free,
        registered_only: row.access == masthead_core::AccessLevel::Registered,
    }
}

fn change_of(row: &IndexRow, lead_paragraphs: usize) -> Change {
    if row.published {
        Change::Upsert(Box::new(index_doc(row, lead_paragraphs)))
    } else {
        Change::Remove(row.id.clone())
    }
}

/// Rebuilds the index from the database into a new generation and swaps it in. `progress` is
/// called with (articles done, articles in total). Returns the build and its size in bytes.
pub async fn rebuild(
    store: &Store,
    data_dir: &Path,
    options: &SearchOptions,
    progress: impl Fn(u64, u64),
) -> anyhow::Result<(BuildInfo, u64)> {
    let started_at = masthead_store::now_ms();
    let total = store
        .count_articles(masthead_store::content::ListFilter::All)
        .await?
        .max(0) as u64;
    let mut build = {
        let (dir, options) = (data_dir.to_owned(), options.clone());
        tokio::task::spawn_blocking(move || Rebuild::start(&dir, &options, started_at)).await??
    };
    let lead = options.lead_in_paragraphs;
    let mut scan = store.article_scan().await?;
    let mut after: Option<String> = None;
    loop {
        let rows = scan.published_index_rows(after.as_deref(), BATCH).await?;
        let Some(last) = rows.last() else { break };
        after = Some(last.id.clone());
        build = tokio::task::spawn_blocking(move || -> anyhow::Result<Rebuild> {
            for row in &rows {
                build.add(&index_doc(row, lead))?;
            }
            Ok(build)
        })
        .await??;
        progress(build.documents(), total);
    }
    Ok(tokio::task::spawn_blocking(move || build.finish()).await??)
}

/// Opens the live index and brings it up to date; one that cannot be used is rebuilt, before
/// serving if the archive holds at most `rebuild_before_serving_max` articles, otherwise in
/// the background: then an empty index is swapped in so that the server can start, and
/// [`SearchState::rebuilding`] says a background rebuild must follow
/// ([`rebuild_in_background`]).
pub async fn open_at_start(
    store: &Store,
    data_dir: &Path,
    options: &SearchOptions,
    rebuild_before_serving_max: u64,
) -> anyhow::Result<Arc<SearchState>> {
    let open = {
        let (dir, options) = (data_dir.to_owned(), options.clone());
        move || SearchIndex::open(&dir, &options)
    };
    let mut later = false;
    let index = match tokio::task::spawn_blocking(open.clone()).await? {
        Ok(index) => index,
        Err(e @ OpenError::Locked(_)) => return Err(e.into()),
        Err(e) => {
            let articles = store
                .count_articles(masthead_store::content::ListFilter::All)
                .await?
                .max(0) as u64;
            if articles <= rebuild_before_serving_max {
                tracing::warn!(reason = %e, articles, "search index: rebuilding from the database");
                let started = std::time::Instant::now();
                let (info, bytes) = rebuild(store, data_dir, options, |_, _| {}).await?;
                tracing::info!(
                    documents = info.documents,
                    bytes,
                    seconds = started.elapsed().as_secs_f64(),
                    "search index: rebuilt"
                );
            } else {
                tracing::warn!(
                    reason = %e,
                    articles,
                    "search index: serving now and rebuilding in the background; search results are incomplete until it is done"
                );
                let (dir, options) = (data_dir.to_owned(), options.clone());
                let started_at = masthead_store::now_ms();
                tokio::task::spawn_blocking(move || {
                    Rebuild::start(&dir, &options, started_at)?.finish()
                })
                .await??;
                later = true;
            }
            tokio::task::spawn_blocking(open).await??
        }
    };
    let index = Arc::new(index);
    let settled = AtomicI64::new(i64::MIN);
    catch_up(store, &index, &settled, None).await?;
    Ok(Arc::new(SearchState {
        index,
        data_dir: data_dir.to_owned(),
        updates: tokio::sync::Mutex::new(()),
        rebuilding: AtomicBool::new(later),
        settled,
    }))
}

/// The background half of [`open_at_start`]: rebuilds the index, adopts it (with the changes
/// made meanwhile) and clears [`SearchState::rebuilding`]. A failed rebuild is tried again
/// every 30 seconds; `stop` abandons it.
pub async fn rebuild_in_background(
    store: Store,
    search: Arc<SearchState>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let started = std::time::Instant::now();
        let options = search.options().clone();
        let rebuilt = tokio::select! {
            r = rebuild(&store, &search.data_dir, &options, |_, _| {}) => r,
            _ = stop.changed() => return,
        };
        match rebuilt {
            Ok((info, bytes)) => {
                tracing::info!(
                    documents = info.documents,
                    bytes,
                    seconds = started.elapsed().as_secs_f64(),
                    "search index: rebuilt in the background"
                );
                // Adopted here, or a moment earlier by `watch_index`; either catches up.
                adopt_rebuilt(&store, &search).await;
                search.set_rebuilding(false);
                return;
            }
            Err(e) => {
                tracing::error!(
                    error = format!("{e:#}"),
                    "search index: the background rebuild failed; trying again in 30 seconds"
                );
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(30)) => {}
                    _ = stop.changed() => return,
                }
            }
        }
    }
}

/// Where a catch-up starts reading: the cursor less the overlap, or later where a catch-up has
/// already settled everything stamped before it.
fn catch_up_since(index: &SearchIndex, settled: &AtomicI64) -> i64 {
    (index.cursor() - OVERLAP_MS).max(settled.load(Ordering::Acquire))
}

/// Applies every change made since [`catch_up_since`], and `extra`. Rows the index already
/// holds at their version are skipped, so reading the overlap again applies nothing, bumps no
/// search generation and leaves cached results alone.
///
/// `settled` bounds how often a row is read again: a catch-up that began reading at `R` has
/// seen every row stamped at or before `R - OVERLAP_MS` (their transactions had committed), so
/// later ones start there. Without it a quiet site re-read (and, before the skip, re-indexed)
/// everything stamped in the five seconds before its newest change, every second: after a
/// bulk import, thousands of articles, a core kept busy and a cold start of seconds.
async fn catch_up(
    store: &Store,
    index: &Arc<SearchIndex>,
    settled: &AtomicI64,
    extra: Option<Change>,
) -> anyhow::Result<usize> {
    let read_at = masthead_store::now_ms();
    let since = catch_up_since(index, settled);
    let mut changes: Vec<Change> = extra.into_iter().collect();
    let mut cursor = index.cursor();
    let mut applied = 0;
    let mut after: Option<(i64, String)> = None;
    loop {
        let versions = store
            .changed_index_versions(
                since,
                after.as_ref().map(|(t, id)| (*t, id.as_str())),
                BATCH,
            )
            .await?;
        let done = (versions.len() as i64) < BATCH;
        if let Some(last) = versions.last() {
            after = Some((last.updated_at, last.id.clone()));
            cursor = cursor.max(last.updated_at);
        }
        // Only the articles whose version the index lacks are read whole.
        let lacking: Vec<String> = {
            let index = index.clone();
            tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<String>> {
                let ids: Vec<&str> = versions.iter().map(|v| v.id.as_str()).collect();
                let held = index.indexed_versions(&ids)?;
                Ok(versions
                    .into_iter()
                    .zip(held)
                    // What the index should hold: this version, or nothing (unpublished).
                    .filter(|(v, held)| *held != v.published.then_some(v.updated_at))
                    .map(|(v, _)| v.id)
                    .collect())
            })
            .await??
        };
        let lead = index.options().lead_in_paragraphs;
        let rows = store.index_rows(&lacking).await?;
        // A lacking article deleted between the two reads: take it out of the index.
        for id in &lacking {
            if !rows.iter().any(|r| &r.id == id) {
                changes.push(Change::Remove(id.clone()));
            }
        }
        changes.extend(rows.iter().map(|r| change_of(r, lead)));
        if changes.len() >= CHANGES_PER_COMMIT || (done && !changes.is_empty()) {
            applied += changes.len();
            let batch = std::mem::take(&mut changes);
            let index = index.clone();
            tokio::task::spawn_blocking(move || index.apply(&batch, Some(cursor))).await??;
        }
        if done {
            settled.fetch_max(read_at - OVERLAP_MS, Ordering::AcqRel);
            return Ok(applied);
        }
    }
}

/// The `index_article` job: see the module docs. A node without a search index (a worker
/// that serves nothing) has nothing to update.
impl RunJob<JobEnv> for IndexArticle {
    async fn run(&self, env: &JobEnv) -> Result<(), JobError> {
        match &env.search {
            Some(search) => index_article(&env.store, search, &self.article_id).await,
            None => Ok(()),
        }
    }
}

async fn index_article(store: &Store, search: &SearchState, id: &str) -> Result<(), JobError> {
    let index = search.index.clone();
    let _one_at_a_time = search.updates.lock().await;
    let updated_at = store.article_updated_at(id).await?;
    let held = {
        let (index, id) = (index.clone(), id.to_owned());
        tokio::task::spawn_blocking(move || index.indexed_version(&id)).await??
    };
    let extra = match (updated_at, held) {
        (None, None) => return Ok(()),
        // Deleted: take it out.
        (None, Some(_)) => Some(Change::Remove(id.to_owned())),
        (Some(t), Some(h)) if h == t => return Ok(()),
        // During a background rebuild the live index is a stand-in that began empty: what was
        // stamped before it began is the rebuild's to read (and adopting the rebuild catches up
        // what changed since the rebuild began). Indexing those one job at a time is what kept a
        // core busy for minutes after an import of 100,000 articles.
        (Some(t), _) if search.rebuilding() && t < catch_up_since(&index, &search.settled) => {
            return Ok(());
        }
        // The catch-up reads what was stamped since the cursor (less the overlap); an article
        // stamped before that (its transaction committed late) is read on its own.
        (Some(t), _) if t < catch_up_since(&index, &search.settled) => store
            .index_row(id)
            .await?
            .as_ref()
            .map(|r| change_of(r, index.options().lead_in_paragraphs)),
        (Some(_), _) => None,
    };
    let applied = catch_up(store, &index, &search.settled, extra)
        .await
        .map_err(|e| JobError::msg(format!("{e:#}")))?;
    tracing::info!(article_id = %id, applied, "search index updated");
    Ok(())
}

/// Adopts a generation that a rebuild swapped in, if there is one, then applies the changes
/// made since that rebuild began. Failures are logged; the watcher tries again every second.
async fn adopt_rebuilt(store: &Store, search: &SearchState) {
    // Under the update lock, so that no catch-up of the old generation settles the new one.
    let _one_at_a_time = search.updates.lock().await;
    let index = search.index.clone();
    match tokio::task::spawn_blocking(move || index.follow_swap()).await {
        Ok(Ok(Some(_))) => {
            search.settled.store(i64::MIN, Ordering::Release);
            if let Err(e) = catch_up(store, &search.index, &search.settled, None).await {
                tracing::warn!(
                    error = format!("{e:#}"),
                    "search index: cannot catch up after a rebuild; the next index job will"
                );
            }
        }
        Ok(Ok(None)) => {}
        Ok(Err(e)) => tracing::warn!(error = %e, "search index: cannot adopt the rebuilt index"),
        Err(e) => tracing::warn!(error = %e, "search index: swap check failed"),
    }
}

/// Every second until `stop`: adopts a rebuilt generation (see the module docs), then applies
/// what changed since the index's cursor. The catch-up is what keeps the index of a node that
/// runs no jobs (`serve --no-worker`, or the other nodes of a multi-node site, whose
/// `index_article` jobs ran elsewhere) current; with nothing new it is one index seek
/// (`articles_updated`).
pub async fn watch_index(
    store: Store,
    search: Arc<SearchState>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        adopt_rebuilt(&store, &search).await;
        {
            let _one_at_a_time = search.updates.lock().await;
            if let Err(e) = catch_up(&store, &search.index, &search.settled, None).await {
                tracing::warn!(
                    error = format!("{e:#}"),
                    "search index: catching up failed; retrying in a second"
                );
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = stop.changed() => return,
        }
    }
}
