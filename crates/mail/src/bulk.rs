//! [`BulkMailer`]: the Daily Edition's sender. Unlike [`crate::Mailer`] (a handful of
//! transactional emails), it keeps a pool of its own (size configurable), caps the messages in
//! flight at that size, DKIM-signs every message, and reports each outcome in the terms a bulk
//! send acts on ([`Delivery`]): the server's reply when accepted, a deferral (4xx, or the
//! server unreachable) to retry later, or a rejection (5xx) that suppresses the address.
//!
//! Without SMTP configured, messages go to the outbox like every other email (one file per
//! Message-ID, so a resumed send replaces rather than duplicates a file).

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::dkim::DkimConfig;
use lettre::transport::smtp::AsyncSmtpTransportBuilder;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::dkim::DkimKeys;
use crate::mailer::{build_message, sanitize_message_id, smtp_builder, write_outbox};
use crate::smtp_url::SmtpSettings;
use crate::{Email, MailError};

/// What became of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Accepted: the server's reply (`250 …`), or where the outbox put it.
    Accepted(String),
    /// Try again later. `code` is the server's 4xx reply code (421, 450, 451, 452: back off
    /// from this destination); `None` when the server could not be reached or answered
    /// nothing (back off from the server).
    Deferred { code: Option<u16>, reply: String },
    /// Refused for good (5xx): the address is to be suppressed.
    Rejected { code: Option<u16>, reply: String },
    /// The message could not be made (a bad address, a header, a key): retrying cannot help.
    Invalid(String),
}

/// How the bulk sender is set up.
#[derive(Debug, Clone)]
pub struct BulkSettings {
    pub smtp_url: Option<String>,
    pub from: String,
    pub outbox_dir: PathBuf,
    /// SMTP connections kept, and messages in flight at most.
    pub pool_size: u32,
    /// How long one SMTP step may take.
    pub timeout: Duration,
}

/// Sends bulk messages; cheap to clone.
#[derive(Clone)]
pub struct BulkMailer {
    inner: Arc<Inner>,
}

struct Inner {
    from: Mailbox,
    transport: Transport,
    dkim: Vec<DkimConfig>,
    in_flight: tokio::sync::Semaphore,
}

enum Transport {
    Smtp {
        settings: Box<SmtpSettings>,
        builder: Box<AsyncSmtpTransportBuilder>,
        transport: OnceLock<AsyncSmtpTransport<Tokio1Executor>>,
    },
    Outbox(PathBuf),
}

impl std::fmt::Debug for BulkMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BulkMailer")
            .field("from", &self.inner.from.to_string())
            .field("transport", &self.describe())
            .field("dkim_signatures", &self.inner.dkim.len())
            .finish()
    }
}

impl BulkMailer {
    pub fn new(settings: &BulkSettings, dkim: Option<&DkimKeys>) -> Result<Self, MailError> {
        let from: Mailbox = settings
            .from
            .trim()
            .parse()
            .map_err(|e| MailError::InvalidFrom {
                from: settings.from.clone(),
                problem: format!("{e}"),
            })?;
        let pool_size = settings.pool_size.max(1);
        let transport = match &settings.smtp_url {
            None => Transport::Outbox(settings.outbox_dir.clone()),
            Some(url) => {
                let parsed = SmtpSettings::parse(url)?;
                let builder = smtp_builder(&parsed, pool_size, settings.timeout).map_err(|e| {
                    MailError::InvalidSmtpUrl {
                        url: crate::smtp_url::mask_password(url),
                        problem: format!("cannot set up TLS for {:?}: {e}", parsed.host),
                    }
                })?;
                Transport::Smtp {
                    settings: Box::new(parsed),
                    builder: Box::new(builder),
                    transport: OnceLock::new(),
                }
            }
        };
        Ok(Self {
            inner: Arc::new(Inner {
                from,
                transport,
                dkim: dkim.map(DkimKeys::configs).transpose()?.unwrap_or_default(),
                in_flight: tokio::sync::Semaphore::new(pool_size as usize),
            }),
        })
    }

    /// `SMTP smtp://…` or `outbox …`, never a password.
    pub fn describe(&self) -> String {
        match &self.inner.transport {
            Transport::Smtp { settings, .. } => format!("SMTP {}", settings.describe()),
            Transport::Outbox(dir) => format!("outbox {}", dir.display()),
        }
    }

    /// The sender's address.
    pub fn from(&self) -> &Mailbox {
        &self.inner.from
    }

    /// Builds, signs and sends one message; waits for a free slot first (at most the pool's
    /// size are in flight).
    pub async fn send(&self, email: &Email) -> Delivery {
        let Some(id) = sanitize_message_id(&email.message_id) else {
            return Delivery::Invalid("the message ID is empty".to_owned());
        };
        let mut message = match build_message(&self.inner.from, email, &id) {
            Ok(m) => m,
            Err(e) => return Delivery::Invalid(e.to_string()),
        };
        // lettre keeps one DKIM-Signature header (a second `sign` replaces the first): sign
        // with the extra keys first, keep their headers, and put them back on the wire form.
        let mut extra_signatures = Vec::new();
        if let Some((first, others)) = self.inner.dkim.split_first() {
            for config in others {
                message.sign(config);
                if let Some(value) = message.headers().get_raw("DKIM-Signature") {
                    extra_signatures.push(value.to_owned());
                }
                message.headers_mut().remove_raw("DKIM-Signature");
            }
            message.sign(first);
        }
        let mut bytes = Vec::new();
        for sig in &extra_signatures {
            bytes.extend_from_slice(b"DKIM-Signature: ");
            bytes.extend_from_slice(sig.as_bytes());
            bytes.extend_from_slice(b"\r\n");
        }
        bytes.extend_from_slice(&message.formatted());
        let envelope = message.envelope().clone();
        let Ok(_slot) = self.inner.in_flight.acquire().await else {
            return Delivery::Deferred {
                code: None,
                reply: "the sender is shutting down".to_owned(),
            };
        };
        match &self.inner.transport {
            Transport::Outbox(dir) => match write_outbox(dir, &id, bytes).await {
                Ok(path) => Delivery::Accepted(format!("written to {}", path.display())),
                Err(e) => Delivery::Deferred {
                    code: None,
                    reply: e.to_string(),
                },
            },
            Transport::Smtp {
                builder, transport, ..
            } => {
                let transport = transport.get_or_init(|| builder.as_ref().clone().build());
                match transport.send_raw(&envelope, &bytes).await {
                    Ok(response) => Delivery::Accepted(
                        format!(
                            "{} {}",
                            response.code(),
                            response.message().collect::<Vec<_>>().join(" ")
                        )
                        .trim()
                        .to_owned(),
                    ),
                    Err(error) => classify(&error),
                }
            }
        }
    }
}

fn classify(error: &lettre::transport::smtp::Error) -> Delivery {
    let code = error.status().map(|c| {
        let s = c.to_string();
        s.parse::<u16>().unwrap_or(0)
    });
    let reply = error.to_string();
    if error.is_permanent() {
        Delivery::Rejected { code, reply }
    } else if error.is_transient() {
        Delivery::Deferred { code, reply }
    } else {
        // No reply code: connection refused or dropped, timeout, TLS. The server, not the
        // address, is the problem.
        Delivery::Deferred { code: None, reply }
    }
}
