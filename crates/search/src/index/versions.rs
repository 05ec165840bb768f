//! The versions of many articles at once, for a catch-up ([`SearchIndex::indexed_versions`]).

use tantivy::{TantivyDocument, Term};

use crate::{Result, SearchIndex};

impl SearchIndex {
    /// [`Self::indexed_version`] of each of `ids`, from one searcher and without the query
    /// executor: a catch-up checks thousands at a time, and a query per id paid a hand-off to the
    /// search threads each.
    pub fn indexed_versions(&self, ids: &[&str]) -> Result<Vec<Option<i64>>> {
        use tantivy::{DocSet, TERMINATED, schema::Value};
        let (searcher, _) = self.searcher();
        let segments = searcher.segment_readers();
        let mut stores = Vec::with_capacity(segments.len());
        let mut inverted = Vec::with_capacity(segments.len());
        for segment in segments {
            stores.push(
                segment
                    .get_store_reader(8)
                    .map_err(tantivy::TantivyError::from)?,
            );
            inverted.push(segment.inverted_index(self.fields.id)?);
        }
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let term = Term::from_field_text(self.fields.id, id);
            let mut found = None;
            'segments: for (i, segment) in segments.iter().enumerate() {
                let Some(mut postings) = inverted[i]
                    .read_postings(&term, tantivy::schema::IndexRecordOption::Basic)
                    .map_err(tantivy::TantivyError::from)?
                else {
                    continue;
                };
                let mut doc = postings.doc();
                while doc != TERMINATED {
                    if segment
                        .alive_bitset()
                        .is_none_or(|alive| alive.is_alive(doc))
                    {
                        let stored: TantivyDocument = stores[i].get(doc)?;
                        found = stored
                            .get_first(self.fields.updated)
                            .and_then(|v| v.as_i64());
                        break 'segments;
                    }
                    doc = postings.advance();
                }
            }
            out.push(found);
        }
        Ok(out)
    }
}
