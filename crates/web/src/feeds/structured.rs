//! Structured data besides the article's `NewsArticle` (`pages/json_ld.rs`): a
//! `BreadcrumbList` on section, tag, author and article pages (Home › Section › Article), and
//! on the front page the publication's `WebSite` with a `SearchAction` on `/search` and its
//! `NewsMediaOrganization` with the logo.

use serde_json::{Value, json};

use crate::views::SiteView;

fn base(site: &SiteView) -> &str {
    site.base_url.trim_end_matches('/')
}

/// `trail` is (name, path) from the top, the page itself last; Home comes first.
pub fn breadcrumbs(site: &SiteView, trail: &[(&str, &str)]) -> Value {
    let base = base(site);
    let items: Vec<Value> = std::iter::once(("Home", "/"))
        .chain(trail.iter().copied())
        .enumerate()
        .map(|(i, (name, path))| {
            json!({
                "@type": "ListItem",
                "position": i + 1,
                "name": name,
                "item": format!("{base}{path}"),
            })
        })
        .collect();
    json!({
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": items,
    })
}

/// The publisher, as `NewsArticle.publisher` and the front page name it.
pub fn publisher(site: &SiteView) -> Value {
    let base = base(site);
    json!({
        "@type": "NewsMediaOrganization",
        "name": site.name,
        "url": format!("{base}/"),
        "logo": {
            "@type": "ImageObject",
            "url": format!("{base}{}", super::LOGO_PNG),
            "width": 512,
            "height": 512,
        },
    })
}

/// The front page's `WebSite`, whose search box search engines may offer.
pub fn website(site: &SiteView) -> Value {
    let base = base(site);
    let mut publisher = publisher(site);
    publisher["@context"] = json!("https://schema.org");
    json!([
        {
            "@context": "https://schema.org",
            "@type": "WebSite",
            "name": site.name,
            "url": format!("{base}/"),
            "inLanguage": site.lang,
            "potentialAction": {
                "@type": "SearchAction",
                "target": {
                    "@type": "EntryPoint",
                    "urlTemplate": format!("{base}/search?q={{search_term_string}}"),
                },
                "query-input": "required name=search_term_string",
            },
        },
        publisher,
    ])
}

/// JSON-LD that can sit inside `<script type="application/ld+json">`: `<`, `>` and `&` are
/// escaped as `\u00XX`, so no value can end the element.
pub fn script(value: &Value) -> String {
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}
