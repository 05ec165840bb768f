//! Which articles show a library photo, for the rules that depend on it: the alt-text rule
//! holds for every article a reader sees or will see at its time, so clearing a photo's alt text
//! (without marking it decorative) is refused while a published or scheduled article shows it.

use crate::{Result, Store};

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
}
