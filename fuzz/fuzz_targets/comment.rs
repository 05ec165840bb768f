//! Comment text to HTML: no panic; only the allowed tags come out, and links are http(s).
#![no_main]

use libfuzzer_sys::fuzz_target;
use masthead_core::comment::{CommentBody, parse_display_name};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = parse_display_name(text);
    let Ok(body) = CommentBody::parse(text) else {
        return;
    };
    // Text is escaped, so every `<` opens a tag; look inside tags only.
    for tag in body.html.to_ascii_lowercase().split('<').skip(1) {
        let inside = tag.split('>').next().unwrap_or_default();
        let name: String = inside
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        assert!(
            ["p", "br", "em", "strong", "a"].contains(&name.as_str()),
            "<{name}> in {}",
            body.html
        );
        // Attribute values are double-quoted: even pieces are outside quotes.
        let pieces: Vec<&str> = inside.split('"').collect();
        for (i, piece) in pieces.iter().enumerate().step_by(2) {
            for attr in piece.split_whitespace().skip(usize::from(i == 0)) {
                assert!(!attr.starts_with("on"), "{attr} in {}", body.html);
                if attr.ends_with("href=") {
                    let value = pieces.get(i + 1).copied().unwrap_or_default();
                    assert!(
                        value.starts_with("http://") || value.starts_with("https://"),
                        "{value} in {}",
                        body.html
                    );
                }
            }
        }
    }
});
