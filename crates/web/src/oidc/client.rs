//! The HTTP client that talks to providers (discovery, JWKS, the token endpoint): redirects
//! are never followed (a provider's answer cannot send the server elsewhere: SSRF), answers
//! are capped at [`MAX_BODY`] and requests at [`TIMEOUT`], TLS is rustls with ring and the
//! Mozilla roots (webpki-roots), so it behaves the same on every machine.

use std::{future::Future, pin::Pin, time::Duration};

use openidconnect::{AsyncHttpClient, HttpRequest, HttpResponse};

/// The largest answer read from a provider (a discovery document or JWKS is a few KB; an ID
/// token response rarely 10 KB).
pub const MAX_BODY: usize = 64 * 1024;
/// How long a provider has to answer.
pub const TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("provider unreachable: {0}")]
    Unreachable(String),
    #[error("provider answer over {MAX_BODY} bytes")]
    TooLarge,
    #[error("bad request to provider: {0}")]
    Request(String),
}

#[derive(Clone)]
pub struct ProviderHttp {
    client: reqwest::Client,
}

/// Makes ring the process's rustls crypto provider: see [`masthead_jobs::http`].
pub fn install_tls_provider() {
    masthead_jobs::http::install_tls_provider();
}

impl ProviderHttp {
    pub fn new() -> anyhow::Result<Self> {
        Ok(Self {
            client: masthead_jobs::http::outbound_client(TIMEOUT)?,
        })
    }

    async fn send(client: reqwest::Client, req: HttpRequest) -> Result<HttpResponse, HttpError> {
        let (parts, body) = req.into_parts();
        let url = parts.uri.to_string();
        let mut builder = client
            .request(parts.method, url)
            .headers(parts.headers)
            .body(body);
        if parts.version != Default::default() {
            builder = builder.version(parts.version);
        }
        let mut res = builder
            .send()
            .await
            .map_err(|e| HttpError::Unreachable(e.without_url().to_string()))?;
        let mut out = openidconnect::http::Response::builder().status(res.status());
        for (k, v) in res.headers() {
            out = out.header(k, v);
        }
        let mut body = Vec::new();
        while let Some(chunk) = res
            .chunk()
            .await
            .map_err(|e| HttpError::Unreachable(e.without_url().to_string()))?
        {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(HttpError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        out.body(body)
            .map_err(|e| HttpError::Request(e.to_string()))
    }
}

impl<'c> AsyncHttpClient<'c> for ProviderHttp {
    type Error = HttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + Send + Sync + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        // Run on its own task: the future handed back must be Sync, a task's handle is.
        let task = tokio::spawn(Self::send(self.client.clone(), request));
        Box::pin(async move {
            task.await
                .map_err(|e| HttpError::Unreachable(e.to_string()))?
        })
    }
}
