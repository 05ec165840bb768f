//! The key under which secrets are hashed for storage ([`TokenHasher`]): kept out of the
//! database, so that reading the database does not let anyone brute-force a live sign-in code.
//!
//! Where it comes from, in order:
//! 1. `MASTHEAD_TOKEN_KEY` (or `token_key` in `masthead.toml`): 32 bytes as URL-safe base64 or
//!    hex. Several nodes on one PostgreSQL database must share one key: set it on each.
//! 2. Otherwise the file `DATA/token.key`, made on first start (0600, 256 random bits).
//!
//! The database keeps a fingerprint of the key (a hash under it of a fixed text, which tells
//! nothing about the key). A node that starts with a different key refuses to start, with what
//! to do, instead of failing every sign-in made on another node. Changing the key on purpose
//! signs everyone out: delete the `token_key_fingerprint` setting while all nodes are stopped.

use std::path::Path;

use anyhow::{Context, bail};
use masthead_core::secret::{self, TokenHasher};
use masthead_store::Store;

pub const KEY_FILE: &str = "token.key";
const FINGERPRINT_SETTING: &str = "token_key_fingerprint";

/// The hasher of this site, from the configured key or the data directory's key file,
/// checked against the fingerprint the database holds.
pub async fn load_token_hasher(
    store: &Store,
    data_dir: &Path,
    configured: Option<&str>,
) -> anyhow::Result<TokenHasher> {
    let (hasher, source) = match configured {
        Some(text) => (
            TokenHasher::from_key_text(text)
                .map_err(|e| anyhow::anyhow!("MASTHEAD_TOKEN_KEY: {e}"))?,
            "MASTHEAD_TOKEN_KEY".to_owned(),
        ),
        None => {
            let path = data_dir.join(KEY_FILE);
            (key_file(&path)?, path.display().to_string())
        }
    };
    let fingerprint = hasher.fingerprint();
    let stored = store
        .setting_or_insert(FINGERPRINT_SETTING, &fingerprint)
        .await?;
    if stored != fingerprint {
        bail!(
            "the token key from {source} is not the one this database's sign-in codes and \
             sessions were hashed with (another node uses a different key). Give every node \
             the same key: copy token.key from the first node's data directory, or set \
             MASTHEAD_TOKEN_KEY to the same value on each"
        );
    }
    Ok(hasher)
}

/// Reads the key file, or makes it (0600) when it does not exist; two processes starting on
/// one data directory at once agree on the file the first one wrote.
fn key_file(path: &Path) -> anyhow::Result<TokenHasher> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(mut file) => {
            use std::io::Write;
            file.write_all(secret::random_token().as_bytes())
                .and_then(|()| file.sync_all())
                .with_context(|| format!("cannot write the token key {}", path.display()))?;
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => {
            return Err(e)
                .with_context(|| format!("cannot create the token key {}", path.display()));
        }
    }
    // A file written by the other process a moment ago may still be empty: wait briefly.
    for _ in 0..50 {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the token key {}", path.display()))?;
        if !text.trim().is_empty() {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                    .with_context(|| format!("cannot restrict {} to its owner", path.display()))?;
            }
            return TokenHasher::from_key_text(&text)
                .map_err(|e| anyhow::anyhow!("the token key {} is damaged: {e}", path.display()));
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    bail!(
        "the token key {} is empty; delete it to make a new one (everyone will be signed out)",
        path.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_key_file_is_made_once_private_and_a_different_key_is_refused() {
        let db = masthead_store::testing::TestDb::new().await;
        let dir = db.data_dir();
        let first = load_token_hasher(&db.store, &dir, None).await.unwrap();
        let again = load_token_hasher(&db.store, &dir, None).await.unwrap();
        assert_eq!(first.hash("12345678"), again.hash("12345678"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Another node with a key of its own: refused, with what to do.
        let other_dir = dir.join("node-b");
        std::fs::create_dir_all(&other_dir).unwrap();
        let err = load_token_hasher(&db.store, &other_dir, None)
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("copy token.key"), "{err}");
        // The same key given as a setting: accepted.
        let text = std::fs::read_to_string(dir.join(KEY_FILE)).unwrap();
        let configured = load_token_hasher(&db.store, &other_dir, Some(&text))
            .await
            .unwrap();
        assert_eq!(configured.hash("x"), first.hash("x"));
        let err = load_token_hasher(&db.store, &other_dir, Some("not a key"))
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("MASTHEAD_TOKEN_KEY"), "{err}");
        // A damaged file is named.
        std::fs::write(dir.join(KEY_FILE), "garbage").unwrap();
        let err = load_token_hasher(&db.store, &dir, None)
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("damaged"), "{err}");
    }
}
