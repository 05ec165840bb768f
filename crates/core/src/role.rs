//! Newsroom roles. What each may do is decided here, so that every surface (web admin, Admin
//! API, CLI) applies the same rules.

use std::{fmt, str::FromStr};

use crate::ParseError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything, including staff management and settings.
    Admin,
    /// Edits and publishes anyone's articles.
    Editor,
    /// Writes articles and publishes their own.
    Author,
    /// Writes drafts; publishing needs an author of the article or an editor.
    Contributor,
    /// Moderates reader comments.
    Moderator,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Editor,
        Role::Author,
        Role::Contributor,
        Role::Moderator,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Editor => "editor",
            Role::Author => "author",
            Role::Contributor => "contributor",
            Role::Moderator => "moderator",
        }
    }

    /// Publishes, schedules and unpublishes anyone's articles, and edits them.
    pub fn can_publish(self) -> bool {
        matches!(self, Role::Admin | Role::Editor)
    }

    /// Publishes, schedules and unpublishes the articles they are an author of.
    pub fn can_publish_own(self) -> bool {
        matches!(self, Role::Admin | Role::Editor | Role::Author)
    }

    /// Writes drafts (their own; editors and admins edit everyone's).
    pub fn can_write(self) -> bool {
        matches!(
            self,
            Role::Admin | Role::Editor | Role::Author | Role::Contributor
        )
    }

    /// Creates, renames and orders sections and tags.
    pub fn can_manage_taxonomy(self) -> bool {
        matches!(self, Role::Admin | Role::Editor)
    }

    /// Changes the publication's settings.
    pub fn can_change_settings(self) -> bool {
        self == Role::Admin
    }

    pub fn can_moderate(self) -> bool {
        matches!(self, Role::Admin | Role::Editor | Role::Moderator)
    }

    pub fn can_manage_staff(self) -> bool {
        self == Role::Admin
    }

    /// Whether this role may do `action` to an article: `own` when the staff member is among
    /// the article's authors, `live` when the article is published (or scheduled). The one
    /// article-level rule every surface asks (see [`ArticleAction`]).
    pub fn may(self, action: ArticleAction, own: bool, live: bool) -> bool {
        match action {
            ArticleAction::Create => self.can_write(),
            // A contributor's words go live through an editor: once their article is
            // published or scheduled, only those who may publish it edit it.
            ArticleAction::Edit | ArticleAction::Preview => {
                self.can_publish()
                    || (self.can_publish_own() && own)
                    || (self == Role::Contributor && own && !live)
            }
            ArticleAction::Publish => self.can_publish() || (self.can_publish_own() && own),
            ArticleAction::Correct => self.can_publish(),
        }
    }
}

/// What a staff member does to an article (see [`Role::may`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArticleAction {
    /// Start a new article (they become its first author).
    Create,
    /// Change its text, metadata, authors; restore a revision.
    Edit,
    /// Publish now, schedule, unpublish.
    Publish,
    /// Append a correction or clarification to a published article.
    Correct,
    /// Make, list and revoke preview links.
    Preview,
}

impl ArticleAction {
    pub const ALL: [ArticleAction; 5] = [
        ArticleAction::Create,
        ArticleAction::Edit,
        ArticleAction::Publish,
        ArticleAction::Correct,
        ArticleAction::Preview,
    ];
}

impl FromStr for Role {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                ParseError::new(format!(
                    "unknown role “{s}”: use one of admin, editor, author, contributor, moderator"
                ))
            })
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_reject_unknown() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
        }
        assert_eq!(" Editor ".parse::<Role>().unwrap(), Role::Editor);
        assert!("owner".parse::<Role>().is_err());
    }

    #[test]
    fn permissions() {
        assert!(Role::Editor.can_publish());
        assert!(!Role::Author.can_publish());
        assert!(Role::Author.can_write());
        assert!(!Role::Moderator.can_write());
        assert!(Role::Moderator.can_moderate());
        assert!(Role::Admin.can_manage_staff());
        assert!(!Role::Editor.can_manage_staff());
    }

    #[test]
    fn article_rules_by_role_ownership_and_state() {
        use ArticleAction::*;
        // (role, action, own, live) -> allowed
        let table = [
            (Role::Admin, Edit, false, true, true),
            (Role::Editor, Publish, false, false, true),
            (Role::Editor, Correct, false, true, true),
            (Role::Author, Edit, true, true, true),
            (Role::Author, Edit, false, false, false),
            (Role::Author, Publish, true, false, true),
            (Role::Author, Publish, false, false, false),
            (Role::Author, Correct, true, true, false),
            (Role::Contributor, Create, false, false, true),
            (Role::Contributor, Edit, true, false, true),
            (Role::Contributor, Edit, true, true, false),
            (Role::Contributor, Edit, false, false, false),
            (Role::Contributor, Publish, true, false, false),
            (Role::Contributor, Preview, true, false, true),
            (Role::Moderator, Create, false, false, false),
            (Role::Moderator, Edit, true, false, false),
            (Role::Moderator, Preview, true, false, false),
        ];
        for (role, action, own, live, allowed) in table {
            assert_eq!(
                role.may(action, own, live),
                allowed,
                "{role} {action:?} own={own} live={live}"
            );
        }
    }
}
