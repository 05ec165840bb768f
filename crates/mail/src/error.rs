//! The mail crate's one error type.
//!
//! Policy: every message is complete on its own (the job queue keeps `to_string()` as the last
//! error), names what failed and never contains a password. [`MailError::is_permanent`] tells the
//! job queue whether retrying can help: an SMTP 5xx reply or a message that cannot be built will
//! fail the same way again; a 4xx reply, a refused or dropped connection, a timeout, a TLS failure
//! or a full disk may not.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The SMTP URL could not be understood; `url` has its password masked.
    #[error("invalid SMTP URL {url}: {problem}")]
    InvalidSmtpUrl { url: String, problem: String },

    /// The sender (`From`) could not be parsed.
    #[error(
        "invalid sender address {from:?}: {problem} (expected, e.g., \"The Meridian Courier <news@example.org>\")"
    )]
    InvalidFrom { from: String, problem: String },

    /// The email itself is not valid (its message ID, a header, the recipient).
    #[error("cannot build the email {message_id:?}: {problem}")]
    InvalidMessage { message_id: String, problem: String },

    /// A template is missing, does not compile, or failed to render.
    #[error("email template {name:?}: {problem}")]
    Template { name: String, problem: String },

    /// The SMTP server refused the message, or could not be reached.
    #[error("sending through SMTP {server} failed: {error}")]
    Smtp {
        server: String,
        error: lettre::transport::smtp::Error,
    },

    /// A DKIM key could not be made or read.
    #[error("DKIM: {0}")]
    Dkim(String),

    /// The outbox file could not be written.
    #[error("cannot write {path} in the outbox: {error}")]
    Outbox {
        path: PathBuf,
        error: std::io::Error,
    },
}

impl MailError {
    /// True when retrying the same send cannot succeed: an SMTP 5xx reply, an invalid message,
    /// template or configuration. False for what may pass on retry: 4xx replies, connection
    /// and TLS failures, timeouts, outbox I/O.
    pub fn is_permanent(&self) -> bool {
        match self {
            MailError::Smtp { error, .. } => error.is_permanent(),
            MailError::Outbox { .. } => false,
            MailError::InvalidSmtpUrl { .. }
            | MailError::InvalidFrom { .. }
            | MailError::InvalidMessage { .. }
            | MailError::Template { .. }
            | MailError::Dkim(_) => true,
        }
    }
}
