//! The store's integration tests, one binary: the conformance test run on both backends
//! (`MASTHEAD_TEST_BACKEND=postgres`), the job queue in a module of its own.

mod audit_and_redirects;
mod conformance;
mod jobs;
mod newsroom_list;
mod photos;
