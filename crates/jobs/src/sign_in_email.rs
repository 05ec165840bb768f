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
    let token = secret::random_token();
    let code = secret::random_code();
    let issued = app
        .store
        .issue_sign_in_secrets(id, &app.tokens.hash(&token), &app.tokens.hash(&code))
        .await?;
    if !issued {
        return Ok(());
    }
    let link = format!("{base}/sign-in/link?token={token}");
    let (template, to) = match req.purpose {
        // The link finishes registering on its page; the code is not sent (it cannot
        // register: no consent is given by typing it).
        Purpose::NoAccount => ("no_account", req.email.clone()),
        Purpose::Register => ("register", req.email.clone()),
        Purpose::ChangeEmail => (
            "change_email",
            req.new_email.clone().unwrap_or_else(|| req.email.clone()),
        ),
        Purpose::LinkIdentity => ("link_identity", req.email.clone()),
        Purpose::SignIn => ("sign_in", req.email.clone()),
    };
    let provider_name = match req.purpose {
        Purpose::LinkIdentity => match app.store.pending_link(id).await? {
            Some(p) => Some(p.provider_name),
            None => return Ok(()), // the link was spent or deleted meanwhile
        },
        _ => None,
    };
    let ctx = minijinja::context! {
        site_name, email => &to, link, provider_name,
        code => (req.purpose != Purpose::NoAccount).then_some(&code),
        expires_minutes => LINK_VALID_MINUTES,
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
