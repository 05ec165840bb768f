//! The photo library (issue 14): photos uploaded in the newsroom, with or without an article,
//! their metadata, their responsive variants (`variants.rs`) and where their bytes live
//! (`media.rs`).
//!
//! Model (decisions where the issue is silent):
//! - A library photo is a `photos` row with no article and the role `library`. Using it as an
//!   article's lead photo copies it as that article's `lead` row with `source_id` naming the
//!   library row; every later edit of the library photo (caption, credit, alt text, focal
//!   point…) is applied to the copies in the same transaction, so there is one truth per photo
//!   and fixing missing alt text in the library fixes every article that uses it.
//! - The same bytes uploaded twice are one library photo (SHA-256 of the file, a unique index on
//!   library rows): the second upload opens the first.
//! - Search is a case-insensitive `LIKE` over caption, credit, photographer and agency: a
//!   newsroom's library holds thousands to tens of thousands of photos, where a scan of one
//!   table takes milliseconds; the search index is for readers' articles.
//! - Every upload, edit, attachment and deletion writes an audit entry in its transaction.

mod media;
mod uses;
mod variants;

pub use media::{MediaBackend, MediaStore};
pub use uses::ArticlePhotoCheck;
pub use variants::{MakePhotoVariants, NewVariant, VariantRow};

use masthead_core::new_id;
use sqlx::{Row, any::AnyRow};

use crate::{
    Result, Store,
    audit::{Actor, AuditEntry, record_audit},
    jobs, now_ms, state,
};

/// A photo as the library and its edit page show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LibraryPhoto {
    pub id: String,
    /// The original's key in the media store (never served raw).
    pub file: String,
    pub width: i64,
    pub height: i64,
    pub alt: String,
    pub caption: String,
    /// The displayed credit ("AP Photo/Jane Doe").
    pub credit: String,
    pub photographer: String,
    pub agency: String,
    pub licence: String,
    pub decorative: bool,
    /// Thousandths of the width and height.
    pub focal_x: i64,
    pub focal_y: i64,
    pub crop_16x9: Option<String>,
    pub crop_4x3: Option<String>,
    pub crop_1x1: Option<String>,
    pub original_format: String,
    pub original_bytes: i64,
    pub embedded_caption: String,
    pub embedded_credit: String,
    pub embedded_copyright: String,
    pub uploaded_by: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// An upload that passed the checks, its original already in the media store.
#[derive(Debug, Clone)]
pub struct NewUpload {
    pub file: String,
    pub content_hash: String,
    pub width: u32,
    pub height: u32,
    pub format: String,
    pub bytes: u64,
    pub embedded_caption: String,
    pub embedded_credit: String,
    pub embedded_copyright: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Uploaded {
    New(String),
    /// The same file is already in the library (this id).
    Duplicate(String),
}

/// The fields of the photo's edit page, checked by the caller.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PhotoEdit {
    pub alt: String,
    pub caption: String,
    pub credit: String,
    pub photographer: String,
    pub agency: String,
    pub licence: String,
    pub decorative: bool,
    pub focal_x: i64,
    pub focal_y: i64,
    pub crop_16x9: Option<String>,
    pub crop_4x3: Option<String>,
    pub crop_1x1: Option<String>,
}

/// A page of the library.
#[derive(Debug, Clone)]
pub struct LibraryPage {
    pub photos: Vec<LibraryPhoto>,
    pub total: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deleted {
    Yes,
    /// Articles use it (how many): nothing changed.
    InUse(i64),
    NotFound,
}

const COLUMNS: &str = "id, file, width, height, alt, caption, credit, photographer, agency, licence, \
    decorative, focal_x, focal_y, crop_16x9, crop_4x3, crop_1x1, original_format, original_bytes, \
    embedded_caption, embedded_credit, embedded_copyright, uploaded_by, created_at, updated_at";

fn library_photo(r: &AnyRow) -> Result<LibraryPhoto> {
    Ok(LibraryPhoto {
        id: r.try_get("id")?,
        file: r.try_get("file")?,
        width: r.try_get("width")?,
        height: r.try_get("height")?,
        alt: r.try_get("alt")?,
        caption: r.try_get("caption")?,
        credit: r.try_get("credit")?,
        photographer: r.try_get("photographer")?,
        agency: r.try_get("agency")?,
        licence: r.try_get("licence")?,
        decorative: r.try_get::<i64, _>("decorative")? != 0,
        focal_x: r.try_get("focal_x")?,
        focal_y: r.try_get("focal_y")?,
        crop_16x9: r.try_get("crop_16x9")?,
        crop_4x3: r.try_get("crop_4x3")?,
        crop_1x1: r.try_get("crop_1x1")?,
        original_format: r.try_get("original_format")?,
        original_bytes: r.try_get("original_bytes")?,
        embedded_caption: r.try_get("embedded_caption")?,
        embedded_credit: r.try_get("embedded_credit")?,
        embedded_copyright: r.try_get("embedded_copyright")?,
        uploaded_by: r.try_get("uploaded_by")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// `%text%` for `LIKE … ESCAPE '\'`, lower-cased, with the wildcards in `text` taken literally.
fn like_pattern(text: &str) -> String {
    let mut p = String::with_capacity(text.len() + 2);
    p.push('%');
    for c in text.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

impl Store {
    /// Adds an upload to the library with the job that makes its variants, in one
    /// transaction; the same bytes a second time are the photo already there.
    pub async fn add_library_photo(&self, up: &NewUpload, actor: &Actor) -> Result<Uploaded> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        let existing: Option<String> = sqlx::query_scalar(
            "SELECT id FROM photos WHERE content_hash = $1 AND article_id IS NULL",
        )
        .bind(&up.content_hash)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(id) = existing {
            return Ok(Uploaded::Duplicate(id));
        }
        let id = new_id();
        sqlx::query(
            "INSERT INTO photos (id, article_id, role, name, position, file, width, height, alt, caption, \
             credit, created_at, content_hash, original_format, original_bytes, embedded_caption, \
             embedded_credit, embedded_copyright, uploaded_by, updated_at) \
             VALUES ($1, NULL, 'library', NULL, 0, $2, $3, $4, '', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $7)",
        )
        .bind(&id)
        .bind(&up.file)
        .bind(i64::from(up.width))
        .bind(i64::from(up.height))
        .bind(&up.embedded_caption)
        .bind(&up.embedded_credit)
        .bind(now)
        .bind(&up.content_hash)
        .bind(&up.format)
        .bind(i64::try_from(up.bytes).unwrap_or(i64::MAX))
        .bind(&up.embedded_caption)
        .bind(&up.embedded_credit)
        .bind(&up.embedded_copyright)
        .bind(actor.id.as_deref())
        .execute(&mut *tx)
        .await?;
        jobs::enqueue(
            &mut tx,
            &jobs::NewJob::of(&MakePhotoVariants::for_original(&up.file, now)),
        )
        .await?;
        record_audit(
            &mut tx,
            AuditEntry {
                actor,
                action: "photo.upload",
                target_kind: "photo",
                target_id: Some(&id),
                summary: format!(
                    "Uploaded a photo ({}×{} {}, {} bytes)",
                    up.width, up.height, up.format, up.bytes
                ),
                before: None,
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Uploaded::New(id))
    }

    pub async fn library_photo(&self, id: &str) -> Result<Option<LibraryPhoto>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM photos WHERE id = $1 AND role = 'library'"
        )))
        .bind(id)
        .fetch_optional(self.reader())
        .await?;
        row.as_ref().map(library_photo).transpose()
    }

    /// The library, newest first, filtered by caption, credit, photographer or agency.
    pub async fn search_library(
        &self,
        query: &str,
        limit: i64,
        offset: i64,
    ) -> Result<LibraryPage> {
        let filter = "role = 'library' AND ($1 = '%%' OR LOWER(caption) LIKE $1 ESCAPE '\\' \
             OR LOWER(credit) LIKE $1 ESCAPE '\\' OR LOWER(photographer) LIKE $1 ESCAPE '\\' \
             OR LOWER(agency) LIKE $1 ESCAPE '\\')";
        let pattern = like_pattern(query);
        let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM photos WHERE {filter}"
        )))
        .bind(&pattern)
        .fetch_one(self.reader())
        .await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM photos WHERE {filter} ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3"
        )))
        .bind(&pattern)
        .bind(limit)
        .bind(offset)
        .fetch_all(self.reader())
        .await?;
        Ok(LibraryPage {
            photos: rows.iter().map(library_photo).collect::<Result<_>>()?,
            total,
        })
    }

    /// Saves the edit page's fields on the library photo and on every article's copy of it;
    /// a changed crop or focal point queues new variants. False when there is no such photo.
    pub async fn update_library_photo(
        &self,
        id: &str,
        edit: &PhotoEdit,
        actor: &Actor,
    ) -> Result<bool> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM photos WHERE id = $1 AND role = 'library'"
        )))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(before) = row.as_ref().map(library_photo).transpose()? else {
            return Ok(false);
        };
        sqlx::query(
            "UPDATE photos SET alt = $2, caption = $3, credit = $4, photographer = $5, agency = $6, \
             licence = $7, decorative = $8, focal_x = $9, focal_y = $10, crop_16x9 = $11, \
             crop_4x3 = $12, crop_1x1 = $13, updated_at = $14 WHERE id = $1 OR source_id = $1",
        )
        .bind(id)
        .bind(&edit.alt)
        .bind(&edit.caption)
        .bind(&edit.credit)
        .bind(&edit.photographer)
        .bind(&edit.agency)
        .bind(&edit.licence)
        .bind(i64::from(edit.decorative))
        .bind(edit.focal_x)
        .bind(edit.focal_y)
        .bind(&edit.crop_16x9)
        .bind(&edit.crop_4x3)
        .bind(&edit.crop_1x1)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let framing_changed = (
            before.focal_x,
            before.focal_y,
            &before.crop_16x9,
            &before.crop_4x3,
            &before.crop_1x1,
        ) != (
            edit.focal_x,
            edit.focal_y,
            &edit.crop_16x9,
            &edit.crop_4x3,
            &edit.crop_1x1,
        );
        if framing_changed {
            jobs::enqueue(
                &mut tx,
                &jobs::NewJob::of(&MakePhotoVariants::for_original(&before.file, now)),
            )
            .await?;
        }
        let before_json = serde_json::json!({
            "alt": before.alt, "caption": before.caption, "credit": before.credit,
            "photographer": before.photographer, "agency": before.agency, "licence": before.licence,
            "decorative": before.decorative, "focal_x": before.focal_x, "focal_y": before.focal_y,
            "crop_16x9": before.crop_16x9, "crop_4x3": before.crop_4x3, "crop_1x1": before.crop_1x1,
        });
        record_audit(
            &mut tx,
            AuditEntry {
                actor,
                action: "photo.edit",
                target_kind: "photo",
                target_id: Some(id),
                summary: format!("Edited the photo “{}”", short(&edit.caption, &edit.alt)),
                before: Some(before_json),
                after: serde_json::to_value(edit).ok(),
            },
        )
        .await?;
        state::bump_content_epoch(&mut tx).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Removes a photo from the library, unless an article uses it. Its files stay: they are
    /// content-addressed and may be shared with an imported copy of the same picture.
    pub async fn delete_library_photo(&self, id: &str, actor: &Actor) -> Result<Deleted> {
        let mut tx = self.begin().await?;
        let caption: Option<String> =
            sqlx::query_scalar("SELECT caption FROM photos WHERE id = $1 AND role = 'library'")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(caption) = caption else {
            return Ok(Deleted::NotFound);
        };
        let uses: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM photos WHERE source_id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        if uses > 0 {
            return Ok(Deleted::InUse(uses));
        }
        sqlx::query("DELETE FROM photos WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        record_audit(
            &mut tx,
            AuditEntry {
                actor,
                action: "photo.delete",
                target_kind: "photo",
                target_id: Some(id),
                summary: format!(
                    "Deleted the photo “{}” from the library",
                    short(&caption, id)
                ),
                before: None,
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Deleted::Yes)
    }

    /// Makes the library photo the article's lead photo (replacing any), in one transaction
    /// with its audit entry and the content epoch. False when either is missing.
    pub async fn attach_lead_photo(
        &self,
        article_id: &str,
        photo_id: &str,
        actor: &Actor,
    ) -> Result<bool> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        let headline: Option<String> =
            sqlx::query_scalar("SELECT headline FROM articles WHERE id = $1")
                .bind(article_id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(headline) = headline else {
            return Ok(false);
        };
        let exists: Option<String> =
            sqlx::query_scalar("SELECT id FROM photos WHERE id = $1 AND role = 'library'")
                .bind(photo_id)
                .fetch_optional(&mut *tx)
                .await?;
        if exists.is_none() {
            return Ok(false);
        }
        sqlx::query("DELETE FROM photos WHERE article_id = $1 AND role = 'lead'")
            .bind(article_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO photos (id, article_id, role, name, position, file, width, height, alt, caption, credit, \
             created_at, source_id, photographer, agency, licence, decorative, focal_x, focal_y, crop_16x9, \
             crop_4x3, crop_1x1, content_hash, original_format, original_bytes, embedded_caption, \
             embedded_credit, embedded_copyright, uploaded_by, updated_at) \
             SELECT $2, $3, 'lead', NULL, 0, file, width, height, alt, caption, credit, $4, id, photographer, \
             agency, licence, decorative, focal_x, focal_y, crop_16x9, crop_4x3, crop_1x1, content_hash, \
             original_format, original_bytes, embedded_caption, embedded_credit, embedded_copyright, \
             uploaded_by, $4 FROM photos WHERE id = $1",
        )
        .bind(photo_id)
        .bind(new_id())
        .bind(article_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        record_audit(
            &mut tx,
            AuditEntry {
                actor,
                action: "article.lead_photo",
                target_kind: "article",
                target_id: Some(article_id),
                summary: format!("Set the lead photo of “{headline}” (library photo {photo_id})"),
                before: None,
                after: None,
            },
        )
        .await?;
        state::bump_content_epoch(&mut tx).await?;
        tx.commit().await?;
        Ok(true)
    }
}

fn short(text: &str, fallback: &str) -> String {
    let t = if text.trim().is_empty() {
        fallback
    } else {
        text.trim()
    };
    let mut s: String = t.chars().take(60).collect();
    if t.chars().count() > 60 {
        s.push('…');
    }
    s
}
