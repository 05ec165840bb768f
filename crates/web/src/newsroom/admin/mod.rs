//! Admins' pages: the audit log (`/newsroom/audit`, `audit.rs`) and the publication's settings
//! (`/newsroom/settings`, `settings.rs`).
//!
//! Decisions:
//! - The audit log is paged by a cursor (the last entry's time and id), newest first, 50 to a
//!   page, and may be narrowed to one target (`?target=staff:ID`, as each entry links).
//! - Settings take effect at the next start: the name, tagline, time zone and meter are read
//!   into the configuration when `masthead serve` starts (and baked into cached pages, emails'
//!   settings and the worker's environment on every node); making each live everywhere is a
//!   larger change than this page. The page says so, and shows beside each field the value in
//!   effect now. A value set in `masthead.toml` or a `MASTHEAD_*` variable wins over the saved
//!   one; the page says that too when the two differ after a restart.
//! - The passkey requirement will join this page with passkeys.

mod audit;
mod settings;

use axum::{Router, routing::get};

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/newsroom/audit", get(audit::audit_page))
        .route(
            "/newsroom/settings",
            get(settings::settings_page).post(settings::save_settings),
        )
}
