//! Extractors: a handler that names one in its arguments cannot run without what it promises,
//! and the refusal is a ready response (a [`WebError`] the error middleware renders).
//!
//! - [`MaybeReader`]: the session if there is one (pages that differ for signed-in readers).
//!   [`MaybeReader::require`] turns "signed out" into "sign in and come back to this path".
//! - [`SignedIn`]: a signed-in reader, or a redirect to sign in and back to the page (GET).
//! - [`Staff<C>`]: a staff session whose role has the capability `C`; others are sent to sign
//!   in, or told the page is not theirs (403). An editor or admin who must register a passkey
//!   first is sent to their profile from every other staff page.
//! - [`CsrfForm<T>`]: a form body whose request proved it came from a page of this site
//!   ([`super::cookies::csrf_ok`]); else "This form has expired" (403), and nothing changes.
//!   The `csrf` field is read here, so `T` holds only the form's own fields.

use std::marker::PhantomData;

use axum::{
    Form,
    extract::{FromRequest, FromRequestParts, Request},
    http::{Method, StatusCode, header, request::Parts},
};
use masthead_core::Role;
use serde::{Deserialize, de::DeserializeOwned};

use super::{Session, cookies};
use crate::{
    AppState,
    error::{Refusal, WebError},
};

/// The request's session, if it has a live one.
pub struct MaybeReader(pub Option<Session>);

impl MaybeReader {
    /// The session, or "sign in, then come back to `return_to`".
    pub fn require(self, return_to: &str) -> Result<Session, WebError> {
        self.0
            .ok_or_else(|| WebError::SignInFirst(return_to.to_owned()))
    }
}

impl FromRequestParts<AppState> for MaybeReader {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, WebError> {
        Ok(Self(app.session(&parts.headers).await?))
    }
}

/// A signed-in reader (see the module docs).
pub struct SignedIn(pub Session);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, WebError> {
        let back = if parts.method == Method::GET {
            parts
                .uri
                .path_and_query()
                .map_or("/", |p| p.as_str())
                .to_owned()
        } else {
            "/".to_owned()
        };
        MaybeReader::from_request_parts(parts, app)
            .await?
            .require(&back)
            .map(Self)
    }
}

/// What a staff page requires of the staff member's role.
pub trait Capability: Send + Sync + 'static {
    /// Where a signed-out visitor returns after signing in.
    const HOME: &'static str;
    /// The 403 page for a role without the capability.
    const DENIED_TITLE: &'static str;
    const DENIED_MESSAGE: &'static str;
    /// The page is where a member who must register a passkey first does so (their profile):
    /// it opens for them; other staff pages send them there (`masthead_store::passkeys`).
    const PASSKEY_SETUP: bool = false;

    fn allows(role: Role) -> bool;
}

/// Moderating comments: admins, editors and moderators.
pub struct Moderate;

impl Capability for Moderate {
    const HOME: &'static str = "/newsroom/comments";
    const DENIED_TITLE: &'static str = "For moderators only";
    const DENIED_MESSAGE: &'static str = "This page is for the newsroom's moderators. If you should have access, ask an editor to add your address as staff.";

    fn allows(role: Role) -> bool {
        role.can_moderate()
    }
}

/// Writing articles in the newsroom: admins, editors, authors and contributors (what each may
/// do to one article is `masthead_core::Role::may`).
pub struct Write;

impl Capability for Write {
    const HOME: &'static str = "/newsroom";
    const DENIED_TITLE: &'static str = "For the newsroom's writers";
    const DENIED_MESSAGE: &'static str = "This page is for staff who write and edit articles. If you should have access, ask an admin to change your role.";

    fn allows(role: Role) -> bool {
        role.can_write()
    }
}

/// A staff session whose role has the capability `C`. The standing comes from the session
/// (opened under the staff sign-in rules), never from the reader's address alone.
/// (The role is `session.staff`.)
pub struct Staff<C> {
    pub session: Session,
    capability: PhantomData<C>,
}

impl<C: Capability> FromRequestParts<AppState> for Staff<C> {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, WebError> {
        let session = MaybeReader::from_request_parts(parts, app)
            .await?
            .require(C::HOME)?;
        match session.staff {
            Some(role) if C::allows(role) => {
                if !C::PASSKEY_SETUP && must_register_passkey(app, &session, role).await? {
                    return Err(Refusal::new(
                        StatusCode::FORBIDDEN,
                        "Register a passkey first",
                        "Editors and admins of this newsroom sign in with a passkey. Register yours on your profile page; then every newsroom page opens for you.",
                        ("/newsroom/profile", "Register a passkey"),
                    )
                    .into());
                }
                Ok(Self {
                    session,
                    capability: PhantomData,
                })
            }
            _ => Err(Refusal::new(
                StatusCode::FORBIDDEN,
                C::DENIED_TITLE,
                C::DENIED_MESSAGE,
                ("/", "Back to the front page"),
            )
            .into()),
        }
    }
}

/// An editor or admin under the passkey requirement who has no passkey yet (one query, on
/// staff pages only: the requirement can be switched on at any moment).
async fn must_register_passkey(
    app: &AppState,
    session: &super::Session,
    role: Role,
) -> Result<bool, WebError> {
    if !masthead_store::passkeys::requirement_applies_to(role) {
        return Ok(false);
    }
    let Ok(email) = masthead_core::EmailAddress::parse(&session.email) else {
        return Ok(false);
    };
    Ok(app.store.must_register_passkey(&email, role).await?)
}

#[derive(Deserialize)]
struct WithCsrf<T> {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    form: T,
}

/// A form from a page of this site (see the module docs).
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = WebError;

    async fn from_request(req: Request, app: &AppState) -> Result<Self, WebError> {
        let headers = req.headers().clone();
        let Form(f) = Form::<WithCsrf<T>>::from_request(req, app)
            .await
            .map_err(|_| {
                WebError::BadRequest(
                    "The form could not be read (was it sent from this site's form?). Please go back and try again."
                        .into(),
                )
            })?;
        if !cookies::csrf_ok(&headers, &f.csrf, app.secure_cookies()) {
            // Back to the page the form was on, when the browser says which (same site only).
            let back = headers
                .get(header::REFERER)
                .and_then(|r| r.to_str().ok())
                .and_then(|r| {
                    let host = headers.get(header::HOST)?.to_str().ok()?;
                    let rest = r.split_once("://")?.1.strip_prefix(host)?;
                    Some(crate::account::safe_return_to(Some(rest)))
                })
                .unwrap_or_else(|| "/".to_owned());
            return Err(Refusal::new(
                StatusCode::FORBIDDEN,
                "This form has expired",
                "For your security, the form could not be accepted. Please go back, reload the page and try again. Nothing was changed.",
                (&back, "Back to the page"),
            )
            .into());
        }
        Ok(Self(f.form))
    }
}
