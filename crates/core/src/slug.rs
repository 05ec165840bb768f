//! URL slugs: the human-readable, stable part of article, section, tag and author URLs.

use std::fmt;

use crate::ParseError;

/// Words that cannot be section slugs, because sections live at the top level of the URL space
/// (`/city`) beside the site's own routes.
const RESERVED: &[&str] = &[
    "api",
    "account",
    "author",
    "authors",
    "corrections",
    "preview",
    "admin",
    "feed.xml",
    "healthz",
    "media",
    "metrics",
    "newsroom",
    "readyz",
    "robots.txt",
    "search",
    "sign-in",
    "register",
    "sitemap.xml",
    "sitemaps",
    "static",
    "tag",
    "tags",
    "favicon.ico",
];

const MAX_LEN: usize = 120;

/// A lowercase ASCII slug: letters, digits and single hyphens, at most 120 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Slug(String);

impl Slug {
    /// Accepts a slug as written (e.g. in front matter); it must already be in slug form.
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(ParseError::new("a slug cannot be empty"));
        }
        if s.len() > MAX_LEN {
            return Err(ParseError::new(format!(
                "a slug can have at most {MAX_LEN} characters"
            )));
        }
        if !s
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(ParseError::new(format!(
                "“{s}” is not a valid slug: use lowercase letters a-z, digits and hyphens"
            )));
        }
        if s.starts_with('-') || s.ends_with('-') || s.contains("--") {
            return Err(ParseError::new(format!(
                "“{s}” is not a valid slug: hyphens go between words, one at a time"
            )));
        }
        Ok(Self(s.to_owned()))
    }

    /// Makes a slug out of a title or a name: "Café Society, Part 2!" becomes `cafe-society-part-2`.
    pub fn from_title(title: &str) -> Result<Self, ParseError> {
        let mut out = String::with_capacity(title.len());
        let mut pending_hyphen = false;
        for ch in title.chars().flat_map(fold_char) {
            if ch.is_ascii_alphanumeric() {
                if pending_hyphen && !out.is_empty() {
                    out.push('-');
                }
                pending_hyphen = false;
                if out.len() >= MAX_LEN {
                    break;
                }
                out.push(ch.to_ascii_lowercase());
            } else if ch != '\'' && ch != '’' {
                pending_hyphen = true;
            }
        }
        while out.ends_with('-') {
            out.pop();
        }
        if out.is_empty() {
            return Err(ParseError::new(format!(
                "cannot make a slug from “{title}”: it has no letters or digits"
            )));
        }
        Ok(Self(out))
    }

    /// A slug that may also serve as a top-level section path.
    pub fn parse_section(input: &str) -> Result<Self, ParseError> {
        let slug = Self::parse(input)?;
        if RESERVED.contains(&slug.as_str()) {
            return Err(ParseError::new(format!(
                "“{slug}” is reserved for the site's own pages; choose another section slug"
            )));
        }
        Ok(slug)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Folds the Latin letters with diacritics that newsrooms meet most into ASCII.
fn fold_char(ch: char) -> impl Iterator<Item = char> {
    let folded: &str = match ch {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ą' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => {
            "a"
        }
        'æ' | 'Æ' => "ae",
        'ç' | 'ć' | 'č' | 'Ç' | 'Ć' | 'Č' => "c",
        'ď' | 'đ' | 'Ď' | 'Đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' | 'È' | 'É' | 'Ê' | 'Ë' | 'Ę' | 'Ě' => {
            "e"
        }
        'ğ' | 'Ğ' => "g",
        'ì' | 'í' | 'î' | 'ï' | 'ı' | 'Ì' | 'Í' | 'Î' | 'Ï' | 'İ' => "i",
        'ł' | 'Ł' | 'ľ' | 'Ľ' => "l",
        'ñ' | 'ń' | 'ň' | 'Ñ' | 'Ń' | 'Ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' | 'Ő' => {
            "o"
        }
        'œ' | 'Œ' => "oe",
        'ř' | 'Ř' => "r",
        'ś' | 'š' | 'ş' | 'Ś' | 'Š' | 'Ş' => "s",
        'ß' => "ss",
        'ť' | 'ţ' | 'Ť' | 'Ţ' => "t",
        'þ' | 'Þ' => "th",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' | 'Ù' | 'Ú' | 'Û' | 'Ü' | 'Ů' | 'Ű' => {
            "u"
        }
        'ý' | 'ÿ' | 'Ý' => "y",
        'ź' | 'ż' | 'ž' | 'Ź' | 'Ż' | 'Ž' => "z",
        '&' => " and ",
        _ => "",
    };
    let single = if folded.is_empty() { Some(ch) } else { None };
    folded.chars().chain(single)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_from_titles() {
        let cases = [
            ("Tram line opens in March", "tram-line-opens-in-march"),
            ("Café Society, Part 2!", "cafe-society-part-2"),
            ("  Inés Okafor ", "ines-okafor"),
            (
                "Port Aldine’s budget: what’s in it?",
                "port-aldines-budget-whats-in-it",
            ),
            ("Rock & roll", "rock-and-roll"),
            ("Łódź — Straße", "lodz-strasse"),
        ];
        for (title, want) in cases {
            assert_eq!(Slug::from_title(title).unwrap().as_str(), want, "{title}");
        }
    }

    #[test]
    fn slug_from_title_without_letters_is_an_error() {
        assert!(Slug::from_title("!!! ---").is_err());
        assert!(Slug::from_title("").is_err());
    }

    #[test]
    fn long_titles_are_cut() {
        let s = Slug::from_title(&"word ".repeat(100)).unwrap();
        assert!(s.as_str().len() <= MAX_LEN);
        assert!(!s.as_str().ends_with('-'));
    }

    #[test]
    fn parse_rejects_invalid_slugs() {
        for bad in [
            "",
            "Upper",
            "two--hyphens",
            "-lead",
            "trail-",
            "spa ce",
            "é",
        ] {
            assert!(Slug::parse(bad).is_err(), "{bad:?} should be rejected");
        }
        assert_eq!(Slug::parse(" ok-slug-2 ").unwrap().as_str(), "ok-slug-2");
    }

    #[test]
    fn reserved_section_slugs_are_refused() {
        let err = Slug::parse_section("search").unwrap_err();
        assert!(err.0.contains("reserved"));
        assert!(Slug::parse_section("city").is_ok());
    }
}
