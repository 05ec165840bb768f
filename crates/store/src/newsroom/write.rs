//! Creating, saving, publishing, scheduling and unpublishing an article from the newsroom.
//!
//! One function, [`Store::write_article`], one transaction per call. A save of an existing
//! article names the revision its form was loaded at; the update is conditional on it
//! (`WHERE revision = $base`), so of two people saving from the same revision the second
//! changes nothing and gets the current version back ([`SaveOutcome::Stale`]) to show beside
//! their own text. Nothing here compares timestamps.
//!
//! A published article whose path changes (a new slug or section) leaves a redirect from the
//! old path in the same transaction. Scheduling enqueues the `PublishArticle` job in the same
//! transaction too; the status stays `scheduled` (invisible to every reader query) until the
//! job flips it.

use masthead_core::{
    ArticleStatus,
    draft::{ArticleDraft, CheckedDraft},
    new_id,
};
use sqlx::Row;

use super::{StaffMember, editor_article_in, ensure_author};
use crate::{
    Result, Store,
    audit::{AuditEntry, record_audit},
    content::PublishArticle,
    jobs, now_ms, redirects, state,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveAction {
    /// Keep the status (a new article is a draft).
    Save,
    PublishNow,
    /// Publish at this time (ms), which the caller checked is in the future.
    Schedule(i64),
    /// Back to draft: off every reader page at once.
    Unpublish,
}

impl SaveAction {
    fn kind(self, created: bool) -> &'static str {
        match self {
            SaveAction::Save if created => "create",
            SaveAction::Save => "save",
            SaveAction::PublishNow => "publish",
            SaveAction::Schedule(_) => "schedule",
            SaveAction::Unpublish => "unpublish",
        }
    }
}

/// One write from the editor.
#[derive(Debug, Clone)]
pub struct SaveArticle<'a> {
    /// `None` creates the article.
    pub article_id: Option<&'a str>,
    /// The revision the form was loaded at (ignored on create).
    pub base_revision: i64,
    /// The fields as typed (kept in the revision).
    pub raw: &'a ArticleDraft,
    pub draft: &'a CheckedDraft,
    pub body_html: &'a str,
    pub body_text: &'a str,
    pub action: SaveAction,
    pub staff: &'a StaffMember,
    /// Keep the staff member among the authors (for roles that may edit only their own
    /// articles: removing themselves would lock them out of their own work).
    pub keep_self_as_author: bool,
    /// Who the audit log names, when not the staff member: an Admin API key acting for its
    /// creator (`None`: the staff member).
    pub actor: Option<&'a crate::audit::Actor>,
}

#[derive(Debug, Clone)]
pub enum SaveOutcome {
    Saved {
        id: String,
        revision: i64,
        status: ArticleStatus,
    },
    /// Someone saved since the form was loaded: nothing changed; this is the current version.
    Stale(Box<super::EditorArticle>),
    /// A field refers to something that is not there, or is taken: nothing changed.
    Refused {
        field: &'static str,
        message: String,
    },
    NotFound,
}

fn refused(field: &'static str, message: String) -> Result<SaveOutcome> {
    Ok(SaveOutcome::Refused { field, message })
}

impl Store {
    pub async fn write_article(&self, w: &SaveArticle<'_>) -> Result<SaveOutcome> {
        let now = now_ms();
        let d = w.draft;
        let mut tx = self.begin().await?;
        // What the article was, for the revision check, the status and the redirect.
        let before = match w.article_id {
            Some(id) => {
                let row = sqlx::query(
                    "SELECT a.status, a.slug, a.published_at, a.revision, s.slug AS section_slug \
                     FROM articles a JOIN sections s ON s.id = a.section_id WHERE a.id = $1",
                )
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(row) = row else {
                    return Ok(SaveOutcome::NotFound);
                };
                let revision: i64 = row.try_get("revision")?;
                if revision != w.base_revision {
                    let current = editor_article_in(&mut tx, id).await?;
                    return Ok(match current {
                        Some(c) => SaveOutcome::Stale(Box::new(c)),
                        None => SaveOutcome::NotFound,
                    });
                }
                let status: String = row.try_get("status")?;
                Some((
                    status.parse::<ArticleStatus>().map_err(super::corrupt)?,
                    row.try_get::<String, _>("slug")?,
                    row.try_get::<String, _>("section_slug")?,
                    row.try_get::<Option<i64>, _>("published_at")?,
                ))
            }
            None => None,
        };
        let section_id: Option<String> =
            sqlx::query_scalar("SELECT id FROM sections WHERE slug = $1")
                .bind(d.section.as_str())
                .fetch_optional(&mut *tx)
                .await?;
        let Some(section_id) = section_id else {
            return refused(
                "section",
                format!(
                    "There is no section “{}” (it may have been removed): choose one from the list.",
                    d.section
                ),
            );
        };
        let taken: Option<String> =
            sqlx::query_scalar("SELECT id FROM articles WHERE slug = $1 AND id <> $2")
                .bind(d.slug.as_str())
                .bind(w.article_id.unwrap_or(""))
                .fetch_optional(&mut *tx)
                .await?;
        if taken.is_some() {
            return refused(
                "slug",
                format!(
                    "Another article already has the address “{}”: change the slug (for example, add a word or the date).",
                    d.slug
                ),
            );
        }
        let mut author_ids = Vec::with_capacity(d.authors.len() + 1);
        for name in &d.authors {
            let id: Option<String> = sqlx::query_scalar(
                "SELECT id FROM authors WHERE slug = $1 OR LOWER(name) = LOWER($2) ORDER BY slug LIMIT 1",
            )
            .bind(name)
            .bind(name)
            .fetch_optional(&mut *tx)
            .await?;
            match id {
                Some(id) if !author_ids.contains(&id) => author_ids.push(id),
                Some(_) => {}
                None => {
                    return refused(
                        "authors",
                        format!(
                            "There is no author “{name}”. Use the names in the list of authors; for someone else, add them in the byline text."
                        ),
                    );
                }
            }
        }
        if author_ids.is_empty() || w.keep_self_as_author {
            let me = ensure_author(&mut tx, w.staff).await?;
            if !author_ids.contains(&me) {
                author_ids.push(me);
            }
        }
        let (old_status, old_published) = before
            .as_ref()
            .map(|b| (b.0, b.3))
            .unwrap_or((ArticleStatus::Draft, None));
        let (status, published_at) = match w.action {
            SaveAction::Save => (old_status, old_published),
            SaveAction::PublishNow => (
                ArticleStatus::Published,
                match (old_status, old_published) {
                    (ArticleStatus::Published, Some(at)) => Some(at),
                    _ => Some(now),
                },
            ),
            SaveAction::Schedule(at) => (ArticleStatus::Scheduled, Some(at)),
            SaveAction::Unpublish => (ArticleStatus::Draft, old_published),
        };
        let (id, revision) = match w.article_id {
            Some(id) => {
                let changed = sqlx::query(
                    "UPDATE articles SET slug = $3, headline = $4, kicker = $5, standfirst = $6, \
                     body_markdown = $7, body_html = $8, body_text = $9, section_id = $10, status = $11, \
                     access = $12, breaking = $13, byline = $14, seo_title = $15, seo_description = $16, \
                     published_at = $17, updated_at = $18, revision = revision + 1 \
                     WHERE id = $1 AND revision = $2",
                )
                .bind(id)
                .bind(w.base_revision)
                .bind(d.slug.as_str())
                .bind(&d.headline)
                .bind(&d.kicker)
                .bind(&d.standfirst)
                .bind(&d.body)
                .bind(w.body_html)
                .bind(w.body_text)
                .bind(&section_id)
                .bind(status.as_str())
                .bind(d.access.as_str())
                .bind(i64::from(d.breaking))
                .bind(&d.byline)
                .bind(&d.seo_title)
                .bind(&d.seo_description)
                .bind(published_at)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                // The revision was checked in this transaction; on PostgreSQL a concurrent save
                // may still have won the row lock in between.
                if changed != 1 {
                    let current = editor_article_in(&mut tx, id).await?;
                    return Ok(match current {
                        Some(c) => SaveOutcome::Stale(Box::new(c)),
                        None => SaveOutcome::NotFound,
                    });
                }
                for sql in [
                    "DELETE FROM article_authors WHERE article_id = $1",
                    "DELETE FROM article_tags WHERE article_id = $1",
                ] {
                    sqlx::query(sql).bind(id).execute(&mut *tx).await?;
                }
                (id.to_owned(), w.base_revision + 1)
            }
            None => {
                let id = new_id();
                sqlx::query(
                    "INSERT INTO articles (id, slug, headline, kicker, standfirst, body_markdown, body_html, \
                     body_text, section_id, status, access, breaking, byline, seo_title, seo_description, \
                     published_at, updated_at, created_at, revision) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17, 1)",
                )
                .bind(&id)
                .bind(d.slug.as_str())
                .bind(&d.headline)
                .bind(&d.kicker)
                .bind(&d.standfirst)
                .bind(&d.body)
                .bind(w.body_html)
                .bind(w.body_text)
                .bind(&section_id)
                .bind(status.as_str())
                .bind(d.access.as_str())
                .bind(i64::from(d.breaking))
                .bind(&d.byline)
                .bind(&d.seo_title)
                .bind(&d.seo_description)
                .bind(published_at)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                (id, 1)
            }
        };
        let new_path = format!("/{}/{}", d.section, d.slug);
        if let Some((ArticleStatus::Published, old_slug, old_section, _)) = &before {
            let old_path = format!("/{old_section}/{old_slug}");
            if status == ArticleStatus::Published && old_path != new_path {
                redirects::add_redirect(&mut tx, &old_path, &new_path).await?;
            }
        }
        if status == ArticleStatus::Published {
            // The path is live: it must not redirect elsewhere.
            redirects::remove_redirect(&mut tx, &new_path).await?;
        }
        for (position, author_id) in author_ids.iter().enumerate() {
            sqlx::query(
                "INSERT INTO article_authors (article_id, author_id, position) VALUES ($1, $2, $3)",
            )
            .bind(&id)
            .bind(author_id)
            .bind(position as i64)
            .execute(&mut *tx)
            .await?;
        }
        for (slug, name) in &d.tags {
            let tag_id: String = sqlx::query_scalar(
                "INSERT INTO tags (id, slug, name) VALUES ($1, $2, $3) \
                 ON CONFLICT (slug) DO UPDATE SET slug = excluded.slug RETURNING id",
            )
            .bind(new_id())
            .bind(slug.as_str())
            .bind(name)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO article_tags (article_id, tag_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(&id)
            .bind(tag_id)
            .execute(&mut *tx)
            .await?;
        }
        let kind = w.action.kind(w.article_id.is_none());
        super::revisions::record_revision(
            &mut tx,
            &id,
            revision,
            kind,
            status == ArticleStatus::Published,
            w.raw,
            Some(w.staff),
        )
        .await?;
        // Saved: this staff member's autosave is spent.
        sqlx::query("DELETE FROM article_autosaves WHERE article_id = $1 AND staff_id = $2")
            .bind(&id)
            .bind(&w.staff.id)
            .execute(&mut *tx)
            .await?;
        if let SaveAction::Schedule(at) = w.action {
            let job = PublishArticle {
                article_id: id.clone(),
                at,
            };
            jobs::enqueue(&mut tx, &jobs::NewJob::of(&job)).await?;
        }
        let (action, verb) = match kind {
            "create" => ("article.create", "Created"),
            "save" => ("article.save", "Saved"),
            "publish" => ("article.publish", "Published"),
            "schedule" => ("article.schedule", "Scheduled"),
            _ => ("article.unpublish", "Unpublished"),
        };
        record_audit(
            &mut tx,
            AuditEntry {
                actor: &w.actor.cloned().unwrap_or_else(|| w.staff.actor()),
                action,
                target_kind: "article",
                target_id: Some(&id),
                summary: format!("{verb} “{}” (revision {revision})", d.headline),
                before: None,
                after: None,
            },
        )
        .await?;
        crate::search_feed::enqueue_index(&mut tx, &id, now).await?;
        // What readers' feeds show changed: published, edited while published, or withdrawn.
        if status == ArticleStatus::Published || kind == "unpublish" {
            crate::websub::enqueue_ping(&mut tx, &id, now).await?;
        }
        state::bump_content_epoch(&mut tx).await?;
        tx.commit().await?;
        Ok(SaveOutcome::Saved {
            id,
            revision,
            status,
        })
    }
}
