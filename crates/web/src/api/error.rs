//! The APIs' one error shape and its policy: `{"error": {"code", "message", "field"}}` with a
//! precise status, for every failure under `/api/`, whatever produced it.
//!
//! - Our own refusals are [`ApiError`]s: 400 `malformed` (a body or query that cannot be
//!   parsed), 415 `unsupported_media_type` (a body that is not `application/json`), 422
//!   `invalid` with the `field` (a value of the wrong type or out of range, an unknown field), 401
//!   `unauthorized` (no key, a bad or revoked one; with `WWW-Authenticate: Bearer`), 403
//!   `forbidden` (a key whose role may not do this), 404 `not_found`, 409 `conflict` (a stale
//!   revision, a taken slug), 413 `too_large`, 429 `rate_limited` (with `Retry-After`).
//! - Axum's extractors answer in plain text: [`ApiJson`], [`ApiQuery`] and [`ApiPath`] wrap
//!   them and turn each rejection into the JSON error.
//! - Responses made outside the API's handlers (the router's 405, the body limit's 413, a
//!   timeout, a panic's 500) are rewritten as JSON by [`json_errors`] and the `observe`
//!   middleware ([`rewrite_outer`]).
//! - `Internal` (database, I/O) is logged with its cause and answered as a plain 500
//!   `internal` with no cause; a database error is never a 4xx.

use axum::{
    extract::{FromRequest, FromRequestParts, Request},
    http::{HeaderValue, StatusCode, header, request::Parts},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde::{Serialize, de::DeserializeOwned};
use utoipa::ToSchema;

use crate::error::WebError;

/// The largest request body the API reads (the site's limit, applied while reading).
pub const BODY_LIMIT: usize = 1024 * 1024;

/// The error body: `{"error": {...}}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// A stable, machine-readable code: `malformed`, `unsupported_media_type`, `invalid`,
    /// `unauthorized`, `forbidden`, `not_found`, `method_not_allowed`, `conflict`,
    /// `too_large`, `rate_limited`, `internal`.
    pub code: String,
    /// What went wrong and what to do, for people.
    pub message: String,
    /// The field (body or query parameter) at fault, when there is one.
    pub field: Option<String>,
}

#[derive(Debug)]
pub enum ApiError {
    Refused {
        status: StatusCode,
        code: &'static str,
        message: String,
        field: Option<String>,
        retry_after: Option<u64>,
    },
    Internal(anyhow::Error),
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self::Refused {
            status,
            code,
            message: message.into(),
            field: None,
            retry_after: None,
        }
    }

    /// 422: `field` has a value we cannot accept.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Refused {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "invalid",
            message: message.into(),
            field: Some(field.into()),
            retry_after: None,
        }
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("There is no {what} here: check the id or slug."),
        )
    }

    pub fn malformed(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "malformed", message)
    }

    pub fn conflict(field: Option<&str>, message: impl Into<String>) -> Self {
        Self::Refused {
            status: StatusCode::CONFLICT,
            code: "conflict",
            message: message.into(),
            field: field.map(str::to_owned),
            retry_after: None,
        }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn rate_limited(retry_after: u64, message: impl Into<String>) -> Self {
        Self::Refused {
            status: StatusCode::TOO_MANY_REQUESTS,
            code: "rate_limited",
            message: message.into(),
            field: None,
            retry_after: Some(retry_after.max(1)),
        }
    }

    pub fn too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!(
                "The body is over {} KB, the most the API accepts: nothing was saved. Send a \
                 smaller body (an article body can have at most 400 KB).",
                BODY_LIMIT / 1024
            ),
        )
    }

    pub fn with_field(mut self, f: impl Into<String>) -> Self {
        if let Self::Refused { field, .. } = &mut self {
            *field = Some(f.into());
        }
        self
    }
}

impl From<WebError> for ApiError {
    fn from(e: WebError) -> Self {
        match e {
            WebError::NotFound => Self::not_found("such resource"),
            WebError::BadRequest(m) => Self::malformed(m),
            WebError::Refused(r) => Self::Refused {
                status: r.status,
                code: match r.status {
                    StatusCode::TOO_MANY_REQUESTS => "rate_limited",
                    StatusCode::FORBIDDEN => "forbidden",
                    StatusCode::NOT_FOUND => "not_found",
                    StatusCode::CONFLICT => "conflict",
                    _ => "refused",
                },
                message: r.message,
                field: None,
                retry_after: r.retry_after.map(u64::from),
            },
            WebError::SignInFirst(_) => Self::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Send an API key: Authorization: Bearer mh_…",
            ),
            WebError::Internal(e) => Self::Internal(e),
        }
    }
}

impl From<masthead_store::StoreError> for ApiError {
    fn from(e: masthead_store::StoreError) -> Self {
        Self::Internal(e.into())
    }
}

pub fn error_response(
    status: StatusCode,
    code: &str,
    message: String,
    field: Option<String>,
) -> Response {
    let body = ErrorBody {
        error: ErrorDetail {
            code: code.to_owned(),
            message,
            field,
        },
    };
    let json = serde_json::to_vec(&body).unwrap_or_else(|_| b"{}".to_vec());
    let mut res = (status, json).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if status == StatusCode::UNAUTHORIZED {
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"masthead\""),
        );
    }
    res
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Refused {
                status,
                code,
                message,
                field,
                retry_after,
            } => {
                let mut res = error_response(status, code, message, field);
                if let Some(secs) = retry_after {
                    res.headers_mut()
                        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
                }
                res
            }
            ApiError::Internal(e) => {
                tracing::error!(error = format!("{e:#}"), "API request failed");
                error_response(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Something went wrong on our side. Please try again in a moment.".into(),
                    None,
                )
            }
        }
    }
}

/// The field a serde error names (`"unknown field `x`"`, `"invalid type … at line …"` with a
/// path), for the `field` of a 422.
fn serde_field(path: &str) -> Option<String> {
    (!path.is_empty() && path != ".").then(|| path.to_owned())
}

/// The wrapped error message of serde, without the location noise for people.
fn unknown_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    Some(rest.split('`').next()?.to_owned())
}

/// The field serde names in "missing field `x`" (its path is the object that lacks it).
fn missing_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("missing field `")?;
    Some(rest.split('`').next()?.to_owned())
}

/// A JSON body: `application/json`, at most [`BODY_LIMIT`] (counted while reading), parsed
/// into `T` (which denies unknown fields). Each failure is its JSON error.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _: &S) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|m| {
                let m = m.trim().to_ascii_lowercase();
                m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
            });
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Send the body as JSON, with Content-Type: application/json.",
            ));
        }
        let bytes = axum::body::to_bytes(req.into_body(), BODY_LIMIT)
            .await
            .map_err(|_| ApiError::too_large())?;
        let de = &mut serde_json::Deserializer::from_slice(&bytes);
        match serde_path_to_error::deserialize::<_, T>(de) {
            Ok(v) => Ok(Self(v)),
            Err(e) => {
                let path = e.path().to_string();
                let inner = e.into_inner();
                use serde_json::error::Category;
                match inner.classify() {
                    Category::Syntax | Category::Eof | Category::Io => Err(ApiError::malformed(
                        format!("The body is not valid JSON ({inner}). Send one JSON object."),
                    )),
                    Category::Data => {
                        let msg = inner.to_string();
                        let field = unknown_field(&msg)
                            .or_else(|| missing_field(&msg))
                            .map(|f| match serde_field(&path) {
                                Some(p) if !p.ends_with(&f) => format!("{p}.{f}"),
                                _ => f,
                            })
                            .or_else(|| serde_field(&path));
                        let message = match field.as_deref() {
                            Some(f) if msg.starts_with("unknown field") => format!(
                                "“{f}” is not a field of this request: remove it (see /api/openapi.json)."
                            ),
                            _ => format!("{}.", msg.split(" at line ").next().unwrap_or(&msg)),
                        };
                        Err(ApiError::Refused {
                            status: StatusCode::UNPROCESSABLE_ENTITY,
                            code: "invalid",
                            message,
                            field,
                            retry_after: None,
                        })
                    }
                }
            }
        }
    }
}

/// Query parameters parsed into `T` (which denies unknown ones); a failure is a 400 naming the
/// parameter.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or_default();
        match serde_urlencoded::from_str::<T>(query) {
            Ok(v) => Ok(Self(v)),
            Err(e) => {
                let msg = e.to_string();
                let field = unknown_field(&msg);
                Err(ApiError::Refused {
                    status: StatusCode::BAD_REQUEST,
                    code: "malformed",
                    message: match &field {
                        Some(f) if msg.starts_with("unknown field") => {
                            format!("“{f}” is not a parameter of this request: remove it.")
                        }
                        Some(f) => format!("The parameter “{f}” could not be read: {msg}."),
                        None => format!("The query could not be read: {msg}."),
                    },
                    field,
                    retry_after: None,
                })
            }
        }
    }
}

/// Path parameters; a failure is a 404 (a path that names nothing we have).
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Self(p.0))
            .map_err(|_| ApiError::not_found("such resource"))
    }
}

/// Inside the API's routes: an error response that is not JSON already (the router's 405, an
/// extractor we do not wrap) becomes the JSON error for its status.
pub async fn json_errors(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    rewrite(res)
}

fn is_json(res: &Response) -> bool {
    res.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

fn rewrite(res: Response) -> Response {
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(&res) {
        return res;
    }
    let (code, message) = match status {
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            "This path does not take that method: see /api/openapi.json.",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => return ApiError::too_large().into_response(),
        StatusCode::NOT_FOUND => (
            "not_found",
            "There is nothing at this path: see /api/openapi.json.",
        ),
        StatusCode::REQUEST_TIMEOUT => (
            "timeout",
            "The request took too long: nothing was changed. Try again.",
        ),
        StatusCode::NOT_IMPLEMENTED => ("not_implemented", "That method is not one we know."),
        s if s.is_server_error() => (
            "internal",
            "Something went wrong on our side. Please try again in a moment.",
        ),
        _ => ("refused", "The request was refused."),
    };
    let retry_after = res.headers().get(header::RETRY_AFTER).cloned();
    let mut out = error_response(status, code, message.to_owned(), None);
    if let Some(v) = retry_after {
        out.headers_mut().insert(header::RETRY_AFTER, v);
    }
    out
}

/// For the `observe` middleware: a response to a request under `/api/` that was made outside
/// the API's routes (the body limit's 413, a timeout, a panic) becomes the JSON error instead
/// of the themed page.
pub fn rewrite_outer(res: Response) -> Response {
    let mut res = rewrite(res);
    res.extensions_mut().remove::<crate::error::ErrorPage>();
    res
}
