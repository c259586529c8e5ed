//! One error type for every HTML handler. A user's mistake (unknown page, bad parameter)
//! gets its own status and a page that says what went wrong; anything else is logged and
//! becomes a generic 500 page that leaks no detail.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::layout::Layout;
use super::params::ParamProblem;

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Nothing here: the argument says what was looked for ("event", "page").
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A query parameter is wrong.
    #[error("bad request")]
    BadRequest(Vec<ParamProblem>),
    #[error("database error: {0}")]
    Database(sqlx::Error),
    #[error("template error: {0}")]
    Template(#[from] askama::Error),
    /// A method other than GET or HEAD: everything here is read-only.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// A request body where none is expected.
    #[error("request body not allowed")]
    BodyNotAllowed,
    /// The request target is longer than [`super::limits::MAX_URI_BYTES`].
    #[error("URI too long")]
    UriTooLong(usize),
    /// Too many requests in flight: shed rather than queued without bound.
    #[error("overloaded")]
    Overloaded,
    /// A request took longer than [`super::middleware::REQUEST_TIMEOUT`].
    #[error("timed out")]
    TimedOut,
    /// A failure already logged where it happened (a caught panic).
    #[error("internal error")]
    Internal,
}

impl From<sqlx::Error> for AppError {
    /// A statement stopped by its request's budget is the request taking too long (503
    /// with `Retry-After`), not a fault of the server.
    fn from(err: sqlx::Error) -> Self {
        if crate::db::budget::is_interrupted(&err) {
            tracing::warn!("a request's statements ran past its budget");
            AppError::TimedOut
        } else {
            AppError::Database(err)
        }
    }
}

impl AppError {
    /// Why, in a sentence a reader or a program can act on (for the limits and faults that
    /// have no page of their own).
    pub fn detail(&self) -> String {
        match self {
            AppError::MethodNotAllowed => {
                "This site is read-only: only GET and HEAD requests are answered.".to_string()
            }
            AppError::BodyNotAllowed => {
                "This address takes no request body; send the request without one.".to_string()
            }
            AppError::UriTooLong(len) => format!(
                "The address is {len} bytes long; at most {} are accepted.",
                super::limits::MAX_URI_BYTES
            ),
            AppError::Overloaded => {
                "The server is busy with other requests. Please try again in a moment.".to_string()
            }
            AppError::TimedOut => {
                "The request took too long to answer. Please try again, or narrow the view."
                    .to_string()
            }
            _ => "The server could not answer this request. Please try again in a moment."
                .to_string(),
        }
    }

    /// Headers the status calls for: `Allow` with 405, `Retry-After` with 503.
    pub fn extra_headers(&self) -> Vec<(axum::http::HeaderName, &'static str)> {
        match self {
            AppError::MethodNotAllowed => vec![(axum::http::header::ALLOW, "GET, HEAD")],
            AppError::Overloaded | AppError::TimedOut => {
                vec![(axum::http::header::RETRY_AFTER, "1")]
            }
            _ => Vec::new(),
        }
    }

    /// The HTTP status for this error.
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::BodyNotAllowed => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UriTooLong(_) => StatusCode::URI_TOO_LONG,
            AppError::Overloaded | AppError::TimedOut => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Database(_) | AppError::Template(_) | AppError::Internal => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    heading: String,
    message: String,
    problems: Vec<ParamProblem>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let self_headers = self.extra_headers();
        let (heading, message, problems) = match self {
            AppError::NotFound(what) => (
                "Not found".to_string(),
                format!(
                    "There is no {what} at this address. It may have been renamed, or the link may be mistyped."
                ),
                Vec::new(),
            ),
            AppError::BadRequest(problems) => (
                "Bad request".to_string(),
                "The address has parameters this site cannot use:".to_string(),
                problems,
            ),
            AppError::Database(ref err) => {
                tracing::error!(%err, "database error");
                server_error()
            }
            AppError::Template(ref err) => {
                tracing::error!(%err, "template error");
                server_error()
            }
            AppError::Internal => server_error(),
            ref other => (
                other
                    .status()
                    .canonical_reason()
                    .unwrap_or("Error")
                    .to_string(),
                other.detail(),
                Vec::new(),
            ),
        };
        let extra = self_headers;
        let page = ErrorPage {
            layout: Layout::new(format!("{heading} · conflict-timeline")),
            heading,
            message,
            problems,
        };
        let mut response = match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(err) => {
                tracing::error!(%err, "cannot render the error page");
                (status, "error").into_response()
            }
        };
        for (name, value) in extra {
            response
                .headers_mut()
                .insert(name, axum::http::HeaderValue::from_static(value));
        }
        response
    }
}

fn server_error() -> (String, String, Vec<ParamProblem>) {
    (
        "Something went wrong".to_string(),
        "The server could not answer this request. Please try again in a moment.".to_string(),
        Vec::new(),
    )
}

/// `fallback`: every path no route matches.
pub async fn not_found() -> AppError {
    AppError::NotFound("page")
}
