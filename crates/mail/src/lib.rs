//! Masthead's email: messages made from templates, sent through SMTP or written to an outbox.
//!
//! - [`EmailTemplates`] renders an email (`sign_in`, `register`, `no_account`, `change_email`)
//!   from the theme's `email/NAME/{subject.txt, body.txt, body.html}` with minijinja into a
//!   subject, a plain-text body and an HTML body. Only the HTML body is auto-escaped.
//! - [`Mailer`] turns an [`Email`] into a full RFC 5322 message (multipart/alternative text +
//!   HTML, Date, From, To, Subject, Message-ID) with lettre, and delivers it:
//!   - **SMTP** when `MASTHEAD_SMTP_URL` is set: a pooled `AsyncSmtpTransport` with 15 s
//!     timeouts. `smtp://user:pass@host:587` requires STARTTLS, `smtps://` is implicit TLS,
//!     `smtp://host:port` without credentials uses STARTTLS when offered, and `?tls=none` is
//!     plain SMTP for a local relay or a test server (see `smtp_url.rs` for the whole grammar);
//!   - **the outbox** otherwise: each message is written as `DATA/outbox/ID.eml`, so that a site
//!     without SMTP (a laptop, a demo, a test) still shows what it would have sent.
//!
//! Delivery is at-least-once, like the job queue that calls it: a job may run twice. The
//! [`Email::message_id`] is stable per logical message (derived from the job), and becomes both
//! the Message-ID header (`<ID@domain-of-From>`) and the outbox file name, so a retried send
//! overwrites the outbox file rather than adding one, and a reader's mail client can recognise a
//! second SMTP delivery of the same message. [`MailError::is_permanent`] tells the queue whether a
//! retry can help (an SMTP 5xx reply cannot; a 4xx reply or a refused connection can).
//!
//! The password of the SMTP URL never appears in [`Mailer::describe`], `Debug` or an error.
//!
//! - [`BulkMailer`] sends the Daily Edition: its own pool, DKIM signatures ([`dkim`]), and an
//!   outcome per message that a bulk send can act on ([`Delivery`]).
//!
//! With the `testing` feature, [`testing`] starts a real SMTP server (Python's aiosmtpd) on
//! loopback and parses what it receives, for this crate's tests and those of the crates that
//! send mail.

pub mod bulk;
pub mod dkim;
mod error;
pub mod feedback;
mod mailer;
mod smtp_url;
mod templates;
#[cfg(feature = "testing")]
pub mod testing;

pub use bulk::{BulkMailer, BulkSettings, Delivery};
pub use dkim::DkimKeys;
pub use error::MailError;
pub use mailer::{Email, Mailer};
pub use templates::EmailTemplates;
