//! Where media bytes live: the data directory (the default, `DATA/media`) or the database
//! (`MASTHEAD_MEDIA_STORE=database`, for several nodes), chosen by setting.
//!
//! Keys are content-addressed paths (`ab/ab12…ef.png` for imported photos, `originals/…` for
//! uploads, `v/…` for variants): a key never changes its bytes, so writing one twice is
//! harmless and a cached copy never goes stale. In the files backend a write goes to a
//! temporary file renamed into place (a crash never leaves half a file under a key); in the
//! database backend a write is one row, and each node keeps what it has read in a disk cache
//! (`DATA/media-cache`) so that a page's photos are read from the database once per node.
//! Imported photos written by `masthead import` are files; with the database backend they are
//! copied into the database the first time the variants job reads them.

use std::path::{Path, PathBuf};

use sqlx::Row;

use crate::{Result, Store, StoreError, now_ms};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MediaBackend {
    #[default]
    Files,
    Database,
}

impl std::str::FromStr for MediaBackend {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.trim() {
            "files" | "" => Ok(Self::Files),
            "database" => Ok(Self::Database),
            other => Err(format!(
                "unknown media store “{other}”: use files (the data directory) or database (several nodes)"
            )),
        }
    }
}

/// The media store of one node.
#[derive(Clone)]
pub struct MediaStore {
    backend: MediaBackend,
    store: Store,
    /// `DATA/media`: the files backend's home, and where imported photos are written.
    dir: PathBuf,
    /// `DATA/media-cache`: the database backend's disk cache.
    cache: PathBuf,
}

impl std::fmt::Debug for MediaStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaStore")
            .field("backend", &self.backend)
            .field("dir", &self.dir)
            .field("cache", &self.cache)
            .finish()
    }
}

/// Whether `key` is a relative path of plain segments (no `..`, no absolute path).
pub fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 300
        && key.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        })
}

fn bad_key(key: &str) -> StoreError {
    StoreError::Corrupt(format!("not a media key: {key:?}"))
}

async fn write_atomically(target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = target.parent() {
        tokio::fs::create_dir_all(dir).await?;
    }
    let tmp = target.with_extension(format!(
        "tmp-{}-{}",
        std::process::id(),
        masthead_core::new_id()
    ));
    tokio::fs::write(&tmp, bytes).await?;
    if let Err(e) = tokio::fs::rename(&tmp, target).await {
        let _ = tokio::fs::remove_file(&tmp).await;
        return Err(e);
    }
    Ok(())
}

fn io(key: &str, e: std::io::Error) -> StoreError {
    StoreError::Corrupt(format!("media {key}: {e}"))
}

impl MediaStore {
    /// See [`valid_key`].
    pub fn valid_key(key: &str) -> bool {
        valid_key(key)
    }

    pub fn new(backend: MediaBackend, store: Store, data_dir: &Path) -> Self {
        Self {
            backend,
            store,
            dir: data_dir.join("media"),
            cache: data_dir.join("media-cache"),
        }
    }

    pub fn backend(&self) -> MediaBackend {
        self.backend
    }

    /// Stores `bytes` under `key` (a key already there keeps its bytes: they are the same).
    pub async fn put(&self, key: &str, bytes: &[u8]) -> Result<()> {
        if !valid_key(key) {
            return Err(bad_key(key));
        }
        match self.backend {
            MediaBackend::Files => {
                let target = self.dir.join(key);
                if tokio::fs::try_exists(&target).await.unwrap_or(false) {
                    return Ok(());
                }
                write_atomically(&target, bytes)
                    .await
                    .map_err(|e| io(key, e))
            }
            MediaBackend::Database => {
                let mut tx = self.store.begin().await?;
                sqlx::query(
                    "INSERT INTO media_blobs (media_key, data, bytes, created_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (media_key) DO NOTHING",
                )
                .bind(key)
                .bind(bytes)
                .bind(bytes.len() as i64)
                .bind(now_ms())
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }
        }
    }

    /// A local file holding `key`'s bytes (for serving), or `None` when there is no such key.
    pub async fn local_path(&self, key: &str) -> Result<Option<PathBuf>> {
        if !valid_key(key) {
            return Ok(None);
        }
        let file = self.dir.join(key);
        match self.backend {
            MediaBackend::Files => Ok(tokio::fs::try_exists(&file)
                .await
                .unwrap_or(false)
                .then_some(file)),
            MediaBackend::Database => {
                let cached = self.cache.join(key);
                if tokio::fs::try_exists(&cached).await.unwrap_or(false) {
                    return Ok(Some(cached));
                }
                let row = sqlx::query("SELECT data FROM media_blobs WHERE media_key = $1")
                    .bind(key)
                    .fetch_optional(self.store.reader())
                    .await?;
                match row {
                    Some(r) => {
                        let data: Vec<u8> = r.try_get("data")?;
                        write_atomically(&cached, &data)
                            .await
                            .map_err(|e| io(key, e))?;
                        Ok(Some(cached))
                    }
                    // An imported photo written to the data directory before the switch.
                    None => Ok(tokio::fs::try_exists(&file)
                        .await
                        .unwrap_or(false)
                        .then_some(file)),
                }
            }
        }
    }

    /// `key`'s bytes, or `None`.
    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        match self.local_path(key).await? {
            Some(path) => Ok(Some(tokio::fs::read(&path).await.map_err(|e| io(key, e))?)),
            None => Ok(None),
        }
    }

    /// Whether `key` is stored (without reading it into the cache).
    pub async fn contains(&self, key: &str) -> Result<bool> {
        if !valid_key(key) {
            return Ok(false);
        }
        let on_disk = tokio::fs::try_exists(self.dir.join(key))
            .await
            .unwrap_or(false);
        match self.backend {
            MediaBackend::Files => Ok(on_disk),
            MediaBackend::Database => {
                let n: i64 =
                    sqlx::query_scalar("SELECT COUNT(*) FROM media_blobs WHERE media_key = $1")
                        .bind(key)
                        .fetch_one(self.store.reader())
                        .await?;
                Ok(n > 0 || on_disk)
            }
        }
    }

    /// Removes `key` (tests simulate a lost file; nothing in the application deletes media).
    pub async fn remove(&self, key: &str) -> Result<()> {
        if !valid_key(key) {
            return Err(bad_key(key));
        }
        let _ = tokio::fs::remove_file(self.dir.join(key)).await;
        let _ = tokio::fs::remove_file(self.cache.join(key)).await;
        if self.backend == MediaBackend::Database {
            let mut tx = self.store.begin().await?;
            sqlx::query("DELETE FROM media_blobs WHERE media_key = $1")
                .bind(key)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        }
        Ok(())
    }
}
