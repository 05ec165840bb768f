//! The Daily Edition's rules, no I/O: which day an edition covers, how its stories are chosen,
//! and the signed unsubscribe token its emails carry.
//!
//! Decisions (the issue is silent on them):
//! - **The news day.** The edition dated D (a local date in the publication's time zone) holds
//!   the articles published in the 24 hours before D's send time (default 06:00 local): from
//!   D−1 at the send time to D at the send time, DST-correct (a day may be 23 or 25 hours long).
//!   A 06:00 email dated Tuesday thus carries Monday's news and the night's; an edition sent by
//!   hand later on Tuesday is the same edition (same stories, same date), which is what makes
//!   "at most once per date" meaningful.
//! - **Stories.** Up to [`LEAD_STORIES`] lead stories (breaking first, then the front page's
//!   order: newest first), then up to [`PER_SECTION`] more per section, in the sections' order,
//!   never repeating a lead. Each story is its headline, standfirst, link and lead photo (alt
//!   text kept): never body text, so gated text cannot reach an inbox.
//! - **Unsubscribe tokens** name the reader and an expiry, signed with HMAC-SHA256 under a
//!   key of the site's (kept in `settings`). They last [`TOKEN_VALID_DAYS`] after the edition
//!   that carried them, long enough for a reader going through an old email, short enough that
//!   a leaked link stops working.

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use jiff::{Timestamp, ToSpan, civil::Date, civil::Time, tz::TimeZone};
use sha2::Sha256;

use crate::ParseError;

pub mod curation;

/// Lead stories at the top of an edition.
pub const LEAD_STORIES: usize = 3;
/// Stories per section after the leads.
pub const PER_SECTION: usize = 3;
/// How long an unsubscribe link works after the edition that carried it.
pub const TOKEN_VALID_DAYS: i64 = 90;

/// An edition's date as typed (`YYYY-MM-DD`), with a message a person can act on.
pub fn parse_date(s: &str) -> Result<Date, ParseError> {
    let s = s.trim();
    let ok = s.len() == 10 && s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-';
    ok.then(|| s.parse::<Date>().ok()).flatten().ok_or_else(|| {
        ParseError::new(format!(
            "“{s}” is not a date: write it as YYYY-MM-DD, e.g. 2026-12-01"
        ))
    })
}

/// The moment the edition dated `date` goes out: `send_at` on that local day (after a
/// spring-forward gap when the time does not exist that day, the first of two when it exists
/// twice, as [`crate::schedule::next_daily`] does).
pub fn send_time(date: Date, send_at: Time, tz: &TimeZone) -> Timestamp {
    date.to_datetime(send_at)
        .to_zoned(tz.clone())
        .map(|z| z.timestamp())
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

/// The news day of the edition dated `date`: `[from, to)` in UTC.
pub fn news_day(date: Date, send_at: Time, tz: &TimeZone) -> (Timestamp, Timestamp) {
    let to = send_time(date, send_at, tz);
    let from = date
        .checked_sub(1.day())
        .map(|d| send_time(d, send_at, tz))
        .unwrap_or(Timestamp::UNIX_EPOCH);
    (from, to)
}

/// The date of the edition that is (or was last) due at `now`: today's once today's send time
/// has come, yesterday's before.
pub fn current_date(now: Timestamp, send_at: Time, tz: &TimeZone) -> Date {
    let today = now.to_zoned(tz.clone()).date();
    if send_time(today, send_at, tz) <= now {
        today
    } else {
        today.checked_sub(1.day()).unwrap_or(today)
    }
}

/// A candidate story, as the store reads it. `breaking` and `published_at` order the leads.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Story {
    pub article_id: String,
    pub headline: String,
    pub standfirst: String,
    /// The site-relative path (`/section/slug`).
    pub path: String,
    pub section_slug: String,
    pub section_name: String,
    pub breaking: bool,
    pub published_at: i64,
    /// The lead photo's site-relative URL and alt text.
    pub photo: Option<StoryPhoto>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoryPhoto {
    pub path: String,
    pub alt: String,
}

/// A section's stories.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SectionStories {
    pub slug: String,
    pub name: String,
    pub stories: Vec<Story>,
}

/// What an edition carries, fixed when its send starts (and stored with it, so that a resumed
/// send renders the same email).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EditionContent {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// "Tuesday 1 December 2026".
    pub date_label: String,
    pub leads: Vec<Story>,
    pub sections: Vec<SectionStories>,
    /// The editor's short introduction (empty: none). `curation`.
    #[serde(default)]
    pub intro: String,
}

impl EditionContent {
    pub fn story_count(&self) -> usize {
        self.leads.len() + self.sections.iter().map(|s| s.stories.len()).sum::<usize>()
    }
}

/// Chooses the stories: `candidates` are the news day's published articles in any order;
/// `sections` the site's sections in their order (slug, name).
pub fn compose(
    date: Date,
    candidates: Vec<Story>,
    sections: &[(String, String)],
) -> EditionContent {
    compose_with_leads(date, candidates, sections, LEAD_STORIES)
}

/// [`compose`] with `lead_count` leads (the editor's pins take the others' places).
pub(crate) fn compose_with_leads(
    date: Date,
    mut candidates: Vec<Story>,
    sections: &[(String, String)],
    lead_count: usize,
) -> EditionContent {
    // The front page's order: breaking first, then newest first (ties by ID, for a stable
    // email whichever node composes it).
    candidates.sort_by(|a, b| {
        b.breaking
            .cmp(&a.breaking)
            .then(b.published_at.cmp(&a.published_at))
            .then(a.article_id.cmp(&b.article_id))
    });
    let leads: Vec<Story> = candidates.iter().take(lead_count).cloned().collect();
    let rest = &candidates[leads.len()..];
    let mut blocks = Vec::new();
    for (slug, name) in sections {
        let stories: Vec<Story> = rest
            .iter()
            .filter(|s| &s.section_slug == slug)
            .take(PER_SECTION)
            .cloned()
            .collect();
        if !stories.is_empty() {
            blocks.push(SectionStories {
                slug: slug.clone(),
                name: name.clone(),
                stories,
            });
        }
    }
    EditionContent {
        date: date.to_string(),
        date_label: date.strftime("%A %-d %B %Y").to_string(),
        leads,
        sections: blocks,
        intro: String::new(),
    }
}

type HmacSha256 = Hmac<Sha256>;

/// Bytes of the MAC kept in a token: 128 bits.
const MAC_LEN: usize = 16;

/// Why an unsubscribe token was refused: the page says which, and what to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    /// Not a token we made (cut short by a mail client, edited, or forged).
    Garbled,
    /// Ours, but older than [`TOKEN_VALID_DAYS`] after its edition.
    Expired,
}

/// A verified unsubscribe token: whose it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsubscribeToken {
    pub reader_id: String,
    pub expires_at_ms: i64,
}

/// `READER_ID.EXPIRY_MS.MAC` (the MAC URL-safe base64): it has only URL-safe characters.
pub fn sign_unsubscribe(key: &[u8], reader_id: &str, expires_at_ms: i64) -> String {
    let payload = format!("{reader_id}.{expires_at_ms}");
    let mac = mac(key, &payload);
    format!("{payload}.{}", URL_SAFE_NO_PAD.encode(&mac[..MAC_LEN]))
}

/// Checks a token from a link: its MAC (in constant time), then its expiry against `now_ms`.
pub fn verify_unsubscribe(
    key: &[u8],
    token: &str,
    now_ms: i64,
) -> Result<UnsubscribeToken, TokenError> {
    if token.len() > 200 {
        return Err(TokenError::Garbled);
    }
    let (payload, mac_b64) = token.rsplit_once('.').ok_or(TokenError::Garbled)?;
    let (reader_id, expiry) = payload.rsplit_once('.').ok_or(TokenError::Garbled)?;
    let given = URL_SAFE_NO_PAD
        .decode(mac_b64)
        .map_err(|_| TokenError::Garbled)?;
    let mut check = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    check.update(payload.as_bytes());
    check
        .verify_truncated_left(&given)
        .ok()
        .filter(|()| given.len() == MAC_LEN)
        .ok_or(TokenError::Garbled)?;
    let expires_at_ms: i64 = expiry.parse().map_err(|_| TokenError::Garbled)?;
    if reader_id.is_empty() {
        return Err(TokenError::Garbled);
    }
    if expires_at_ms <= now_ms {
        return Err(TokenError::Expired);
    }
    Ok(UnsubscribeToken {
        reader_id: reader_id.to_owned(),
        expires_at_ms,
    })
}

fn mac(key: &[u8], payload: &str) -> Vec<u8> {
    let mut m = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    m.update(payload.as_bytes());
    m.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn story(id: &str, section: &str, breaking: bool, at: i64) -> Story {
        Story {
            article_id: id.into(),
            headline: format!("Headline {id}"),
            standfirst: String::new(),
            path: format!("/{section}/{id}"),
            section_slug: section.into(),
            section_name: section.to_uppercase(),
            breaking,
            published_at: at,
            photo: None,
        }
    }

    #[test]
    fn the_news_day_ends_at_the_send_time_across_dst() {
        let tz = TimeZone::get("Europe/Lisbon").unwrap();
        let six = Time::constant(6, 0, 0, 0);
        let (from, to) = news_day(Date::constant(2026, 12, 1), six, &tz);
        assert_eq!(to, "2026-12-01T06:00:00Z".parse().unwrap());
        assert_eq!(from, "2026-11-30T06:00:00Z".parse().unwrap());
        // 29 March 2026: clocks go forward at 01:00, the day is 23 hours long.
        let (from, to) = news_day(Date::constant(2026, 3, 29), six, &tz);
        assert_eq!(to, "2026-03-29T05:00:00Z".parse().unwrap());
        assert_eq!(from, "2026-03-28T06:00:00Z".parse().unwrap());
        assert_eq!(
            (to.as_millisecond() - from.as_millisecond()) / 3_600_000,
            23
        );
    }

    #[test]
    fn the_current_edition_turns_over_at_the_send_time() {
        let tz = TimeZone::get("America/New_York").unwrap();
        let six = Time::constant(6, 0, 0, 0);
        // 05:59 local on 2 December: still the 1 December edition.
        let before = "2026-12-02T10:59:00Z".parse().unwrap();
        assert_eq!(current_date(before, six, &tz), Date::constant(2026, 12, 1));
        let at = "2026-12-02T11:00:00Z".parse().unwrap();
        assert_eq!(current_date(at, six, &tz), Date::constant(2026, 12, 2));
    }

    #[test]
    fn dates_are_parsed_with_a_helpful_message() {
        assert_eq!(
            parse_date("2026-12-01").unwrap(),
            Date::constant(2026, 12, 1)
        );
        for bad in [
            "",
            "2026-13-01",
            "1/12/2026",
            "2026-2-1",
            "tomorrow",
            "2026-02-30",
        ] {
            let e = parse_date(bad).unwrap_err();
            assert!(e.0.contains("YYYY-MM-DD"), "{bad}: {e}");
        }
    }

    #[test]
    fn breaking_leads_then_newest_then_a_few_per_section() {
        let candidates = vec![
            story("a", "city", false, 10),
            story("b", "city", false, 50),
            story("c", "sport", true, 5),
            story("d", "city", false, 40),
            story("e", "city", false, 30),
            story("f", "city", false, 20),
            story("g", "city", false, 15),
            story("h", "city", false, 1),
            story("i", "arts", false, 2),
        ];
        let sections = vec![
            ("sport".to_owned(), "Sport".to_owned()),
            ("city".to_owned(), "City".to_owned()),
            ("arts".to_owned(), "Arts".to_owned()),
            ("empty".to_owned(), "Empty".to_owned()),
        ];
        let e = compose(Date::constant(2026, 12, 1), candidates, &sections);
        let ids = |v: &[Story]| v.iter().map(|s| s.article_id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&e.leads), ["c", "b", "d"]);
        assert_eq!(e.sections.len(), 2, "empty sections are left out");
        assert_eq!(e.sections[0].slug, "city");
        assert_eq!(ids(&e.sections[0].stories), ["e", "f", "g"]);
        assert_eq!(ids(&e.sections[1].stories), ["i"]);
        assert_eq!(e.date_label, "Tuesday 1 December 2026");
        assert_eq!(e.story_count(), 7);
    }

    #[test]
    fn unsubscribe_tokens_verify_and_refuse_tampering_and_age() {
        let key = b"k3y";
        let t = sign_unsubscribe(key, "0190-reader", 1_000);
        assert!(
            t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        );
        let ok = verify_unsubscribe(key, &t, 999).unwrap();
        assert_eq!(ok.reader_id, "0190-reader");
        assert_eq!(verify_unsubscribe(key, &t, 1_000), Err(TokenError::Expired));
        assert_eq!(
            verify_unsubscribe(b"other", &t, 0),
            Err(TokenError::Garbled)
        );
        let forged = t.replace("0190-reader", "0190-victim");
        assert_eq!(
            verify_unsubscribe(key, &forged, 0),
            Err(TokenError::Garbled)
        );
        let later = t.replace(".1000.", ".99999999.");
        assert_eq!(verify_unsubscribe(key, &later, 0), Err(TokenError::Garbled));
        for garbled in ["", ".", "a.b", "a.b.c", &t[..t.len() - 3], &"x".repeat(300)] {
            assert_eq!(
                verify_unsubscribe(key, garbled, 0),
                Err(TokenError::Garbled),
                "{garbled}"
            );
        }
    }
}
