use super::*;

#[test]
fn words_phrases_and_noise() {
    let q = ParsedQuery::parse(r#"Harbour "crane LIFTS" title:(x) AND -y +z"#).unwrap();
    assert_eq!(q.display(), r#"harbour "crane lifts" title x and y z"#);
    // An unclosed quote runs to the end; a one-word phrase is a word.
    let q = ParsedQuery::parse(r#"tram "night service"#).unwrap();
    assert_eq!(q.display(), r#"tram "night service""#);
    assert_eq!(ParsedQuery::parse(r#""tram""#).unwrap().display(), "tram");
}

#[test]
fn a_query_shown_back_parses_to_itself() {
    // Found by the search_query fuzz target: "\u{a0}İ" was shown as "i\u{307}", which
    // parsed again to "i".
    for text in [
        "\u{a0}\u{130}",
        "\u{130}stanbul",
        "cafe\u{301} au lait",
        "\"i\u{307} x\"",
    ] {
        let shown = ParsedQuery::parse(text).unwrap().display();
        assert_eq!(
            ParsedQuery::parse(&shown).unwrap().display(),
            shown,
            "{text:?}"
        );
    }
    assert_eq!(ParsedQuery::parse("\u{130}stanbul").unwrap().parts.len(), 1);
    assert_eq!(
        ParsedQuery::parse("cafe\u{301}").unwrap().display(),
        "cafe\u{301}"
    );
}

#[test]
fn bad_queries_say_what_to_do() {
    for bad in [
        "",
        "   ",
        "?!*",
        "\u{0}\u{1}bin",
        "bad\u{FFFD}",
        &"x".repeat(1025),
    ] {
        match ParsedQuery::parse(bad) {
            Err(SearchError::BadQuery(msg)) => assert!(!msg.is_empty()),
            other => panic!("{bad:?} gave {other:?}"),
        }
    }
    assert!(ParsedQuery::parse(&"word ".repeat(200)).is_ok());
    // The words of a phrase count too: a 1 KB phrase is not 200 words to match.
    let long_phrase = format!("\"{}\"", "abcd ".repeat(200));
    let q = ParsedQuery::parse(&long_phrase).unwrap();
    let words: usize = q
        .parts
        .iter()
        .map(|p| match p {
            Part::Word(_) => 1,
            Part::Phrase(ws) => ws.len(),
        })
        .sum();
    assert_eq!(words, MAX_PARTS);
    let phrase = format!("\"{}\"", "abcd ".repeat(100));
    let q = ParsedQuery::parse(&format!("{} {phrase}", "tram ".repeat(23))).unwrap();
    assert_eq!(
        q.parts.len(),
        MAX_PARTS,
        "23 words and one left for the phrase"
    );
    assert!(matches!(q.parts.last(), Some(Part::Word(_))));
    assert_eq!(
        ParsedQuery::parse(&"word ".repeat(200))
            .unwrap()
            .parts
            .len(),
        MAX_PARTS
    );
}

#[test]
fn a_deep_page_reserves_nothing_up_front() {
    use tantivy::schema::{FAST, Schema};
    let mut schema = Schema::builder();
    let published = schema.add_i64_field("published", FAST);
    let index = Index::create_in_ram(schema.build());
    let mut writer = index.writer_with_num_threads(1, 15_000_000).unwrap();
    writer
        .add_document(tantivy::doc!(published => 1i64))
        .unwrap();
    writer.commit().unwrap();
    let searcher = index.reader().unwrap().searcher();
    let segment = &searcher.segment_readers()[0];
    // page=100000: a million hits kept, before the page number is clamped to the last.
    let collector = Ranked { keep: 100_000 * 10 };
    let child = collector.for_segment(0, segment).unwrap();
    assert!(child.kept.capacity() < 1_000, "{}", child.kept.capacity());
}
