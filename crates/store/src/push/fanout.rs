//! Alerts and their fan-out: creating an alert, splitting it into chunks, the chunks'
//! targets and outcomes, and the receipts service workers report (see the parent module's
//! decisions).

use super::*;

impl Store {
    /// Creates an alert and enqueues its split, in one transaction.
    pub async fn create_push_alert(&self, a: &NewAlert<'_>) -> Result<AlertCreated> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        let last = sqlx::query(
            "SELECT round, created_at FROM push_alerts WHERE article_id = $1 AND topic = $2 ORDER BY round DESC LIMIT 1",
        )
        .bind(a.article_id)
        .bind(a.topic)
        .fetch_optional(&mut *tx)
        .await?;
        let round = match last {
            Some(r) if !a.resend => {
                return Ok(AlertCreated::AlreadySent {
                    at: r.try_get("created_at")?,
                });
            }
            Some(r) => r.try_get::<i64, _>("round")? + 1,
            None => 0,
        };
        let audience: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM push_topics WHERE topic = $1")
            .bind(a.topic)
            .fetch_one(&mut *tx)
            .await?;
        let id = new_id();
        let inserted = sqlx::query(
            "INSERT INTO push_alerts (id, article_id, topic, round, payload, sent_by, created_at, audience) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&id)
        .bind(a.article_id)
        .bind(a.topic)
        .bind(round)
        .bind(a.payload)
        .bind(a.sent_by)
        .bind(now)
        .bind(audience)
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::Conflict(
                    "this story was sent to this topic a moment ago by someone else".into(),
                ));
            }
            Err(e) => return Err(e.into()),
        }
        jobs::enqueue(
            &mut tx,
            &NewJob::of(&SplitPushAlert {
                alert_id: id.clone(),
                step: 0,
            }),
        )
        .await?;
        tx.commit().await?;
        Ok(AlertCreated::Created { id, audience })
    }

    pub async fn push_alert(&self, id: &str) -> Result<Option<AlertRow>> {
        let sql = format!(
            "SELECT {ALERT_COLUMNS} FROM push_alerts p JOIN articles a ON a.id = p.article_id WHERE p.id = $1"
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.reader())
            .await?
            .as_ref()
            .map(alert_row)
            .transpose()
    }

    /// The latest alerts, newest first.
    pub async fn recent_push_alerts(&self, limit: i64) -> Result<Vec<AlertRow>> {
        let sql = format!(
            "SELECT {ALERT_COLUMNS} FROM push_alerts p JOIN articles a ON a.id = p.article_id \
             ORDER BY p.created_at DESC, p.id DESC LIMIT $1"
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(limit)
            .fetch_all(self.reader())
            .await?
            .iter()
            .map(alert_row)
            .collect()
    }

    /// The last send of a story to a topic, if any (the confirmation says so).
    pub async fn last_push_alert_for(
        &self,
        article_id: &str,
        topic: &str,
    ) -> Result<Option<AlertRow>> {
        let sql = format!(
            "SELECT {ALERT_COLUMNS} FROM push_alerts p JOIN articles a ON a.id = p.article_id \
             WHERE p.article_id = $1 AND p.topic = $2 ORDER BY p.round DESC LIMIT 1"
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(article_id)
            .bind(topic)
            .fetch_optional(self.reader())
            .await?
            .as_ref()
            .map(alert_row)
            .transpose()
    }

    /// One step of an alert's split: up to [`CHUNKS_PER_STEP`] chunk jobs enqueued, with the
    /// cursor and (while there is more to split) the next step, in one transaction. Returns
    /// how many chunks it enqueued.
    pub async fn split_push_alert_step(&self, split: &SplitPushAlert) -> Result<usize> {
        let alert_id = split.alert_id.as_str();
        let mut tx = self.begin().await?;
        let Some(row) =
            sqlx::query("SELECT topic, split_cursor, split_done FROM push_alerts WHERE id = $1")
                .bind(alert_id)
                .fetch_optional(&mut *tx)
                .await?
        else {
            return Ok(0); // the article (and its alerts) were deleted
        };
        if row.try_get::<i64, _>("split_done")? != 0 {
            return Ok(0);
        }
        let topic: String = row.try_get("topic")?;
        let mut cursor: String = row.try_get("split_cursor")?;
        let mut chunks = Vec::new();
        let mut done = false;
        while chunks.len() < CHUNKS_PER_STEP {
            let boundary: Option<String> = sqlx::query_scalar(
                "SELECT subscription_id FROM push_topics WHERE topic = $1 AND subscription_id > $2 \
                 ORDER BY subscription_id LIMIT 1 OFFSET $3",
            )
            .bind(&topic)
            .bind(&cursor)
            .bind(CHUNK - 1)
            .fetch_optional(&mut *tx)
            .await?;
            let upto = match boundary {
                Some(b) => b,
                None => {
                    done = true;
                    let last: Option<String> = sqlx::query_scalar(
                        "SELECT MAX(subscription_id) FROM push_topics WHERE topic = $1 AND subscription_id > $2",
                    )
                    .bind(&topic)
                    .bind(&cursor)
                    .fetch_one(&mut *tx)
                    .await?;
                    match last {
                        Some(l) => l,
                        None => break,
                    }
                }
            };
            chunks.push(DeliverPushChunk {
                alert_id: alert_id.to_owned(),
                topic: topic.clone(),
                after: std::mem::replace(&mut cursor, upto.clone()),
                upto,
                attempt: 0,
                ids: Vec::new(),
                not_before: 0,
            });
            if done {
                break;
            }
        }
        for c in &chunks {
            jobs::enqueue(&mut tx, &NewJob::of(c)).await?;
        }
        if !done {
            let next = SplitPushAlert {
                alert_id: alert_id.to_owned(),
                step: split.step + 1,
            };
            jobs::enqueue(&mut tx, &NewJob::of(&next)).await?;
        }
        let n = chunks.len() as i64;
        sqlx::query(
            "UPDATE push_alerts SET split_cursor = $2, split_done = $3, chunks = chunks + $4, open_jobs = open_jobs + $4, \
             finished_at = CASE WHEN $3 = 1 AND open_jobs + $4 = 0 THEN $5 ELSE finished_at END WHERE id = $1",
        )
        .bind(alert_id)
        .bind(&cursor)
        .bind(i64::from(done))
        .bind(n)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(chunks.len())
    }

    /// The subscribers of a chunk: the topic's with ids in (`after`, `upto`], or those of
    /// `ids` (a retry) that still exist.
    pub async fn push_chunk_targets(&self, chunk: &DeliverPushChunk) -> Result<Vec<PushTarget>> {
        let rows = if chunk.ids.is_empty() {
            sqlx::query(
                "SELECT s.id, s.endpoint, s.p256dh, s.auth FROM push_topics t JOIN push_subscriptions s ON s.id = t.subscription_id \
                 WHERE t.topic = $1 AND t.subscription_id > $2 AND t.subscription_id <= $3 ORDER BY t.subscription_id",
            )
            .bind(&chunk.topic)
            .bind(&chunk.after)
            .bind(&chunk.upto)
            .fetch_all(self.reader())
            .await?
        } else {
            let sql = format!(
                "SELECT id, endpoint, p256dh, auth FROM push_subscriptions WHERE id IN ({}) ORDER BY id",
                placeholders(1, chunk.ids.len())
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for id in &chunk.ids {
                q = q.bind(id);
            }
            q.fetch_all(self.reader()).await?
        };
        rows.iter()
            .map(|r| {
                Ok(PushTarget {
                    id: r.try_get("id")?,
                    endpoint: r.try_get("endpoint")?,
                    p256dh: r.try_get("p256dh")?,
                    auth: r.try_get("auth")?,
                })
            })
            .collect()
    }

    /// Whether this chunk (and attempt) has finished already (a rerun after a crash).
    pub async fn push_chunk_is_done(&self, chunk: &DeliverPushChunk) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM push_chunks_done WHERE alert_id = $1 AND chunk = $2",
        )
        .bind(&chunk.alert_id)
        .bind(chunk.chunk_name())
        .fetch_one(self.reader())
        .await?;
        Ok(n > 0)
    }

    /// Records a chunk's outcome in one transaction (see the module docs). False when the
    /// chunk had been recorded already (it ran twice): nothing is counted again.
    pub async fn finish_push_chunk(
        &self,
        chunk: &DeliverPushChunk,
        outcome: &ChunkOutcome,
    ) -> Result<bool> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        let first = sqlx::query(
            "INSERT INTO push_chunks_done (alert_id, chunk) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(&chunk.alert_id)
        .bind(chunk.chunk_name())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if first == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        // Deliveries refresh `last_used_at` at most daily (a write per subscriber per alert
        // would cost more than the pushes).
        execute_for_ids(
            &mut tx,
            "UPDATE push_subscriptions SET last_used_at = $1, failures = 0 WHERE id IN ({IN}) \
             AND (failures > 0 OR last_used_at < $1 - 86400000)",
            Some(now),
            &outcome.sent,
        )
        .await?;
        delete_subscriptions_in(&mut tx, &outcome.gone).await?;
        execute_for_ids(
            &mut tx,
            "UPDATE push_subscriptions SET failures = failures + 1 WHERE id IN ({IN})",
            None,
            &outcome.refused,
        )
        .await?;
        let dropped: Vec<String> = if outcome.refused.is_empty() {
            Vec::new()
        } else {
            let sql = format!(
                "SELECT id FROM push_subscriptions WHERE failures >= $1 AND id IN ({})",
                placeholders(2, outcome.refused.len().min(CHUNK as usize))
            );
            let mut q = sqlx::query_scalar(AssertSqlSafe(sql)).bind(MAX_REFUSALS);
            for id in outcome.refused.iter().take(CHUNK as usize) {
                q = q.bind(id);
            }
            q.fetch_all(&mut *tx).await?
        };
        delete_subscriptions_in(&mut tx, &dropped).await?;
        let retried = outcome.retry.as_ref().map_or(0, |r| r.ids.len() as i64);
        if let Some(retry) = &outcome.retry {
            jobs::enqueue(&mut tx, &NewJob::of(retry)).await?;
        }
        sqlx::query(
            "UPDATE push_alerts SET sent = sent + $2, expired = expired + $3, failed = failed + $4, \
             retried = retried + $5, open_jobs = open_jobs - 1 + $6, \
             first_sent_at = CASE WHEN $2 > 0 AND first_sent_at IS NULL THEN $7 ELSE first_sent_at END, \
             finished_at = CASE WHEN split_done = 1 AND open_jobs - 1 + $6 = 0 THEN $7 ELSE finished_at END \
             WHERE id = $1",
        )
        .bind(&chunk.alert_id)
        .bind(outcome.sent.len() as i64)
        .bind(outcome.gone.len() as i64)
        .bind(outcome.failed + outcome.refused.len() as i64)
        .bind(retried)
        .bind(i64::from(outcome.retry.is_some()))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Counts a receipt from a service worker (`received` or `clicked`) and keeps its delay
    /// for the percentiles. Receipts for unknown or old alerts, and beyond the number of
    /// pushes sent, are ignored (they come from anyone). True when counted.
    pub async fn record_push_receipt(
        &self,
        alert_id: &str,
        clicked: bool,
        delay_ms: i64,
    ) -> Result<bool> {
        let now = now_ms();
        let (kind, column) = if clicked {
            ("clicked", "clicked")
        } else {
            ("received", "received")
        };
        let mut tx = self.begin().await?;
        let sql = format!(
            "UPDATE push_alerts SET {column} = {column} + 1 WHERE id = $1 AND created_at > $2 AND {column} < sent"
        );
        let n = sqlx::query(AssertSqlSafe(sql))
            .bind(alert_id)
            .bind(now - RECEIPT_WINDOW_MS)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        let kept: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM push_receipts WHERE alert_id = $1 AND kind = $2",
        )
        .bind(alert_id)
        .bind(kind)
        .fetch_one(&mut *tx)
        .await?;
        if kept < RECEIPT_SAMPLE {
            sqlx::query(
                "INSERT INTO push_receipts (alert_id, kind, delay_ms, at) VALUES ($1, $2, $3, $4)",
            )
            .bind(alert_id)
            .bind(kind)
            .bind(delay_ms.max(0))
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// The median and 90th percentile of an alert's delivery (or click) delays, in ms.
    pub async fn push_receipt_percentiles(
        &self,
        alert_id: &str,
        clicked: bool,
    ) -> Result<Option<(i64, i64)>> {
        let kind = if clicked { "clicked" } else { "received" };
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM push_receipts WHERE alert_id = $1 AND kind = $2",
        )
        .bind(alert_id)
        .bind(kind)
        .fetch_one(self.reader())
        .await?;
        if n == 0 {
            return Ok(None);
        }
        let at = |rank: i64| async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT delay_ms FROM push_receipts WHERE alert_id = $1 AND kind = $2 ORDER BY delay_ms LIMIT 1 OFFSET $3",
            )
            .bind(alert_id)
            .bind(kind)
            .bind(rank)
            .fetch_one(self.reader())
            .await
        };
        let median = at((n - 1) / 2).await?;
        let p90 = at(((n * 9 + 9) / 10 - 1).clamp(0, n - 1)).await?;
        Ok(Some((median, p90)))
    }
}
