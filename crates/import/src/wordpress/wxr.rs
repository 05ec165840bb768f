//! A streaming reader of WordPress's export format (WXR: RSS 2.0 with the `wp:`, `content:`,
//! `excerpt:` and `dc:` namespaces): one `<item>` at a time, so an export of any size is read
//! in constant memory.
//!
//! - Text is taken as bytes and decoded as UTF-8; bytes that are not UTF-8 (old exports, a
//!   database with a wrong charset) are replaced with U+FFFD, and the item says which field
//!   (the importer reports it). An export that declares another encoding is refused with the
//!   command that converts it.
//! - A file that ends inside an element (a truncated download) is an error naming the element,
//!   the line and the item it was in.
//! - Lines are counted as the parser consumes the file, so items and errors carry their line.

use std::io::{BufRead, Read};

use quick_xml::{Reader, events::Event};

/// An `<item>` of the export, its fields as text.
#[derive(Debug, Default, Clone)]
pub struct RawItem {
    /// The line of `<item>`.
    pub line: u64,
    /// Simple child elements by qualified name (`title`, `wp:post_id`, `content:encoded`…).
    pub fields: Vec<(String, String)>,
    /// `<category domain="…" nicename="…">Name</category>`: (domain, nicename, name).
    pub categories: Vec<(String, String, String)>,
    /// `wp:postmeta`: (key, value).
    pub meta: Vec<(String, String)>,
    /// Fields whose bytes were not UTF-8 (replaced with U+FFFD).
    pub lossy: Vec<String>,
}

impl RawItem {
    pub fn get(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    }

    pub fn meta(&self, key: &str) -> Option<&str> {
        self.meta
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// A channel-level `<wp:author>`.
#[derive(Debug, Default, Clone)]
pub struct RawAuthor {
    pub login: String,
    pub display_name: String,
}

#[derive(Debug)]
pub enum Entry {
    Author(RawAuthor),
    Item(RawItem),
}

#[derive(Debug, thiserror::Error)]
pub enum WxrError {
    #[error(
        "line {line}: the export ends inside <{element}>{item} (truncated?); nothing was imported: export it again"
    )]
    Truncated {
        line: u64,
        element: String,
        item: String,
    },
    #[error(
        "line {line}: the export is not well-formed XML{item}: {message}; nothing was imported"
    )]
    Syntax {
        line: u64,
        item: String,
        message: String,
    },
    #[error(
        "the export declares the encoding {0}; convert it to UTF-8 first (iconv -f {0} -t UTF-8 FILE > FILE.utf8.xml) and import that"
    )]
    Encoding(String),
    #[error("cannot read the export: {0}")]
    Io(#[from] std::io::Error),
}

/// Counts the lines the XML parser has consumed.
pub struct LineCounter<R> {
    inner: R,
    lines: u64,
}

impl<R: BufRead> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.lines += memchr_count(&buf[..n]);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for LineCounter<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        if let Ok(buf) = self.inner.fill_buf() {
            let n = amt.min(buf.len());
            self.lines += memchr_count(&buf[..n]);
        }
        self.inner.consume(amt);
    }
}

fn memchr_count(b: &[u8]) -> u64 {
    b.iter().filter(|&&c| c == b'\n').count() as u64
}

pub struct WxrReader<R: BufRead> {
    reader: Reader<LineCounter<R>>,
    buf: Vec<u8>,
    stack: Vec<String>,
}

impl<R: BufRead> WxrReader<R> {
    pub fn new(inner: R) -> Self {
        let reader = Reader::from_reader(LineCounter { inner, lines: 0 });
        Self {
            reader,
            buf: Vec::with_capacity(64 * 1024),
            stack: Vec::new(),
        }
    }

    fn line(&self) -> u64 {
        self.reader.get_ref().lines + 1
    }

    /// The next author or item, `None` at the end of a complete export.
    pub fn next_entry(&mut self) -> Result<Option<Entry>, WxrError> {
        // What is being collected: an item or an author, the leaf element's text, the postmeta
        // or category being read.
        let mut item: Option<RawItem> = None;
        let mut author: Option<RawAuthor> = None;
        let mut text: Vec<u8> = Vec::new();
        let mut meta_key = String::new();
        let mut category: Option<(String, String)> = None;
        loop {
            self.buf.clear();
            let event = match self.reader.read_event_into(&mut self.buf) {
                Ok(e) => e,
                Err(e) => {
                    let line = self.line();
                    return Err(match e {
                        quick_xml::Error::Syntax(_) if !self.stack.is_empty() => {
                            WxrError::Truncated {
                                line,
                                element: self.stack.last().cloned().unwrap_or_default(),
                                item: describe(item.as_ref()),
                            }
                        }
                        other => WxrError::Syntax {
                            line,
                            item: describe(item.as_ref()),
                            message: other.to_string(),
                        },
                    });
                }
            };
            match event {
                Event::Decl(d) => {
                    if let Some(Ok(enc)) = d.encoding() {
                        let enc = String::from_utf8_lossy(&enc).into_owned();
                        if !matches!(enc.to_ascii_lowercase().as_str(), "utf-8" | "utf8") {
                            return Err(WxrError::Encoding(enc));
                        }
                    }
                }
                Event::Start(e) => {
                    let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                    let depth = self.stack.len();
                    let parent = self.stack.last().map(String::as_str).unwrap_or_default();
                    match (depth, name.as_str()) {
                        (2, "item") if parent == "channel" => {
                            item = Some(RawItem {
                                line: self.line(),
                                ..Default::default()
                            })
                        }
                        (2, "wp:author") if parent == "channel" => {
                            author = Some(RawAuthor::default())
                        }
                        (3, "category") if item.is_some() => {
                            let mut domain = String::new();
                            let mut nicename = String::new();
                            for a in e.attributes().flatten() {
                                let v = String::from_utf8_lossy(&a.value).into_owned();
                                match a.key.as_ref() {
                                    b"domain" => domain = v,
                                    b"nicename" => nicename = v,
                                    _ => {}
                                }
                            }
                            category = Some((domain, nicename));
                        }
                        _ => {}
                    }
                    text.clear();
                    self.stack.push(name);
                }
                Event::End(_) => {
                    let Some(name) = self.stack.pop() else {
                        continue;
                    };
                    let depth = self.stack.len();
                    if depth == 2
                        && name == "item"
                        && let Some(done) = item.take()
                    {
                        return Ok(Some(Entry::Item(done)));
                    }
                    if depth == 2
                        && name == "wp:author"
                        && let Some(done) = author.take()
                    {
                        return Ok(Some(Entry::Author(done)));
                    }
                    let mut value = || match String::from_utf8(std::mem::take(&mut text)) {
                        Ok(s) => (s, false),
                        Err(e) => (String::from_utf8_lossy(e.as_bytes()).into_owned(), true),
                    };
                    if let Some(it) = item.as_mut() {
                        let in_meta = self.stack.get(3).is_some_and(|p| p == "wp:postmeta");
                        if depth == 3 && name == "category" {
                            let (v, lossy) = value();
                            if lossy {
                                it.lossy.push("category".into());
                            }
                            let (domain, nicename) = category.take().unwrap_or_default();
                            it.categories.push((domain, nicename, v));
                        } else if depth == 4 && in_meta {
                            let (v, _) = value();
                            match name.as_str() {
                                "wp:meta_key" => meta_key = v,
                                "wp:meta_value" => it.meta.push((std::mem::take(&mut meta_key), v)),
                                _ => {}
                            }
                        } else if depth == 3 && name != "wp:postmeta" && name != "wp:comment" {
                            let (v, lossy) = value();
                            if lossy {
                                it.lossy.push(name.clone());
                            }
                            it.fields.push((name, v));
                        }
                    } else if let Some(a) = author.as_mut()
                        && depth == 3
                    {
                        let (v, _) = value();
                        match name.as_str() {
                            "wp:author_login" => a.login = v,
                            "wp:author_display_name" => a.display_name = v,
                            _ => {}
                        }
                    }
                    text.clear();
                }
                Event::Text(t) if item.is_some() || author.is_some() => {
                    let raw: &[u8] = &t;
                    if raw.contains(&b'&') {
                        let s = String::from_utf8_lossy(raw);
                        match quick_xml::escape::unescape(&s) {
                            Ok(u) => text.extend_from_slice(u.as_bytes()),
                            Err(_) => text.extend_from_slice(raw),
                        }
                    } else {
                        text.extend_from_slice(raw);
                    }
                }
                Event::CData(c) if item.is_some() || author.is_some() => {
                    text.extend_from_slice(&c);
                }
                Event::GeneralRef(r) if item.is_some() || author.is_some() => {
                    let name = String::from_utf8_lossy(&r).into_owned();
                    match resolve_entity(&name) {
                        Some(c) => text.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
                        // HTML's named entities are not XML's; keep them for the HTML reader.
                        None => text.extend_from_slice(format!("&{name};").as_bytes()),
                    }
                }
                Event::Eof => {
                    if let Some(open) = self.stack.last() {
                        return Err(WxrError::Truncated {
                            line: self.line(),
                            element: open.clone(),
                            item: describe(item.as_ref()),
                        });
                    }
                    return Ok(None);
                }
                _ => {}
            }
        }
    }
}

fn resolve_entity(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        n => {
            let code = if let Some(hex) = n.strip_prefix("#x").or_else(|| n.strip_prefix("#X")) {
                u32::from_str_radix(hex, 16).ok()
            } else {
                n.strip_prefix('#').and_then(|d| d.parse().ok())
            };
            code.and_then(char::from_u32)
        }
    }
}

fn describe(item: Option<&RawItem>) -> String {
    match item {
        Some(it) => {
            let id = it.get("wp:post_id");
            if id.is_empty() {
                format!(", in the item that starts at line {}", it.line)
            } else {
                format!(", in item {id} (line {})", it.line)
            }
        }
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(xml: &[u8]) -> Result<Vec<Entry>, WxrError> {
        let mut r = WxrReader::new(xml);
        let mut out = Vec::new();
        while let Some(e) = r.next_entry()? {
            out.push(e);
        }
        Ok(out)
    }

    const DOC: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss><channel>\n<wp:author><wp:author_login>ana</wp:author_login><wp:author_display_name><![CDATA[Ana Ribeiro]]></wp:author_display_name></wp:author>\n<item>\n<title>Caf&amp;eacute; &#8217;s</title>\n<wp:post_id>7</wp:post_id>\n<category domain=\"category\" nicename=\"city\"><![CDATA[City]]></category>\n<wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key><wp:meta_value>9</wp:meta_value></wp:postmeta>\n<content:encoded><![CDATA[<p>Hi</p>]]></content:encoded>\n</item>\n</channel></rss>\n";

    #[test]
    fn reads_authors_and_items() {
        let e = entries(DOC.as_bytes()).unwrap();
        assert_eq!(e.len(), 2);
        let Entry::Item(it) = &e[1] else { panic!() };
        assert_eq!(it.line, 4);
        assert_eq!(it.get("title"), "Caf&eacute; \u{2019}s");
        assert_eq!(it.get("content:encoded"), "<p>Hi</p>");
        assert_eq!(it.meta("_thumbnail_id"), Some("9"));
        assert_eq!(
            it.categories,
            vec![("category".into(), "city".into(), "City".into())]
        );
    }

    #[test]
    fn a_truncated_export_names_where_it_ends() {
        let cut = &DOC[..DOC.find("<p>Hi").unwrap()];
        let err = match entries(cut.as_bytes()) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("a truncated export was read"),
        };
        assert!(err.contains("item 7 (line 4)"), "{err}");
        assert!(err.contains("truncated"), "{err}");
    }

    #[test]
    fn bytes_that_are_not_utf8_are_replaced_and_flagged() {
        let mut doc = DOC.as_bytes().to_vec();
        let at = DOC.find("Caf").unwrap() + 3;
        doc.splice(at..at, [0xE9u8]);
        let e = entries(&doc).unwrap();
        let Entry::Item(it) = &e[1] else { panic!() };
        assert!(
            it.get("title").starts_with("Caf\u{fffd}"),
            "{}",
            it.get("title")
        );
        assert_eq!(it.lossy, vec!["title".to_string()]);
    }
}
