//! The rows of a photo's resized copies, and the job that makes them.
//!
//! Variants belong to an original (the `photos.file` key), not to a row: every copy of one
//! library photo, and every imported article that carries the same file, shares them. The job
//! ([`MakePhotoVariants`], run in `masthead_jobs::photo_variants`) is idempotent: it makes
//! only the (aspect, crop, width, format) rows that are missing, writing each file before its
//! row, so that a crash in between leaves at worst a content-addressed file that the re-run
//! overwrites with the same bytes and then records.

use sqlx::Row;

use crate::{Result, Store, jobs, now_ms, state};

/// Makes the missing variants of one original.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct MakePhotoVariants {
    pub original: String,
    /// When it was asked for (ms): an edit of the crop asks again, with a new key.
    #[serde(default)]
    pub asked_at: i64,
}

impl MakePhotoVariants {
    pub fn for_original(original: &str, asked_at: i64) -> Self {
        Self {
            original: original.to_owned(),
            asked_at,
        }
    }
}

impl jobs::Job for MakePhotoVariants {
    const KIND: &'static str = "make_photo_variants";
    const MAX_ATTEMPTS: i64 = 4;

    fn key(&self) -> Option<String> {
        Some(format!(
            "photo_variants:{}:{}",
            self.original, self.asked_at
        ))
    }
}

/// One stored variant.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VariantRow {
    pub original: String,
    /// '' for the full frame; '16:9', '4:3', '1:1', '1.91:1' for a crop.
    pub aspect: String,
    pub crop: String,
    pub width: i64,
    pub height: i64,
    /// jpeg, webp, avif
    pub format: String,
    pub media_key: String,
    pub bytes: i64,
}

/// A variant made by the job, its file already in the media store.
#[derive(Debug, Clone)]
pub struct NewVariant<'a> {
    pub original: &'a str,
    pub aspect: &'a str,
    pub crop: &'a str,
    pub width: u32,
    pub height: u32,
    pub format: &'a str,
    pub media_key: &'a str,
    pub bytes: u64,
}

/// The framing of every row that shows an original: (focal_x, focal_y, crop_16x9, crop_4x3,
/// crop_1x1), each row once.
pub type Framing = (i64, i64, Option<String>, Option<String>, Option<String>);

fn variant_row(r: &sqlx::any::AnyRow) -> Result<VariantRow> {
    Ok(VariantRow {
        original: r.try_get("original")?,
        aspect: r.try_get("aspect")?,
        crop: r.try_get("crop")?,
        width: r.try_get("width")?,
        height: r.try_get("height")?,
        format: r.try_get("format")?,
        media_key: r.try_get("media_key")?,
        bytes: r.try_get("bytes")?,
    })
}

impl Store {
    /// Records the variants, and bumps the content epoch so that every node re-renders the
    /// pages that showed the original meanwhile. Recording one twice is a no-op.
    pub async fn record_variants(&self, variants: &[NewVariant<'_>]) -> Result<()> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        for v in variants {
            sqlx::query(
                "INSERT INTO photo_variants (original, aspect, crop, width, height, format, media_key, bytes, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
            )
            .bind(v.original)
            .bind(v.aspect)
            .bind(v.crop)
            .bind(i64::from(v.width))
            .bind(i64::from(v.height))
            .bind(v.format)
            .bind(v.media_key)
            .bind(i64::try_from(v.bytes).unwrap_or(i64::MAX))
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        state::bump_content_epoch(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every variant of these originals.
    pub async fn variants_of(&self, originals: &[&str]) -> Result<Vec<VariantRow>> {
        let mut out = Vec::new();
        // One query per original: pages show a handful of photos, and `IN` with a bound list
        // is written differently by each backend.
        for o in originals {
            let rows = sqlx::query(
                "SELECT original, aspect, crop, width, height, format, media_key, bytes FROM photo_variants \
                 WHERE original = $1 ORDER BY aspect, width, format",
            )
            .bind(*o)
            .fetch_all(self.reader())
            .await?;
            for r in &rows {
                out.push(variant_row(r)?);
            }
        }
        Ok(out)
    }

    /// Deletes one variant's row (tests simulate a crash that lost it).
    pub async fn forget_variant(&self, media_key: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM photo_variants WHERE media_key = $1")
            .bind(media_key)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// How each row that shows `original` frames it.
    pub async fn framings_of(&self, original: &str) -> Result<Vec<Framing>> {
        let rows = sqlx::query(
            "SELECT DISTINCT focal_x, focal_y, crop_16x9, crop_4x3, crop_1x1 FROM photos WHERE file = $1",
        )
        .bind(original)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("focal_x")?,
                    r.try_get("focal_y")?,
                    r.try_get("crop_16x9")?,
                    r.try_get("crop_4x3")?,
                    r.try_get("crop_1x1")?,
                ))
            })
            .collect()
    }

    /// Originals that have no full-frame variant yet (imported photos, uploads whose job has
    /// not run), for `masthead photos rebuild` and the job queued at start.
    pub async fn originals_without_variants(&self) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT p.file FROM photos p WHERE NOT EXISTS \
             (SELECT 1 FROM photo_variants v WHERE v.original = p.file AND v.aspect = '') ORDER BY p.file",
        )
        .fetch_all(self.reader())
        .await?)
    }

    /// Every original any photo shows (`masthead photos rebuild` checks each).
    pub async fn all_photo_originals(&self) -> Result<Vec<String>> {
        Ok(
            sqlx::query_scalar("SELECT DISTINCT file FROM photos ORDER BY file")
                .fetch_all(self.reader())
                .await?,
        )
    }

    /// Queues the variants job for every original without variants (at start: the demo's and
    /// imported photos). Returns how many were queued.
    pub async fn enqueue_missing_variants(&self) -> Result<usize> {
        let originals = self.originals_without_variants().await?;
        if originals.is_empty() {
            return Ok(0);
        }
        let mut tx = self.begin().await?;
        let mut queued = 0;
        for o in &originals {
            // One key per original and day: several nodes starting together queue it once.
            let day = now_ms() / 86_400_000 * 86_400_000;
            if jobs::enqueue(
                &mut tx,
                &jobs::NewJob::of(&MakePhotoVariants::for_original(o, day)),
            )
            .await?
            {
                queued += 1;
            }
        }
        tx.commit().await?;
        Ok(queued)
    }
}
