//! The newsroom's people and structure (issue 13 part B): staff sign-in rules, staff
//! management. Each role against each action; a second node on the same database shows that
//! revocations and role changes reach every node.

mod admin;
mod passkeys;
mod sign_in;
mod staff;
mod taxonomy;

use std::time::{Duration, Instant};

use crate::common::{TestApp, browser::Browser};
use masthead_core::Role;

/// Every role, with a test address for each.
pub const ROLES: [(Role, &str); 5] = [
    (Role::Admin, "admin@tribune.example"),
    (Role::Editor, "editor@tribune.example"),
    (Role::Author, "author@tribune.example"),
    (Role::Contributor, "contributor@tribune.example"),
    (Role::Moderator, "moderator@tribune.example"),
];

/// The status of `path` on the node at `base`, with the browser's cookies.
pub async fn status_on(b: &Browser, base: &str, path: &str) -> u16 {
    b.client
        .get(format!("{base}{path}"))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Waits (up to `within`) until `path` on `base` answers `want`; panics with `what` if not.
pub async fn eventually_status(
    b: &Browser,
    base: &str,
    path: &str,
    want: u16,
    within: Duration,
    what: &str,
) {
    let started = Instant::now();
    loop {
        let got = status_on(b, base, path).await;
        if got == want {
            return;
        }
        assert!(
            started.elapsed() < within,
            "{what}: still {got} after {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The audit entries about one target, newest first.
pub async fn audit_of(app: &TestApp, kind: &str, id: &str) -> Vec<masthead_store::audit::AuditRow> {
    app.db
        .store
        .audit_entries(masthead_store::audit::AuditQuery {
            target: Some((kind, id)),
            before: None,
            limit: 100,
        })
        .await
        .unwrap()
}
