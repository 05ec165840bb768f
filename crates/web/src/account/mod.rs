//! Reader accounts: register and sign in with an email link or a code, sessions, the account
//! page (Daily Edition, change of address, data export, deletion), sign out.
//!
//! Decisions:
//! - No account enumeration: signing in with an unknown address and registering with a known
//!   one both lead to the same "Check your email" page after the same work (one look-up, one
//!   request row, one queued email). The known address gets a sign-in link. The unknown one
//!   gets a link that finishes registering on the page it opens (the terms and the Daily
//!   Edition choice, as on the registration form), so a new reader needs one email whichever
//!   form they started from; that email has no code, since typing a code gives no consent.
//! - Scanner-safe links: a GET on the link shows a confirmation page; only its POST spends
//!   the token. Mail scanners that fetch links sign nobody in and spend nothing.
//! - Secrets (link token, code, session) are stored as SHA-256 hashes; links and codes live
//!   15 minutes, work once, and at most three are live per address. A wrong code and a code
//!   typed for an address that was sent none get the same answer after the same work.
//! - Rate limits (per address and per IP, shared by all nodes through the database) answer
//!   429 with a page saying when to try again; they never lock an account.
//! - CSRF: every POST carries the browser's `mh_csrf` cookie value in a hidden field (double
//!   submit) and cookies are SameSite=Lax (`session::CsrfForm`).
//!
//! One file per flow: asking for a link (`request.rs`), spending a link or code
//! (`confirm.rs`), the account's settings (`settings.rs`), the reader's data: export and
//! deletion (`data.rs`), signing out (`sign_out.rs`). Sessions and cookies are `crate::session`.

mod confirm;
mod data;
mod render;
mod request;
mod settings;
mod sign_out;

use axum::{
    Router,
    routing::{get, post},
};
use serde::Deserialize;

use crate::AppState;

pub(crate) use request::{CHECK_EMAIL, check_email_response, email_limits, new_request, too_many};

/// The version of the terms readers accept when registering (recorded with the account).
pub const TERMS_VERSION: &str = "2026-11";
pub use masthead_store::sign_in::LINK_VALID_MINUTES;
/// How long a reader stays signed in.
pub const SESSION_DAYS: i64 = 30;
/// How long a staff member stays signed in: a newsroom account can publish and moderate, so
/// its sessions are short (a working day). The default of `WebConfig::staff_session_hours`
/// (`MASTHEAD_STAFF_SESSION_HOURS`).
pub const STAFF_SESSION_HOURS: i64 = 12;

/// Rate limits of the account forms. The defaults suit a newsroom's readers; a site whose
/// readers share few IP addresses (a university, a company behind one NAT) may raise the
/// per-IP ones (`MASTHEAD_RATE_EMAILS_PER_IP`, `MASTHEAD_RATE_ATTEMPTS_PER_MINUTE`).
#[derive(Debug, Clone, Copy)]
pub struct RateLimits {
    /// Sign-in emails to one address, per hour.
    pub emails_per_address: i64,
    /// Sign-in emails asked for from one client, per hour.
    pub emails_per_ip: i64,
    /// Failed codes and links from one client, per minute. A minute, not an hour: the limit
    /// must slow a guesser down without locking out, for an hour, every reader who shares
    /// the guesser's address (a newsroom's office, a mobile carrier's NAT). Guessing stays
    /// hopeless: each code also dies after five wrong tries, and emails are limited per hour.
    pub attempts_per_minute: i64,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            emails_per_address: 5,
            emails_per_ip: 30,
            attempts_per_minute: 10,
        }
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/register",
            get(request::register_form).post(request::register_submit),
        )
        .route(
            "/sign-in",
            get(request::sign_in_form).post(request::sign_in_submit),
        )
        .route("/sign-in/check-email", get(request::check_email))
        .route("/sign-in/resend", post(request::resend))
        .route(
            "/sign-in/code",
            get(confirm::code_form).post(confirm::code_submit),
        )
        .route(
            "/sign-in/link",
            get(confirm::link_page).post(confirm::link_submit),
        )
        .route("/sign-out", post(sign_out::sign_out))
        .route("/account", get(settings::account_page))
        .route("/account/daily-edition", post(settings::daily_edition))
        .route("/account/email", post(settings::change_email))
        .route("/account/comment-replies", post(settings::comment_replies))
        .route(
            "/account/sign-out-everywhere",
            post(sign_out::sign_out_everywhere),
        )
        .route("/account/export", get(data::export))
        .route(
            "/account/delete",
            get(data::delete_form).post(data::delete_submit),
        )
}

/// The query of the account pages' GETs.
#[derive(Debug, Default, Deserialize)]
pub struct AccountQuery {
    email: Option<String>,
    return_to: Option<String>,
    token: Option<String>,
    notice: Option<String>,
}

/// A path to return to after signing in: only paths on this site, as a browser reads them
/// (the rule and why it is so strict: `masthead_core::return_to`).
pub fn safe_return_to(input: Option<&str>) -> String {
    input
        .and_then(masthead_core::return_to::same_origin_path)
        .unwrap_or_else(|| "/".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_paths_stay_on_the_site() {
        assert_eq!(safe_return_to(Some("/city/story")), "/city/story");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "",
            "javascript:alert(1)",
            "/a\r\nSet-Cookie: x",
        ] {
            assert_eq!(safe_return_to(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_return_to(None), "/");
    }
}
