//! Structured data for search engines: a schema.org `NewsArticle` per article page.
//!
//! Gated articles (metered and registered-only) say `isAccessibleForFree: false` and name the
//! gated part with `hasPart` → `WebPageElement` and the CSS class `article-gated`, the markup
//! search engines ask of registration walls and paywalls so that a wall is not taken for
//! cloaking. The text is serialized by serde_json and `<`, `>` and `&` are escaped as `\u00XX`
//! (`feeds::structured::script`) so that no value can end the `<script>` element it sits in.

use serde_json::{Value, json};

use crate::views::{ArticleView, PageMeta, SiteView};

/// The class of the element that holds the gated paragraphs.
pub const GATED_CLASS: &str = "article-gated";

/// The article's `NewsArticle`, with every property Google's article guidelines recommend
/// that Masthead has: authors as `Person` with their page, images (today the lead photo in its
/// own shape; 16:9, 4:3 and 1:1 crops join the list when photo variants exist), the
/// publication and modification times (`dateModified` is the editorial update, `updated_iso` of
/// `views::article`, the rule feeds follow in `feeds::modified_at`: corrections plug in both), the
/// publisher with its logo, section, tags and language.
pub fn news_article(site: &SiteView, meta: &PageMeta, a: &ArticleView, gated: bool) -> Value {
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
        "mainEntityOfPage": { "@type": "WebPage", "@id": meta.canonical_url },
        "url": meta.canonical_url,
        "headline": a.card.headline,
        "description": a.card.standfirst,
        "datePublished": a.card.published_iso,
        "dateModified": a.updated_iso.as_deref().unwrap_or(&a.card.published_iso),
        "articleSection": a.card.section.name,
        "inLanguage": site.lang,
        "author": a.card.authors.iter().map(|p| json!({
            "@type": "Person", "name": p.name, "url": absolute(&p.url),
        })).collect::<Vec<_>>(),
        "publisher": crate::feeds::structured::publisher(site),
        "isAccessibleForFree": !gated,
    });
    if let Some(photo) = &a.lead_photo {
        let url = absolute(&photo.url);
        let mut image = json!({
            "@type": "ImageObject",
            "url": url,
            "contentUrl": url,
            "width": photo.width,
            "height": photo.height,
        });
        if !photo.caption.is_empty() {
            image["caption"] = Value::from(photo.caption.clone());
        }
        if !photo.credit.is_empty() {
            image["creditText"] = Value::from(photo.credit.clone());
        }
        // The crops (16:9, 4:3, 1:1 at 1200 px) once the variants exist, as Google asks.
        let mut list = vec![image.clone()];
        for extra in photo.images.iter().filter(|i| absolute(&i.url) != url) {
            let mut i = image.clone();
            let u = absolute(&extra.url);
            i["url"] = Value::from(u.clone());
            i["contentUrl"] = Value::from(u);
            i["width"] = Value::from(extra.width);
            i["height"] = Value::from(extra.height);
            list.push(i);
        }
        doc["image"] = Value::from(list);
        doc["thumbnailUrl"] = Value::from(url);
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
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_cannot_close_the_script_element() {
        let out = crate::feeds::structured::script(
            &json!({ "headline": "</script><script>alert(1)</script> & more" }),
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
