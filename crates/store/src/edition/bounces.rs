//! Asynchronous bounces and complaints (reported after the SMTP server accepted a message:
//! DSN and ARF messages, provider webhooks; parsed at the edge by `masthead_mail::feedback`
//! and `web::edition::feedback`).
//!
//! Rules:
//! - Only for addresses we sent an edition to (a `sent` ledger row, by the address or by the
//!   reader now at it): anything else is [`FeedbackOutcome::NeverSent`], logged by the caller
//!   and ignored, so a forged or misdirected report cannot suppress a stranger.
//! - A hard bounce or a complaint suppresses the address at once (the first reason recorded
//!   is kept, as for SMTP-time bounces).
//! - Soft bounces suppress after `soft_limit` editions in a row: a report for the edition
//!   right after the last soft-bounced one (no edition sent to the address in between) adds
//!   one; a gap starts again at one; a second report for the same edition counts once.

use masthead_core::EmailAddress;
use sqlx::Row;

use crate::{Result, Store, Tx, now_ms};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedbackKind {
    Hard,
    Soft,
    Complaint,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedbackOutcome {
    /// No edition was sent to the address: ignored.
    NeverSent,
    /// Suppressed now (or already).
    Suppressed,
    /// A soft bounce, counted: this many editions in a row.
    SoftCounted(i64),
}

impl Store {
    /// Records a bounce or complaint for `email` reported after sending (see the module docs).
    pub async fn record_feedback(
        &self,
        email: &EmailAddress,
        kind: FeedbackKind,
        detail: &str,
        soft_limit: i64,
    ) -> Result<FeedbackOutcome> {
        let key = email.canonical();
        let mut tx = self.begin().await?;
        // The editions sent to the address, newest first.
        let sent: Vec<(String, String)> = sqlx::query(
            "SELECT e.id, e.edition_date FROM edition_deliveries d JOIN editions e ON e.id = d.edition_id \
             WHERE d.status = 'sent' AND (lower(d.email) = $1 OR d.reader_id IN \
               (SELECT r.id FROM readers r WHERE r.email_key = $1)) \
             ORDER BY e.edition_date DESC",
        )
        .bind(&key)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("edition_date")?)))
        .collect::<Result<_>>()?;
        let Some((latest, _)) = sent.first().cloned() else {
            tx.commit().await?;
            return Ok(FeedbackOutcome::NeverSent);
        };
        let outcome = match kind {
            FeedbackKind::Hard => suppress(&mut tx, email, "bounce", detail).await?,
            FeedbackKind::Complaint => suppress(&mut tx, email, "complaint", detail).await?,
            FeedbackKind::Soft => {
                let last: Option<(i64, String)> = sqlx::query(
                    "SELECT in_row, last_edition_id FROM email_soft_bounces WHERE email_key = $1",
                )
                .bind(&key)
                .fetch_optional(&mut *tx)
                .await?
                .map(|r| {
                    Ok::<_, crate::StoreError>((
                        r.try_get("in_row")?,
                        r.try_get("last_edition_id")?,
                    ))
                })
                .transpose()?;
                let in_row = match last {
                    Some((n, id)) if id == latest => n,
                    // The previous soft bounce was for the edition sent just before this one.
                    Some((n, id)) if sent.get(1).is_some_and(|(prev, _)| *prev == id) => n + 1,
                    _ => 1,
                };
                if in_row >= soft_limit.max(1) {
                    sqlx::query("DELETE FROM email_soft_bounces WHERE email_key = $1")
                        .bind(&key)
                        .execute(&mut *tx)
                        .await?;
                    let why = format!("{in_row} soft bounces in a row; the last: {detail}");
                    suppress(&mut tx, email, "bounce", &why).await?
                } else {
                    sqlx::query(
                        "INSERT INTO email_soft_bounces (email_key, in_row, last_edition_id, updated_at) \
                         VALUES ($1, $2, $3, $4) ON CONFLICT (email_key) DO UPDATE SET \
                         in_row = excluded.in_row, last_edition_id = excluded.last_edition_id, \
                         updated_at = excluded.updated_at",
                    )
                    .bind(&key)
                    .bind(in_row)
                    .bind(&latest)
                    .bind(now_ms())
                    .execute(&mut *tx)
                    .await?;
                    FeedbackOutcome::SoftCounted(in_row)
                }
            }
        };
        tx.commit().await?;
        Ok(outcome)
    }
}

async fn suppress(
    tx: &mut Tx,
    email: &EmailAddress,
    reason: &str,
    detail: &str,
) -> Result<FeedbackOutcome> {
    super::suppress_in(tx, email, reason, detail).await?;
    Ok(FeedbackOutcome::Suppressed)
}
