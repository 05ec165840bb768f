//! The Admin API (`/api/v1/admin/`): staff API keys as bearer tokens (`api/auth.rs`), each
//! acting with its role through the newsroom's own store functions and rules, every write in
//! the audit log under the key's name. One file per resource: articles (`articles.rs`),
//! sections and tags (`taxonomy.rs`), staff (`staff.rs`, admins), comment moderation
//! (`comments.rs`, moderating roles), photo uploads (`photos.rs`, writing roles, the one route
//! with a body above 1 MiB).

pub mod articles;
pub mod comments;
pub mod photos;
pub mod staff;
pub mod taxonomy;
