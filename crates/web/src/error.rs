//! The web layer's one error type, and its policy:
//!
//! - `NotFound` and `BadRequest` are the reader's: they get the theme's error page with the
//!   status (404, 400) and a sentence saying what to do.
//! - `Refused` is a refusal the reader can act on (an expired form, a rate limit, a page for
//!   staff only): its own status, title, message, a link onward and, for limits, `Retry-After`.
//!   Handlers and extractors return it instead of rendering a notice themselves.
//! - `SignInFirst(path)` sends a signed-out reader to sign in, and back to `path` after.
//! - `Internal` (database, template, I/O) is ours: it is logged with its cause and the reader
//!   gets a plain "something went wrong" 500 page, never the cause. A database error is never
//!   turned into a 4xx.
//!
//! Handlers return `Result<_, WebError>`; the response carries an [`ErrorPage`] marker that the
//! `observe` middleware renders with the theme (it has the state; `IntoResponse` does not).

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    BadRequest(String),
    #[error("{}", .0.title)]
    Refused(Box<Refusal>),
    #[error("sign in first")]
    SignInFirst(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// A refusal the reader can act on (see the module docs).
#[derive(Debug, Clone)]
pub struct Refusal {
    pub status: StatusCode,
    pub title: &'static str,
    pub message: String,
    /// Where to go next: (URL, link text).
    pub link: (String, String),
    /// Seconds, for `Retry-After` (rate limits).
    pub retry_after: Option<u32>,
}

impl Refusal {
    pub fn new(
        status: StatusCode,
        title: &'static str,
        message: impl Into<String>,
        link: (&str, &str),
    ) -> Self {
        Self {
            status,
            title,
            message: message.into(),
            link: (link.0.to_owned(), link.1.to_owned()),
            retry_after: None,
        }
    }

    /// 429 with `Retry-After`.
    pub fn too_many(message: impl Into<String>, retry_after: u32, link: (&str, &str)) -> Self {
        Self {
            retry_after: Some(retry_after),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "Please wait a little",
                message,
                link,
            )
        }
    }
}

impl From<Refusal> for WebError {
    fn from(r: Refusal) -> Self {
        Self::Refused(Box::new(r))
    }
}

/// `/sign-in?return_to=…` with the path escaped where it needs to be (slashes stay readable).
pub fn sign_in_url(return_to: &str) -> String {
    let mut url = String::from("/sign-in?return_to=");
    for b in return_to.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            url.push(char::from(b));
        } else {
            url.push_str(&format!("%{b:02X}"));
        }
    }
    url
}

impl From<masthead_store::StoreError> for WebError {
    fn from(e: masthead_store::StoreError) -> Self {
        Self::Internal(e.into())
    }
}

impl From<minijinja::Error> for WebError {
    fn from(e: minijinja::Error) -> Self {
        Self::Internal(anyhow::anyhow!("template error: {e:#}"))
    }
}

/// What the error page should say; rendered by the middleware.
#[derive(Debug, Clone)]
pub struct ErrorPage {
    pub status: StatusCode,
    pub title: &'static str,
    pub message: String,
    /// A link onward other than the front page: (URL, text).
    pub link: Option<(String, String)>,
}

impl ErrorPage {
    pub fn not_found() -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            title: "Page not found",
            message:
                "We could not find that page. It may have moved, or the address may be mistyped. \
                      Try the front page or search."
                    .into(),
            link: None,
        }
    }

    pub fn internal() -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            title: "Something went wrong",
            message: "Something went wrong on our side. Please try again in a moment.".into(),
            link: None,
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let page = match self {
            WebError::NotFound => ErrorPage::not_found(),
            WebError::BadRequest(message) => ErrorPage {
                status: StatusCode::BAD_REQUEST,
                title: "That request did not make sense",
                message,
                link: None,
            },
            WebError::Refused(r) => {
                let page = ErrorPage {
                    status: r.status,
                    title: r.title,
                    message: r.message,
                    link: Some(r.link),
                };
                let mut res = page.status.into_response();
                if let Some(secs) = r.retry_after {
                    res.headers_mut()
                        .insert(axum::http::header::RETRY_AFTER, secs.into());
                }
                res.extensions_mut().insert(page);
                return res;
            }
            WebError::SignInFirst(path) => {
                return axum::response::Redirect::to(&sign_in_url(&path)).into_response();
            }
            WebError::Internal(e) => {
                tracing::error!(error = format!("{e:#}"), "internal error");
                ErrorPage::internal()
            }
        };
        let mut res = page.status.into_response();
        res.extensions_mut().insert(page);
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_urls_keep_paths_readable_and_escape_the_rest() {
        assert_eq!(
            sign_in_url("/city/a-story/comments"),
            "/sign-in?return_to=/city/a-story/comments"
        );
        assert_eq!(
            sign_in_url("/search?q=a b&x=1"),
            "/sign-in?return_to=/search%3Fq%3Da%20b%26x%3D1"
        );
    }
}
