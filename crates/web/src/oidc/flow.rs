//! Starting a sign-in with a provider and finishing it on the callback (see the module docs).

use axum::{
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use base64::Engine;
use masthead_core::{EmailAddress, secret};
use masthead_store::{
    identities::{FLOW_VALID_MS, IdentitySignIn, NewOidcFlow, VerifiedIdentity},
    sign_in::{NewSession, SessionLengths},
};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
    core::{CoreAuthenticationFlow, CoreClient},
};
use serde::Deserialize;

use super::{ALLOWED_ALGS, Provider};
use crate::{
    AppState,
    account::{SESSION_DAYS, safe_return_to},
    client_ip::ClientIp,
    error::{Refusal, WebError},
    session::{CsrfForm, cookies},
};

/// The cookie of a first sign-in waiting on the confirmation page.
pub(super) const WELCOME_COOKIE: &str = "mh_oidc_welcome";

/// What can go wrong talking to a provider or with its answer. Each becomes a page with the
/// email sign-in as the way on; the detail is logged, not shown.
#[derive(Debug)]
pub(super) enum FlowError {
    /// The provider could not be reached or its discovery document / keys were unusable.
    Discovery(String),
    /// The answer to the callback was unusable (state, code, token).
    Callback(&'static str, String),
}

impl FlowError {
    pub(super) fn from_discovery<E: std::error::Error>(e: &E) -> Self {
        let mut msg = e.to_string();
        let mut source = e.source();
        while let Some(s) = source {
            msg.push_str(": ");
            msg.push_str(&s.to_string());
            source = s.source();
        }
        FlowError::Discovery(msg)
    }

    fn into_web(self, provider_name: &str) -> WebError {
        match self {
            FlowError::Discovery(detail) => {
                tracing::warn!(provider = provider_name, %detail, "OpenID provider unavailable");
                Refusal::new(
                    StatusCode::BAD_REQUEST,
                    "That sign-in service is not answering",
                    format!("We could not reach {provider_name} just now, or it gave an answer we could not use. Please try again later, or sign in with your email address: we will send you a link."),
                    ("/sign-in", "Sign in with email"),
                )
                .into()
            }
            FlowError::Callback(why, detail) => {
                tracing::info!(provider = provider_name, %detail, why, "OpenID sign-in refused");
                Refusal::new(
                    StatusCode::BAD_REQUEST,
                    "We could not sign you in",
                    format!("{why} Please start again from the sign-in page, or sign in with your email address: we will send you a link."),
                    ("/sign-in", "Sign in with email"),
                )
                .into()
            }
        }
    }
}

fn unknown_provider() -> WebError {
    Refusal::new(
        StatusCode::NOT_FOUND,
        "No such sign-in service",
        "This site does not offer that way to sign in. You can sign in with your email address: we will send you a link.",
        ("/sign-in", "Sign in with email"),
    )
    .into()
}

fn redirect_uri(app: &AppState, id: &str) -> Result<RedirectUrl, FlowError> {
    RedirectUrl::new(format!(
        "{}/sign-in/oidc/{id}/callback",
        app.config.public_url
    ))
    .map_err(|e| FlowError::Discovery(format!("redirect URI: {e}")))
}

async fn client_for(
    app: &AppState,
    provider: &Provider,
    refresh: bool,
) -> Result<
    CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    >,
    FlowError,
> {
    let metadata = app.oidc.metadata(provider, refresh).await?;
    let c = &provider.config;
    let secret = (!c.client_secret.is_empty()).then(|| ClientSecret::new(c.client_secret.clone()));
    Ok(
        CoreClient::from_provider_metadata(metadata, ClientId::new(c.client_id.clone()), secret)
            .set_redirect_uri(redirect_uri(app, &c.id)?),
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct StartForm {
    #[serde(default)]
    return_to: Option<String>,
    #[serde(default)]
    wall: Option<String>,
}

/// `POST /sign-in/oidc/{id}`: stores the flow bound to this browser and sends the reader to
/// the provider.
pub async fn start(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    CsrfForm(f): CsrfForm<StartForm>,
) -> Result<Response, WebError> {
    let Some(provider) = app.oidc.provider(&id) else {
        return Err(unknown_provider());
    };
    let name = provider.config.name.clone();
    let client = client_for(&app, provider, false)
        .await
        .map_err(|e| e.into_web(&name))?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let state = secret::random_token();
    let nonce = secret::random_token();
    let mut auth = client.authorize_url(
        CoreAuthenticationFlow::AuthorizationCode,
        {
            let s = state.clone();
            move || CsrfToken::new(s)
        },
        {
            let n = nonce.clone();
            move || Nonce::new(n)
        },
    );
    for scope in &provider.config.scopes {
        auth = auth.add_scope(Scope::new(scope.clone()));
    }
    let (url, _, _) = auth.set_pkce_challenge(challenge).url();
    let secure = app.secure_cookies();
    let (bind, new_bind) = cookies::binding_token(&headers, secure);
    let wall = f.wall.filter(|w| crate::wall::plausible_article_id(w));
    app.store
        .create_oidc_flow(&NewOidcFlow {
            state_hash: app.hash_token(&state),
            provider: provider.config.id.clone(),
            bind_hash: app.hash_token(&bind),
            pkce_verifier: verifier.secret().clone(),
            nonce,
            return_to: safe_return_to(f.return_to.as_deref()),
            wall_article_id: wall.clone(),
            valid_for_ms: FLOW_VALID_MS,
        })
        .await?;
    if let Some(article) = &wall {
        app.wall.registration_started(article);
    }
    let mut res = Redirect::to(url.as_str()).into_response();
    if new_bind {
        res.headers_mut().append(
            header::SET_COOKIE,
            cookies::set(cookies::BIND, &bind, Some(86_400), secure),
        );
    }
    Ok(res)
}

#[derive(Debug, Default, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `GET /sign-in/oidc/{id}/callback`.
pub async fn callback(
    State(app): State<AppState>,
    Path(id): Path<String>,
    peer: ClientIp,
    headers: HeaderMap,
    Query(q): Query<CallbackQuery>,
) -> Result<Response, WebError> {
    let Some(provider) = app.oidc.provider(&id) else {
        return Err(unknown_provider());
    };
    let name = provider.config.name.clone();
    match finish(&app, provider, &peer, &headers, q).await {
        Ok(res) => Ok(res),
        Err(Finish::Flow(e)) => Err(e.into_web(&name)),
        Err(Finish::Web(e)) => Err(e),
    }
}

enum Finish {
    Flow(FlowError),
    Web(WebError),
}

impl From<FlowError> for Finish {
    fn from(e: FlowError) -> Self {
        Finish::Flow(e)
    }
}
impl From<WebError> for Finish {
    fn from(e: WebError) -> Self {
        Finish::Web(e)
    }
}
impl From<masthead_store::StoreError> for Finish {
    fn from(e: masthead_store::StoreError) -> Self {
        Finish::Web(e.into())
    }
}

fn refused(why: &'static str, detail: impl Into<String>) -> Finish {
    Finish::Flow(FlowError::Callback(why, detail.into()))
}

async fn finish(
    app: &AppState,
    provider: &Provider,
    peer: &ClientIp,
    headers: &HeaderMap,
    q: CallbackQuery,
) -> Result<Response, Finish> {
    const STALE: &str = "This sign-in was not started in this browser, was already finished, or took longer than ten minutes.";
    let state = q.state.unwrap_or_default();
    if !secret::looks_like_token(&state) {
        return Err(refused(STALE, "state missing or malformed"));
    }
    // The flow is spent now, whatever follows: a state works once.
    let Some(flow) = app.store.take_oidc_flow(&app.hash_token(&state)).await? else {
        return Err(refused(STALE, "no live flow for this state"));
    };
    let bound = cookies::get(headers, cookies::BIND, app.secure_cookies())
        .filter(|t| secret::looks_like_token(t))
        .is_some_and(|t| secret::secrets_equal(&app.hash_token(t), &flow.bind_hash));
    if !bound || flow.provider != provider.config.id {
        return Err(refused(STALE, "flow of another browser or provider"));
    }
    if let Some(error) = q.error {
        return Err(refused(
            "The sign-in was cancelled or refused at the provider.",
            format!("provider error {error:.64}"),
        ));
    }
    let Some(code) = q.code.filter(|c| !c.is_empty() && c.len() <= 2048) else {
        return Err(refused("The provider sent no sign-in code.", "no code"));
    };
    let client = client_for(app, provider, false).await?;
    let token = client
        .exchange_code(AuthorizationCode::new(code))
        .map_err(|e| FlowError::Discovery(e.to_string()))?
        .set_pkce_verifier(PkceCodeVerifier::new(flow.pkce_verifier.clone()))
        .request_async(&app.oidc.http)
        .await
        .map_err(|e| {
            refused(
                "The provider did not accept the sign-in code.",
                e.to_string(),
            )
        })?;
    let Some(id_token) = token.id_token() else {
        return Err(refused("The provider sent no identity.", "no id_token"));
    };
    let nonce = Nonce::new(flow.nonce.clone());
    let verify = |client: &CoreClient<_, _, _, _, _, _>| {
        let verifier = client
            .id_token_verifier()
            .set_allowed_algs(ALLOWED_ALGS.iter().cloned());
        id_token.claims(&verifier, &nonce).cloned()
    };
    let claims = match verify(&client) {
        Ok(c) => c,
        // A key we do not know: the provider may have rotated its keys; fetch them once more.
        Err(openidconnect::ClaimsVerificationError::SignatureVerification(
            openidconnect::SignatureVerificationError::NoMatchingKey,
        )) => {
            let fresh = client_for(app, provider, true).await?;
            verify(&fresh).map_err(|e| {
                refused(
                    "The provider's answer could not be verified.",
                    e.to_string(),
                )
            })?
        }
        Err(e) => {
            return Err(refused(
                "The provider's answer could not be verified.",
                e.to_string(),
            ));
        }
    };
    let issuer = claims.issuer().to_string();
    let subject = claims.subject().to_string();
    let session_token = secret::random_token();
    let session = NewSession {
        id_hash: app.hash_token(&session_token),
        lengths: SessionLengths {
            reader_ms: SESSION_DAYS * 86_400_000,
            staff_ms: app.config.staff_session_hours * 3_600_000,
        },
    };
    match app
        .store
        .sign_in_with_identity(&issuer, &subject, &session)
        .await?
    {
        IdentitySignIn::Unknown => {}
        other => return Ok(signed_in(app, other, &session_token, &flow.return_to)?),
    }
    // Not linked yet: find the account by the address the provider vouches for.
    let Some(email) = claims
        .email()
        .and_then(|e| EmailAddress::parse(e.as_str()).ok())
    else {
        return Err(refused(
            "The provider did not share a usable email address with us.",
            "no email claim",
        ));
    };
    let identity = VerifiedIdentity {
        issuer,
        subject,
        provider: provider.config.id.clone(),
        email: Some(email.clone()),
    };
    let verified = claims.email_verified() == Some(true);
    match app.store.reader_by_email(&email).await? {
        Some(reader) => {
            let extra = verified_payload(id_token);
            let domain = email.as_str().rsplit('@').next().unwrap_or_default();
            if verified && provider.config.trusted_for(domain, &extra) {
                let done = app
                    .store
                    .link_identity_and_sign_in(
                        &reader.id,
                        &identity,
                        &provider.config.name,
                        &session,
                    )
                    .await?;
                app.refresh_sessions_epoch().await?;
                app.jobs_wake.notify_one();
                Ok(signed_in(app, done, &session_token, &flow.return_to)?)
            } else {
                // The provider's word is not enough: the account's address decides.
                Ok(super::link::email_link(
                    app,
                    peer,
                    super::link::LinkByEmail {
                        email,
                        identity,
                        provider_name: &provider.config.name,
                        bind_hash: flow.bind_hash.clone(),
                        return_to: flow.return_to.clone(),
                        wall_article_id: flow.wall_article_id.clone(),
                    },
                )
                .await?)
            }
        }
        None => {
            if !verified {
                return Err(refused(
                    "The provider has not confirmed your email address.",
                    "email_verified not true",
                ));
            }
            let token = secret::random_token();
            app.store
                .create_oidc_pending(
                    &app.hash_token(&token),
                    &identity,
                    &email,
                    &flow.return_to,
                    flow.wall_article_id.as_deref(),
                )
                .await?;
            let mut res = Redirect::to("/sign-in/oidc/welcome").into_response();
            res.headers_mut().append(
                header::SET_COOKIE,
                cookies::set(WELCOME_COOKIE, &token, Some(900), app.secure_cookies()),
            );
            Ok(res)
        }
    }
}

/// The payload of an ID token whose signature was checked, as JSON: for claims the typed
/// ones leave out (Google's `hd`, Entra ID's `xms_edov`).
fn verified_payload(id_token: &openidconnect::core::CoreIdToken) -> serde_json::Value {
    id_token
        .to_string()
        .split('.')
        .nth(1)
        .and_then(|p| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(p)
                .ok()
        })
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// A newsroom account, while admins do not allow providers for staff.
pub(super) fn staff_refusal() -> WebError {
    Refusal::new(
        StatusCode::FORBIDDEN,
        "Newsroom accounts sign in by email",
        "This address belongs to a newsroom account. For its security it signs in with an email link, in the browser where you ask for it.",
        ("/sign-in", "Sign in with email"),
    )
    .into()
}

/// After the store opened (or refused) the session: the cookie and the way back.
pub(super) fn signed_in(
    app: &AppState,
    done: IdentitySignIn,
    session_token: &str,
    return_to: &str,
) -> Result<Response, WebError> {
    match done {
        IdentitySignIn::SignedIn { session_ms, created, .. } => {
            if created {
                metrics::counter!("masthead_registrations_total").increment(1);
            }
            let mut res = Redirect::to(return_to).into_response();
            res.headers_mut().append(
                header::SET_COOKIE,
                cookies::set(
                    cookies::SESSION,
                    session_token,
                    Some(session_ms / 1000),
                    app.secure_cookies(),
                ),
            );
            Ok(res)
        }
        IdentitySignIn::Staff => Err(staff_refusal()),
        IdentitySignIn::PasskeyRequired => Err(Refusal::new(
            StatusCode::FORBIDDEN,
            "Sign in with your passkey",
            "Your newsroom requires editors and admins to sign in with a passkey, and this account has one. Choose “Sign in with a passkey” on the sign-in page.",
            ("/sign-in", "Go to the sign-in page"),
        )
        .into()),
        IdentitySignIn::AddressTaken | IdentitySignIn::Unknown => Err(Refusal::new(
            StatusCode::CONFLICT,
            "You already have an account",
            "An account here already uses this address. Please sign in with your email address: we will send you a link.",
            ("/sign-in", "Sign in with email"),
        )
        .into()),
    }
}
