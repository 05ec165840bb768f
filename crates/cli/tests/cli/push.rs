//! `masthead push send` and the fan-out across processes: a `masthead worker` killed with
//! SIGKILL mid-send loses nobody; another worker finishes the send once the dead one's lease
//! has run out (the test lets it run out at once: `expire_job_leases`).

use std::{
    collections::HashMap,
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use masthead_push::testing::PushService;
use masthead_store::{
    push::{CHUNK, NewSubscription},
    testing::{TestDb, expire_job_leases, jobs_of_kind},
};

const SUBSCRIBERS: usize = 1500;

/// A child process killed when the test ends, whichever way it ends.
struct Guard(std::process::Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn command(db: &TestDb, service: &PushService, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_masthead"));
    c.args(["--data", db.data_dir().to_str().unwrap()])
        .args(args)
        .env("MASTHEAD_DATABASE_URL", &db.url)
        .env("MASTHEAD_PUSH_SERVICES", service.origin())
        .env("MASTHEAD_PUBLIC_URL", "https://tribune.example")
        .env("RUST_LOG", "error");
    c
}

async fn story_with_subscribers(db: &TestDb, service: &PushService, n: usize) {
    let src = db.data_dir().join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(
        src.join("flood.md"),
        "---\nheadline: \"River bursts its banks\"\nstandfirst: \"Roads closed in the old town.\"\nsection: city\nauthors: [a]\n---\nBody\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_masthead"))
        .args([
            "--data",
            db.data_dir().to_str().unwrap(),
            "import",
            src.to_str().unwrap(),
        ])
        .env("MASTHEAD_DATABASE_URL", &db.url)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let topics = vec!["breaking".to_owned()];
    for i in 0..n {
        let s = service
            .subscription(&format!("r{i}"), serde_json::json!([]), None)
            .await;
        db.store
            .save_push_subscription(&NewSubscription {
                endpoint: &s.endpoint,
                p256dh: &s.p256dh,
                auth: &s.auth,
                topics: &topics,
                reader_id: None,
            })
            .await
            .unwrap();
    }
}

fn received(log: &[serde_json::Value]) -> HashMap<String, usize> {
    let mut by = HashMap::new();
    for e in log {
        assert!(e.get("error").is_none(), "a malformed push: {e}");
        assert_eq!(e["payload"]["title"], "River bursts its banks");
        *by.entry(e["id"].as_str().unwrap().to_owned()).or_insert(0) += 1;
    }
    by
}

#[tokio::test]
async fn a_worker_killed_mid_send_loses_nobody() {
    let db = TestDb::new().await;
    let service = PushService::start();
    story_with_subscribers(&db, &service, SUBSCRIBERS).await;
    // A slow push service, so that the kill lands mid-chunk.
    service.set_delay(0.15).await;

    let mut worker = Guard(
        command(&db, &service, &["worker"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut send = command(
        &db,
        &service,
        &["push", "send", "river-bursts-its-banks", "--no-worker"],
    )
    .stdout(Stdio::piped())
    .spawn()
    .unwrap();
    let mut stdout = BufReader::new(send.stdout.take().unwrap());
    let mut send = Guard(send);
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert!(
        first.contains(&format!("Sending to {SUBSCRIBERS} subscribers")),
        "{first}"
    );

    let deadline = Instant::now() + Duration::from_secs(60);
    while service.log().await.len() < 100 {
        assert!(Instant::now() < deadline, "the worker sent nothing");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    worker.0.kill().unwrap(); // SIGKILL: no chance to finish the chunks in hand
    worker.0.wait().unwrap();
    let at_kill = service.log().await.len();
    let in_flight = jobs_of_kind(&db.store, "deliver_push_chunk")
        .await
        .into_iter()
        .filter(|j| j.status == "running")
        .count();
    assert!(in_flight >= 1, "the kill landed between chunks");
    assert!(
        at_kill < SUBSCRIBERS,
        "the send had finished before the kill"
    );

    // The dead worker's lease runs out; another worker takes its chunks.
    expire_job_leases(&db.store).await;
    let second = Guard(
        command(&db, &service, &["worker"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(s) = send.0.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "the send did not finish");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    assert!(status.success(), "{rest}");
    assert!(
        rest.contains(&format!("{SUBSCRIBERS} sent, 0 expired")),
        "{rest}"
    );
    drop(second);

    let log = service.log().await;
    let by = received(&log);
    assert_eq!(by.len(), SUBSCRIBERS, "every subscriber got the alert");
    let duplicates: usize = by.values().map(|n| n - 1).sum();
    // Bounded by the chunks in flight when the worker died.
    assert!(
        duplicates <= in_flight * CHUNK as usize,
        "{duplicates} duplicates for {in_flight} chunks in flight"
    );
    println!(
        "kill -9 after {at_kill} pushes with {in_flight} chunks in flight: {duplicates} duplicates, nobody skipped"
    );
    let alerts = db.store.recent_push_alerts(1).await.unwrap();
    let first_ms = log
        .iter()
        .map(|e| (e["at"].as_f64().unwrap() * 1000.0) as i64)
        .min()
        .unwrap()
        - alerts[0].created_at;
    println!("first push {first_ms} ms after the send was confirmed (worker polling every 500 ms)");
    assert_eq!(alerts[0].sent, SUBSCRIBERS as i64, "counted once each");
    assert!(alerts[0].finished_at.is_some());
}

#[tokio::test]
async fn push_send_reports_unknown_stories_and_refuses_a_second_send() {
    let db = TestDb::new().await;
    let service = PushService::start();
    story_with_subscribers(&db, &service, 3).await;
    let out = command(&db, &service, &["push", "send", "no-such-story"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no published article"));
    let out = command(&db, &service, &["push", "send", "river-bursts-its-banks"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("Done") && stdout.contains("3 sent"),
        "{stdout}"
    );
    assert_eq!(received(&service.log().await).len(), 3);
    let out = command(&db, &service, &["push", "send", "river-bursts-its-banks"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--resend"));
    let out = command(
        &db,
        &service,
        &["push", "send", "river-bursts-its-banks", "--resend"],
    )
    .output()
    .unwrap();
    assert!(out.status.success());
    assert_eq!(service.log().await.len(), 6);
    let out = command(
        &db,
        &service,
        &[
            "push",
            "send",
            "river-bursts-its-banks",
            "--topic",
            "section:nope",
        ],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let _ = jobs_of_kind(&db.store, "split_push_alert").await;
}
