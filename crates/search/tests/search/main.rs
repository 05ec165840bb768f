//! The search crate's integration tests, one binary.

mod relevance;
