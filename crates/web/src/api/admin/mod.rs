//! The Admin API (`/api/v1/admin/`): staff API keys as bearer tokens (`api/auth.rs`), each
//! acting with its role through the newsroom's own store functions and rules, every write in
//! the audit log under the key's name. One file per resource: articles (`articles.rs`),
//! sections and tags (`taxonomy.rs`), staff (`staff.rs`, admins), comment moderation
//! (`comments.rs`, moderating roles).
//!
//! Photo uploads are being built with the newsroom's photo library; the Admin API will gain
//! `POST /api/v1/admin/photos` on top of its store functions once they land (not stubbed here).

pub mod articles;
pub mod comments;
pub mod staff;
pub mod taxonomy;
