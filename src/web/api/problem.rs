//! Errors of the JSON API as RFC 9457 problem documents (`application/problem+json`): the
//! same [`ErrorInfo`] the HTML error page shows, rendered for programs instead of people. A bad
//! parameter names itself in `errors`, exactly as the HTML error list does.

use serde::Serialize;
use utoipa::ToSchema;

use crate::web::http::error::{AppError, ErrorInfo};
use crate::web::http::params::ParamProblem;

/// The media type of a problem document.
pub const PROBLEM_JSON: &str = "application/problem+json";

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

/// The problem document of `info`: its media type and body. `title` is the status phrase,
/// as RFC 9457 asks of `about:blank` problems; `detail` is the message the HTML page shows.
pub fn render(info: &ErrorInfo) -> (&'static str, String) {
    let problem = Problem {
        problem_type: "about:blank".to_string(),
        title: info
            .status
            .canonical_reason()
            .unwrap_or("Error")
            .to_string(),
        status: info.status.as_u16(),
        detail: info.message.clone(),
        errors: info
            .problems
            .iter()
            .cloned()
            .map(ParameterError::from)
            .collect(),
    };
    match serde_json::to_string(&problem) {
        Ok(json) => (PROBLEM_JSON, json),
        // A struct of strings and numbers always serializes; this is a guard, not a path.
        Err(_) => ("text/plain; charset=utf-8", info.message.clone()),
    }
}

/// `fallback` of `/api/`: every API path no route matches (`/api/openapi.json` lists the
/// ones there are).
pub async fn api_not_found() -> AppError {
    AppError::NotFound("API resource")
}
