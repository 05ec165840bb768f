//! Reader comments: the rules, without I/O.
//!
//! - [`CommentBody::parse`] turns what a reader typed into sanitized HTML: paragraphs, line
//!   breaks, emphasis, strong emphasis and links (http and https only, `rel="nofollow ugc
//!   noopener"`). Everything else a reader might type (headings, lists, images, raw HTML) is
//!   shown as the text it is. The result passes through ammonia with only those tags allowed,
//!   so no markup a reader writes can reach another reader's browser as anything but text.
//! - [`decide`] is the moderation decision for a new comment: publish, hold for review, or
//!   refuse with a message. The newsroom's settings ([`ModerationSettings`]) drive it.
//! - [`Standing`] says whether a reader may post (warnings do not stop anyone; a suspension
//!   does until it ends; a ban does for good), with the message they see.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd, html};

/// The longest comment, in characters.
pub const MAX_CHARS: usize = 2000;
/// How long after posting a reader may edit their comment.
pub const EDIT_WINDOW_MS: i64 = 10 * 60_000;
/// The longest display name, in characters.
pub const MAX_NAME_CHARS: usize = 40;

/// Why a comment or a name was refused; the message is meant for the reader.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CommentError(pub String);

/// A comment as stored: the text as typed (trimmed) and its sanitized HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentBody {
    pub text: String,
    pub html: String,
    /// How many links the comment holds (new commenters' links are held for review).
    pub links: usize,
}

impl CommentBody {
    pub fn parse(input: &str) -> Result<Self, CommentError> {
        let text = input.replace("\r\n", "\n").trim().to_owned();
        if text.is_empty() {
            return Err(CommentError(
                "Your comment is empty. Please write something before posting.".into(),
            ));
        }
        let chars = text.chars().count();
        if chars > MAX_CHARS {
            return Err(CommentError(format!(
                "Your comment is {chars} characters long; the limit is {MAX_CHARS}. Please shorten it."
            )));
        }
        if text
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            return Err(CommentError(
                "Your comment contains characters that are not text (perhaps pasted from a file). Please type or paste plain text."
                    .into(),
            ));
        }
        let (html, links) = render(&text);
        Ok(Self { text, html, links })
    }
}

fn render(text: &str) -> (String, usize) {
    let mut links = 0;
    let mut out: Vec<Event<'_>> = Vec::new();
    // Links whose destination we refuse keep their text; their end tag must go too.
    let mut dropped_links = 0usize;
    for ev in Parser::new_ext(text, Options::ENABLE_STRIKETHROUGH) {
        let ev = match ev {
            Event::Start(Tag::Paragraph | Tag::Emphasis | Tag::Strong) => ev,
            Event::End(TagEnd::Paragraph | TagEnd::Emphasis | TagEnd::Strong) => ev,
            Event::Start(Tag::Link { ref dest_url, .. }) => {
                if dest_url.starts_with("https://") || dest_url.starts_with("http://") {
                    links += 1;
                    ev
                } else {
                    dropped_links += 1;
                    continue;
                }
            }
            Event::End(TagEnd::Link) => {
                if dropped_links > 0 {
                    dropped_links -= 1;
                    continue;
                }
                ev
            }
            // Block structure other than paragraphs becomes paragraphs.
            Event::Start(Tag::Heading { .. } | Tag::Item | Tag::BlockQuote(_)) => {
                Event::Start(Tag::Paragraph)
            }
            Event::End(TagEnd::Heading(_) | TagEnd::Item | TagEnd::BlockQuote(_)) => {
                Event::End(TagEnd::Paragraph)
            }
            Event::Start(Tag::CodeBlock(_)) => Event::Start(Tag::Paragraph),
            Event::End(TagEnd::CodeBlock) => Event::End(TagEnd::Paragraph),
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => {
                Event::Text(t)
            }
            Event::SoftBreak | Event::HardBreak => Event::HardBreak,
            // Lists, images, strikethrough, rules: their text stays, their markup goes.
            _ => continue,
        };
        out.push(ev);
    }
    let mut raw = String::with_capacity(text.len() * 2);
    html::push_html(&mut raw, out.into_iter());
    (sanitizer().clean(&raw).to_string(), links)
}

fn sanitizer() -> &'static ammonia::Builder<'static> {
    static BUILDER: std::sync::OnceLock<ammonia::Builder<'static>> = std::sync::OnceLock::new();
    BUILDER.get_or_init(|| {
        let mut b = ammonia::Builder::empty();
        b.add_tags(["p", "br", "em", "strong", "a"])
            .add_tag_attributes("a", ["href"])
            .add_url_schemes(["http", "https"])
            .link_rel(Some("nofollow ugc noopener"))
            .url_relative(ammonia::UrlRelative::Deny);
        b
    })
}

/// A display name: trimmed, 2 to 40 characters, no control characters.
pub fn parse_display_name(input: &str) -> Result<String, CommentError> {
    let name: String = input.split_whitespace().collect::<Vec<_>>().join(" ");
    let n = name.chars().count();
    if n < 2 {
        return Err(CommentError(
            "Please choose a name of at least 2 characters to show with your comments.".into(),
        ));
    }
    if n > MAX_NAME_CHARS {
        return Err(CommentError(format!(
            "Your name is {n} characters long; the limit is {MAX_NAME_CHARS}."
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(CommentError(
            "Your name contains characters that are not text.".into(),
        ));
    }
    Ok(name)
}

/// How new comments are moderated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModerationMode {
    /// Published at once; moderators act on reports (the default).
    Post,
    /// Every comment waits for a moderator.
    PreAll,
    /// Comments wait until their writer has this many approved comments.
    PreNew,
}

impl ModerationMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Post => "post",
            Self::PreAll => "pre",
            Self::PreNew => "pre_new",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "post" => Some(Self::Post),
            "pre" => Some(Self::PreAll),
            "pre_new" => Some(Self::PreNew),
            _ => None,
        }
    }
}

/// The newsroom's moderation settings (stored in the `settings` table).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModerationSettings {
    pub mode: ModerationMode,
    /// Approved comments after which a commenter is no longer new.
    pub trusted_after: i64,
    /// Words or phrases that refuse a comment.
    pub banned_words: Vec<String>,
    /// Words or phrases that hold a comment for review.
    pub suspect_words: Vec<String>,
    /// Hold comments with links from new commenters.
    pub hold_links: bool,
    /// Reports that hide a comment until a moderator looks at it.
    pub report_threshold: i64,
    /// Comments per reader per minute.
    pub per_minute: i64,
}

impl Default for ModerationSettings {
    fn default() -> Self {
        Self {
            mode: ModerationMode::Post,
            trusted_after: 3,
            banned_words: Vec::new(),
            suspect_words: Vec::new(),
            hold_links: true,
            report_threshold: 3,
            per_minute: 5,
        }
    }
}

/// A word list typed by a moderator: one entry per line or comma, lowercased, blanks dropped.
pub fn parse_word_list(input: &str) -> Vec<String> {
    let mut words: Vec<String> = input
        .split(['\n', ','])
        .map(|w| {
            w.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect();
    words.sort();
    words.dedup();
    words
}

/// The first entry of `list` found in `text` as a whole word or phrase (case-insensitive):
/// "ass" does not match "class", "bad word" matches "a Bad  Word!".
pub fn find_word<'a>(text: &str, list: &'a [String]) -> Option<&'a str> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    list.iter()
        .find(|entry| {
            let needle: Vec<&str> = entry
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .collect();
            !needle.is_empty()
                && words
                    .windows(needle.len())
                    .any(|w| w.iter().zip(&needle).all(|(a, b)| a == b))
        })
        .map(String::as_str)
}

/// What happens to a new comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Publish,
    /// Held for a moderator, with the reason shown in the queue.
    Hold(String),
    /// Refused, with a message for the writer.
    Refuse(String),
}

/// Who is writing, as far as moderation cares.
#[derive(Debug, Clone, Copy)]
pub struct Writer {
    /// Staff are never held (they are the moderators).
    pub staff: bool,
    pub approved_comments: i64,
}

pub fn decide(settings: &ModerationSettings, writer: Writer, body: &CommentBody) -> Decision {
    if find_word(&body.text, &settings.banned_words).is_some() {
        return Decision::Refuse(
            "Your comment contains language we do not publish. Please rephrase it and post again."
                .into(),
        );
    }
    if writer.staff {
        return Decision::Publish;
    }
    let new = writer.approved_comments < settings.trusted_after;
    if settings.mode == ModerationMode::PreAll {
        return Decision::Hold("pre-moderation".into());
    }
    if settings.mode == ModerationMode::PreNew && new {
        return Decision::Hold("new commenter".into());
    }
    if let Some(w) = find_word(&body.text, &settings.suspect_words) {
        return Decision::Hold(format!("suspect word: {w}"));
    }
    if settings.hold_links && new && body.links > 0 {
        return Decision::Hold("link from a new commenter".into());
    }
    Decision::Publish
}

/// Whether enough reports have come in to hide a comment until a moderator reviews it.
pub fn reports_hide(open_reports: i64, threshold: i64) -> bool {
    threshold > 0 && open_reports >= threshold
}

/// Whether a comment posted at `created_at` may still be edited at `now`.
pub fn can_edit(created_at: i64, now: i64) -> bool {
    now >= created_at && now - created_at <= EDIT_WINDOW_MS
}

/// Why a reader reports a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportReason {
    Offensive,
    Abusive,
    Spam,
    Other,
}

impl ReportReason {
    pub const ALL: [ReportReason; 4] = [Self::Offensive, Self::Abusive, Self::Spam, Self::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Offensive => "offensive",
            Self::Abusive => "abusive",
            Self::Spam => "spam",
            Self::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }
}

/// A commenter's standing, set by moderators.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Standing {
    pub banned: bool,
    pub suspended_until: Option<i64>,
}

impl Standing {
    /// Ok if the reader may post at `now`; otherwise the message they see.
    pub fn may_post(&self, now: i64, tz: &jiff::tz::TimeZone) -> Result<(), CommentError> {
        if self.banned {
            return Err(CommentError(
                "You can no longer comment here: a moderator has banned your account from commenting. You can still read every article."
                    .into(),
            ));
        }
        if let Some(until) = self.suspended_until.filter(|u| *u > now) {
            let when = jiff::Timestamp::from_millisecond(until)
                .map(|t| {
                    t.to_zoned(tz.clone())
                        .strftime("%-d %B %Y at %H:%M")
                        .to_string()
                })
                .unwrap_or_default();
            return Err(CommentError(format!(
                "A moderator has suspended your commenting until {when}. You can comment again after that."
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
