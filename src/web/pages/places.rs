//! `GET /places/{slug}`: one place with its names and who uses which, where it is on a
//! small map, the events there, the places it holds and the places near it; and what the
//! event page shows of its places. schema.org `Place` metadata for both.

use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use sqlx::SqlitePool;

use super::dates::DateView;
use super::layout::{Alternate, Layout, isolate};
use crate::db::models::{Place, PlaceName};
use crate::db::queries::{self, EventFilter, places as place_queries};
use crate::web::http::error::AppError;
use crate::web::http::params::Segment;
use crate::web::http::state::AppState;

/// Events listed on a place's page; the timeline link shows them all.
const EVENTS_SHOWN: u32 = 100;
/// Places listed as near a place.
const NEARBY: u32 = 6;

/// A place as pages show it.
pub struct PlaceView {
    pub url: String,
    /// "Shusha (Shushi)".
    pub label: String,
    pub name: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub names: Vec<NameView>,
}

/// One name of a place.
pub struct NameView {
    pub name: String,
    pub usage: String,
    pub source_url: Option<String>,
    /// The language tag of the name's script where it tells (Armenian, Cyrillic, the
    /// Azerbaijani Latin letters), for screen readers.
    pub lang: Option<&'static str>,
}

impl From<PlaceName> for NameView {
    fn from(n: PlaceName) -> Self {
        NameView {
            lang: language_of(&n.name),
            source_url: n.source_url.filter(|u| crate::model::is_web_url(u)),
            name: n.name,
            usage: n.usage,
        }
    }
}

/// The language a name's letters show: Armenian script, Cyrillic (Russian), or the letters
/// only Azerbaijani Latin spelling uses. `None` for plain Latin.
fn language_of(name: &str) -> Option<&'static str> {
    if name.chars().any(|c| ('\u{531}'..='\u{58f}').contains(&c)) {
        Some("hy")
    } else if name.chars().any(|c| ('\u{400}'..='\u{4ff}').contains(&c)) {
        Some("ru")
    } else if name.chars().any(|c| "əƏıİşŞğĞçÇöÖüÜ".contains(c)) {
        Some("az")
    } else {
        None
    }
}

impl PlaceView {
    fn new(p: Place, names: Vec<PlaceName>) -> Self {
        PlaceView {
            url: format!("/places/{}", p.slug),
            label: p.label,
            name: p.name,
            latitude: p.latitude,
            longitude: p.longitude,
            names: names.into_iter().map(NameView::from).collect(),
        }
    }

    /// schema.org `Place`: its display name, every other name, coordinates where known.
    pub fn json_ld(&self) -> serde_json::Value {
        let mut value = serde_json::json!({
            "@type": "Place",
            "name": self.label,
            "url": self.url,
        });
        let others: Vec<&str> = self
            .names
            .iter()
            .map(|n| n.name.as_str())
            .filter(|n| *n != self.name)
            .collect();
        if !others.is_empty() {
            value["alternateName"] = others.into();
        }
        if let (Some(latitude), Some(longitude)) = (self.latitude, self.longitude) {
            value["geo"] = serde_json::json!({
                "@type": "GeoCoordinates",
                "latitude": latitude,
                "longitude": longitude,
            });
        }
        value
    }
}

/// The places of an event, each with its names.
pub async fn views_of_event(pool: &SqlitePool, event_id: i64) -> Result<Vec<PlaceView>, AppError> {
    let mut out = Vec::new();
    for p in place_queries::places_of_event(pool, event_id).await? {
        let names = place_queries::place_names(pool, p.id).await?;
        out.push(PlaceView::new(p, names));
    }
    Ok(out)
}

#[derive(Template)]
#[template(path = "place.html")]
struct PlacePage {
    layout: Layout,
    place: PlaceView,
    kind: Option<&'static str>,
    parent: Option<(String, String)>,
    precision: Option<String>,
    note: String,
    count: i64,
    events: Vec<EventLine>,
    timeline_url: String,
    within: Vec<PlaceLine>,
    nearby: Vec<PlaceLine>,
    map_svg: Option<String>,
    json_ld: String,
    /// The timeline's strip, narrowed to the place.
    overview: Option<super::overview::Overview>,
}

struct EventLine {
    url: String,
    title: String,
    date: DateView,
}

/// A place in a list of places.
pub struct PlaceLine {
    pub url: String,
    pub label: String,
    pub events: i64,
}

impl From<&Place> for PlaceLine {
    fn from(p: &Place) -> Self {
        PlaceLine {
            url: format!("/places/{}", p.slug),
            label: p.label.clone(),
            events: p.events,
        }
    }
}

/// What a place is, in words.
fn kind_words(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "city" => "City",
        "town" => "Town",
        "village" => "Village",
        "district" => "District or province",
        "region" => "Region",
        "corridor" => "Corridor",
        "border-area" => "Border area",
        "city-abroad" => "City abroad",
        "site" => "Site",
        "country" => "Country",
        _ => return None,
    })
}

/// `GET /places/{slug}`.
pub async fn show_place(
    State(state): State<AppState>,
    Segment(slug): Segment,
) -> Result<Response, AppError> {
    let (place, names) = place_queries::place_with_names(&state.db, &slug)
        .await?
        .ok_or(AppError::NotFound("place"))?;
    let within: Vec<PlaceLine> = place_queries::places_within(&state.db, place.id)
        .await?
        .iter()
        .map(PlaceLine::from)
        .collect();
    let near = match (place.latitude, place.longitude) {
        (Some(lat), Some(lon)) => {
            place_queries::places_near(&state.db, place.id, lat, lon, NEARBY).await?
        }
        _ => Vec::new(),
    };
    let filter = EventFilter {
        places: vec![place.slug.clone()],
        ..EventFilter::default()
    };
    let reader = state.reader().await;
    let rows = reader.list_events(&filter, None, EVENTS_SHOWN).await?;
    // The same strip as the timeline's, over the place's events.
    let params = crate::web::http::params::TimelineParams::parse(Some(
        &serde_urlencoded::to_string([("place", place.slug.as_str())]).unwrap_or_default(),
    ));
    let overview = match queries::data_span(&state.db).await? {
        Some((first, last)) if place.events > 0 => {
            let eras = queries::eras(&state.db).await?;
            let data = super::overview::Span { first, last };
            Some(super::overview::build(&reader, &params, &eras, data, place.events).await?)
        }
        _ => None,
    };
    let events = rows
        .into_iter()
        .map(|e| EventLine {
            url: format!("/events/{}", e.slug),
            date: DateView::new(&e.edtf, e.date_label.as_deref()),
            title: e.title,
        })
        .collect();
    let map_svg = match (place.latitude, place.longitude) {
        (Some(lat), Some(lon)) => super::map::locator(lat, lon, &place.label, &near),
        _ => None,
    };
    let view = PlaceView::new(place.clone(), names);
    let canonical = format!("{}/places/{}", state.config.public_url, place.slug);
    let mut ld = view.json_ld();
    ld["@context"] = "https://schema.org".into();
    ld["url"] = canonical.clone().into();
    if let Some(parent) = &place.parent_label {
        ld["containedInPlace"] = serde_json::json!({ "@type": "Place", "name": parent });
    }
    let json_ld = ld
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    let mut layout = Layout::new(format!(
        "{} · places · conflict-timeline",
        isolate(&place.label)
    ));
    layout.description = Some(format!(
        "{}: its names, who uses which, and the {} events of the chronology there.",
        place.label, place.events
    ));
    layout.canonical = Some(canonical);
    layout.alternates.push(Alternate {
        href: format!("/api/places/{}", place.slug),
        media_type: "application/json",
        title: "This place as JSON",
    });
    let page = PlacePage {
        layout,
        kind: place.kind.as_deref().and_then(kind_words),
        parent: place
            .parent_slug
            .clone()
            .zip(place.parent_label.clone())
            .map(|(s, l)| (format!("/places/{s}"), l)),
        precision: place.precision.clone(),
        note: place.note.clone(),
        count: place.events,
        events,
        timeline_url: format!(
            "/?{}",
            serde_urlencoded::to_string([("place", place.slug.as_str())]).unwrap_or_default()
        ),
        within,
        nearby: near.iter().map(PlaceLine::from).collect(),
        map_svg,
        json_ld,
        overview,
        place: view,
    };
    Ok(Html(page.render()?).into_response())
}

/// `GET /places`: every place with its number of events.
pub async fn list_places(State(state): State<AppState>) -> Result<Response, AppError> {
    let places = place_queries::all_places(&state.db).await?;
    let mut layout = Layout::new("Places · conflict-timeline");
    layout.description = Some("Every place of the chronology, with all its names.".into());
    layout.canonical = Some(format!("{}/places", state.config.public_url));
    layout.alternates.push(Alternate {
        href: "/api/places".into(),
        media_type: "application/json",
        title: "The places as JSON",
    });
    let page = PlacesPage {
        layout,
        places: places.iter().map(PlaceLine::from).collect(),
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Template)]
#[template(path = "places.html")]
struct PlacesPage {
    layout: Layout,
    places: Vec<PlaceLine>,
}
