//! `masthead import --from ghost|wordpress` as a user runs it (the fixtures of crates/import).

use std::{path::PathBuf, process::Command};

use masthead_store::{content::ListFilter, testing::TestDb};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../import/tests/fixtures")
        .join(name)
}

fn masthead(db: &TestDb, args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_masthead"))
        .args(["--data", db.data_dir().to_str().unwrap()])
        .args(args)
        .env("MASTHEAD_DATABASE_URL", &db.url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run masthead");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn ghost_dry_run_then_import_then_again() {
    let db = TestDb::new().await;
    let file = fixture("ghost-export.json");
    let file = file.to_str().unwrap();
    let (code, out, err) = masthead(&db, &["import", "--from", "ghost", "--dry-run", file]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains(
            "Dry run, nothing written: 5 imported, 0 updated, 0 unchanged, 1 skipped, 0 failed"
        ),
        "{out}"
    );
    assert!(
        err.contains("ghost-export.json:6601a1c2e4b0f1a2b3c4d503 (budget-leak): visibility “paid”"),
        "{err}"
    );
    assert_eq!(db.store.count_articles(ListFilter::All).await.unwrap(), 0);

    let (code, out, err) = masthead(&db, &["import", "--from", "ghost", file]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains(": 5 imported, 0 updated, 0 unchanged, 1 skipped, 0 failed."),
        "{out}"
    );
    assert!(err.contains("(harbour-crane): the feature image __GHOST_URL__/content/images/2026/03/crane.png is not in the media folder"), "{err}");
    assert_eq!(db.store.count_articles(ListFilter::All).await.unwrap(), 4);

    let (code, out, _) = masthead(&db, &["import", "--from", "ghost", file]);
    assert_eq!(code, Some(0));
    assert!(
        out.contains(": 0 imported, 0 updated, 5 unchanged, 1 skipped, 0 failed."),
        "{out}"
    );
}

#[tokio::test]
async fn wrong_uses_are_clear_errors() {
    let db = TestDb::new().await;
    let file = fixture("wordpress-export.xml");
    let file = file.to_str().unwrap();
    let (code, _, err) = masthead(&db, &["import", "--from", "wordpress", file, file]);
    assert_eq!(code, Some(1));
    assert!(err.contains("one export file at a time"), "{err}");
    let (code, _, err) = masthead(&db, &["import", "--media", "/nowhere", file]);
    assert_eq!(code, Some(2), "clap refuses --media without --from: {err}");
    assert!(err.contains("--from"), "{err}");
    let (code, _, err) = masthead(
        &db,
        &["import", "--from", "wordpress", "--media", "/nowhere", file],
    );
    assert_eq!(code, Some(1));
    assert!(err.contains("--media /nowhere: not a folder"), "{err}");
    let (code, _, err) = masthead(
        &db,
        &["import", "--from", "wordpress", "--pages", "all", file],
    );
    assert_eq!(code, Some(1));
    assert!(err.contains("use skip or section:SLUG"), "{err}");
    let (code, out, err) = masthead(
        &db,
        &[
            "import",
            "--from",
            "wordpress",
            "--pages",
            "section:about",
            file,
        ],
    );
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains(": 5 imported, 0 updated, 0 unchanged, 1 skipped, 0 failed."),
        "{out}"
    );
}
