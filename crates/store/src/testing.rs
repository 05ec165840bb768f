//! Fresh databases for tests, on either backend.
//!
//! `MASTHEAD_TEST_BACKEND=postgres` runs the tests against PostgreSQL: each test gets a new
//! database on the server named by `MASTHEAD_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`), dropped when the test ends. A server that
//! cannot be reached fails the test; it never skips. Otherwise each test gets a SQLite file in a
//! temporary directory.

use std::{path::PathBuf, time::Duration};

use masthead_core::{EmailAddress, new_id};

use crate::{Backend, Result, Store, jobs::Worker, now_ms, readers::Reader};

pub struct TestDb {
    pub store: Store,
    pub url: String,
    /// The temporary directory (SQLite file, or scratch space on PostgreSQL).
    pub dir: tempfile_lite::TempDir,
    drop_db: Option<(String, String)>,
}

pub fn test_backend() -> Backend {
    match std::env::var("MASTHEAD_TEST_BACKEND").as_deref() {
        Ok("postgres") => Backend::Postgres,
        _ => Backend::Sqlite,
    }
}

impl TestDb {
    pub async fn new() -> Self {
        let dir = tempfile_lite::TempDir::new();
        match test_backend() {
            Backend::Sqlite => {
                let url = crate::sqlite_url(&dir.path().join("test.db"));
                let store = Store::open(&url).await.expect("open SQLite test database");
                Self {
                    store,
                    url,
                    dir,
                    drop_db: None,
                }
            }
            Backend::Postgres => {
                let admin_url = std::env::var("MASTHEAD_TEST_POSTGRES_URL")
                    .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
                let name = format!("masthead_test_{}", masthead_core::new_id().replace('-', ""));
                let admin = Store::connect(&admin_url).await.unwrap_or_else(|e| {
                    panic!("MASTHEAD_TEST_BACKEND=postgres but PostgreSQL is unreachable: {e}")
                });
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(admin.reader())
                    .await
                    .expect("create test database");
                admin.close().await;
                let url = match admin_url.rsplit_once('/') {
                    Some((base, _)) => format!("{base}/{name}"),
                    None => panic!("MASTHEAD_TEST_POSTGRES_URL must end with /DATABASE"),
                };
                let store = Store::open(&url)
                    .await
                    .expect("open PostgreSQL test database");
                Self {
                    store,
                    url,
                    dir,
                    drop_db: Some((admin_url, name)),
                }
            }
        }
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((admin_url, name)) = self.drop_db.take() else {
            return;
        };
        let db = name.clone();
        // Drop runs inside the test's runtime; do the async clean-up on a thread of its own.
        let joined = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            // The test's own connections belong to its (now blocked) runtime: FORCE ends them.
            rt.block_on(async move {
                if let Ok(admin) = Store::connect(&admin_url).await {
                    let sql = format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)");
                    if let Err(e) = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .execute(admin.reader())
                        .await
                    {
                        eprintln!("could not drop test database {db}: {e}");
                    }
                    admin.close().await;
                }
            });
        })
        .join();
        if joined.is_err() {
            eprintln!("clean-up of test database {name} panicked");
        }
    }
}

impl Store {
    /// Test support: the account of `email` (registered now if it has none, as a reader
    /// registering with the Daily Edition off would be) with a session for the cookie value
    /// whose stored form is `session_hash` (the app's keyed hash of the cookie value), valid
    /// for `valid_for`. It writes what completing a sign-in writes (the reader, their last
    /// sign-in, the session row), without a request, an email or a job: for tests whose
    /// subject is not signing in.
    pub async fn open_session_for_tests(
        &self,
        email: &EmailAddress,
        session_hash: &str,
        valid_for: Duration,
    ) -> Result<Reader> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO readers (id, email, email_key, daily_edition, terms_version, terms_accepted_at, created_at) \
             VALUES ($1, $2, $3, 0, '1', $4, $4) ON CONFLICT (email_key) DO NOTHING",
        )
        .bind(new_id())
        .bind(email.as_str())
        .bind(email.canonical())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let reader_id: String = sqlx::query_scalar("SELECT id FROM readers WHERE email_key = $1")
            .bind(email.canonical())
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query("UPDATE readers SET last_sign_in_at = $2 WHERE id = $1")
            .bind(&reader_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        // A staff session when the address is staff now, as signing in would open one.
        let staff: Option<String> = sqlx::query_scalar(
            "SELECT role FROM staff WHERE email_key = $1 AND deactivated_at IS NULL",
        )
        .bind(email.canonical())
        .fetch_optional(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO sessions (id_hash, reader_id, created_at, expires_at, last_seen_at, staff) VALUES ($1, $2, $3, $4, $3, $5)",
        )
        .bind(session_hash)
        .bind(&reader_id)
        .bind(now)
        .bind(now + valid_for.as_millis() as i64)
        .bind(i64::from(staff.is_some()))
        .execute(&mut *tx)
        .await?;
        let reader = crate::readers::reader_in(&mut tx, &reader_id).await?;
        tx.commit().await?;
        Ok(reader)
    }
}

/// Test support for the job queue: runs `worker` until no job is due by `due_by` (ms since the
/// epoch), waiting for jobs another worker (the app's own) holds to finish, so that a test sees
/// every effect before it asserts. Panics if the queue does not empty within `limit` jobs (a
/// job that keeps enqueueing due work). Returns how many this worker ran.
pub async fn run_jobs_due_by(worker: &Worker, store: &Store, due_by: i64) -> usize {
    const LIMIT: usize = 10_000;
    let mut ran = 0;
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let n = worker.drain(due_by).await.expect("run jobs");
        ran += n;
        assert!(ran < LIMIT, "the job queue does not empty: {ran} jobs run");
        let busy = store
            .job_counts()
            .await
            .expect("job counts")
            .iter()
            .any(|c| c.status == "running" && c.count > 0);
        // Only another worker's jobs can be running here; a queued one it made due meanwhile
        // is ours to run on the next turn.
        if n == 0 && !busy && !has_queued_due_by(store, due_by).await {
            return ran;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "jobs held by another worker did not finish"
        );
        if n == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

async fn has_queued_due_by(store: &Store, due_by: i64) -> bool {
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE status = 'queued' AND run_at <= $1")
            .bind(due_by)
            .fetch_one(store.reader())
            .await
            .expect("count queued jobs");
    n > 0
}

/// A row of the job queue, as tests look at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRow {
    pub id: String,
    pub kind: String,
    pub idempotency_key: Option<String>,
    pub status: String,
    pub attempts: i64,
    pub run_at: i64,
    pub last_error: Option<String>,
}

/// Every job in the queue, earliest due first.
pub async fn jobs(store: &Store) -> Vec<JobRow> {
    use sqlx::Row;
    let rows = sqlx::query(
        "SELECT id, kind, idempotency_key, status, attempts, run_at, last_error FROM jobs \
         ORDER BY run_at, id",
    )
    .fetch_all(store.reader())
    .await
    .expect("list jobs");
    rows.iter()
        .map(|r| JobRow {
            id: r.get("id"),
            kind: r.get("kind"),
            idempotency_key: r.get("idempotency_key"),
            status: r.get("status"),
            attempts: r.get("attempts"),
            run_at: r.get("run_at"),
            last_error: r.get("last_error"),
        })
        .collect()
}

/// The jobs of one kind, earliest due first.
pub async fn jobs_of_kind(store: &Store, kind: &str) -> Vec<JobRow> {
    jobs(store)
        .await
        .into_iter()
        .filter(|j| j.kind == kind)
        .collect()
}

/// The end-of-test check of the queue: no job is `dead` unless `dead` says how many, and
/// exactly `left` are still `queued` or `running` (work the test leaves scheduled on
/// purpose). Panics listing the jobs otherwise.
pub async fn assert_jobs_settled(store: &Store, dead: i64, left: i64) {
    let counts = store.job_counts().await.expect("job counts");
    let count = |status: &str| {
        counts
            .iter()
            .filter(|c| c.status == status)
            .map(|c| c.count)
            .sum::<i64>()
    };
    let rows: Vec<_> = jobs(store)
        .await
        .into_iter()
        .filter(|j| j.status != "done")
        .map(|j| (j.kind, j.status, j.last_error))
        .collect();
    assert_eq!(
        count("dead"),
        dead,
        "dead jobs (declare the ones a test makes on purpose): {rows:?}"
    );
    assert_eq!(
        count("queued") + count("running"),
        left,
        "jobs left queued or running (run them, or declare the ones left on purpose): {rows:?}"
    );
}

/// A temporary directory removed on drop, without pulling `tempfile` into the library.
pub mod tempfile_lite {
    use std::path::{Path, PathBuf};

    pub struct TempDir(PathBuf);

    impl TempDir {
        pub fn new() -> Self {
            let path =
                std::env::temp_dir().join(format!("masthead-test-{}", masthead_core::new_id()));
            std::fs::create_dir_all(&path).expect("create temporary directory");
            Self(path)
        }

        pub fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Default for TempDir {
        fn default() -> Self {
            Self::new()
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// Lets every running job's lease run out now, as if the time had passed: what a test does
/// after killing a worker mid-job, instead of waiting out the lease.
pub async fn expire_job_leases(store: &Store) -> u64 {
    let mut tx = store.begin().await.expect("begin");
    let n = sqlx::query("UPDATE jobs SET locked_until = 0 WHERE status = 'running'")
        .execute(&mut *tx)
        .await
        .expect("expire leases")
        .rows_affected();
    tx.commit().await.expect("commit");
    n
}
