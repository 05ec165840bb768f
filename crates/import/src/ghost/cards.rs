//! Ghost's editor formats, Lexical (Ghost 5+) and Mobiledoc (Ghost 1–4), to HTML, which the
//! shared converter (`convert/html.rs`) then turns into Markdown. Both formats share Ghost's
//! cards (image, gallery, markdown, html, embed, bookmark, callout…), rendered by [`card`].
//!
//! Going through HTML keeps one converter, one escaping and one image lookup for every
//! platform; what is written here is escaped HTML, never the export's strings as markup (except
//! the html card's, which is HTML by definition and goes through the converter like any other).

use serde_json::Value;

use crate::convert::Body;

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// Ghost's cards, the same in Lexical (as decorator nodes) and Mobiledoc (as cards).
pub fn card(name: &str, payload: &Value, body: &mut Body) -> String {
    match name {
        "image" => figure(
            str_of(payload, "src"),
            str_of(payload, "alt"),
            str_of(payload, "caption"),
        ),
        "gallery" => payload
            .get("images")
            .and_then(Value::as_array)
            .map(|images| {
                images
                    .iter()
                    .map(|i| figure(str_of(i, "src"), str_of(i, "alt"), str_of(i, "caption")))
                    .collect::<String>()
                    + &match str_of(payload, "caption") {
                        "" => String::new(),
                        c => format!("<p>{c}</p>"),
                    }
            })
            .unwrap_or_default(),
        "markdown" => {
            // Rendered here so that its images and HTML go through the converter too.
            let md = str_of(payload, "markdown");
            let mut html = String::new();
            pulldown_cmark::html::push_html(&mut html, pulldown_cmark::Parser::new(md));
            html
        }
        "html" => str_of(payload, "html").to_owned(),
        "hr" | "horizontalrule" => "<hr>".to_owned(),
        "code" | "codeblock" => format!("<pre><code>{}</code></pre>", esc(str_of(payload, "code"))),
        "embed" => {
            let url = str_of(payload, "url");
            if url.is_empty() {
                body.note("an embed without an address was left out");
                String::new()
            } else {
                format!("<p><a href=\"{0}\">{0}</a></p>", esc(url))
            }
        }
        "bookmark" => {
            let url = str_of(payload, "url");
            let title = payload
                .get("metadata")
                .map(|m| str_of(m, "title"))
                .filter(|t| !t.is_empty())
                .unwrap_or(url);
            format!("<p><a href=\"{}\">{}</a></p>", esc(url), esc(title))
        }
        "callout" => format!(
            "<blockquote>{}</blockquote>",
            str_of(payload, "calloutText")
        ),
        "toggle" => format!(
            "<h3>{}</h3>{}",
            str_of(payload, "heading"),
            str_of(payload, "content")
        ),
        "button" => format!(
            "<p><a href=\"{}\">{}</a></p>",
            esc(str_of(payload, "buttonUrl")),
            esc(str_of(payload, "buttonText"))
        ),
        "paywall" => String::new(),
        "video" | "audio" | "file" => {
            let src = str_of(payload, "src");
            body.note(format!(
                "a {name} card ({src}) was left out: Masthead's articles hold photos only"
            ));
            String::new()
        }
        other => {
            body.note(format!("a Ghost “{other}” card was left out"));
            String::new()
        }
    }
}

/// A figure; the caption is HTML in Ghost's exports.
fn figure(src: &str, alt: &str, caption: &str) -> String {
    if src.is_empty() {
        return String::new();
    }
    let caption = if caption.is_empty() {
        String::new()
    } else {
        format!("<figcaption>{caption}</figcaption>")
    };
    format!(
        "<figure><img src=\"{}\" alt=\"{}\">{caption}</figure>",
        esc(src),
        esc(alt)
    )
}

/// A Lexical document (the `lexical` field, JSON in a string).
pub fn lexical_to_html(doc: &Value, body: &mut Body) -> String {
    let mut out = String::new();
    if let Some(root) = doc.get("root") {
        children(root, body, &mut out);
    }
    out
}

fn children(node: &Value, body: &mut Body, out: &mut String) {
    if let Some(kids) = node.get("children").and_then(Value::as_array) {
        for k in kids {
            lexical_node(k, body, out);
        }
    }
}

fn lexical_node(node: &Value, body: &mut Body, out: &mut String) {
    let kind = str_of(node, "type");
    let wrap = |tag: &str, body: &mut Body, out: &mut String| {
        out.push_str(&format!("<{tag}>"));
        children(node, body, out);
        out.push_str(&format!("</{tag}>"));
    };
    match kind {
        "paragraph" => wrap("p", body, out),
        "heading" | "extended-heading" => {
            let tag = match str_of(node, "tag") {
                t @ ("h1" | "h2" | "h3" | "h4" | "h5" | "h6") => t,
                _ => "h2",
            };
            wrap(tag, body, out)
        }
        "quote" | "extended-quote" | "aside" => wrap("blockquote", body, out),
        "list" => {
            let tag = if str_of(node, "listType") == "number" || str_of(node, "tag") == "ol" {
                "ol"
            } else {
                "ul"
            };
            wrap(tag, body, out)
        }
        "listitem" => wrap("li", body, out),
        "text" | "extended-text" => {
            let format = node.get("format").and_then(Value::as_u64).unwrap_or(0);
            let tags: Vec<&str> = [(1, "strong"), (2, "em"), (4, "s"), (16, "code")]
                .into_iter()
                .filter(|(bit, _)| format & bit != 0)
                .map(|(_, t)| t)
                .collect();
            for t in &tags {
                out.push_str(&format!("<{t}>"));
            }
            out.push_str(&esc(str_of(node, "text")));
            for t in tags.iter().rev() {
                out.push_str(&format!("</{t}>"));
            }
        }
        "link" | "autolink" => {
            out.push_str(&format!("<a href=\"{}\">", esc(str_of(node, "url"))));
            children(node, body, out);
            out.push_str("</a>");
        }
        "linebreak" => out.push_str("<br>"),
        "tab" => out.push(' '),
        _ if node.get("children").is_some() => children(node, body, out),
        card_name => out.push_str(&card(card_name, node, body)),
    }
}

/// A Mobiledoc document (the `mobiledoc` field, JSON in a string).
pub fn mobiledoc_to_html(doc: &Value, body: &mut Body) -> String {
    let empty = Vec::new();
    let arr = |k: &str| doc.get(k).and_then(Value::as_array).unwrap_or(&empty);
    let (markups, atoms, cards, sections) =
        (arr("markups"), arr("atoms"), arr("cards"), arr("sections"));
    let mut out = String::new();
    for section in sections {
        let Some(s) = section.as_array() else {
            continue;
        };
        match s.first().and_then(Value::as_u64) {
            Some(1) => {
                let tag = match s
                    .get(1)
                    .and_then(Value::as_str)
                    .unwrap_or("p")
                    .to_ascii_lowercase()
                {
                    t if matches!(
                        t.as_str(),
                        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "blockquote" | "aside"
                    ) =>
                    {
                        t
                    }
                    _ => "p".to_owned(),
                };
                let tag = if tag == "aside" {
                    "blockquote".to_owned()
                } else {
                    tag
                };
                out.push_str(&format!("<{tag}>"));
                markers(s.get(2), markups, atoms, &mut out);
                out.push_str(&format!("</{tag}>"));
            }
            Some(2) => out.push_str(&figure(
                s.get(1).and_then(Value::as_str).unwrap_or_default(),
                "",
                "",
            )),
            Some(3) => {
                let tag = if s.get(1).and_then(Value::as_str) == Some("ol") {
                    "ol"
                } else {
                    "ul"
                };
                out.push_str(&format!("<{tag}>"));
                for item in s.get(2).and_then(Value::as_array).unwrap_or(&empty) {
                    out.push_str("<li>");
                    markers(Some(item), markups, atoms, &mut out);
                    out.push_str("</li>");
                }
                out.push_str(&format!("</{tag}>"));
            }
            Some(10) => {
                let card_def = s
                    .get(1)
                    .and_then(Value::as_u64)
                    .and_then(|i| cards.get(i as usize))
                    .and_then(Value::as_array);
                if let Some(c) = card_def {
                    let name = c.first().and_then(Value::as_str).unwrap_or_default();
                    let name = name.strip_suffix("-card").unwrap_or(name);
                    let payload = c.get(1).cloned().unwrap_or(Value::Null);
                    out.push_str(&card(name, &payload, body));
                }
            }
            _ => body.note("a Mobiledoc section of an unknown kind was left out"),
        }
    }
    out
}

/// Mobiledoc markers: `[kind, opened markup indexes, number closed, value]`.
fn markers(list: Option<&Value>, markups: &[Value], atoms: &[Value], out: &mut String) {
    let mut open: Vec<String> = Vec::new();
    for m in list.and_then(Value::as_array).into_iter().flatten() {
        let Some(m) = m.as_array() else { continue };
        for idx in m.get(1).and_then(Value::as_array).into_iter().flatten() {
            let Some(mk) = idx
                .as_u64()
                .and_then(|i| markups.get(i as usize))
                .and_then(Value::as_array)
            else {
                continue;
            };
            let tag = mk
                .first()
                .and_then(Value::as_str)
                .unwrap_or("span")
                .to_ascii_lowercase();
            let tag = match tag.as_str() {
                "b" | "strong" => "strong",
                "i" | "em" => "em",
                "s" | "strike" | "del" => "s",
                "code" => "code",
                "a" => "a",
                _ => "span",
            };
            if tag == "a" {
                let attrs = mk.get(1).and_then(Value::as_array);
                let href = attrs
                    .and_then(|a| {
                        a.chunks(2)
                            .find(|kv| kv[0].as_str() == Some("href"))
                            .and_then(|kv| kv.get(1))
                    })
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                out.push_str(&format!("<a href=\"{}\">", esc(href)));
            } else {
                out.push_str(&format!("<{tag}>"));
            }
            open.push(tag.to_owned());
        }
        match m.first().and_then(Value::as_u64) {
            Some(1) => {
                let atom = m
                    .get(3)
                    .and_then(Value::as_u64)
                    .and_then(|i| atoms.get(i as usize))
                    .and_then(Value::as_array);
                match atom.and_then(|a| a.first()).and_then(Value::as_str) {
                    Some("soft-return") => out.push_str("<br>"),
                    _ => out.push_str(&esc(atom
                        .and_then(|a| a.get(1))
                        .and_then(Value::as_str)
                        .unwrap_or_default())),
                }
            }
            _ => out.push_str(&esc(m.get(3).and_then(Value::as_str).unwrap_or_default())),
        }
        let closed = m.get(2).and_then(Value::as_u64).unwrap_or(0);
        for _ in 0..closed {
            if let Some(t) = open.pop() {
                out.push_str(&format!("</{t}>"));
            }
        }
    }
    while let Some(t) = open.pop() {
        out.push_str(&format!("</{t}>"));
    }
}
