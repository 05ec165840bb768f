//! Wall counts per article and day, gathered in memory and added to the database every few
//! seconds (and at shutdown), so that showing the wall never waits for a write. A crash loses
//! at most the last few seconds of counts: these are statistics, not records.

use std::{collections::HashMap, sync::Mutex, time::Duration};

use masthead_store::wall::{WallCounts, WallStatsRow};

use crate::AppState;

/// How often counts are written.
const FLUSH_EVERY: Duration = Duration::from_secs(5);
/// A bound on distinct (day, article) pairs held between flushes; beyond it counts are dropped
/// (with a log line) rather than letting memory grow without limit.
const MAX_PENDING: usize = 100_000;

#[derive(Default)]
pub struct WallStats {
    pending: Mutex<HashMap<(String, String), WallCounts>>,
}

impl WallStats {
    pub fn add(&self, article_id: &str, f: impl FnOnce(&mut WallCounts)) {
        let day = jiff::Timestamp::now().strftime("%Y-%m-%d").to_string();
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let len = pending.len();
        let key = (day, article_id.to_owned());
        match pending.get_mut(&key) {
            Some(c) => f(c),
            None if len < MAX_PENDING => f(pending.entry(key).or_default()),
            None => tracing::warn!("too many wall counts waiting to be written; dropping one"),
        }
    }

    fn take(&self) -> Vec<WallStatsRow> {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending
            .drain()
            .filter(|(_, c)| !c.is_zero())
            .map(|((day, article_id), counts)| WallStatsRow {
                day,
                article_id,
                counts,
            })
            .collect()
    }

    /// Puts counts back after a failed write, to try again next time.
    fn restore(&self, rows: Vec<WallStatsRow>) {
        for r in rows {
            self.add(&r.article_id, |c| {
                c.impressions += r.counts.impressions;
                c.registrations_started += r.counts.registrations_started;
                c.signups += r.counts.signups;
            });
        }
    }
}

impl AppState {
    /// Writes the counts gathered so far.
    pub async fn flush_wall_stats(&self) {
        let rows = self.wall.stats.take();
        if rows.is_empty() {
            return;
        }
        if let Err(e) = self.store.add_wall_stats(&rows).await {
            tracing::warn!(error = %e, "could not write wall counts; will retry");
            self.wall.stats.restore(rows);
        }
    }
}

/// Runs until `stop`, writing counts every few seconds and once more at the end.
pub async fn run_stats_flusher(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(FLUSH_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => state.flush_wall_stats().await,
            _ = stop.changed() => break,
        }
    }
    state.flush_wall_stats().await;
}
