//! Fresh databases for tests, on either backend.
//!
//! `MASTHEAD_TEST_BACKEND=postgres` runs the tests against PostgreSQL: each test gets a new
//! database on the server named by `MASTHEAD_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`), dropped when the test ends. A server that
//! cannot be reached fails the test; it never skips. Otherwise each test gets a SQLite file in a
//! temporary directory.

use std::path::PathBuf;

use crate::{Backend, Store};

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
