//! The publication's settings as admins change them from the newsroom (`/newsroom/settings`),
//! kept in the `settings` table. One save is one transaction: each value that changed is written
//! with its own audit entry (`settings.change`, before and after), and the content epoch rises.
//!
//! The keys are the ones `masthead import` writes from a `site.toml` (`site.*`) and the command
//! line reads at start, below `masthead.toml` and `MASTHEAD_*` variables (crates/cli/src/config.rs):
//! what is set there wins, and a saved value takes effect at the next start (see the web
//! module's docs for why).

use crate::{
    Result, Store,
    audit::{Actor, AuditEntry, record_audit},
    state::bump_content_epoch,
};

/// The publication's name (as `masthead_import::SETTING_NAME`).
pub const SITE_NAME: &str = "site.name";
pub const SITE_TAGLINE: &str = "site.tagline";
/// An IANA time zone name.
pub const SITE_TIME_ZONE: &str = "site.time_zone";
/// Free metered articles per window.
pub const METER_FREE: &str = "meter.free";

/// Every key the settings page edits, in its order.
pub const EDITABLE: [&str; 4] = [SITE_NAME, SITE_TAGLINE, SITE_TIME_ZONE, METER_FREE];

impl Store {
    /// The stored values of `keys` (None where nothing is stored).
    pub async fn settings_of(&self, keys: &[&str]) -> Result<Vec<Option<String>>> {
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            out.push(self.setting(key).await?);
        }
        Ok(out)
    }

    /// Writes the values that differ from the stored ones, each audited; returns the keys that
    /// changed.
    pub async fn change_settings(
        &self,
        actor: &Actor,
        values: &[(&'static str, String)],
    ) -> Result<Vec<&'static str>> {
        let mut tx = self.begin().await?;
        let mut changed = Vec::new();
        for (key, value) in values {
            let before: Option<String> =
                sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                    .bind(*key)
                    .fetch_optional(&mut *tx)
                    .await?;
            // Unchanged, or empty where nothing was ever stored (an untouched optional field).
            if before.as_deref() == Some(value.as_str()) || (before.is_none() && value.is_empty()) {
                continue;
            }
            sqlx::query(
                "INSERT INTO settings (key, value) VALUES ($1, $2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .bind(*key)
            .bind(value)
            .execute(&mut *tx)
            .await?;
            record_audit(
                &mut tx,
                AuditEntry {
                    actor,
                    action: "settings.change",
                    target_kind: "setting",
                    target_id: Some(key),
                    summary: format!("Changed the setting {key}"),
                    before: Some(serde_json::json!({ "value": before })),
                    after: Some(serde_json::json!({ "value": value })),
                },
            )
            .await?;
            changed.push(*key);
        }
        if !changed.is_empty() {
            bump_content_epoch(&mut tx).await?;
        }
        tx.commit().await?;
        Ok(changed)
    }
}
