//! The import crate's integration tests, one binary.

mod ghost;
mod import;
mod wordpress;
