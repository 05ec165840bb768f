//! The newsroom: staff pages under `/newsroom`, every one behind a [`Staff`] extractor with the
//! capability it needs (the role is the session's, fixed when the staff member signed in under
//! the staff rules, and read afresh from the staff table). Today it holds comment moderation
//! (`comments.rs`); the newsroom issue adds the editor, photos, sections, staff and settings.
//!
//! [`Staff`]: crate::session::Staff

mod alerts;
mod comments;

use axum::Router;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(comments::routes())
        .merge(alerts::routes())
}
