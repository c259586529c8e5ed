//! Errors of the JSON API as RFC 9457 problem documents (`application/problem+json`): the
//! same [`AppError`] the HTML pages use, rendered for programs instead of people. A bad
//! parameter names itself in `errors`, exactly as the HTML error list does.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::web::http::error::AppError;
use crate::web::http::params::ParamProblem;

/// The media type of a problem document.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An [`AppError`] answered as a problem document.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(err: E) -> Self {
        ApiError(err.into())
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Problem {
    /// Always `about:blank`: the status says what kind of problem it is.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// The HTTP status phrase, e.g. "Bad Request".
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong, in a sentence.
    pub detail: String,
    /// One entry per bad parameter (empty for other problems).
    pub errors: Vec<ParameterError>,
}

/// One bad query parameter.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParameterError {
    /// The parameter's name (`query` for the query string as a whole).
    pub parameter: String,
    /// The value given, shortened to 60 bytes.
    pub value: String,
    /// What is wrong and what is expected.
    pub message: String,
}

impl From<ParamProblem> for ParameterError {
    fn from(p: ParamProblem) -> Self {
        ParameterError {
            parameter: p.field,
            value: p.value,
            message: p.message,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let extra = self.0.extra_headers();
        let (detail, errors) = match self.0 {
            AppError::NotFound(what) => (format!("There is no {what} at this address."), vec![]),
            AppError::BadRequest(problems) => (
                "The request has parameters this API cannot use; each is listed in `errors`."
                    .to_string(),
                problems.into_iter().map(ParameterError::from).collect(),
            ),
            AppError::Database(err) => {
                tracing::error!(%err, "database error");
                (server_error(), vec![])
            }
            AppError::Template(err) => {
                tracing::error!(%err, "template error");
                (server_error(), vec![])
            }
            AppError::Internal => (server_error(), vec![]),
            other => (other.detail(), vec![]),
        };
        let problem = Problem {
            problem_type: "about:blank".to_string(),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail,
            errors,
        };
        let mut response = (status, axum::Json(problem)).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        for (name, value) in extra {
            response
                .headers_mut()
                .insert(name, HeaderValue::from_static(value));
        }
        response
    }
}

fn server_error() -> String {
    "The server could not answer this request. Please try again in a moment.".to_string()
}

/// `fallback` of `/api/`: every API path no route matches (`/api/openapi.json` lists the
/// ones there are).
pub async fn api_not_found() -> ApiError {
    ApiError(AppError::NotFound("API resource"))
}
