//! Where a reader goes back to after signing in: a path on this site, never another origin.
//!
//! The value comes from the reader (a query parameter, a hidden form field) and ends up in a
//! `Location` header, so it is an open-redirect vector unless it is a same-origin path *as a
//! browser reads it*. Browsers are lenient in ways a naive check misses (WHATWG URL parsing):
//! they drop tabs and newlines anywhere (`/\t/evil.example` is `//evil.example`), read `\` as
//! `/` in http(s) URLs (`/\evil.example`), and a proxy or framework in between may
//! percent-decode once more (`/%2F/evil.example`). Rather than copy each normalisation, the
//! rule refuses everything they act on:
//!
//! - no control character (C0, DEL, C1) and no backslash, in the value or in any
//!   percent-decoding of it;
//! - the value and every decoding of it start with exactly one `/`;
//! - what is returned is plain visible ASCII (anything else percent-encoded), so it is a valid
//!   header value and a browser has nothing left to reinterpret.
//!
//! Anything else is refused (`None`); the caller falls back to the front page.

use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};

/// Longer paths are refused: nothing on the site needs more, and the value is stored with the
/// sign-in request.
pub const MAX_LEN: usize = 512;

/// How many layers of percent-encoding are looked through. A path still encoded after that is
/// refused rather than guessed at: no link of ours is encoded more than once.
const MAX_DECODINGS: usize = 3;

/// Characters a path may not carry raw in a `Location` header or a URL: controls (refused
/// before we get here anyway), space, and those RFC 3986 leaves out of paths. `%` is kept as
/// it is: it already begins an escape, and encoding it again would change the path.
const ENCODE: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'|')
    .add(b'^');

/// `input` as a same-origin path safe to redirect to, or `None`.
pub fn same_origin_path(input: &str) -> Option<String> {
    let path = input.trim();
    if path.len() > MAX_LEN || !is_plain_path(path) {
        return None;
    }
    let mut layer = path.to_owned();
    for _ in 0..MAX_DECODINGS {
        let decoded = percent_decode_str(&layer).decode_utf8_lossy().into_owned();
        if decoded == layer {
            return Some(utf8_percent_encode(path, ENCODE).to_string());
        }
        if !is_plain_path(&decoded) {
            return None;
        }
        layer = decoded;
    }
    None
}

/// Starts with exactly one slash and holds nothing a browser rewrites.
fn is_plain_path(s: &str) -> bool {
    s.starts_with('/')
        && !s[1..].starts_with('/')
        && !s.chars().any(|c| c.is_control() || c == '\\')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_on_the_site_are_kept() {
        for ok in [
            "/",
            "/city/story",
            "/search?q=harbour+crane&page=2",
            "/city/story#comments",
            "/100%25-sure",
            "/tag/port-works",
        ] {
            assert_eq!(same_origin_path(ok).as_deref(), Some(ok), "{ok}");
        }
        assert_eq!(
            same_origin_path("  /city/story ").as_deref(),
            Some("/city/story")
        );
    }

    #[test]
    fn other_origins_are_refused() {
        for bad in [
            "",
            "city/story",
            "//evil.example",
            "///evil.example",
            "/\\evil.example",
            "\\/evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r/evil.example",
            "/%09/evil.example",
            "/%2F/evil.example",
            "/%2f/evil.example",
            "/%5Cevil.example",
            "/%252F/evil.example",
            "/%25252F/evil.example",
            "/a\r\nSet-Cookie: x",
            "/a%0d%0aSet-Cookie:%20x",
            "/\u{7f}/evil.example",
            "/\u{85}x",
            "https://evil.example",
            "javascript:alert(1)",
        ] {
            assert_eq!(same_origin_path(bad), None, "{bad:?}");
        }
        assert_eq!(same_origin_path(&format!("/{}", "a".repeat(MAX_LEN))), None);
    }

    #[test]
    fn what_browsers_would_reinterpret_is_encoded() {
        assert_eq!(
            same_origin_path("/café?q=a b\"<x>").as_deref(),
            Some("/caf%C3%A9?q=a%20b%22%3Cx%3E")
        );
        // Fullwidth solidus: only the host part of a URL is IDNA-mapped, but encode it anyway.
        assert_eq!(
            same_origin_path("/\u{ff0f}evil.example").as_deref(),
            Some("/%EF%BC%8Fevil.example")
        );
    }

    mod properties {
        use proptest::prelude::*;

        use super::super::*;

        const SITE: &str = "https://news.example/section/page";

        /// Where a browser goes with this `Location`, by the WHATWG URL parser (the `url`
        /// crate): tabs and newlines removed, `\` read as `/`, dot segments resolved.
        fn browser_origin(location: &str) -> Option<String> {
            let base = url::Url::parse(SITE).unwrap();
            base.join(location)
                .ok()
                .map(|u| u.origin().ascii_serialization())
        }

        /// Strings built from what open redirects are made of, plus anything at all.
        fn tricky() -> impl Strategy<Value = String> {
            let piece = prop_oneof![
                Just("/".to_owned()),
                Just("\\".to_owned()),
                Just("\t".to_owned()),
                Just("\n".to_owned()),
                Just("\r".to_owned()),
                Just("%".to_owned()),
                Just("%2F".to_owned()),
                Just("%2f".to_owned()),
                Just("%5C".to_owned()),
                Just("%09".to_owned()),
                Just("%25".to_owned()),
                Just("%0a".to_owned()),
                Just(":".to_owned()),
                Just("@".to_owned()),
                Just(".".to_owned()),
                Just("evil.example".to_owned()),
                Just("https:".to_owned()),
                Just(" ".to_owned()),
                Just("\u{ff0f}".to_owned()),
                Just("\u{2044}".to_owned()),
                Just("\u{85}".to_owned()),
                "[a-z0-9?#=&]{1,4}",
                any::<char>().prop_map(String::from),
            ];
            prop::collection::vec(piece, 0..12).prop_map(|v| v.concat())
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(20_000))]

            #[test]
            fn an_accepted_path_stays_on_the_site(input in tricky()) {
                if let Some(path) = same_origin_path(&input) {
                    prop_assert!(path.bytes().all(|b| b.is_ascii_graphic()), "{path:?}");
                    prop_assert!(axum_like_header_ok(&path));
                    let own = browser_origin("/").unwrap();
                    prop_assert_eq!(browser_origin(&path), Some(own.clone()), "{:?}", path);
                    // A proxy that decodes once more (or twice) must not see another origin.
                    let mut layer = path.clone();
                    for _ in 0..3 {
                        layer = percent_decode_str(&layer).decode_utf8_lossy().into_owned();
                        prop_assert_eq!(browser_origin(&layer), Some(own.clone()), "{:?}", layer);
                    }
                }
            }

            #[test]
            fn plain_paths_are_kept_as_they_are(path in "/[a-z0-9][a-z0-9/_.-]{0,60}(\\?[a-z0-9=&+]{0,20})?") {
                prop_assert_eq!(same_origin_path(&path), Some(path.clone()));
            }
        }

        /// Visible ASCII only: what `http::HeaderValue` accepts without complaint.
        fn axum_like_header_ok(s: &str) -> bool {
            s.bytes().all(|b| (0x20..0x7f).contains(&b))
        }
    }
}
