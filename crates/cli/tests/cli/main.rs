//! The `masthead` binary's integration tests, one binary.

mod cli;
mod edition;
mod imports;
mod push;
mod staff;
