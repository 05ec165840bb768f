//! Spelling suggestions: a word found nowhere in the archive is replaced by the most frequent
//! word within one edit (two for long words).

use super::*;

/// Replaces each word that occurs nowhere in the archive by the most frequent indexed word at
/// one edit (or two, for longer words). `None` when nothing was replaced.
pub(super) fn correct_spelling(
    searcher: &Searcher,
    f: &Fields,
    q: &ParsedQuery,
    scope: Scope,
) -> Result<Option<ParsedQuery>> {
    // The words a reader may know of: a signed-out reader is neither told that a word exists
    // under the wall (no correction of it) nor led to one (no correction to it).
    let fields: &[tantivy::schema::Field] = match scope {
        Scope::Public => &[f.words],
        Scope::Everything => &[f.words, f.words_gated],
    };
    let mut changed = false;
    let mut fix = |word: &str| -> Result<String> {
        let Some(folded) = analyzer::terms(&mut words_analyzer(), word)
            .into_iter()
            .next()
        else {
            return Ok(word.to_owned());
        };
        if folded.chars().count() < 4 || folded.chars().all(|c| c.is_ascii_digit()) {
            return Ok(word.to_owned());
        }
        for field in fields {
            if searcher.doc_freq(&Term::from_field_text(*field, &folded))? > 0 {
                return Ok(word.to_owned());
            }
        }
        let max_distance = if folded.chars().count() >= 7 { 2 } else { 1 };
        for distance in 1..=max_distance {
            if let Some(best) = closest_term(searcher, fields, &folded, distance)? {
                changed = true;
                return Ok(best);
            }
        }
        Ok(word.to_owned())
    };
    let mut parts = Vec::with_capacity(q.parts.len());
    for part in &q.parts {
        parts.push(match part {
            Part::Word(w) => Part::Word(fix(w)?),
            Part::Phrase(ws) => Part::Phrase(ws.iter().map(|w| fix(w)).collect::<Result<_>>()?),
        });
    }
    Ok(changed.then_some(ParsedQuery { parts }))
}

fn closest_term(
    searcher: &Searcher,
    fields: &[tantivy::schema::Field],
    word: &str,
    distance: u8,
) -> Result<Option<String>> {
    // The automaton depends on the word and distance only, not on the field it was made for.
    let term = Term::from_field_text(fields[0], word);
    let automaton = FuzzyTermQuery::new(term, distance, true).automaton()?;
    let mut counts: std::collections::BTreeMap<Vec<u8>, u64> = Default::default();
    for (segment, field) in searcher
        .segment_readers()
        .iter()
        .flat_map(|s| fields.iter().map(move |f| (s, *f)))
    {
        let inverted = segment.inverted_index(field)?;
        let mut stream = inverted
            .terms()
            .search(&automaton)
            .into_stream()
            .map_err(|e| SearchError::Io {
                path: Default::default(),
                source: e,
            })?;
        while stream.advance() {
            *counts.entry(stream.key().to_vec()).or_default() += u64::from(stream.value().doc_freq);
        }
    }
    Ok(counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
        .and_then(|(k, _)| String::from_utf8(k).ok()))
}
