//! The editor's hand on an edition, before it is sent: a short introduction, stories dropped,
//! stories pinned, and the order of the stories within each block (the leads, each section).
//! Stored per edition date (`store::edition::curation`) and applied by every composition of
//! that date (the newsroom's preview, `masthead edition preview|send`, the daily schedule), so
//! what the editor previewed is what goes out.
//!
//! Decisions:
//! - **Dropped** stories are removed before the stories are chosen: the next story in the
//!   front page's order takes the place (a dropped lead is replaced, not left as a hole).
//! - **Pinned** stories are always leads, whatever came in after them, in the order they were
//!   pinned; they take lead places first, so with three pins there is no automatic lead.
//! - **Order** is a ranking of article IDs; each block is sorted by it (a stable sort: stories
//!   the editor never moved keep the automatic order, after the ranked ones). Moving a story
//!   up or down ranks its whole block as shown, so a story published after the editor
//!   arranged a block comes last in it.
//! - Curation refers to articles by ID: a story that is unpublished or falls out of the news
//!   day is simply absent; its entries are harmless and are kept (it may come back).

use jiff::civil::Date;

use super::{EditionContent, LEAD_STORIES, Story, compose_with_leads};
use crate::ParseError;

/// The longest introduction, in characters: a short paragraph above the stories.
pub const INTRO_MAX_CHARS: usize = 600;
/// Entries kept per list (far more than a day's stories; a bound on what a form can store).
const MAX_ENTRIES: usize = 500;

/// What the editor decided for one edition date.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Curation {
    #[serde(default)]
    pub intro: String,
    /// Article IDs, ranked.
    #[serde(default)]
    pub order: Vec<String>,
    #[serde(default)]
    pub dropped: Vec<String>,
    #[serde(default)]
    pub pinned: Vec<String>,
}

/// A story moved within its block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    Up,
    Down,
}

/// An introduction as typed: trimmed, line ends normalised, at most [`INTRO_MAX_CHARS`].
pub fn parse_intro(s: &str) -> Result<String, ParseError> {
    let intro = s.replace("\r\n", "\n").trim().to_owned();
    let n = intro.chars().count();
    if n > INTRO_MAX_CHARS {
        return Err(ParseError::new(format!(
            "The introduction is {n} characters long; keep it to {INTRO_MAX_CHARS} (a short paragraph)."
        )));
    }
    Ok(intro)
}

/// Chooses the stories as [`super::compose`] does, with the editor's curation applied.
pub fn compose_curated(
    date: Date,
    candidates: Vec<Story>,
    sections: &[(String, String)],
    curation: &Curation,
) -> EditionContent {
    let kept: Vec<Story> = candidates
        .into_iter()
        .filter(|s| !curation.dropped.contains(&s.article_id))
        .collect();
    let pinned: Vec<Story> = curation
        .pinned
        .iter()
        .filter_map(|id| kept.iter().find(|s| &s.article_id == id).cloned())
        .collect();
    let others: Vec<Story> = kept
        .into_iter()
        .filter(|s| !curation.pinned.contains(&s.article_id))
        .collect();
    let lead_count = LEAD_STORIES.saturating_sub(pinned.len());
    let mut content = compose_with_leads(date, others, sections, lead_count);
    content.leads = pinned.into_iter().chain(content.leads).collect();
    rank(&mut content.leads, &curation.order);
    for block in &mut content.sections {
        rank(&mut block.stories, &curation.order);
    }
    content.intro = curation.intro.clone();
    content
}

fn rank(stories: &mut [Story], order: &[String]) {
    stories.sort_by_key(|s| {
        order
            .iter()
            .position(|id| *id == s.article_id)
            .unwrap_or(usize::MAX)
    });
}

impl Curation {
    /// Moves story `id` one place up or down within its block of `content` (as composed with
    /// this curation). False when it is not there or already at that end.
    pub fn move_story(&mut self, content: &EditionContent, id: &str, direction: Move) -> bool {
        let blocks =
            std::iter::once(&content.leads).chain(content.sections.iter().map(|s| &s.stories));
        for block in blocks {
            let Some(i) = block.iter().position(|s| s.article_id == id) else {
                continue;
            };
            let j = match direction {
                Move::Up if i > 0 => i - 1,
                Move::Down if i + 1 < block.len() => i + 1,
                _ => return false,
            };
            let mut ids: Vec<String> = block.iter().map(|s| s.article_id.clone()).collect();
            ids.swap(i, j);
            self.order.retain(|o| !ids.contains(o));
            self.order.extend(ids);
            bound(&mut self.order);
            return true;
        }
        false
    }

    /// Drops story `id` from the edition (and unpins it).
    pub fn drop_story(&mut self, id: &str) {
        self.pinned.retain(|p| p != id);
        if !self.dropped.iter().any(|d| d == id) {
            self.dropped.push(id.to_owned());
            bound(&mut self.dropped);
        }
    }

    /// Puts a dropped story back.
    pub fn restore_story(&mut self, id: &str) {
        self.dropped.retain(|d| d != id);
    }

    /// Pins story `id` as a lead (and restores it if it was dropped).
    pub fn pin_story(&mut self, id: &str) {
        self.restore_story(id);
        if !self.pinned.iter().any(|p| p == id) {
            self.pinned.push(id.to_owned());
            bound(&mut self.pinned);
        }
    }

    pub fn unpin_story(&mut self, id: &str) {
        self.pinned.retain(|p| p != id);
    }
}

/// Keeps the newest entries of a list.
fn bound(list: &mut Vec<String>) {
    if list.len() > MAX_ENTRIES {
        let extra = list.len() - MAX_ENTRIES;
        list.drain(..extra);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn story(id: &str, section: &str, at: i64) -> Story {
        Story {
            article_id: id.to_owned(),
            headline: format!("Story {id}"),
            standfirst: String::new(),
            path: format!("/{section}/{id}"),
            section_slug: section.to_owned(),
            section_name: section.to_owned(),
            breaking: false,
            published_at: at,
            photo: None,
        }
    }

    fn day() -> (Date, Vec<Story>, Vec<(String, String)>) {
        let stories = vec![
            story("a", "city", 6),
            story("b", "city", 5),
            story("c", "sport", 4),
            story("d", "city", 3),
            story("e", "sport", 2),
            story("f", "city", 1),
        ];
        let sections = vec![
            ("city".to_owned(), "City".to_owned()),
            ("sport".to_owned(), "Sport".to_owned()),
        ];
        (Date::constant(2026, 7, 15), stories, sections)
    }

    fn ids(stories: &[Story]) -> Vec<&str> {
        stories.iter().map(|s| s.article_id.as_str()).collect()
    }

    #[test]
    fn no_curation_composes_as_the_automatic_edition() {
        let (date, stories, sections) = day();
        let curated = compose_curated(date, stories.clone(), &sections, &Curation::default());
        assert_eq!(curated, super::super::compose(date, stories, &sections));
    }

    #[test]
    fn dropped_stories_are_replaced_and_pinned_ones_lead() {
        let (date, stories, sections) = day();
        let mut c = Curation::default();
        c.drop_story("a");
        c.pin_story("f");
        let e = compose_curated(date, stories, &sections, &c);
        assert_eq!(ids(&e.leads), ["f", "b", "c"]);
        assert_eq!(ids(&e.sections[0].stories), ["d"]);
        assert_eq!(ids(&e.sections[1].stories), ["e"]);
        assert!(!format!("{e:?}").contains("Story a"));
        // Pinning a dropped story restores it; dropping a pinned one unpins it.
        c.pin_story("a");
        assert!(c.dropped.is_empty());
        c.drop_story("f");
        assert_eq!(c.pinned, ["a"]);
    }

    #[test]
    fn moving_a_story_reorders_its_block_only() {
        let (date, stories, sections) = day();
        let mut c = Curation::default();
        let e = compose_curated(date, stories.clone(), &sections, &c);
        assert_eq!(ids(&e.leads), ["a", "b", "c"]);
        assert!(c.move_story(&e, "c", Move::Up));
        let e = compose_curated(date, stories.clone(), &sections, &c);
        assert_eq!(ids(&e.leads), ["a", "c", "b"]);
        assert!(c.move_story(&e, "c", Move::Up));
        let e = compose_curated(date, stories.clone(), &sections, &c);
        assert_eq!(ids(&e.leads), ["c", "a", "b"]);
        assert!(!c.move_story(&e, "c", Move::Up), "already first");
        assert!(c.move_story(&e, "d", Move::Down));
        let e = compose_curated(date, stories, &sections, &c);
        assert_eq!(ids(&e.sections[0].stories), ["f", "d"]);
        assert_eq!(ids(&e.leads), ["c", "a", "b"]);
        assert!(!c.move_story(&e, "nope", Move::Down));
    }

    #[test]
    fn the_introduction_is_trimmed_and_bounded() {
        assert_eq!(parse_intro("  Hello\r\nthere \n").unwrap(), "Hello\nthere");
        assert!(parse_intro(&"x".repeat(INTRO_MAX_CHARS)).is_ok());
        let err = parse_intro(&"é".repeat(INTRO_MAX_CHARS + 1)).unwrap_err();
        assert!(err.0.contains("601 characters"), "{}", err.0);
    }
}
