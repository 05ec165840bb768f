//! `return_to`: an accepted path, as a browser resolves it (the WHATWG parser of the `url`
//! crate), stays on the site, also after a proxy decodes it once or twice more.
#![no_main]

use libfuzzer_sys::fuzz_target;
use masthead_core::return_to::same_origin_path;
use percent_encoding::percent_decode_str;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Some(path) = same_origin_path(text) else {
        return;
    };
    assert!(path.bytes().all(|b| b.is_ascii_graphic()), "{path:?}");
    let base = url::Url::parse("https://news.example/a/b").unwrap();
    let mut layer = path.clone();
    for _ in 0..3 {
        let resolved = base.join(&layer).expect("a path resolves");
        assert_eq!(resolved.origin(), base.origin(), "{text:?} -> {layer:?}");
        layer = percent_decode_str(&layer).decode_utf8_lossy().into_owned();
    }
});
