//! Masthead's database: SQLite (the zero-configuration default) or PostgreSQL (several app
//! nodes), through sqlx's `Any` driver so that one query path serves both.
//!
//! SQL is written once, in the portable subset both databases share (`$1` parameters, BIGINT
//! times in milliseconds, text IDs, `ON CONFLICT`, `RETURNING`). The few statements that must
//! differ live in [`dialect`].
//!
//! On SQLite, writes go through a pool of one connection (SQLite has a single writer; queuing in
//! process beats retrying on `SQLITE_BUSY`) and begin `IMMEDIATE`, so that another process
//! (`masthead import` beside a running server) waits for the lock instead of failing half-way.
//! Reads use a separate pool. On PostgreSQL both are the same pool.
//!
//! SQLite checkpoints (copying the write-ahead log back into the database file) run every
//! [`CHECKPOINT_EVERY`] on a reading connection, in the background: left to SQLite, the commit
//! that crosses 1,000 log pages checkpoints itself, and every write queued behind it waits for
//! the copy and its fsync (tens of milliseconds at a few thousand comments a second). The
//! writer's own automatic checkpoint stays as a backstop at 10,000 pages (about 40 MB), for a
//! log that the background checkpoints cannot reset while readers hold it. SQLite connections
//! are not pinged when taken from the pool: the database is a local file.

pub mod api_keys;
pub mod audit;
pub mod comments;
pub mod content;
pub mod dialect;
pub mod edition;
pub mod erasure;
pub mod group;
pub mod identities;
pub mod imports;
pub mod jobs;
pub mod newsroom;
pub mod passkeys;
pub mod photos;
pub mod push;
pub mod rate_limit;
pub mod readers;
pub mod redirects;
pub mod search_feed;
pub mod sessions;
pub mod sign_in;
pub mod site_settings;
pub mod staff;
pub mod state;
pub mod taxonomy;
pub mod testing;
pub mod wall;
pub mod websub;

use std::{path::Path, str::FromStr, time::Duration};

use sqlx::{
    Any, AnyPool, ConnectOptions, Executor, Transaction,
    any::{AnyConnectOptions, AnyPoolOptions},
};

pub use dialect::Backend;

pub type Tx = Transaction<'static, Any>;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// How often the background SQLite checkpoint runs (see the module docs).
pub const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the database URL is not valid ({reason}); expected sqlite://PATH or postgres://USER@HOST:PORT/DATABASE"
    )]
    BadUrl { reason: String },
    #[error("cannot open the database at {target}: {source}")]
    Connect {
        target: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("cannot apply database migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Conflict(String),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// The task that runs grouped writes stopped before answering: the write may or may not
    /// have been saved, so it is not retried blindly.
    #[error("the database write was interrupted; it may not have been saved, please try again")]
    Interrupted,
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The database handle: cheap to clone.
#[derive(Clone)]
pub struct Store {
    read: AnyPool,
    write: AnyPool,
    backend: Backend,
    /// SQLite: the task that runs grouped writes (`group.rs`).
    group: Option<tokio::sync::mpsc::Sender<group::Queued>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .finish()
    }
}

/// The SQLite URL for a database file, creating the file if missing.
pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// A URL with its password replaced, for logs and error messages.
pub fn mask_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{}:****{}", &url[..scheme_end + 3], user, &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Checkpoints the SQLite log every [`CHECKPOINT_EVERY`] until the last `Store` is gone (the
/// group-commit channel's last sender). PASSIVE: it never waits for, or holds up, a writer.
fn spawn_checkpoints(read: AnyPool, alive: tokio::sync::mpsc::WeakSender<group::Queued>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if alive.upgrade().is_none() {
                return;
            }
            if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&read)
                .await
            {
                tracing::debug!(error = %e, "background checkpoint failed; the next one retries");
            }
        }
    });
}

impl Store {
    /// Connects and applies pending migrations.
    pub async fn open(url: &str) -> Result<Self> {
        let store = Self::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Connects without migrating.
    pub async fn connect(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url).ok_or_else(|| StoreError::BadUrl {
            reason: format!("unknown scheme in “{}”", mask_url(url)),
        })?;
        let options = AnyConnectOptions::from_str(url)
            .map_err(|e| StoreError::BadUrl {
                reason: e.to_string(),
            })?
            .disable_statement_logging();
        let target = mask_url(url);
        let connect = |max: u32| {
            AnyPoolOptions::new()
                .max_connections(max)
                .min_connections(if max == 1 { 1 } else { 0 })
                .acquire_timeout(Duration::from_secs(5))
                .test_before_acquire(backend == Backend::Postgres)
                .after_connect(move |conn, _| {
                    Box::pin(async move {
                        if backend == Backend::Sqlite {
                            conn.execute(
                                "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; \
                                 PRAGMA synchronous = NORMAL; PRAGMA journal_mode = WAL; \
                                 PRAGMA wal_autocheckpoint = 10000;",
                            )
                            .await?;
                        }
                        Ok(())
                    })
                })
        };
        let (read, write) = match backend {
            Backend::Sqlite => {
                let write = connect(1).connect_with(options.clone()).await;
                let write = write.map_err(|source| StoreError::Connect {
                    target: target.clone(),
                    source,
                })?;
                let read = connect(8).connect_with(options).await;
                let read = read.map_err(|source| StoreError::Connect {
                    target: target.clone(),
                    source,
                })?;
                (read, write)
            }
            Backend::Postgres => {
                let pool = connect(16).connect_with(options).await;
                let pool = pool.map_err(|source| StoreError::Connect {
                    target: target.clone(),
                    source,
                })?;
                (pool.clone(), pool)
            }
        };
        // Fail now, with the target named, rather than on the first request.
        let mut probe = read
            .acquire()
            .await
            .map_err(|source| StoreError::Connect { target, source })?;
        probe.execute("SELECT 1").await?;
        drop(probe);
        let mut store = Self {
            read,
            write,
            backend,
            group: None,
        };
        if backend == Backend::Sqlite {
            // The task's own handle has no sender, so the task ends with the last `Store`.
            let group = group::spawn(store.clone());
            spawn_checkpoints(store.read.clone(), group.downgrade());
            store.group = Some(group);
        }
        Ok(store)
    }

    pub async fn migrate(&self) -> Result<()> {
        MIGRATOR.run(&self.write).await?;
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool for reads.
    pub fn reader(&self) -> &AnyPool {
        &self.read
    }

    /// Starts a write transaction (IMMEDIATE on SQLite: see the module docs).
    pub async fn begin(&self) -> Result<Tx> {
        Ok(match self.backend {
            Backend::Sqlite => self.write.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.write.begin().await?,
        })
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<()> {
        self.read.execute("SELECT 1").await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}

/// Milliseconds since the Unix epoch, the form every time takes in the database.
pub fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

pub fn to_ms(t: jiff::Timestamp) -> i64 {
    t.as_millisecond()
}

pub fn from_ms(ms: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_millisecond(ms).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_passwords() {
        assert_eq!(
            mask_url("postgres://u:secret@h:5432/db"),
            "postgres://u:****@h:5432/db"
        );
        assert_eq!(mask_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(mask_url("sqlite:///tmp/x.db"), "sqlite:///tmp/x.db");
    }
}
