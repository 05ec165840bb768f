//! The daily schedule: a [`StartDailyEdition`] job per date, due at that date's send time in
//! the publication's zone (DST-correct: `core::schedule::next_daily`). Every worker enqueues
//! the next one at start (idempotent by date); the job starts its edition and enqueues the
//! following day's, so the chain continues whichever node runs it. A worker that was down
//! past a send time starts the edition due now when it comes back (the current date's, not a
//! stale one: a reader does not get Monday's edition on Wednesday).

use jiff::{Timestamp, civil::Date, tz::TimeZone};
use masthead_core::{edition as rules, schedule::next_daily};
use masthead_store::{
    edition::StartDailyEdition,
    jobs::{JobError, NewJob, RunJob},
};

use super::EditionSettings;
use crate::JobEnv;

/// The job for the next send time strictly after `after`.
pub fn schedule_next(
    settings: &EditionSettings,
    tz: &TimeZone,
    after: Timestamp,
) -> StartDailyEdition {
    let at = next_daily(settings.send_at, tz, after);
    StartDailyEdition {
        date: at.to_zoned(tz.clone()).date().to_string(),
        run_at: at.as_millisecond(),
    }
}

impl RunJob<JobEnv> for StartDailyEdition {
    async fn run(&self, env: &JobEnv) -> Result<(), JobError> {
        let date: Date = rules::parse_date(&self.date).map_err(JobError::permanent)?;
        let settings = &env.edition.settings;
        let tz = &env.site.time_zone;
        let now = Timestamp::now();
        let current = rules::current_date(now, settings.send_at, tz);
        // Late (no worker ran at the time): the edition due now goes, not a stale one.
        let target = if date < current {
            tracing::warn!(date = %self.date, current = %current, "a daily edition's time passed while no worker ran; sending the current one instead");
            current
        } else {
            date
        };
        if settings.schedule {
            super::start(env, target)
                .await
                .map_err(|e| JobError::msg(format!("{e:#}")))?;
        }
        if settings.schedule {
            let next = schedule_next(
                settings,
                tz,
                Timestamp::from_millisecond(self.run_at)
                    .unwrap_or(now)
                    .max(now),
            );
            env.store.enqueue_job(&NewJob::of(&next)).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_edition_is_dated_by_its_local_send_day_across_dst() {
        let tz = TimeZone::get("Europe/Lisbon").unwrap();
        let settings = EditionSettings::default();
        // 05:30 UTC on 28 March is 05:30 local (UTC+0): today's 06:00 is still to come.
        let job = schedule_next(&settings, &tz, "2026-03-28T05:30:00Z".parse().unwrap());
        assert_eq!(job.date, "2026-03-28");
        assert_eq!(
            job.run_at,
            "2026-03-28T06:00:00Z"
                .parse::<Timestamp>()
                .unwrap()
                .as_millisecond()
        );
        // After it: the next day, when summer time has begun (06:00 local is 05:00 UTC).
        let after = Timestamp::from_millisecond(job.run_at).unwrap();
        let next = schedule_next(&settings, &tz, after);
        assert_eq!(next.date, "2026-03-29");
        assert_eq!(
            next.run_at,
            "2026-03-29T05:00:00Z"
                .parse::<Timestamp>()
                .unwrap()
                .as_millisecond()
        );
        assert_ne!(
            masthead_store::jobs::Job::key(&job),
            masthead_store::jobs::Job::key(&next)
        );
    }
}
