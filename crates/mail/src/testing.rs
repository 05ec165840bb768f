//! Test helpers: a real SMTP server on loopback, and a parser for the messages it receives.
//!
//! [`SmtpServer::start`] runs Python's aiosmtpd (`pip install aiosmtpd`) as a child process that
//! stores every message it accepts in a maildir; [`SmtpServer::messages`] reads them back, with
//! quoted-printable and base64 bodies decoded, so that a test can follow the link or type the
//! code a reader would. A missing aiosmtpd fails the test with the command to install it: a test
//! that needs a server never skips silently.
//!
//! ```no_run
//! # async fn example() {
//! use masthead_mail::testing::SmtpServer;
//! let server = SmtpServer::start();
//! // … configure the app with `server.url` and make it send a sign-in email …
//! let messages = server
//!     .wait_for_messages(1, std::time::Duration::from_secs(10))
//!     .await;
//! assert!(messages[0].text.contains("sign in"));
//! # }
//! ```

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mail_parser::{MessageParser, PartType};

/// The Python interpreter to run aiosmtpd with: `MASTHEAD_TEST_PYTHON`, or `python3`.
fn python() -> String {
    std::env::var("MASTHEAD_TEST_PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

/// How long aiosmtpd may take to start accepting connections.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// The handler of [`SmtpServer::start_choosy`]: aiosmtpd's maildir handler, refusing some
/// recipients on cue.
const CHOOSY_HANDLER: &str = r#"
from aiosmtpd.handlers import Mailbox


class Choosy(Mailbox):
    def __init__(self, maildir):
        super().__init__(maildir)
        self.tries = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0].lower()
        n = self.tries.get(address.lower(), 0) + 1
        self.tries[address.lower()] = n
        if local.startswith("bounce"):
            return "550 5.1.1 <%s>: no such mailbox here" % address
        if local.startswith("defer") and n <= 2:
            return "451 4.7.1 greylisted, try again later"
        if local.startswith("busy") and n <= 1:
            return "421 4.7.0 too many messages, slow down"
        envelope.rcpt_tos.append(address)
        return "250 OK"
"#;

/// A running aiosmtpd on `127.0.0.1`, storing messages in `maildir`. Killed on drop.
pub struct SmtpServer {
    /// `smtp://127.0.0.1:PORT?tls=none`, for [`crate::Mailer::new`].
    pub url: String,
    pub port: u16,
    pub maildir: PathBuf,
    child: Child,
    _dir: tempfile::TempDir,
}

impl SmtpServer {
    /// Starts the server and waits (bounded) until it answers. Panics, saying what to do, when
    /// Python or aiosmtpd is missing or the server does not come up.
    pub fn start() -> SmtpServer {
        Self::start_with_args(&[])
    }

    /// A server that refuses (with a permanent `552` reply) messages larger than `bytes`.
    pub fn start_with_size_limit(bytes: usize) -> SmtpServer {
        Self::start_with_args(&["--size".to_owned(), bytes.to_string()])
    }

    /// A server that answers on cue, by the recipient's local part: `bounce…` gets a permanent
    /// `550`, `defer…` a `451` on its first two tries, `busy…` a `421` on its first; every
    /// other address is accepted. For the Daily Edition's bounce and back-off tests.
    pub fn start_choosy() -> SmtpServer {
        Self::start_with_handler(CHOOSY_HANDLER, "masthead_choosy.Choosy")
    }

    fn start_with_args(extra: &[String]) -> SmtpServer {
        Self::start_inner(extra, None)
    }

    fn start_with_handler(source: &str, class: &str) -> SmtpServer {
        Self::start_inner(&[], Some((source, class)))
    }

    fn start_inner(extra: &[String], handler: Option<(&str, &str)>) -> SmtpServer {
        require_aiosmtpd();
        let dir = tempfile::Builder::new()
            .prefix("masthead-smtp-")
            .tempdir()
            .expect("create a temporary directory for the test SMTP server");
        let class = match handler {
            Some((source, class)) => {
                let module = class.split('.').next().unwrap_or("handler");
                std::fs::write(dir.path().join(format!("{module}.py")), source)
                    .expect("write the test SMTP handler");
                class
            }
            None => "aiosmtpd.handlers.Mailbox",
        };
        // The port is chosen by binding port 0 and released just before aiosmtpd takes it;
        // another process may take it in between, so try again a few times.
        let mut failures = Vec::new();
        for attempt in 0..3 {
            let port = free_port();
            let maildir = dir.path().join(format!("maildir-{attempt}"));
            let log = dir.path().join(format!("aiosmtpd-{attempt}.log"));
            let log_file = std::fs::File::create(&log).expect("create the aiosmtpd log file");
            let mut child = Command::new(python())
                .args(["-m", "aiosmtpd", "-n", "--smtputf8"])
                .args(["-l", &format!("127.0.0.1:{port}")])
                .args(extra)
                .args(["-c", class])
                .arg(&maildir)
                .env("PYTHONUNBUFFERED", "1")
                .env("PYTHONPATH", dir.path())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::from(log_file))
                .spawn()
                .unwrap_or_else(|e| panic!("cannot run {}: {e}", python()));
            match wait_until_ready(&mut child, port, &log) {
                Ok(()) => {
                    return SmtpServer {
                        url: format!("smtp://127.0.0.1:{port}?tls=none"),
                        port,
                        maildir,
                        child,
                        _dir: dir,
                    };
                }
                Err(why) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    failures.push(format!("port {port}: {why}"));
                }
            }
        }
        panic!(
            "the test SMTP server (aiosmtpd) did not start:\n{}",
            failures.join("\n")
        );
    }

    /// Every message received so far, oldest first.
    pub fn messages(&self) -> Vec<ParsedMessage> {
        let mut files = Vec::new();
        for sub in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(self.maildir.join(sub)) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                let modified = entry.metadata().and_then(|m| m.modified()).ok();
                files.push((modified, path));
            }
        }
        files.sort();
        files
            .into_iter()
            .map(|(_, path)| read_message(&path))
            .collect()
    }

    /// Waits (polling, bounded by `timeout`) until at least `count` messages have arrived, for
    /// mail sent by a background job. Panics with what did arrive when they do not. Async, so
    /// that the app's own tasks keep running on a single-threaded test runtime meanwhile.
    pub async fn wait_for_messages(&self, count: usize, timeout: Duration) -> Vec<ParsedMessage> {
        let deadline = Instant::now() + timeout;
        loop {
            let messages = self.messages();
            if messages.len() >= count {
                return messages;
            }
            if Instant::now() >= deadline {
                let subjects: Vec<_> = messages.iter().map(|m| (&m.to, &m.subject)).collect();
                panic!(
                    "expected {count} messages within {timeout:?}, got {}: {subjects:?}",
                    messages.len()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until the server sends its `220` greeting, or says why it did not.
fn wait_until_ready(child: &mut Child, port: u16, log: &Path) -> Result<(), String> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let log_text = || std::fs::read_to_string(log).unwrap_or_default();
    let deadline = Instant::now() + START_TIMEOUT;
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("aiosmtpd exited ({status}): {}", log_text()));
        }
        if let Ok(stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(200))
            && greets(stream)
        {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(format!(
        "aiosmtpd did not answer within {START_TIMEOUT:?}: {}",
        log_text()
    ))
}

/// Fails the test, with the command to fix it, when aiosmtpd cannot be imported.
fn require_aiosmtpd() {
    let python = python();
    let output = Command::new(&python)
        .args(["-c", "import aiosmtpd"])
        .stdin(Stdio::null())
        .output();
    match output {
        Ok(output) if output.status.success() => {}
        Ok(output) => panic!(
            "the SMTP tests need aiosmtpd, which {python} cannot import ({}): install it with \
             `pip install aiosmtpd` (for this interpreter: `{python} -m pip install aiosmtpd`)",
            String::from_utf8_lossy(&output.stderr)
                .lines()
                .last()
                .unwrap_or_default()
                .trim()
        ),
        Err(e) => panic!(
            "the SMTP tests need Python 3 with aiosmtpd, but {python} cannot be run ({e}): \
             install Python 3, then `pip install aiosmtpd` (or set MASTHEAD_TEST_PYTHON)"
        ),
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind a free port on 127.0.0.1")
        .port()
}

/// True when the server at the other end of `stream` greets with `220`; then says goodbye.
fn greets(mut stream: TcpStream) -> bool {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let mut line = String::new();
    let ok = BufReader::new(&stream).read_line(&mut line).is_ok() && line.starts_with("220");
    let _ = stream.write_all(b"QUIT\r\n");
    ok
}

fn read_message(path: &Path) -> ParsedMessage {
    let raw = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    ParsedMessage::parse(&raw).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A received message, decoded.
#[derive(Debug, Clone)]
pub struct ParsedMessage {
    /// The first `To` address.
    pub to: String,
    /// The `From` address (without the display name).
    pub from: String,
    /// The `From` display name, if any.
    pub from_name: Option<String>,
    /// Decoded (RFC 2047).
    pub subject: String,
    /// Including the angle brackets: `<ID@domain>`.
    pub message_id: String,
    /// The `text/plain` part, decoded, with `\n` line endings (whether it was read from the
    /// outbox or from the SMTP server's maildir); empty if there is none.
    pub text: String,
    /// The `text/html` part, decoded, with `\n` line endings; empty if there is none.
    pub html: String,
    /// Every header, in order: name and raw value (RFC 2047 words not decoded), unfolded.
    pub headers: Vec<(String, String)>,
    /// The message as received.
    pub raw: String,
}

impl ParsedMessage {
    /// Parses an RFC 5322 message (an `.eml` file, a maildir entry).
    pub fn parse(raw: &[u8]) -> Result<ParsedMessage, String> {
        let message = MessageParser::default()
            .parse(raw)
            .ok_or("not an RFC 5322 message")?;
        let first_address = |address: Option<&mail_parser::Address<'_>>| {
            address
                .and_then(|a| a.first())
                .map(|a| {
                    (
                        a.address().unwrap_or_default().to_owned(),
                        a.name().map(str::to_owned),
                    )
                })
                .unwrap_or_default()
        };
        let (to, _) = first_address(message.to());
        let (from, from_name) = first_address(message.from());
        // The parts themselves, not `body_text`/`body_html`, which convert one into the other
        // when a part is missing.
        let mut text = String::new();
        let mut html = String::new();
        for part in &message.parts {
            match &part.body {
                PartType::Text(t) if text.is_empty() => text = t.replace("\r\n", "\n"),
                PartType::Html(h) if html.is_empty() => html = h.replace("\r\n", "\n"),
                _ => {}
            }
        }
        let headers = message
            .headers_raw()
            .map(|(name, value)| (name.to_owned(), unfold(value)))
            .collect::<Vec<_>>();
        Ok(ParsedMessage {
            to,
            from,
            from_name,
            subject: message.subject().unwrap_or_default().to_owned(),
            message_id: message
                .message_id()
                .map(|id| format!("<{id}>"))
                .unwrap_or_default(),
            text,
            html,
            headers,
            raw: String::from_utf8_lossy(raw).into_owned(),
        })
    }

    /// The first header named `name` (case-insensitive), unfolded.
    /// The message as a reader receives it, for a snapshot: recipient, subject, text and HTML.
    /// Redact what changes from run to run (links' tokens, codes, ports) with insta's filters.
    pub fn snapshot(&self) -> String {
        format!(
            "To: {}\nFrom: {} <{}>\nSubject: {}\n\n----- text -----\n{}\n----- html -----\n{}",
            self.to,
            self.from_name.as_deref().unwrap_or_default(),
            self.from,
            self.subject,
            self.text,
            self.html
        )
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn unfold(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}
