//! The alt-text rule's queries: what photos an article shows (checked at publish and
//! schedule), and which live articles show a library photo: the rule holds for every article
//! a reader sees or will see at its time, so clearing a photo's alt text (without marking it
//! decorative) is refused while a published or scheduled article shows it.

use sqlx::Row;

use crate::{Result, Store};

/// What the alt-text rule needs of each photo an article shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticlePhotoCheck {
    /// `lead` or `inline`.
    pub role: String,
    /// The inline photo's name in the body.
    pub name: Option<String>,
    pub alt: String,
    pub caption: String,
    pub decorative: bool,
    /// The library photo it copies, where it came from the library.
    pub source_id: Option<String>,
}

impl Store {
    /// The headlines of the published and scheduled articles that show the library photo `id`
    /// (through a copy of it: a lead photo attached from the library), oldest first, at most
    /// `limit`.
    pub async fn live_articles_showing(&self, id: &str, limit: i64) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT a.headline FROM photos p JOIN articles a ON a.id = p.article_id \
             WHERE p.source_id = $1 AND a.status IN ('published', 'scheduled') \
             ORDER BY a.created_at, a.id LIMIT $2",
        )
        .bind(id)
        .bind(limit)
        .fetch_all(self.reader())
        .await?)
    }

    /// Every photo the article shows, for the alt-text rule.
    pub async fn article_photo_checks(&self, article_id: &str) -> Result<Vec<ArticlePhotoCheck>> {
        let rows = sqlx::query(
            "SELECT role, name, alt, caption, decorative, source_id FROM photos \
             WHERE article_id = $1 ORDER BY position",
        )
        .bind(article_id)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ArticlePhotoCheck {
                    role: r.try_get("role")?,
                    name: r.try_get("name")?,
                    alt: r.try_get("alt")?,
                    caption: r.try_get("caption")?,
                    decorative: r.try_get::<i64, _>("decorative")? != 0,
                    source_id: r.try_get("source_id")?,
                })
            })
            .collect()
    }
}
