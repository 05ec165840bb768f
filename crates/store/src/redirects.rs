//! Permanent redirects from reader-facing paths that moved: a published article whose slug
//! changed, a renamed section or tag. Whoever moves a path calls [`add_redirect`] in the
//! transaction of the move; the site's fallback asks [`Store::redirect_for`] before answering
//! 404, so every old link keeps working.
//!
//! Chains are collapsed when written (A→B then B→C leaves A→C and B→C), and a path that comes
//! back into use (C renamed back to A) loses its redirect, so a lookup is one indexed read and
//! never loops.

use sqlx::AnyConnection;

use crate::{Result, Store, now_ms};

/// Records that `from` now lives at `to` (both absolute paths such as `/city/old-slug`).
/// Does nothing when they are equal.
pub async fn add_redirect(conn: &mut AnyConnection, from: &str, to: &str) -> Result<()> {
    if from == to {
        return Ok(());
    }
    // `to` is a live path again: it must not redirect anywhere.
    sqlx::query("DELETE FROM redirects WHERE from_path = $1")
        .bind(to)
        .execute(&mut *conn)
        .await?;
    // Everything that pointed at `from` now points at `to`.
    sqlx::query("UPDATE redirects SET to_path = $1 WHERE to_path = $2")
        .bind(to)
        .bind(from)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO redirects (from_path, to_path, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (from_path) DO UPDATE SET to_path = excluded.to_path",
    )
    .bind(from)
    .bind(to)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Removes the redirect from `path`, when that path is taken by new content.
pub async fn remove_redirect(conn: &mut AnyConnection, path: &str) -> Result<()> {
    sqlx::query("DELETE FROM redirects WHERE from_path = $1")
        .bind(path)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

impl Store {
    /// Where `path` moved to, if it did.
    pub async fn redirect_for(&self, path: &str) -> Result<Option<String>> {
        // Paths longer than any we write cannot match; don't send them to the database.
        if path.len() > 512 {
            return Ok(None);
        }
        Ok(
            sqlx::query_scalar("SELECT to_path FROM redirects WHERE from_path = $1")
                .bind(path)
                .fetch_optional(self.reader())
                .await?,
        )
    }
}
