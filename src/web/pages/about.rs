//! `/about`: how the chronology is made (where the events come from, how dates, names and
//! figures are written, the licences, how to report an error), with the version and licence
//! of the dataset compiled into this binary, read from the bundled file's own header.

use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};

use super::layout::Layout;
use crate::dataset::bundled_header;
use crate::web::AppState;
use crate::web::http::error::AppError;

#[derive(Template)]
#[template(path = "about.html")]
struct AboutPage {
    layout: Layout,
    version: String,
    licence: String,
    licence_url: Option<&'static str>,
}

/// Where the licence with this SPDX identifier is published, for the ones we know.
fn licence_url(spdx: &str) -> Option<&'static str> {
    match spdx {
        "CC-BY-4.0" => Some("https://creativecommons.org/licenses/by/4.0/"),
        "CC0-1.0" => Some("https://creativecommons.org/publicdomain/zero/1.0/"),
        "CC-BY-SA-4.0" => Some("https://creativecommons.org/licenses/by-sa/4.0/"),
        _ => None,
    }
}

/// `GET /about`.
pub async fn show_about(State(state): State<AppState>) -> Result<Response, AppError> {
    let header = bundled_header();
    let licence = header.licence.clone().unwrap_or_else(|| "unknown".into());
    let mut layout = Layout::new("How this chronology is made · conflict-timeline");
    layout.description = Some(
        "Where the events come from, how dates, names and figures are written, the licences, \
         and how to report an error."
            .into(),
    );
    layout.canonical = Some(format!("{}/about", state.config.public_url));
    let page = AboutPage {
        layout,
        version: header.version.clone().unwrap_or_else(|| "unknown".into()),
        licence_url: licence_url(&licence),
        licence,
    };
    Ok(Html(page.render()?).into_response())
}
