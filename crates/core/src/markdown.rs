//! Article bodies: Markdown written by the newsroom, rendered once when an article is saved
//! (never on the request path) into sanitized HTML.
//!
//! A paragraph that holds nothing but an image whose source names one of the article's photos
//! (`![](harbour-crane)`) becomes a `<figure class="inline-photo">` with the photo's caption and
//! credit, as in print. Raw HTML in the Markdown is shown as text, not interpreted: the body is
//! the newsroom's words, and the theme decides the markup. The result is passed through ammonia
//! anyway, so a body can never carry script into a reader's browser.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, html};

/// A photo that can be placed in a body by name.
#[derive(Debug, Clone)]
pub struct InlinePhoto {
    pub url: String,
    pub alt: String,
    pub caption: String,
    pub credit: String,
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, Clone, Default)]
pub struct RenderedBody {
    /// Sanitized HTML, safe to insert into a page.
    pub html: String,
    /// The words of the body, for excerpts, search and word counts.
    pub text: String,
    /// Image paragraphs that named no known photo and were not URLs either.
    pub missing_photos: Vec<String>,
}

/// Renders a body; `photo` resolves a photo name used in `![](name)`.
pub fn render_body(markdown: &str, photo: impl Fn(&str) -> Option<InlinePhoto>) -> RenderedBody {
    let options = Options::ENABLE_STRIKETHROUGH | Options::ENABLE_SMART_PUNCTUATION;
    let events: Vec<Event<'_>> = Parser::new_ext(markdown, options).collect();
    let mut out: Vec<Event<'_>> = Vec::with_capacity(events.len());
    let mut text = String::new();
    let mut missing = Vec::new();
    let mut i = 0;
    while i < events.len() {
        if let Some((name, consumed)) = lone_image_paragraph(&events[i..]) {
            match photo(name) {
                Some(p) => {
                    out.push(Event::Html(CowStr::from(figure_html(&p))));
                    i += consumed;
                    continue;
                }
                None if !looks_like_url(name) => {
                    missing.push(name.to_owned());
                    i += consumed;
                    continue;
                }
                None => {}
            }
        }
        let ev = events[i].clone();
        match &ev {
            Event::Text(t) | Event::Code(t) => text.push_str(t),
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            Event::End(TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item) => text.push('\n'),
            _ => {}
        }
        // Raw HTML is the newsroom's text, not markup.
        let ev = match ev {
            Event::Html(h) | Event::InlineHtml(h) => Event::Text(h),
            other => other,
        };
        out.push(ev);
        i += 1;
    }
    let mut raw = String::with_capacity(markdown.len() * 2);
    html::push_html(&mut raw, out.into_iter());
    RenderedBody {
        html: sanitizer().clean(&raw).to_string(),
        text: text.trim().to_owned(),
        missing_photos: missing,
    }
}

/// `Start(Paragraph) Start(Image) [alt text…] End(Image) End(Paragraph)`: the image's source
/// and how many events the paragraph spans.
fn lone_image_paragraph<'a>(events: &'a [Event<'a>]) -> Option<(&'a str, usize)> {
    let [
        Event::Start(Tag::Paragraph),
        Event::Start(Tag::Image { dest_url, .. }),
        rest @ ..,
    ] = events
    else {
        return None;
    };
    let end = rest
        .iter()
        .position(|e| matches!(e, Event::End(TagEnd::Image)))?;
    if !rest[..end].iter().all(|e| matches!(e, Event::Text(_))) {
        return None;
    }
    match rest.get(end + 1) {
        Some(Event::End(TagEnd::Paragraph)) => Some((dest_url.as_ref(), end + 4)),
        _ => None,
    }
}

fn looks_like_url(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://") || s.starts_with('/')
}

fn figure_html(p: &InlinePhoto) -> String {
    let e = |s: &str| {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = pulldown_cmark_escape::escape_html(&mut out, s);
        out
    };
    let mut caption = e(&p.caption);
    if !p.credit.is_empty() {
        caption.push_str(&format!(" <span class=\"credit\">{}</span>", e(&p.credit)));
    }
    format!(
        "<figure class=\"inline-photo\"><img src=\"{}\" alt=\"{}\" width=\"{}\" height=\"{}\" loading=\"lazy\"><figcaption>{}</figcaption></figure>\n",
        e(&p.url),
        e(&p.alt),
        p.width,
        p.height,
        caption
    )
}

/// Splits a rendered body after its first `paragraphs` top-level paragraphs (with whatever
/// headings or figures come before them): the free lead-in a walled reader sees, and the rest.
///
/// At least one paragraph always stays behind the wall, so a body of `paragraphs` paragraphs
/// or fewer shows one paragraph less (a one-paragraph story shows none). Works on the output of
/// [`render_body`], where every `<` starts a tag (text is escaped and comments are removed).
pub fn split_lead_in(html: &str, paragraphs: usize) -> (&str, &str) {
    const VOID: [&str; 6] = ["img", "br", "hr", "wbr", "source", "input"];
    let mut depth = 0usize;
    // Byte offsets just after each top-level `</p>`.
    let mut ends = Vec::new();
    let mut rest = html;
    let mut offset = 0;
    while let Some(lt) = rest.find('<') {
        let Some(gt) = rest[lt..].find('>') else {
            break;
        };
        let tag = &rest[lt + 1..lt + gt];
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        let end = offset + lt + gt + 1;
        if closing {
            depth = depth.saturating_sub(1);
            if depth == 0 && name == "p" {
                ends.push(end);
            }
        } else if !VOID.contains(&name.as_str()) && !tag.ends_with('/') {
            depth += 1;
        }
        offset = end;
        rest = &html[end..];
    }
    let shown = paragraphs.min(ends.len().saturating_sub(1));
    let cut = if shown == 0 { 0 } else { ends[shown - 1] };
    // Keep the newline that follows a block with the lead-in.
    let cut = if html[cut..].starts_with('\n') {
        cut + 1
    } else {
        cut
    };
    html.split_at(cut)
}

/// The plain text of the lead-in [`split_lead_in`] shows (one block per line): what search
/// results may quote from a gated article, so that they never quote more than the wall shows.
pub fn lead_in_text(html: &str, paragraphs: usize) -> String {
    const BLOCKS: [&str; 11] = [
        "p",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "figcaption",
        "blockquote",
        "pre",
    ];
    let (lead, _) = split_lead_in(html, paragraphs);
    let mut text = String::with_capacity(lead.len());
    let mut rest = lead;
    while let Some(lt) = rest.find('<') {
        text.push_str(&rest[..lt]);
        let Some(gt) = rest[lt..].find('>') else {
            break;
        };
        let tag = &rest[lt + 1..lt + gt];
        if let Some(name) = tag.strip_prefix('/') {
            let name = name.trim().to_ascii_lowercase();
            if BLOCKS.contains(&name.as_str()) && !text.ends_with('\n') {
                text.push('\n');
            }
        }
        rest = &rest[lt + gt + 1..];
    }
    let text = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&");
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

fn sanitizer() -> &'static ammonia::Builder<'static> {
    static BUILDER: std::sync::OnceLock<ammonia::Builder<'static>> = std::sync::OnceLock::new();
    BUILDER.get_or_init(|| {
        let mut b = ammonia::Builder::default();
        b.add_tags(["figure", "figcaption"])
            .add_tag_attributes("img", ["width", "height", "loading"])
            .add_tag_attributes("figure", ["class"])
            .add_tag_attributes("span", ["class"]);
        b
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crane(name: &str) -> Option<InlinePhoto> {
        (name == "crane").then(|| InlinePhoto {
            url: "/media/ab/crane.png".into(),
            alt: "A crane \"lifting\" a hull".into(),
            caption: "The new crane at <Quay 4>".into(),
            credit: "Courier/Ana Ribeiro".into(),
            width: 1200,
            height: 800,
        })
    }

    #[test]
    fn lone_image_paragraph_becomes_a_figure() {
        let body = render_body("First.\n\n![](crane)\n\nSecond.", crane);
        assert!(
            body.html.contains("<figure class=\"inline-photo\">"),
            "{}",
            body.html
        );
        assert!(
            body.html
                .contains("alt=\"A crane &quot;lifting&quot; a hull\""),
            "{}",
            body.html
        );
        assert!(
            body.html.contains(
                "The new crane at &lt;Quay 4&gt; <span class=\"credit\">Courier/Ana Ribeiro</span>"
            ),
            "{}",
            body.html
        );
        assert!(body.html.contains("width=\"1200\""));
        assert!(body.missing_photos.is_empty());
        assert_eq!(body.text, "First.\nSecond.");
    }

    #[test]
    fn unknown_photo_names_are_reported_not_rendered() {
        let body = render_body("![](nope)\n\ntext", crane);
        assert_eq!(body.missing_photos, vec!["nope".to_string()]);
        assert!(!body.html.contains("nope"));
    }

    #[test]
    fn raw_html_and_script_never_survive() {
        let md = "Hello <script>alert(1)</script> <img src=x onerror=alert(1)>\n\n<div onclick=\"x()\">hi</div>\n\n[link](javascript:alert(1))";
        let body = render_body(md, |_| None);
        assert!(!body.html.contains("<script"), "{}", body.html);
        assert!(!body.html.contains("<img"), "{}", body.html);
        assert!(!body.html.contains("<div"), "{}", body.html);
        assert!(!body.html.contains("javascript:"), "{}", body.html);
        assert!(body.html.contains("&lt;script&gt;"), "{}", body.html);
    }

    #[test]
    fn ordinary_markdown_renders() {
        let body = render_body(
            "## Sub\n\nSome *em* and [a link](https://example.org).\n\n- one\n- two",
            |_| None,
        );
        assert!(body.html.contains("<h2>Sub</h2>"));
        assert!(body.html.contains("<em>em</em>"));
        assert!(body.html.contains("href=\"https://example.org\""));
        assert!(body.html.contains("<li>one</li>"));
    }

    #[test]
    fn lead_in_is_the_first_paragraphs_and_figures_before_them() {
        let body = render_body(
            "## Dateline\n\nOne *a*.\n\n![](crane)\n\n> quoted\n> para\n\nTwo [l](https://x.org).\n\nThree.\n\nFour.",
            crane,
        );
        let (lead, rest) = split_lead_in(&body.html, 2);
        assert_eq!(format!("{lead}{rest}"), body.html);
        assert!(lead.contains("One") && lead.contains("<figure") && lead.contains("quoted"));
        assert!(lead.contains("Two") && lead.ends_with("</p>\n"), "{lead}");
        assert!(rest.starts_with("<p>Three.</p>"), "{rest}");
        assert!(!lead.contains("Three") && rest.contains("Four"));
    }

    #[test]
    fn lead_in_text_is_exactly_what_the_wall_shows() {
        let body = render_body(
            "## Heading\n\nOne & *two* <three>.\n\n- an item\n\nSecond.\n\nGated secret.",
            |_| None,
        );
        assert_eq!(
            lead_in_text(&body.html, 2),
            "Heading\nOne & two <three>.\nan item\nSecond."
        );
        // Two paragraphs: one stays behind the wall, and out of the text.
        let two = render_body("Shown.\n\nGated.\n\n- list", |_| None).html;
        assert_eq!(lead_in_text(&two, 2), "Shown.");
    }

    #[test]
    fn lead_in_always_leaves_a_paragraph_behind() {
        let two = render_body("One.\n\nTwo.", |_| None).html;
        let (lead, rest) = split_lead_in(&two, 2);
        assert_eq!((lead, rest), ("<p>One.</p>\n", "<p>Two.</p>\n"));
        let one = render_body("Only.", |_| None).html;
        assert_eq!(split_lead_in(&one, 2), ("", one.as_str()));
        assert_eq!(split_lead_in("", 2), ("", ""));
        let three = render_body("1\n\n2\n\n3", |_| None).html;
        assert_eq!(split_lead_in(&three, 0).0, "");
    }
}
