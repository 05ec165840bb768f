//! Web Push settings: `MASTHEAD_PUSH_SERVICES` (or `push_services` in masthead.toml), the
//! comma-separated push services the server delivers to (origins such as
//! `http://127.0.0.1:9000`, or host suffixes such as `fcm.googleapis.com`; default: Chrome's,
//! Firefox's, Apple's and Microsoft's); `MASTHEAD_PUSH_TTL_SECS` (how long a push service keeps
//! an undelivered alert, default 3600); `MASTHEAD_PUSH_PRUNE_AFTER_DAYS` (subscriptions unused
//! this long are deleted, default 300); `MASTHEAD_PUSH_SUBJECT` (the VAPID contact, `mailto:` or
//! `https:`; default the site's https address, else the mail sender);
//! `MASTHEAD_PUSH_CONNECT_TIMEOUT_MS` (opening a connection to a push service, default 5000) and
//! `MASTHEAD_PUSH_REQUEST_TIMEOUT_MS` (one push in all, connection, TLS and the whole answer
//! included, default 15000): a push service that hangs costs a push this long, then it is
//! retried like a 5xx.

use anyhow::Context;
use masthead_jobs::push::PushSettings;

use super::env;

pub fn apply(push: &mut PushSettings, file_services: Option<&str>) -> anyhow::Result<()> {
    if let Some(v) = env("MASTHEAD_PUSH_SERVICES").or_else(|| file_services.map(str::to_owned)) {
        push.services = masthead_push::PushServices::parse(&v)
            .map_err(|e| anyhow::anyhow!("MASTHEAD_PUSH_SERVICES={v}: {e}"))?;
    }
    let whole = |name: &str| -> anyhow::Result<Option<u64>> {
        env(name)
            .map(|v| {
                v.trim()
                    .parse::<u64>()
                    .ok()
                    .filter(|n| *n > 0)
                    .with_context(|| format!("{name}={v} is not a positive whole number"))
            })
            .transpose()
    };
    if let Some(ttl) = whole("MASTHEAD_PUSH_TTL_SECS")? {
        anyhow::ensure!(
            ttl <= 28 * 86_400,
            "MASTHEAD_PUSH_TTL_SECS={ttl}: push services keep messages at most 28 days"
        );
        push.ttl = std::time::Duration::from_secs(ttl);
    }
    if let Some(days) = whole("MASTHEAD_PUSH_PRUNE_AFTER_DAYS")? {
        push.prune_after = std::time::Duration::from_secs(days * 86_400);
    }
    if let Some(ms) = whole("MASTHEAD_PUSH_CONNECT_TIMEOUT_MS")? {
        push.timeouts.connect = std::time::Duration::from_millis(ms);
    }
    if let Some(ms) = whole("MASTHEAD_PUSH_REQUEST_TIMEOUT_MS")? {
        anyhow::ensure!(
            ms <= 30_000,
            "MASTHEAD_PUSH_REQUEST_TIMEOUT_MS={ms}: at most 30000 (a chunk of pushes to a hanging service must end within its job's 5-minute lease)"
        );
        push.timeouts.request = std::time::Duration::from_millis(ms);
    }
    if let Some(s) = env("MASTHEAD_PUSH_SUBJECT") {
        anyhow::ensure!(
            s.starts_with("mailto:") || s.starts_with("https:"),
            "MASTHEAD_PUSH_SUBJECT={s}: use a mailto: address or an https: URL"
        );
        push.subject = Some(s);
    }
    Ok(())
}
