//! Rows as the queries return them. Derived presentation (date words, rendered Markdown)
//! is computed by the web layer, not stored.

use sqlx::FromRow;

use crate::record::{Coordinates, Fatalities};

/// A conflict.
#[derive(Clone, Debug, FromRow)]
pub struct Conflict {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub summary: String,
    pub region: Option<String>,
}

/// A named period of a conflict.
#[derive(Clone, Debug, FromRow)]
pub struct Era {
    pub id: i64,
    pub conflict_id: i64,
    pub slug: String,
    pub name: String,
    pub edtf: String,
    pub start_day: i32,
    pub end_day: i32,
    pub summary: String,
}

/// An event as listed on the timeline (no body).
#[derive(Clone, Debug, FromRow)]
pub struct EventSummary {
    pub id: i64,
    pub conflict_id: i64,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub edtf: String,
    pub start_day: i32,
    pub end_day: i32,
    pub date_label: Option<String>,
    pub category: String,
    pub place: Option<String>,
    /// Actor names joined by U+001F (unit separator), in their given order.
    pub actor_names: Option<String>,
    /// The event's places as `slug U+001E label` pairs joined by U+001F, in order.
    pub places_packed: Option<String>,
}

impl EventSummary {
    /// The actor names, in order.
    pub fn actors(&self) -> Vec<&str> {
        self.actor_names
            .as_deref()
            .map(|s| s.split('\u{1f}').filter(|a| !a.is_empty()).collect())
            .unwrap_or_default()
    }

    /// The event's places (slug and label, "Shusha (Shushi)"), in order.
    pub fn places(&self) -> Vec<PlaceLabel> {
        self.places_packed
            .as_deref()
            .unwrap_or("")
            .split('\u{1f}')
            .filter_map(|pair| {
                let (slug, label) = pair.split_once('\u{1e}')?;
                Some(PlaceLabel {
                    slug: slug.to_string(),
                    label: label.to_string(),
                })
            })
            .collect()
    }

    /// The keyset position of this event in timeline order.
    pub fn cursor(&self) -> Cursor {
        Cursor {
            start_day: self.start_day,
            end_day: self.end_day,
            id: self.id,
        }
    }
}

/// A place as an event names it: its slug and its label ("Shusha (Shushi)").
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PlaceLabel {
    pub slug: String,
    pub label: String,
}

/// A place with everything pages and the API show of it.
#[derive(Clone, Debug, FromRow)]
pub struct Place {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub label: String,
    pub kind: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub precision: Option<String>,
    pub note: String,
    /// The place it lies in (slug and label), if any.
    pub parent_slug: Option<String>,
    pub parent_label: Option<String>,
    /// Events at the place.
    pub events: i64,
}

/// One name of a place.
#[derive(Clone, Debug, PartialEq, Eq, FromRow, serde::Serialize)]
pub struct PlaceName {
    pub name: String,
    /// Who uses it ("Armenian usage", "Azerbaijani spelling"); empty when not said.
    pub usage: String,
    /// A web address documenting the name.
    pub source_url: Option<String>,
}

/// An event's point on the map and its reported deaths, as stored: each may be absent.
#[derive(Clone, Copy, Debug, Default, FromRow)]
pub struct EventFigures {
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub fatalities_best: Option<i64>,
    pub fatalities_low: Option<i64>,
    pub fatalities_high: Option<i64>,
}

impl EventFigures {
    /// The point, when both coordinates are stored.
    pub fn coordinates(&self) -> Option<Coordinates> {
        Coordinates::from_parts(self.latitude, self.longitude)
    }

    /// The fatality figures.
    pub fn fatalities(&self) -> Fatalities {
        Fatalities {
            best: self.fatalities_best,
            low: self.fatalities_low,
            high: self.fatalities_high,
        }
    }
}

/// Everything about one event.
#[derive(Clone, Debug, FromRow)]
pub struct EventDetail {
    #[sqlx(flatten)]
    pub summary: EventSummary,
    pub body: String,
    #[sqlx(flatten)]
    pub figures: EventFigures,
    pub created_at: String,
    pub updated_at: String,
}

/// An event as the API and the exports give it: the summary row plus actor slugs,
/// coordinates, fatalities, its conflict's slug, source URLs and update time (no body).
#[derive(Clone, Debug, FromRow)]
pub struct EventListing {
    #[sqlx(flatten)]
    pub summary: EventSummary,
    /// `slug U+001E name` pairs joined by U+001F, in the actors' given order.
    pub actors_packed: Option<String>,
    pub conflict_slug: String,
    #[sqlx(flatten)]
    pub figures: EventFigures,
    /// Source URLs joined by U+001F, in the sources' given order.
    pub source_urls: Option<String>,
    pub updated_at: String,
}

impl EventListing {
    /// The actors (slug and name), in order.
    pub fn actors(&self) -> Vec<Actor> {
        self.actors_packed
            .as_deref()
            .unwrap_or("")
            .split('\u{1f}')
            .filter_map(|pair| {
                let (slug, name) = pair.split_once('\u{1e}')?;
                Some(Actor {
                    slug: slug.to_string(),
                    name: name.to_string(),
                })
            })
            .collect()
    }

    /// The URLs of the sources that have one, in order.
    pub fn source_urls(&self) -> Vec<&str> {
        self.source_urls
            .as_deref()
            .map(|s| s.split('\u{1f}').filter(|u| !u.is_empty()).collect())
            .unwrap_or_default()
    }
}

/// An event as the exports read it: the summary row and everything a file format can hold
/// (body, coordinates, fatalities, its conflict's slug, update time). Sources and links come
/// by separate queries per page ([`EventSource`], [`EventLinkRow`]).
#[derive(Clone, Debug, FromRow)]
pub struct ExportRow {
    #[sqlx(flatten)]
    pub summary: EventSummary,
    pub conflict_slug: String,
    pub body: String,
    #[sqlx(flatten)]
    pub figures: EventFigures,
    pub updated_at: String,
    /// An editor's turning point (see the dataset format's `notable`).
    pub notable: bool,
}

/// A source with the id of the event it belongs to (sources of a page of events).
#[derive(Clone, Debug, FromRow)]
pub struct EventSource {
    pub event_id: i64,
    #[sqlx(flatten)]
    pub source: Source,
}

/// A link from an event of a page to another event, by the target's slug.
#[derive(Clone, Debug, FromRow)]
pub struct EventLinkRow {
    pub from_event_id: i64,
    pub rel: String,
    pub target: String,
}

/// Full-text extracts of one event's summary and body, hits between the
/// [`crate::search::MARK_OPEN`] and [`crate::search::MARK_CLOSE`] sentinels.
#[derive(Clone, Debug, FromRow)]
pub struct SearchSnippets {
    pub id: i64,
    pub summary: String,
    pub body: String,
}

/// An actor.
#[derive(Clone, Debug, FromRow)]
pub struct Actor {
    pub slug: String,
    pub name: String,
}

/// A citation of an event.
#[derive(Clone, Debug, FromRow)]
pub struct Source {
    pub title: String,
    pub publisher: Option<String>,
    pub url: Option<String>,
    pub published: Option<String>,
    pub note: Option<String>,
}

/// A link to or from another event, seen from the event being shown.
#[derive(Clone, Debug, FromRow)]
pub struct RelatedEvent {
    pub rel: String,
    /// true when the link points from the shown event to this one.
    pub outgoing: bool,
    pub slug: String,
    pub title: String,
    pub edtf: String,
    pub date_label: Option<String>,
}

/// A neighbour in time (previous or next event).
#[derive(Clone, Debug, FromRow)]
pub struct Neighbour {
    pub slug: String,
    pub title: String,
    pub edtf: String,
    pub date_label: Option<String>,
}

/// A position in timeline order (earliest day, latest day, id): keyset pagination resumes
/// strictly after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cursor {
    pub start_day: i32,
    pub end_day: i32,
    pub id: i64,
}

impl Cursor {
    /// The compact text form used in URLs: `start.end.id`.
    pub fn encode(&self) -> String {
        format!("{}.{}.{}", self.start_day, self.end_day, self.id)
    }

    /// Parses [`Cursor::encode`]'s form.
    pub fn decode(s: &str) -> Option<Cursor> {
        let mut parts = s.split('.');
        let cursor = Cursor {
            start_day: parts.next()?.parse().ok()?,
            end_day: parts.next()?.parse().ok()?,
            id: parts.next()?.parse().ok()?,
        };
        parts.next().is_none().then_some(cursor)
    }
}
