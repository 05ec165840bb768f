//! The web layer's one error type, and its policy:
//!
//! - `NotFound` and `BadRequest` are the reader's: they get the theme's error page with the
//!   status (404, 400) and a sentence saying what to do.
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
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
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
        }
    }

    pub fn internal() -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            title: "Something went wrong",
            message: "Something went wrong on our side. Please try again in a moment.".into(),
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
            },
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
