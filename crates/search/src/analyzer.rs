//! The analyzers: how text becomes terms. Articles and queries go through the same one.
//!
//! - `masthead_text` (headline, standfirst, body, tags, authors): words split on anything that
//!   is not a letter or digit, over-long tokens dropped, lower-cased, accents folded ("café" and
//!   "cafe" match), the language's stop words dropped, then stemmed ("harbours" matches
//!   "harbour").
//! - `masthead_words` (the spelling field): the same without stop words and stemming, so that
//!   "did you mean" offers words people write.

use std::{fmt, str::FromStr};

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    StopWordFilter, TextAnalyzer, TokenizerManager,
};

pub const TEXT_ANALYZER: &str = "masthead_text";
pub const WORDS_ANALYZER: &str = "masthead_words";

/// The language of a publication's articles: it chooses the stemmer and stop words. `None`
/// only lower-cases and folds accents (for languages without a stemmer here).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchLanguage {
    Danish,
    Dutch,
    English,
    Finnish,
    French,
    German,
    Hungarian,
    Italian,
    Norwegian,
    Portuguese,
    Romanian,
    Russian,
    Spanish,
    Swedish,
    Turkish,
    None,
}

const NAMES: &[(&str, SearchLanguage)] = &[
    ("danish", SearchLanguage::Danish),
    ("dutch", SearchLanguage::Dutch),
    ("english", SearchLanguage::English),
    ("finnish", SearchLanguage::Finnish),
    ("french", SearchLanguage::French),
    ("german", SearchLanguage::German),
    ("hungarian", SearchLanguage::Hungarian),
    ("italian", SearchLanguage::Italian),
    ("norwegian", SearchLanguage::Norwegian),
    ("portuguese", SearchLanguage::Portuguese),
    ("romanian", SearchLanguage::Romanian),
    ("russian", SearchLanguage::Russian),
    ("spanish", SearchLanguage::Spanish),
    ("swedish", SearchLanguage::Swedish),
    ("turkish", SearchLanguage::Turkish),
    ("none", SearchLanguage::None),
];

/// Every language, with its name.
#[cfg(test)]
pub(crate) fn all_languages() -> &'static [(&'static str, SearchLanguage)] {
    NAMES
}

impl SearchLanguage {
    /// Whether every word analyzes to a term that starts with the word's own first letter
    /// (lower-cased): true of every stemmer here but Dutch's, which strips the prefix "ge-".
    /// Snippets rely on it to skip words quickly (see `snippet::Highlighter`); a unit test
    /// checks it over a word list.
    pub fn keeps_first_letter(self) -> bool {
        !matches!(self, SearchLanguage::Dutch)
    }

    pub fn as_str(self) -> &'static str {
        NAMES
            .iter()
            .find(|(_, l)| *l == self)
            .map(|(n, _)| *n)
            .unwrap_or("none")
    }

    fn tantivy(self) -> Option<Language> {
        Some(match self {
            SearchLanguage::Danish => Language::Danish,
            SearchLanguage::Dutch => Language::Dutch,
            SearchLanguage::English => Language::English,
            SearchLanguage::Finnish => Language::Finnish,
            SearchLanguage::French => Language::French,
            SearchLanguage::German => Language::German,
            SearchLanguage::Hungarian => Language::Hungarian,
            SearchLanguage::Italian => Language::Italian,
            SearchLanguage::Norwegian => Language::Norwegian,
            SearchLanguage::Portuguese => Language::Portuguese,
            SearchLanguage::Romanian => Language::Romanian,
            SearchLanguage::Russian => Language::Russian,
            SearchLanguage::Spanish => Language::Spanish,
            SearchLanguage::Swedish => Language::Swedish,
            SearchLanguage::Turkish => Language::Turkish,
            SearchLanguage::None => return None,
        })
    }
}

impl FromStr for SearchLanguage {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_lowercase();
        NAMES
            .iter()
            .find(|(n, _)| *n == s)
            .map(|(_, l)| *l)
            .ok_or_else(|| {
                let names: Vec<&str> = NAMES.iter().map(|(n, _)| *n).collect();
                format!(
                    "unknown search language “{s}”: use one of {}",
                    names.join(", ")
                )
            })
    }
}

impl fmt::Display for SearchLanguage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Tokens longer than this are noise (hashes, URLs run together) and are dropped.
const MAX_TOKEN_BYTES: usize = 40;

pub fn text_analyzer(language: SearchLanguage) -> TextAnalyzer {
    let mut builder = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .dynamic();
    if let Some(lang) = language.tantivy() {
        if let Some(stop) = StopWordFilter::new(lang) {
            builder = builder.filter_dynamic(stop);
        }
        builder = builder.filter_dynamic(Stemmer::new(lang));
    }
    builder.build()
}

pub fn words_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

pub fn register(tokenizers: &TokenizerManager, language: SearchLanguage) {
    tokenizers.register(TEXT_ANALYZER, text_analyzer(language));
    tokenizers.register(WORDS_ANALYZER, words_analyzer());
}

/// The terms `text` yields under `analyzer` (for tests and spelling).
pub fn terms(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while let Some(token) = stream.next() {
        out.push(token.text.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_stems_folds_accents_and_drops_stop_words() {
        let mut a = text_analyzer(SearchLanguage::English);
        assert_eq!(
            terms(&mut a, "The Harbours of Café-Society are RUNNING"),
            vec!["harbour", "cafe", "societi", "run"]
        );
    }

    #[test]
    fn none_only_folds_and_lowercases() {
        let mut a = text_analyzer(SearchLanguage::None);
        assert_eq!(
            terms(&mut a, "The Harbours Ärzte"),
            vec!["the", "harbours", "arzte"]
        );
    }

    #[test]
    fn french_uses_its_own_stemmer_and_stop_words() {
        let mut a = text_analyzer(SearchLanguage::French);
        assert_eq!(terms(&mut a, "les élections"), vec!["elect"]);
        assert_eq!(terms(&mut a, "election"), vec!["elect"]);
    }

    #[test]
    fn over_long_tokens_are_dropped() {
        let mut a = words_analyzer();
        let long = "x".repeat(60);
        assert_eq!(terms(&mut a, &format!("tram {long}")), vec!["tram"]);
    }

    #[test]
    fn languages_parse_with_a_helpful_error() {
        assert_eq!(
            " English ".parse::<SearchLanguage>().unwrap(),
            SearchLanguage::English
        );
        let err = "klingon".parse::<SearchLanguage>().unwrap_err();
        assert!(err.contains("english") && err.contains("none"), "{err}");
        for (name, lang) in NAMES {
            assert_eq!(lang.as_str(), *name);
        }
    }
}
