//! The `masthead` binary's integration tests, one binary.

mod cli;
mod edition;
mod push;
