//! Time rules: datelines in the publication's time zone, and daily schedules (the Daily
//! Edition goes out at a local time, whatever the season's UTC offset).

use jiff::{Timestamp, ToSpan, Zoned, civil::Time, tz::TimeZone};

/// "27 November 2026, 07:45" in the publication's time zone.
pub fn dateline(at: Timestamp, tz: &TimeZone) -> String {
    at.to_zoned(tz.clone())
        .strftime("%-d %B %Y, %H:%M")
        .to_string()
}

/// The first moment strictly after `after` at which the local clock in `tz` shows `at`.
/// On a day when that local time does not exist (a spring-forward gap), the run happens at the
/// first moment after the gap; on a day when it exists twice, at the first of the two.
pub fn next_daily(at: Time, tz: &TimeZone, after: Timestamp) -> Timestamp {
    let local: Zoned = after.to_zoned(tz.clone());
    let mut day = local.date();
    loop {
        // `to_zoned` resolves gaps and folds with the "compatible" strategy described above.
        if let Ok(candidate) = day.to_datetime(at).to_zoned(tz.clone())
            && candidate.timestamp() > after
        {
            return candidate.timestamp();
        }
        day = match day.checked_add(1.day()) {
            Ok(d) => d,
            Err(_) => return after,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn datelines_use_the_publication_time_zone() {
        let tz = TimeZone::get("Europe/Lisbon").unwrap();
        assert_eq!(
            dateline(ts("2026-07-01T06:05:00Z"), &tz),
            "1 July 2026, 07:05"
        );
        assert_eq!(
            dateline(ts("2026-12-01T06:05:00Z"), &tz),
            "1 December 2026, 06:05"
        );
    }

    #[test]
    fn next_daily_run_follows_local_time_across_dst() {
        let tz = TimeZone::get("Europe/Lisbon").unwrap();
        let six = Time::constant(6, 0, 0, 0);
        // Winter: UTC+0.
        assert_eq!(
            next_daily(six, &tz, ts("2026-11-29T05:00:00Z")),
            ts("2026-11-29T06:00:00Z")
        );
        // Already past today's run: tomorrow.
        assert_eq!(
            next_daily(six, &tz, ts("2026-11-29T06:00:00Z")),
            ts("2026-11-30T06:00:00Z")
        );
        // Summer: UTC+1.
        assert_eq!(
            next_daily(six, &tz, ts("2026-07-01T04:00:00Z")),
            ts("2026-07-01T05:00:00Z")
        );
        // Spring forward (29 March 2026, 01:00 -> 02:00 local): 01:30 does not exist.
        let half_one = Time::constant(1, 30, 0, 0);
        assert_eq!(
            next_daily(half_one, &tz, ts("2026-03-29T00:00:00Z")),
            ts("2026-03-29T01:30:00Z")
        );
    }
}
