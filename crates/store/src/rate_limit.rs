//! Rate limits shared by every node through the database: windows counted in the
//! `rate_limits` table, with typed keys and one counting rule.
//!
//! The rule: taking a limit raises its window's count **only while the count is below the
//! limit's room**, in one conditional upsert (`… DO UPDATE … WHERE count < room RETURNING`), so
//! the check and the count are one atomic statement on both databases and a burst cannot get
//! more than `max` through.
//!
//! The windows slide: the room is `max` less the previous window's count weighted by how much
//! of the previous window still lies within one window of now (rounded to the nearest whole,
//! the approximation of a sliding log that needs one row per window). A fixed window would let
//! `2 × max` through around each boundary (a burst at the end of one window and another at the
//! start of the next) and makes the same burst pass or fail by the clock. The previous window
//! no longer changes once it is over, so reading it before the upsert keeps the rule atomic. An attempt a limit refuses is not counted by it, and a caller that
//! refuses the action for another reason after taking the limit decides itself whether its
//! transaction (and the count with it) is kept.
//!
//! Limits that count failures only (wrong codes, dead links) are read with
//! [`Store::rate_limit_reached`] before the attempt and taken after a failure.
//!
//! Every key names what it counts ([`RateKey`]): two features never share a key by accident
//! (posting and editing comments are separate budgets).

use masthead_core::EmailAddress;

use crate::{Result, Store, Tx, now_ms};

/// What a limit counts, and for whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RateKey {
    /// Sign-in and registration emails asked for from one client address.
    EmailsFromIp(String),
    /// Sign-in and registration emails sent to one address.
    EmailsTo(EmailAddress),
    /// Failed link and code attempts from one client address.
    SignInFailuresFromIp(String),
    /// Comments posted by one reader.
    CommentPosts(String),
    /// Comments edited by one reader.
    CommentEdits(String),
    CommentLikes(String),
    CommentReports(String),
    /// Moderation decisions by one staff member.
    ModeratorActions(String),
    /// Push subscriptions made, changed or withdrawn from one client address.
    PushChangesFromIp(String),
    /// Push receipts (shown, clicked) reported from one client address.
    PushReceiptsFromIp(String),
    /// Passkey sign-in challenges asked for from one client address.
    PasskeyChallengesFromIp(String),
}

impl RateKey {
    /// The stored key: a prefix per kind, then the subject.
    pub fn stored(&self) -> String {
        let (kind, subject) = match self {
            Self::EmailsFromIp(ip) => ("email-ip", ip.as_str()),
            Self::EmailsTo(email) => return format!("email-to:{}", email.canonical()),
            Self::SignInFailuresFromIp(ip) => ("attempt-ip", ip.as_str()),
            Self::CommentPosts(r) => ("comment", r.as_str()),
            Self::CommentEdits(r) => ("comment-edit", r.as_str()),
            Self::CommentLikes(r) => ("comment-like", r.as_str()),
            Self::CommentReports(r) => ("comment-report", r.as_str()),
            Self::ModeratorActions(r) => ("moderate", r.as_str()),
            Self::PushChangesFromIp(ip) => ("push-ip", ip.as_str()),
            Self::PushReceiptsFromIp(ip) => ("push-receipt-ip", ip.as_str()),
            Self::PasskeyChallengesFromIp(ip) => ("passkey-ip", ip.as_str()),
        };
        format!("{kind}:{subject}")
    }
}

/// A fixed-window limit: at most `max` in each window of `window_ms`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimit {
    pub key: RateKey,
    pub window_ms: i64,
    pub max: i64,
}

impl RateLimit {
    pub fn per_minute(key: RateKey, max: i64) -> Self {
        Self {
            key,
            window_ms: 60_000,
            max,
        }
    }

    pub fn per_hour(key: RateKey, max: i64) -> Self {
        Self {
            key,
            window_ms: 3_600_000,
            max,
        }
    }

    fn window_start(&self, now: i64) -> i64 {
        now - now.rem_euclid(self.window_ms)
    }

    /// What the previous window still takes of this one's `max` at `now` (see the module docs).
    fn carried(&self, previous: i64, now: i64) -> i64 {
        let left = self.window_ms - now.rem_euclid(self.window_ms);
        let w = i128::from(self.window_ms);
        ((i128::from(previous) * i128::from(left) + w / 2) / w) as i64
    }

    /// The previous window's count for this key.
    async fn previous_count<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
        &self,
        db: E,
        now: i64,
    ) -> Result<i64> {
        let count: Option<i64> = sqlx::query_scalar(
            "SELECT count FROM rate_limits WHERE key = $1 AND window_start = $2",
        )
        .bind(self.key.stored())
        .bind(self.window_start(now) - self.window_ms)
        .fetch_optional(db)
        .await?;
        Ok(count.unwrap_or(0))
    }
}

/// Windows older than this are deleted now and then (the longest window is an hour).
const KEEP_WINDOWS_MS: i64 = 2 * 86_400_000;

/// Takes one from each limit within `tx` (see the module docs); true when every limit allowed
/// it. A limit with `max < 1` allows nothing.
pub async fn take_rate_limits(tx: &mut Tx, limits: &[RateLimit]) -> Result<bool> {
    let now = now_ms();
    let mut ok = true;
    for l in limits {
        let room = if l.max < 1 {
            0
        } else {
            l.max - l.carried(l.previous_count(&mut **tx, now).await?, now)
        };
        if room < 1 {
            ok = false;
            continue;
        }
        let count: Option<i64> = sqlx::query_scalar(
            "INSERT INTO rate_limits (key, window_start, count) VALUES ($1, $2, 1) \
             ON CONFLICT (key, window_start) DO UPDATE SET count = rate_limits.count + 1 \
             WHERE rate_limits.count < $3 RETURNING count",
        )
        .bind(l.key.stored())
        .bind(l.window_start(now))
        .bind(room)
        .fetch_optional(&mut **tx)
        .await?;
        // A new window: old ones are of no use; clear them now and then.
        if count == Some(1) {
            sqlx::query("DELETE FROM rate_limits WHERE window_start < $1")
                .bind(now - KEEP_WINDOWS_MS)
                .execute(&mut **tx)
                .await?;
        }
        ok &= count.is_some();
    }
    Ok(ok)
}

impl Store {
    /// Takes one from `limit` in a transaction of its own; true when it allowed it.
    pub async fn take_rate_limit(&self, limit: &RateLimit) -> Result<bool> {
        let mut tx = self.begin().await?;
        let ok = take_rate_limits(&mut tx, std::slice::from_ref(limit)).await?;
        tx.commit().await?;
        Ok(ok)
    }

    /// Whether `limit` is used up in the current window (reads only: for limits that count
    /// failures, checked before the attempt).
    pub async fn rate_limit_reached(&self, limit: &RateLimit) -> Result<bool> {
        let now = now_ms();
        let count: Option<i64> = sqlx::query_scalar(
            "SELECT count FROM rate_limits WHERE key = $1 AND window_start = $2",
        )
        .bind(limit.key.stored())
        .bind(limit.window_start(now))
        .fetch_optional(self.reader())
        .await?;
        let carried = limit.carried(limit.previous_count(self.reader(), now).await?, now);
        Ok(count.unwrap_or(0) + carried >= limit.max)
    }
}
