//! `POST /account/providers/unlink`: the account page's "Unlink" button beside a linked
//! provider. Ends the reader's other sessions and emails the reader; refused for the last way
//! in (`masthead_store::identities` `unlink.rs` says what that means).

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use masthead_store::identities::Unlink;
use serde::Deserialize;

use crate::{
    AppState,
    error::{Refusal, WebError},
    session::{CsrfForm, SignedIn},
};

#[derive(Debug, Default, Deserialize)]
pub struct UnlinkForm {
    #[serde(default)]
    issuer: String,
    #[serde(default)]
    subject: String,
}

pub async fn unlink(
    State(app): State<AppState>,
    SignedIn(session): SignedIn,
    CsrfForm(f): CsrfForm<UnlinkForm>,
) -> Result<Response, WebError> {
    let linked = super::linked_for_display(&app, &session.reader_id).await?;
    let Some(identity) = linked
        .iter()
        .find(|i| i.issuer == f.issuer && i.subject == f.subject)
    else {
        return Err(Refusal::new(
            StatusCode::NOT_FOUND,
            "Not linked",
            "That provider is not linked to your account (it may have been unlinked already).",
            ("/account", "Back to your account"),
        )
        .into());
    };
    let outcome = app
        .store
        .unlink_identity(
            &session.reader_id,
            &identity.issuer,
            &identity.subject,
            &identity.name,
            &session.id_hash,
        )
        .await?;
    match outcome {
        Unlink::Done => {
            app.refresh_sessions_epoch().await?;
            app.jobs_wake.notify_one();
            Ok(Redirect::to("/account?notice=provider-unlinked").into_response())
        }
        Unlink::NotLinked => Ok(Redirect::to("/account").into_response()),
        Unlink::LastWayIn => Err(Refusal::new(
            StatusCode::CONFLICT,
            "Sign in by email once first",
            format!("{} is the only way you have signed in to your account so far. Before you unlink it, sign in once with your email address, so that we know our links reach you: sign out, then sign in with {}.", identity.name, session.email),
            ("/account", "Back to your account"),
        )
        .into()),
    }
}
