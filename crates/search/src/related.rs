//! "Read more": articles like a given one, by its body and tags. Only published articles are in
//! the index, so unpublished ones never appear; the article itself is excluded.

use tantivy::{
    Term,
    collector::TopDocs,
    query::{BooleanQuery, MoreLikeThisQuery, Occur, Query, TermQuery},
    schema::{IndexRecordOption, OwnedValue},
};

use crate::{Hit, Result, SearchIndex, query::stored_hit};

impl SearchIndex {
    /// Up to `limit` articles most like the one with `id`, whose body and tags are given (the
    /// caller has them; the index does not store whole bodies).
    pub fn related(
        &self,
        id: &str,
        body_text: &str,
        tags: &[String],
        limit: usize,
    ) -> Result<Vec<Hit>> {
        let (searcher, _) = self.searcher();
        let f = self.fields();
        let mut fields = vec![(f.text, vec![OwnedValue::Str(body_text.to_owned())])];
        if !tags.is_empty() {
            fields.push((
                f.tags,
                tags.iter().map(|t| OwnedValue::Str(t.clone())).collect(),
            ));
        }
        let like = MoreLikeThisQuery::builder()
            // A word found in no other article cannot relate this one to anything.
            .with_min_doc_frequency(2)
            // Tantivy weighs a word by a document frequency that counts replaced versions not
            // yet merged away, against the live documents, and panics when the first exceeds the
            // second (tantivy 0.27, `bm25::idf`). A word in more documents than are live is
            // in (nearly) every article: it relates nothing, so leaving it out costs nothing.
            .with_max_doc_frequency(searcher.num_docs())
            .with_min_term_frequency(1)
            .with_max_query_terms(30)
            .with_min_word_length(3)
            .with_document_fields(fields);
        let not_itself: Box<dyn Query> = Box::new(TermQuery::new(
            Term::from_field_text(f.id, id),
            IndexRecordOption::Basic,
        ));
        let query = BooleanQuery::new(vec![
            (Occur::Must, Box::new(like) as Box<dyn Query>),
            (Occur::MustNot, not_itself),
        ]);
        let docs = searcher.search(&query, &TopDocs::with_limit(limit).order_by_score())?;
        docs.into_iter()
            .map(|(_, addr)| Ok(stored_hit(&f, &searcher.doc(addr)?)))
            .collect()
    }
}
