//! Masthead's domain: the types every other crate speaks, and the rules that need no I/O.
//!
//! Values here are parsed once at the edge (a form, a front-matter file, a database row) and
//! trusted afterwards: a [`Slug`] is always a valid slug, an [`EmailAddress`] always a valid
//! address. Constructors return a [`ParseError`] that says, in words a reader or an editor can
//! act on, what is wrong.

pub mod article;
pub mod comment;
pub mod draft;
pub mod edition;
pub mod email;
pub mod id;
pub mod markdown;
pub mod meter;
pub mod photo;
pub mod preview;
pub mod return_to;
pub mod role;
pub mod schedule;
pub mod secret;
pub mod slug;

pub use article::{AccessLevel, ArticleStatus, PhotoMeta};
pub use email::EmailAddress;
pub use id::new_id;
pub use role::{ArticleAction, Role};
pub use slug::Slug;

/// Why a value from outside could not become a domain value. The message is meant to be shown
/// to the person who typed or wrote the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);

impl ParseError {
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}
