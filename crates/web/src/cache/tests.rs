use super::*;

fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.insert(*k, HeaderValue::from_str(v).unwrap());
    }
    h
}

#[test]
fn encoding_negotiation() {
    assert_eq!(preferred_encoding(&headers(&[])), Encoding::Identity);
    assert_eq!(
        preferred_encoding(&headers(&[("accept-encoding", "gzip, deflate, br")])),
        Encoding::Brotli
    );
    assert_eq!(
        preferred_encoding(&headers(&[("accept-encoding", "gzip")])),
        Encoding::Gzip
    );
    assert_eq!(
        preferred_encoding(&headers(&[("accept-encoding", "br;q=0, gzip;q=0.5")])),
        Encoding::Gzip
    );
    assert_eq!(
        preferred_encoding(&headers(&[("accept-encoding", "identity")])),
        Encoding::Identity
    );
    assert_eq!(
        preferred_encoding(&headers(&[("accept-encoding", "*")])),
        Encoding::Brotli
    );
}

#[test]
fn conditional_requests() {
    let page = CachedPage::new("<p>hi</p>".into(), 1_700_000_000_000, 0, "/".into());
    let etag = page.etag.to_str().unwrap().to_owned();
    assert_eq!(
        page.respond(&headers(&[("if-none-match", &etag)])).status(),
        StatusCode::NOT_MODIFIED
    );
    let strong = etag.trim_start_matches("W/").to_owned();
    assert_eq!(
        page.respond(&headers(&[("if-none-match", &strong)]))
            .status(),
        StatusCode::NOT_MODIFIED
    );
    assert_eq!(
        page.respond(&headers(&[("if-none-match", "\"other\"")]))
            .status(),
        StatusCode::OK
    );
    let lm = page.last_modified.to_str().unwrap().to_owned();
    assert_eq!(
        page.respond(&headers(&[("if-modified-since", &lm)]))
            .status(),
        StatusCode::NOT_MODIFIED
    );
    let older = "Mon, 01 Jan 2001 00:00:00 GMT";
    assert_eq!(
        page.respond(&headers(&[("if-modified-since", older)]))
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        page.respond(&headers(&[("if-modified-since", "garbage")]))
            .status(),
        StatusCode::OK
    );
    // A date after the server's clock is no validator: the page, not a 304.
    let future = "Fri, 01 Jan 2100 00:00:00 GMT";
    assert_eq!(
        page.respond(&headers(&[("if-modified-since", future)]))
            .status(),
        StatusCode::OK
    );
}

#[test]
fn pages_are_html_unless_they_say_otherwise() {
    let html = CachedPage::new("<p>hi</p>".into(), 0, 0, "/".into());
    let type_of = |p: &CachedPage| {
        p.respond(&headers(&[("accept-encoding", "gzip")]))
            .headers()
            .get(header::CONTENT_TYPE)
            .cloned()
    };
    assert_eq!(type_of(&html).unwrap(), "text/html; charset=utf-8");
    let feed = CachedPage::new("<rss/>".into(), 0, 0, "/feed.xml".into())
        .with_content_type("application/rss+xml; charset=utf-8");
    assert_eq!(
        type_of(&feed).unwrap(),
        "application/rss+xml; charset=utf-8"
    );
}

#[test]
fn compressed_bodies_round_trip() {
    use std::io::Read;
    let html = "<p>".to_string() + &"The harbour at dusk. ".repeat(500) + "</p>";
    let gz = gzip(html.as_bytes());
    let mut out = String::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_string(&mut out)
        .unwrap();
    assert_eq!(out, html);
    let br = brotli(html.as_bytes());
    let mut out = Vec::new();
    brotli::BrotliDecompress(&mut &br[..], &mut out).unwrap();
    assert_eq!(out, html.as_bytes());
    assert!(br.len() < html.len() / 10);
}

#[tokio::test]
async fn a_new_epoch_drops_pages_and_stale_renders_are_not_served() {
    let cache = PageCache::new(1 << 20);
    cache.observe_epoch(1);
    let render = |body: &str, epoch| {
        let page = CachedPage::new(body.into(), 0, epoch, "/".into());
        async move { Ok::<_, ()>(Some(page)) }
    };
    let p = cache
        .get_or_render("k", render("one", 1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.body, "one");
    let p = cache
        .get_or_render("k", render("two", 1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.body, "one", "served from the cache");
    cache.observe_epoch(2);
    assert!(cache.is_empty());
    // A page rendered under the old epoch (a race) is replaced on the next request.
    let p = cache
        .get_or_render("k", render("stale", 1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.body, "stale");
    let p = cache
        .get_or_render("k", render("fresh", 2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.body, "fresh");
    let none = cache
        .get_or_render("missing", async { Ok::<_, ()>(None) })
        .await
        .unwrap();
    assert!(none.is_none());
}

#[tokio::test]
async fn the_large_page_cache_keeps_a_page_bigger_than_a_general_shard() {
    let big = "x".repeat(10 * 1024 * 1024);
    for (cache, kept) in [
        (PageCache::for_large_pages(64 * 1024 * 1024), true),
        (PageCache::new(64 * 1024 * 1024), false),
    ] {
        cache.observe_epoch(1);
        let mut renders = 0;
        for _ in 0..2 {
            let page = cache
                .get_or_render("big", async {
                    renders += 1;
                    Ok::<_, ()>(Some(CachedPage::new(big.clone(), 0, 1, "/big".into())))
                })
                .await
                .unwrap();
            assert!(page.is_some());
        }
        assert_eq!(renders == 1, kept, "rendered {renders} times");
    }
}
