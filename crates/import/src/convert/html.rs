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

use super::{Body, MediaLookup};

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

/// The text of an HTML fragment (a title or an excerpt with entities and tags): tags dropped,
/// character references decoded, whitespace collapsed.
pub fn html_to_text(html: &str) -> String {
    if !html.contains(['<', '&']) {
        return collapse(html);
    }
    struct TextSink(RefCell<String>);
    impl TokenSink for TextSink {
        type Handle = ();
        fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
            match token {
                CharacterTokens(t) => self.0.borrow_mut().push_str(&t),
                TagToken(t) if t.kind == StartTag && matches!(&*t.name, "br" | "p") => {
                    self.0.borrow_mut().push(' ')
                }
                _ => {}
            }
            TokenSinkResult::Continue
        }
    }
    let tokenizer = Tokenizer::new(
        TextSink(RefCell::new(String::new())),
        TokenizerOpts::default(),
    );
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    collapse(&tokenizer.sink.0.into_inner())
}

fn collapse(s: &str) -> String {
    s.split_ascii_whitespace().collect::<Vec<_>>().join(" ")
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

fn is_void(name: &str) -> bool {
    matches!(
        name,
        "area"
            | "base"
            | "br"
            | "col"
            | "embed"
            | "hr"
            | "img"
            | "input"
            | "link"
            | "meta"
            | "source"
            | "track"
            | "wbr"
    )
}

fn raw_kind(name: &str) -> Option<RawKind> {
    match name {
        "script" => Some(RawKind::ScriptData),
        "style" | "noscript" | "iframe" | "xmp" | "noembed" | "noframes" => Some(RawKind::Rawtext),
        "textarea" | "title" => Some(RawKind::Rcdata),
        _ => None,
    }
}

/// A link target a reader may follow: http(s), mailto and site-relative paths. Characters
/// that would end a `<…>` destination are percent-encoded.
pub(crate) fn safe_href(href: &str) -> Option<String> {
    let href = href.trim();
    let lower = href.to_ascii_lowercase();
    let ok = lower.starts_with("http://")
        || lower.starts_with("https://")
        || lower.starts_with("mailto:")
        || (href.starts_with('/') && !href.starts_with("//"))
        || href.starts_with('#');
    if !ok || href.is_empty() {
        return None;
    }
    Some(
        href.replace('<', "%3C")
            .replace('>', "%3E")
            .replace(' ', "%20")
            .replace('\n', ""),
    )
}

fn collapse_keep_edges(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c.is_ascii_whitespace() {
            space = true;
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    }
    if space {
        out.push(' ');
    }
    out
}

fn escape_markdown_into(text: &str, out: &mut String) {
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '~' | '|'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
}

fn unescape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Text that would start a heading, a list or a rule at the beginning of a line is escaped.
fn escape_line_start(line: &str) -> String {
    let t = line.trim_start();
    if t.starts_with(['#', '+', '-', '=']) {
        return format!("\\{t}");
    }
    let digits = t.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && t[digits..].starts_with(['.', ')']) {
        return format!("{}\\{}", &t[..digits], &t[digits..]);
    }
    t.to_owned()
}

fn longest_run(s: &str, ch: char) -> usize {
    let (mut best, mut run) = (0, 0);
    for c in s.chars() {
        if c == ch {
            run += 1;
            best = best.max(run);
        } else {
            run = 0;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

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
}
