//! Sections and tags from the newsroom: create, rename (name and slug), describe, order the
//! sections in the navigation. Each change is one transaction with its audit entry (before and
//! after) and a raise of the content epoch, so every node's pages and navigation follow within
//! a second.
//!
//! Decisions:
//! - A changed slug moves reader-facing paths, and every old path keeps working with a
//!   permanent redirect written in the same transaction ([`crate::redirects::add_redirect`]):
//!   for a section its page (`/old`), its feed (`/old/feed.xml`) and the page of every published
//!   article in it (`/old/article` → `/new/article`); for a tag its page and feed
//!   (`/tag/old`, `/tag/old/feed.xml`). These are the public URL scheme of DESIGN.md.
//! - A slug already used by another section (or tag) is refused with [`TaxonomyOutcome::SlugTaken`]
//!   before anything is written; a concurrent insert that wins the race is caught by the
//!   unique index and answered the same way.
//! - Sections are ordered by `position`; moving one up or down renumbers all of them 0..n in
//!   their current order (imported sections may share a position), so the order is total.
//! - The search index keeps the section's old name on its documents until they are next
//!   indexed (a reindex, or the next save of each article); links in results use the article
//!   path, which redirects.

use masthead_core::Slug;
use serde::Serialize;
use sqlx::Row;

use crate::{
    Result, Store, StoreError, Tx,
    audit::{Actor, AuditEntry, record_audit},
    now_ms,
    redirects::add_redirect,
    state::bump_content_epoch,
};

/// A section or a tag as the newsroom edits it; `description` is empty for tags.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaxonomyItem {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub description: String,
    /// Articles filed under it (any status).
    pub articles: i64,
}

/// What a form asks for, already parsed.
#[derive(Debug, Clone)]
pub struct TaxonomyEdit {
    pub slug: Slug,
    pub name: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaxonomyOutcome {
    Saved(String),
    SlugTaken,
    NotFound,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    Up,
    Down,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Section,
    Tag,
}

impl Kind {
    fn table(self) -> &'static str {
        match self {
            Kind::Section => "sections",
            Kind::Tag => "tags",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Section => "section",
            Kind::Tag => "tag",
        }
    }

    fn path(self, slug: &str) -> String {
        match self {
            Kind::Section => format!("/{slug}"),
            Kind::Tag => format!("/tag/{slug}"),
        }
    }
}

fn is_unique_violation(e: &StoreError) -> bool {
    matches!(e, StoreError::Db(sqlx::Error::Database(d)) if d.is_unique_violation())
}

fn snapshot(slug: &str, name: &str, description: &str, kind: Kind) -> serde_json::Value {
    match kind {
        Kind::Section => {
            serde_json::json!({ "slug": slug, "name": name, "description": description })
        }
        Kind::Tag => serde_json::json!({ "slug": slug, "name": name }),
    }
}

async fn slug_taken(tx: &mut Tx, kind: Kind, slug: &str, except: &str) -> Result<bool> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM {} WHERE slug = $1 AND id <> $2",
        kind.table()
    ));
    let n: i64 = sqlx::query_scalar(sql)
        .bind(slug)
        .bind(except)
        .fetch_one(&mut **tx)
        .await?;
    Ok(n > 0)
}

/// Redirects from a section's or tag's old paths to the new ones (see the module docs).
async fn redirect_moved(tx: &mut Tx, kind: Kind, id: &str, old: &str, new: &str) -> Result<()> {
    add_redirect(tx, &kind.path(old), &kind.path(new)).await?;
    add_redirect(
        tx,
        &format!("{}/feed.xml", kind.path(old)),
        &format!("{}/feed.xml", kind.path(new)),
    )
    .await?;
    if kind == Kind::Section {
        let slugs: Vec<String> = sqlx::query_scalar(
            "SELECT slug FROM articles WHERE section_id = $1 AND status = 'published'",
        )
        .bind(id)
        .fetch_all(&mut **tx)
        .await?;
        for slug in slugs {
            add_redirect(tx, &format!("/{old}/{slug}"), &format!("/{new}/{slug}")).await?;
        }
    }
    Ok(())
}

impl Store {
    /// Every section in navigation order, with its article count.
    pub async fn taxonomy_sections(&self) -> Result<Vec<TaxonomyItem>> {
        self.taxonomy_list(Kind::Section).await
    }

    /// Every tag by name, with its article count.
    pub async fn taxonomy_tags(&self) -> Result<Vec<TaxonomyItem>> {
        self.taxonomy_list(Kind::Tag).await
    }

    async fn taxonomy_list(&self, kind: Kind) -> Result<Vec<TaxonomyItem>> {
        let sql = match kind {
            Kind::Section => {
                "SELECT s.id, s.slug, s.name, s.description, \
                 (SELECT COUNT(*) FROM articles a WHERE a.section_id = s.id) AS n \
                 FROM sections s ORDER BY s.position, s.name"
            }
            Kind::Tag => {
                "SELECT t.id, t.slug, t.name, '' AS description, \
                 (SELECT COUNT(*) FROM article_tags x WHERE x.tag_id = t.id) AS n \
                 FROM tags t ORDER BY t.name, t.slug"
            }
        };
        let rows = sqlx::query(sql).fetch_all(self.reader()).await?;
        rows.iter()
            .map(|r| {
                Ok(TaxonomyItem {
                    id: r.try_get("id")?,
                    slug: r.try_get("slug")?,
                    name: r.try_get("name")?,
                    description: r.try_get("description")?,
                    articles: r.try_get("n")?,
                })
            })
            .collect()
    }

    pub async fn create_section(
        &self,
        actor: &Actor,
        edit: &TaxonomyEdit,
    ) -> Result<TaxonomyOutcome> {
        self.create_item(actor, Kind::Section, edit).await
    }

    pub async fn create_tag(&self, actor: &Actor, edit: &TaxonomyEdit) -> Result<TaxonomyOutcome> {
        self.create_item(actor, Kind::Tag, edit).await
    }

    pub async fn update_section(
        &self,
        actor: &Actor,
        id: &str,
        edit: &TaxonomyEdit,
    ) -> Result<TaxonomyOutcome> {
        self.update_item(actor, Kind::Section, id, edit).await
    }

    pub async fn update_tag(
        &self,
        actor: &Actor,
        id: &str,
        edit: &TaxonomyEdit,
    ) -> Result<TaxonomyOutcome> {
        self.update_item(actor, Kind::Tag, id, edit).await
    }

    async fn create_item(
        &self,
        actor: &Actor,
        kind: Kind,
        edit: &TaxonomyEdit,
    ) -> Result<TaxonomyOutcome> {
        let result = async {
            let mut tx = self.begin().await?;
            if slug_taken(&mut tx, kind, edit.slug.as_str(), "").await? {
                return Ok(TaxonomyOutcome::SlugTaken);
            }
            let id = masthead_core::new_id();
            match kind {
                Kind::Section => {
                    sqlx::query(
                        "INSERT INTO sections (id, slug, name, description, position, created_at) \
                         VALUES ($1, $2, $3, $4, (SELECT COALESCE(MAX(position), -1) + 1 FROM sections), $5)",
                    )
                    .bind(&id)
                    .bind(edit.slug.as_str())
                    .bind(&edit.name)
                    .bind(&edit.description)
                    .bind(now_ms())
                    .execute(&mut *tx)
                    .await?;
                }
                Kind::Tag => {
                    sqlx::query("INSERT INTO tags (id, slug, name) VALUES ($1, $2, $3)")
                        .bind(&id)
                        .bind(edit.slug.as_str())
                        .bind(&edit.name)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            // A path that redirected elsewhere is live again.
            crate::redirects::remove_redirect(&mut tx, &kind.path(edit.slug.as_str())).await?;
            bump_content_epoch(&mut tx).await?;
            record_audit(
                &mut tx,
                AuditEntry {
                    actor,
                    action: match kind {
                        Kind::Section => "section.create",
                        Kind::Tag => "tag.create",
                    },
                    target_kind: kind.name(),
                    target_id: Some(&id),
                    summary: format!("Created the {} “{}”", kind.name(), edit.name),
                    before: None,
                    after: Some(snapshot(edit.slug.as_str(), &edit.name, &edit.description, kind)),
                },
            )
            .await?;
            tx.commit().await?;
            Ok(TaxonomyOutcome::Saved(id))
        }
        .await;
        match result {
            Err(e) if is_unique_violation(&e) => Ok(TaxonomyOutcome::SlugTaken),
            other => other,
        }
    }

    async fn update_item(
        &self,
        actor: &Actor,
        kind: Kind,
        id: &str,
        edit: &TaxonomyEdit,
    ) -> Result<TaxonomyOutcome> {
        let result = async {
            let mut tx = self.begin().await?;
            let sql = sqlx::AssertSqlSafe(format!(
                "SELECT slug, name, {} AS description FROM {} WHERE id = $1",
                if kind == Kind::Section {
                    "description"
                } else {
                    "''"
                },
                kind.table()
            ));
            let Some(row) = sqlx::query(sql).bind(id).fetch_optional(&mut *tx).await? else {
                return Ok(TaxonomyOutcome::NotFound);
            };
            let old_slug: String = row.try_get("slug")?;
            let old_name: String = row.try_get("name")?;
            let old_description: String = row.try_get("description")?;
            let slug = edit.slug.as_str();
            if old_slug == slug && old_name == edit.name && old_description == edit.description {
                return Ok(TaxonomyOutcome::Saved(id.to_owned()));
            }
            if slug_taken(&mut tx, kind, slug, id).await? {
                return Ok(TaxonomyOutcome::SlugTaken);
            }
            match kind {
                Kind::Section => {
                    sqlx::query(
                        "UPDATE sections SET slug = $2, name = $3, description = $4 WHERE id = $1",
                    )
                    .bind(id)
                    .bind(slug)
                    .bind(&edit.name)
                    .bind(&edit.description)
                    .execute(&mut *tx)
                    .await?;
                }
                Kind::Tag => {
                    sqlx::query("UPDATE tags SET slug = $2, name = $3 WHERE id = $1")
                        .bind(id)
                        .bind(slug)
                        .bind(&edit.name)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            if old_slug != slug {
                redirect_moved(&mut tx, kind, id, &old_slug, slug).await?;
            }
            bump_content_epoch(&mut tx).await?;
            let summary = if old_name != edit.name {
                format!(
                    "Renamed the {} “{old_name}” to “{}”",
                    kind.name(),
                    edit.name
                )
            } else {
                format!("Edited the {} “{}”", kind.name(), edit.name)
            };
            record_audit(
                &mut tx,
                AuditEntry {
                    actor,
                    action: match kind {
                        Kind::Section => "section.update",
                        Kind::Tag => "tag.update",
                    },
                    target_kind: kind.name(),
                    target_id: Some(id),
                    summary,
                    before: Some(snapshot(&old_slug, &old_name, &old_description, kind)),
                    after: Some(snapshot(slug, &edit.name, &edit.description, kind)),
                },
            )
            .await?;
            tx.commit().await?;
            Ok(TaxonomyOutcome::Saved(id.to_owned()))
        }
        .await;
        match result {
            Err(e) if is_unique_violation(&e) => Ok(TaxonomyOutcome::SlugTaken),
            other => other,
        }
    }

    /// Moves a section one place up or down in the navigation (see the module docs). `false`
    /// when there is no such section; moving the first up or the last down changes nothing.
    pub async fn move_section(&self, actor: &Actor, id: &str, to: Move) -> Result<bool> {
        let mut tx = self.begin().await?;
        let rows = sqlx::query("SELECT id, name FROM sections ORDER BY position, name")
            .fetch_all(&mut *tx)
            .await?;
        let mut order: Vec<(String, String)> = rows
            .iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
            .collect::<Result<_>>()?;
        let Some(at) = order.iter().position(|(i, _)| i == id) else {
            return Ok(false);
        };
        let other = match to {
            Move::Up if at > 0 => at - 1,
            Move::Down if at + 1 < order.len() => at + 1,
            _ => return Ok(true),
        };
        let before: Vec<String> = order.iter().map(|(_, n)| n.clone()).collect();
        order.swap(at, other);
        for (position, (sid, _)) in order.iter().enumerate() {
            sqlx::query("UPDATE sections SET position = $2 WHERE id = $1")
                .bind(sid)
                .bind(position as i64)
                .execute(&mut *tx)
                .await?;
        }
        bump_content_epoch(&mut tx).await?;
        let after: Vec<String> = order.iter().map(|(_, n)| n.clone()).collect();
        record_audit(
            &mut tx,
            AuditEntry {
                actor,
                action: "section.order",
                target_kind: "section",
                target_id: Some(id),
                summary: format!(
                    "Moved the section “{}” {}",
                    order[other].1,
                    if to == Move::Up { "up" } else { "down" }
                ),
                before: Some(serde_json::json!({ "order": before })),
                after: Some(serde_json::json!({ "order": after })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}
