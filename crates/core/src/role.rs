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
}
