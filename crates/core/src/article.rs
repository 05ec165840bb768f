//! The words of the content model that have rules: an article's status and access level, and a
//! photo's descriptive fields.

use std::{fmt, str::FromStr};

use crate::ParseError;

/// Where an article is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArticleStatus {
    Draft,
    /// Will be published by the job queue at its `published_at` time.
    Scheduled,
    Published,
}

/// Who may read an article's full text (enforced by the registration wall).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccessLevel {
    /// Everyone, always; never counts toward the meter.
    Free,
    /// Anonymous readers may read a few a month; then the wall.
    Metered,
    /// Only signed-in readers.
    Registered,
}

macro_rules! text_enum {
    ($ty:ident, $what:literal, $($variant:ident => $text:literal),+) => {
        impl $ty {
            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $text),+ }
            }
        }
        impl FromStr for $ty {
            type Err = ParseError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s.trim().to_ascii_lowercase().as_str() {
                    $($text => Ok($ty::$variant),)+
                    other => Err(ParseError::new(format!(
                        concat!("unknown ", $what, " “{}”: use one of {}"),
                        other,
                        [$($text),+].join(", ")
                    ))),
                }
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum!(ArticleStatus, "status", Draft => "draft", Scheduled => "scheduled", Published => "published");
text_enum!(AccessLevel, "access level", Free => "free", Metered => "metered", Registered => "registered");

/// What a newspaper prints with a photo. Alt text describes the picture for people who cannot
/// see it; the caption tells the story; the credit names who made it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PhotoMeta {
    pub alt: String,
    pub caption: String,
    pub credit: String,
}

impl PhotoMeta {
    pub fn new(alt: &str, caption: &str, credit: &str) -> Result<Self, ParseError> {
        let alt = alt.trim();
        if alt.is_empty() {
            return Err(ParseError::new(
                "a photo needs alt text that describes it for readers who cannot see it",
            ));
        }
        if alt.chars().count() > 500 {
            return Err(ParseError::new(
                "a photo's alt text can have at most 500 characters",
            ));
        }
        Ok(Self {
            alt: alt.to_owned(),
            caption: caption.trim().to_owned(),
            credit: credit.trim().to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_and_access_parse() {
        assert_eq!(
            "Published".parse::<ArticleStatus>().unwrap(),
            ArticleStatus::Published
        );
        assert_eq!(
            "registered".parse::<AccessLevel>().unwrap(),
            AccessLevel::Registered
        );
        let err = "paid".parse::<AccessLevel>().unwrap_err();
        assert!(err.0.contains("free, metered, registered"), "{err}");
    }

    #[test]
    fn photos_need_alt_text() {
        assert!(PhotoMeta::new("  ", "c", "d").is_err());
        let p = PhotoMeta::new(" A tram ", " Caption ", " Credit ").unwrap();
        assert_eq!(
            (p.alt.as_str(), p.caption.as_str(), p.credit.as_str()),
            ("A tram", "Caption", "Credit")
        );
    }
}
