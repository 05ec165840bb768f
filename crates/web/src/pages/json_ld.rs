//! Structured data for search engines: a schema.org `NewsArticle` per article page.
//!
//! Gated articles (metered and registered-only) say `isAccessibleForFree: false` and name the
//! gated part with `hasPart` → `WebPageElement` and the CSS class `article-gated`, the markup
//! search engines ask of registration walls and paywalls so that a wall is not taken for
//! cloaking. The text is serialized by serde_json and `<`, `>` and `&` are escaped as `\u00XX`
//! so that no value can end the `<script>` element it sits in.

use serde_json::{Value, json};

use crate::views::{ArticleView, PageMeta, SiteView};

/// The class of the element that holds the gated paragraphs.
pub const GATED_CLASS: &str = "article-gated";

pub fn news_article(site: &SiteView, meta: &PageMeta, a: &ArticleView, gated: bool) -> String {
    let base = site.base_url.trim_end_matches('/');
    let absolute = |url: &str| {
        if url.starts_with('/') {
            format!("{base}{url}")
        } else {
            url.to_owned()
        }
    };
    let mut doc = json!({
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": meta.canonical_url,
        "headline": a.card.headline,
        "description": a.card.standfirst,
        "datePublished": a.card.published_iso,
        "dateModified": a.updated_iso.as_deref().unwrap_or(&a.card.published_iso),
        "articleSection": a.card.section.name,
        "author": a.card.authors.iter().map(|p| json!({
            "@type": "Person", "name": p.name, "url": absolute(&p.url),
        })).collect::<Vec<_>>(),
        "publisher": { "@type": "Organization", "name": site.name, "url": base },
        "isAccessibleForFree": !gated,
    });
    if let Some(photo) = &a.lead_photo {
        doc["image"] = json!([absolute(&photo.url)]);
    }
    if !a.tags.is_empty() {
        doc["keywords"] = Value::from(a.tags.iter().map(|t| t.name.clone()).collect::<Vec<_>>());
    }
    if gated {
        doc["hasPart"] = json!({
            "@type": "WebPageElement",
            "isAccessibleForFree": false,
            "cssSelector": format!(".{GATED_CLASS}"),
        });
    }
    script_safe(&doc.to_string())
}

/// JSON that can sit inside `<script type="application/ld+json">`.
fn script_safe(json: &str) -> String {
    json.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_cannot_close_the_script_element() {
        let out = script_safe(
            &json!({ "headline": "</script><script>alert(1)</script> & more" }).to_string(),
        );
        assert!(!out.contains("</script"), "{out}");
        assert!(!out.contains('&'), "{out}");
        let back: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            back["headline"],
            "</script><script>alert(1)</script> & more"
        );
    }
}
