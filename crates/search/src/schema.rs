//! The index schema. Only what results show is stored; the body is indexed (with positions, for
//! phrase queries) but stored only as far as it may be quoted (see the crate docs on the wall).
//!
//! Matching runs on one field, `text`, which holds every searchable word of an article
//! (headline, standfirst, tags, author names and body): a word costs one posting list to find,
//! not one per field, which is what keeps queries made of common words fast over a large
//! archive (a three-word query over five fields used to score the union of fifteen lists for
//! each of tens of thousands of articles). The headline, standfirst and tags are indexed again
//! on their own only to add to the score of articles that have the words there.
//!
//! `text` and `words` hold only what a reader who is not signed in may read: for a
//! registered-only article (walled for every such reader) its headline, standfirst, tags,
//! authors and free lead-in. The whole body of those articles is indexed again in
//! `text_gated` and `words_gated`, which only searches for signed-in readers consult. So a
//! signed-out search cannot find, count or spell-correct a word that only the wall hides, and
//! costs nothing more than before; a signed-in search adds two small fields (registered-only
//! articles are few).

use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

use crate::analyzer::{TEXT_ANALYZER, WORDS_ANALYZER};

#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// The article's ID (exact; updates and deletes go by it).
    pub id: Field,
    pub url: Field,
    /// Stored, and indexed with positions (for boosting phrases found in the headline).
    pub headline: Field,
    /// Stored, and indexed with frequencies (for boosting).
    pub standfirst: Field,
    /// Every searchable word (headline, standfirst, tags, authors, body), with positions:
    /// indexed, not stored. Queries match here.
    pub text: Field,
    /// The whole body of registered-only articles (see the module docs), with positions.
    pub text_gated: Field,
    /// Stored, not indexed: the body text results may quote.
    pub quotable: Field,
    /// Section slug (exact, for filters) and name (shown).
    pub section: Field,
    pub section_name: Field,
    /// Author slugs (exact, for filters) and names (shown; searched through `text`).
    pub author: Field,
    pub author_name: Field,
    /// Stored, and indexed with frequencies (for boosting).
    pub tags: Field,
    /// ms since the Unix epoch: a fast field for sorting and date ranges.
    pub published: Field,
    /// The article's `updated_at` (ms) when indexed.
    pub updated: Field,
    /// Unstemmed words of headline, standfirst and body (as far as `text` has it), for
    /// spelling suggestions only.
    pub words: Field,
    /// Unstemmed words of the whole body of registered-only articles.
    pub words_gated: Field,
}

impl Fields {
    pub fn build() -> (Schema, Fields) {
        let mut b = Schema::builder();
        let analyzed = |record| {
            TextFieldIndexing::default()
                .set_tokenizer(TEXT_ANALYZER)
                .set_index_option(record)
        };
        let with_positions = TextOptions::default()
            .set_indexing_options(analyzed(IndexRecordOption::WithFreqsAndPositions));
        let with_freqs = TextOptions::default()
            .set_indexing_options(analyzed(IndexRecordOption::WithFreqs))
            .set_stored();
        let words = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(WORDS_ANALYZER)
                .set_index_option(IndexRecordOption::Basic),
        );
        let fields = Fields {
            id: b.add_text_field("id", STRING | STORED),
            url: b.add_text_field("url", STORED),
            headline: b.add_text_field("headline", with_positions.clone().set_stored()),
            standfirst: b.add_text_field("standfirst", with_freqs.clone()),
            text: b.add_text_field("text", with_positions.clone()),
            text_gated: b.add_text_field("text_gated", with_positions),
            quotable: b.add_text_field("quotable", STORED),
            section: b.add_text_field("section", STRING | STORED),
            section_name: b.add_text_field("section_name", STORED),
            author: b.add_text_field("author", STRING | STORED),
            author_name: b.add_text_field("author_name", STORED),
            tags: b.add_text_field("tags", with_freqs),
            published: b.add_i64_field("published", INDEXED | FAST | STORED),
            updated: b.add_i64_field("updated", STORED),
            words: b.add_text_field("words", words.clone()),
            words_gated: b.add_text_field("words_gated", words),
        };
        (b.build(), fields)
    }
}
