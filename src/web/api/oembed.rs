//! `GET /oembed?url=…`: the oEmbed 1.0 provider (<https://oembed.com/>, section 2). A CMS
//! that finds a page's discovery link (`<link rel="alternate"
//! type="application/json+oembed">`, on every timeline and event page) asks here and gets a
//! `rich` answer whose `html` is the iframe of the page's embed view (see [`super::embed`]).
//!
//! Addresses of this site that have an embed: the timeline (`/?…`, and `/embed?…` itself)
//! and event pages (`/events/{slug}`, embedded as the months the event covers). Any other
//! address is 404, `format=xml` (or any format but JSON) is 501 as the specification says,
//! and a bad parameter is 400 naming it, as a problem document like the API's.

use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use serde::Serialize;
use utoipa::ToSchema;

use super::problem::{PROBLEM_JSON, Problem};
use crate::db::queries;
use crate::web::AppState;
use crate::web::http::error::AppError;
use crate::web::http::params::{ParamProblem, RawParams, TimelineParams};
use crate::web::pages::embed::iframe_snippet;
use crate::web::pages::share::{CARD_HEIGHT, CARD_WIDTH, event_view_query};

/// The frame's size when the consumer sets no limit.
pub const DEFAULT_WIDTH: u32 = 640;
pub const DEFAULT_HEIGHT: u32 = 600;
/// Largest `maxwidth`/`maxheight` read (larger values mean "no limit" in practice).
const MAX_DIMENSION: u32 = 10_000;

/// An oEmbed 1.0 response of type `rich`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OEmbed {
    /// Always `rich`: an HTML snippet (an iframe).
    #[serde(rename = "type")]
    #[schema(example = "rich")]
    pub oembed_type: &'static str,
    /// Always `1.0`.
    pub version: &'static str,
    /// What the frame shows.
    pub title: String,
    pub provider_name: &'static str,
    /// This site's address.
    pub provider_url: String,
    /// The `<iframe>` to place in the page.
    pub html: String,
    /// Width of the frame in pixels (within `maxwidth`).
    pub width: u32,
    /// Height of the frame in pixels (within `maxheight`); the frame then reports its own
    /// height with a `postMessage` (see the README).
    pub height: u32,
    /// How long, in seconds, the consumer may keep this answer.
    pub cache_age: u32,
    /// The share-card preview of the same view, when it fits within the limits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thumbnail_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thumbnail_width: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thumbnail_height: Option<u32>,
}

/// What an address of this site embeds as.
struct Target {
    title: String,
    view_query: String,
    thumbnail: String,
}

/// `GET /oembed`.
#[utoipa::path(
    get,
    path = "/oembed",
    tag = "embed",
    params(
        ("url" = String, Query, max_length = 200,
            description = "Address of a page of this site: the timeline (any view) or an event."),
        ("maxwidth" = Option<u32>, Query, minimum = 1, maximum = 10000,
            description = "Widest frame the consumer can place, in pixels."),
        ("maxheight" = Option<u32>, Query, minimum = 1, maximum = 10000,
            description = "Tallest frame the consumer can place, in pixels."),
        ("format" = Option<String>, Query,
            description = "`json` (the default); anything else is answered with 501."),
    ),
    responses(
        (status = 200, description = "The oEmbed answer: type `rich`, an iframe of the view.",
            body = OEmbed),
        (status = 400, description = "A parameter cannot be used; `errors` names it.",
            body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The address is not a page of this site that embeds.",
            body = Problem, content_type = "application/problem+json"),
        (status = 501, description = "The format asked for is not served (only JSON is).",
            body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn oembed(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let raw = RawParams::parse(query.as_deref()).map_err(|p| AppError::BadRequest(vec![p]))?;
    let mut problems = Vec::new();
    let format = raw.single("format").unwrap_or_else(|p| {
        problems.push(p);
        None
    });
    let url = match raw.single("url") {
        Ok(Some(url)) => Some(url),
        Ok(None) => {
            problems.push(ParamProblem::new(
                "url",
                "",
                "is required: the address of a page of this site",
            ));
            None
        }
        Err(p) => {
            problems.push(p);
            None
        }
    };
    let mut dimension = |name: &str| match raw.single(name) {
        Ok(None) => None,
        Ok(Some(value)) => match value.parse::<u32>() {
            Ok(n) if (1..=MAX_DIMENSION).contains(&n) => Some(n),
            _ => {
                problems.push(ParamProblem::new(
                    name,
                    value,
                    format!("is not a whole number of pixels from 1 to {MAX_DIMENSION}"),
                ));
                None
            }
        },
        Err(p) => {
            problems.push(p);
            None
        }
    };
    let max_width = dimension("maxwidth");
    let max_height = dimension("maxheight");
    if !problems.is_empty() {
        return Err(AppError::BadRequest(problems));
    }
    if let Some(format) = format
        && format != "json"
    {
        return Ok(not_implemented(format));
    }
    let Some(url) = url else {
        return Err(AppError::BadRequest(problems));
    };
    let public = state.config.public_url.as_str();
    let target = resolve(&state, url).await?;
    let width = max_width.map_or(DEFAULT_WIDTH, |m| m.min(DEFAULT_WIDTH));
    let height = max_height.map_or(DEFAULT_HEIGHT, |m| m.min(DEFAULT_HEIGHT));
    let thumbnail_fits =
        max_width.is_none_or(|m| m >= CARD_WIDTH) && max_height.is_none_or(|m| m >= CARD_HEIGHT);
    let answer = OEmbed {
        oembed_type: "rich",
        version: "1.0",
        html: iframe_snippet(
            public,
            &target.view_query,
            &target.title,
            Some(width),
            height,
        ),
        title: target.title,
        provider_name: "conflict-timeline",
        provider_url: format!("{public}/"),
        width,
        height,
        cache_age: 3600,
        thumbnail_url: thumbnail_fits.then_some(target.thumbnail),
        thumbnail_width: thumbnail_fits.then_some(CARD_WIDTH),
        thumbnail_height: thumbnail_fits.then_some(CARD_HEIGHT),
    };
    Ok(Json(answer).into_response())
}

/// The page `url` names on this site, and what it embeds as.
async fn resolve(state: &AppState, url: &str) -> Result<Target, AppError> {
    let public = state.config.public_url.as_str();
    let not_ours = || AppError::NotFound("page of this site that can be embedded");
    let rest = url.strip_prefix(public).ok_or_else(not_ours)?;
    // A fragment names a place in the page, not another page.
    let rest = rest.split_once('#').map_or(rest, |(before, _)| before);
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    match path {
        "" | "/" | "/embed" => {
            let params = TimelineParams::parse(Some(query));
            if !params.problems.is_empty() {
                return Err(AppError::BadRequest(
                    params
                        .problems
                        .into_iter()
                        .map(|p| {
                            ParamProblem::new(
                                "url",
                                url,
                                format!("its {} ({}) {}", p.field, p.value, p.message),
                            )
                        })
                        .collect(),
                ));
            }
            let heading = state.catalog().await?.view_name(&params.conflicts);
            let title = match (params.from.as_str(), params.to.as_str()) {
                ("", "") => heading,
                (from, "") => format!("{heading}, from {from} on"),
                ("", to) => format!("{heading}, up to {to}"),
                (from, to) => format!("{heading}, {from} to {to}"),
            };
            let view_query = params.view_query();
            let thumbnail = if view_query.is_empty() {
                format!("{public}/share/view.png")
            } else {
                format!("{public}/share/view.png?{view_query}")
            };
            Ok(Target {
                title,
                view_query,
                thumbnail,
            })
        }
        _ => {
            let slug = path.strip_prefix("/events/").ok_or_else(not_ours)?;
            let event = queries::event_by_slug(&state.db, slug)
                .await?
                .ok_or_else(not_ours)?;
            let e = &event.summary;
            Ok(Target {
                title: e.title.clone(),
                view_query: event_view_query(e.start_day, e.end_day),
                thumbnail: format!("{public}/events/{}/card.png", e.slug),
            })
        }
    }
}

/// 501: the specification's answer to a format the provider does not serve.
fn not_implemented(format: &str) -> Response {
    let status = StatusCode::NOT_IMPLEMENTED;
    let problem = Problem {
        problem_type: "about:blank".to_string(),
        title: "Not Implemented".to_string(),
        status: status.as_u16(),
        detail: format!("Only format=json is served; “{format}” is not."),
        errors: Vec::new(),
    };
    let mut response = (status, Json(problem)).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    response
}
