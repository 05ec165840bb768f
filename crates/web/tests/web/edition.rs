//! The Daily Edition, end to end on a real SMTP server (aiosmtpd on loopback): who gets it,
//! what it carries, its DKIM signature checked by an independent verifier (Python's dkimpy),
//! the one-click unsubscribe, bounces, back-off, a stop on a burst of refusals, and a reader
//! deleting their account mid-send.

use std::time::Duration;

use jiff::civil::Date;
use masthead_core::EmailAddress;
use masthead_mail::testing::{ParsedMessage, SmtpServer};
use masthead_store::edition::EditionStatus;

use crate::common::{TestApp, spawn_app_with};

/// The fixture's harbour story (metered) was published 2026-07-14 09:30 UTC: it is in the
/// edition dated 15 July (Lisbon, 06:00). Its body must never be mailed.
const DATE: Date = Date::constant(2026, 7, 15);

async fn spawn(smtp: &SmtpServer, configure: impl FnOnce(&mut masthead_web::WebConfig)) -> TestApp {
    let url = smtp.url.clone();
    spawn_app_with(move |c| {
        c.smtp_url = Some(url);
        c.mail_from = "The Test Tribune <news@tribune.example>".into();
        c.edition.chunk_size = 3;
        c.edition.pool_size = 2;
        configure(c);
    })
    .await
}

fn addresses(list: &[&str]) -> Vec<EmailAddress> {
    list.iter()
        .map(|a| EmailAddress::parse(a).unwrap())
        .collect()
}

async fn start(app: &TestApp) -> masthead_store::edition::Started {
    masthead_jobs::edition::start(&app.state.jobs, DATE)
        .await
        .expect("start the edition")
}

/// Messages per recipient.
fn by_recipient(messages: &[ParsedMessage]) -> std::collections::BTreeMap<String, usize> {
    let mut out = std::collections::BTreeMap::new();
    for m in messages {
        *out.entry(m.to.clone()).or_insert(0) += 1;
    }
    out
}

/// Verifies every DKIM signature of `raw` with dkimpy, answering its DNS queries with
/// `records` (name → TXT value). Returns dkimpy's verdict per signature and the signed header
/// lists, as printed by the script.
fn dkimpy_verify(raw: &str, records: &[(String, String)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let message = dir.path().join("message.eml");
    // The maildir copy has bare LF line ends; the wire form had CRLF.
    std::fs::write(&message, raw.replace("\r\n", "\n").replace('\n', "\r\n")).unwrap();
    let zone = dir.path().join("zone.json");
    let zone_json: serde_json::Value = records
        .iter()
        .map(|(n, v)| (format!("{n}."), serde_json::Value::String(v.clone())))
        .collect::<serde_json::Map<_, _>>()
        .into();
    std::fs::write(&zone, zone_json.to_string()).unwrap();
    let script = r#"
import json, sys, dkim
message = open(sys.argv[1], "rb").read()
zone = json.load(open(sys.argv[2]))
def dns(name, timeout=5):
    name = name.decode() if isinstance(name, bytes) else name
    value = zone.get(name)
    return value.encode() if value else None
d = dkim.DKIM(message)
sigs = [h for h in d.headers if h[0].lower() == b"dkim-signature"]
for i, (_, value) in enumerate(sigs):
    tags = dict(t.strip().split(b"=", 1) for t in value.replace(b"\r\n", b"").split(b";") if b"=" in t)
    ok = d.verify(idx=i, dnsfunc=dns)
    print("sig", i, "a=" + tags[b"a"].decode(), "ok" if ok else "FAIL", "h=" + tags[b"h"].decode().replace(" ", "").lower())
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(&message)
        .arg(&zone)
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "dkimpy failed (pip install dkimpy): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn every_opted_in_reader_gets_one_signed_message_and_a_second_send_sends_nothing() {
    let smtp = SmtpServer::start();
    let app = spawn(&smtp, |c| c.edition.dkim_ed25519 = true).await;
    let store = &app.db.store;
    store
        .add_readers_for_tests(
            &addresses(&[
                "ana@example.com",
                "ben@example.org",
                "cy@example.net",
                "di@example.com",
            ]),
            true,
        )
        .await
        .unwrap();
    store
        .add_readers_for_tests(&addresses(&["opted.out@example.com"]), false)
        .await
        .unwrap();
    let started = start(&app).await;
    assert!(started.created);
    assert_eq!(started.edition.recipients, 4);
    assert_eq!(started.edition.chunks, 2, "chunks of 3");
    // A reader who opts in after the start waits for the next edition.
    store
        .add_readers_for_tests(&addresses(&["late@example.com"]), true)
        .await
        .unwrap();
    app.run_due_jobs().await;

    let messages = smtp.wait_for_messages(4, Duration::from_secs(20)).await;
    let counts = by_recipient(&messages);
    assert_eq!(
        counts.keys().cloned().collect::<Vec<_>>(),
        [
            "ana@example.com",
            "ben@example.org",
            "cy@example.net",
            "di@example.com"
        ],
        "{counts:?}"
    );
    assert!(counts.values().all(|n| *n == 1), "{counts:?}");
    let edition = store.edition(&started.edition.id).await.unwrap().unwrap();
    assert_eq!(edition.status, EditionStatus::Sent);
    let progress = store.edition_progress(&edition.id).await.unwrap();
    assert_eq!((progress.sent, progress.queued), (4, 0));
    let ledger = store.edition_ledger_for_tests(&edition.id).await.unwrap();
    assert!(
        ledger
            .iter()
            .all(|(_, s, r)| s == "sent" && r.as_deref().is_some_and(|r| r.starts_with("250"))),
        "the server's reply is kept: {ledger:?}"
    );

    // What a message carries: the stories' headlines and links, never the gated body.
    let m = &messages[0];
    assert!(
        m.subject
            .starts_with("The Test Tribune Daily Edition, Wednesday 15 July 2026"),
        "{}",
        m.subject
    );
    assert!(m.text.contains("Harbour"), "{}", m.text);
    assert!(
        m.text.contains("/city/harbour-crane-lifts-a-record-load"),
        "{}",
        m.text
    );
    let harbour = store
        .published_article("harbour-crane-lifts-a-record-load")
        .await
        .unwrap()
        .unwrap();
    assert!(harbour.body_text.contains("It went smoothly"));
    for gated in ["It went smoothly", "hull section", "What comes next"] {
        assert!(
            !m.text.contains(gated) && !m.html.contains(gated),
            "no body text is mailed: {gated}"
        );
    }
    let list_unsubscribe = m.header("List-Unsubscribe").unwrap();
    assert!(
        list_unsubscribe.contains("/edition/unsubscribe?t="),
        "{list_unsubscribe}"
    );
    assert!(
        list_unsubscribe.contains("<mailto:unsubscribe@tribune.example?subject=unsubscribe%20"),
        "{list_unsubscribe}"
    );
    assert_eq!(
        m.header("List-Unsubscribe-Post"),
        Some("List-Unsubscribe=One-Click")
    );
    assert_eq!(
        m.header("Feedback-ID"),
        Some("20260715:daily-edition:masthead:thetesttribune")
    );
    let reader = store
        .reader_by_email(&EmailAddress::parse(&m.to).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        m.message_id,
        format!("<edition-2026-07-15-{}@tribune.example>", reader.id)
    );

    // DKIM: both signatures verify with the published keys and cover both List-Unsubscribe
    // headers.
    let records = masthead_jobs::edition::dns_records(
        store,
        &app.state.jobs.edition.settings,
        &app.state.jobs.mail_settings,
    )
    .await
    .unwrap();
    assert_eq!(records[0].0, "masthead._domainkey.tribune.example");
    let verdict = dkimpy_verify(&m.raw, &records);
    let lines: Vec<&str> = verdict.lines().collect();
    assert_eq!(lines.len(), 2, "{verdict}");
    assert!(
        lines.iter().any(|l| l.contains("a=rsa-sha256 ok")),
        "{verdict}"
    );
    assert!(
        lines.iter().any(|l| l.contains("a=ed25519-sha256 ok")),
        "{verdict}"
    );
    for line in &lines {
        for h in [
            "list-unsubscribe:",
            "list-unsubscribe-post",
            "message-id",
            "feedback-id",
            "from",
        ] {
            assert!(line.contains(h), "{h} not signed: {line}");
        }
    }
    // A tampered message fails, so the verifier is really checking.
    let tampered = m.raw.replacen(
        "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
        "List-Unsubscribe-Post: nope",
        1,
    );
    assert!(dkimpy_verify(&tampered, &records).contains("FAIL"));

    // /metrics has the ledger's counts.
    let (status, metrics) = app.text("/metrics").await;
    assert_eq!(status, 200);
    assert!(
        metrics.contains("masthead_edition_deliveries{status=\"sent\"} 4\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("masthead_edition_deliveries{status=\"queued\"} 0\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("masthead_edition_sending 0\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("masthead_edition_messages_total{outcome=\"sent\"}"),
        "{metrics}"
    );

    // A second send for the date sends nothing.
    let again = start(&app).await;
    assert!(!again.created);
    assert_eq!(again.edition.id, edition.id);
    assert_eq!(app.run_due_jobs().await, 0);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(smtp.messages().len(), 4);
    app.stop().await;
}

#[tokio::test]
async fn the_one_click_unsubscribe_works_without_cookies_and_is_idempotent() {
    let smtp = SmtpServer::start();
    let app = spawn(&smtp, |_| {}).await;
    let store = &app.db.store;
    let ids = store
        .add_readers_for_tests(&addresses(&["ana@example.com"]), true)
        .await
        .unwrap();
    start(&app).await;
    app.run_due_jobs().await;
    let m = &smtp.wait_for_messages(1, Duration::from_secs(20)).await[0];
    let header = m.header("List-Unsubscribe").unwrap();
    let url = header
        .split(['<', '>'])
        .find(|p| p.starts_with("http"))
        .unwrap();
    let path = &url[url.find("/edition/").unwrap()..];
    assert!(m.text.contains(url), "the footer has the same link");

    // A GET (a mail scanner, a person) changes nothing and shows the button.
    let (status, html) = app.text(path).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Unsubscribe from the Daily Edition?") && html.contains("<button"),
        "{html}"
    );
    assert!(
        store
            .reader_by_id(&ids[0])
            .await
            .unwrap()
            .unwrap()
            .daily_edition
    );

    // The mail provider's POST: no cookies, no CSRF token, a cross-site origin.
    let provider = reqwest::Client::new();
    for _ in 0..2 {
        let res = provider
            .post(app.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("origin", "https://mail.provider.example")
            .header("sec-fetch-site", "cross-site")
            .body("List-Unsubscribe=One-Click")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let html = res.text().await.unwrap();
        assert!(
            html.contains("You are unsubscribed") && html.contains("Subscribe again"),
            "{html}"
        );
        assert!(
            !store
                .reader_by_id(&ids[0])
                .await
                .unwrap()
                .unwrap()
                .daily_edition
        );
    }
    // And back, from the same page.
    let res = provider
        .post(app.url(&path.replace("/unsubscribe?", "/resubscribe?")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        store
            .reader_by_id(&ids[0])
            .await
            .unwrap()
            .unwrap()
            .daily_edition
    );

    // A garbled token (cut short, edited) and an expired one say what to do.
    let cut = &path[..path.len() - 5];
    let res = provider.post(app.url(cut)).send().await.unwrap();
    assert_eq!(res.status(), 400);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("incomplete") && html.contains("/account"),
        "{html}"
    );
    let key = masthead_jobs::edition::unsubscribe_key(store)
        .await
        .unwrap();
    let old = masthead_core::edition::sign_unsubscribe(&key, &ids[0], masthead_store::now_ms() - 1);
    let (status, html) = app.text(&format!("/edition/unsubscribe?t={old}")).await;
    assert_eq!(status, 410);
    assert!(
        html.contains("expired") && html.contains("account page"),
        "{html}"
    );
    let forged = masthead_core::edition::sign_unsubscribe(b"not the key", &ids[0], i64::MAX);
    let res = provider
        .post(app.url(&format!("/edition/unsubscribe?t={forged}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert!(
        store
            .reader_by_id(&ids[0])
            .await
            .unwrap()
            .unwrap()
            .daily_edition
    );
    app.stop().await;
}

#[tokio::test]
async fn refusals_suppress_deferrals_back_off_and_a_deleted_reader_is_skipped() {
    let smtp = SmtpServer::start_choosy();
    let app = spawn(&smtp, |_| {}).await;
    let store = &app.db.store;
    store
        .add_readers_for_tests(
            &addresses(&[
                "ana@example.com",
                "bounce.ben@example.com",
                "defer.cy@slow.example",
                "busy.di@busy.example",
                "gone@example.com",
            ]),
            true,
        )
        .await
        .unwrap();
    let started = start(&app).await;
    // The reader deletes their account after the send started.
    let gone = store
        .reader_by_email(&EmailAddress::parse("gone@example.com").unwrap())
        .await
        .unwrap()
        .unwrap();
    store
        .delete_reader(&gone.id, &app.state.erasures)
        .await
        .unwrap();
    app.run_due_jobs().await;

    let messages = smtp.messages();
    let counts = by_recipient(&messages);
    assert_eq!(
        counts,
        [
            ("ana@example.com", 1),
            ("busy.di@busy.example", 1),
            ("defer.cy@slow.example", 1)
        ]
        .map(|(a, n)| (a.to_owned(), n))
        .into(),
        "the deferred ones arrive after their back-off, the refused and the deleted do not"
    );
    let edition = store.edition(&started.edition.id).await.unwrap().unwrap();
    assert_eq!(
        edition.status,
        EditionStatus::Finished,
        "not 'sent': one bounced"
    );
    let p = store.edition_progress(&edition.id).await.unwrap();
    assert_eq!(
        (p.sent, p.bounced, p.queued, p.total()),
        (3, 1, 0, 4),
        "{p:?}"
    );
    let ledger = store.edition_ledger_for_tests(&edition.id).await.unwrap();
    let bounced = ledger.iter().find(|(_, s, _)| s == "bounced").unwrap();
    assert!(bounced.2.as_deref().unwrap().contains("550"), "{ledger:?}");

    // The bounced address is suppressed: the account page says so and offers to resume.
    let ben = EmailAddress::parse("bounce.ben@example.com").unwrap();
    let s = store.suppression(&ben).await.unwrap().unwrap();
    assert_eq!(s.reason, "bounce");
    let browser = app.reader("bounce.ben@example.com").await;
    let (status, html) = browser.get(&app, "/account").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("We stopped sending the Daily Edition") && html.contains("no such mailbox"),
        "{html}"
    );
    let res = browser
        .submit(
            &app,
            "/account",
            "/account/edition/resume",
            &[] as &[(&str, &str)],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert!(store.suppression(&ben).await.unwrap().is_none());
    let (_, html) = browser.get(&app, "/account?notice=edition-resumed").await;
    assert!(
        html.contains("will be sent to you again") && !html.contains("We stopped sending"),
        "{html}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_burst_of_permanent_refusals_stops_the_send() {
    let smtp = SmtpServer::start_choosy();
    let app = spawn(&smtp, |c| {
        c.edition.stop_after_permanent = 3;
        c.edition.chunk_size = 100;
    })
    .await;
    let store = &app.db.store;
    let list: Vec<String> = (0..10)
        .map(|i| format!("bounce{i:02}@example.com"))
        .collect();
    let list: Vec<&str> = list.iter().map(String::as_str).collect();
    store
        .add_readers_for_tests(&addresses(&list), true)
        .await
        .unwrap();
    let started = start(&app).await;
    app.run_due_jobs().await;
    let edition = store.edition(&started.edition.id).await.unwrap().unwrap();
    assert_eq!(edition.status, EditionStatus::Stopped);
    assert!(
        edition
            .stop_reason
            .as_deref()
            .unwrap()
            .contains("permanent refusals in a row"),
        "{:?}",
        edition.stop_reason
    );
    let p = store.edition_progress(&edition.id).await.unwrap();
    assert!(
        p.bounced >= 3 && p.bounced <= 4 && p.queued >= 6,
        "the rest waits for an operator: {p:?}"
    );
    assert!(smtp.messages().is_empty());
    app.stop().await;
}
