//! The newsroom's articles: what the editor reads and writes. Reader pages never read through
//! here (they use `content`, whose queries see only published articles); everything here sees
//! drafts and scheduled articles, and is reached only from staff routes.
//!
//! - `write.rs`: creating, saving, publishing, scheduling, unpublishing: each one transaction
//!   that checks the revision counter (a stale form changes nothing), writes the article, a
//!   revision, the audit entry, the search update and the content epoch (and, for a moved
//!   published article, the redirect from its old path).
//! - `autosave.rs`: per-author autosaves and who has an article open.
//! - `revisions.rs`: the revision list, one revision, pruning.
//! - `corrections.rs`: corrections and clarifications, and the `/corrections` list.
//! - `previews.rs`: preview links (the store side; the HMAC is made in the web layer).
//! - `list.rs`: the article list with filters and keyset paging, and the dashboard.

mod autosave;
mod corrections;
mod list;
mod previews;
mod revisions;
mod write;

pub use autosave::{Autosave, Presence};
pub use corrections::{Correction, CorrectionKind, CorrectionListItem};
pub use list::{ArticleListItem, ArticleQuery, Dashboard};
pub use previews::PreviewLink;
pub use revisions::RevisionRow;
pub(crate) use revisions::record_revision;
pub use write::{SaveAction, SaveArticle, SaveOutcome};

use masthead_core::{ArticleStatus, Role, draft::ArticleDraft, new_id};
use sqlx::{AnyConnection, Row};

use crate::{Result, Store, StoreError, now_ms};

/// A staff member as the newsroom knows them: who they are, their role, and the author they
/// write as (made on their first article when they have none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffMember {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub author_id: Option<String>,
}

impl StaffMember {
    pub fn actor(&self) -> crate::audit::Actor {
        crate::audit::Actor::staff(&self.id, &self.email)
    }
}

/// An article as the editor shows it.
#[derive(Debug, Clone)]
pub struct EditorArticle {
    pub id: String,
    pub revision: i64,
    pub status: ArticleStatus,
    pub published_at: Option<i64>,
    pub updated_at: i64,
    pub author_ids: Vec<String>,
    /// The saved fields, in the editor's form.
    pub draft: ArticleDraft,
    pub section_name: String,
}

impl EditorArticle {
    /// Published, or scheduled to be.
    pub fn live(&self) -> bool {
        self.status != ArticleStatus::Draft
    }

    pub fn is_author(&self, staff: &StaffMember) -> bool {
        staff
            .author_id
            .as_ref()
            .is_some_and(|a| self.author_ids.contains(a))
    }
}

fn corrupt(e: masthead_core::ParseError) -> StoreError {
    StoreError::Corrupt(e.0)
}

impl Store {
    /// The staff member with this address (as a session names it).
    pub async fn newsroom_staff(&self, email: &str) -> Result<Option<StaffMember>> {
        let Ok(address) = masthead_core::EmailAddress::parse(email) else {
            return Ok(None);
        };
        let row = sqlx::query("SELECT id, email, role, author_id FROM staff WHERE email_key = $1")
            .bind(address.canonical())
            .fetch_optional(self.reader())
            .await?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(StaffMember {
            id: r.try_get("id")?,
            email: r.try_get("email")?,
            role: r.try_get::<String, _>("role")?.parse().map_err(corrupt)?,
            author_id: r.try_get("author_id")?,
        }))
    }

    /// The article with everything the editor shows, whatever its status.
    pub async fn editor_article(&self, id: &str) -> Result<Option<EditorArticle>> {
        let mut conn = self.reader().acquire().await?;
        editor_article_in(&mut conn, id).await
    }

    /// Every author, for the editor's list of names.
    pub async fn all_authors(&self) -> Result<Vec<crate::content::AuthorRow>> {
        let rows = sqlx::query("SELECT id, slug, name, bio FROM authors ORDER BY name")
            .fetch_all(self.reader())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(crate::content::AuthorRow {
                    id: r.try_get("id")?,
                    slug: r.try_get("slug")?,
                    name: r.try_get("name")?,
                    bio: r.try_get("bio")?,
                })
            })
            .collect()
    }
}

pub(crate) async fn editor_article_in(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<EditorArticle>> {
    let row = sqlx::query(
        "SELECT a.id, a.slug, a.headline, a.kicker, a.standfirst, a.body_markdown, a.byline, \
         a.access, a.breaking, a.seo_title, a.seo_description, a.status, a.published_at, \
         a.updated_at, a.revision, s.slug AS section_slug, s.name AS section_name \
         FROM articles a JOIN sections s ON s.id = a.section_id WHERE a.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let authors = sqlx::query(
        "SELECT au.id, au.slug FROM article_authors aa JOIN authors au ON au.id = aa.author_id \
         WHERE aa.article_id = $1 ORDER BY aa.position",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let tags: Vec<String> = sqlx::query_scalar(
        "SELECT t.name FROM article_tags at JOIN tags t ON t.id = at.tag_id \
         WHERE at.article_id = $1 ORDER BY t.name",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let mut author_ids = Vec::new();
    let mut author_slugs = Vec::new();
    for a in &authors {
        author_ids.push(a.try_get::<String, _>("id")?);
        author_slugs.push(a.try_get::<String, _>("slug")?);
    }
    let status: String = r.try_get("status")?;
    Ok(Some(EditorArticle {
        id: r.try_get("id")?,
        revision: r.try_get("revision")?,
        status: status.parse().map_err(corrupt)?,
        published_at: r.try_get("published_at")?,
        updated_at: r.try_get("updated_at")?,
        author_ids,
        section_name: r.try_get("section_name")?,
        draft: ArticleDraft {
            headline: r.try_get("headline")?,
            kicker: r.try_get("kicker")?,
            standfirst: r.try_get("standfirst")?,
            body: r.try_get("body_markdown")?,
            section: r.try_get("section_slug")?,
            tags: tags.join(", "),
            authors: author_slugs.join(", "),
            byline: r.try_get("byline")?,
            access: r.try_get("access")?,
            breaking: r.try_get::<i64, _>("breaking")? != 0,
            slug: r.try_get("slug")?,
            seo_title: r.try_get("seo_title")?,
            seo_description: r.try_get("seo_description")?,
        },
    }))
}

/// The author `staff` writes as, made now (from their address) if they have none yet, in the
/// caller's transaction.
pub(crate) async fn ensure_author(conn: &mut AnyConnection, staff: &StaffMember) -> Result<String> {
    let current: Option<String> = sqlx::query_scalar("SELECT author_id FROM staff WHERE id = $1")
        .bind(&staff.id)
        .fetch_optional(&mut *conn)
        .await?
        .flatten();
    if let Some(id) = current {
        return Ok(id);
    }
    let local = staff.email.split('@').next().unwrap_or("staff");
    let name: String = local
        .split(['.', '_', '-', '+'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ");
    let name = if name.is_empty() {
        "Staff".to_owned()
    } else {
        name
    };
    let base = masthead_core::Slug::from_title(&name)
        .map(|s| s.into_string())
        .unwrap_or_else(|_| "staff".into());
    let mut slug = base.clone();
    for n in 2.. {
        let taken: Option<String> = sqlx::query_scalar("SELECT id FROM authors WHERE slug = $1")
            .bind(&slug)
            .fetch_optional(&mut *conn)
            .await?;
        if taken.is_none() {
            break;
        }
        slug = format!("{base}-{n}");
    }
    let id = new_id();
    sqlx::query(
        "INSERT INTO authors (id, slug, name, bio, created_at) VALUES ($1, $2, $3, '', $4)",
    )
    .bind(&id)
    .bind(&slug)
    .bind(&name)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE staff SET author_id = $2, updated_at = $3 WHERE id = $1")
        .bind(&staff.id)
        .bind(&id)
        .bind(now_ms())
        .execute(&mut *conn)
        .await?;
    Ok(id)
}
