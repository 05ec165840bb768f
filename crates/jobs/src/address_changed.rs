//! The note to an account's old address after a change of address: where a reader whose
//! account was taken over still reads their email. Sent once per change (the message ID is the
//! change's), with no link: the old address can no longer sign in.

use masthead_mail::Email;
use masthead_store::{
    jobs::{JobError, RunJob},
    sign_in::SendAddressChangedEmail,
};

use crate::{JobEnv, count_email};

impl RunJob<JobEnv> for SendAddressChangedEmail {
    async fn run(&self, env: &JobEnv) -> Result<(), JobError> {
        let to = masthead_core::EmailAddress::parse(&self.old_email)
            .map_err(|e| JobError::permanent(format!("stored address: {}", e.0)))?;
        let changed_at = masthead_core::schedule::dateline(
            masthead_store::from_ms(self.changed_at),
            &env.site.time_zone,
        );
        let ctx = minijinja::context! {
            site_name => &env.site.site_name,
            old_email => &self.old_email,
            new_email => &self.new_email,
            changed_at,
        };
        let (subject, text, html) = env.emails.render("email_changed", ctx)?;
        let email = Email {
            to,
            subject,
            text,
            html,
            message_id: format!(
                "address-changed-{}-{}",
                self.changed_at,
                self.old_email.to_lowercase()
            ),
            headers: Vec::new(),
        };
        let sent = env.mailer.send(&email).await;
        count_email("email_changed", sent.is_ok());
        sent.map_err(|e| JobError::msg(format!("sending the email_changed email failed: {e}")))
    }
}
