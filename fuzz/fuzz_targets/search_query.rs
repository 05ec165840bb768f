//! The search query parser: any text is a query or a sentence saying what is wrong; a parsed
//! query stays within its word budget and reads back as itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use masthead_search::ParsedQuery;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(q) = ParsedQuery::parse(text) else {
        return;
    };
    assert!(!q.parts.is_empty() && q.parts.len() <= 24);
    let shown = q.display();
    let again = ParsedQuery::parse(&shown).expect("a displayed query parses");
    assert_eq!(again.display(), shown);
});
