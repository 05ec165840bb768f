//! The Daily Edition's settings: `MASTHEAD_EDITION_*` and `MASTHEAD_DKIM_*` variables over the
//! defaults (docs/configuration.md lists them). The binary schedules the daily send unless
//! `MASTHEAD_EDITION_SCHEDULE=off`.

use std::time::Duration;

use anyhow::Context;
use masthead_jobs::edition::EditionSettings;

use super::env;

pub fn edition_settings() -> anyhow::Result<EditionSettings> {
    let mut s = EditionSettings {
        schedule: true,
        ..EditionSettings::default()
    };
    if let Some(v) = env("MASTHEAD_EDITION_TIME") {
        s.send_at = v
            .trim()
            .parse()
            .ok()
            .filter(|_| v.trim().len() == 5)
            .with_context(|| {
                format!(
                    "MASTHEAD_EDITION_TIME={v} is not a local time: write it as HH:MM, e.g. 06:00"
                )
            })?;
    }
    if let Some(v) = env("MASTHEAD_EDITION_SCHEDULE") {
        s.schedule = match v.trim().to_ascii_lowercase().as_str() {
            "on" | "1" | "true" | "yes" => true,
            "off" | "0" | "false" | "no" => false,
            _ => anyhow::bail!("MASTHEAD_EDITION_SCHEDULE={v}: use on or off"),
        };
    }
    let positive = |name: &str, default: u64| -> anyhow::Result<u64> {
        match env(name) {
            Some(v) => v
                .trim()
                .parse()
                .ok()
                .filter(|n| *n > 0)
                .with_context(|| format!("{name}={v} is not a positive whole number")),
            None => Ok(default),
        }
    };
    let optional = |name: &str| -> anyhow::Result<Option<u32>> {
        match env(name) {
            Some(v) => match v.trim().parse::<u32>() {
                Ok(0) => Ok(None),
                Ok(n) => Ok(Some(n)),
                Err(_) => anyhow::bail!("{name}={v} is not a whole number (0 turns the limit off)"),
            },
            None => Ok(None),
        }
    };
    s.pool_size = positive("MASTHEAD_EDITION_SMTP_POOL", u64::from(s.pool_size))? as u32;
    s.smtp_timeout = Duration::from_secs(positive(
        "MASTHEAD_EDITION_SMTP_TIMEOUT_SECS",
        s.smtp_timeout.as_secs(),
    )?);
    s.chunk_size = positive("MASTHEAD_EDITION_CHUNK_SIZE", s.chunk_size as u64)? as i64;
    s.chunk_budget = Duration::from_secs(positive(
        "MASTHEAD_EDITION_CHUNK_BUDGET_SECS",
        s.chunk_budget.as_secs(),
    )?);
    s.concurrent_chunks = positive(
        "MASTHEAD_EDITION_CONCURRENT_CHUNKS",
        s.concurrent_chunks as u64,
    )? as usize;
    s.per_second = optional("MASTHEAD_EDITION_PER_SECOND")?;
    s.per_hour = optional("MASTHEAD_EDITION_PER_HOUR")?;
    s.stop_after_permanent = positive(
        "MASTHEAD_EDITION_STOP_AFTER_PERMANENT",
        u64::from(s.stop_after_permanent),
    )? as u32;
    s.max_deferrals = positive("MASTHEAD_EDITION_MAX_DEFERRALS", s.max_deferrals as u64)? as i64;
    if let Some(v) = env("MASTHEAD_DKIM_SELECTOR") {
        let v = v.trim();
        anyhow::ensure!(
            !v.is_empty() && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'),
            "MASTHEAD_DKIM_SELECTOR={v}: use letters, digits and hyphens"
        );
        s.dkim_selector = v.to_owned();
    }
    if let Some(v) = env("MASTHEAD_DKIM_ED25519") {
        s.dkim_ed25519 = matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "on" | "1" | "true" | "yes"
        );
    }
    s.unsubscribe_mailto = env("MASTHEAD_EDITION_UNSUBSCRIBE_MAILTO");
    s.soft_bounce_limit = positive(
        "MASTHEAD_EDITION_SOFT_BOUNCE_LIMIT",
        s.soft_bounce_limit as u64,
    )? as i64;
    s.feedback.inbound = env("MASTHEAD_EDITION_FEEDBACK_SECRET").filter(|v| !v.trim().is_empty());
    s.feedback.mailgun = env("MASTHEAD_MAILGUN_SIGNING_KEY").filter(|v| !v.trim().is_empty());
    s.feedback.postmark = env("MASTHEAD_POSTMARK_WEBHOOK_AUTH").filter(|v| !v.trim().is_empty());
    s.feedback.sendgrid =
        env("MASTHEAD_SENDGRID_VERIFICATION_KEY").filter(|v| !v.trim().is_empty());
    if let Some(v) = &s.feedback.postmark {
        anyhow::ensure!(
            v.contains(':'),
            "MASTHEAD_POSTMARK_WEBHOOK_AUTH: write it as user:password (the webhook's basic auth)"
        );
    }
    Ok(s)
}
