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
    Database(#[from] sqlx::Error),
    #[error("template error: {0}")]
    Template(#[from] askama::Error),
    /// A failure already logged where it happened (a caught panic).
    #[error("internal error")]
    Internal,
}

impl AppError {
    /// The HTTP status for this error.
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
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
        };
        let page = ErrorPage {
            layout: Layout::new(format!("{heading} · conflict-timeline")),
            heading,
            message,
            problems,
        };
        match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(err) => {
                tracing::error!(%err, "cannot render the error page");
                (status, "error").into_response()
            }
        }
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
