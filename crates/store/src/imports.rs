//! Articles imported from another platform (Ghost, WordPress): the mapping from a source's item
//! to the article it became, written in the same transaction as the article and its redirects,
//! so that a crash mid-import leaves each item either fully imported or not at all, and a
//! re-run picks up where it stopped.
//!
//! The article itself goes through the one content write path ([`Store::save_article`]'s
//! transaction); this module only adds the mapping and the old URLs around it.

use crate::{
    Result, Store,
    content::{ArticleInput, Saved, save_article_in},
    now_ms, redirects,
};

/// What an earlier import of an item left: its article and the hash of what was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedItem {
    pub article_id: String,
    pub slug: String,
    pub content_hash: String,
}

impl Store {
    /// The article an item of `source` (`ghost`, `wordpress`) became, if it was imported before.
    pub async fn imported_item(
        &self,
        source: &str,
        source_id: &str,
    ) -> Result<Option<ImportedItem>> {
        let row: Option<(String, String, String)> = sqlx::query_as(
            "SELECT m.article_id, a.slug, m.content_hash FROM import_sources m \
             JOIN articles a ON a.id = m.article_id WHERE m.source = $1 AND m.source_id = $2",
        )
        .bind(source)
        .bind(source_id)
        .fetch_optional(self.reader())
        .await?;
        Ok(row.map(|(article_id, slug, content_hash)| ImportedItem {
            article_id,
            slug,
            content_hash,
        }))
    }

    /// The path (`/section/slug`) of the published article an item of `source` became: where
    /// the item's old address by id (WordPress's `/?p=123`) now redirects. `None` when the item
    /// was not imported, or its article is not published.
    pub async fn imported_article_path(
        &self,
        source: &str,
        source_id: &str,
    ) -> Result<Option<String>> {
        let sql = format!(
            "SELECT s.slug, a.slug FROM import_sources m JOIN articles a ON a.id = m.article_id \
             JOIN sections s ON s.id = a.section_id \
             WHERE m.source = $1 AND m.source_id = $2 AND {}",
            crate::content::VISIBLE
        );
        let row: Option<(String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(source)
            .bind(source_id)
            .fetch_optional(self.reader())
            .await?;
        Ok(row.map(|(section, slug)| format!("/{section}/{slug}")))
    }

    /// Whether an article already has this slug (an import then picks another for a new item).
    pub async fn article_slug_taken(&self, slug: &str) -> Result<bool> {
        let id: Option<String> = sqlx::query_scalar("SELECT id FROM articles WHERE slug = $1")
            .bind(slug)
            .fetch_optional(self.reader())
            .await?;
        Ok(id.is_some())
    }

    /// Saves an imported article, its source mapping and the redirects from its old paths to
    /// `path` (its address here), in one transaction.
    pub async fn save_imported_article(
        &self,
        input: &ArticleInput,
        source: &str,
        source_id: &str,
        content_hash: &str,
        path: &str,
        old_paths: &[String],
    ) -> Result<(String, Saved)> {
        let mut tx = self.begin().await?;
        let (id, saved) = save_article_in(&mut tx, input).await?;
        sqlx::query(
            "INSERT INTO import_sources (source, source_id, article_id, content_hash, imported_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (source, source_id) DO UPDATE SET \
             article_id = excluded.article_id, content_hash = excluded.content_hash, \
             imported_at = excluded.imported_at",
        )
        .bind(source)
        .bind(source_id)
        .bind(&id)
        .bind(content_hash)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        // The article's own path is live: nothing may redirect away from it.
        redirects::remove_redirect(&mut tx, path).await?;
        for old in old_paths {
            // An old address already taken (two items of the export had one slug) stays with
            // the first.
            let taken: Option<String> =
                sqlx::query_scalar("SELECT to_path FROM redirects WHERE from_path = $1")
                    .bind(old)
                    .fetch_optional(&mut *tx)
                    .await?;
            if old != path && taken.is_none_or(|to| to == path) {
                redirects::add_redirect(&mut tx, old, path).await?;
            }
        }
        tx.commit().await?;
        Ok((id, saved))
    }
}
