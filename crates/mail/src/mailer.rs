//! [`Mailer`]: builds the RFC 5322 message and hands it to SMTP or writes it to the outbox.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::AsyncSmtpTransportBuilder;
use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use masthead_core::EmailAddress;

use crate::MailError;
use crate::smtp_url::{SmtpSettings, TlsMode};

/// How long one SMTP step (connecting, a command's reply) may take before the send fails as
/// transient.
const SMTP_TIMEOUT: Duration = Duration::from_secs(15);
/// Connections kept open to the SMTP server. Providers limit concurrent connections per account;
/// a handful is plenty for sign-in links, and the Daily Edition sends through a queue anyway.
const SMTP_POOL_SIZE: u32 = 4;
/// Longest sanitized message ID (and so outbox file name, before `.eml`).
const MAX_ID_LEN: usize = 120;

/// One email to one reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub to: EmailAddress,
    /// One line; line breaks are folded into spaces when sent.
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Stable per logical message (e.g. derived from the job ID): used as the Message-ID and the
    /// outbox file name, so a retried send overwrites instead of duplicating. Characters other
    /// than ASCII letters, digits, `-` and `_` are replaced (with a hash of the original added so
    /// that distinct IDs stay distinct).
    pub message_id: String,
    /// Extra headers, e.g. List-Unsubscribe + List-Unsubscribe-Post for the Daily Edition
    /// (RFC 8058). The headers the mailer sets itself (From, To, Subject, Date, Message-ID, the
    /// MIME ones) and those that change recipients (Cc, Bcc) are refused.
    pub headers: Vec<(String, String)>,
}

/// Sends [`Email`]s through SMTP, or writes them to the outbox directory when no SMTP URL is
/// configured. Cheap to clone: clones share one connection pool.
#[derive(Clone)]
pub struct Mailer {
    inner: Arc<Inner>,
}

struct Inner {
    from: Mailbox,
    transport: Transport,
}

enum Transport {
    Smtp(Box<Smtp>),
    Outbox(PathBuf),
}

struct Smtp {
    settings: SmtpSettings,
    builder: AsyncSmtpTransportBuilder,
    /// Built on the first send: the pool starts a cleanup task, which needs the Tokio runtime,
    /// and `Mailer::new` may run before there is one.
    transport: OnceLock<AsyncSmtpTransport<Tokio1Executor>>,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("from", &self.inner.from.to_string())
            .field("transport", &self.describe())
            .finish()
    }
}

impl Mailer {
    /// `smtp_url` `None` => the `.eml` outbox at `outbox_dir` (created on first send). `from`, e.g.
    /// `"The Meridian Courier <news@example.org>"`, is parsed once here.
    pub fn new(smtp_url: Option<&str>, from: &str, outbox_dir: PathBuf) -> Result<Self, MailError> {
        let from_mailbox: Mailbox = from.trim().parse().map_err(|e| MailError::InvalidFrom {
            from: from.to_owned(),
            problem: format!("{e}"),
        })?;
        let transport = match smtp_url {
            None => Transport::Outbox(outbox_dir),
            Some(url) => {
                let settings = SmtpSettings::parse(url)?;
                let builder =
                    smtp_builder(&settings, SMTP_POOL_SIZE, SMTP_TIMEOUT).map_err(|e| {
                        MailError::InvalidSmtpUrl {
                            url: crate::smtp_url::mask_password(url),
                            problem: format!("cannot set up TLS for {:?}: {e}", settings.host),
                        }
                    })?;
                Transport::Smtp(Box::new(Smtp {
                    settings,
                    builder,
                    transport: OnceLock::new(),
                }))
            }
        };
        Ok(Self {
            inner: Arc::new(Inner {
                from: from_mailbox,
                transport,
            }),
        })
    }

    /// What the mailer does, for the start-up log: `SMTP smtp://user:****@host:587 (STARTTLS)`
    /// or `outbox /path`. Never the password.
    pub fn describe(&self) -> String {
        match &self.inner.transport {
            Transport::Smtp(smtp) => format!("SMTP {}", smtp.settings.describe()),
            Transport::Outbox(dir) => format!("outbox {}", dir.display()),
        }
    }

    /// The sender, as parsed.
    pub fn from(&self) -> &Mailbox {
        &self.inner.from
    }

    /// Sends `email`, or writes it to the outbox. Sending the same `message_id` again produces
    /// the same Message-ID (and overwrites the same outbox file), so a retried job does not
    /// leave two different messages behind.
    pub async fn send(&self, email: &Email) -> Result<(), MailError> {
        let id =
            sanitize_message_id(&email.message_id).ok_or_else(|| MailError::InvalidMessage {
                message_id: email.message_id.clone(),
                problem: "the message ID is empty".to_owned(),
            })?;
        let message = self.build_message(email, &id)?;
        match &self.inner.transport {
            Transport::Outbox(dir) => {
                let path = write_outbox(dir, &id, message.formatted()).await?;
                tracing::info!(to = %email.to, path = %path.display(), "email written to the outbox");
                Ok(())
            }
            Transport::Smtp(smtp) => {
                let transport = smtp.transport.get_or_init(|| smtp.builder.clone().build());
                match transport.send(message).await {
                    Ok(response) => {
                        tracing::info!(
                            to = %email.to,
                            message_id = %id,
                            reply = %response.code(),
                            "email sent"
                        );
                        Ok(())
                    }
                    Err(error) => Err(MailError::Smtp {
                        server: smtp.settings.describe(),
                        error,
                    }),
                }
            }
        }
    }

    fn build_message(&self, email: &Email, id: &str) -> Result<Message, MailError> {
        build_message(&self.inner.from, email, id)
    }
}

/// The RFC 5322 message for `email` from `from`, with Message-ID `<id@domain-of-From>`.
pub(crate) fn build_message(from: &Mailbox, email: &Email, id: &str) -> Result<Message, MailError> {
    {
        let invalid = |problem: String| MailError::InvalidMessage {
            message_id: email.message_id.clone(),
            problem,
        };
        // The envelope and header get the ASCII form of an internationalized domain.
        let to: Address = email
            .to
            .smtp_form()
            .parse()
            .map_err(|e| invalid(format!("recipient {}: {e}", email.to)))?;
        let mut builder = Message::builder()
            .from(from.clone())
            .to(Mailbox::new(None, to))
            .subject(one_line(&email.subject))
            .message_id(Some(format!("<{id}@{}>", from.email.domain())))
            .date_now();
        for (name, value) in &email.headers {
            builder = builder.raw_header(extra_header(name, value).map_err(invalid)?);
        }
        builder
            .multipart(MultiPart::alternative_plain_html(
                email.text.clone(),
                email.html.clone(),
            ))
            .map_err(|e| invalid(e.to_string()))
    }
}

pub(crate) fn smtp_builder(
    settings: &SmtpSettings,
    pool_size: u32,
    timeout: Duration,
) -> Result<AsyncSmtpTransportBuilder, lettre::transport::smtp::Error> {
    let tls = match settings.tls {
        TlsMode::None => Tls::None,
        TlsMode::Opportunistic => Tls::Opportunistic(TlsParameters::new(settings.host.clone())?),
        TlsMode::StartTls => Tls::Required(TlsParameters::new(settings.host.clone())?),
        TlsMode::Implicit => Tls::Wrapper(TlsParameters::new(settings.host.clone())?),
    };
    let mut builder =
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(settings.host.clone())
            .port(settings.port)
            .tls(tls)
            .timeout(Some(timeout))
            .pool_config(PoolConfig::new().max_size(pool_size));
    if let Some((user, password)) = &settings.credentials {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    Ok(builder)
}

/// Headers the mailer writes itself, or that would change who receives the message.
const RESERVED_HEADERS: &[&str] = &[
    "from",
    "sender",
    "to",
    "cc",
    "bcc",
    "subject",
    "date",
    "message-id",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
];

fn extra_header(name: &str, value: &str) -> Result<HeaderValue, String> {
    // RFC 5322 field names: printable ASCII except `:`.
    let name_ok = !name.is_empty() && name.bytes().all(|b| (33..=126).contains(&b) && b != b':');
    if !name_ok {
        return Err(format!("{name:?} is not a valid header name"));
    }
    if RESERVED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
        return Err(format!("the {name} header is set by the mailer"));
    }
    if value.chars().any(|c| c.is_control() && c != '\t') {
        return Err(format!(
            "the {name} header's value contains a line break or control character"
        ));
    }
    let header_name = HeaderName::new_from_ascii(name.to_owned())
        .map_err(|_| format!("{name:?} is not a valid header name"))?;
    Ok(HeaderValue::new(header_name, value.to_owned()))
}

/// Subjects are one line: any run of whitespace or control characters becomes one space.
fn one_line(s: &str) -> String {
    s.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The message ID as it appears in the Message-ID header and the outbox file name: ASCII letters,
/// digits, `-` and `_`. When anything had to change, a hash of the original is appended so that
/// two IDs differing only in replaced characters stay apart. `None` for an empty ID.
pub(crate) fn sanitize_message_id(id: &str) -> Option<String> {
    if id.is_empty() {
        return None;
    }
    let mut out: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(MAX_ID_LEN)
        .collect();
    if out != id {
        out.push_str(&format!("-{:016x}", fnv1a(id.as_bytes())));
    }
    Some(out)
}

/// FNV-1a: stable across Rust versions and runs, unlike `DefaultHasher`, so a retried send after
/// an upgrade still finds the same file name.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Writes `DIR/ID.eml` through a temporary file in the same directory and a rename, so that a
/// reader of the outbox never sees half a message and a retry replaces the file whole.
pub(crate) async fn write_outbox(
    dir: &Path,
    id: &str,
    bytes: Vec<u8>,
) -> Result<PathBuf, MailError> {
    let dir = dir.to_owned();
    let id = id.to_owned();
    match tokio::task::spawn_blocking(move || write_outbox_blocking(&dir, &id, &bytes)).await {
        Ok(written) => written,
        Err(join_error) => std::panic::resume_unwind(join_error.into_panic()),
    }
}

fn write_outbox_blocking(dir: &Path, id: &str, bytes: &[u8]) -> Result<PathBuf, MailError> {
    static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);
    let path = dir.join(format!("{id}.eml"));
    // Hidden and not `.eml`: whoever lists the outbox skips it. Unique per write, so that two
    // concurrent sends of one message do not write into the same temporary file.
    let temp = dir.join(format!(
        ".{id}.{}.{}.tmp",
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let io_error = |path: &Path| {
        let path = path.to_owned();
        move |error| MailError::Outbox { path, error }
    };
    // The messages hold live sign-in links and codes: only the server's own user may list the
    // outbox (0700) or read a message (0600), whatever the umask.
    private_dir_builder().create(dir).map_err(io_error(dir))?;
    // An outbox made by an earlier version (0755) is tightened too: it is ours alone.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir)
            .map_err(io_error(dir))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                .map_err(io_error(dir))?;
        }
    }
    let written = (|| {
        let mut file = private_file_options().open(&temp)?;
        file.write_all(bytes)?;
        // Durable before the job that sent it is marked done.
        file.sync_all()
    })();
    if let Err(error) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(io_error(&temp)(error));
    }
    if let Err(error) = std::fs::rename(&temp, &path) {
        let _ = std::fs::remove_file(&temp);
        return Err(io_error(&path)(error));
    }
    Ok(path)
}

fn private_dir_builder() -> std::fs::DirBuilder {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
}

fn private_file_options() -> std::fs::OpenOptions {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

#[cfg(test)]
mod tests {
    use super::*;

    const FROM: &str = "The Meridian Courier <news@example.org>";

    #[test]
    fn mailer_is_clone_send_sync() {
        fn assert_traits<T: Clone + Send + Sync + 'static>() {}
        assert_traits::<Mailer>();
        assert_traits::<Email>();
    }

    #[test]
    fn describe_never_shows_the_password() {
        // No Tokio runtime here: building a mailer must not need one.
        let mailer = Mailer::new(
            Some("smtp://news%40example.org:s3cr%C3%A9t@mail.example.org:587"),
            FROM,
            PathBuf::from("/nonexistent"),
        )
        .unwrap();
        assert_eq!(
            mailer.describe(),
            "SMTP smtp://news@example.org:****@mail.example.org:587 (STARTTLS)"
        );
        let debug = format!("{mailer:?}");
        assert!(!debug.contains("s3cr") && !debug.contains("%C3"), "{debug}");
        assert!(debug.contains("news@example.org:****@"), "{debug}");

        let mailer = Mailer::new(
            Some("smtps://u:hunter2@mail.example.org"),
            FROM,
            "/x".into(),
        )
        .unwrap();
        assert_eq!(
            mailer.describe(),
            "SMTP smtps://u:****@mail.example.org:465 (implicit TLS)"
        );
        let mailer =
            Mailer::new(Some("smtp://127.0.0.1:2525?tls=none"), FROM, "/x".into()).unwrap();
        assert_eq!(mailer.describe(), "SMTP smtp://127.0.0.1:2525 (no TLS)");
        let mailer = Mailer::new(None, FROM, "/srv/masthead/outbox".into()).unwrap();
        assert_eq!(mailer.describe(), "outbox /srv/masthead/outbox");
    }

    #[test]
    fn a_bad_url_is_an_error_with_the_password_masked() {
        let err = Mailer::new(Some("smtp://u:hunter2@host:99999"), FROM, "/x".into()).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("port \"99999\""), "{message}");
        assert!(message.contains("smtp://u:****@host:99999"), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
        assert!(err.is_permanent());
    }

    #[test]
    fn the_sender_is_parsed_once() {
        let mailer = Mailer::new(None, FROM, "/x".into()).unwrap();
        assert_eq!(mailer.from().name.as_deref(), Some("The Meridian Courier"));
        assert_eq!(mailer.from().email.to_string(), "news@example.org");
        assert!(Mailer::new(None, "news@example.org", "/x".into()).is_ok());
        for bad in [
            "",
            "The Meridian Courier",
            "news@",
            "<news@example.org",
            "a@b@c",
        ] {
            let err = Mailer::new(None, bad, "/x".into()).unwrap_err();
            assert!(
                matches!(err, MailError::InvalidFrom { .. }),
                "{bad:?}: {err}"
            );
        }
    }

    #[test]
    fn message_ids_become_safe_file_names() {
        assert_eq!(
            sanitize_message_id("sign-in_0190abcd").as_deref(),
            Some("sign-in_0190abcd")
        );
        assert_eq!(sanitize_message_id(""), None);
        let odd = sanitize_message_id("../../etc/passwd").unwrap();
        assert!(odd.starts_with("______etc_passwd-"), "{odd}");
        assert!(
            odd.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        // Distinct IDs stay distinct, the same ID maps the same way every time.
        assert_ne!(sanitize_message_id("a.b"), sanitize_message_id("a/b"));
        assert_eq!(sanitize_message_id("a.b"), sanitize_message_id("a.b"));
        assert_ne!(sanitize_message_id("a_b"), sanitize_message_id("a.b"));
        let long = sanitize_message_id(&"x".repeat(500)).unwrap();
        assert!(long.len() <= MAX_ID_LEN + 17, "{}", long.len());
        assert_ne!(
            sanitize_message_id(&"x".repeat(500)),
            sanitize_message_id(&"x".repeat(501))
        );
    }

    #[test]
    fn extra_headers_cannot_inject_or_override() {
        assert!(extra_header("List-Unsubscribe", "<https://example.org/u?t=1>").is_ok());
        assert!(extra_header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click").is_ok());
        for (name, value) in [
            ("Bcc", "x@example.org"),
            ("subject", "Hi"),
            ("Message-ID", "<x@y>"),
            ("X-Bad Name", "v"),
            ("X-Bad:Name", "v"),
            ("", "v"),
            ("X-Ok", "a\r\nBcc: victim@example.org"),
            ("X-Ok", "a\nb"),
        ] {
            assert!(extra_header(name, value).is_err(), "{name:?}: {value:?}");
        }
    }

    #[test]
    fn subjects_are_one_line() {
        assert_eq!(one_line("  Your\r\nsign-in\tlink  "), "Your sign-in link");
    }
}
