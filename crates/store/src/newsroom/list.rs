//! The newsroom's article list (every status) and the dashboard. Filters by status, section,
//! author and a headline search (`LIKE` on SQLite, `ILIKE` on PostgreSQL: `Backend::like_any_case`);
//! newest change first, paged by keyset (`updated_at`, `id`) so page 500 costs what page 1
//! does. Indexes: `articles_status_updated`, `articles_section_updated`,
//! `articles_section_status_updated` (section and status together), `articles_updated`.
//! Measured with 100k articles by `bench/newsroom.sh`; two filters still read many rows there:
//! the author filter (the join collects all of the author's articles, then sorts them) and a
//! headline search that matches little (the `LIKE` reads every row until 51 match).

use masthead_core::ArticleStatus;
use sqlx::Row;

use crate::{Result, Store, content::NamedRef};

#[derive(Debug, Clone)]
pub struct ArticleListItem {
    pub id: String,
    pub headline: String,
    pub slug: String,
    pub section_slug: String,
    pub section_name: String,
    pub status: ArticleStatus,
    pub published_at: Option<i64>,
    pub updated_at: i64,
    pub authors: Vec<NamedRef>,
}

#[derive(Debug, Clone, Default)]
pub struct ArticleQuery {
    /// Words of the headline.
    pub q: Option<String>,
    pub section_id: Option<String>,
    pub author_id: Option<String>,
    pub status: Option<ArticleStatus>,
    /// The last row of the previous page: (updated_at, id).
    pub before: Option<(i64, String)>,
    pub limit: i64,
}

#[derive(Debug, Clone, Default)]
pub struct Dashboard {
    /// Scheduled articles, soonest first.
    pub scheduled: Vec<ArticleListItem>,
    /// Published since `since` (the start of the publication's day), newest first.
    pub published_today: Vec<ArticleListItem>,
    /// The staff member's own drafts, newest change first.
    pub my_drafts: Vec<ArticleListItem>,
}

const SELECT: &str = "SELECT a.id, a.headline, a.slug, s.slug AS section_slug, s.name AS section_name, \
     a.status, a.published_at, a.updated_at FROM articles a JOIN sections s ON s.id = a.section_id";

/// `%`, `_` and the escape character itself, escaped for `LIKE … ESCAPE '\'`.
fn like_pattern(words: &str) -> String {
    let mut p = String::from("%");
    for c in words.trim().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

impl Store {
    pub async fn newsroom_articles(&self, q: &ArticleQuery) -> Result<Vec<ArticleListItem>> {
        let mut clauses: Vec<String> = Vec::new();
        let mut binds: Vec<String> = Vec::new();
        let mut n = 0;
        let mut next = || {
            n += 1;
            n
        };
        let mut join = "";
        if let Some(words) = q.q.as_deref().map(str::trim).filter(|w| !w.is_empty()) {
            clauses.push(format!(
                "a.headline {} ${} ESCAPE '\\'",
                self.backend().like_any_case(),
                next()
            ));
            binds.push(like_pattern(&words.chars().take(200).collect::<String>()));
        }
        if let Some(s) = &q.section_id {
            clauses.push(format!("a.section_id = ${}", next()));
            binds.push(s.clone());
        }
        if let Some(a) = &q.author_id {
            join = " JOIN article_authors f ON f.article_id = a.id";
            clauses.push(format!("f.author_id = ${}", next()));
            binds.push(a.clone());
        }
        if let Some(s) = q.status {
            clauses.push(format!("a.status = ${}", next()));
            binds.push(s.as_str().to_owned());
        }
        let before = q.before.clone();
        if before.is_some() {
            let (a, b, c) = (next(), next(), next());
            clauses.push(format!(
                "(a.updated_at < ${a} OR (a.updated_at = ${b} AND a.id < ${c}))"
            ));
        }
        let limit_n = next();
        let sql = format!(
            "{SELECT}{join}{} ORDER BY a.updated_at DESC, a.id DESC LIMIT ${limit_n}",
            if clauses.is_empty() {
                String::new()
            } else {
                format!(" WHERE {}", clauses.join(" AND "))
            }
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for b in binds {
            query = query.bind(b);
        }
        if let Some((at, id)) = before {
            query = query.bind(at).bind(at).bind(id);
        }
        query = query.bind(q.limit.clamp(1, 200));
        let rows = query.fetch_all(self.reader()).await?;
        self.list_items(rows).await
    }

    pub async fn newsroom_dashboard(
        &self,
        author_id: Option<&str>,
        since: i64,
    ) -> Result<Dashboard> {
        let scheduled = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE a.status = 'scheduled' ORDER BY a.published_at, a.id LIMIT 10"
        )))
        .fetch_all(self.reader())
        .await?;
        let today = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE a.status = 'published' AND a.published_at >= $1 ORDER BY a.published_at DESC, a.id DESC LIMIT 50"
        )))
        .bind(since)
        .fetch_all(self.reader())
        .await?;
        let mine = match author_id {
            Some(author) => {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "{SELECT} JOIN article_authors f ON f.article_id = a.id \
                     WHERE a.status = 'draft' AND f.author_id = $1 ORDER BY a.updated_at DESC, a.id DESC LIMIT 10"
                )))
                .bind(author)
                .fetch_all(self.reader())
                .await?
            }
            None => Vec::new(),
        };
        Ok(Dashboard {
            scheduled: self.list_items(scheduled).await?,
            published_today: self.list_items(today).await?,
            my_drafts: self.list_items(mine).await?,
        })
    }

    async fn list_items(&self, rows: Vec<sqlx::any::AnyRow>) -> Result<Vec<ArticleListItem>> {
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let status: String = r.try_get("status")?;
            out.push(ArticleListItem {
                id: r.try_get("id")?,
                headline: r.try_get("headline")?,
                slug: r.try_get("slug")?,
                section_slug: r.try_get("section_slug")?,
                section_name: r.try_get("section_name")?,
                status: status.parse().map_err(super::corrupt)?,
                published_at: r.try_get("published_at")?,
                updated_at: r.try_get("updated_at")?,
                authors: Vec::new(),
            });
        }
        let ids: Vec<&str> = out.iter().map(|i| i.id.as_str()).collect();
        let mut authors = self.authors_of(&ids).await?;
        for item in &mut out {
            item.authors = authors.remove(&item.id).unwrap_or_default();
        }
        Ok(out)
    }
}
