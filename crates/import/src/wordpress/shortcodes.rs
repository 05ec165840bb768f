//! WordPress content before it is HTML: shortcodes and the classic editor's paragraphs.
//!
//! - `[caption]<img …> Text[/caption]` becomes a figure with its caption; `[embed]URL[/embed]`
//!   a link; `[gallery ids="1,2"]` the figures of those attachments. Any other shortcode is
//!   reported: its tags are removed and what it wraps is kept (`[[x]]`, an escaped shortcode,
//!   is the text `[x]`). A bracket that is not a shortcode (`[sic]`, `[1]`) stays text.
//! - Classic posts (no Gutenberg blocks) are stored without `<p>`: blank lines separate
//!   paragraphs and a single line break is a `<br>`, as WordPress's `wpautop` shows them.

use std::collections::HashMap;

/// Shortcodes WordPress and common plugins register; others count as shortcodes only when they
/// have attributes or a closing tag.
const KNOWN: &[&str] = &[
    "caption",
    "wp_caption",
    "embed",
    "gallery",
    "audio",
    "video",
    "playlist",
    "contact-form-7",
    "gravityform",
    "vc_row",
    "vc_column",
    "vc_column_text",
    "su_box",
    "toc",
    "fusion_builder_container",
];

pub fn expand(
    content: &str,
    attachments: &HashMap<String, String>,
    notes: &mut Vec<String>,
) -> String {
    let mut out = String::with_capacity(content.len());
    let mut rest = content;
    while let Some(at) = rest.find('[') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        if let Some(inner) = rest.strip_prefix("[[")
            && let Some(end) = inner.find("]]")
        {
            out.push('[');
            out.push_str(&inner[..end]);
            out.push(']');
            rest = &inner[end + 2..];
            continue;
        }
        let Some((name, attrs, after_open)) = open_tag(rest) else {
            out.push('[');
            rest = &rest[1..];
            continue;
        };
        let closing = format!("[/{name}]");
        let close_at = after_open.find(&closing);
        let known = KNOWN.contains(&name) || name.starts_with("vc_") || name.starts_with("et_pb_");
        if !known && attrs.trim().is_empty() && close_at.is_none() {
            out.push('[');
            rest = &rest[1..];
            continue;
        }
        let (inner, next) = match close_at {
            Some(c) => (&after_open[..c], &after_open[c + closing.len()..]),
            None => ("", after_open),
        };
        rest = next;
        match name {
            "caption" | "wp_caption" => out.push_str(&caption(inner, attrs)),
            "embed" => {
                let url = inner.trim();
                out.push_str(&format!("\n\n<p><a href=\"{url}\">{url}</a></p>\n\n"));
            }
            "gallery" => {
                let ids = attr(attrs, "ids");
                let mut any = false;
                for id in ids.split(',').map(str::trim).filter(|i| !i.is_empty()) {
                    match attachments.get(id) {
                        Some(url) => {
                            any = true;
                            out.push_str(&format!(
                                "\n\n<figure><img src=\"{url}\" class=\"wp-image-{id}\" alt=\"\"></figure>\n\n"
                            ));
                        }
                        None => notes.push(format!(
                            "the gallery names attachment {id}, which is not in the export"
                        )),
                    }
                }
                if !any && ids.is_empty() {
                    notes.push(
                        "a [gallery] without ids (all of the post's images) was left out".into(),
                    );
                }
            }
            other => {
                let note = format!(
                    "the shortcode [{other}] is not converted: its tags were removed and its text kept"
                );
                if !notes.contains(&note) {
                    notes.push(note);
                }
                out.push_str(&expand(inner, attachments, notes));
            }
        }
    }
    out.push_str(rest);
    out
}

/// `[name attrs]` or `[name attrs /]` at the start of `s`: (name, attrs, the text after it).
fn open_tag(s: &str) -> Option<(&str, &str, &str)> {
    let body = s.strip_prefix('[')?;
    let name_len = body
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(body.len());
    if name_len == 0 {
        return None;
    }
    let name = &body[..name_len];
    let after = &body[name_len..];
    if !after.starts_with([' ', ']', '/']) {
        return None;
    }
    let mut quote = None;
    for (i, c) in after.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (None, '"' | '\'') => quote = Some(c),
            (None, '\n') => return None,
            (None, ']') => {
                let attrs = after[..i].trim_end_matches('/');
                return Some((name, attrs, &after[i + 1..]));
            }
            _ => {}
        }
    }
    None
}

fn attr<'a>(attrs: &'a str, key: &str) -> &'a str {
    for quote in ['"', '\''] {
        let pat = format!("{key}={quote}");
        if let Some(at) = attrs.find(&pat) {
            let v = &attrs[at + pat.len()..];
            return v.split(quote).next().unwrap_or_default();
        }
    }
    ""
}

/// `<img …>` (perhaps in a link) then the caption's text.
fn caption(inner: &str, attrs: &str) -> String {
    let inner = inner.trim();
    let split = if inner.starts_with("<a") {
        inner.find("</a>").map(|i| i + 4)
    } else if inner.starts_with("<img") {
        inner.find('>').map(|i| i + 1)
    } else {
        None
    };
    let (image, text) = match split {
        Some(i) => (&inner[..i], inner[i..].trim()),
        None => (inner, ""),
    };
    let text = if text.is_empty() {
        attr(attrs, "caption")
    } else {
        text
    };
    format!("\n\n<figure>{image}<figcaption>{text}</figcaption></figure>\n\n")
}

/// `wpautop` for classic posts: paragraphs from blank lines, `<br>` from single line breaks,
/// and a line that is only a web address (WordPress shows it as an embed) as a link.
pub fn autop(content: &str) -> String {
    let content = content.replace("\r\n", "\n");
    let mut out = String::with_capacity(content.len() + 64);
    for chunk in content.split("\n\n") {
        let t = chunk.trim();
        if t.is_empty() {
            continue;
        }
        let lower = t.get(..12).unwrap_or(t).to_ascii_lowercase();
        let block = [
            "<p",
            "<h1",
            "<h2",
            "<h3",
            "<h4",
            "<h5",
            "<h6",
            "<ul",
            "<ol",
            "<li",
            "<blockquote",
            "<figure",
            "<div",
            "<table",
            "<pre",
            "<hr",
            "<iframe",
            "<!--",
        ]
        .iter()
        .any(|b| lower.starts_with(b));
        if block {
            out.push_str(t);
        } else if (t.starts_with("http://") || t.starts_with("https://"))
            && !t.contains(char::is_whitespace)
        {
            out.push_str(&format!("<p><a href=\"{t}\">{t}</a></p>"));
        } else {
            out.push_str("<p>");
            out.push_str(&t.replace('\n', "<br>\n"));
            out.push_str("</p>");
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captions_galleries_and_unknown_shortcodes() {
        let mut notes = Vec::new();
        let atts = HashMap::from([(
            "5".to_string(),
            "https://x.example/wp-content/uploads/a.png".to_string(),
        )]);
        let out = expand(
            "A [sic] note. [caption id=\"attachment_5\" width=\"300\"]<img src=\"a.png\"> The quay[/caption] [gallery ids=\"5,6\"] [pullquote]Loud[/pullquote] [[gallery]]",
            &atts,
            &mut notes,
        );
        assert!(out.starts_with("A [sic] note."), "{out}");
        assert!(
            out.contains("<figure><img src=\"a.png\"><figcaption>The quay</figcaption></figure>"),
            "{out}"
        );
        assert!(out.contains("class=\"wp-image-5\""), "{out}");
        assert!(out.contains(" Loud "), "{out}");
        assert!(out.ends_with("[gallery]"), "{out}");
        assert_eq!(
            notes,
            vec![
                "the gallery names attachment 6, which is not in the export".to_string(),
                "the shortcode [pullquote] is not converted: its tags were removed and its text kept".to_string()
            ]
        );
    }

    #[test]
    fn classic_paragraphs() {
        assert_eq!(
            autop("One\nline.\n\nhttps://video.example/1\n\n<ul><li>x</li></ul>"),
            "<p>One<br>\nline.</p>\n<p><a href=\"https://video.example/1\">https://video.example/1</a></p>\n<ul><li>x</li></ul>\n"
        );
    }
}
