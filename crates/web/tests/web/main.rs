//! The web crate's integration tests: one binary (linked once), a module per topic. `common`
//! starts the real app on a fresh database and holds the helpers every topic uses.

mod account;
mod api;
mod chromium;
mod comments;
mod common;
mod edition;
mod edition_feedback;
mod emails;
mod feeds;
mod harness;
mod http;
mod newsroom;
mod oidc;
mod pages;
mod photos;
mod push;
mod push_browser;
mod push_faults;
mod search;
mod staffroom;
mod wall;
