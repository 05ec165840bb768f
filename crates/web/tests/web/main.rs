//! The web crate's integration tests: one binary (linked once), a module per topic. `common`
//! starts the real app on a fresh database and holds the helpers every topic uses.

mod account;
mod comments;
mod common;
mod emails;
mod harness;
mod http;
mod oidc;
mod pages;
mod search;
mod wall;
