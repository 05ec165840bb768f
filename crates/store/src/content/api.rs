//! The Content API's article list: published articles newest first, narrowed by section, tag,
//! author (slugs) and a publication-time range, paged by a keyset cursor on
//! (`published_at`, `id`) so that a page never repeats or skips an article when new ones are
//! published while a client pages. Reads only what [`VISIBLE`] lets readers see.

use sqlx::{AssertSqlSafe, Row};

use super::{ArticleCard, CARD_COLUMNS, CARD_FROM, VISIBLE, card_row};
use crate::{Result, Store};

/// What the list asks for; every bound is optional.
#[derive(Debug, Clone, Default)]
pub struct ApiArticleQuery {
    pub section: Option<String>,
    pub tag: Option<String>,
    pub author: Option<String>,
    /// Published at or after (ms).
    pub since: Option<i64>,
    /// Published before (ms).
    pub until: Option<i64>,
    /// The last article of the previous page: (published_at, id).
    pub after: Option<(i64, String)>,
    pub limit: i64,
}

/// An article of the list, with its tags and when it last changed.
#[derive(Debug, Clone)]
pub struct ApiArticle {
    pub card: ArticleCard,
    pub updated_at: i64,
    pub tags: Vec<super::NamedRef>,
}

enum Bind {
    Text(String),
    Int(i64),
}

impl Store {
    pub async fn api_articles(&self, q: &ApiArticleQuery) -> Result<Vec<ApiArticle>> {
        let mut sql = format!("SELECT {CARD_COLUMNS}, a.updated_at {CARD_FROM} WHERE {VISIBLE}");
        // Each bound value is pushed with the clause that names it, so `$n` is its position.
        let mut binds: Vec<Bind> = Vec::new();
        let mut push = |sql: &mut String, clause: &str, value: Bind| {
            binds.push(value);
            sql.push_str(&clause.replace("$?", &format!("${}", binds.len())));
            binds.len()
        };
        if let Some(s) = &q.section {
            push(&mut sql, " AND s.slug = $?", Bind::Text(s.clone()));
        }
        if let Some(t) = &q.tag {
            push(
                &mut sql,
                " AND EXISTS (SELECT 1 FROM article_tags ft JOIN tags t ON t.id = ft.tag_id \
                 WHERE ft.article_id = a.id AND t.slug = $?)",
                Bind::Text(t.clone()),
            );
        }
        if let Some(au) = &q.author {
            push(
                &mut sql,
                " AND EXISTS (SELECT 1 FROM article_authors fa JOIN authors au ON au.id = fa.author_id \
                 WHERE fa.article_id = a.id AND au.slug = $?)",
                Bind::Text(au.clone()),
            );
        }
        if let Some(since) = q.since {
            push(&mut sql, " AND a.published_at >= $?", Bind::Int(since));
        }
        if let Some(until) = q.until {
            push(&mut sql, " AND a.published_at < $?", Bind::Int(until));
        }
        if let Some((at, id)) = &q.after {
            let at_n = push(&mut sql, " AND (a.published_at < $?", Bind::Int(*at));
            push(
                &mut sql,
                &format!(" OR (a.published_at = ${at_n} AND a.id < $?))"),
                Bind::Text(id.clone()),
            );
        }
        push(
            &mut sql,
            " ORDER BY a.published_at DESC, a.id DESC LIMIT $?",
            Bind::Int(q.limit),
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for b in binds {
            query = match b {
                Bind::Text(t) => query.bind(t),
                Bind::Int(i) => query.bind(i),
            };
        }
        let rows = query.fetch_all(self.reader()).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            out.push(ApiArticle {
                card: card_row(row)?,
                updated_at: row.try_get("updated_at")?,
                tags: Vec::new(),
            });
        }
        let ids: Vec<&str> = out.iter().map(|a| a.card.id.as_str()).collect();
        let mut authors = self.authors_of(&ids).await?;
        let mut tags = self.tags_of(&ids).await?;
        for a in &mut out {
            a.card.authors = authors.remove(&a.card.id).unwrap_or_default();
            a.tags = tags.remove(&a.card.id).unwrap_or_default();
        }
        Ok(out)
    }

    /// Every tag, by name (the Content API's tag list).
    pub async fn all_tags(&self) -> Result<Vec<super::TagRow>> {
        let rows = sqlx::query("SELECT id, slug, name FROM tags ORDER BY name, slug")
            .fetch_all(self.reader())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(super::TagRow {
                    id: r.try_get("id")?,
                    slug: r.try_get("slug")?,
                    name: r.try_get("name")?,
                })
            })
            .collect()
    }

    async fn tags_of(
        &self,
        article_ids: &[&str],
    ) -> Result<std::collections::HashMap<String, Vec<super::NamedRef>>> {
        let mut out: std::collections::HashMap<String, Vec<super::NamedRef>> =
            std::collections::HashMap::new();
        if article_ids.is_empty() {
            return Ok(out);
        }
        let placeholders: Vec<String> = (1..=article_ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT at.article_id, t.slug, t.name FROM article_tags at JOIN tags t ON t.id = at.tag_id \
             WHERE at.article_id IN ({}) ORDER BY at.article_id, t.name",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for id in article_ids {
            query = query.bind(id.to_string());
        }
        for row in query.fetch_all(self.reader()).await? {
            out.entry(row.try_get("article_id")?)
                .or_default()
                .push(super::named_ref(&row)?);
        }
        Ok(out)
    }
}
