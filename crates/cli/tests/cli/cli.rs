//! The `masthead` binary as a user runs it.

use std::{
    io::{BufRead, BufReader},
    process::{Command, Output, Stdio},
    time::{Duration, Instant},
};

use masthead_store::testing::TestDb;

pub fn masthead(db: &TestDb, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_masthead"))
        .args(["--data", db.data_dir().to_str().unwrap()])
        .args(args)
        .env("MASTHEAD_DATABASE_URL", &db.url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run masthead")
}

pub fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn help_explains_every_command() {
    let out = Command::new(env!("CARGO_BIN_EXE_masthead"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    for cmd in ["serve", "worker", "migrate", "import", "reindex", "staff"] {
        assert!(help.contains(cmd), "{cmd} missing from\n{help}");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_masthead"))
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(
        help.contains("--demo")
            && help.contains("--listen")
            && help.contains("--theme")
            && help.contains("--no-worker"),
        "{help}"
    );
}

#[tokio::test]
async fn import_reports_bad_files_and_imports_the_rest() {
    let db = TestDb::new().await;
    let src = db.data_dir().join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(
        src.join("ok.md"),
        "---\nheadline: \"Fine\"\nsection: city\nauthors: [a]\n---\nBody\n",
    )
    .unwrap();
    std::fs::write(
        src.join("bad.md"),
        "---\nheadline: \"Broken\"\nsection: city\nauthors: [a]\naccess: paid\n---\nBody\n",
    )
    .unwrap();
    let out = masthead(&db, &["import", src.to_str().unwrap()]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    assert!(
        stderr.contains("bad.md:1:") && stderr.contains("free, metered, registered"),
        "{stderr}"
    );
    assert!(
        stdout.contains("1 created, 0 updated, 1 failed"),
        "{stdout}"
    );
    assert!(db.store.published_article("fine").await.unwrap().is_some());
}

#[tokio::test]
async fn reindex_rebuilds_and_swaps_the_search_index() {
    let db = TestDb::new().await;
    let src = db.data_dir().join("src");
    std::fs::create_dir_all(&src).unwrap();
    for (slug, headline) in [
        ("kiln", "Pottery kiln fired"),
        ("loom", "Weaving loom restored"),
    ] {
        std::fs::write(
            src.join(format!("{slug}.md")),
            format!("---\nheadline: \"{headline}\"\nsection: crafts\nauthors: [a]\n---\nBody\n"),
        )
        .unwrap();
    }
    assert!(
        masthead(&db, &["import", src.to_str().unwrap()])
            .status
            .success()
    );
    let out = masthead(&db, &["reindex"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("Indexed 2 articles"), "{stdout}");
    let link = db.data_dir().join("search-index");
    let first = std::fs::read_link(&link).unwrap();
    let out = masthead(&db, &["reindex"]);
    assert!(out.status.success(), "{:?}", text(&out));
    let second = std::fs::read_link(&link).unwrap();
    assert_ne!(first, second, "a new generation was swapped in");
    let index = masthead_search::SearchIndex::open(&db.data_dir(), &Default::default()).unwrap();
    assert_eq!(index.num_docs(), 2);
    // A language the analyzers do not know is refused, naming the ones they do.
    let out = Command::new(env!("CARGO_BIN_EXE_masthead"))
        .args(["--data", db.data_dir().to_str().unwrap(), "reindex"])
        .env("MASTHEAD_DATABASE_URL", &db.url)
        .env("MASTHEAD_SEARCH_LANGUAGE", "klingon")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(text(&out).1.contains("english"), "{:?}", text(&out));
}

#[tokio::test]
async fn an_unusable_data_directory_is_a_clear_error() {
    let db = TestDb::new().await;
    let file = db.data_dir().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_masthead"))
        .args(["--data", file.to_str().unwrap(), "migrate"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(file.to_str().unwrap()) && stderr.contains("not a directory"),
        "{stderr}"
    );
}

#[test]
fn an_unreachable_database_is_a_clear_error() {
    let dir = masthead_store::testing::tempfile_lite::TempDir::new();
    let out = Command::new(env!("CARGO_BIN_EXE_masthead"))
        .args(["--data", dir.path().to_str().unwrap(), "migrate"])
        .env(
            "MASTHEAD_DATABASE_URL",
            "postgres://masthead:secret@127.0.0.1:1/news",
        )
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("127.0.0.1:1") && !stderr.contains("secret"),
        "{stderr}"
    );
}

#[tokio::test]
async fn serve_starts_fast_and_stops_gracefully_on_sigterm() {
    let db = TestDb::new().await;
    let started = Instant::now();
    let (child, line) = spawn(&db, &["serve", "--listen", "127.0.0.1:0"]);
    let url = line.split("at ").nth(1).unwrap().trim().to_owned();
    let res = reqwest_get(&format!("{url}healthz")).await;
    assert_eq!(res, 200, "{line}");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(
        reqwest_get(&url).await,
        200,
        "an empty site still has a front page"
    );
    stop(child, "masthead serve");
}

async fn reqwest_get(url: &str) -> u16 {
    masthead_web::install_tls_provider();
    for _ in 0..100 {
        if let Ok(res) = reqwest::get(url).await {
            return res.status().as_u16();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    0
}

#[tokio::test]
async fn bad_settings_stop_serve_with_a_clear_message() {
    let db = TestDb::new().await;
    for (var, value, expect) in [
        ("MASTHEAD_METER_FREE", "five", "MASTHEAD_METER_FREE=five"),
        ("MASTHEAD_METER_WINDOW_DAYS", "0", "at least 1"),
        (
            "MASTHEAD_WALL_LEAD_PARAGRAPHS",
            "-1",
            "MASTHEAD_WALL_LEAD_PARAGRAPHS=-1",
        ),
        (
            "MASTHEAD_COMMENTS_ON_DELETE",
            "sometimes",
            "use anonymize or remove",
        ),
        (
            "MASTHEAD_COMMENTS_CLOSE_AFTER_DAYS",
            "-1",
            "not a whole number of days",
        ),
        ("MASTHEAD_MAX_CONNECTIONS", "0", "at least 1"),
        ("MASTHEAD_HEADER_TIMEOUT_SECS", "0", "at least 1"),
        ("MASTHEAD_IDLE_TIMEOUT_SECS", "soon", "soon"),
        (
            "MASTHEAD_SEARCH_PER_MINUTE",
            "many",
            "MASTHEAD_SEARCH_PER_MINUTE=many",
        ),
        ("MASTHEAD_FEED_ITEMS", "0", "MASTHEAD_FEED_ITEMS=0"),
        (
            "MASTHEAD_API_PER_MINUTE",
            "lots",
            "MASTHEAD_API_PER_MINUTE=lots is not a whole number",
        ),
        (
            "MASTHEAD_API_KEY_PER_MINUTE",
            "-5",
            "MASTHEAD_API_KEY_PER_MINUTE=-5 is not a whole number",
        ),
        (
            "MASTHEAD_STAFF_SESSION_HOURS",
            "720",
            "MASTHEAD_STAFF_SESSION_HOURS=720: use a whole number of hours from 1 to 168",
        ),
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_masthead"))
            .args(["--data", db.data_dir().to_str().unwrap()])
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("MASTHEAD_DATABASE_URL", &db.url)
            .env("RUST_LOG", "warn")
            .env(var, value)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            if Instant::now() > deadline {
                child.kill().unwrap();
                panic!("{var}={value} was accepted: the server started");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        assert!(!status.success());
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
        assert!(stderr.contains(expect), "{var}: {stderr}");
    }
}

/// Starts `masthead ARGS…` on the test database, returning the child and its first stdout line.
pub fn spawn(db: &TestDb, args: &[&str]) -> (std::process::Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_masthead"))
        .args(["--data", db.data_dir().to_str().unwrap()])
        .args(args)
        .env("MASTHEAD_DATABASE_URL", &db.url)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    (child, line)
}

pub fn stop(mut child: std::process::Child, what: &str) {
    let pid = child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "{what}: {status}");
            return;
        }
        assert!(Instant::now() < deadline, "{what} did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn outbox_files(db: &TestDb) -> usize {
    std::fs::read_dir(db.data_dir().join("outbox"))
        .map(|d| d.count())
        .unwrap_or(0)
}

#[tokio::test]
async fn serve_without_a_worker_leaves_jobs_to_masthead_worker() {
    let db = TestDb::new().await;
    let (web, line) = spawn(&db, &["serve", "--listen", "127.0.0.1:0", "--no-worker"]);
    let url = line.split("at ").nth(1).unwrap().trim().to_owned();
    assert_eq!(reqwest_get(&format!("{url}healthz")).await, 200, "{line}");
    // A registration: its email is a job.
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{url}register"))
        .header("sec-fetch-site", "same-origin")
        .form(&[("email", "split@example.com")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(outbox_files(&db), 0, "serve --no-worker ran a job");
    let queued = masthead_store::testing::jobs(&db.store).await;
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].status, "queued");

    let (worker, line) = spawn(&db, &["worker"]);
    assert!(line.contains("job worker is running"), "{line}");
    let deadline = Instant::now() + Duration::from_secs(15);
    while outbox_files(&db) == 0 {
        assert!(Instant::now() < deadline, "masthead worker sent nothing");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        // Jobs due now are all done; the worker also schedules tomorrow's Daily Edition.
        let now = masthead_store::now_ms();
        let jobs = masthead_store::testing::jobs(&db.store).await;
        if jobs
            .iter()
            .filter(|j| j.run_at <= now)
            .all(|j| j.status == "done")
        {
            break;
        }
        assert!(Instant::now() < deadline, "{jobs:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop(worker, "masthead worker");
    stop(web, "masthead serve");
}

#[cfg(unix)]
#[test]
fn the_data_directory_and_the_database_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let parent = masthead_store::testing::tempfile_lite::TempDir::new();
    let data = parent.path().join("data");
    let out = Command::new(env!("CARGO_BIN_EXE_masthead"))
        .args(["--data", data.to_str().unwrap(), "migrate"])
        .env_remove("MASTHEAD_DATABASE_URL")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(out.status.success(), "{:?}", text(&out));
    assert_eq!(mode(&data), 0o700);
    let db = data.join("masthead.db");
    assert_eq!(mode(&db), 0o600);
    for side in ["masthead.db-wal", "masthead.db-shm"] {
        if data.join(side).exists() {
            assert_eq!(mode(&data.join(side)), 0o600, "{side}");
        }
    }
    // A database left 0644 by an earlier version is tightened at the next start.
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_masthead"))
        .args(["--data", data.to_str().unwrap(), "migrate"])
        .env_remove("MASTHEAD_DATABASE_URL")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(mode(&db), 0o600);
}
