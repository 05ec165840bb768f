//! Queries: what a reader types, parsed into words and quoted phrases; spelling suggestions;
//! filters; ranking; the page of hits with their snippets.

use std::ops::Bound;

use tantivy::{
    DocAddress, DocId, Index, Order, Score, Searcher, SegmentReader, TantivyDocument, Term,
    collector::{Collector, Count, SegmentCollector, TopDocs},
    query::{
        BooleanQuery, BoostQuery, EmptyQuery, FuzzyTermQuery, Occur, PhraseQuery, Query,
        RangeQuery, TermQuery,
    },
    schema::{IndexRecordOption, Value},
};

use crate::{
    Result, SearchError, SearchIndex,
    analyzer::{self, words_analyzer},
    schema::Fields,
    snippet::{self, Highlighter},
};

mod ranked;
mod spelling;

use ranked::Ranked;
use spelling::correct_spelling;

/// Longest query accepted, in bytes.
pub const MAX_QUERY_BYTES: usize = 1024;
/// More words than this add nothing to a news search and cost time. Every word counts, the
/// words of a quoted phrase included: each one is a posting list to match and up to two fuzzy
/// scans of the term dictionary for its spelling.
pub const MAX_PARTS: usize = 24;
/// Deepest page served: 10,000 results in. Collecting page N keeps N × per_page candidates,
/// so the page number must be bounded before the search, not only clamped after it.
pub const MAX_PAGE: usize = 1_000;
/// Characters of body text a snippet shows.
const SNIPPET_CHARS: usize = 220;

/// A query as the reader typed it, reduced to words and quoted phrases. Everything else
/// (operators, punctuation, field syntax) is dropped, so a query can never be "broken".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedQuery {
    pub parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Word(String),
    Phrase(Vec<String>),
}

impl Part {
    /// The words as typed, separated by spaces (a phrase without its quotes).
    fn text(&self) -> String {
        match self {
            Part::Word(w) => w.clone(),
            Part::Phrase(ws) => ws.join(" "),
        }
    }
}

impl ParsedQuery {
    /// Parses a query, or says what is wrong with it in a sentence for the reader.
    pub fn parse(text: &str) -> Result<Self> {
        if text.len() > MAX_QUERY_BYTES {
            return Err(SearchError::BadQuery(format!(
                "That search is too long ({} characters). Searches can have at most about 1,000 characters: try a few distinctive words.",
                text.chars().count()
            )));
        }
        if text
            .chars()
            .any(|c| (c.is_control() && !c.is_whitespace()) || c == '\u{FFFD}')
        {
            return Err(SearchError::BadQuery(
                "That search contains characters that are not text. Type the words you are looking for.".into(),
            ));
        }
        if text.trim().is_empty() {
            return Err(SearchError::BadQuery(
                "Type a word or two to search for: a name, a place, a topic.".into(),
            ));
        }
        let mut parts = Vec::new();
        let mut budget = MAX_PARTS;
        // Quotes alternate between outside and inside a phrase; an unclosed quote runs to the end.
        for (i, chunk) in text.split('"').enumerate() {
            let mut words: Vec<String> = words_of(chunk);
            // A phrase is cut to the words left in the budget, as loose words are.
            words.truncate(budget);
            budget -= words.len();
            if i % 2 == 1 && words.len() > 1 {
                parts.push(Part::Phrase(words));
            } else {
                parts.extend(words.into_iter().map(Part::Word));
            }
            if budget == 0 {
                break;
            }
        }
        if parts.is_empty() {
            return Err(SearchError::BadQuery(
                "That search has no words in it. Type the words you are looking for; punctuation and symbols are ignored.".into(),
            ));
        }
        Ok(Self { parts })
    }

    /// The query in a canonical form: words, and phrases in quotes.
    pub fn display(&self) -> String {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Word(_) => p.text(),
                Part::Phrase(_) => format!("\"{}\"", p.text()),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Runs of letters and digits, lower-cased (so that "AND" or "OR" are words, not operators).
/// Combining marks belong to the word they follow: a decomposed "café" is one word, and so is
/// "İstanbul", whose lower case is "i" and a combining dot. Without them, a query parsed and
/// shown back ("i̇") would parse again to something else ("i").
fn words_of(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric() && !is_combining_mark(c))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The Unicode blocks of combining marks (the general category Mn is wider, but these are the
/// ones lower-casing and decomposed accents produce).
fn is_combining_mark(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}'
            | '\u{1AB0}'..='\u{1AFF}'
            | '\u{1DC0}'..='\u{1DFF}'
            | '\u{20D0}'..='\u{20FF}'
            | '\u{FE20}'..='\u{FE2F}')
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    #[default]
    Relevance,
    Newest,
}

/// What a search may look at, by who asks (see `schema` on the gated fields).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scope {
    /// A reader who is not signed in: registered-only articles only by their visible text.
    #[default]
    Public,
    /// A signed-in reader (staff included): every article's full text.
    Everything,
}

#[derive(Debug, Clone)]
pub struct SearchRequest {
    pub query: ParsedQuery,
    pub scope: Scope,
    pub section: Option<String>,
    pub author: Option<String>,
    /// Published at or after (ms).
    pub from_ms: Option<i64>,
    /// Published before (ms).
    pub until_ms: Option<i64>,
    pub sort: SortOrder,
    /// From 1; past the last page gives the last page.
    pub page: usize,
    pub per_page: usize,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Hit {
    pub id: String,
    pub url: String,
    pub headline: String,
    /// The headline with the query's words marked (escaped HTML).
    pub headline_html: String,
    pub standfirst: String,
    pub section_slug: String,
    pub section_name: String,
    /// (slug, name)
    pub authors: Vec<(String, String)>,
    pub published_at: i64,
    /// Quotable text around the query's words, escaped, with `<mark>` around them.
    pub snippet_html: String,
}

#[derive(Debug, Clone)]
pub struct SearchResults {
    pub total: usize,
    /// The page shown (the last one when a later one was asked for).
    pub page: usize,
    pub total_pages: usize,
    pub hits: Vec<Hit>,
    /// The query actually run, when words not in the archive were replaced by close ones.
    pub corrected: Option<ParsedQuery>,
    /// No article has all the words, so these hits have some of them.
    pub partial: bool,
}

impl SearchIndex {
    pub fn search(&self, req: &SearchRequest) -> Result<SearchResults> {
        let (searcher, index) = self.searcher();
        let f = self.fields();
        let corrected = correct_spelling(&searcher, &f, &req.query, req.scope)?;
        let parsed = corrected.as_ref().unwrap_or(&req.query);
        let mut text_query = text_query(&index, &f, parsed, true, req.scope)?;
        let mut query = filtered(&f, text_query.box_clone(), req);
        let per_page = req.per_page.clamp(1, 100);
        let mut page = req.page.clamp(1, MAX_PAGE);
        let (mut total, mut docs) = top_docs(&searcher, &*query, req.sort, page, per_page)?;
        // Rather than nothing, the articles with some of the words (ranked by how many).
        let partial = total == 0 && parsed.parts.len() > 1;
        if partial {
            text_query = self::text_query(&index, &f, parsed, false, req.scope)?;
            query = filtered(&f, text_query.box_clone(), req);
            (total, docs) = top_docs(&searcher, &*query, req.sort, page, per_page)?;
        }
        let total_pages = total.div_ceil(per_page).max(1);
        if page > total_pages {
            page = total_pages;
            (total, docs) = top_docs(&searcher, &*query, req.sort, page, per_page)?;
        }
        let shortcut = self.options().language.keeps_first_letter();
        let hits = hits(&searcher, &f, &*text_query, &docs, shortcut)?;
        Ok(SearchResults {
            total,
            page,
            total_pages,
            hits,
            corrected,
            partial: partial && total > 0,
        })
    }

    /// How many articles the index holds (for /readyz-style checks and tests).
    pub fn num_docs(&self) -> u64 {
        self.searcher().0.num_docs()
    }
}

/// How much a word found in these fields adds, on top of its score in the article's text.
const HEADLINE_BOOST: Score = 3.0;
const STANDFIRST_BOOST: Score = 1.5;
const TAGS_BOOST: Score = 1.5;

/// The query for the reader's words: each word (or quoted phrase) must be in the article's
/// `text` (or, for `all_words == false`, should be: more words rank higher), and the same word
/// in the headline, standfirst or tags adds to the score. Built by hand rather than by
/// tantivy's query parser so that a word costs one posting list to match (see `schema`).
///
/// Stop words ("the", "not") are not in `text`; a query of nothing but stop words is matched
/// against the unstemmed `words` field instead, which keeps them, so it still finds articles.
fn text_query(
    index: &Index,
    f: &Fields,
    q: &ParsedQuery,
    all_words: bool,
    scope: Scope,
) -> Result<Box<dyn Query>> {
    let mut analyzer = index.tokenizer_for_field(f.text)?;
    let required = if all_words {
        Occur::Must
    } else {
        Occur::Should
    };
    let term = |field, text: &str, boost: Score| -> (Occur, Box<dyn Query>) {
        let q = TermQuery::new(
            Term::from_field_text(field, text),
            IndexRecordOption::WithFreqs,
        );
        (Occur::Should, Box::new(BoostQuery::new(Box::new(q), boost)))
    };
    // A word must be in `text`, or for `Everything` in `text` or `text_gated`.
    let in_text = |make: &dyn Fn(tantivy::schema::Field) -> Box<dyn Query>| -> Box<dyn Query> {
        match scope {
            Scope::Public => make(f.text),
            Scope::Everything => Box::new(BooleanQuery::new(vec![
                (Occur::Should, make(f.text)),
                (Occur::Should, make(f.text_gated)),
            ])),
        }
    };
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for part in &q.parts {
        let words = part.text();
        let mut terms: Vec<(usize, String)> = Vec::new();
        let mut stream = analyzer.token_stream(&words);
        while let Some(t) = stream.next() {
            terms.push((t.position, t.text.clone()));
        }
        match &terms[..] {
            [] => {}
            [(_, t)] => {
                clauses.push((
                    required,
                    in_text(&|field| {
                        Box::new(TermQuery::new(
                            Term::from_field_text(field, t),
                            IndexRecordOption::WithFreqs,
                        ))
                    }),
                ));
                clauses.push(term(f.headline, t, HEADLINE_BOOST));
                clauses.push(term(f.standfirst, t, STANDFIRST_BOOST));
                clauses.push(term(f.tags, t, TAGS_BOOST));
            }
            _ => {
                let phrase = |field| {
                    let first = terms[0].0;
                    PhraseQuery::new_with_offset(
                        terms
                            .iter()
                            .map(|(p, t)| (p - first, Term::from_field_text(field, t)))
                            .collect(),
                    )
                };
                clauses.push((required, in_text(&|field| Box::new(phrase(field)))));
                clauses.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(
                        Box::new(phrase(f.headline)),
                        HEADLINE_BOOST,
                    )),
                ));
            }
        }
    }
    if clauses.is_empty() {
        let mut words = words_analyzer();
        for part in &q.parts {
            for w in analyzer::terms(&mut words, &part.text()) {
                let word = |field| -> Box<dyn Query> {
                    Box::new(TermQuery::new(
                        Term::from_field_text(field, &w),
                        IndexRecordOption::Basic,
                    ))
                };
                let clause: Box<dyn Query> = match scope {
                    Scope::Public => word(f.words),
                    Scope::Everything => Box::new(BooleanQuery::new(vec![
                        (Occur::Should, word(f.words)),
                        (Occur::Should, word(f.words_gated)),
                    ])),
                };
                clauses.push((required, clause));
            }
        }
    }
    if clauses.is_empty() {
        return Ok(Box::new(EmptyQuery));
    }
    Ok(Box::new(BooleanQuery::new(clauses)))
}

fn filtered(f: &Fields, text: Box<dyn Query>, req: &SearchRequest) -> Box<dyn Query> {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, text)];
    let exact = |field, value: &str| -> Box<dyn Query> {
        Box::new(TermQuery::new(
            Term::from_field_text(field, value),
            IndexRecordOption::Basic,
        ))
    };
    if let Some(s) = &req.section {
        clauses.push((Occur::Must, exact(f.section, s)));
    }
    if let Some(a) = &req.author {
        clauses.push((Occur::Must, exact(f.author, a)));
    }
    if req.from_ms.is_some() || req.until_ms.is_some() {
        let lower = req.from_ms.map_or(Bound::Unbounded, |ms| {
            Bound::Included(Term::from_field_i64(f.published, ms))
        });
        let upper = req.until_ms.map_or(Bound::Unbounded, |ms| {
            Bound::Excluded(Term::from_field_i64(f.published, ms))
        });
        clauses.push((Occur::Must, Box::new(RangeQuery::new(lower, upper))));
    }
    if clauses.len() == 1 {
        return clauses.pop().expect("one clause").1;
    }
    Box::new(BooleanQuery::new(clauses))
}

fn top_docs(
    searcher: &Searcher,
    query: &dyn Query,
    sort: SortOrder,
    page: usize,
    per_page: usize,
) -> Result<(usize, Vec<DocAddress>)> {
    Ok(match sort {
        SortOrder::Relevance => {
            let (total, ranked) = searcher.search(
                query,
                &Ranked {
                    keep: page * per_page,
                },
            )?;
            let docs = ranked
                .into_iter()
                .skip((page - 1) * per_page)
                .map(|r| r.doc)
                .collect();
            (total, docs)
        }
        SortOrder::Newest => {
            let top = TopDocs::with_limit(per_page).and_offset((page - 1) * per_page);
            let collector = top.order_by_fast_field::<i64>("published", Order::Desc);
            let (total, docs) = searcher.search(query, &(Count, collector))?;
            (total, docs.into_iter().map(|(_, d)| d).collect())
        }
    })
}

fn hits(
    searcher: &Searcher,
    f: &Fields,
    query: &dyn Query,
    docs: &[DocAddress],
    keeps_first_letter: bool,
) -> Result<Vec<Hit>> {
    if docs.is_empty() {
        return Ok(Vec::new());
    }
    // Snippets only for the hits shown: highlighters are made once per page.
    let analyzer = || searcher.index().tokenizer_for_field(f.text);
    let mut body = Highlighter::new(
        analyzer()?,
        Highlighter::terms_of(searcher, query, f.text)?,
        SNIPPET_CHARS,
        keeps_first_letter,
    );
    let mut headline = Highlighter::new(
        analyzer()?,
        Highlighter::terms_of(searcher, query, f.headline)?,
        usize::MAX,
        keeps_first_letter,
    );
    docs.iter()
        .map(|addr| {
            let doc: TantivyDocument = searcher.doc(*addr)?;
            let mut hit = stored_hit(f, &doc);
            let quotable = text(&doc, f.quotable);
            hit.snippet_html =
                snippet::snippet_html(body.fragment(&quotable).as_ref(), &quotable, SNIPPET_CHARS);
            // One fragment covers the whole headline, starting at its first byte.
            if let Some(h) = headline.fragment(&hit.headline) {
                hit.headline_html = snippet::highlight_html(&hit.headline, &h.highlighted);
            }
            Ok(hit)
        })
        .collect()
}

pub(crate) fn stored_hit(f: &Fields, doc: &TantivyDocument) -> Hit {
    let slugs = doc.get_all(f.author).filter_map(|v| v.as_str());
    let names = doc.get_all(f.author_name).filter_map(|v| v.as_str());
    let headline = text(doc, f.headline);
    Hit {
        id: text(doc, f.id),
        url: text(doc, f.url),
        headline_html: snippet::highlight_html(&headline, &[]),
        headline,
        standfirst: text(doc, f.standfirst),
        section_slug: text(doc, f.section),
        section_name: text(doc, f.section_name),
        authors: slugs
            .zip(names)
            .map(|(s, n)| (s.to_owned(), n.to_owned()))
            .collect(),
        published_at: doc
            .get_first(f.published)
            .and_then(|v| v.as_i64())
            .unwrap_or(0),
        snippet_html: String::new(),
    }
}

fn text(doc: &TantivyDocument, field: tantivy::schema::Field) -> String {
    doc.get_first(field)
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned()
}

#[cfg(test)]
mod tests;
