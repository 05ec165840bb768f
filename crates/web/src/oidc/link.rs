//! Linking a provider to an existing account by email, when the provider's word is not enough
//! to link it at once (see the module docs): the callback sends a sign-in link to the
//! account's address and the identity is linked when it is used, in this browser
//! (`masthead_store::identities` `link.rs` holds the rules).

use axum::{http::StatusCode, response::Response};
use masthead_core::EmailAddress;
use masthead_store::{
    identities::{LinkRequest, VerifiedIdentity},
    sign_in::{NewSignInRequest, Purpose, SignInRequest},
};

use crate::{
    AppState,
    account::{CHECK_EMAIL, check_email_response, email_limits, new_request, too_many},
    client_ip::ClientIp,
    error::{Refusal, WebError},
};

/// What the callback knows when it must ask the account's address first.
pub(super) struct LinkByEmail<'a> {
    pub email: EmailAddress,
    pub identity: VerifiedIdentity,
    pub provider_name: &'a str,
    /// The hash of the binding cookie the flow was bound to (this browser's).
    pub bind_hash: String,
    pub return_to: String,
    pub wall_article_id: Option<String>,
}

/// Queues the link email and shows "Check your email" (which says why).
pub(super) async fn email_link(
    app: &AppState,
    peer: &ClientIp,
    l: LinkByEmail<'_>,
) -> Result<Response, WebError> {
    let mut req = new_request(
        Purpose::LinkIdentity,
        l.email.clone(),
        None,
        false,
        l.return_to,
    );
    req.bind_hash = Some(l.bind_hash);
    req.wall_article_id = l.wall_article_id;
    let limits = email_limits(app, peer, &l.email);
    let outcome = app
        .store
        .request_identity_link(&req, &l.identity, l.provider_name, &limits)
        .await?;
    answer(app, outcome, CHECK_EMAIL)
}

/// "Send the email again" on the check-email page of a link request.
pub(crate) async fn resend_link(
    app: &AppState,
    peer: &ClientIp,
    old: &SignInRequest,
    again: NewSignInRequest,
    target: &str,
) -> Result<Response, WebError> {
    let limits = email_limits(app, peer, &again.email);
    let outcome = app
        .store
        .resend_identity_link(&old.id, &again, &limits)
        .await?;
    answer(app, outcome, target)
}

fn answer(app: &AppState, outcome: LinkRequest, target: &str) -> Result<Response, WebError> {
    match outcome {
        LinkRequest::Sent(id) => Ok(check_email_response(app, &id, target, None)),
        LinkRequest::TooMany => Err(too_many()),
        LinkRequest::Staff => Err(super::flow::staff_refusal()),
        LinkRequest::NoAccount => Err(Refusal::new(
            StatusCode::GONE,
            "This sign-in has ended",
            "The account or the sign-in waiting for it is gone. Please start again, or sign in with your email address: we will send you a link.",
            ("/sign-in", "Sign in with email"),
        )
        .into()),
    }
}
