//! The note to a reader that a provider was linked to their account or unlinked from it. Sent
//! once per change (the message ID is the change's), to the account's address at the time.

use masthead_mail::Email;
use masthead_store::{
    identities::SendIdentityNotice,
    jobs::{JobError, RunJob},
};

use crate::{JobEnv, count_email};

impl RunJob<JobEnv> for SendIdentityNotice {
    async fn run(&self, env: &JobEnv) -> Result<(), JobError> {
        let to = masthead_core::EmailAddress::parse(&self.email)
            .map_err(|e| JobError::permanent(format!("stored address: {}", e.0)))?;
        let at = masthead_core::schedule::dateline(
            masthead_store::from_ms(self.at),
            &env.site.time_zone,
        );
        let template = if self.linked {
            "identity_linked"
        } else {
            "identity_unlinked"
        };
        let ctx = minijinja::context! {
            site_name => &env.site.site_name,
            email => &self.email,
            provider_name => &self.provider_name,
            at,
            account_link => format!("{}/account", env.site.public_url),
        };
        let (subject, text, html) = env.emails.render(template, ctx)?;
        let email = Email {
            to,
            subject,
            text,
            html,
            message_id: format!(
                "identity-{}-{}-{}",
                if self.linked { "linked" } else { "unlinked" },
                self.at,
                self.email.to_lowercase()
            ),
            headers: Vec::new(),
        };
        let sent = env.mailer.send(&email).await;
        count_email(template, sent.is_ok());
        sent.map_err(|e| JobError::msg(format!("sending the {template} email failed: {e}")))
    }
}
