//! The job that sends a sign-in email. It makes the link token and the code itself and stores
//! only their hashes, so no usable secret is ever written to the job queue. A retry makes new
//! ones (the message ID stays the same, so an outbox file is replaced, not duplicated).

use masthead_core::secret;
use masthead_mail::Email;
use masthead_store::{
    jobs::{JobError, RunJob},
    sign_in::{LINK_VALID_MINUTES, Purpose, SendSignInEmail},
};

use crate::{JobEnv, count_email};

impl RunJob<JobEnv> for SendSignInEmail {
    async fn run(&self, env: &JobEnv) -> Result<(), JobError> {
        send(env, &self.request_id).await
    }
}

async fn send(app: &JobEnv, id: &str) -> Result<(), JobError> {
    let Some(req) = app.store.sign_in_request(id).await? else {
        return Ok(()); // the account and its requests were deleted meanwhile
    };
    if req.used_at.is_some() || req.expires_at <= masthead_store::now_ms() {
        tracing::info!(
            request_id = id,
            "sign-in request no longer live; email not sent"
        );
        return Ok(());
    }
    let base = &app.site.public_url;
    let site_name = &app.site.site_name;
    let (template, to, ctx) = match req.purpose {
        Purpose::NoAccount => (
            "no_account",
            req.email.clone(),
            minijinja::context! {
                site_name, email => &req.email,
                register_link => format!(
                    "{base}/register?{}",
                    serde_urlencoded::to_string([("email", &req.email)]).unwrap_or_default()
                ),
            },
        ),
        purpose => {
            let token = secret::random_token();
            let code = secret::random_code();
            let issued = app
                .store
                .issue_sign_in_secrets(id, &app.tokens.hash(&token), &app.tokens.hash(&code))
                .await?;
            if !issued {
                return Ok(());
            }
            let (template, to) = match purpose {
                Purpose::Register => ("register", req.email.clone()),
                Purpose::ChangeEmail => (
                    "change_email",
                    req.new_email.clone().unwrap_or_else(|| req.email.clone()),
                ),
                _ => ("sign_in", req.email.clone()),
            };
            let ctx = minijinja::context! {
                site_name, email => &to, code => &code,
                link => format!("{base}/sign-in/link?token={token}"),
                expires_minutes => LINK_VALID_MINUTES,
            };
            (template, to, ctx)
        }
    };
    let (subject, text, html) = app.emails.render(template, ctx)?;
    let to = masthead_core::EmailAddress::parse(&to)
        .map_err(|e| JobError::permanent(format!("stored address: {}", e.0)))?;
    let email = Email {
        to,
        subject,
        text,
        html,
        message_id: format!("sign-in-{id}"),
        headers: Vec::new(),
    };
    let sent = app.mailer.send(&email).await;
    count_email(template, sent.is_ok());
    sent.map_err(|e| JobError::msg(format!("sending the {template} email failed: {e}")))
}
