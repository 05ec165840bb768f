//! The index schema. Only what results show is stored; the body is indexed (with positions, for
//! phrase queries) but stored only as far as it may be quoted (see the crate docs on the wall).

use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

use crate::analyzer::{TEXT_ANALYZER, WORDS_ANALYZER};

#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// The article's ID (exact; updates and deletes go by it).
    pub id: Field,
    pub url: Field,
    pub headline: Field,
    pub standfirst: Field,
    /// Indexed, not stored.
    pub body: Field,
    /// Stored, not indexed: the body text results may quote.
    pub quotable: Field,
    /// Section slug (exact, for filters) and name (shown).
    pub section: Field,
    pub section_name: Field,
    /// Author slugs (exact, for filters) and names (searched and shown).
    pub author: Field,
    pub author_name: Field,
    pub tags: Field,
    /// ms since the Unix epoch: a fast field for sorting and date ranges.
    pub published: Field,
    /// The article's `updated_at` (ms) when indexed.
    pub updated: Field,
    /// Unstemmed words of headline, standfirst and body, for spelling suggestions only.
    pub words: Field,
}

impl Fields {
    pub fn build() -> (Schema, Fields) {
        let mut b = Schema::builder();
        let analyzed = |record| {
            TextFieldIndexing::default()
                .set_tokenizer(TEXT_ANALYZER)
                .set_index_option(record)
        };
        let text_stored = TextOptions::default()
            .set_indexing_options(analyzed(IndexRecordOption::WithFreqsAndPositions))
            .set_stored();
        let text = TextOptions::default()
            .set_indexing_options(analyzed(IndexRecordOption::WithFreqsAndPositions));
        let words = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(WORDS_ANALYZER)
                .set_index_option(IndexRecordOption::Basic),
        );
        let fields = Fields {
            id: b.add_text_field("id", STRING | STORED),
            url: b.add_text_field("url", STORED),
            headline: b.add_text_field("headline", text_stored.clone()),
            standfirst: b.add_text_field("standfirst", text_stored.clone()),
            body: b.add_text_field("body", text.clone()),
            quotable: b.add_text_field("quotable", STORED),
            section: b.add_text_field("section", STRING | STORED),
            section_name: b.add_text_field("section_name", STORED),
            author: b.add_text_field("author", STRING | STORED),
            author_name: b.add_text_field("author_name", text_stored.clone()),
            tags: b.add_text_field("tags", text_stored),
            published: b.add_i64_field("published", INDEXED | FAST | STORED),
            updated: b.add_i64_field("updated", STORED),
            words: b.add_text_field("words", words),
        };
        (b.build(), fields)
    }
}
