//! The import crate's integration tests, one binary.

mod import;
