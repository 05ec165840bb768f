//! Writing content: sections, authors, articles with their photos, and the scheduled
//! publication job. Every write is one transaction that bumps the content epoch and enqueues
//! what follows (the search index update, the publication at its time).

use masthead_core::{ArticleStatus, Slug, new_id};

use super::{ArticleInput, Saved};
use crate::{Result, Store, StoreError, jobs, now_ms, state};

/// The job that publishes a scheduled article at its time (run by `masthead-jobs`). The key
/// includes the time, so rescheduling enqueues a new job (the old one then finds nothing to
/// do: [`Store::publish_scheduled`] checks the article is still due).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct PublishArticle {
    pub article_id: String,
    /// The publication time (ms); absent in jobs queued before it was recorded.
    #[serde(default)]
    pub at: i64,
}

impl jobs::Job for PublishArticle {
    const KIND: &'static str = "publish_article";

    fn key(&self) -> Option<String> {
        Some(format!("publish:{}:{}", self.article_id, self.at))
    }

    fn run_at(&self) -> Option<i64> {
        Some(self.at)
    }
}

impl Store {
    pub async fn upsert_section(
        &self,
        slug: &Slug,
        name: &str,
        description: &str,
        position: i64,
    ) -> Result<String> {
        let mut tx = self.begin().await?;
        let id: String = sqlx::query_scalar(
            "INSERT INTO sections (id, slug, name, description, position, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (slug) DO UPDATE SET name = excluded.name, description = excluded.description, \
             position = excluded.position RETURNING id",
        )
        .bind(new_id())
        .bind(slug.as_str())
        .bind(name)
        .bind(description)
        .bind(position)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        state::bump_content_epoch(&mut tx).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn upsert_author(&self, slug: &Slug, name: &str, bio: &str) -> Result<String> {
        let mut tx = self.begin().await?;
        let id: String = sqlx::query_scalar(
            "INSERT INTO authors (id, slug, name, bio, created_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (slug) DO UPDATE SET name = excluded.name, bio = excluded.bio RETURNING id",
        )
        .bind(new_id())
        .bind(slug.as_str())
        .bind(name)
        .bind(bio)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        state::bump_content_epoch(&mut tx).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Creates the article, or replaces the one with the same slug, in one transaction: the
    /// row, its authors, tags and photos, the content epoch (so every node drops stale pages),
    /// and for a scheduled article the job that publishes it at its time. The search index
    /// hears of it from [`Store::queue_index_catch_up`] or its watcher (see `save_article_in`).
    pub async fn save_article(&self, input: &ArticleInput) -> Result<(String, Saved)> {
        let mut tx = self.begin().await?;
        let saved = save_article_in(&mut tx, input).await?;
        tx.commit().await?;
        Ok(saved)
    }
}

/// [`Store::save_article`] inside a transaction the caller commits, for writes that must land
/// with the article or not at all (an import's source mapping and redirects: `imports.rs`).
pub(crate) async fn save_article_in(
    tx: &mut crate::Tx,
    input: &ArticleInput,
) -> Result<(String, Saved)> {
    if input.author_ids.is_empty() {
        return Err(StoreError::Conflict(
            "an article needs at least one author".into(),
        ));
    }
    let now = now_ms();
    let published_at = input.published_at.map(crate::to_ms);
    // The embargo (see `content`): "published" with a time to come is stored as scheduled.
    let status = match (input.status, published_at) {
        (ArticleStatus::Published, Some(at)) if at > now => ArticleStatus::Scheduled,
        (s, _) => s,
    };
    let existing: Option<String> = sqlx::query_scalar("SELECT id FROM articles WHERE slug = $1")
        .bind(input.slug.as_str())
        .fetch_optional(&mut **tx)
        .await?;
    let (id, saved) = match existing {
        Some(id) => {
            sqlx::query(
                    "UPDATE articles SET headline = $2, standfirst = $3, body_markdown = $4, body_html = $5, \
                     body_text = $6, section_id = $7, status = $8, access = $9, breaking = $10, \
                     published_at = $11, updated_at = $12, revised_at = $13, revision = revision + 1 WHERE id = $1",
                )
                .bind(&id)
                .bind(&input.headline)
                .bind(&input.standfirst)
                .bind(&input.body_markdown)
                .bind(&input.body_html)
                .bind(&input.body_text)
                .bind(&input.section_id)
                .bind(status.as_str())
                .bind(input.access.as_str())
                .bind(i64::from(input.breaking))
                .bind(published_at)
                .bind(now)
                .bind(input.revised_at.map(crate::to_ms))
                .execute(&mut **tx)
                .await?;
            for sql in [
                "DELETE FROM article_authors WHERE article_id = $1",
                "DELETE FROM article_tags WHERE article_id = $1",
                "DELETE FROM photos WHERE article_id = $1",
            ] {
                sqlx::query(sql).bind(&id).execute(&mut **tx).await?;
            }
            (id, Saved::Updated)
        }
        None => {
            let id = new_id();
            sqlx::query(
                    "INSERT INTO articles (id, slug, headline, standfirst, body_markdown, body_html, body_text, \
                     section_id, status, access, breaking, published_at, updated_at, created_at, revised_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14)",
                )
                .bind(&id)
                .bind(input.slug.as_str())
                .bind(&input.headline)
                .bind(&input.standfirst)
                .bind(&input.body_markdown)
                .bind(&input.body_html)
                .bind(&input.body_text)
                .bind(&input.section_id)
                .bind(status.as_str())
                .bind(input.access.as_str())
                .bind(i64::from(input.breaking))
                .bind(published_at)
                .bind(now)
                .bind(input.revised_at.map(crate::to_ms))
                .execute(&mut **tx)
                .await?;
            (id, Saved::Created)
        }
    };
    for (position, author_id) in input.author_ids.iter().enumerate() {
        sqlx::query(
            "INSERT INTO article_authors (article_id, author_id, position) VALUES ($1, $2, $3) \
                 ON CONFLICT DO NOTHING",
        )
        .bind(&id)
        .bind(author_id)
        .bind(position as i64)
        .execute(&mut **tx)
        .await?;
    }
    for (slug, name) in &input.tags {
        let tag_id: String = sqlx::query_scalar(
            "INSERT INTO tags (id, slug, name) VALUES ($1, $2, $3) \
                 ON CONFLICT (slug) DO UPDATE SET slug = excluded.slug RETURNING id",
        )
        .bind(new_id())
        .bind(slug.as_str())
        .bind(name)
        .fetch_one(&mut **tx)
        .await?;
        sqlx::query(
            "INSERT INTO article_tags (article_id, tag_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(&id)
        .bind(tag_id)
        .execute(&mut **tx)
        .await?;
    }
    let photos = input.lead_photo.iter().map(|p| ("lead", None, p)).chain(
        input
            .inline_photos
            .iter()
            .map(|(name, p)| ("inline", Some(name.as_str()), p)),
    );
    for (position, (role, name, photo)) in photos.enumerate() {
        sqlx::query(
                "INSERT INTO photos (id, article_id, role, name, position, file, width, height, alt, caption, credit, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .bind(new_id())
            .bind(&id)
            .bind(role)
            .bind(name)
            .bind(position as i64)
            .bind(&photo.file)
            .bind(i64::from(photo.width))
            .bind(i64::from(photo.height))
            .bind(&photo.meta.alt)
            .bind(&photo.meta.caption)
            .bind(&photo.meta.credit)
            .bind(now)
            .execute(&mut **tx)
            .await?;
    }
    if let (ArticleStatus::Scheduled, Some(at)) = (status, input.published_at) {
        let job = PublishArticle {
            article_id: id.clone(),
            at: crate::to_ms(at),
        };
        jobs::enqueue(tx, &jobs::NewJob::of(&job)).await?;
    }
    // No `index_article` job per article: these writes are imports, thousands at a time, and
    // 100,000 jobs queued by one import kept the worker busy for minutes and every sign-in
    // email behind them. The importer queues one for the run ([`Store::queue_index_catch_up`]),
    // whose catch-up reads every article stamped since the index's cursor; a run cut short is
    // caught up by each node's once-a-second watcher.
    state::bump_content_epoch(tx).await?;
    Ok((id, saved))
}

impl Store {
    /// Queues one `index_article` job after a bulk write (an import run): its catch-up applies
    /// every article stamped since the index's cursor, `article_id` (the last one written)
    /// among them. Nothing is queued for an article that no longer exists.
    pub async fn queue_index_catch_up(&self, article_id: &str) -> Result<()> {
        let Some(updated_at) = self.article_updated_at(article_id).await? else {
            return Ok(());
        };
        let mut tx = self.begin().await?;
        crate::search_feed::enqueue_index(&mut tx, article_id, updated_at).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Publishes a scheduled article whose time has come. Returns false (and changes nothing)
    /// when the article was unscheduled, rescheduled later or deleted meanwhile, so that a job
    /// that runs twice publishes once.
    pub async fn publish_scheduled(&self, article_id: &str, now: i64) -> Result<bool> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE articles SET status = 'published', updated_at = $2 \
             WHERE id = $1 AND status = 'scheduled' AND published_at <= $2",
        )
        .bind(article_id)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if done {
            // The version readers now see is a revision of its own, and the log says who.
            if let Some(a) = crate::newsroom::editor_article_in(&mut tx, article_id).await? {
                crate::newsroom::record_revision(
                    &mut tx,
                    article_id,
                    a.revision,
                    "scheduled-publish",
                    true,
                    &a.draft,
                    None,
                )
                .await?;
                crate::audit::record_audit(
                    &mut tx,
                    crate::audit::AuditEntry {
                        actor: &crate::audit::Actor::system(),
                        action: "article.publish",
                        target_kind: "article",
                        target_id: Some(article_id),
                        summary: format!("Published “{}” at its scheduled time", a.draft.headline),
                        before: None,
                        after: None,
                    },
                )
                .await?;
            }
            crate::search_feed::enqueue_index(&mut tx, article_id, now).await?;
            crate::websub::enqueue_ping(&mut tx, article_id, now).await?;
            state::bump_content_epoch(&mut tx).await?;
        }
        tx.commit().await?;
        Ok(done)
    }
}
