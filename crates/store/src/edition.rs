//! The Daily Edition's storage: the news day's stories, editions, the delivery ledger, the job
//! kinds that send it, and suppressed addresses. The rules (which stories, which day) are
//! `masthead_core::edition`; the sending is `masthead_jobs::edition`.
//!
//! How a send stays correct whatever crashes and however many nodes:
//! - **At most one edition per date.** `editions.edition_date` is UNIQUE: starting an edition
//!   that exists returns the existing one and does nothing else ([`Store::start_edition`]).
//! - **The recipient list is fixed at the start.** In the transaction that creates the
//!   edition, one `INSERT … SELECT` copies every reader opted in at that moment (and not
//!   suppressed) into `edition_deliveries` as `queued`, numbered into chunks of
//!   `chunk_size`, and one [`SendEditionChunk`] job per chunk is enqueued. A reader who opts in
//!   later waits for the next edition; one who opts out, or is suppressed, mid-send is
//!   `skipped` when their chunk comes.
//! - **The ledger is the truth.** A chunk job sends only rows still `queued`, and records
//!   each wave's outcomes (`sent` with the server's reply, `failed`, `bounced`) in one
//!   transaction right after the wave. A job killed mid-wave leaves those rows `queued`: its
//!   lease runs out, the job is claimed again and sends them again. Nobody is skipped;
//!   duplicates are bounded by one wave (the messages in flight at the kill).
//! - **Finished means finished.** After each chunk, [`Store::finish_edition_if_done`] marks
//!   the edition `sent` only when no row is `queued` and none failed or bounced (`finished`
//!   otherwise), so a status never claims more than the ledger shows.

pub mod bounces;
pub mod curation;

use masthead_core::{EmailAddress, edition::Story, edition::StoryPhoto, new_id};
use sqlx::{AssertSqlSafe, Row};

use crate::{
    Result, Store, StoreError, Tx,
    erasure::ReaderErasure,
    group::WriteFuture,
    jobs::{self, Job, NewJob},
    now_ms,
};

/// Readers per chunk job by default: small enough that a chunk finishes well within a job's
/// lease, large enough that the queue is not the bottleneck (2,000 jobs for a million readers).
pub const DEFAULT_CHUNK_SIZE: i64 = 500;

/// Sends the queued deliveries of one chunk of an edition (run by `masthead-jobs`). A chunk
/// that cannot finish in one run (its time budget is spent, or a destination asked us to back
/// off) enqueues its continuation with `seq + 1`, so every key names one run of one chunk.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SendEditionChunk {
    pub edition_id: String,
    pub chunk: i64,
    #[serde(default)]
    pub seq: i64,
    /// When the continuation is due (ms); `None` is now.
    #[serde(default)]
    pub not_before: Option<i64>,
}

impl Job for SendEditionChunk {
    const KIND: &'static str = "send_edition_chunk";
    // Failures here are the database's (SMTP outcomes are recorded in the ledger instead).
    const MAX_ATTEMPTS: i64 = 20;

    fn key(&self) -> Option<String> {
        Some(format!(
            "edition:{}:{}:{}",
            self.edition_id, self.chunk, self.seq
        ))
    }

    fn run_at(&self) -> Option<i64> {
        self.not_before
    }
}

/// Starts the Daily Edition dated `date` at its send time, and schedules the next day's
/// (run by `masthead-jobs`). Keyed by date: every node enqueues it, one runs it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct StartDailyEdition {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub run_at: i64,
}

impl Job for StartDailyEdition {
    const KIND: &'static str = "start_daily_edition";

    fn key(&self) -> Option<String> {
        Some(format!("edition-start:{}", self.date))
    }

    fn run_at(&self) -> Option<i64> {
        Some(self.run_at)
    }
}

/// An edition row.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Edition {
    pub id: String,
    pub date: String,
    pub status: EditionStatus,
    pub subject: String,
    /// `masthead_core::edition::EditionContent` as JSON.
    pub content: String,
    pub recipients: i64,
    pub chunks: i64,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub stop_reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EditionStatus {
    Sending,
    /// Every message was accepted.
    Sent,
    /// Nothing left to send, but some messages failed or bounced.
    Finished,
    /// Stopped by a burst of permanent errors (or an operator).
    Stopped,
}

impl EditionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Finished => "finished",
            Self::Stopped => "stopped",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "sending" => Self::Sending,
            "sent" => Self::Sent,
            "finished" => Self::Finished,
            "stopped" => Self::Stopped,
            other => return Err(StoreError::Corrupt(format!("edition status {other:?}"))),
        })
    }
}

/// A delivery still to make, with what the message needs of the reader as they are now.
#[derive(Debug, Clone)]
pub struct PendingDelivery {
    pub reader_id: String,
    pub email: String,
    pub domain: String,
    pub display_name: Option<String>,
    /// False when the reader deleted their account, opted out or was suppressed since the
    /// start: the row is `skipped`, not sent.
    pub deliverable: bool,
}

/// What became of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted: the server's reply.
    Sent(String),
    /// Refused for good (5xx) or undeliverable: the address is suppressed at once.
    Bounced(String),
    /// Could not be sent and will not be retried (a message that cannot be built).
    Failed(String),
    /// Not sent: the reader is gone, opted out, or suppressed.
    Skipped(&'static str),
    /// Try again later (a 4xx reply, the server unreachable): the row stays `queued` with the
    /// reply, until its tries reach the limit and it is `failed`.
    Deferred(String),
}

impl Outcome {
    fn status(&self) -> &'static str {
        match self {
            Self::Sent(_) => "sent",
            Self::Bounced(_) => "bounced",
            Self::Failed(_) => "failed",
            Self::Skipped(_) => "skipped",
            Self::Deferred(_) => "queued",
        }
    }

    fn response(&self) -> &str {
        match self {
            Self::Sent(r) | Self::Bounced(r) | Self::Failed(r) | Self::Deferred(r) => r,
            Self::Skipped(why) => why,
        }
    }
}

/// Deliveries by status (and per destination domain, for the newsroom and /metrics).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Progress {
    pub queued: i64,
    pub sent: i64,
    pub failed: i64,
    pub bounced: i64,
    pub skipped: i64,
}

impl Progress {
    pub fn total(&self) -> i64 {
        self.queued + self.sent + self.failed + self.bounced + self.skipped
    }

    pub fn done(&self) -> i64 {
        self.total() - self.queued
    }

    fn add(&mut self, status: &str, n: i64) {
        match status {
            "queued" => self.queued += n,
            "sent" => self.sent += n,
            "failed" => self.failed += n,
            "bounced" => self.bounced += n,
            _ => self.skipped += n,
        }
    }
}

/// A suppressed address, for the account page.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Suppression {
    /// `bounce` (a permanent SMTP failure) or `complaint`.
    pub reason: String,
    /// The server's words, for the reader to see.
    pub detail: String,
    pub created_at: i64,
}

/// The outcome of [`Store::start_edition`].
#[derive(Debug, Clone)]
pub struct Started {
    pub edition: Edition,
    /// False when the edition for that date already existed (nothing was done).
    pub created: bool,
}

const EDITION_COLUMNS: &str = "id, edition_date, status, subject, content, recipients, chunks, \
     started_at, finished_at, stop_reason";

fn edition_row(r: &sqlx::any::AnyRow) -> Result<Edition> {
    Ok(Edition {
        id: r.try_get("id")?,
        date: r.try_get("edition_date")?,
        status: EditionStatus::parse(&r.try_get::<String, _>("status")?)?,
        subject: r.try_get("subject")?,
        content: r.try_get("content")?,
        recipients: r.try_get("recipients")?,
        chunks: r.try_get("chunks")?,
        started_at: r.try_get("started_at")?,
        finished_at: r.try_get("finished_at")?,
        stop_reason: r.try_get("stop_reason")?,
    })
}

impl Store {
    /// Published articles with `from_ms <= published_at < to_ms`, with their section and lead
    /// photo: the candidates for an edition. Headline, standfirst and link only: no body.
    pub async fn edition_candidates(&self, from_ms: i64, to_ms: i64) -> Result<Vec<Story>> {
        let rows = sqlx::query(
            "SELECT a.id, a.slug, a.headline, a.standfirst, a.breaking, a.published_at, \
             s.slug AS section_slug, s.name AS section_name, p.file AS p_file, p.alt AS p_alt \
             FROM articles a JOIN sections s ON s.id = a.section_id \
             LEFT JOIN photos p ON p.article_id = a.id AND p.role = 'lead' \
             WHERE a.status = 'published' AND a.published_at >= $1 AND a.published_at < $2 \
             ORDER BY a.published_at DESC, a.id",
        )
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                let section_slug: String = r.try_get("section_slug")?;
                let slug: String = r.try_get("slug")?;
                let file: Option<String> = r.try_get("p_file")?;
                Ok(Story {
                    article_id: r.try_get("id")?,
                    headline: r.try_get("headline")?,
                    standfirst: r.try_get("standfirst")?,
                    path: format!("/{section_slug}/{slug}"),
                    section_name: r.try_get("section_name")?,
                    section_slug,
                    breaking: r.try_get::<i64, _>("breaking")? != 0,
                    published_at: r.try_get::<Option<i64>, _>("published_at")?.unwrap_or(0),
                    photo: match file {
                        Some(file) => Some(StoryPhoto {
                            path: format!("/media/{file}"),
                            alt: r.try_get("p_alt")?,
                        }),
                        None => None,
                    },
                })
            })
            .collect()
    }

    /// Starts the edition dated `date` (`YYYY-MM-DD`) unless one exists: the edition row,
    /// the ledger of every reader opted in now and not suppressed, and one chunk job per
    /// `chunk_size` readers, in one transaction. An existing edition is returned untouched.
    pub async fn start_edition(
        &self,
        date: &str,
        subject: &str,
        content_json: &str,
        chunk_size: i64,
    ) -> Result<Started> {
        let chunk_size = chunk_size.max(1);
        let now = now_ms();
        let id = new_id();
        let mut tx = self.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO editions (id, edition_date, status, subject, content, recipients, chunks, started_at) \
             VALUES ($1, $2, 'sending', $3, $4, 0, 0, $5) ON CONFLICT (edition_date) DO NOTHING",
        )
        .bind(&id)
        .bind(date)
        .bind(subject)
        .bind(content_json)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !inserted {
            let edition = edition_by_date_in(&mut tx, date).await?;
            tx.commit().await?;
            return Ok(Started {
                edition,
                created: false,
            });
        }
        let domain = self.backend().email_domain_sql("r.email_key");
        let sql = format!(
            "INSERT INTO edition_deliveries (edition_id, reader_id, email, domain, chunk, status, updated_at) \
             SELECT $1, r.id, r.email, {domain}, (ROW_NUMBER() OVER (ORDER BY r.id) - 1) / $2, 'queued', $3 \
             FROM readers r WHERE r.daily_edition = 1 \
             AND NOT EXISTS (SELECT 1 FROM email_suppressions s WHERE s.email_key = r.email_key)"
        );
        let recipients = sqlx::query(AssertSqlSafe(sql))
            .bind(&id)
            .bind(chunk_size)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected() as i64;
        let chunks = (recipients + chunk_size - 1) / chunk_size;
        sqlx::query("UPDATE editions SET recipients = $2, chunks = $3 WHERE id = $1")
            .bind(&id)
            .bind(recipients)
            .bind(chunks)
            .execute(&mut *tx)
            .await?;
        for chunk in 0..chunks {
            let job = SendEditionChunk {
                edition_id: id.clone(),
                chunk,
                seq: 0,
                not_before: None,
            };
            jobs::enqueue(&mut tx, &NewJob::of(&job)).await?;
        }
        if chunks == 0 {
            // Nobody to send to: sent, honestly, to everyone it had.
            finish_if_done_in(&mut tx, &id).await?;
        }
        let edition = edition_by_date_in(&mut tx, date).await?;
        tx.commit().await?;
        Ok(Started {
            edition,
            created: true,
        })
    }

    pub async fn edition_by_date(&self, date: &str) -> Result<Option<Edition>> {
        let sql = format!("SELECT {EDITION_COLUMNS} FROM editions WHERE edition_date = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(date)
            .fetch_optional(self.reader())
            .await?;
        row.as_ref().map(edition_row).transpose()
    }

    pub async fn edition(&self, id: &str) -> Result<Option<Edition>> {
        let sql = format!("SELECT {EDITION_COLUMNS} FROM editions WHERE id = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.reader())
            .await?;
        row.as_ref().map(edition_row).transpose()
    }

    /// The most recent editions, newest date first.
    pub async fn recent_editions(&self, limit: i64) -> Result<Vec<Edition>> {
        let sql =
            format!("SELECT {EDITION_COLUMNS} FROM editions ORDER BY edition_date DESC LIMIT $1");
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(limit)
            .fetch_all(self.reader())
            .await?;
        rows.iter().map(edition_row).collect()
    }

    /// The queued deliveries of one chunk, at most `limit`, with each reader as they are now.
    pub async fn pending_deliveries(
        &self,
        edition_id: &str,
        chunk: i64,
        limit: i64,
    ) -> Result<Vec<PendingDelivery>> {
        let rows = sqlx::query(
            "SELECT d.reader_id, d.email, d.domain, r.display_name, r.daily_edition, \
             (SELECT COUNT(*) FROM email_suppressions s WHERE s.email_key = r.email_key) AS suppressed, \
             r.id AS live_id \
             FROM edition_deliveries d LEFT JOIN readers r ON r.id = d.reader_id \
             WHERE d.edition_id = $1 AND d.chunk = $2 AND d.status = 'queued' \
             ORDER BY d.reader_id LIMIT $3",
        )
        .bind(edition_id)
        .bind(chunk)
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                let live: Option<String> = r.try_get("live_id")?;
                let opted_in = r.try_get::<Option<i64>, _>("daily_edition")?.unwrap_or(0) != 0;
                let suppressed = r.try_get::<Option<i64>, _>("suppressed")?.unwrap_or(0) > 0;
                Ok(PendingDelivery {
                    reader_id: r.try_get("reader_id")?,
                    email: r.try_get("email")?,
                    domain: r.try_get("domain")?,
                    display_name: r.try_get("display_name")?,
                    deliverable: live.is_some() && opted_in && !suppressed,
                })
            })
            .collect()
    }

    /// Records the outcomes of one wave, in one transaction: each row (still `queued`; a row
    /// another run already recorded is left as it is) gets its status and reply, and every
    /// bounced address is suppressed. A deferred row stays queued until its `max_deferrals`-th
    /// try, which makes it `failed`.
    pub async fn record_deliveries(
        &self,
        edition_id: &str,
        outcomes: &[(PendingDelivery, Outcome)],
        max_deferrals: i64,
    ) -> Result<()> {
        if outcomes.is_empty() {
            return Ok(());
        }
        let now = now_ms();
        let mut tx = self.begin().await?;
        for (delivery, outcome) in outcomes {
            sqlx::query(
                "UPDATE edition_deliveries SET response = $4, attempts = attempts + 1, updated_at = $5, \
                 status = CASE WHEN $3 = 'queued' AND attempts + 1 >= $6 THEN 'failed' ELSE $3 END \
                 WHERE edition_id = $1 AND reader_id = $2 AND status = 'queued'",
            )
            .bind(edition_id)
            .bind(&delivery.reader_id)
            .bind(outcome.status())
            .bind(truncate(outcome.response(), 500))
            .bind(now)
            .bind(max_deferrals)
            .execute(&mut *tx)
            .await?;
            if let Outcome::Bounced(reply) = outcome
                && let Ok(address) = EmailAddress::parse(&delivery.email)
            {
                suppress_in(&mut tx, &address, "bounce", reply).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Deliveries of an edition by status.
    pub async fn edition_progress(&self, edition_id: &str) -> Result<Progress> {
        let rows = sqlx::query(
            "SELECT status, COUNT(*) AS n FROM edition_deliveries WHERE edition_id = $1 GROUP BY status",
        )
        .bind(edition_id)
        .fetch_all(self.reader())
        .await?;
        let mut p = Progress::default();
        for r in &rows {
            p.add(&r.try_get::<String, _>("status")?, r.try_get("n")?);
        }
        Ok(p)
    }

    /// Deliveries of an edition by destination domain and status, the busiest domains first
    /// (at most `limit` domains).
    pub async fn edition_progress_by_domain(
        &self,
        edition_id: &str,
        limit: i64,
    ) -> Result<Vec<(String, Progress)>> {
        let rows = sqlx::query(
            "SELECT domain, status, COUNT(*) AS n FROM edition_deliveries WHERE edition_id = $1 \
             GROUP BY domain, status ORDER BY domain",
        )
        .bind(edition_id)
        .fetch_all(self.reader())
        .await?;
        let mut out: Vec<(String, Progress)> = Vec::new();
        for r in &rows {
            let domain: String = r.try_get("domain")?;
            if out.last().is_none_or(|(d, _)| *d != domain) {
                out.push((domain, Progress::default()));
            }
            if let Some((_, p)) = out.last_mut() {
                p.add(&r.try_get::<String, _>("status")?, r.try_get("n")?);
            }
        }
        out.sort_by(|a, b| b.1.total().cmp(&a.1.total()).then(a.0.cmp(&b.0)));
        out.truncate(limit.max(0) as usize);
        Ok(out)
    }

    /// Whether a chunk still has queued deliveries.
    pub async fn chunk_has_queued(&self, edition_id: &str, chunk: i64) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM edition_deliveries WHERE edition_id = $1 AND chunk = $2 AND status = 'queued'",
        )
        .bind(edition_id)
        .bind(chunk)
        .fetch_one(self.reader())
        .await?;
        Ok(n > 0)
    }

    /// Enqueues a chunk's continuation (idempotent by its key).
    pub async fn enqueue_chunk(&self, job: &SendEditionChunk) -> Result<bool> {
        self.enqueue_job(&NewJob::of(job)).await
    }

    /// Marks a sending edition `sent` or `finished` when nothing is left queued. Returns the
    /// edition's status afterwards.
    pub async fn finish_edition_if_done(&self, edition_id: &str) -> Result<Option<EditionStatus>> {
        let mut tx = self.begin().await?;
        finish_if_done_in(&mut tx, edition_id).await?;
        let status: Option<String> =
            sqlx::query_scalar("SELECT status FROM editions WHERE id = $1")
                .bind(edition_id)
                .fetch_optional(&mut *tx)
                .await?;
        tx.commit().await?;
        status.as_deref().map(EditionStatus::parse).transpose()
    }

    /// Stops a sending edition (a burst of permanent errors): its chunk jobs find it stopped
    /// and send nothing more. The reason is shown in the newsroom and the CLI.
    pub async fn stop_edition(&self, edition_id: &str, reason: &str) -> Result<bool> {
        let mut tx = self.begin().await?;
        let n = sqlx::query(
            "UPDATE editions SET status = 'stopped', stop_reason = $2, finished_at = $3 \
             WHERE id = $1 AND status = 'sending'",
        )
        .bind(edition_id)
        .bind(truncate(reason, 500))
        .bind(now_ms())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(n == 1)
    }

    /// Why the edition no longer goes to `email`, if it does not.
    pub async fn suppression(&self, email: &EmailAddress) -> Result<Option<Suppression>> {
        let row = sqlx::query(
            "SELECT reason, detail, created_at FROM email_suppressions WHERE email_key = $1",
        )
        .bind(email.canonical())
        .fetch_optional(self.reader())
        .await?;
        row.map(|r| {
            Ok(Suppression {
                reason: r.try_get("reason")?,
                detail: r.try_get("detail")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .transpose()
    }

    /// Suppresses `email` (a bounce, a complaint), keeping the first reason recorded.
    pub async fn suppress_email(
        &self,
        email: &EmailAddress,
        reason: &str,
        detail: &str,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        suppress_in(&mut tx, email, reason, detail).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Lifts a suppression (the reader asked to resume from their account page). Returns
    /// whether there was one.
    pub async fn lift_suppression(&self, email: &EmailAddress) -> Result<bool> {
        let mut tx = self.begin().await?;
        let n = sqlx::query("DELETE FROM email_suppressions WHERE email_key = $1")
            .bind(email.canonical())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(n > 0)
    }
}

async fn suppress_in(tx: &mut Tx, email: &EmailAddress, reason: &str, detail: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO email_suppressions (email_key, reason, detail, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (email_key) DO NOTHING",
    )
    .bind(email.canonical())
    .bind(reason)
    .bind(truncate(detail, 500))
    .bind(now_ms())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn edition_by_date_in(tx: &mut Tx, date: &str) -> Result<Edition> {
    let sql = format!("SELECT {EDITION_COLUMNS} FROM editions WHERE edition_date = $1");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(date)
        .fetch_one(&mut **tx)
        .await?;
    edition_row(&row)
}

async fn finish_if_done_in(tx: &mut Tx, edition_id: &str) -> Result<()> {
    sqlx::query(
        "UPDATE editions SET finished_at = $2, status = CASE WHEN EXISTS \
           (SELECT 1 FROM edition_deliveries d WHERE d.edition_id = editions.id AND d.status IN ('failed', 'bounced')) \
           THEN 'finished' ELSE 'sent' END \
         WHERE id = $1 AND status = 'sending' AND NOT EXISTS \
           (SELECT 1 FROM edition_deliveries d WHERE d.edition_id = editions.id AND d.status = 'queued')",
    )
    .bind(edition_id)
    .bind(now_ms())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// At most `max` bytes, cut at a character boundary (SMTP replies can be long).
fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Deleting an account removes its ledger rows (a send in progress then has nothing queued
/// for the reader and skips nobody else). Suppressions are kept: they are about the address,
/// not the account, and stop a new account at a dead address from bouncing again.
#[derive(Debug, Clone, Copy, Default)]
pub struct EditionErasure;

impl ReaderErasure for EditionErasure {
    fn name(&self) -> &'static str {
        "daily edition deliveries"
    }

    fn erase<'a>(&'a self, tx: &'a mut Tx, reader_id: &'a str) -> WriteFuture<'a, ()> {
        Box::pin(async move {
            sqlx::query("DELETE FROM edition_deliveries WHERE reader_id = $1")
                .bind(reader_id)
                .execute(&mut **tx)
                .await?;
            Ok(())
        })
    }
}

impl Store {
    /// Test support: new reader accounts for `emails`, with the Daily Edition on or off, in one
    /// transaction (for sends to many readers). Returns their IDs, in order.
    pub async fn add_readers_for_tests(
        &self,
        emails: &[EmailAddress],
        daily_edition: bool,
    ) -> Result<Vec<String>> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        let mut ids = Vec::with_capacity(emails.len());
        for email in emails {
            let id = new_id();
            sqlx::query(
                "INSERT INTO readers (id, email, email_key, daily_edition, terms_version, terms_accepted_at, created_at) \
                 VALUES ($1, $2, $3, $4, '1', $5, $5)",
            )
            .bind(&id)
            .bind(email.as_str())
            .bind(email.canonical())
            .bind(i64::from(daily_edition))
            .bind(now)
            .execute(&mut *tx)
            .await?;
            ids.push(id);
        }
        tx.commit().await?;
        Ok(ids)
    }

    /// Test support: every ledger row of an edition, (reader ID, status, response), by reader.
    pub async fn edition_ledger_for_tests(
        &self,
        edition_id: &str,
    ) -> Result<Vec<(String, String, Option<String>)>> {
        let rows = sqlx::query(
            "SELECT reader_id, status, response FROM edition_deliveries WHERE edition_id = $1 ORDER BY reader_id",
        )
        .bind(edition_id)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("reader_id")?,
                    r.try_get("status")?,
                    r.try_get("response")?,
                ))
            })
            .collect()
    }
}
