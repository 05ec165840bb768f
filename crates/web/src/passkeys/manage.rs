//! Registering, listing (on the profile page) and removing one's passkeys; an admin's reset of a
//! member's passkeys; the "require passkeys" setting. Every change is audited by the store.

use axum::{
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use masthead_core::{EmailAddress, Role};
use masthead_store::{
    passkeys::{ChallengePurpose, NewPasskey, REQUIRE_PASSKEYS, Registration},
    staff::StaffMember,
};
use serde::Deserialize;

use super::{NoFields, TIMEOUT_MS, issue_challenge, options_response, relying_party, webauthn};
use crate::{
    AppState,
    error::WebError,
    newsroom::staff::{AnyStaff, ManageStaff, ProfileMessage, actor_of, profile_response},
    session::{Capability, CsrfForm, Session, Staff},
};

/// Changing the passkey requirement: admins (as the other settings).
pub struct RequirePasskeys;

impl Capability for RequirePasskeys {
    const HOME: &'static str = "/newsroom/settings";
    const DENIED_TITLE: &'static str = "For admins only";
    const DENIED_MESSAGE: &'static str =
        "Only the newsroom's admins change the publication's settings.";

    fn allows(role: Role) -> bool {
        role.can_change_settings()
    }
}

/// A passkey's name: what the owner calls the device, shown in their list.
const NAME_MAX: usize = 60;

#[derive(Debug, Default, Deserialize)]
pub struct RegisterForm {
    #[serde(default)]
    name: String,
    /// The credential, as `passkeys.js` encodes it (JSON).
    #[serde(default)]
    credential: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct RequireForm {
    #[serde(default)]
    require: Option<String>,
}

async fn member_of(app: &AppState, session: &Session) -> Result<StaffMember, WebError> {
    let email = EmailAddress::parse(&session.email).map_err(|_| WebError::NotFound)?;
    app.store
        .staff_by_email(&email)
        .await?
        .ok_or(WebError::NotFound)
}

/// `POST /newsroom/passkeys/options`: the creation options for this member (JSON).
pub async fn options(
    State(app): State<AppState>,
    headers: HeaderMap,
    staff: Staff<AnyStaff>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    let member = member_of(&app, &staff.session).await?;
    let existing = app.store.passkeys_of(&member.id).await?;
    let (challenge, cookie) =
        issue_challenge(&app, &headers, ChallengePurpose::Register, Some(&member.id)).await?;
    let rp = relying_party(&app);
    let exclude: Vec<_> = existing
        .iter()
        .map(|p| serde_json::json!({ "type": "public-key", "id": p.credential_id }))
        .collect();
    let params: Vec<_> = webauthn::ALGORITHMS
        .iter()
        .map(|alg| serde_json::json!({ "type": "public-key", "alg": alg }))
        .collect();
    let options = serde_json::json!({ "publicKey": {
        "challenge": challenge,
        "rp": { "id": rp.id, "name": app.config.site_name },
        // The user handle is the staff id: no personal data on the authenticator beyond the
        // address it shows to tell passkeys apart.
        "user": {
            "id": URL_SAFE_NO_PAD.encode(member.id.as_bytes()),
            "name": member.email,
            "displayName": member.email,
        },
        "pubKeyCredParams": params,
        "timeout": TIMEOUT_MS,
        "attestation": "none",
        "authenticatorSelection": {
            "residentKey": "required",
            "requireResidentKey": true,
            "userVerification": "required",
        },
        "excludeCredentials": exclude,
    }});
    Ok(options_response(options, cookie))
}

/// `POST /newsroom/passkeys`: the form `passkeys.js` submits with the new credential.
pub async fn register(
    State(app): State<AppState>,
    headers: HeaderMap,
    staff: Staff<AnyStaff>,
    CsrfForm(f): CsrfForm<RegisterForm>,
) -> Result<Response, WebError> {
    let member = member_of(&app, &staff.session).await?;
    let refuse = |message: String| {
        let app = &app;
        let headers = &headers;
        let session = &staff.session;
        let name = f.name.clone();
        async move {
            let msg = ProfileMessage {
                error: Some(message),
                name,
                ..ProfileMessage::default()
            };
            profile_response(app, headers, session, msg, StatusCode::BAD_REQUEST).await
        }
    };
    let name = f.name.trim();
    if name.is_empty() || name.chars().count() > NAME_MAX {
        return refuse(format!(
            "Give the passkey a name of 1 to {NAME_MAX} characters (the device, say “Work laptop”), then add it again."
        ))
        .await;
    }
    if name.chars().any(char::is_control) {
        return refuse("A passkey's name is one line of text.".into()).await;
    }
    let credential = match webauthn::Credential::parse(&f.credential) {
        Ok(c) => c,
        Err(_) if f.credential.trim().is_empty() => {
            return refuse(
                "Registering a passkey needs JavaScript and a browser that supports passkeys. Turn JavaScript on, or use another browser.".into(),
            )
            .await;
        }
        Err(e) => return refuse(e.to_string()).await,
    };
    let Some((challenge, issued_to)) =
        super::spend_challenge(&app, &headers, &credential, ChallengePurpose::Register).await?
    else {
        return refuse(webauthn::Refused::Challenge.to_string()).await;
    };
    if issued_to.as_deref() != Some(member.id.as_str()) {
        return refuse(webauthn::Refused::Challenge.to_string()).await;
    }
    let new = match webauthn::verify_registration(&relying_party(&app), &challenge, &credential) {
        Ok(n) => n,
        Err(e) => return refuse(e.to_string()).await,
    };
    let actor = actor_of(&app, &staff.session).await?;
    let public_key = URL_SAFE_NO_PAD.encode(&new.public_key);
    let key = NewPasskey {
        credential_id: &new.id,
        public_key: &public_key,
        alg: new.alg,
        sign_count: new.sign_count,
        name,
    };
    match app.store.add_passkey(&actor, &member.id, &key).await? {
        Registration::Added(_) => {
            Ok(Redirect::to("/newsroom/profile?notice=passkey-added").into_response())
        }
        Registration::Known => {
            refuse("This passkey is registered already. Your list below shows it.".into()).await
        }
        Registration::TooMany => {
            refuse(format!(
                "You have {} passkeys, the most one may hold. Remove one you no longer use first.",
                masthead_store::passkeys::MAX_PASSKEYS
            ))
            .await
        }
    }
}

/// `POST /newsroom/passkeys/{id}/remove`: removes one of the member's own passkeys.
pub async fn remove(
    State(app): State<AppState>,
    staff: Staff<AnyStaff>,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    let member = member_of(&app, &staff.session).await?;
    let actor = actor_of(&app, &staff.session).await?;
    if !app.store.remove_passkey(&actor, &member.id, &id).await? {
        return Err(WebError::NotFound);
    }
    Ok(Redirect::to("/newsroom/profile?notice=passkey-removed").into_response())
}

/// `POST /newsroom/staff/{id}/reset-passkeys`: an admin removes every passkey of a member (the
/// recovery path for a lost passkey: they sign in by email and register a new one).
pub async fn reset_member(
    State(app): State<AppState>,
    admin: Staff<ManageStaff>,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    let actor = actor_of(&app, &admin.session).await?;
    match app.store.reset_passkeys(&actor, &id).await? {
        Some(_) => Ok(Redirect::to("/newsroom/staff?notice=passkeys-reset").into_response()),
        None => Err(WebError::NotFound),
    }
}

/// `POST /newsroom/settings/passkeys`: turns the requirement on or off (audited as settings
/// are, before and after).
pub async fn require_setting(
    State(app): State<AppState>,
    admin: Staff<RequirePasskeys>,
    CsrfForm(f): CsrfForm<RequireForm>,
) -> Result<Response, WebError> {
    let value = if f.require.is_some() { "1" } else { "0" };
    let actor = actor_of(&app, &admin.session).await?;
    app.store
        .change_settings(&actor, &[(REQUIRE_PASSKEYS, value.to_owned())])
        .await?;
    Ok(Redirect::to("/newsroom/settings?saved=1").into_response())
}
