//! The mail crate's integration tests: one binary, a module per topic.

mod emails;
mod outbox;
mod smtp;
