//! Sections, authors, tags, articles and their photos: the reads the reader pages need, here,
//! and the writes (`write.rs`: always in one transaction that also bumps the content epoch and
//! enqueues what follows).
//!
//! The embargo lives here: every reader query selects with [`VISIBLE`], the one predicate for
//! "readers may see this article". A draft or a scheduled article (whatever its time) is not
//! visible; the scheduled-publication job makes it `published` at its time, and the writes
//! never store `published` with a time in the future (`save_article` turns it into
//! `scheduled`). The search index reads `status` through `search_feed.rs` the same way.
//! Only [`Store::article_for_preview`] reads past it, for signed preview links.

use masthead_core::{AccessLevel, ArticleStatus, PhotoMeta, Slug};
use sqlx::{AssertSqlSafe, Row, any::AnyRow};

use crate::{Result, Store, StoreError};

mod api;
mod syndication;
mod write;

pub use api::{ApiArticle, ApiArticleQuery};
pub use syndication::{FeedExtras, SitemapArticle, SitemapListing, SitemapListings};
pub use write::PublishArticle;
pub(crate) use write::save_article_in;

#[derive(Debug, Clone, serde::Serialize)]
pub struct SectionRow {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub description: String,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct AuthorRow {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub bio: String,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct TagRow {
    pub id: String,
    pub slug: String,
    pub name: String,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct PhotoRow {
    pub file: String,
    pub width: i64,
    pub height: i64,
    pub alt: String,
    pub caption: String,
    pub credit: String,
    /// Shown with `alt=""` (the photo library's flag).
    pub decorative: bool,
    /// The focal point in thousandths, and the 16:9 crop chosen in the library, if any.
    pub focal_x: i64,
    pub focal_y: i64,
    pub crop_16x9: Option<String>,
    /// Its responsive variants (empty until the variants job has run: pages then show the
    /// original).
    pub variants: Vec<crate::photos::VariantRow>,
}

/// The photo columns every read of a photo selects, with `prefix` before each name.
fn photo_extra_columns(table: &str, prefix: &str) -> String {
    ["decorative", "focal_x", "focal_y", "crop_16x9"]
        .iter()
        .map(|c| format!("{table}.{c} AS {prefix}{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn photo_row(r: &AnyRow, prefix: &str, file: String) -> Result<PhotoRow> {
    let col = |c: &str| format!("{prefix}{c}");
    Ok(PhotoRow {
        file,
        width: r.try_get(col("width").as_str())?,
        height: r.try_get(col("height").as_str())?,
        alt: r.try_get(col("alt").as_str())?,
        caption: r.try_get(col("caption").as_str())?,
        credit: r.try_get(col("credit").as_str())?,
        decorative: r
            .try_get::<Option<i64>, _>(col("decorative").as_str())?
            .unwrap_or(0)
            != 0,
        focal_x: r
            .try_get::<Option<i64>, _>(col("focal_x").as_str())?
            .unwrap_or(500),
        focal_y: r
            .try_get::<Option<i64>, _>(col("focal_y").as_str())?
            .unwrap_or(500),
        crop_16x9: r.try_get(col("crop_16x9").as_str())?,
        variants: Vec::new(),
    })
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct NamedRef {
    pub slug: String,
    pub name: String,
}

/// An article as lists show it.
#[derive(Debug, Clone)]
pub struct ArticleCard {
    pub id: String,
    pub slug: String,
    pub headline: String,
    pub standfirst: String,
    pub section: NamedRef,
    pub authors: Vec<NamedRef>,
    pub published_at: i64,
    pub breaking: bool,
    pub access: AccessLevel,
    pub lead_photo: Option<PhotoRow>,
    /// Published comments (kept by `comments.rs`; as of when the row was read).
    pub comment_count: i64,
}

/// An article with everything its page shows.
#[derive(Debug, Clone)]
pub struct ArticleFull {
    pub card: ArticleCard,
    pub status: ArticleStatus,
    pub body_html: String,
    pub body_text: String,
    pub updated_at: i64,
    pub revised_at: Option<i64>,
    pub tags: Vec<NamedRef>,
    /// Shown above the headline (empty: none).
    pub kicker: String,
    /// Shown instead of the author list when set ("Reported by …").
    pub byline: String,
    /// For `<title>` and the description meta tag, when set.
    pub seo_title: String,
    pub seo_description: String,
    /// Corrections and clarifications, oldest first.
    pub corrections: Vec<crate::newsroom::Correction>,
    /// The variants of the article's inline photos (the lead's are on `card.lead_photo`):
    /// pages turn the body's inline photos into `<picture>`s with them.
    pub inline_variants: Vec<crate::photos::VariantRow>,
}

/// A photo to store with an article; `file` is the name under the media directory.
#[derive(Debug, Clone)]
pub struct PhotoInput {
    pub file: String,
    pub width: u32,
    pub height: u32,
    pub meta: PhotoMeta,
}

/// An article to create or replace (matched by slug).
#[derive(Debug, Clone)]
pub struct ArticleInput {
    pub slug: Slug,
    pub headline: String,
    pub standfirst: String,
    pub body_markdown: String,
    pub body_html: String,
    pub body_text: String,
    pub section_id: String,
    pub status: ArticleStatus,
    pub access: AccessLevel,
    pub breaking: bool,
    pub published_at: Option<jiff::Timestamp>,
    /// An editorial update, shown as "Updated …".
    pub revised_at: Option<jiff::Timestamp>,
    pub author_ids: Vec<String>,
    /// (slug, display name)
    pub tags: Vec<(Slug, String)>,
    pub lead_photo: Option<PhotoInput>,
    /// (name used in the body, photo)
    pub inline_photos: Vec<(String, PhotoInput)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    Created,
    Updated,
}

/// Which articles a list shows.
#[derive(Debug, Clone, Copy)]
pub enum ListFilter<'a> {
    All,
    Section(&'a str),
    Tag(&'a str),
    Author(&'a str),
}

impl ListFilter<'_> {
    /// The join and WHERE clause selecting published articles of this list; the filter's ID, if
    /// any, is parameter `$n`.
    fn clause(&self, n: usize) -> String {
        match self {
            ListFilter::All => format!("WHERE {VISIBLE}"),
            ListFilter::Section(_) => {
                format!("WHERE {VISIBLE} AND a.section_id = ${n}")
            }
            ListFilter::Tag(_) => format!(
                "JOIN article_tags f ON f.article_id = a.id WHERE {VISIBLE} AND f.tag_id = ${n}"
            ),
            ListFilter::Author(_) => format!(
                "JOIN article_authors f ON f.article_id = a.id WHERE {VISIBLE} AND f.author_id = ${n}"
            ),
        }
    }

    fn id(&self) -> Option<&str> {
        match *self {
            ListFilter::All => None,
            ListFilter::Section(id) | ListFilter::Tag(id) | ListFilter::Author(id) => Some(id),
        }
    }
}

/// The one predicate for "readers may see this article" (see the module docs).
pub const VISIBLE: &str = "a.status = 'published'";

const CARD_COLUMNS: &str = "a.id, a.slug, a.headline, a.standfirst, s.slug AS section_slug, \
     s.name AS section_name, a.published_at, a.breaking, a.access, a.comment_count, \
     p.file AS p_file, p.width AS p_width, p.height AS p_height, p.alt AS p_alt, \
     p.caption AS p_caption, p.credit AS p_credit, p.decorative AS p_decorative, \
     p.focal_x AS p_focal_x, p.focal_y AS p_focal_y, p.crop_16x9 AS p_crop_16x9";

const CARD_FROM: &str = "FROM articles a JOIN sections s ON s.id = a.section_id \
     LEFT JOIN photos p ON p.article_id = a.id AND p.role = 'lead'";

impl Store {
    pub async fn sections(&self) -> Result<Vec<SectionRow>> {
        let rows =
            sqlx::query("SELECT id, slug, name, description FROM sections ORDER BY position, name")
                .fetch_all(self.reader())
                .await?;
        rows.iter().map(section_row).collect()
    }

    pub async fn section_by_slug(&self, slug: &str) -> Result<Option<SectionRow>> {
        let row = sqlx::query("SELECT id, slug, name, description FROM sections WHERE slug = $1")
            .bind(slug)
            .fetch_optional(self.reader())
            .await?;
        row.as_ref().map(section_row).transpose()
    }

    pub async fn author_by_slug(&self, slug: &str) -> Result<Option<AuthorRow>> {
        let row = sqlx::query("SELECT id, slug, name, bio FROM authors WHERE slug = $1")
            .bind(slug)
            .fetch_optional(self.reader())
            .await?;
        Ok(match row {
            Some(r) => Some(AuthorRow {
                id: r.try_get("id")?,
                slug: r.try_get("slug")?,
                name: r.try_get("name")?,
                bio: r.try_get("bio")?,
            }),
            None => None,
        })
    }

    pub async fn tag_by_slug(&self, slug: &str) -> Result<Option<TagRow>> {
        let row = sqlx::query("SELECT id, slug, name FROM tags WHERE slug = $1")
            .bind(slug)
            .fetch_optional(self.reader())
            .await?;
        Ok(match row {
            Some(r) => Some(TagRow {
                id: r.try_get("id")?,
                slug: r.try_get("slug")?,
                name: r.try_get("name")?,
            }),
            None => None,
        })
    }

    /// The ID and access level of a published article (what the registration wall needs to
    /// decide before a page is chosen).
    pub async fn published_article_access(
        &self,
        slug: &str,
    ) -> Result<Option<(String, AccessLevel)>> {
        let sql = format!("SELECT a.id, a.access FROM articles a WHERE a.slug = $1 AND {VISIBLE}");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(slug)
            .fetch_optional(self.reader())
            .await?;
        let Some(row) = row else { return Ok(None) };
        let access: String = row.try_get("access")?;
        let access = access
            .parse()
            .map_err(|e: masthead_core::ParseError| StoreError::Corrupt(e.0))?;
        Ok(Some((row.try_get("id")?, access)))
    }

    /// A published article by slug, with its authors, tags and lead photo.
    pub async fn published_article(&self, slug: &str) -> Result<Option<ArticleFull>> {
        self.full_article(&format!("a.slug = $1 AND {VISIBLE}"), slug)
            .await
    }

    /// An article by id whatever its status: for signed preview links only (the one reader
    /// query that reads past the embargo).
    pub async fn article_for_preview(&self, id: &str) -> Result<Option<ArticleFull>> {
        self.full_article("a.id = $1", id).await
    }

    async fn full_article(&self, condition: &str, value: &str) -> Result<Option<ArticleFull>> {
        let sql = format!(
            "SELECT {CARD_COLUMNS}, a.status, a.body_html, a.body_text, a.updated_at, a.revised_at, \
             a.kicker, a.byline, a.seo_title, a.seo_description {CARD_FROM} WHERE {condition}"
        );
        let Some(row) = sqlx::query(AssertSqlSafe(sql))
            .bind(value)
            .fetch_optional(self.reader())
            .await?
        else {
            return Ok(None);
        };
        let mut card = card_row(&row)?;
        self.attach_variants(std::slice::from_mut(&mut card))
            .await?;
        card.authors = self
            .authors_of(&[card.id.as_str()])
            .await?
            .remove(&card.id)
            .unwrap_or_default();
        let tags = sqlx::query(
            "SELECT t.slug, t.name FROM article_tags at JOIN tags t ON t.id = at.tag_id \
             WHERE at.article_id = $1 ORDER BY t.name",
        )
        .bind(&card.id)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(named_ref)
        .collect::<Result<_>>()?;
        let corrections = self.corrections_of(&card.id).await?;
        let files: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT file FROM photos WHERE article_id = $1 AND role = 'inline' ORDER BY file",
        )
        .bind(&card.id)
        .fetch_all(self.reader())
        .await?;
        let inline_variants = if files.is_empty() {
            Vec::new()
        } else {
            let files: Vec<&str> = files.iter().map(String::as_str).collect();
            self.variants_of(&files).await?
        };
        let status: String = row.try_get("status")?;
        Ok(Some(ArticleFull {
            status: status
                .parse()
                .map_err(|e: masthead_core::ParseError| StoreError::Corrupt(e.0))?,
            body_html: row.try_get("body_html")?,
            body_text: row.try_get("body_text")?,
            updated_at: row.try_get("updated_at")?,
            revised_at: row.try_get("revised_at")?,
            kicker: row.try_get("kicker")?,
            byline: row.try_get("byline")?,
            seo_title: row.try_get("seo_title")?,
            seo_description: row.try_get("seo_description")?,
            corrections,
            inline_variants,
            tags,
            card,
        }))
    }

    /// Published articles, newest first.
    pub async fn list_articles(
        &self,
        filter: ListFilter<'_>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<ArticleCard>> {
        let sql = format!(
            "SELECT {CARD_COLUMNS} {CARD_FROM} {} ORDER BY a.published_at DESC, a.id DESC LIMIT $1 OFFSET $2",
            filter.clause(3)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql)).bind(limit).bind(offset);
        if let Some(id) = filter.id() {
            query = query.bind(id.to_owned());
        }
        let rows = query.fetch_all(self.reader()).await?;
        let mut cards = rows.iter().map(card_row).collect::<Result<Vec<_>>>()?;
        self.attach_variants(&mut cards).await?;
        let ids: Vec<&str> = cards.iter().map(|c| c.id.as_str()).collect();
        let mut authors = self.authors_of(&ids).await?;
        for card in &mut cards {
            card.authors = authors.remove(&card.id).unwrap_or_default();
        }
        Ok(cards)
    }

    pub async fn count_articles(&self, filter: ListFilter<'_>) -> Result<i64> {
        let sql = format!("SELECT COUNT(*) FROM articles a {}", filter.clause(1));
        let mut query = sqlx::query_scalar(AssertSqlSafe(sql));
        if let Some(id) = filter.id() {
            query = query.bind(id.to_owned());
        }
        Ok(query.fetch_one(self.reader()).await?)
    }

    /// The inline photos of an article, by the name its body uses.
    pub async fn photos_of(&self, article_id: &str) -> Result<Vec<(String, PhotoRow)>> {
        let sql = format!(
            "SELECT name, file, width, height, alt, caption, credit, {} FROM photos p \
             WHERE article_id = $1 AND role = 'inline' ORDER BY position",
            photo_extra_columns("p", "")
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(article_id)
            .fetch_all(self.reader())
            .await?;
        let mut out = rows
            .iter()
            .map(|r| {
                Ok((
                    r.try_get::<Option<String>, _>("name")?.unwrap_or_default(),
                    photo_row(r, "", r.try_get("file")?)?,
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        for (_, p) in &mut out {
            p.variants = self.variants_of(&[p.file.as_str()]).await?;
        }
        Ok(out)
    }

    /// Fills in the variants of the cards' lead photos.
    async fn attach_variants(&self, cards: &mut [ArticleCard]) -> Result<()> {
        let files: Vec<&str> = cards
            .iter()
            .filter_map(|c| c.lead_photo.as_ref().map(|p| p.file.as_str()))
            .collect();
        if files.is_empty() {
            return Ok(());
        }
        let variants = self.variants_of(&files).await?;
        for card in cards {
            if let Some(p) = &mut card.lead_photo {
                p.variants = variants
                    .iter()
                    .filter(|v| v.original == p.file)
                    .cloned()
                    .collect();
            }
        }
        Ok(())
    }

    pub(crate) async fn authors_of(
        &self,
        article_ids: &[&str],
    ) -> Result<std::collections::HashMap<String, Vec<NamedRef>>> {
        let mut out: std::collections::HashMap<String, Vec<NamedRef>> =
            std::collections::HashMap::new();
        if article_ids.is_empty() {
            return Ok(out);
        }
        let placeholders: Vec<String> = (1..=article_ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT aa.article_id, au.slug, au.name FROM article_authors aa JOIN authors au ON au.id = aa.author_id \
             WHERE aa.article_id IN ({}) ORDER BY aa.article_id, aa.position",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for id in article_ids {
            query = query.bind(id.to_string());
        }
        for row in query.fetch_all(self.reader()).await? {
            out.entry(row.try_get("article_id")?)
                .or_default()
                .push(named_ref(&row)?);
        }
        Ok(out)
    }
}

fn section_row(r: &AnyRow) -> Result<SectionRow> {
    Ok(SectionRow {
        id: r.try_get("id")?,
        slug: r.try_get("slug")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
    })
}

fn named_ref(r: &AnyRow) -> Result<NamedRef> {
    Ok(NamedRef {
        slug: r.try_get("slug")?,
        name: r.try_get("name")?,
    })
}

fn card_row(r: &AnyRow) -> Result<ArticleCard> {
    let access: String = r.try_get("access")?;
    let file: Option<String> = r.try_get("p_file")?;
    let lead_photo = match file {
        Some(file) => Some(photo_row(r, "p_", file)?),
        None => None,
    };
    Ok(ArticleCard {
        id: r.try_get("id")?,
        slug: r.try_get("slug")?,
        headline: r.try_get("headline")?,
        standfirst: r.try_get("standfirst")?,
        section: NamedRef {
            slug: r.try_get("section_slug")?,
            name: r.try_get("section_name")?,
        },
        authors: Vec::new(),
        published_at: r
            .try_get::<Option<i64>, _>("published_at")?
            .unwrap_or_default(),
        breaking: r.try_get::<i64, _>("breaking")? != 0,
        access: access
            .parse()
            .map_err(|e: masthead_core::ParseError| StoreError::Corrupt(e.0))?,
        lead_photo,
        comment_count: r.try_get("comment_count")?,
    })
}
