//! The HTML converter's unit tests.

use std::path::PathBuf;

use super::*;
use crate::convert::html_to_text;

struct NoMedia;
impl MediaLookup for NoMedia {
    fn find(&self, src: &str, _class: &str) -> Option<PathBuf> {
        src.ends_with("here.jpg")
            .then(|| PathBuf::from("/m/here.jpg"))
    }
}

fn md(html: &str) -> (String, Vec<String>) {
    let mut body = Body::default();
    html_to_markdown(html, &NoMedia, &mut body);
    (body.markdown, body.notes)
}

#[test]
fn paragraphs_emphasis_links_and_entities() {
    let (m, _) = md(
        "<p>The <strong>council</strong> met&nbsp;on <em>Tuesday </em>at <a href=\"https://example.org/a_b\">the hall</a>.</p><p>Caf&eacute; &amp; bar &lt;tag&gt; 2*3</p>",
    );
    assert_eq!(
        m,
        "The **council** met\u{a0}on *Tuesday* at [the hall](<https://example.org/a_b>).\n\nCafé \\& bar \\<tag\\> 2\\*3"
    );
}

#[test]
fn unsafe_links_lose_their_target() {
    let (m, _) = md("<p><a href=\"javascript:alert(1)\">click</a></p>");
    assert_eq!(m, "click");
}

#[test]
fn headings_lists_quotes_and_code() {
    let (m, _) = md(
        "<h2>What next</h2><ul><li>One</li><li>Two<ul><li>Two and a half</li></ul></li></ul><ol start=\"3\"><li>Three</li></ol><blockquote><p>Said it.</p><p>Twice.</p></blockquote><pre><code>let x = 1;\n</code></pre><p>Use <code>a`b</code></p>",
    );
    assert_eq!(
        m,
        "## What next\n\n- One\n- Two\n    - Two and a half\n\n3. Three\n\n> Said it.\n> \n> Twice.\n\n```\nlet x = 1;\n```\n\nUse ``a`b``"
    );
}

#[test]
fn figures_become_photos_and_missing_images_are_reported() {
    let (m, notes) = md(
        "<figure><img src=\"/content/images/here.jpg\" alt=\"The quay\"><figcaption>At <b>dawn</b></figcaption></figure><p><a href=\"/x\"><img src=\"https://cdn.example.com/gone.jpg\"></a></p>",
    );
    assert_eq!(m, "![](photo-1)");
    assert_eq!(
        notes,
        vec![
            "the image https://cdn.example.com/gone.jpg is not in the media folder (--media); it was left out"
                .to_string()
        ]
    );
}

#[test]
fn text_that_looks_like_markdown_stays_text() {
    let (m, _) = md("<p># not a heading</p><p>1984. A year</p><p>- not a list</p>");
    assert_eq!(m, "\\# not a heading\n\n1984\\. A year\n\n\\- not a list");
}

#[test]
fn scripts_are_dropped_and_iframes_become_links() {
    let (m, notes) = md(
        "<p>a</p><script>document.write('<p>x</p>')</script><iframe src=\"https://video.example.com/e/1\"></iframe><p>b</p>",
    );
    assert_eq!(m, "a\n\n<https://video.example.com/e/1>\n\nb");
    assert_eq!(notes, vec!["a <script> was left out".to_string()]);
}

#[test]
fn text_of_a_title() {
    assert_eq!(
        html_to_text("Caf&eacute; &#8216;open&#8217; <b>now</b>"),
        "Café ‘open’ now"
    );
}
