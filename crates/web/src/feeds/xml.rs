//! A small XML writer for feeds and sitemaps: elements are opened and closed by name, and
//! every text and attribute value goes through [`escape_into`], which escapes markup and drops
//! the characters XML 1.0 does not allow (control characters in an imported headline), so
//! whatever the database holds, the document is well-formed.

pub struct XmlWriter {
    out: String,
    open: Vec<&'static str>,
}

impl XmlWriter {
    pub fn new() -> Self {
        let mut out = String::with_capacity(16 * 1024);
        out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        Self {
            out,
            open: Vec::new(),
        }
    }

    fn start_tag(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.out.push('<');
        self.out.push_str(name);
        for (k, v) in attrs {
            self.out.push(' ');
            self.out.push_str(k);
            self.out.push_str("=\"");
            escape_into(&mut self.out, v);
            self.out.push('"');
        }
    }

    /// Opens `<name attrs…>`; [`XmlWriter::close`] ends it.
    pub fn open(&mut self, name: &'static str, attrs: &[(&str, &str)]) -> &mut Self {
        self.start_tag(name, attrs);
        self.out.push_str(">\n");
        self.open.push(name);
        self
    }

    /// Closes the innermost open element.
    pub fn close(&mut self) -> &mut Self {
        if let Some(name) = self.open.pop() {
            self.out.push_str("</");
            self.out.push_str(name);
            self.out.push_str(">\n");
        }
        self
    }

    /// `<name attrs…/>`
    pub fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) -> &mut Self {
        self.start_tag(name, attrs);
        self.out.push_str("/>\n");
        self
    }

    /// `<name attrs…>text</name>`, the text escaped.
    pub fn text(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) -> &mut Self {
        self.start_tag(name, attrs);
        self.out.push('>');
        escape_into(&mut self.out, text);
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
        self
    }

    /// The document, with every element still open closed.
    pub fn finish(mut self) -> String {
        while !self.open.is_empty() {
            self.close();
        }
        self.out
    }
}

/// Whether XML 1.0 allows `c` in a document (its `Char` production).
pub fn allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Appends `s` escaped for XML text or a double-quoted attribute, without the characters XML
/// does not allow.
pub fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if allowed(c) => out.push(c),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_attributes_are_escaped_and_illegal_characters_dropped() {
        let mut w = XmlWriter::new();
        w.open("feed", &[("xmlns", "urn:x")]);
        w.text(
            "title",
            &[("type", "a\"b<")],
            "Crane \u{1}lifts\u{b} <a> & \u{FFFE}'load'",
        );
        w.empty("link", &[("href", "https://x.example/?a=1&b=2")]);
        let out = w.finish();
        assert!(
            out.contains(
                "<title type=\"a&quot;b&lt;\">Crane lifts &lt;a&gt; &amp; &apos;load&apos;</title>"
            ),
            "{out}"
        );
        assert!(out.contains("href=\"https://x.example/?a=1&amp;b=2\"/>"));
        assert!(out.trim_end().ends_with("</feed>"), "{out}");
        assert!(!out.chars().any(|c| !allowed(c)));
    }

    #[test]
    fn tabs_newlines_and_astral_characters_stay() {
        let mut out = String::new();
        escape_into(&mut out, "a\tb\nc\r😀\u{0}\u{1f}");
        assert_eq!(out, "a\tb\nc\r😀");
    }
}
