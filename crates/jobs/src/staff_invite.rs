//! The invitation to join the newsroom. It carries no secret (`masthead_store::staff`): the
//! button opens the registration form with the address filled in, which works whether or not
//! the invitee already has a reader account (a known address is sent a sign-in link), and the
//! sign-in link then works in the browser that asked for it, as staff links must.

use masthead_mail::Email;
use masthead_store::{
    jobs::{JobError, RunJob},
    staff::SendStaffInviteEmail,
};

use crate::{JobEnv, count_email};

impl RunJob<JobEnv> for SendStaffInviteEmail {
    async fn run(&self, env: &JobEnv) -> Result<(), JobError> {
        let to = masthead_core::EmailAddress::parse(&self.email)
            .map_err(|e| JobError::permanent(format!("stored address: {}", e.0)))?;
        // Deactivated (or removed) before the email went: the invitation no longer stands.
        match env.store.staff_member(&self.staff_id).await? {
            Some(m) if m.is_active() => {}
            _ => {
                tracing::info!(staff_id = %self.staff_id, "invitation withdrawn; email not sent");
                return Ok(());
            }
        }
        let query = serde_urlencoded::to_string([
            ("email", self.email.as_str()),
            ("return_to", "/newsroom/profile"),
        ])
        .unwrap_or_default();
        let ctx = minijinja::context! {
            site_name => &env.site.site_name,
            email => &self.email,
            role => self.role.as_str(),
            role_does => role_description(self.role),
            invited_by => &self.invited_by,
            link => format!("{}/register?{query}", env.site.public_url),
        };
        let (subject, text, html) = env.emails.render("staff_invite", ctx)?;
        let email = Email {
            to,
            subject,
            text,
            html,
            message_id: format!("staff-invite-{}-{}", self.staff_id, self.invited_at),
            headers: Vec::new(),
        };
        let sent = env.mailer.send(&email).await;
        count_email("staff_invite", sent.is_ok());
        sent.map_err(|e| JobError::msg(format!("sending the staff_invite email failed: {e}")))
    }
}

/// What the role lets the invitee do, in the words of the newsroom's roles.
fn role_description(role: masthead_core::Role) -> &'static str {
    use masthead_core::Role;
    match role {
        Role::Admin => "run the whole newsroom: articles, sections, staff and settings",
        Role::Editor => {
            "edit and publish everyone's articles, manage sections and tags, and moderate comments"
        }
        Role::Author => "write articles and publish your own",
        Role::Contributor => "write drafts for an editor to publish",
        Role::Moderator => "moderate readers' comments",
    }
}
