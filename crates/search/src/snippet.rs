//! Snippets as HTML: the text is escaped, and only the `<mark>` elements around the query's
//! words are markup. Built here, by hand, because tantivy's own `to_html` uses `<b>`; this is
//! the one place in Masthead that assembles HTML outside a template, so it is small and tested.

use std::{collections::HashMap, ops::Range};

use tantivy::{Score, Searcher, Term, query::Query, schema::Field, tokenizer::TextAnalyzer};

/// `text` escaped, with each byte range in `ranges` (sorted, non-overlapping, on character
/// boundaries) wrapped in `<mark>`. Ranges that are out of bounds or not on character boundaries
/// are ignored rather than trusted.
pub fn highlight_html(text: &str, ranges: &[Range<usize>]) -> String {
    let mut out = String::with_capacity(text.len() + ranges.len() * 13);
    let mut at = 0;
    for r in ranges {
        if r.start < at
            || r.end > text.len()
            || r.start >= r.end
            || !text.is_char_boundary(r.start)
            || !text.is_char_boundary(r.end)
        {
            continue;
        }
        escape_into(&mut out, &text[at..r.start]);
        out.push_str("<mark>");
        escape_into(&mut out, &text[r.clone()]);
        out.push_str("</mark>");
        at = r.end;
    }
    escape_into(&mut out, &text[at..]);
    out
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' => out.push(' '),
            c => out.push(c),
        }
    }
}

/// The part of a text a snippet shows: a byte range of the text, and the ranges of the query's
/// words in it (relative to the fragment).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Fragment {
    pub range: Range<usize>,
    pub highlighted: Vec<Range<usize>>,
}

/// Finds the best fragment of a text for a query: the window of at most `max_chars` bytes
/// whose words score highest (each distinct-or-repeated hit adds its term's weight,
/// `1 / (1 + document frequency)`, so rare words count most), earliest on a tie. This is the
/// rule of tantivy's `SnippetGenerator`, made cheap enough to run for every hit shown:
///
/// - tantivy's generator runs the whole analyzer (lower-casing, folding, stop words, stemming)
///   over every word of the text. Here every word is first checked against the **first
///   letter** of the query's terms, and only a word that could match is analyzed. That is
///   sound because the analyzer lower-cases and folds a word before stemming, and the Snowball
///   stemmers rewrite the end of a word, not its start: a word and its term share their first
///   letter. Not the first two ("dying" → "die"), and Dutch's stemmer strips the prefix "ge-",
///   so for Dutch every word is analyzed ([`SearchLanguage::keeps_first_letter`]). A unit test
///   checks this over a word list in every language. Words starting with a non-ASCII letter
///   are always analyzed.
/// - Each distinct word analyzed is remembered for the rest of the page (a query's ten hits
///   share most of their vocabulary).
///
/// Words are found exactly as the index's tokenizer finds them (runs of alphanumeric
/// characters), so offsets and matches are the ones tantivy would report.
pub(crate) struct Highlighter {
    analyzer: TextAnalyzer,
    /// Term text → weight.
    terms: HashMap<String, Score>,
    /// The first byte of each term that starts with ASCII: a word starting with an ASCII
    /// letter must start with one of these (case aside) to be worth analyzing. `None`: analyze
    /// every word.
    first_letters: Option<Vec<u8>>,
    /// Word as written → the weight of the term it analyzes to (`None`: no term).
    seen: HashMap<String, Option<Score>>,
    max_chars: usize,
}

impl Highlighter {
    /// `terms`: the query's terms in the field and their weights, from the index.
    /// `keeps_first_letter`: whether the analyzer's language allows the shortcut.
    pub(crate) fn new(
        analyzer: TextAnalyzer,
        terms: HashMap<String, Score>,
        max_chars: usize,
        keeps_first_letter: bool,
    ) -> Self {
        let first_letters = keeps_first_letter.then(|| {
            let mut firsts: Vec<u8> = terms
                .keys()
                .filter_map(|t| t.bytes().next())
                // A term starting with another letter can only come from a word that does too,
                // and those are always analyzed.
                .filter(u8::is_ascii)
                .collect();
            firsts.sort_unstable();
            firsts.dedup();
            firsts
        });
        Self {
            analyzer,
            terms,
            first_letters,
            seen: HashMap::new(),
            max_chars,
        }
    }

    /// The query's terms in `field` with tantivy's snippet weights; terms no article has are
    /// left out.
    pub(crate) fn terms_of(
        searcher: &Searcher,
        query: &dyn Query,
        field: Field,
    ) -> tantivy::Result<HashMap<String, Score>> {
        let mut terms: Vec<Term> = Vec::new();
        query.query_terms(&mut |term, _| {
            if term.field() == field && !terms.contains(term) {
                terms.push(term.clone());
            }
        });
        let mut out = HashMap::new();
        for term in terms {
            let Some(text) = term.value().as_str().map(str::to_owned) else {
                continue;
            };
            let doc_freq = searcher.doc_freq(&term)?;
            if doc_freq > 0 {
                out.insert(text, 1.0 / (1.0 + doc_freq as Score));
            }
        }
        Ok(out)
    }

    /// False when `word` cannot analyze to any of the terms (see the type's docs).
    fn could_match(&self, word: &str) -> bool {
        let (Some(firsts), Some(&b)) = (&self.first_letters, word.as_bytes().first()) else {
            return true;
        };
        !b.is_ascii() || firsts.contains(&b.to_ascii_lowercase())
    }

    fn weight(&mut self, word: &str) -> Option<Score> {
        if let Some(w) = self.seen.get(word) {
            return *w;
        }
        let mut stream = self.analyzer.token_stream(word);
        let mut weight = None;
        while let Some(token) = stream.next() {
            if let Some(w) = self.terms.get(&token.text) {
                weight = Some(*w);
            }
        }
        self.seen.insert(word.to_owned(), weight);
        weight
    }

    /// The best fragment of `text`; `None` when none of the query's words is in it.
    pub(crate) fn fragment(&mut self, text: &str) -> Option<Fragment> {
        if self.terms.is_empty() {
            return None;
        }
        let mut best: Option<(Score, Fragment)> = None;
        let mut current = (0.0, Fragment::default());
        for (start, end) in words(text) {
            if end - current.1.range.start > self.max_chars {
                take_better(&mut best, std::mem::take(&mut current));
                current.1.range = start..start;
            }
            current.1.range.end = end;
            let word = &text[start..end];
            if !self.could_match(word) {
                continue;
            }
            if let Some(w) = self.weight(word) {
                current.0 += w;
                current.1.highlighted.push(start..end);
            }
        }
        take_better(&mut best, current);
        best.map(|(_, mut f)| {
            let at = f.range.start;
            for h in &mut f.highlighted {
                *h = h.start - at..h.end - at;
            }
            f
        })
    }
}

/// Keeps the higher-scoring fragment, the earlier one on a tie.
fn take_better(best: &mut Option<(Score, Fragment)>, candidate: (Score, Fragment)) {
    if candidate.0 > 0.0 && best.as_ref().is_none_or(|(s, _)| candidate.0 > *s) {
        *best = Some(candidate);
    }
}

/// Byte ranges of the words of `text`: runs of alphanumeric characters, as tantivy's
/// `SimpleTokenizer` splits.
fn words(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut chars = text.char_indices().peekable();
    std::iter::from_fn(move || {
        let start = loop {
            let (i, c) = chars.next()?;
            if c.is_alphanumeric() {
                break i;
            }
        };
        let mut end = text.len();
        while let Some(&(i, c)) = chars.peek() {
            if !c.is_alphanumeric() {
                end = i;
                break;
            }
            chars.next();
        }
        Some((start, end))
    })
}

/// The snippet of a hit: the best fragment with its highlights or, when the quotable text has
/// none of the words (they were in the headline, or past a gated article's lead-in), the start
/// of the quotable text.
pub(crate) fn snippet_html(
    fragment: Option<&Fragment>,
    quotable: &str,
    max_chars: usize,
) -> String {
    if let Some(f) = fragment
        && let Some(text) = quotable.get(f.range.clone())
    {
        let before = quotable.get(..f.range.start).unwrap_or_default();
        let after = quotable.get(f.range.end..).unwrap_or_default();
        let mut html = String::new();
        if before.chars().any(char::is_alphanumeric) {
            html.push('…');
        }
        html.push_str(&highlight_html(text, &f.highlighted));
        // Fragments end at a word: keep the sentence's last full stop, or say there is more.
        if after.chars().any(char::is_alphanumeric) {
            html.push('…');
        } else {
            escape_into(&mut html, after.trim_end());
        }
        return html;
    }
    let mut end = quotable.len().min(max_chars);
    while !quotable.is_char_boundary(end) {
        end -= 1;
    }
    let mut html = highlight_html(&quotable[..end], &[]);
    if end < quotable.len() {
        // Cut at a word boundary.
        if let Some(space) = html.rfind(' ') {
            html.truncate(space);
        }
        html.push('…');
    }
    html
}

#[cfg(test)]
#[allow(clippy::single_range_in_vec_init, clippy::reversed_empty_ranges)]
mod tests {
    use super::*;
    use crate::{SearchLanguage, analyzer::text_analyzer};

    #[test]
    fn escapes_everything_but_the_marks() {
        let text = "a <script>alert('x')</script> & \"tram\"";
        let start = text.find("tram").unwrap();
        let html = highlight_html(text, &[start..start + 4]);
        assert_eq!(
            html,
            "a &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;<mark>tram</mark>&quot;"
        );
    }

    #[test]
    fn the_marked_text_is_escaped_too() {
        assert_eq!(highlight_html("<b>", &[0..3]), "<mark>&lt;b&gt;</mark>");
    }

    #[test]
    fn bad_ranges_are_ignored() {
        let text = "café tram";
        // 4 is inside "é"; 3..100 runs past the end; 6..5 is reversed.
        assert_eq!(highlight_html(text, &[0..4, 3..100, 6..5]), "café tram");
        assert_eq!(
            highlight_html(text, &[0..2, 1..3, 6..10]),
            "<mark>ca</mark>fé <mark>tram</mark>"
        );
    }

    fn highlighter(language: SearchLanguage, terms: &[&str], max_chars: usize) -> Highlighter {
        let terms = terms.iter().map(|t| (t.to_string(), 1.0)).collect();
        Highlighter::new(
            text_analyzer(language),
            terms,
            max_chars,
            language.keeps_first_letter(),
        )
    }

    #[test]
    fn snippets_keep_the_last_full_stop_and_mark_cuts() {
        let mut h = highlighter(SearchLanguage::English, &["tram"], 200);
        let short = "The night tram runs late.";
        assert_eq!(
            snippet_html(h.fragment(short).as_ref(), short, 200),
            "The night <mark>tram</mark> runs late."
        );
        let mut h = highlighter(SearchLanguage::English, &["tram"], 20);
        let long = "Long ago and far away, in a city by the sea, the night tram ran late every single evening.";
        let html = snippet_html(h.fragment(long).as_ref(), long, 20);
        assert!(html.starts_with('…') && html.ends_with('…'), "{html}");
        assert!(html.contains("<mark>tram</mark>"), "{html}");
        // No highlight in the quotable text: its start, cut at a word.
        let none = "Nothing to see in this lead-in, which goes on for a while.";
        assert_eq!(h.fragment(none), None);
        assert_eq!(snippet_html(None, none, 20), "Nothing to see in…");
    }

    #[test]
    fn the_best_fragment_has_the_rarest_words_and_the_earliest_wins_a_tie() {
        let terms = [("harbour".to_string(), 0.5), ("crane".to_string(), 0.1)]
            .into_iter()
            .collect();
        let mut h = Highlighter::new(text_analyzer(SearchLanguage::English), terms, 30, true);
        let text = "A crane stood by the quay all day. Then the Harbours emptied at dusk. A harbour crane.";
        let f = h.fragment(text).unwrap();
        let shown = &text[f.range.clone()];
        // "harbour crane" scores 0.6, "Harbours" 0.5, "crane" 0.1. A fragment starts at the
        // word that did not fit in the one before.
        assert_eq!(shown, "at dusk. A harbour crane");
        let marked: Vec<&str> = f.highlighted.iter().map(|r| &shown[r.clone()]).collect();
        assert_eq!(marked, ["harbour", "crane"]);
        // Ties go to the earliest fragment.
        let mut h = highlighter(SearchLanguage::English, &["tram"], 12);
        let f = h
            .fragment("tram one. xxxxxxxxxxxxxxxxxx tram two.")
            .unwrap();
        assert_eq!(f.range.start, 0);
    }

    /// The highlighter marks exactly the words tantivy's own snippet generator marks, for
    /// stemmed, folded, upper-case and non-ASCII words.
    #[test]
    fn marks_the_same_words_as_tantivy() {
        use tantivy::{
            Index,
            query::QueryParser,
            schema::{STORED, Schema, TextFieldIndexing, TextOptions},
            snippet::SnippetGenerator,
        };
        let text = "Harbours reopened: the HARBOUR master, Zoë Åberg, said the café's cranes \
            (harbour-cranes!) would run. Ärzte und Straßenbahn; ÉLECTIONS, élection. \
            Running runners ran; the runner's run. 2024 harbour 2024.";
        for language in [
            SearchLanguage::English,
            SearchLanguage::German,
            SearchLanguage::French,
        ] {
            for q in [
                "harbour",
                "harbours crane",
                "zoe aberg",
                "arzte strassenbahn",
                "election",
                "running",
                "2024 cafe",
            ] {
                let mut b = Schema::builder();
                let options = TextOptions::default().set_indexing_options(
                    TextFieldIndexing::default().set_tokenizer(crate::analyzer::TEXT_ANALYZER),
                ) | STORED;
                let body = b.add_text_field("body", options);
                let index = Index::create_in_ram(b.build());
                crate::analyzer::register(index.tokenizers(), language);
                let mut w: tantivy::IndexWriter = index.writer(15_000_000).unwrap();
                w.add_document(tantivy::doc!(body => text)).unwrap();
                w.commit().unwrap();
                let searcher = index.reader().unwrap().searcher();
                let query = QueryParser::for_index(&index, vec![body])
                    .parse_query(q)
                    .unwrap();
                let mut theirs = SnippetGenerator::create(&searcher, &*query, body).unwrap();
                theirs.set_max_num_chars(10_000);
                let expected: Vec<&str> = theirs
                    .snippet(text)
                    .highlighted()
                    .iter()
                    .map(|r| &text[r.clone()])
                    .collect();
                let terms = Highlighter::terms_of(&searcher, &*query, body).unwrap();
                let mut ours = Highlighter::new(
                    text_analyzer(language),
                    terms,
                    10_000,
                    language.keeps_first_letter(),
                );
                let f = ours.fragment(text);
                let got: Vec<&str> = f
                    .iter()
                    .flat_map(|f| {
                        f.highlighted
                            .iter()
                            .map(|r| &text[f.range.start + r.start..f.range.start + r.end])
                    })
                    .collect();
                assert!(!expected.is_empty(), "{language}: {q}");
                assert_eq!(got, expected, "{language}: {q}");
            }
        }
    }

    /// What the highlighter's shortcut rests on: in every language that allows it, a word
    /// starting with an ASCII letter analyzes to a term starting with that letter (lower-cased).
    #[test]
    fn stemming_keeps_the_first_letter() {
        let words = "a ab by fly flies flying cry cries skies skis dying lying tying idly early \
            only ugly news gently happy happiness generously national nationalities running \
            ran runs argued argument universities university organisation organizations \
            yellow yearly you young yodelled Yvonne aaron aardvarks oed über ärzte Ölpreise \
            straße élections élection éléphants œuvres çava ıstanbul şehirlerden \
            kindergärten häuser häusern mädchen bücher bibliothèques nationaux généralement \
            gezondheid huizen kopjes bakken yoghurt ydmyg ystävällisesti sääntöjä \
            nagyon szépen românești domnișoarele спасибо говорили tavoitteista edificación \
            nacionalidades caminhando nazioni città kärleken bøkene ødelagt ølet";
        for (_, language) in crate::analyzer::all_languages() {
            let language = *language;
            let mut full = text_analyzer(language);
            for word in words.split_whitespace() {
                for term in crate::analyzer::terms(&mut full, word) {
                    let first = word.as_bytes()[0];
                    if first.is_ascii() && language.keeps_first_letter() {
                        assert_eq!(
                            term.as_bytes()[0],
                            first.to_ascii_lowercase(),
                            "{language}: {word} → {term}"
                        );
                    }
                }
            }
        }
    }
}
