//! What feeds and sitemaps read (`masthead-web`'s `feeds/`), beside the reader pages' reads.
//!
//! None of these queries has a status filter of its own: which articles are published (not
//! drafts, not scheduled, not embargoed) is decided in one place, [`ListFilter::clause`], the
//! filter the front, section, tag and author lists use, and every query here selects through
//! it. The feed's extras ([`Store::feed_extras`]) read by ID only, for articles that
//! [`Store::list_articles`] returned.

use std::collections::HashMap;

use sqlx::{AssertSqlSafe, Row};

use super::{ListFilter, NamedRef, named_ref};
use crate::{Result, Store};

/// What a feed entry needs beyond the article's card.
#[derive(Debug, Clone, Default)]
pub struct FeedExtras {
    pub body_html: String,
    /// When the row last changed.
    pub updated_at: i64,
    /// An editorial update ("Updated …"); corrections will raise it.
    pub revised_at: Option<i64>,
    pub tags: Vec<NamedRef>,
}

/// One article's line in a sitemap.
#[derive(Debug, Clone)]
pub struct SitemapArticle {
    pub slug: String,
    pub section_slug: String,
    pub published_at: i64,
    pub updated_at: i64,
}

/// A section, tag or author page in a sitemap, with its newest article's change.
#[derive(Debug, Clone)]
pub struct SitemapListing {
    pub slug: String,
    pub last_modified: i64,
}

/// Every listing page of the sitemap: sections, tags and authors that have published articles.
#[derive(Debug, Clone, Default)]
pub struct SitemapListings {
    pub sections: Vec<SitemapListing>,
    pub tags: Vec<SitemapListing>,
    pub authors: Vec<SitemapListing>,
}

impl Store {
    /// Bodies, change times and tags of the articles `ids` (as returned by
    /// [`Store::list_articles`]), in two queries.
    pub async fn feed_extras(&self, ids: &[&str]) -> Result<HashMap<String, FeedExtras>> {
        let mut out: HashMap<String, FeedExtras> = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let placeholders = placeholders.join(", ");
        let sql = format!(
            "SELECT id, body_html, updated_at, revised_at FROM articles WHERE id IN ({placeholders})"
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for id in ids {
            query = query.bind(id.to_string());
        }
        for row in query.fetch_all(self.reader()).await? {
            out.insert(
                row.try_get("id")?,
                FeedExtras {
                    body_html: row.try_get("body_html")?,
                    updated_at: row.try_get("updated_at")?,
                    revised_at: row.try_get("revised_at")?,
                    tags: Vec::new(),
                },
            );
        }
        let sql = format!(
            "SELECT at.article_id, t.slug, t.name FROM article_tags at JOIN tags t ON t.id = at.tag_id \
             WHERE at.article_id IN ({placeholders}) ORDER BY at.article_id, t.name"
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for id in ids {
            query = query.bind(id.to_string());
        }
        for row in query.fetch_all(self.reader()).await? {
            let id: String = row.try_get("article_id")?;
            if let Some(extras) = out.get_mut(&id) {
                extras.tags.push(named_ref(&row)?);
            }
        }
        Ok(out)
    }

    /// Published articles for sitemaps, oldest first (so that the pages of a sitemap index
    /// stay the same as the archive grows: new articles land on the last page).
    pub async fn sitemap_articles(&self, limit: i64, offset: i64) -> Result<Vec<SitemapArticle>> {
        let sql = format!(
            "SELECT a.slug, s.slug AS section_slug, a.published_at, a.updated_at \
             FROM articles a JOIN sections s ON s.id = a.section_id {} \
             ORDER BY a.published_at, a.id LIMIT $1 OFFSET $2",
            ListFilter::All.clause(3)
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(limit)
            .bind(offset)
            .fetch_all(self.reader())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(SitemapArticle {
                    slug: r.try_get("slug")?,
                    section_slug: r.try_get("section_slug")?,
                    published_at: r
                        .try_get::<Option<i64>, _>("published_at")?
                        .unwrap_or_default(),
                    updated_at: r.try_get("updated_at")?,
                })
            })
            .collect()
    }

    /// Sections, tags and authors with at least one published article, each with the newest
    /// change among its articles.
    pub async fn sitemap_listings(&self) -> Result<SitemapListings> {
        let published = ListFilter::All.clause(1);
        let grouped = |from: &str, slug: &str| {
            format!(
                "SELECT {slug} AS slug, MAX(a.updated_at) AS changed, MAX(a.published_at) AS published \
                 FROM articles a {from} {published} GROUP BY {slug} ORDER BY {slug}"
            )
        };
        let sections = grouped("JOIN sections x ON x.id = a.section_id", "x.slug");
        let tags = grouped(
            "JOIN article_tags xt ON xt.article_id = a.id JOIN tags x ON x.id = xt.tag_id",
            "x.slug",
        );
        let authors = grouped(
            "JOIN article_authors xa ON xa.article_id = a.id JOIN authors x ON x.id = xa.author_id",
            "x.slug",
        );
        let mut out = SitemapListings::default();
        for (sql, list) in [
            (sections, &mut out.sections),
            (tags, &mut out.tags),
            (authors, &mut out.authors),
        ] {
            for r in sqlx::query(AssertSqlSafe(sql))
                .fetch_all(self.reader())
                .await?
            {
                let changed: Option<i64> = r.try_get("changed")?;
                let published: Option<i64> = r.try_get("published")?;
                list.push(SitemapListing {
                    slug: r.try_get("slug")?,
                    last_modified: changed.unwrap_or(0).max(published.unwrap_or(0)),
                });
            }
        }
        Ok(out)
    }
}
