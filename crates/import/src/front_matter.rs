//! Front matter: YAML between `---` lines or TOML between `+++` lines at the top of a file.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    pub headline: String,
    #[serde(default)]
    pub slug: Option<String>,
    #[serde(default)]
    pub standfirst: String,
    pub section: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub authors: Vec<String>,
    #[serde(default)]
    pub published: Option<DateValue>,
    #[serde(default)]
    pub updated: Option<DateValue>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub access: Option<String>,
    #[serde(default)]
    pub breaking: bool,
    #[serde(default)]
    pub lead_photo: Option<PhotoEntry>,
    #[serde(default)]
    pub photos: Vec<PhotoEntry>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhotoEntry {
    #[serde(default)]
    pub name: String,
    pub file: String,
    #[serde(default)]
    pub alt: String,
    #[serde(default)]
    pub caption: String,
    #[serde(default)]
    pub credit: String,
}

/// A date as written: YAML gives a string; TOML may give a native datetime.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum DateValue {
    Text(String),
    Toml(toml::value::Datetime),
}

impl DateValue {
    fn text(&self) -> String {
        match self {
            DateValue::Text(s) => s.trim().to_owned(),
            DateValue::Toml(d) => d.to_string(),
        }
    }
}

/// `2026-11-27T07:45:00Z`, `2026-11-27T08:45:00+01:00`, or a plain date `2026-11-27` (midnight UTC).
fn parse_time(
    field: &str,
    value: &DateValue,
) -> Result<jiff::Timestamp, masthead_core::ParseError> {
    let text = value.text();
    if let Ok(t) = text.parse::<jiff::Timestamp>() {
        return Ok(t);
    }
    if let Ok(d) = text.parse::<jiff::civil::Date>()
        && let Ok(z) = d.to_zoned(jiff::tz::TimeZone::UTC)
    {
        return Ok(z.timestamp());
    }
    Err(masthead_core::ParseError::new(format!(
        "`{field}: {text}` is not a date and time; write it like 2026-11-27T07:45:00Z"
    )))
}

impl FrontMatter {
    pub fn published_at(&self) -> Result<Option<jiff::Timestamp>, masthead_core::ParseError> {
        self.published
            .as_ref()
            .map(|v| parse_time("published", v))
            .transpose()
    }

    pub fn updated_at(&self) -> Result<Option<jiff::Timestamp>, masthead_core::ParseError> {
        self.updated
            .as_ref()
            .map(|v| parse_time("updated", v))
            .transpose()
    }
}

/// Splits a file into its front matter and body. Errors carry the line in the file.
/// Returns the front matter, the body, and the line on which the body starts.
pub fn parse(text: &str) -> Result<(FrontMatter, &str, usize), (Option<usize>, String)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (delim, yaml) = if text.starts_with("---") {
        ("---", true)
    } else if text.starts_with("+++") {
        ("+++", false)
    } else {
        return Err((
            Some(1),
            "the file has no front matter: it must start with a `---` (YAML) or `+++` (TOML) line"
                .into(),
        ));
    };
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().unwrap_or_default();
    if first.trim_end() != delim {
        return Err((Some(1), format!("the first line must be `{delim}` alone")));
    }
    let mut offset = first.len();
    let mut line_no = 1;
    let start = offset;
    let mut end = None;
    for line in lines {
        line_no += 1;
        if line.trim_end() == delim {
            end = Some((offset, offset + line.len()));
            break;
        }
        offset += line.len();
    }
    let Some((fm_end, body_start)) = end else {
        return Err((
            None,
            format!("the front matter is not closed: add a `{delim}` line after it"),
        ));
    };
    let source = &text[start..fm_end];
    let body = &text[body_start..];
    let fm: FrontMatter = if yaml {
        serde_norway::from_str(source).map_err(|e| {
            let line = e.location().map(|l| l.line() + 1);
            (
                line,
                format!("front matter: {}", strip_location(&e.to_string())),
            )
        })?
    } else {
        toml::from_str(source).map_err(|e| {
            let line = e
                .span()
                .map(|s| source[..s.start.min(source.len())].matches('\n').count() + 2);
            (line, format!("front matter: {}", e.message()))
        })?
    };
    Ok((fm, body, line_no + 1))
}

/// serde_norway appends " at line X column Y"; the line is reported separately.
fn strip_location(msg: &str) -> String {
    match msg.find(" at line ") {
        Some(i) => msg[..i].to_owned(),
        None => msg.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_and_toml_front_matter() {
        let (fm, body, line) =
            parse("---\nheadline: \"Hi\"\nsection: city\nauthors: [a]\n---\nBody\n").unwrap();
        assert_eq!((fm.headline.as_str(), body, line), ("Hi", "Body\n", 6));
        let (fm, body, _) =
            parse("+++\nheadline = \"Hi\"\nsection = \"city\"\npublished = 2026-11-27T07:45:00Z\n+++\nBody").unwrap();
        assert_eq!(fm.section, "city");
        assert_eq!(body, "Body");
        assert_eq!(
            fm.published_at().unwrap().unwrap().to_string(),
            "2026-11-27T07:45:00Z"
        );
    }

    #[test]
    fn errors_name_the_line() {
        let (line, msg) =
            parse("---\nheadline: \"Hi\"\nsection: city\nbreaking: perhaps\n---\n").unwrap_err();
        assert_eq!(line, Some(4), "{msg}");
        assert!(msg.contains("breaking") || msg.contains("bool"), "{msg}");
        let (line, msg) = parse("---\nheadline: x\nsection: city\ncolour: red\n---\n").unwrap_err();
        assert_eq!(line, Some(4), "{msg}");
        assert!(msg.contains("colour"), "{msg}");
        let (_, msg) = parse("---\nheadline: x\n").unwrap_err();
        assert!(msg.contains("not closed"), "{msg}");
        let (line, _) = parse("Just text").unwrap_err();
        assert_eq!(line, Some(1));
        let (line, msg) = parse("+++\nheadline = \"x\"\nsection = 3\n+++\n").unwrap_err();
        assert_eq!(line, Some(3), "{msg}");
    }

    #[test]
    fn dates() {
        let fm = |p: &str| {
            parse(&format!(
                "---\nheadline: x\nsection: c\npublished: {p}\n---\n"
            ))
            .unwrap()
            .0
        };
        assert_eq!(
            fm("2026-11-27")
                .published_at()
                .unwrap()
                .unwrap()
                .to_string(),
            "2026-11-27T00:00:00Z"
        );
        assert_eq!(
            fm("2026-11-27T08:45:00+01:00")
                .published_at()
                .unwrap()
                .unwrap()
                .to_string(),
            "2026-11-27T07:45:00Z"
        );
        assert!(fm("\"yesterday\"").published_at().is_err());
    }
}
