//! `masthead edition`: preview, DNS records, and sending as an operator runs it, killed with
//! SIGKILL at random moments and resumed, against a real SMTP server (aiosmtpd on loopback).

use std::{
    collections::BTreeMap,
    process::{Command, Output, Stdio},
    time::{Duration, Instant},
};

use masthead_core::EmailAddress;
use masthead_mail::testing::SmtpServer;
use masthead_store::testing::TestDb;

fn edition(db: &TestDb, smtp: Option<&SmtpServer>, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_masthead"));
    cmd.args(["--data", db.data_dir().to_str().unwrap(), "edition"])
        .args(args)
        .env("MASTHEAD_DATABASE_URL", &db.url)
        .env("MASTHEAD_MAIL_FROM", "The Tribune <news@tribune.example>")
        .env("MASTHEAD_PUBLIC_URL", "https://tribune.example")
        .env("MASTHEAD_TIME_ZONE", "Europe/Lisbon")
        .env("MASTHEAD_EDITION_CHUNK_SIZE", "25")
        .env("MASTHEAD_EDITION_SMTP_POOL", "2")
        .env("MASTHEAD_EDITION_CONCURRENT_CHUNKS", "1")
        .env("MASTHEAD_EDITION_CHUNK_BUDGET_SECS", "1")
        .env("MASTHEAD_EDITION_SMTP_TIMEOUT_SECS", "3")
        .env("RUST_LOG", "warn");
    if let Some(smtp) = smtp {
        cmd.env("MASTHEAD_SMTP_URL", &smtp.url);
    }
    cmd
}

fn run(mut cmd: Command) -> (Output, String, String) {
    let out = cmd.output().expect("run masthead");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out, stdout, stderr)
}

async fn import_story(db: &TestDb) {
    let src = db.data_dir().join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(
        src.join("kiln.md"),
        "---\nheadline: \"Pottery kiln fired\"\nstandfirst: \"The old kiln burns again.\"\nsection: crafts\nauthors: [a]\npublished: 2026-07-14T09:30:00Z\naccess: registered\n---\nThe members-only body of the kiln story.\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_masthead"))
        .args(["--data", db.data_dir().to_str().unwrap(), "import"])
        .arg(&src)
        .env("MASTHEAD_DATABASE_URL", &db.url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn preview_writes_both_parts_and_dns_prints_stable_records() {
    let db = TestDb::new().await;
    import_story(&db).await;
    let out_dir = db.data_dir().join("preview");
    let (out, stdout, stderr) = run({
        let mut c = edition(&db, None, &["preview", "--date", "2026-07-15", "--out"]);
        c.arg(&out_dir);
        c
    });
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains("The Daily Edition for 2026-07-15 (1 stories"),
        "{stdout}"
    );
    let html = std::fs::read_to_string(out_dir.join("2026-07-15.html")).unwrap();
    let text = std::fs::read_to_string(out_dir.join("2026-07-15.txt")).unwrap();
    assert!(
        html.contains("Pottery kiln fired")
            && html
                .contains("https:&#x2f;&#x2f;tribune.example&#x2f;crafts&#x2f;pottery-kiln-fired"),
        "{html}"
    );
    assert!(
        text.starts_with("Subject: ")
            && text.contains("The old kiln burns again.")
            && text.contains("https://tribune.example/crafts/pottery-kiln-fired"),
        "{text}"
    );
    assert!(
        !html.contains("members-only body") && !text.contains("members-only body"),
        "gated text is never mailed"
    );
    // A day with nothing published says so.
    let (out, stdout, _) = run(edition(
        &db,
        None,
        &[
            "preview",
            "--date",
            "2026-08-01",
            "--out",
            out_dir.to_str().unwrap(),
        ],
    ));
    assert!(out.status.success());
    assert!(stdout.contains("(0 stories"), "{stdout}");
    assert!(
        std::fs::read_to_string(out_dir.join("2026-08-01.txt"))
            .unwrap()
            .contains("A quiet day")
    );
    // A bad date is refused with the format to use.
    let (out, _, stderr) = run(edition(&db, None, &["preview", "--date", "15/07/2026"]));
    assert!(!out.status.success());
    assert!(stderr.contains("YYYY-MM-DD"), "{stderr}");

    let (out, first, stderr) = run(edition(&db, None, &["dns"]));
    assert!(out.status.success(), "{stderr}");
    assert!(
        first
            .contains("masthead._domainkey.tribune.example. IN TXT ( \"v=DKIM1; k=rsa; p=MIIBIjAN"),
        "{first}"
    );
    let (_, second, _) = run(edition(&db, None, &["dns"]));
    assert_eq!(first, second, "the key is generated once and kept");
}

fn received(smtp: &SmtpServer) -> usize {
    std::fs::read_dir(smtp.maildir.join("new"))
        .map(|d| d.count())
        .unwrap_or(0)
}

/// The number of messages each reader received.
fn per_reader(smtp: &SmtpServer) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for m in smtp.messages() {
        *out.entry(m.to).or_insert(0) += 1;
    }
    out
}

#[tokio::test]
async fn a_send_killed_at_random_moments_resumes_and_loses_nobody() {
    const READERS: usize = 200;
    let db = TestDb::new().await;
    import_story(&db).await;
    let smtp = SmtpServer::start();
    let emails: Vec<EmailAddress> = (0..READERS)
        .map(|i| EmailAddress::parse(&format!("reader{i:03}@example{}.org", i % 7)).unwrap())
        .collect();
    db.store.add_readers_for_tests(&emails, true).await.unwrap();
    db.store
        .add_readers_for_tests(
            &[EmailAddress::parse("no.thanks@example.org").unwrap()],
            false,
        )
        .await
        .unwrap();

    // Kill -9 at three moments a little different on every run, each after a resume.
    let jitter = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos()
        % 15) as usize;
    let mut kills = Vec::new();
    for at in [20 + jitter, 90 + jitter, 150 + jitter] {
        let mut child = edition(&db, Some(&smtp), &["send", "--date", "2026-07-15"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(90);
        while received(&smtp) < at && child.try_wait().unwrap().is_none() {
            assert!(
                Instant::now() < deadline,
                "no progress towards {at} messages"
            );
            std::thread::sleep(Duration::from_millis(2));
        }
        let before = received(&smtp);
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        kills.push((at, before));
    }
    // The last run finishes the send (after the killed runs' leases run out).
    let (out, stdout, stderr) = run(edition(&db, Some(&smtp), &["send", "--date", "2026-07-15"]));
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains("Resuming the Daily Edition for 2026-07-15"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("{READERS} sent, 0 failed, 0 bounced")),
        "{stdout}"
    );

    let counts = per_reader(&smtp);
    let missing: Vec<_> = emails
        .iter()
        .filter(|e| !counts.contains_key(e.as_str()))
        .collect();
    assert!(missing.is_empty(), "nobody is skipped: {missing:?}");
    assert!(!counts.contains_key("no.thanks@example.org"));
    let total: usize = counts.values().sum();
    let duplicates = total - READERS;
    // In flight at a kill: one chunk at a time (CONCURRENT_CHUNKS=1) sending waves of
    // SMTP_POOL=2, recorded after each wave.
    eprintln!(
        "kill -9 at {kills:?} (wanted, received): {duplicates} duplicate messages for {} kills",
        kills.len()
    );
    assert!(
        duplicates <= kills.len() * 2,
        "duplicates bounded by the messages in flight: {duplicates}"
    );

    // A second send for the date sends nothing.
    let (out, stdout, _) = run(edition(&db, Some(&smtp), &["send", "--date", "2026-07-15"]));
    assert!(out.status.success());
    assert!(
        stdout.contains("already sent (sent, 200 recipients); nothing was sent again"),
        "{stdout}"
    );
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(received(&smtp), total);
}

#[tokio::test]
async fn two_processes_share_one_send_and_each_reader_gets_one_message() {
    const READERS: usize = 120;
    let db = TestDb::new().await;
    import_story(&db).await;
    let smtp = SmtpServer::start();
    let emails: Vec<EmailAddress> = (0..READERS)
        .map(|i| EmailAddress::parse(&format!("r{i:03}@shared{}.example", i % 3)).unwrap())
        .collect();
    db.store.add_readers_for_tests(&emails, true).await.unwrap();
    // Two nodes (processes) start the same edition at once: one creates it, both send it.
    let spawn = || {
        edition(&db, Some(&smtp), &["send", "--date", "2026-07-15"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    for out in [&a, &b] {
        assert!(
            out.status.success(),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let stdout = format!(
        "{}{}",
        String::from_utf8_lossy(&a.stdout),
        String::from_utf8_lossy(&b.stdout)
    );
    assert_eq!(
        stdout
            .matches("Sending the Daily Edition for 2026-07-15")
            .count(),
        1,
        "{stdout}"
    );
    let counts = per_reader(&smtp);
    assert_eq!(counts.len(), READERS);
    assert!(
        counts.values().all(|n| *n == 1),
        "exactly one each: {counts:?}"
    );
}
