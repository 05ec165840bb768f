//! The `.eml` outbox: what a site without SMTP "sends".

use std::path::Path;

use masthead_core::EmailAddress;
use masthead_mail::testing::ParsedMessage;
use masthead_mail::{Email, EmailTemplates, Mailer};
use serde_json::json;

const FROM: &str = "The Meridian Courier <news@example.org>";

fn sign_in_email(to: &str, message_id: &str, code: &str) -> Email {
    let templates = EmailTemplates::load(None).unwrap();
    let (subject, text, html) = templates
        .render(
            "sign_in",
            json!({
                "site_name": "The Meridian Courier",
                "link": format!("https://courier.example/sign-in/verify?token={code}&x=1"),
                "code": code,
                "expires_minutes": 15,
                "email": to,
            }),
        )
        .unwrap();
    Email {
        to: EmailAddress::parse(to).unwrap(),
        subject,
        text,
        html,
        message_id: message_id.to_owned(),
        headers: vec![],
    }
}

fn eml_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

fn parse(path: &Path) -> ParsedMessage {
    ParsedMessage::parse(&std::fs::read(path).unwrap()).unwrap()
}

#[tokio::test]
async fn every_message_is_one_eml_file_and_a_retry_overwrites_it() {
    let data = tempfile::tempdir().unwrap();
    let outbox = data.path().join("outbox");
    let mailer = Mailer::new(None, FROM, outbox.clone()).unwrap();
    assert_eq!(mailer.describe(), format!("outbox {}", outbox.display()));

    let mut first = sign_in_email("ana@example.com", "sign-in-0001", "1111 1111");
    first.headers = vec![
        (
            "List-Unsubscribe".to_owned(),
            "<https://courier.example/unsubscribe?token=abc>".to_owned(),
        ),
        (
            "List-Unsubscribe-Post".to_owned(),
            "List-Unsubscribe=One-Click".to_owned(),
        ),
    ];
    let second = sign_in_email("bruno@example.net", "sign-in-0002", "2222 2222");
    mailer.send(&first).await.unwrap();
    mailer.send(&second).await.unwrap();
    // The job ran again (say, its lease expired) and rendered a new code: same message ID.
    let retried = sign_in_email("ana@example.com", "sign-in-0001", "3333 3333");
    mailer.send(&retried).await.unwrap();

    // Two files, no temporary file left behind.
    assert_eq!(eml_files(&outbox), ["sign-in-0001.eml", "sign-in-0002.eml"]);

    let ana = parse(&outbox.join("sign-in-0001.eml"));
    assert_eq!(ana.to, "ana@example.com");
    assert_eq!(ana.from, "news@example.org");
    assert_eq!(ana.from_name.as_deref(), Some("The Meridian Courier"));
    assert_eq!(ana.subject, "Your sign-in link for The Meridian Courier");
    assert_eq!(ana.message_id, "<sign-in-0001@example.org>");
    assert!(ana.header("Date").is_some(), "{}", ana.raw);
    assert!(
        ana.header("Content-Type")
            .unwrap()
            .starts_with("multipart/alternative"),
        "{}",
        ana.raw
    );
    // The retry's content replaced the first one's.
    assert!(ana.text.contains("3333 3333"), "{}", ana.text);
    assert!(!ana.raw.contains("1111 1111"));
    assert!(
        ana.text
            .contains("https://courier.example/sign-in/verify?token=3333 3333&x=1"),
        "{}",
        ana.text
    );
    assert!(ana.html.contains("3333 3333"), "{}", ana.html);
    assert!(ana.html.contains("<html lang=\"en\">"), "{}", ana.html);
    // The first send's extra headers are not carried over: the retry replaced the file whole.
    assert_eq!(ana.header("List-Unsubscribe"), None);

    let bruno = parse(&outbox.join("sign-in-0002.eml"));
    assert_eq!(bruno.to, "bruno@example.net");
    assert_eq!(bruno.message_id, "<sign-in-0002@example.org>");
    assert!(bruno.text.contains("2222 2222"));
    assert!(bruno.html.contains("2222 2222"));
    assert!(bruno.text.contains("You received this email because"));
}

#[tokio::test]
async fn extra_headers_and_unusual_content_survive() {
    let data = tempfile::tempdir().unwrap();
    let mailer = Mailer::new(None, FROM, data.path().to_owned()).unwrap();
    let long_line = "word ".repeat(400);
    let email = Email {
        to: EmailAddress::parse("jürgen@müller.example").unwrap(),
        subject: "Café au lait —\r\n Friday’s edition".to_owned(),
        text: format!("Grüße, {long_line}\n.\nA line with a single dot above.\n"),
        html: "<p>Gr&uuml;&szlig;e</p>".to_owned(),
        message_id: "edition/2026-05-01:jürgen".to_owned(),
        headers: vec![
            (
                "List-Unsubscribe".to_owned(),
                "<https://courier.example/unsubscribe?token=0123456789abcdef0123456789abcdef0123456789abcdef>"
                    .to_owned(),
            ),
            (
                "List-Unsubscribe-Post".to_owned(),
                "List-Unsubscribe=One-Click".to_owned(),
            ),
        ],
    };
    mailer.send(&email).await.unwrap();
    let files = eml_files(data.path());
    assert_eq!(files.len(), 1, "{files:?}");
    // The odd message ID became a safe file name inside the outbox.
    assert!(
        files[0].starts_with("edition_2026-05-01_j_rgen-"),
        "{files:?}"
    );
    let message = parse(&data.path().join(&files[0]));
    assert_eq!(message.subject, "Café au lait — Friday’s edition");
    // Headers carry the domain in ASCII (punycode); the reader sees it in Unicode elsewhere.
    assert_eq!(message.to, "jürgen@xn--mller-kva.example");
    assert_eq!(message.text, email.text);
    assert_eq!(
        message.header("List-Unsubscribe"),
        Some(
            "<https://courier.example/unsubscribe?token=0123456789abcdef0123456789abcdef0123456789abcdef>"
        )
    );
    assert_eq!(
        message.header("List-Unsubscribe-Post"),
        Some("List-Unsubscribe=One-Click")
    );
    let stem = files[0].strip_suffix(".eml").unwrap();
    assert_eq!(message.message_id, format!("<{stem}@example.org>"));
}

#[tokio::test]
async fn invalid_emails_are_permanent_errors() {
    let data = tempfile::tempdir().unwrap();
    let mailer = Mailer::new(None, FROM, data.path().to_owned()).unwrap();
    let mut email = sign_in_email("ana@example.com", "", "1");
    let err = mailer.send(&email).await.unwrap_err();
    assert!(err.is_permanent());
    assert!(err.to_string().contains("message ID is empty"), "{err}");

    email.message_id = "x".to_owned();
    email.headers = vec![("Bcc".to_owned(), "eve@example.com".to_owned())];
    let err = mailer.send(&email).await.unwrap_err();
    assert!(err.is_permanent());
    assert!(err.to_string().contains("Bcc"), "{err}");
    assert!(eml_files(data.path()).is_empty());
}

#[tokio::test]
async fn an_unwritable_outbox_is_a_transient_error() {
    let data = tempfile::tempdir().unwrap();
    // A file where the outbox directory should be.
    let outbox = data.path().join("outbox");
    std::fs::write(&outbox, "not a directory").unwrap();
    let mailer = Mailer::new(None, FROM, outbox.clone()).unwrap();
    let err = mailer
        .send(&sign_in_email("ana@example.com", "m1", "1"))
        .await
        .unwrap_err();
    assert!(!err.is_permanent(), "{err}");
    assert!(err.to_string().contains("outbox"), "{err}");
}

#[cfg(unix)]
#[tokio::test]
async fn the_outbox_is_readable_by_the_server_alone() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let data = tempfile::tempdir().unwrap();
    let outbox = data.path().join("outbox");
    let mailer = Mailer::new(None, FROM, outbox.clone()).unwrap();
    mailer
        .send(&sign_in_email(
            "ana@example.com",
            "sign-in-perm",
            "1234 5678",
        ))
        .await
        .unwrap();
    // Live links and codes: not for other users of the host, whatever the umask.
    assert_eq!(mode(&outbox), 0o700);
    assert_eq!(mode(&outbox.join("sign-in-perm.eml")), 0o600);

    // An outbox left world-readable by an earlier version is tightened on the next send.
    std::fs::set_permissions(&outbox, std::fs::Permissions::from_mode(0o755)).unwrap();
    mailer
        .send(&sign_in_email(
            "ana@example.com",
            "sign-in-perm2",
            "1234 5678",
        ))
        .await
        .unwrap();
    assert_eq!(mode(&outbox), 0o700);
}
