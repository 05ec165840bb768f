//! A crafted OpenID provider on loopback for the misbehaviours a well-made provider will not
//! commit on request: an axum server that serves discovery, keys, an authorization endpoint
//! that approves at once, and a token endpoint whose ID token is made wrong in the way the
//! test asks ([`Mode`]). Tokens are signed with a test RSA key (`tests/fake-idp/`), or with
//! the client secret (HS256), or not at all (`alg: none`).

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
};

use axum::{
    Form, Json, Router,
    extract::{Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64};
use openidconnect::{
    JsonWebKeyId, PrivateSigningKey,
    core::{CoreHmacKey, CoreJwsSigningAlgorithm, CoreRsaPrivateSigningKey},
};
use serde_json::{Value, json};

/// How the provider misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A correct provider (the other modes differ from it in one way).
    Good,
    WrongIssuer,
    WrongAudience,
    Expired,
    /// An unsigned token (`alg: none`).
    AlgNone,
    /// HS256 keyed with the client secret.
    Hs256,
    /// The nonce of the first flow it saw, whatever the flow.
    ReplayedNonce,
    /// A 100 KB claim in the ID token.
    HugeClaim,
    /// Signed with a key it does not publish.
    UnknownKey,
    /// The token endpoint answers with a redirect.
    RedirectToken,
    /// The discovery document is not JSON.
    MalformedDiscovery,
    /// The JWKS has no keys.
    EmptyJwks,
    /// The discovery document answers with a redirect.
    RedirectDiscovery,
}

struct Shared {
    issuer: String,
    mode: Mutex<Mode>,
    /// Nonces by code, and the first nonce ever seen.
    codes: Mutex<HashMap<String, String>>,
    first_nonce: Mutex<Option<String>>,
    key: CoreRsaPrivateSigningKey,
    other_key: CoreRsaPrivateSigningKey,
    /// Requests to where the redirects point (must stay 0: redirects are not followed).
    redirected: AtomicUsize,
}

pub struct FakeIdp {
    pub issuer: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeIdp {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn key(kid: &str) -> CoreRsaPrivateSigningKey {
    let pem = include_str!("../../fake-idp/rsa-test-key.pem");
    CoreRsaPrivateSigningKey::from_pem(pem, Some(JsonWebKeyId::new(kid.into()))).unwrap()
}

impl FakeIdp {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let shared = Arc::new(Shared {
            issuer: issuer.clone(),
            mode: Mutex::new(Mode::Good),
            codes: Mutex::default(),
            first_nonce: Mutex::default(),
            key: key("test-key"),
            // The same key material under a kid the JWKS does not list.
            other_key: key("unpublished-key"),
            redirected: AtomicUsize::new(0),
        });
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/auth", get(authorize))
            .route("/token", post(token))
            .route("/elsewhere", get(elsewhere).post(elsewhere))
            .with_state(shared.clone());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            issuer,
            shared,
            task,
        }
    }

    pub fn set(&self, mode: Mode) {
        *self.shared.mode.lock().unwrap() = mode;
    }

    /// How many requests followed one of its redirects.
    pub fn redirects_followed(&self) -> usize {
        self.shared.redirected.load(Ordering::SeqCst)
    }
}

fn mode(s: &Shared) -> Mode {
    *s.mode.lock().unwrap()
}

async fn discovery(State(s): State<Arc<Shared>>) -> Response {
    let i = &s.issuer;
    match mode(&s) {
        Mode::MalformedDiscovery => (
            [(header::CONTENT_TYPE, "application/json")],
            "{\"issuer\": \"oops",
        )
            .into_response(),
        Mode::RedirectDiscovery => Redirect::temporary(&format!("{i}/elsewhere")).into_response(),
        _ => Json(json!({
            "issuer": i,
            "authorization_endpoint": format!("{i}/auth"),
            "token_endpoint": format!("{i}/token"),
            "jwks_uri": format!("{i}/jwks"),
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }))
        .into_response(),
    }
}

async fn jwks(State(s): State<Arc<Shared>>) -> Json<Value> {
    if mode(&s) == Mode::EmptyJwks {
        return Json(json!({ "keys": [] }));
    }
    Json(json!({ "keys": [serde_json::to_value(s.key.as_verification_key()).unwrap()] }))
}

async fn elsewhere(State(s): State<Arc<Shared>>) -> StatusCode {
    s.redirected.fetch_add(1, Ordering::SeqCst);
    StatusCode::NOT_FOUND
}

/// Approves at once: back to the redirect URI with a code that remembers the nonce.
async fn authorize(
    State(s): State<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let nonce = q.get("nonce").cloned().unwrap_or_default();
    s.first_nonce.lock().unwrap().get_or_insert(nonce.clone());
    let code = format!("code-{}", masthead_core::secret::random_token());
    s.codes.lock().unwrap().insert(code.clone(), nonce);
    let to = format!(
        "{}?{}",
        q.get("redirect_uri").cloned().unwrap_or_default(),
        serde_urlencoded::to_string([
            ("code", code.as_str()),
            ("state", q.get("state").map_or("", String::as_str)),
        ])
        .unwrap()
    );
    Redirect::to(&to).into_response()
}

async fn token(State(s): State<Arc<Shared>>, Form(f): Form<HashMap<String, String>>) -> Response {
    let m = mode(&s);
    if m == Mode::RedirectToken {
        return Redirect::temporary(&format!("{}/elsewhere", s.issuer)).into_response();
    }
    let code = f.get("code").cloned().unwrap_or_default();
    let Some(mut nonce) = s.codes.lock().unwrap().remove(&code) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": "invalid_grant" })),
        )
            .into_response();
    };
    if m == Mode::ReplayedNonce {
        nonce = s.first_nonce.lock().unwrap().clone().unwrap_or_default();
    }
    let now = masthead_store::now_ms() / 1000;
    let mut claims = json!({
        "iss": s.issuer, "sub": "frank", "aud": "masthead",
        "exp": now + 300, "iat": now, "nonce": nonce,
        "email": "frank@example.org", "email_verified": true,
    });
    match m {
        Mode::WrongIssuer => claims["iss"] = json!("https://evil.example"),
        Mode::WrongAudience => claims["aud"] = json!("other-site"),
        Mode::Expired => {
            claims["exp"] = json!(now - 3600);
            claims["iat"] = json!(now - 7200);
        }
        Mode::HugeClaim => claims["name"] = json!("x".repeat(100 * 1024)),
        _ => {}
    }
    let id_token = sign(&s, m, &claims);
    Json(json!({ "access_token": "at", "token_type": "Bearer", "expires_in": 300, "id_token": id_token }))
        .into_response()
}

fn sign(s: &Shared, m: Mode, claims: &Value) -> String {
    let (alg, kid) = match m {
        Mode::AlgNone => ("none", None),
        Mode::Hs256 => ("HS256", None),
        Mode::UnknownKey => ("RS256", Some("unpublished-key")),
        _ => ("RS256", Some("test-key")),
    };
    let mut header = json!({ "alg": alg, "typ": "JWT" });
    if let Some(kid) = kid {
        header["kid"] = json!(kid);
    }
    let input = format!(
        "{}.{}",
        B64.encode(header.to_string()),
        B64.encode(claims.to_string())
    );
    let signature = match m {
        Mode::AlgNone => Vec::new(),
        Mode::Hs256 => CoreHmacKey::new("masthead-secret")
            .sign(&CoreJwsSigningAlgorithm::HmacSha256, input.as_bytes())
            .unwrap(),
        Mode::UnknownKey => s
            .other_key
            .sign(
                &CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
                input.as_bytes(),
            )
            .unwrap(),
        _ => s
            .key
            .sign(
                &CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
                input.as_bytes(),
            )
            .unwrap(),
    };
    format!("{input}.{}", B64.encode(signature))
}
