//! SMTP against a real server on loopback: Python's aiosmtpd (`pip install aiosmtpd`).

use std::time::{Duration, Instant};

use masthead_core::EmailAddress;
use masthead_mail::testing::SmtpServer;
use masthead_mail::{Email, EmailTemplates, Mailer};
use serde_json::json;

const FROM: &str = "The Meridian Courier <news@example.org>";

fn render(name: &str, to: &str, code: &str, message_id: &str) -> Email {
    let templates = EmailTemplates::load(None).unwrap();
    let (subject, text, html) = templates
        .render(
            name,
            json!({
                "site_name": "The Meridian Courier",
                "link": format!("https://courier.example/verify?token=tok-{code}"),
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

#[tokio::test]
async fn messages_arrive_through_a_real_smtp_server() {
    let server = SmtpServer::start();
    let mailer = Mailer::new(Some(&server.url), FROM, "/unused".into()).unwrap();
    assert_eq!(
        mailer.describe(),
        format!("SMTP smtp://127.0.0.1:{} (no TLS)", server.port)
    );

    let sign_in = render("sign_in", "ana@example.com", "1234 5678", "sign-in-1");
    let mut register = render("register", "bruno@example.net", "8765 4321", "register-1");
    register.headers = vec![(
        "List-Unsubscribe".to_owned(),
        "<https://courier.example/unsubscribe?token=t>".to_owned(),
    )];
    mailer.send(&sign_in).await.unwrap();
    // A clone shares the pool.
    mailer.clone().send(&register).await.unwrap();

    // Without `?tls=none`: STARTTLS if offered, which aiosmtpd does not, so plain SMTP.
    let opportunistic = Mailer::new(
        Some(&format!("smtp://127.0.0.1:{}", server.port)),
        FROM,
        "/unused".into(),
    )
    .unwrap();
    let change = render("change_email", "carla@example.org", "5555 0000", "change-1");
    opportunistic.send(&change).await.unwrap();

    let messages = server.wait_for_messages(3, Duration::from_secs(10)).await;
    assert_eq!(messages.len(), 3);
    let ana = messages.iter().find(|m| m.to == "ana@example.com").unwrap();
    assert_eq!(ana.subject, "Your sign-in link for The Meridian Courier");
    assert_eq!(ana.from, "news@example.org");
    assert_eq!(ana.message_id, "<sign-in-1@example.org>");
    // aiosmtpd records the envelope recipient.
    assert_eq!(ana.header("X-RcptTo"), Some("ana@example.com"));
    assert!(
        ana.text
            .contains("https://courier.example/verify?token=tok-1234 5678\n"),
        "{}",
        ana.text
    );
    assert!(ana.text.contains("    1234 5678"), "{}", ana.text);
    assert!(ana.html.contains("1234 5678"), "{}", ana.html);
    assert!(ana.html.contains("Sign in</a>"), "{}", ana.html);

    let bruno = messages
        .iter()
        .find(|m| m.to == "bruno@example.net")
        .unwrap();
    assert_eq!(
        bruno.subject,
        "Confirm your email to finish registering with The Meridian Courier"
    );
    assert!(bruno.text.contains("8765 4321"));
    assert!(bruno.text.contains("Daily Edition"));
    assert!(bruno.html.contains("8765 4321"));
    assert_eq!(
        bruno.header("List-Unsubscribe"),
        Some("<https://courier.example/unsubscribe?token=t>")
    );

    let carla = messages
        .iter()
        .find(|m| m.to == "carla@example.org")
        .unwrap();
    assert_eq!(
        carla.subject,
        "Confirm your new email address for The Meridian Courier"
    );
    assert!(carla.text.contains("5555 0000"));
}

#[tokio::test]
async fn a_refused_connection_is_transient_and_quick() {
    // A port nobody listens on: bind it, note it, release it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mailer = Mailer::new(
        Some(&format!("smtp://127.0.0.1:{port}?tls=none")),
        FROM,
        "/unused".into(),
    )
    .unwrap();
    let started = Instant::now();
    let sent = tokio::time::timeout(
        Duration::from_secs(20),
        mailer.send(&render("sign_in", "ana@example.com", "1", "m1")),
    )
    .await
    .expect("a refused connection fails within the SMTP timeout");
    let err = sent.unwrap_err();
    assert!(!err.is_permanent(), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let message = err.to_string();
    assert!(message.contains(&format!("127.0.0.1:{port}")), "{message}");
}

#[tokio::test]
async fn a_5xx_reply_is_permanent() {
    // aiosmtpd answers "552 Error: Too much mail data" past its size limit.
    let server = SmtpServer::start_with_size_limit(1_000);
    let mailer = Mailer::new(Some(&server.url), FROM, "/unused".into()).unwrap();
    let err = mailer
        .send(&render("sign_in", "ana@example.com", "1", "too-big"))
        .await
        .unwrap_err();
    assert!(err.is_permanent(), "{err}");
    assert!(err.to_string().contains("552"), "{err}");
    assert!(server.messages().is_empty());
}

#[tokio::test]
async fn internationalized_domains_travel_in_ascii() {
    let server = SmtpServer::start();
    let mailer = Mailer::new(Some(&server.url), FROM, "/unused".into()).unwrap();
    let email = render("sign_in", "ana@café.example", "1111 2222", "idn-1");
    assert_eq!(email.to.as_str(), "ana@café.example");
    mailer.send(&email).await.unwrap();
    let messages = server.wait_for_messages(1, Duration::from_secs(10)).await;
    assert_eq!(
        messages[0].header("X-RcptTo"),
        Some("ana@xn--caf-dma.example")
    );
    assert_eq!(messages[0].to, "ana@xn--caf-dma.example");
}
