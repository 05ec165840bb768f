//! HTML (Ghost's rendered cards, WordPress content, Gutenberg blocks) to Masthead's Markdown.
//!
//! The body of an article here is Markdown rendered through ammonia (`masthead_core::markdown`),
//! so an import converts to Markdown rather than storing the old HTML: the newsroom can edit
//! the result in the editor, the sanitizer sees it like any other body, and the theme decides
//! the markup. The conversion keeps what a story is made of (paragraphs, headings, emphasis,
//! links, lists, quotes, code, photos with captions, embeds as links) and drops presentation
//! (classes, styles, layout containers such as Gutenberg groups and columns, whose content is
//! kept in reading order). What it cannot keep is reported, never silently lost:
//!
//! - an image whose file is not in `--media DIR` (Masthead never fetches from the network, and a
//!   remote image would let another site watch our readers): left out, reported;
//! - scripts, forms, iframes and media players: an iframe or player becomes a link to its
//!   source, the rest is dropped and reported;
//! - tables (the body format has none): each row becomes a line, reported;
//! - Gutenberg blocks of unknown types: their HTML is converted as any other, reported.
//!
//! It works on html5ever's tokenizer (the parser ammonia uses), one token at a time, so
//! character references (`&rsquo;`, `&#8217;`) are decoded as a browser would.

use std::cell::RefCell;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{
    BufferQueue, CharacterTokens, CommentToken, StartTag, Tag, TagToken, Token, TokenSink,
    TokenSinkResult, Tokenizer, TokenizerOpts, states::RawKind,
};

use super::{
    Body, MediaLookup,
    text::{
        collapse, collapse_keep_edges, escape_line_start, escape_markdown_into, is_void,
        longest_run, raw_kind, safe_href, unescape_markdown,
    },
};

/// Converts `html` to Markdown; images are looked up with `media`.
pub fn html_to_markdown(html: &str, media: &dyn MediaLookup, body: &mut Body) {
    let sink = Sink {
        state: RefCell::new(Writer::new(media, body)),
    };
    let tokenizer = Tokenizer::new(sink, TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    let sink = tokenizer.sink;
    sink.state.into_inner().finish();
}

struct Sink<'a, 'b> {
    state: RefCell<Writer<'a, 'b>>,
}

impl TokenSink for Sink<'_, '_> {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let mut w = self.state.borrow_mut();
        match token {
            CharacterTokens(t) => w.text(&t),
            CommentToken(c) => w.comment(&c),
            TagToken(tag) if tag.kind == StartTag => {
                let raw = w.start(&tag);
                if let Some(kind) = raw {
                    return TokenSinkResult::RawData(kind);
                }
            }
            TagToken(tag) => w.end(&tag.name),
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

/// What closing an element does.
#[derive(Debug, Clone, PartialEq)]
enum Open {
    /// Nothing to do (inline elements we drop, unknown containers).
    Plain,
    /// A block container: close the paragraph.
    Block,
    Heading(usize),
    Emphasis(&'static str),
    Link {
        href: String,
    },
    Code,
    Pre,
    Quote,
    List,
    Item,
    Figure,
    Caption,
    /// Content dropped (scripts, forms, players).
    Skip,
    /// The wrapper of a WordPress embed: its text is the embedded URL.
    EmbedWrapper,
    TableRow,
    TableCell,
}

/// A photo of a figure, waiting for its caption.
struct PendingImage {
    src: String,
    alt: String,
    class: String,
    caption: String,
}

struct ListState {
    ordered: bool,
    next: usize,
}

struct Writer<'a, 'b> {
    media: &'a dyn MediaLookup,
    body: &'b mut Body,
    out: String,
    /// The paragraph being written.
    line: String,
    /// Opening markers not yet written (written with the first text, dropped when empty).
    pending: Vec<(usize, String)>,
    stack: Vec<(String, Open)>,
    lists: Vec<ListState>,
    /// The item marker waiting for the item's first line.
    item_marker: Option<String>,
    quote_depth: usize,
    skip_depth: usize,
    pre: Option<String>,
    figures: Vec<Option<PendingImage>>,
    embed: Option<String>,
    cells: Vec<String>,
    table_noted: bool,
    link_serial: usize,
}

impl<'a, 'b> Writer<'a, 'b> {
    fn new(media: &'a dyn MediaLookup, body: &'b mut Body) -> Self {
        Self {
            media,
            body,
            out: String::new(),
            line: String::new(),
            pending: Vec::new(),
            stack: Vec::new(),
            lists: Vec::new(),
            item_marker: None,
            quote_depth: 0,
            skip_depth: 0,
            pre: None,
            figures: Vec::new(),
            embed: None,
            cells: Vec::new(),
            table_noted: false,
            link_serial: 0,
        }
    }

    fn attr(tag: &Tag, name: &str) -> String {
        tag.attrs
            .iter()
            .find(|a| &*a.name.local == name)
            .map(|a| a.value.to_string())
            .unwrap_or_default()
    }

    /// Handles a start tag; returns the raw-text state the tokenizer must switch to, if any.
    fn start(&mut self, tag: &Tag) -> Option<RawKind> {
        let name = &*tag.name;
        if self.skip_depth > 0 {
            if !is_void(name) && !tag.self_closing {
                self.skip_depth += 1;
                self.stack.push((name.to_owned(), Open::Skip));
            }
            return raw_kind(name);
        }
        if let Some(pre) = &mut self.pre {
            if name == "br" {
                pre.push('\n');
            }
            if !is_void(name) {
                self.stack.push((name.to_owned(), Open::Plain));
            }
            return None;
        }
        let class = Self::attr(tag, "class");
        let open = match name {
            "p" | "div" | "section" | "article" | "header" | "footer" | "main" | "aside"
            | "center" | "details" | "summary" | "dl" | "dt" | "dd" | "address" | "nav"
            | "hgroup" | "tbody" | "thead" | "tfoot" => {
                self.flush();
                if name == "div" && class.contains("wp-block-embed__wrapper") {
                    self.embed = Some(String::new());
                    Open::EmbedWrapper
                } else {
                    Open::Block
                }
            }
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                self.flush();
                let level = match name {
                    "h1" | "h2" => 2,
                    "h3" => 3,
                    _ => 4,
                };
                Open::Heading(level)
            }
            "strong" | "b" => self.open_marker("**"),
            "em" | "i" | "cite" => self.open_marker("*"),
            "s" | "del" | "strike" => self.open_marker("~~"),
            "a" => {
                let href = Self::attr(tag, "href");
                match safe_href(&href) {
                    Some(href) => {
                        self.link_serial += 1;
                        self.pending.push((self.stack.len(), "[".into()));
                        Open::Link { href }
                    }
                    None => Open::Plain,
                }
            }
            "code" | "kbd" | "samp" => {
                self.pending.push((self.stack.len(), "\u{0}code".into()));
                Open::Code
            }
            "pre" => {
                self.flush();
                self.pre = Some(String::new());
                Open::Pre
            }
            "blockquote" => {
                self.flush();
                if self.quote_depth == 0 && self.lists.is_empty() {
                    self.ensure_blank();
                }
                self.quote_depth += 1;
                Open::Quote
            }
            "ul" | "ol" => {
                self.flush();
                if self.lists.is_empty() {
                    self.ensure_blank();
                }
                let start = Self::attr(tag, "start").parse().unwrap_or(1);
                self.lists.push(ListState {
                    ordered: name == "ol",
                    next: start,
                });
                Open::List
            }
            "li" => {
                self.flush();
                let marker = match self.lists.last_mut() {
                    Some(l) if l.ordered => {
                        let m = format!("{}. ", l.next);
                        l.next += 1;
                        m
                    }
                    _ => "- ".to_owned(),
                };
                self.item_marker = Some(marker);
                Open::Item
            }
            "figure" => {
                self.flush();
                self.figures.push(None);
                Open::Figure
            }
            "figcaption" => {
                self.flush();
                Open::Caption
            }
            "br" => {
                if !self.line.trim().is_empty() {
                    self.line.push_str("\\\n");
                }
                return None;
            }
            "hr" => {
                self.flush();
                self.block("* * *".to_owned());
                return None;
            }
            "img" => {
                let image = PendingImage {
                    src: Self::attr(tag, "src"),
                    alt: Self::attr(tag, "alt"),
                    class,
                    caption: String::new(),
                };
                self.drop_pending_links();
                match self.figures.last_mut() {
                    Some(slot @ None) => *slot = Some(image),
                    _ => {
                        self.flush();
                        self.place_image(image);
                    }
                }
                return None;
            }
            "iframe" | "video" | "audio" | "embed" | "object" => {
                let src = Self::attr(tag, "src");
                let src = if src.is_empty() {
                    Self::attr(tag, "data")
                } else {
                    src
                };
                self.flush();
                match safe_href(&src).filter(|s| s.starts_with("http")) {
                    Some(url) => self.block(format!("<{url}>")),
                    None => self
                        .body
                        .note(format!("a <{name}> without a web address was left out")),
                }
                if is_void(name) || tag.self_closing {
                    return None;
                }
                self.skip_depth += 1;
                Open::Skip
            }
            "script" | "style" | "noscript" | "template" | "form" | "button" | "select"
            | "textarea" | "svg" | "math" | "canvas" | "head" | "title" => {
                if matches!(name, "script" | "form") {
                    self.body.note(format!("a <{name}> was left out"));
                }
                self.skip_depth += 1;
                self.stack.push((name.to_owned(), Open::Skip));
                return raw_kind(name);
            }
            "table" => {
                self.flush();
                if !self.table_noted {
                    self.table_noted = true;
                    self.body
                        .note("a table was flattened: each row is a line".to_owned());
                }
                Open::Block
            }
            "tr" => {
                self.flush();
                self.cells.clear();
                Open::TableRow
            }
            "td" | "th" => {
                self.flush();
                Open::TableCell
            }
            _ => Open::Plain,
        };
        if is_void(name) || tag.self_closing {
            // A void element opens nothing; undo what its opening queued.
            self.close(open);
            return None;
        }
        self.stack.push((name.to_owned(), open));
        None
    }

    fn open_marker(&mut self, marker: &str) -> Open {
        self.pending.push((self.stack.len(), marker.to_owned()));
        Open::Emphasis(match marker {
            "**" => "**",
            "*" => "*",
            _ => "~~",
        })
    }

    /// An image inside a link cannot be both: the link goes.
    fn drop_pending_links(&mut self) {
        for (_, open) in self.stack.iter_mut() {
            if let Open::Link { .. } = open {
                *open = Open::Plain;
            }
        }
        self.pending.retain(|(_, m)| m != "[");
    }

    fn end(&mut self, name: &str) {
        // Close up to the matching element (HTML in the wild is not always balanced).
        let Some(pos) = self.stack.iter().rposition(|(n, _)| n == name) else {
            return;
        };
        while self.stack.len() > pos {
            let Some((_, open)) = self.stack.pop() else {
                break;
            };
            self.close(open);
        }
    }

    fn close(&mut self, open: Open) {
        let depth = self.stack.len();
        match open {
            Open::Plain => {}
            Open::Skip => self.skip_depth = self.skip_depth.saturating_sub(1),
            Open::Block | Open::Caption => self.flush(),
            Open::Heading(level) => {
                self.close_inline();
                let text = std::mem::take(&mut self.line);
                let text = text.replace("\\\n", " ");
                let text = text.trim();
                if !text.is_empty() {
                    self.block(format!("{} {text}", "#".repeat(level)));
                }
            }
            Open::Emphasis(marker) => self.close_marker(depth, marker),
            Open::Link { href } => {
                if self.pending.iter().any(|(d, m)| *d == depth && m == "[") {
                    self.pending.retain(|(d, _)| *d != depth);
                } else {
                    let trailing = self.take_trailing_space();
                    self.line.push_str(&format!("](<{href}>)"));
                    self.line.push_str(&trailing);
                }
            }
            Open::Code => {
                if self.pending.iter().any(|(d, _)| *d == depth) {
                    self.pending.retain(|(d, _)| *d != depth);
                } else if let Some(start) = self.line.rfind('\u{0}') {
                    let code: String = self.line[start + 1..].to_owned();
                    self.line.truncate(start);
                    let code = unescape_markdown(&code);
                    let fence = "`".repeat(longest_run(&code, '`') + 1);
                    let pad = if code.starts_with('`') || code.ends_with('`') {
                        " "
                    } else {
                        ""
                    };
                    self.line
                        .push_str(&format!("{fence}{pad}{code}{pad}{fence}"));
                }
            }
            Open::Pre => {
                let code = self.pre.take().unwrap_or_default();
                let code = code.trim_matches('\n');
                if !code.trim().is_empty() {
                    let fence = "`".repeat(longest_run(code, '`').max(2) + 1);
                    self.block(format!("{fence}\n{code}\n{fence}"));
                }
            }
            Open::Quote => {
                self.flush();
                self.quote_depth = self.quote_depth.saturating_sub(1);
            }
            Open::List => {
                self.flush();
                self.lists.pop();
                if self.lists.is_empty() {
                    self.out.push('\n');
                }
            }
            Open::Item => {
                self.flush();
                self.item_marker = None;
            }
            Open::Figure => {
                self.flush();
                if let Some(Some(image)) = self.figures.pop() {
                    self.place_image(image);
                }
            }
            Open::EmbedWrapper => {
                let url = self.embed.take().unwrap_or_default();
                let url = url.trim();
                match safe_href(url).filter(|u| u.starts_with("http")) {
                    Some(url) => self.block(format!("<{url}>")),
                    None if url.is_empty() => {}
                    None => self.body.note(format!("an embed of “{url}” was left out")),
                }
            }
            Open::TableCell => {
                self.close_inline();
                let cell = std::mem::take(&mut self.line);
                let cell = cell.trim();
                if !cell.is_empty() {
                    self.cells.push(cell.to_owned());
                }
            }
            Open::TableRow => {
                let row = std::mem::take(&mut self.cells).join(" · ");
                self.line = row;
                self.flush();
            }
        }
    }

    fn close_marker(&mut self, depth: usize, marker: &str) {
        if self.pending.iter().any(|(d, _)| *d == depth) {
            // Nothing was written inside: no marker at all.
            self.pending.retain(|(d, _)| *d != depth);
            return;
        }
        let trailing = self.take_trailing_space();
        self.line.push_str(marker);
        self.line.push_str(&trailing);
    }

    fn take_trailing_space(&mut self) -> String {
        let trimmed = self.line.trim_end_matches(' ').len();
        let t = self.line[trimmed..].to_owned();
        self.line.truncate(trimmed);
        t
    }

    /// Closes emphasis, links and code still open in the paragraph (a block ends inside them).
    fn close_inline(&mut self) {
        self.pending.clear();
        let mut i = self.stack.len();
        while i > 0 {
            i -= 1;
            let open = self.stack[i].1.clone();
            match open {
                Open::Emphasis(_) | Open::Link { .. } | Open::Code => {
                    // Close it where it was opened (its depth), and keep it open as nothing.
                    let mut tail = self.stack.split_off(i);
                    let (name, open) = tail.remove(0);
                    self.close(open);
                    self.stack.push((name, Open::Plain));
                    self.stack.extend(tail);
                }
                _ => {}
            }
        }
    }

    fn text(&mut self, text: &str) {
        if self.skip_depth > 0 {
            return;
        }
        if let Some(pre) = &mut self.pre {
            pre.push_str(text);
            return;
        }
        if let Some(embed) = &mut self.embed {
            embed.push_str(text);
            return;
        }
        if let Some(Some(image)) = self.figures.last_mut()
            && self.stack.iter().any(|(_, o)| *o == Open::Caption)
        {
            image.caption.push_str(text);
            return;
        }
        let collapsed = collapse_keep_edges(text);
        if collapsed.is_empty() {
            return;
        }
        let mut rest = collapsed.as_str();
        if self.line.is_empty() || self.line.ends_with(' ') || self.line.ends_with('\n') {
            rest = rest.trim_start_matches(' ');
        }
        if rest.is_empty() {
            return;
        }
        if !self.pending.is_empty() {
            let lead = rest.len() - rest.trim_start_matches(' ').len();
            self.line.push_str(&rest[..lead]);
            rest = &rest[lead..];
            for (_, m) in std::mem::take(&mut self.pending) {
                if m == "\u{0}code" {
                    self.line.push('\u{0}');
                } else {
                    self.line.push_str(&m);
                }
            }
        }
        escape_markdown_into(rest, &mut self.line);
    }

    fn comment(&mut self, comment: &str) {
        let c = comment.trim();
        let Some(block) = c.strip_prefix("wp:") else {
            return;
        };
        let name = block.split_whitespace().next().unwrap_or_default();
        let name = name.trim_end_matches('/');
        if !KNOWN_BLOCKS.contains(&name) && !name.starts_with("core-embed/") {
            let note = format!("the block wp:{name} was converted from its HTML");
            if !self.body.notes.contains(&note) {
                self.body.note(note);
            }
        }
    }

    fn place_image(&mut self, image: PendingImage) {
        let caption = collapse(&image.caption);
        if image.src.trim().is_empty() {
            return;
        }
        match self.media.find(image.src.trim(), &image.class) {
            Some(file) => {
                let name = self.body.add_photo(file, image.alt.trim(), &caption);
                self.block(format!("![]({name})"));
            }
            None => self.body.note(format!(
                "the image {} is not in the media folder (--media); it was left out",
                image.src.trim()
            )),
        }
    }

    /// Ends the paragraph being written.
    fn flush(&mut self) {
        self.close_inline();
        let line = std::mem::take(&mut self.line);
        let line = line.trim_end_matches(['\\', '\n', ' ']);
        let line = line.trim_start();
        if line.is_empty() {
            return;
        }
        let text = line
            .split('\n')
            .map(escape_line_start)
            .collect::<Vec<_>>()
            .join("\n");
        self.block(text);
    }

    fn ensure_blank(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
    }

    /// Writes a block with the prefixes of the quotes and lists it is in.
    fn block(&mut self, text: String) {
        let quote = "> ".repeat(self.quote_depth);
        let depth = self.lists.len();
        let indent = "    ".repeat(depth.saturating_sub(1));
        let in_list = depth > 0;
        let marker = self.item_marker.take();
        let mut first = true;
        let mut chunk = String::new();
        for l in text.split('\n') {
            let lead = match (&marker, first) {
                (Some(m), true) => format!("{indent}{m}"),
                _ if in_list => format!("{indent}    "),
                _ => String::new(),
            };
            chunk.push_str(&quote);
            chunk.push_str(&lead);
            chunk.push_str(l);
            chunk.push('\n');
            first = false;
        }
        if in_list {
            self.out.push_str(&chunk);
        } else {
            if !self.out.is_empty() {
                if self.quote_depth > 0 && !self.out.ends_with("\n\n") {
                    self.out.push_str(&quote);
                    self.out.push('\n');
                } else if !self.out.ends_with("\n\n") {
                    self.out.push('\n');
                }
            }
            self.out.push_str(&chunk);
        }
    }

    fn finish(mut self) {
        while let Some((_, open)) = self.stack.pop() {
            self.close(open);
        }
        self.flush();
        let md = self.out.trim().to_owned();
        if !self.body.markdown.is_empty() && !md.is_empty() {
            self.body.markdown.push_str("\n\n");
        }
        self.body.markdown.push_str(&md);
    }
}

/// Gutenberg's core blocks: their saved HTML says all there is to say.
const KNOWN_BLOCKS: &[&str] = &[
    "paragraph",
    "heading",
    "image",
    "list",
    "list-item",
    "quote",
    "pullquote",
    "embed",
    "gallery",
    "html",
    "group",
    "columns",
    "column",
    "separator",
    "spacer",
    "code",
    "preformatted",
    "table",
    "buttons",
    "button",
    "cover",
    "media-text",
    "more",
    "nextpage",
    "freeform",
    "verse",
    "details",
    "video",
    "audio",
    "file",
    "shortcode",
    "block",
];

#[cfg(test)]
#[path = "html_tests.rs"]
mod tests;
