//! Masthead's search index over tantivy: schema and analyzers, indexing, queries with
//! highlighted snippets, spelling suggestions, and related articles ("read more").
//!
//! The crate knows nothing of the database or the web: the caller hands it [`IndexDoc`]s (built
//! from store rows) and asks it [`SearchRequest`]s. Decisions written down here:
//!
//! - **Layout.** The live index is `DATA/search-index`, a symbolic link to a generation
//!   directory `DATA/search-index-<millis>`. A rebuild ([`Rebuild`]) fills a new generation
//!   directory and swaps the link with one `rename`, which is atomic: a reader of the link sees
//!   the old index or the new one, never half of either. A process that has an index open notices
//!   the swap ([`SearchIndex::follow_swap`]) and reopens, so `masthead reindex` beside a running
//!   server needs no restart and queries keep being answered throughout.
//! - **The wall.** Searches by signed-in readers match every article on its full text; for
//!   readers who are not signed in, a registered-only article (walled for all of them) is
//!   matched, counted and spell-checked only on what they may see of it ([`Scope`]; fields in
//!   `schema`), so results answer no question about the words under the wall. The text a result shows comes
//!   only from what anyone may read: the headline, the standfirst and, for a non-free article,
//!   its free lead-in ([`IndexDoc::lead_in`]: the web layer cuts it from the rendered body with
//!   the wall's own cut, `masthead_core::markdown::lead_in_text`, so results never quote more
//!   than the wall shows — headings and photos before the first paragraphs included, and at least
//!   one paragraph always left behind). That text is
//!   the only body text stored in the index, so no query can make the index reveal more. Results
//!   are the same for every reader, hence cacheable.
//! - **Ranking.** Every word (or quoted phrase) must be in the article's `text` field, which holds
//!   headline, standfirst, tags, author names and body; the score is BM25 there plus a boost for
//!   each word found in the headline (×3), standfirst or tags (×1.5). Equal scores are ordered
//!   newest first. "Newest first" sorts by the publication time alone. A query made only of stop
//!   words ("the who") is matched on the unstemmed words instead of finding nothing.
//! - **Speed.** What a query costs is the number of articles it matches: a query of common words
//!   matches tens of thousands, and each is scored. One field to match (one posting list per
//!   word, not five), a collector that reads the publication time only for contenders, segments
//!   searched in parallel (one thread per core, at most 4), and snippets that analyze only the
//!   words that could match (`snippet::Highlighter`) keep such a query within a few ms over
//!   100,000 articles (docs/benchmarks.md).
//! - **Spelling.** A word that occurs nowhere in the archive is replaced by the most frequent
//!   indexed word within one (then two) edits, and the page says "Showing results for …". Words
//!   for suggestions come from an unstemmed field so that suggestions are real words.

mod analyzer;
mod index;
mod query;
mod related;
mod schema;
mod snippet;

pub use analyzer::SearchLanguage;
pub use index::{BuildInfo, Change, OpenError, Rebuild, SearchIndex};
pub use query::{Hit, MAX_PAGE, ParsedQuery, Scope, SearchRequest, SearchResults, SortOrder};
pub use snippet::highlight_html;

/// Tunables of an index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchOptions {
    pub language: SearchLanguage,
    /// How many paragraphs of a non-free article's body anyone may read (and so search results
    /// may quote). The wall uses the same number for its free lead-in.
    pub lead_in_paragraphs: usize,
}

impl Default for SearchOptions {
    fn default() -> Self {
        Self {
            language: SearchLanguage::English,
            lead_in_paragraphs: 2,
        }
    }
}

/// One published article, as the index needs it.
#[derive(Debug, Clone)]
pub struct IndexDoc {
    pub id: String,
    /// Its path on the site, e.g. `/city/harbour-crane`.
    pub url: String,
    pub headline: String,
    pub standfirst: String,
    /// Plain text of the body, one paragraph per line.
    pub body_text: String,
    pub section_slug: String,
    pub section_name: String,
    /// (slug, name), in byline order.
    pub authors: Vec<(String, String)>,
    /// Tag names.
    pub tags: Vec<String>,
    /// Publication time, ms since the Unix epoch.
    pub published_at: i64,
    /// When the article last changed (ms): which version of it the index holds.
    pub updated_at: i64,
    /// Free articles may be quoted from their whole body; others only from their lead-in.
    pub free: bool,
    /// Registered-only: walled for every reader who is not signed in, so such readers match
    /// only its visible text (headline, standfirst, tags, authors, lead-in). Metered articles
    /// are matched on their whole text by everyone: any signed-out reader may open one.
    pub registered_only: bool,
    /// For gated articles: the text of the lead-in the registration wall shows, one paragraph
    /// per line (cut by the web layer from the rendered body, the same cut as the wall's).
    pub lead_in: String,
}

impl IndexDoc {
    /// The body text a result may quote (see the module docs on the wall).
    pub fn quotable_body(&self) -> String {
        if self.free {
            self.body_text.clone()
        } else {
            self.lead_in.clone()
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index error: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("search index I/O error at {path}: {source}")]
    Io {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    BadQuery(String),
}

pub type Result<T, E = SearchError> = std::result::Result<T, E>;

pub(crate) fn io_err(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> SearchError + '_ {
    move |source| SearchError::Io {
        path: path.to_owned(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_free_articles_are_quoted_whole() {
        let mut doc = IndexDoc {
            id: "1".into(),
            url: "/a/b".into(),
            headline: "H".into(),
            standfirst: "S".into(),
            body_text: "First.\nSecond.\nThird secret.".into(),
            section_slug: "a".into(),
            section_name: "A".into(),
            authors: vec![],
            tags: vec![],
            published_at: 0,
            updated_at: 0,
            free: false,
            registered_only: false,
            lead_in: "First.\nSecond.".into(),
        };
        assert_eq!(doc.quotable_body(), "First.\nSecond.");
        doc.free = true;
        assert!(doc.quotable_body().contains("Third secret"));
    }
}
