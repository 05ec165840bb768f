//! Snippets as HTML: the text is escaped, and only the `<mark>` elements around the query's
//! words are markup. Built here, by hand, because tantivy's own `to_html` uses `<b>`; this is
//! the one place in Masthead that assembles HTML outside a template, so it is small and tested.

use std::ops::Range;

use tantivy::snippet::Snippet;

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

/// The snippet of a hit: the best fragment with its highlights or, when the quotable text has
/// none of the words (they were in the headline, or past a gated article's lead-in), the start
/// of the quotable text.
pub(crate) fn snippet_html(snippet: &Snippet, quotable: &str, max_chars: usize) -> String {
    if !snippet.highlighted().is_empty() {
        let range = snippet.fragment_range();
        let before = quotable.get(..range.start).unwrap_or_default();
        let after = quotable.get(range.end..).unwrap_or_default();
        let mut html = String::new();
        if before.chars().any(char::is_alphanumeric) {
            html.push('…');
        }
        html.push_str(&highlight_html(snippet.fragment(), snippet.highlighted()));
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

    #[test]
    fn snippets_keep_the_last_full_stop_and_mark_cuts() {
        use tantivy::{
            Index,
            query::TermQuery,
            schema::{IndexRecordOption, STORED, Schema, TEXT},
            snippet::SnippetGenerator,
        };
        let mut b = Schema::builder();
        let body = b.add_text_field("body", TEXT | STORED);
        let index = Index::create_in_ram(b.build());
        let mut w: tantivy::IndexWriter = index.writer(15_000_000).unwrap();
        w.add_document(tantivy::doc!(body => "tram")).unwrap();
        w.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let q = TermQuery::new(
            tantivy::Term::from_field_text(body, "tram"),
            IndexRecordOption::Basic,
        );
        let mut g = SnippetGenerator::create(&searcher, &q, body).unwrap();
        let short = "The night tram runs late.";
        assert_eq!(
            snippet_html(&g.snippet(short), short, 200),
            "The night <mark>tram</mark> runs late."
        );
        g.set_max_num_chars(20);
        let long = "Long ago and far away, in a city by the sea, the night tram ran late every single evening.";
        let html = snippet_html(&g.snippet(long), long, 20);
        assert!(html.starts_with('…') && html.ends_with('…'), "{html}");
        assert!(html.contains("<mark>tram</mark>"), "{html}");
        // No highlight in the quotable text: its start, cut at a word.
        let none = "Nothing to see in this lead-in, which goes on for a while.";
        let html = snippet_html(&g.snippet(none), none, 20);
        assert_eq!(html, "Nothing to see in…");
    }
}
