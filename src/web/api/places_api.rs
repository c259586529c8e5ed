//! `GET /api/places` and `GET /api/places/{slug}`: the places with their event counts, and
//! one place with every name, who uses it and its source.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use super::events::{Coordinates, coordinates};
use super::problem::Problem;
use crate::db::models::Place;
use crate::db::queries::places as place_queries;
use crate::web::http::error::AppError;
use crate::web::http::params::Segment;
use crate::web::http::state::AppState;

/// `GET /api/places`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlaceList {
    /// Most events first, then by slug.
    pub places: Vec<PlaceJson>,
}

/// A place.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlaceJson {
    pub slug: String,
    /// The place's page.
    pub url: String,
    /// The display name, by the dataset's rule.
    pub name: String,
    /// The display name with the other side's name in brackets ("Shusha (Shushi)").
    pub label: String,
    /// `city`, `town`, `village`, `district`, `region`, `corridor`, `border-area`,
    /// `city-abroad`, `site` or `country`.
    #[schema(required = true)]
    pub kind: Option<String>,
    /// WGS 84; null where no source gives them.
    #[schema(required = true)]
    pub coordinates: Option<Coordinates>,
    /// How exact the coordinates are, in the words of their source.
    #[schema(required = true)]
    pub precision: Option<String>,
    /// The slug of the place it lies in.
    #[schema(required = true)]
    pub within: Option<String>,
    /// How many events name it.
    pub events: i64,
}

/// One place with its names.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlaceDetailJson {
    pub place: PlaceJson,
    pub note: String,
    /// Every name, the display name first.
    pub names: Vec<PlaceNameJson>,
    /// The address of its events in the event list.
    pub events_url: String,
}

/// One name of a place.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlaceNameJson {
    pub name: String,
    /// Who uses it: "Armenian usage", "Azerbaijani spelling", "Soviet name", "Russian".
    pub usage: String,
    /// A web address documenting the name.
    #[schema(required = true)]
    pub source: Option<String>,
}

fn place_json(p: &Place, base: &str) -> PlaceJson {
    PlaceJson {
        slug: p.slug.clone(),
        url: format!("{base}/places/{}", p.slug),
        name: p.name.clone(),
        label: p.label.clone(),
        kind: p.kind.clone(),
        coordinates: coordinates(p.latitude, p.longitude),
        precision: p.precision.clone(),
        within: p.parent_slug.clone(),
        events: p.events,
    }
}

/// `GET /api/places`.
#[utoipa::path(
    get,
    path = "/api/places",
    tag = "places",
    responses(
        (status = 200, description = "Every place with its event count.", body = PlaceList),
    )
)]
pub async fn list_places(State(state): State<AppState>) -> Result<Response, AppError> {
    let base = state.config.public_url.as_str();
    let places = place_queries::all_places(&state.db)
        .await?
        .iter()
        .map(|p| place_json(p, base))
        .collect();
    Ok(Json(PlaceList { places }).into_response())
}

/// `GET /api/places/{slug}`.
#[utoipa::path(
    get,
    path = "/api/places/{slug}",
    tag = "places",
    params(("slug" = String, Path, description = "The place's slug.")),
    responses(
        (status = 200, description = "The place with every name and who uses it.",
            body = PlaceDetailJson),
        (status = 404, description = "No place has this slug.",
            body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn show_place(
    State(state): State<AppState>,
    segment: Result<Segment, AppError>,
) -> Result<Response, AppError> {
    let Segment(slug) = segment?;
    let (place, names) = place_queries::place_with_names(&state.db, &slug)
        .await?
        .ok_or(AppError::NotFound("place"))?;
    let base = state.config.public_url.as_str();
    Ok(Json(PlaceDetailJson {
        place: place_json(&place, base),
        note: place.note.clone(),
        names: names
            .into_iter()
            .map(|n| PlaceNameJson {
                name: n.name,
                usage: n.usage,
                source: n.source_url,
            })
            .collect(),
        events_url: format!("{base}/api/events?place={}", place.slug),
    })
    .into_response())
}
