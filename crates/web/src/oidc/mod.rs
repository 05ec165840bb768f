//! "Or continue with": signing in with OpenID Connect providers (issue 17).
//!
//! Routes: `POST /sign-in/oidc/{id}` (the "Continue with NAME" button, a plain form),
//! `GET /sign-in/oidc/{id}/callback` (the redirect URI registered with the provider:
//! `PUBLIC_URL/sign-in/oidc/{id}/callback`), and `GET`/`POST /sign-in/oidc/welcome` (a first
//! sign-in's confirmation page: terms and the Daily Edition).
//!
//! Decisions:
//! - The flow is the authorization code flow with PKCE (S256), via the `openidconnect` crate,
//!   over our own HTTP client (`client.rs`: no redirects followed, capped answers, rustls).
//! - `state` is a 256-bit token of ours; its hash keys the stored flow (`oidc_flows`) together
//!   with the hash of the browser's binding cookie, the PKCE verifier and the nonce. The
//!   callback takes the flow once (deleted as it is read), checks it is this browser's and this
//!   provider's, and only then spends the code. A replayed ID token carries another flow's nonce.
//! - The provider's discovery document and keys are fetched on first use and kept for an hour
//!   per node; an ID token signed with a key we do not know refetches them once (key rotation).
//! - ID tokens are checked by `openidconnect` (issuer, audience, expiry, nonce, signature) with
//!   the algorithms of [`ALLOWED_ALGS`] only: never `none`, never a MAC keyed with the client
//!   secret.
//! - Identities are keyed by (issuer, subject), never by email (`masthead_store::identities`).
//!   A first sign-in whose address has no account opens a confirmation page (terms, Daily
//!   Edition), which creates the account as email registration does. An address that has an
//!   account is linked automatically only when `email_verified` is the JSON boolean `true`
//!   (a string "true" is not) and the provider is trusted for the address's domain
//!   (`OidcProvider::trusted_for`); otherwise (`link.rs`) a sign-in link is sent to the
//!   account's address, and using it in this browser signs in and links the identity.
//!   Linking and unlinking (`unlink.rs`, from the account page) end the account's other
//!   sessions and email the reader.
//! - Staff accounts sign in with providers only when an admin allows it on
//!   `/newsroom/settings`; then their session is a staff session, as short as by email (the
//!   store's rules, `masthead_store::identities`).
//! - The wall shows the buttons too (the wall's page is cached for every walled reader, so
//!   its forms carry no token and are accepted on same-origin headers, as its email form is);
//!   the flow keeps the article to return to and to count the registration for.
//! - Expired flows and first sign-ins are deleted by [`run_sweeper`] on each serving node.
//! - Whatever goes wrong with a provider (down, a broken answer, a refused token) ends on a
//!   page that says so in plain words and offers the email sign-in; never a 5xx.

mod client;
pub mod config;
mod flow;
mod link;
mod unlink;
mod welcome;

use std::time::{Duration, Instant};

use axum::{
    Router,
    routing::{get, post},
};
use openidconnect::{IssuerUrl, core::CoreProviderMetadata};
use tokio::sync::RwLock;

pub use client::install_tls_provider;
pub use config::{OidcProvider, OidcSettings, Preset};
pub(crate) use link::resend_link;

use crate::AppState;

/// Signature algorithms accepted on ID tokens.
pub const ALLOWED_ALGS: &[openidconnect::core::CoreJwsSigningAlgorithm] = {
    use openidconnect::core::CoreJwsSigningAlgorithm as A;
    &[
        A::RsaSsaPkcs1V15Sha256,
        A::RsaSsaPssSha256,
        A::EcdsaP256Sha256,
        A::EdDsa,
    ]
};

/// How long a provider's discovery document and keys are used before they are fetched again.
pub const METADATA_TTL: Duration = Duration::from_secs(3600);

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/sign-in/oidc/welcome",
            get(welcome::welcome_page).post(welcome::welcome_submit),
        )
        .route("/sign-in/oidc/{id}", post(flow::start))
        .route("/sign-in/oidc/{id}/callback", get(flow::callback))
        .route("/account/providers/unlink", post(unlink::unlink))
}

/// How often each serving node deletes expired flows and first sign-ins.
pub const SWEEP_EVERY: Duration = Duration::from_secs(300);

/// Deletes expired flows and first sign-ins every [`SWEEP_EVERY`] until `stop` turns true
/// (each node runs one; the deletes are idempotent, so nodes need not take turns).
pub async fn run_sweeper(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(SWEEP_EVERY);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
        match state.store.prune_oidc(masthead_store::now_ms()).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(rows = n, "expired OpenID sign-ins deleted"),
            Err(e) => tracing::warn!(error = %e, "deleting expired OpenID sign-ins failed"),
        }
    }
}

/// One provider at run time: its configuration and its cached metadata.
struct Provider {
    config: OidcProvider,
    metadata: RwLock<Option<(CoreProviderMetadata, Instant)>>,
}

/// The configured providers and the client that talks to them (a sub-state of the app).
pub struct Oidc {
    providers: Vec<Provider>,
    http: client::ProviderHttp,
}

/// The providers linked to a reader's account, for the account page: each with the
/// configured provider's name (its id if it is no longer configured) and the address it gave.
pub async fn linked_for_display(
    app: &AppState,
    reader_id: &str,
) -> Result<Vec<Linked>, crate::error::WebError> {
    let buttons = app.oidc.buttons();
    Ok(app
        .store
        .identities_of(reader_id)
        .await?
        .into_iter()
        .map(|i| Linked {
            name: buttons
                .iter()
                .find(|b| b.id == i.provider)
                .map_or_else(|| i.provider.clone(), |b| b.name.clone()),
            email: i.email,
            issuer: i.issuer,
            subject: i.subject,
        })
        .collect())
}

/// A linked provider as the account page shows it.
#[derive(Debug, serde::Serialize)]
pub struct Linked {
    pub name: String,
    pub email: Option<String>,
    /// With `subject`, what the unlink form names.
    pub issuer: String,
    pub subject: String,
}

/// What the sign-in pages need to draw a provider's button.
#[derive(Debug, serde::Serialize)]
pub struct Button {
    pub id: String,
    pub name: String,
}

impl Oidc {
    pub fn new(configs: &[OidcProvider]) -> anyhow::Result<Self> {
        Ok(Self {
            providers: configs
                .iter()
                .map(|c| Provider {
                    config: c.clone(),
                    metadata: RwLock::new(None),
                })
                .collect(),
            http: client::ProviderHttp::new()?,
        })
    }

    /// The buttons of the configured providers, in configuration order.
    pub fn buttons(&self) -> Vec<Button> {
        self.providers
            .iter()
            .map(|p| Button {
                id: p.config.id.clone(),
                name: p.config.name.clone(),
            })
            .collect()
    }

    fn provider(&self, id: &str) -> Option<&Provider> {
        self.providers.iter().find(|p| p.config.id == id)
    }

    /// The provider's metadata (discovery and keys), from this node's cache or fetched;
    /// `refresh` fetches it again whatever the cache holds.
    async fn metadata(
        &self,
        provider: &Provider,
        refresh: bool,
    ) -> Result<CoreProviderMetadata, flow::FlowError> {
        if !refresh
            && let Some((m, at)) = provider.metadata.read().await.as_ref()
            && at.elapsed() < METADATA_TTL
        {
            return Ok(m.clone());
        }
        let issuer = IssuerUrl::new(provider.config.issuer.clone())
            .map_err(|e| flow::FlowError::Discovery(e.to_string()))?;
        let m = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| flow::FlowError::from_discovery(&e))?;
        if m.jwks().keys().is_empty() {
            return Err(flow::FlowError::Discovery(
                "the provider publishes no keys".into(),
            ));
        }
        *provider.metadata.write().await = Some((m.clone(), Instant::now()));
        Ok(m)
    }
}
