//! Asynchronous bounces and complaints (issue 15), on both backends: DSN and ARF messages
//! (original fixtures in crates/mail/tests/fixtures) POSTed to the inbound endpoint, Mailgun
//! webhooks with their HMAC signature, Postmark webhooks with basic auth, SendGrid webhooks
//! with their ECDSA signature (a key the test makes), soft bounces in a row, reports for addresses we never
//! sent to, and forged requests.

use hmac::{Hmac, Mac};
use jiff::civil::Date;
use masthead_core::EmailAddress;
use masthead_mail::testing::SmtpServer;
use serde_json::{Value, json};
use sha2::Sha256;

use crate::common::{TestApp, spawn_app_with};

const DSN: &str = include_str!("../../../mail/tests/fixtures/dsn_hard_and_soft.eml");
const ARF: &str = include_str!("../../../mail/tests/fixtures/arf_abuse.eml");
const SECRET: &str = "inbound-test-secret-8d1f";
const MAILGUN_KEY: &str = "mailgun-test-signing-key";

async fn spawn(smtp: &SmtpServer) -> TestApp {
    let url = smtp.url.clone();
    spawn_app_with(move |c| {
        c.smtp_url = Some(url);
        c.mail_from = "The Test Tribune <news@tribune.example>".into();
        c.edition.soft_bounce_limit = 2;
        c.edition.feedback.inbound = Some(SECRET.to_owned());
        c.edition.feedback.mailgun = Some(MAILGUN_KEY.to_owned());
        c.edition.feedback.postmark = Some("postmark:hook-pass-41".to_owned());
        c.edition.feedback.sendgrid = Some(sendgrid_key().1);
    })
    .await
}

/// Sends the edition of `date` to everyone opted in, to the end.
async fn send(app: &TestApp, date: Date) {
    masthead_jobs::edition::start(&app.state.jobs, date)
        .await
        .unwrap();
    app.run_due_jobs().await;
}

async fn readers(app: &TestApp, list: &[&str]) {
    let emails: Vec<EmailAddress> = list
        .iter()
        .map(|a| EmailAddress::parse(a).unwrap())
        .collect();
    app.db
        .store
        .add_readers_for_tests(&emails, true)
        .await
        .unwrap();
}

async fn suppression(app: &TestApp, email: &str) -> Option<String> {
    let address = EmailAddress::parse(email).unwrap();
    app.db
        .store
        .suppression(&address)
        .await
        .unwrap()
        .map(|s| s.reason)
}

async fn inbound(app: &TestApp, secret: Option<&str>, body: &str) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .post(app.url("/edition/feedback/inbound"))
        .header("content-type", "message/rfc822")
        .body(body.to_owned());
    if let Some(s) = secret {
        req = req.bearer_auth(s);
    }
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

#[tokio::test]
async fn dsn_and_arf_reports_suppress_and_strangers_are_ignored() {
    let smtp = SmtpServer::start();
    let app = spawn(&smtp).await;
    readers(
        &app,
        &[
            "gone.reader@example.net",
            "full.box@example.org",
            "annoyed@example.com",
        ],
    )
    .await;
    // Forged or unconfigured: 401 with a JSON error, nothing recorded (before anything is sent,
    // and after).
    send(&app, Date::constant(2026, 7, 15)).await;
    let (status, body) = inbound(&app, None, DSN).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "missing or wrong bearer secret");
    assert_eq!(inbound(&app, Some("guess"), DSN).await.0, 401);
    assert_eq!(suppression(&app, "gone.reader@example.net").await, None);

    let (status, body) = inbound(&app, Some(SECRET), DSN).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["recipients"],
        json!([
            { "recipient": "gone.reader@example.net", "outcome": "suppressed" },
            { "recipient": "full.box@example.org", "outcome": "counted" },
        ])
    );
    assert_eq!(
        suppression(&app, "gone.reader@example.net")
            .await
            .as_deref(),
        Some("bounce")
    );
    let detail = app
        .db
        .store
        .suppression(&EmailAddress::parse("gone.reader@example.net").unwrap())
        .await
        .unwrap()
        .unwrap()
        .detail;
    assert!(
        detail.contains("5.1.1") && detail.contains("does not exist"),
        "{detail}"
    );
    assert_eq!(
        suppression(&app, "full.box@example.org").await,
        None,
        "one soft bounce"
    );

    let (status, body) = inbound(&app, Some(SECRET), ARF).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["recipients"][0]["outcome"], "suppressed");
    assert_eq!(
        suppression(&app, "annoyed@example.com").await.as_deref(),
        Some("complaint")
    );
    // The account page tells the reader why, and offers to resume.
    let browser = app.reader("annoyed@example.com").await;
    let (_, html) = browser.get(&app, "/account").await;
    assert!(
        html.contains("We stopped sending the Daily Edition"),
        "{html}"
    );

    // A report for an address we never sent to is ignored.
    let stranger = DSN.replace("gone.reader@example.net", "stranger@example.net");
    let (status, body) = inbound(&app, Some(SECRET), &stranger).await;
    assert_eq!(status, 200);
    assert_eq!(
        body["recipients"][0],
        json!({ "recipient": "stranger@example.net", "outcome": "ignored" })
    );
    assert_eq!(suppression(&app, "stranger@example.net").await, None);
    // Ordinary mail is not a report.
    let plain =
        "From: a@example.com\r\nTo: bounces@tribune.example\r\nSubject: hi\r\n\r\nHello\r\n";
    let (status, body) = inbound(&app, Some(SECRET), plain).await;
    assert_eq!(status, 422);
    assert!(
        body["error"].as_str().unwrap().contains("RFC 3464"),
        "{body}"
    );
    app.stop().await;
}

#[tokio::test]
async fn soft_bounces_suppress_after_the_limit_in_a_row() {
    let smtp = SmtpServer::start();
    let app = spawn(&smtp).await;
    readers(&app, &["full.box@example.org"]).await;
    send(&app, Date::constant(2026, 7, 15)).await;
    let soft = DSN.replace("gone.reader@example.net", "nobody.sent@example.invalid");
    let counted = |b: &Value| b["recipients"][1]["outcome"].clone();
    let (_, body) = inbound(&app, Some(SECRET), &soft).await;
    assert_eq!(counted(&body), "counted");
    // The same edition reported twice counts once.
    let (_, body) = inbound(&app, Some(SECRET), &soft).await;
    assert_eq!(counted(&body), "counted");
    assert_eq!(suppression(&app, "full.box@example.org").await, None);
    // The next edition bounces softly too: two in a row, suppressed (limit 2).
    send(&app, Date::constant(2026, 7, 16)).await;
    let (_, body) = inbound(&app, Some(SECRET), &soft).await;
    assert_eq!(counted(&body), "suppressed", "{body}");
    assert_eq!(
        suppression(&app, "full.box@example.org").await.as_deref(),
        Some("bounce")
    );
    app.stop().await;
}

fn mailgun_body(key: &str, timestamp: i64, event: Value) -> Value {
    let token = "5f1c0d3b9e2a47c6a1d8e0f2b3c4d5e6f7a8b9c0d1e2f3a4b5";
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(timestamp.to_string().as_bytes());
    mac.update(token.as_bytes());
    let signature: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    json!({
        "signature": { "timestamp": timestamp.to_string(), "token": token, "signature": signature },
        "event-data": event,
    })
}

async fn mailgun(app: &TestApp, body: &Value) -> (u16, Value) {
    let res = reqwest::Client::new()
        .post(app.url("/edition/feedback/mailgun"))
        .json(body)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

#[tokio::test]
async fn mailgun_webhooks_are_checked_by_their_signature() {
    let smtp = SmtpServer::start();
    let app = spawn(&smtp).await;
    readers(&app, &["ana@example.com", "ben@example.com"]).await;
    send(&app, Date::constant(2026, 7, 15)).await;
    let now = masthead_store::now_ms() / 1000;
    let complaint = json!({ "event": "complained", "recipient": "ana@example.com" });

    // Forged: signed with another key, or stale, or unsigned.
    let (status, body) = mailgun(&app, &mailgun_body("not-the-key", now, complaint.clone())).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "wrong or stale Mailgun signature");
    let stale = mailgun_body(MAILGUN_KEY, now - 3600, complaint.clone());
    assert_eq!(mailgun(&app, &stale).await.0, 401);
    assert_eq!(
        mailgun(&app, &json!({ "event-data": complaint })).await.0,
        401
    );
    assert_eq!(suppression(&app, "ana@example.com").await, None);

    let (status, body) = mailgun(&app, &mailgun_body(MAILGUN_KEY, now, complaint)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["recipients"][0]["outcome"], "suppressed");
    assert_eq!(
        suppression(&app, "ana@example.com").await.as_deref(),
        Some("complaint")
    );

    let temporary = json!({
        "event": "failed", "severity": "temporary", "recipient": "ben@example.com",
        "delivery-status": { "code": 452, "description": "mailbox full" },
    });
    let (_, body) = mailgun(&app, &mailgun_body(MAILGUN_KEY, now, temporary)).await;
    assert_eq!(body["recipients"][0]["outcome"], "counted");
    let permanent = json!({
        "event": "failed", "severity": "permanent", "recipient": "ben@example.com",
        "delivery-status": { "code": 550, "description": "no such user" },
    });
    let (_, body) = mailgun(&app, &mailgun_body(MAILGUN_KEY, now, permanent)).await;
    assert_eq!(body["recipients"][0]["outcome"], "suppressed");
    assert_eq!(
        suppression(&app, "ben@example.com").await.as_deref(),
        Some("bounce")
    );
    app.stop().await;
}

async fn postmark(app: &TestApp, auth: Option<(&str, &str)>, body: &Value) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .post(app.url("/edition/feedback/postmark"))
        .json(body);
    if let Some((u, p)) = auth {
        req = req.basic_auth(u, Some(p));
    }
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

#[tokio::test]
async fn postmark_webhooks_need_their_basic_auth() {
    let smtp = SmtpServer::start();
    let app = spawn(&smtp).await;
    readers(&app, &["cy@example.com", "di@example.com"]).await;
    send(&app, Date::constant(2026, 7, 15)).await;
    let hard = json!({
        "RecordType": "Bounce", "Type": "HardBounce", "TypeCode": 1, "Email": "cy@example.com",
        "Description": "The server was unable to deliver your message (ex: unknown user, mailbox not found).",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
    });
    let (status, body) = postmark(&app, None, &hard).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "missing or wrong basic auth");
    assert_eq!(
        postmark(&app, Some(("postmark", "wrong")), &hard).await.0,
        401
    );
    assert_eq!(suppression(&app, "cy@example.com").await, None);

    let auth = Some(("postmark", "hook-pass-41"));
    let (status, body) = postmark(&app, auth, &hard).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["recipients"][0]["outcome"], "suppressed");
    assert_eq!(
        suppression(&app, "cy@example.com").await.as_deref(),
        Some("bounce")
    );
    let complaint = json!({ "RecordType": "SpamComplaint", "Type": "SpamComplaint", "Email": "di@example.com" });
    let (_, body) = postmark(&app, auth, &complaint).await;
    assert_eq!(body["recipients"][0]["outcome"], "suppressed");
    assert_eq!(
        suppression(&app, "di@example.com").await.as_deref(),
        Some("complaint")
    );
    // Other record types are acknowledged and ignored; strangers are ignored.
    let (status, body) = postmark(
        &app,
        auth,
        &json!({ "RecordType": "Delivery", "Email": "x@example.com" }),
    )
    .await;
    assert_eq!((status, body["recipients"].clone()), (200, json!([])));
    let stranger =
        json!({ "RecordType": "Bounce", "Type": "HardBounce", "Email": "never@example.com" });
    let (_, body) = postmark(&app, auth, &stranger).await;
    assert_eq!(body["recipients"][0]["outcome"], "ignored");
    app.stop().await;
}

/// A P-256 key pair made for the tests (the same in every call): (PKCS#8, SPKI base64).
fn sendgrid_key() -> (Vec<u8>, String) {
    use base64::Engine as _;
    use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
    static KEY: std::sync::OnceLock<(Vec<u8>, String)> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng)
            .unwrap();
        let mut spki = vec![
            0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06,
            0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
        ];
        spki.extend_from_slice(pair.public_key().as_ref());
        (
            pkcs8.as_ref().to_vec(),
            base64::engine::general_purpose::STANDARD.encode(spki),
        )
    })
    .clone()
}

async fn sendgrid(app: &TestApp, pkcs8: &[u8], timestamp: i64, body: &str) -> (u16, Value) {
    use base64::Engine as _;
    use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair};
    let rng = ring::rand::SystemRandom::new();
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8, &rng).unwrap();
    let signed = format!("{timestamp}{body}");
    let signature = pair.sign(&rng, signed.as_bytes()).unwrap();
    let res = reqwest::Client::new()
        .post(app.url("/edition/feedback/sendgrid"))
        .header("content-type", "application/json")
        .header(
            "X-Twilio-Email-Event-Webhook-Signature",
            base64::engine::general_purpose::STANDARD.encode(signature.as_ref()),
        )
        .header(
            "X-Twilio-Email-Event-Webhook-Timestamp",
            timestamp.to_string(),
        )
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

#[tokio::test]
async fn sendgrid_webhooks_are_checked_by_their_ecdsa_signature() {
    use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair};
    let smtp = SmtpServer::start();
    let app = spawn(&smtp).await;
    readers(
        &app,
        &["eve@example.com", "fay@example.com", "gus@example.com"],
    )
    .await;
    send(&app, Date::constant(2026, 7, 15)).await;
    let now = masthead_store::now_ms() / 1000;
    let body = json!([
        { "email": "eve@example.com", "event": "bounce", "type": "bounce", "status": "5.1.1",
          "reason": "550 5.1.1 no mailbox here", "timestamp": now },
        { "email": "fay@example.com", "event": "spamreport", "timestamp": now },
        { "email": "gus@example.com", "event": "bounce", "type": "blocked", "status": "4.7.1",
          "reason": "421 try again later", "timestamp": now },
        { "email": "gus@example.com", "event": "delivered", "timestamp": now },
    ])
    .to_string();
    // Forged: another key's signature, a stale timestamp, no signature at all.
    let rng = ring::rand::SystemRandom::new();
    let other = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
    let (status, answer) = sendgrid(&app, other.as_ref(), now, &body).await;
    assert_eq!(status, 401);
    assert_eq!(answer["error"], "wrong or stale SendGrid signature");
    let (pkcs8, _) = sendgrid_key();
    assert_eq!(sendgrid(&app, &pkcs8, now - 3600, &body).await.0, 401);
    let unsigned = reqwest::Client::new()
        .post(app.url("/edition/feedback/sendgrid"))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 401);
    assert_eq!(suppression(&app, "eve@example.com").await, None);

    let (status, answer) = sendgrid(&app, &pkcs8, now, &body).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["recipients"],
        json!([
            { "recipient": "eve@example.com", "outcome": "suppressed" },
            { "recipient": "fay@example.com", "outcome": "suppressed" },
            { "recipient": "gus@example.com", "outcome": "counted" },
        ])
    );
    assert_eq!(
        suppression(&app, "eve@example.com").await.as_deref(),
        Some("bounce")
    );
    assert_eq!(
        suppression(&app, "fay@example.com").await.as_deref(),
        Some("complaint")
    );
    assert_eq!(suppression(&app, "gus@example.com").await, None);
    app.stop().await;
}
