//! The one error type of every handler and layer, and everything decided about an error
//! once: its status, title, message, headers and whether it is logged. A user's mistake
//! (unknown page, bad parameter) gets its own status and a message saying what went wrong;
//! anything else is logged here and answers a generic message that leaks no detail.
//!
//! An error answers a bodiless response carrying its [`ErrorInfo`]; the router's outermost
//! layer renders that as an HTML page or, under `/api/`, as a problem document. So a
//! refusal, a timeout or a caught panic looks exactly like a handler's error, and the
//! plumbing never needs to know how pages or the API look.

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// One thing wrong with a request's parameters.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ParamProblem {
    /// The parameter's name.
    pub field: String,
    /// The value given (shortened).
    pub value: String,
    /// What is wrong, in a sentence.
    pub message: String,
}

impl ParamProblem {
    /// A problem with `field`; a long value is shortened to 60 bytes.
    pub fn new(field: &str, value: &str, message: impl Into<String>) -> Self {
        let value = if value.len() > 60 {
            let mut end = 60;
            while !value.is_char_boundary(end) {
                end -= 1;
            }
            format!("{}…", &value[..end])
        } else {
            value.to_string()
        };
        ParamProblem {
            field: field.to_string(),
            value,
            message: message.into(),
        }
    }
}

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Nothing here: the argument says what was looked for ("event", "page").
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Removed from the chronology by an import (the HTML page of a removed event is a page
    /// of its own, with its last version; this is the API's answer): the argument is the
    /// event's history page.
    #[error("gone")]
    Gone(String),
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
    /// The request target is `len` bytes long, longer than the `max` accepted (see
    /// `limits`).
    #[error("URI too long")]
    UriTooLong { len: usize, max: usize },
    /// Too many requests in flight: shed rather than queued without bound.
    #[error("overloaded")]
    Overloaded,
    /// A request took longer than the configured request timeout (see `limits`).
    #[error("timed out")]
    TimedOut,
    /// A failure already logged where it happened (a caught panic).
    #[error("internal error")]
    Internal,
}

/// What an error answers, decided once for both renderers (the HTML error page and the
/// problem document).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorInfo {
    pub status: StatusCode,
    /// A short heading: "Not found", "Bad request", "Something went wrong".
    pub title: String,
    /// What went wrong, in a sentence a reader or a program can act on.
    pub message: String,
    /// One entry per bad parameter (empty for other errors).
    pub problems: Vec<ParamProblem>,
}

/// The message of every failure that is the server's, not the client's.
const SERVER_ERROR: &str =
    "The server could not answer this request. Please try again in a moment.";

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
    /// The HTTP status for this error.
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Gone(_) => StatusCode::GONE,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::BodyNotAllowed => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UriTooLong { .. } => StatusCode::URI_TOO_LONG,
            AppError::Overloaded | AppError::TimedOut => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Database(_) | AppError::Template(_) | AppError::Internal => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    /// Headers the status calls for: `Allow` with 405, `Retry-After` with 503.
    pub fn extra_headers(&self) -> Vec<(HeaderName, &'static str)> {
        match self {
            AppError::MethodNotAllowed => vec![(header::ALLOW, "GET, HEAD")],
            AppError::Overloaded | AppError::TimedOut => vec![(header::RETRY_AFTER, "1")],
            _ => Vec::new(),
        }
    }

    /// Logs what is the server's fault (here and nowhere else) and says what to answer.
    pub fn info(self) -> ErrorInfo {
        let status = self.status();
        let phrase = || status.canonical_reason().unwrap_or("Error").to_string();
        let (title, message, problems) = match self {
            AppError::NotFound(what) => (
                "Not found".to_string(),
                format!(
                    "There is no {what} at this address. It may have been renamed, or the link may be mistyped."
                ),
                Vec::new(),
            ),
            AppError::Gone(history) => (
                "Gone".to_string(),
                format!(
                    "This event was removed from the chronology by an import; its last version and history are at {history}."
                ),
                Vec::new(),
            ),
            AppError::BadRequest(problems) => (
                "Bad request".to_string(),
                "The address has parameters this site cannot use; each is listed with what is wrong."
                    .to_string(),
                problems,
            ),
            AppError::Database(err) => {
                tracing::error!(%err, "database error");
                server_error()
            }
            AppError::Template(err) => {
                tracing::error!(%err, "template error");
                server_error()
            }
            AppError::Internal => server_error(),
            AppError::MethodNotAllowed => (
                phrase(),
                "This site is read-only: only GET and HEAD requests are answered.".to_string(),
                Vec::new(),
            ),
            AppError::BodyNotAllowed => (
                phrase(),
                "This address takes no request body; send the request without one.".to_string(),
                Vec::new(),
            ),
            AppError::UriTooLong { len, max } => (
                phrase(),
                format!("The address is {len} bytes long; at most {max} are accepted."),
                Vec::new(),
            ),
            AppError::Overloaded => {
                tracing::warn!("shedding a request: too many in flight");
                (
                    phrase(),
                    "The server is busy with other requests. Please try again in a moment."
                        .to_string(),
                    Vec::new(),
                )
            }
            AppError::TimedOut => {
                tracing::warn!("a request timed out");
                (
                    phrase(),
                    "The request took too long to answer. Please try again, or narrow the view."
                        .to_string(),
                    Vec::new(),
                )
            }
        };
        ErrorInfo {
            status,
            title,
            message,
            problems,
        }
    }
}

fn server_error() -> (String, String, Vec<ParamProblem>) {
    (
        "Something went wrong".to_string(),
        SERVER_ERROR.to_string(),
        Vec::new(),
    )
}

/// A bodiless response with the error's status and headers and its [`ErrorInfo`] in the
/// extensions, for the renderer at the top of the stack. `Cache-Control` is left to the
/// cache-policy layer, which never lets an error be stored.
impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let extra = self.extra_headers();
        let info = self.info();
        let mut response = info.status.into_response();
        for (name, value) in extra {
            response
                .headers_mut()
                .insert(name, HeaderValue::from_static(value));
        }
        response.extensions_mut().insert(info);
        response
    }
}

/// `fallback`: every path no route matches.
pub async fn not_found() -> AppError {
    AppError::NotFound("page")
}
