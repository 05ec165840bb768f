//! The feeds' two formats written out: RSS 2.0 (with the Atom `self` and, when set, `hub`
//! links, Dublin Core creators and Media RSS) and Atom 1.0, from the entries `feed.rs` builds.

use super::{AppState, Entry, Subject, XmlWriter};

pub(super) fn rfc822(ms: i64) -> String {
    let secs = u64::try_from(ms / 1000).unwrap_or(0);
    httpdate::fmt_http_date(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs))
}

pub(super) fn rfc3339(ms: i64) -> String {
    masthead_store::from_ms(ms)
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

const GENERATOR: &str = "Masthead";

pub(super) fn rss(
    base: &str,
    s: &Subject,
    self_path: &str,
    hub: Option<&str>,
    entries: &[Entry],
) -> String {
    let mut w = XmlWriter::new();
    w.open(
        "rss",
        &[
            ("version", "2.0"),
            ("xmlns:atom", "http://www.w3.org/2005/Atom"),
            ("xmlns:content", "http://purl.org/rss/1.0/modules/content/"),
            ("xmlns:dc", "http://purl.org/dc/elements/1.1/"),
            ("xmlns:media", "http://search.yahoo.com/mrss/"),
        ],
    );
    w.open("channel", &[]);
    w.text("title", &[], &s.title);
    w.text("link", &[], &format!("{base}{}", s.page_path));
    w.text("description", &[], &s.description);
    w.text("language", &[], "en");
    w.text("generator", &[], GENERATOR);
    let self_url = format!("{base}{self_path}");
    w.empty(
        "atom:link",
        &[
            ("href", &self_url),
            ("rel", "self"),
            ("type", "application/rss+xml"),
        ],
    );
    if let Some(hub) = hub {
        w.empty("atom:link", &[("href", hub), ("rel", "hub")]);
    }
    if let Some(newest) = entries.iter().map(|e| e.published.max(e.updated)).max() {
        w.text("lastBuildDate", &[], &rfc822(newest));
        w.text("pubDate", &[], &rfc822(newest));
    }
    for e in entries {
        w.open("item", &[]);
        w.text("title", &[], &e.title);
        w.text("link", &[], &e.url);
        w.text("guid", &[("isPermaLink", "false")], &e.id);
        w.text("pubDate", &[], &rfc822(e.published));
        if e.updated > e.published {
            w.text("atom:updated", &[], &rfc3339(e.updated));
        }
        for (name, _) in &e.authors {
            w.text("dc:creator", &[], name);
        }
        for (_, label, scheme) in &e.categories {
            w.text("category", &[("domain", scheme)], label);
        }
        w.text("description", &[], &e.summary);
        w.text("content:encoded", &[], &e.content_html);
        if let Some(p) = &e.photo {
            let length = p.length.to_string();
            w.empty(
                "enclosure",
                &[("url", &p.url), ("length", &length), ("type", p.mime)],
            );
            let (width, height) = (p.width.to_string(), p.height.to_string());
            w.open(
                "media:content",
                &[
                    ("url", &p.url),
                    ("type", p.mime),
                    ("medium", "image"),
                    ("width", &width),
                    ("height", &height),
                ],
            );
            if !p.alt.is_empty() {
                w.text("media:description", &[("type", "plain")], &p.alt);
            }
            if !p.credit.is_empty() {
                w.text("media:credit", &[], &p.credit);
            }
            w.close();
        }
        w.close();
    }
    w.finish()
}

pub(super) fn atom(
    app: &AppState,
    base: &str,
    s: &Subject,
    self_path: &str,
    entries: &[Entry],
) -> String {
    let mut w = XmlWriter::new();
    w.open(
        "feed",
        &[
            ("xmlns", "http://www.w3.org/2005/Atom"),
            ("xmlns:media", "http://search.yahoo.com/mrss/"),
            ("xml:lang", "en"),
        ],
    );
    let self_url = format!("{base}{self_path}");
    w.text("id", &[], &self_url);
    w.text("title", &[], &s.title);
    w.text("subtitle", &[], &s.description);
    let newest = entries
        .iter()
        .map(|e| e.published.max(e.updated))
        .max()
        .unwrap_or(0);
    w.text("updated", &[], &rfc3339(newest));
    w.empty(
        "link",
        &[
            ("rel", "alternate"),
            ("type", "text/html"),
            ("href", &format!("{base}{}", s.page_path)),
        ],
    );
    w.empty(
        "link",
        &[
            ("rel", "self"),
            ("type", "application/atom+xml"),
            ("href", &self_url),
        ],
    );
    if let Some(hub) = app.config.feeds.websub_hub.as_deref() {
        w.empty("link", &[("rel", "hub"), ("href", hub)]);
    }
    w.open("author", &[]);
    w.text("name", &[], &app.config.site_name);
    w.text("uri", &[], &format!("{base}/"));
    w.close();
    w.text("generator", &[], GENERATOR);
    w.text(
        "icon",
        &[],
        &format!("{base}{}", crate::feeds::icons::FAVICON_PNG),
    );
    w.text(
        "logo",
        &[],
        &format!("{base}{}", crate::feeds::icons::LOGO_PNG),
    );
    for e in entries {
        w.open("entry", &[]);
        w.text("id", &[], &e.id);
        w.text("title", &[("type", "text")], &e.title);
        w.empty(
            "link",
            &[
                ("rel", "alternate"),
                ("type", "text/html"),
                ("href", &e.url),
            ],
        );
        w.text("published", &[], &rfc3339(e.published));
        w.text("updated", &[], &rfc3339(e.updated));
        for (name, uri) in &e.authors {
            w.open("author", &[]);
            w.text("name", &[], name);
            w.text("uri", &[], uri);
            w.close();
        }
        for (term, label, scheme) in &e.categories {
            w.empty(
                "category",
                &[("term", term), ("label", label), ("scheme", scheme)],
            );
        }
        if !e.summary.is_empty() {
            w.text("summary", &[("type", "text")], &e.summary);
        }
        w.text("content", &[("type", "html")], &e.content_html);
        if let Some(p) = &e.photo {
            let length = p.length.to_string();
            w.empty(
                "link",
                &[
                    ("rel", "enclosure"),
                    ("type", p.mime),
                    ("length", &length),
                    ("href", &p.url),
                ],
            );
            let (width, height) = (p.width.to_string(), p.height.to_string());
            w.empty(
                "media:content",
                &[
                    ("url", &p.url),
                    ("type", p.mime),
                    ("medium", "image"),
                    ("width", &width),
                    ("height", &height),
                ],
            );
        }
        w.close();
    }
    w.finish()
}
