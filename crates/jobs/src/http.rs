//! The HTTP client for servers the operator names (OpenID providers, a WebSub hub): redirects
//! are never followed (an answer cannot send the server elsewhere: SSRF), every request has a
//! time limit, TLS is rustls with ring and the Mozilla roots (webpki-roots), so it behaves the
//! same on every machine.

use std::{sync::Arc, time::Duration};

/// Makes ring the process's rustls crypto provider (reqwest is built without one of its own,
/// so that no second crypto library is linked). Idempotent; every HTTP client of the process,
/// tests' included, needs it to have run before it is built.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A client with `timeout` for connecting and for each request.
pub fn outbound_client(timeout: Duration) -> anyhow::Result<reqwest::Client> {
    install_tls_provider();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(timeout)
        .use_preconfigured_tls(tls)
        .user_agent("Masthead")
        .build()?)
}
