//! What the search index reads from the database, and the job that tells it to.
//!
//! Every write that changes what an article's search entry holds (saving, publishing a scheduled
//! article) enqueues an [`IndexArticle`] job in its own transaction. The job (run by the
//! `masthead-jobs` crate) brings the node's index up to date from the database: it reads every article
//! changed since the index's cursor (`updated_at`), not only the job's article, so one job after a
//! bulk import applies the lot and the others find nothing left to do.

use masthead_core::AccessLevel;
use sqlx::{Any, AnyConnection, AssertSqlSafe, Executor, Row, any::AnyRow, pool::PoolConnection};

use crate::{
    Backend, Result, Store, StoreError,
    content::NamedRef,
    jobs::{self, NewJob},
};

/// The job that brings the search index up to date after `article_id` changed at
/// `updated_at` (run by `masthead-jobs`).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct IndexArticle {
    pub article_id: String,
    /// Absent in jobs queued before it was recorded.
    #[serde(default)]
    pub updated_at: i64,
}

impl jobs::Job for IndexArticle {
    const KIND: &'static str = "index_article";

    fn key(&self) -> Option<String> {
        Some(format!("index:{}:{}", self.article_id, self.updated_at))
    }
}

/// Enqueues [`IndexArticle`] in the caller's transaction.
pub async fn enqueue_index(tx: &mut crate::Tx, article_id: &str, updated_at: i64) -> Result<()> {
    let job = IndexArticle {
        article_id: article_id.to_owned(),
        updated_at,
    };
    jobs::enqueue(tx, &NewJob::of(&job)).await?;
    Ok(())
}

/// Which version of an article the search index should hold ([`Store::changed_index_versions`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexVersion {
    pub id: String,
    pub updated_at: i64,
    /// Only published articles are searchable: the index should hold none of the others.
    pub published: bool,
}

/// An article as the search index needs it.
#[derive(Debug, Clone)]
pub struct IndexRow {
    pub id: String,
    pub slug: String,
    pub headline: String,
    pub standfirst: String,
    pub body_text: String,
    /// The rendered body: the web layer cuts the wall's lead-in from it.
    pub body_html: String,
    pub section_slug: String,
    pub section_name: String,
    pub published: bool,
    pub access: AccessLevel,
    pub published_at: i64,
    pub updated_at: i64,
    pub authors: Vec<NamedRef>,
    pub tags: Vec<NamedRef>,
}

const COLUMNS: &str = "a.id, a.slug, a.headline, a.standfirst, a.body_text, a.body_html, s.slug AS section_slug, \
     s.name AS section_name, a.status, a.access, a.published_at, a.updated_at \
     FROM articles a JOIN sections s ON s.id = a.section_id";

impl Store {
    /// When the article last changed, or `None` if there is no such article.
    pub async fn article_updated_at(&self, id: &str) -> Result<Option<i64>> {
        Ok(
            sqlx::query_scalar("SELECT updated_at FROM articles WHERE id = $1")
                .bind(id)
                .fetch_optional(self.reader())
                .await?,
        )
    }

    /// One article, whatever its status.
    pub async fn index_row(&self, id: &str) -> Result<Option<IndexRow>> {
        let mut conn = self.reader().acquire().await?;
        let sql = format!("SELECT {COLUMNS} WHERE a.id = $1");
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
        Ok(with_names(&mut conn, rows).await?.pop())
    }

    /// The versions of the articles of any status changed at or after `since` (ms), in
    /// (updated_at, id) order, `limit` at a time after `after` (the last of the previous
    /// batch): no bodies, so that a catch-up reading again what its index already holds reads
    /// little ([`Store::index_rows`] then reads the rows it lacks).
    pub async fn changed_index_versions(
        &self,
        since: i64,
        after: Option<(i64, &str)>,
        limit: i64,
    ) -> Result<Vec<IndexVersion>> {
        let (at, id) = after.unwrap_or((since, ""));
        let rows = sqlx::query(
            "SELECT a.id, a.updated_at, a.status FROM articles a \
             WHERE a.updated_at >= $1 AND (a.updated_at > $2 OR (a.updated_at = $2 AND a.id > $3)) \
             ORDER BY a.updated_at, a.id LIMIT $4",
        )
        .bind(since)
        .bind(at)
        .bind(id)
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                let status: String = r.try_get("status")?;
                Ok(IndexVersion {
                    id: r.try_get("id")?,
                    updated_at: r.try_get("updated_at")?,
                    // The same rule as `content::VISIBLE` and `index_row`.
                    published: status == "published",
                })
            })
            .collect()
    }

    /// The rows of the articles `ids` (those that exist, in no particular order).
    pub async fn index_rows(&self, ids: &[String]) -> Result<Vec<IndexRow>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.reader().acquire().await?;
        let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT {COLUMNS} WHERE a.id IN ({})",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for id in ids {
            query = query.bind(id.clone());
        }
        let rows = query.fetch_all(&mut *conn).await?;
        with_names(&mut conn, rows).await
    }

    /// A connection for one read through every article (a full rebuild of the search index).
    /// On SQLite it reads the database file through a memory map: a rebuild reads the whole
    /// file, and reading it page by page through system calls cost a third of the rebuild's
    /// time. The map is this connection's alone and goes with it: it is closed, not returned
    /// to the pool, when the scan is dropped, so the server's connections stay unmapped.
    /// The size asked for is clamped by SQLite to its compile-time limit (2 GB as bundled);
    /// pages beyond it are read as before.
    pub async fn article_scan(&self) -> Result<ArticleScan> {
        let mut conn = self.reader().acquire().await?;
        if self.backend() == Backend::Sqlite {
            conn.execute("PRAGMA mmap_size = 68719476736").await?;
            conn.close_on_drop();
        }
        Ok(ArticleScan { conn })
    }
}

/// See [`Store::article_scan`].
pub struct ArticleScan {
    conn: PoolConnection<Any>,
}

impl ArticleScan {
    /// Published articles in ID order, `limit` at a time after `after_id` (for full rebuilds).
    pub async fn published_index_rows(
        &mut self,
        after_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<IndexRow>> {
        let sql = format!(
            "SELECT {COLUMNS} WHERE {} AND a.id > $1 ORDER BY a.id LIMIT $2",
            crate::content::VISIBLE
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(after_id.unwrap_or(""))
            .bind(limit)
            .fetch_all(&mut *self.conn)
            .await?;
        with_names(&mut self.conn, rows).await
    }
}

/// The rows as [`IndexRow`]s, with their authors and tags (two queries for the lot).
async fn with_names(conn: &mut AnyConnection, rows: Vec<AnyRow>) -> Result<Vec<IndexRow>> {
    let mut out = rows.iter().map(index_row).collect::<Result<Vec<_>>>()?;
    drop(rows);
    if out.is_empty() {
        return Ok(out);
    }
    let placeholders: Vec<String> = (1..=out.len()).map(|i| format!("${i}")).collect();
    let placeholders = placeholders.join(", ");
    let people = format!(
        "SELECT aa.article_id, au.slug, au.name FROM article_authors aa JOIN authors au ON au.id = aa.author_id \
         WHERE aa.article_id IN ({placeholders}) ORDER BY aa.article_id, aa.position"
    );
    let topics = format!(
        "SELECT at.article_id, t.slug, t.name FROM article_tags at JOIN tags t ON t.id = at.tag_id \
         WHERE at.article_id IN ({placeholders}) ORDER BY at.article_id, t.name"
    );
    let position: std::collections::HashMap<String, usize> = out
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.clone(), i))
        .collect();
    for (sql, is_author) in [(people, true), (topics, false)] {
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for r in &out {
            query = query.bind(r.id.clone());
        }
        for row in query.fetch_all(&mut *conn).await? {
            let article: String = row.try_get("article_id")?;
            let named = NamedRef {
                slug: row.try_get("slug")?,
                name: row.try_get("name")?,
            };
            if let Some(&i) = position.get(&article) {
                if is_author {
                    out[i].authors.push(named);
                } else {
                    out[i].tags.push(named);
                }
            }
        }
    }
    Ok(out)
}

fn index_row(r: &AnyRow) -> Result<IndexRow> {
    let status: String = r.try_get("status")?;
    let access: String = r.try_get("access")?;
    Ok(IndexRow {
        id: r.try_get("id")?,
        slug: r.try_get("slug")?,
        headline: r.try_get("headline")?,
        standfirst: r.try_get("standfirst")?,
        body_text: r.try_get("body_text")?,
        body_html: r.try_get("body_html")?,
        section_slug: r.try_get("section_slug")?,
        section_name: r.try_get("section_name")?,
        // The same rule as `content::VISIBLE`: only `published` rows are searchable.
        published: status == "published",
        access: access
            .parse()
            .map_err(|e: masthead_core::ParseError| StoreError::Corrupt(e.0))?,
        published_at: r
            .try_get::<Option<i64>, _>("published_at")?
            .unwrap_or_default(),
        updated_at: r.try_get("updated_at")?,
        authors: Vec::new(),
        tags: Vec::new(),
    })
}
