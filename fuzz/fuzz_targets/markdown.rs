//! Markdown bodies to HTML: no panic, and nothing executable survives (the output has been
//! through ammonia; this checks that the pipeline keeps it so). The lead-in cut the wall and
//! search use must take a prefix of the HTML.
#![no_main]

use libfuzzer_sys::fuzz_target;
use masthead_core::markdown::{InlinePhoto, lead_in_text, render_body, split_lead_in};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let photo = |name: &str| {
        (name == "known").then(|| InlinePhoto {
            url: "/media/ab/ab.png".into(),
            alt: "alt <b>".into(),
            caption: "caption & co".into(),
            credit: "credit".into(),
            width: 64,
            height: 40,
        })
    };
    let body = render_body(text, photo);
    // Text is escaped, so every `<` opens a tag; look inside tags only. Attribute values are
    // double-quoted (a `"` inside one is `&quot;`): even pieces are outside quotes.
    for tag in body.html.to_ascii_lowercase().split('<').skip(1) {
        let inside = tag.split('>').next().unwrap_or_default();
        let name: String = inside
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        assert!(
            ![
                "script", "iframe", "style", "object", "embed", "form", "input"
            ]
            .contains(&name.as_str()),
            "<{name}> in {}",
            body.html
        );
        let pieces: Vec<&str> = inside.split('"').collect();
        for (i, piece) in pieces.iter().enumerate().step_by(2) {
            for attr in piece.split_whitespace().skip(usize::from(i == 0)) {
                assert!(!attr.starts_with("on"), "{attr} in {}", body.html);
                if attr.ends_with("href=") || attr.ends_with("src=") {
                    let value = pieces.get(i + 1).copied().unwrap_or_default();
                    assert!(
                        !value.trim().starts_with("javascript:"),
                        "{value} in {}",
                        body.html
                    );
                }
            }
        }
    }
    for n in 0..4 {
        let (lead, rest) = split_lead_in(&body.html, n);
        assert_eq!(format!("{lead}{rest}"), body.html);
        let _ = lead_in_text(&body.html, n);
    }
});
