//! An article as the newsroom's editor holds it: the fields as typed ([`ArticleDraft`], kept
//! verbatim in autosaves and revisions, so that nothing an author wrote is ever lost to a
//! validation rule), the checks that turn it into something the store may save
//! ([`ArticleDraft::check`]), the schedule time rule ([`parse_schedule`]) and the line diff
//! between two revisions ([`diff`]).
//!
//! Decisions where the issue is silent:
//! - Limits are generous for news but bounded: a headline of 200 characters, a body of
//!   400,000 bytes (a very long feature is ~60,000), at most 20 tags and 10 authors. Markdown
//!   nested deeper than [`MAX_NESTING`] levels (block quotes, lists) is refused with a message
//!   instead of being rendered: nobody writes it, and it is the shape of an attack on the
//!   renderer.
//! - A schedule time is a local wall-clock time in the publication's time zone. A time that
//!   does not exist there (the hour skipped when clocks go forward) is refused with the times
//!   on either side of the gap; a time that exists twice (clocks go back) means the first.

use jiff::{Timestamp, civil::DateTime, tz::TimeZone};
use serde::{Deserialize, Serialize};

use crate::{AccessLevel, ParseError, Slug};

pub const MAX_HEADLINE: usize = 200;
pub const MAX_KICKER: usize = 60;
pub const MAX_STANDFIRST: usize = 600;
pub const MAX_BODY_BYTES: usize = 400_000;
pub const MAX_BYLINE: usize = 300;
pub const MAX_SEO_TITLE: usize = 120;
pub const MAX_SEO_DESCRIPTION: usize = 320;
pub const MAX_TAGS: usize = 20;
pub const MAX_AUTHORS: usize = 10;
/// Block quotes and lists nested deeper than this are refused.
pub const MAX_NESTING: usize = 32;

/// The editor's fields, as typed. Tags and authors are comma-separated (authors by their
/// slug or name, in byline order); `section` is a section slug; `access` one of free,
/// metered, registered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ArticleDraft {
    pub headline: String,
    pub kicker: String,
    pub standfirst: String,
    pub body: String,
    pub section: String,
    pub tags: String,
    pub authors: String,
    pub byline: String,
    pub access: String,
    pub breaking: bool,
    pub slug: String,
    pub seo_title: String,
    pub seo_description: String,
}

/// A draft that passed [`ArticleDraft::check`]: what the store needs, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedDraft {
    pub headline: String,
    pub kicker: String,
    pub standfirst: String,
    pub body: String,
    pub section: Slug,
    /// (slug, name as typed)
    pub tags: Vec<(Slug, String)>,
    /// Author slugs or names, in order (the store resolves them).
    pub authors: Vec<String>,
    pub byline: String,
    pub access: AccessLevel,
    pub breaking: bool,
    pub slug: Slug,
    pub seo_title: String,
    pub seo_description: String,
}

/// A field's problem, for the message beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

fn too_long(field: &'static str, what: &str, max: usize, len: usize) -> FieldError {
    FieldError {
        field,
        message: format!(
            "The {what} is {len} characters long; it can have at most {max}. Please shorten it."
        ),
    }
}

impl ArticleDraft {
    /// Every problem at once (so the author fixes them in one go), or the parsed draft.
    pub fn check(&self) -> Result<CheckedDraft, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut err = |field: &'static str, message: String| {
            errors.push(FieldError { field, message });
        };
        let headline = self.headline.trim();
        let chars = |s: &str| s.chars().count();
        if headline.is_empty() {
            err("headline", "Every article needs a headline.".into());
        }
        for (field, what, value, max) in [
            ("headline", "headline", headline, MAX_HEADLINE),
            ("kicker", "kicker", self.kicker.trim(), MAX_KICKER),
            (
                "standfirst",
                "standfirst",
                self.standfirst.trim(),
                MAX_STANDFIRST,
            ),
            ("byline", "byline text", self.byline.trim(), MAX_BYLINE),
            (
                "seo_title",
                "SEO title",
                self.seo_title.trim(),
                MAX_SEO_TITLE,
            ),
            (
                "seo_description",
                "SEO description",
                self.seo_description.trim(),
                MAX_SEO_DESCRIPTION,
            ),
        ] {
            let n = chars(value);
            if n > max {
                let e = too_long(field, what, max, n);
                err(e.field, e.message);
            }
        }
        if self.body.len() > MAX_BODY_BYTES {
            err(
                "body",
                format!(
                    "The body is {} KB; an article can have at most {} KB. Split it into parts, or shorten it.",
                    self.body.len() / 1000,
                    MAX_BODY_BYTES / 1000
                ),
            );
        } else if nesting_depth(&self.body) > MAX_NESTING {
            err(
                "body",
                format!(
                    "The body nests quotes or lists more than {MAX_NESTING} levels deep; please flatten it."
                ),
            );
        }
        let section = match Slug::parse(&self.section) {
            Ok(s) => Some(s),
            Err(_) => {
                err("section", "Choose a section for the article.".into());
                None
            }
        };
        let access = match self.access.trim() {
            "" => Some(AccessLevel::Metered),
            a => match a.parse::<AccessLevel>() {
                Ok(a) => Some(a),
                Err(_) => {
                    err(
                        "access",
                        "Choose who may read it: free, metered or registered.".into(),
                    );
                    None
                }
            },
        };
        let slug = if self.slug.trim().is_empty() {
            Slug::from_title(headline).ok()
        } else {
            match Slug::parse(&self.slug) {
                Ok(s) => Some(s),
                Err(e) => {
                    err("slug", format!("The address: {e}."));
                    None
                }
            }
        };
        if slug.is_none() && !headline.is_empty() && self.slug.trim().is_empty() {
            err(
                "slug",
                "The headline has no letters or digits to make an address from: please write one (lowercase letters, digits and hyphens).".into(),
            );
        }
        let mut tags = Vec::new();
        for name in split_list(&self.tags) {
            match Slug::from_title(name) {
                Ok(s) if chars(name) <= 60 => {
                    if !tags.iter().any(|(t, _): &(Slug, String)| *t == s) {
                        tags.push((s, name.to_owned()));
                    }
                }
                _ => err(
                    "tags",
                    format!(
                        "“{}” cannot be a tag: a tag is a word or a few (at most 60 characters).",
                        name.chars().take(60).collect::<String>()
                    ),
                ),
            }
        }
        if tags.len() > MAX_TAGS {
            err(
                "tags",
                format!(
                    "At most {MAX_TAGS} tags, please (there are {}).",
                    tags.len()
                ),
            );
        }
        let authors: Vec<String> = split_list(&self.authors).map(str::to_owned).collect();
        if authors.len() > MAX_AUTHORS {
            err(
                "authors",
                format!(
                    "At most {MAX_AUTHORS} authors, please; name the others in the byline text."
                ),
            );
        }
        match (errors.is_empty(), section, access, slug) {
            (true, Some(section), Some(access), Some(slug)) => Ok(CheckedDraft {
                headline: headline.to_owned(),
                kicker: self.kicker.trim().to_owned(),
                standfirst: self.standfirst.trim().to_owned(),
                body: self.body.clone(),
                section,
                tags,
                authors,
                byline: self.byline.trim().to_owned(),
                access,
                breaking: self.breaking,
                slug,
                seo_title: self.seo_title.trim().to_owned(),
                seo_description: self.seo_description.trim().to_owned(),
            }),
            _ => Err(errors),
        }
    }
}

fn split_list(s: &str) -> impl Iterator<Item = &str> {
    s.split([',', '\n'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// The deepest nesting of block quotes and list items in `markdown`, read from line prefixes
/// (`>` and list markers, with the indentation that nests them); cheap, and an upper bound
/// good enough to refuse pathological input before it reaches the renderer.
pub fn nesting_depth(markdown: &str) -> usize {
    let mut deepest = 0;
    for line in markdown.lines() {
        let mut depth = 0;
        let mut rest = line;
        loop {
            let trimmed = rest.trim_start_matches([' ', '\t']);
            let indent = rest.len() - trimmed.len();
            depth += indent / 2;
            if let Some(r) = trimmed.strip_prefix('>') {
                depth += 1;
                rest = r;
            } else if let Some(r) = trimmed
                .strip_prefix("- ")
                .or_else(|| trimmed.strip_prefix("* "))
                .or_else(|| trimmed.strip_prefix("+ "))
            {
                depth += 1;
                rest = r;
            } else {
                break;
            }
            if depth > MAX_NESTING {
                return depth;
            }
        }
        deepest = deepest.max(depth);
    }
    deepest
}

/// The moment the local time `input` (`YYYY-MM-DDTHH:MM`, as a `datetime-local` field sends
/// it, or with a space) means in `tz`; refused when it is not after `now`, or does not exist
/// there (see the module docs).
pub fn parse_schedule(input: &str, tz: &TimeZone, now: Timestamp) -> Result<Timestamp, ParseError> {
    let input = input.trim();
    if input.is_empty() {
        return Err(ParseError::new(
            "Choose the date and time to publish at (day, month, year, hours and minutes).",
        ));
    }
    let dt: DateTime = input.replacen(' ', "T", 1).parse().map_err(|_| {
        ParseError::new(format!(
            "“{input}” is not a date and time: use the form 2026-12-24 18:30."
        ))
    })?;
    let ambiguous = tz.to_ambiguous_timestamp(dt);
    if let jiff::tz::AmbiguousOffset::Gap { before, after } = ambiguous.offset() {
        // The clocks jump at the transition: from its local time before to its local time after.
        let jump = after
            .to_timestamp(dt)
            .ok()
            .and_then(|t| tz.following(t).next())
            .map(|tr| {
                let t = tr.timestamp();
                let hm = |o: jiff::tz::Offset| o.to_datetime(t).strftime("%H:%M").to_string();
                format!(" (from {} straight to {})", hm(before), hm(after))
            })
            .unwrap_or_default();
        return Err(ParseError::new(format!(
            "{} does not exist in {}: the clocks go forward that night{jump}. Please choose another time.",
            dt.strftime("%-d %B %Y, %H:%M"),
            tz.iana_name().unwrap_or("the publication's time zone"),
        )));
    }
    let at = ambiguous
        .compatible()
        .map_err(|e| ParseError::new(format!("That time cannot be used: {e}")))?;
    if at <= now {
        return Err(ParseError::new(format!(
            "{} has already passed. To publish now, use “Publish now”; otherwise choose a later time.",
            dt.strftime("%-d %B %Y, %H:%M")
        )));
    }
    Ok(at)
}

/// One line of a diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffLine {
    /// "same", "added" or "removed".
    pub change: &'static str,
    pub text: String,
}

/// The line diff from `old` to `new` (plain text; templates escape it).
pub fn diff(old: &str, new: &str) -> Vec<DiffLine> {
    similar::TextDiff::from_lines(old, new)
        .iter_all_changes()
        .map(|c| DiffLine {
            change: match c.tag() {
                similar::ChangeTag::Equal => "same",
                similar::ChangeTag::Insert => "added",
                similar::ChangeTag::Delete => "removed",
            },
            text: c.value().trim_end_matches('\n').to_owned(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> ArticleDraft {
        ArticleDraft {
            headline: "Harbour bridge reopens".into(),
            body: "It reopened.".into(),
            section: "city".into(),
            tags: "harbour, Port Works, harbour".into(),
            authors: "ana-ribeiro, Tom Vale".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_good_draft_checks_with_defaults() {
        let c = good().check().unwrap();
        assert_eq!(c.slug.as_str(), "harbour-bridge-reopens");
        assert_eq!(c.access, AccessLevel::Metered);
        assert_eq!(c.tags.len(), 2, "duplicates dropped");
        assert_eq!(c.authors, ["ana-ribeiro", "Tom Vale"]);
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let d = ArticleDraft {
            headline: "x".repeat(10_000),
            section: String::new(),
            access: "vip".into(),
            slug: "Not A Slug".into(),
            ..good()
        };
        let errors = d.check().unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            ["headline", "section", "access", "slug"],
            "{errors:?}"
        );
        assert!(errors[0].message.contains("10000 characters"));
    }

    #[test]
    fn deep_nesting_is_refused_and_the_renderer_is_never_asked() {
        let d = ArticleDraft {
            body: ">".repeat(10_000) + " deep",
            ..good()
        };
        let errors = d.check().unwrap_err();
        assert_eq!(errors[0].field, "body");
        let lists: String = (0..10_000)
            .map(|i| format!("{}- x\n", "  ".repeat(i)))
            .collect();
        assert!(nesting_depth(&lists) > MAX_NESTING);
        assert!(nesting_depth("> a quote\n\n- a\n  - b\n") <= 3);
    }

    #[test]
    fn schedule_times_are_local_future_and_real() {
        let tz = TimeZone::get("Europe/Lisbon").unwrap();
        let now: Timestamp = "2026-03-20T12:00:00Z".parse().unwrap();
        let at = parse_schedule("2026-07-01T08:30", &tz, now).unwrap();
        assert_eq!(at, "2026-07-01T07:30:00Z".parse::<Timestamp>().unwrap());
        let past = parse_schedule("2026-03-20 11:00", &tz, now).unwrap_err();
        assert!(past.0.contains("already passed"), "{past}");
        let gap = parse_schedule("2026-03-29T01:30", &tz, now).unwrap_err();
        assert!(gap.0.contains("does not exist"), "{gap}");
        assert!(gap.0.contains("01:00") && gap.0.contains("02:00"), "{gap}");
        // 1:30 on 25 October 2026 happens twice: the first.
        let fold = parse_schedule("2026-10-25T01:30", &tz, now).unwrap();
        assert_eq!(fold, "2026-10-25T00:30:00Z".parse::<Timestamp>().unwrap());
        assert!(parse_schedule("tomorrow", &tz, now).is_err());
        assert!(parse_schedule("", &tz, now).is_err());
    }

    #[test]
    fn diffs_mark_added_and_removed_lines() {
        let d = diff("one\ntwo\nthree\n", "one\n2\nthree\n");
        let changes: Vec<_> = d.iter().map(|l| (l.change, l.text.as_str())).collect();
        assert_eq!(
            changes,
            [
                ("same", "one"),
                ("removed", "two"),
                ("added", "2"),
                ("same", "three")
            ]
        );
    }
}
