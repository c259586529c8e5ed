//! The JSON API under `/api/`: the timeline's events with the same filters as the HTML
//! view (keyset pages in timeline order) and one event in full (the conflicts are in
//! [`super::conflicts`]). Shapes are snake_case, documented here and published as OpenAPI by
//! [`super::openapi`]; errors are problem documents ([`super::problem`]).
//!
//! Dates carry the EDTF string as recorded, its words, and the first and last day it can
//! cover (`earliest`, `latest`, ISO days; `null` for an open or unknown end).

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use super::problem::Problem;
use crate::db::models::{Actor, EventFigures, EventListing, EventSummary, RelatedEvent, Source};
use crate::db::queries::{self, Order};
use crate::edtf::Edtf;
use crate::model::LinkRel;
use crate::slug;
use crate::web::http::error::AppError;
use crate::web::http::params::{MAX_CATEGORY_BYTES, MAX_CONFLICT_BYTES, MAX_VALUE_BYTES, Segment};
use crate::web::http::state::AppState;
use crate::web::http::view_query::{Count, ViewQuery, ViewRules};
use crate::web::pages::dates::DateView;

/// Events per page when `limit` is not given.
pub const DEFAULT_LIMIT: u32 = 50;
/// Most events one page may hold.
pub const MAX_LIMIT: u32 = 500;

/// The filters every event endpoint takes (the HTML timeline's, minus its paging). Only
/// documentation: the handlers read the query through [`ViewQuery`], so that each
/// bad value is named in the problem document.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct FilterQuery {
    /// Keep events whose span ends on or after this day: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, the
    /// year of one to six digits, negative before the common era (ISO 8601: `0000` is 1 BCE)
    /// (a year or month counts from its first day). Empty values (an empty form field) are
    /// ignored, here and in every filter.
    #[param(pattern = r"^(-?[0-9]{1,6}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?)?$")]
    from: Option<String>,
    /// Keep events whose span starts on or before this day: `YYYY`, `YYYY-MM` or
    /// `YYYY-MM-DD` (a year or month counts to its last day).
    #[param(pattern = r"^(-?[0-9]{1,6}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?)?$")]
    to: Option<String>,
    /// Full-text search over titles, summaries, bodies, actors and places. Words must all
    /// match; `"a phrase"`, `prefix*`, `-excluded` and `OR` work; other operators are text.
    q: Option<String>,
    /// Keep events in any of these categories (repeat the parameter).
    #[param(value_type = Option<Vec<CategoryParam>>)]
    category: Option<Vec<String>>,
    /// Keep events with any of these actors, by actor slug (repeat the parameter).
    #[param(value_type = Option<Vec<TextParam>>)]
    actor: Option<Vec<String>>,
    /// Keep events of any of these conflicts, by conflict slug (repeat the parameter).
    #[param(value_type = Option<Vec<ConflictParam>>)]
    conflict: Option<Vec<String>>,
    /// Keep events at any of these places, by place slug or any of the place's names, with
    /// or without diacritics (repeat the parameter).
    #[param(value_type = Option<Vec<TextParam>>)]
    place: Option<Vec<String>>,
    /// Keep events with a place inside this box, `west,south,east,north` in WGS 84
    /// degrees, edges included (west not east of east, south not north of north). Empty:
    /// no box.
    #[param(
        pattern = r"^\s*([-+]?[0-9.]+ *, *[-+]?[0-9.]+ *, *[-+]?[0-9.]+ *, *[-+]?[0-9.]+)?\s*$"
    )]
    bbox: Option<String>,
    /// Keep events added, corrected or renamed by an import that finished at or after this
    /// moment (UTC): a day `YYYY-MM-DD` (from its start) or a time `YYYY-MM-DDTHH:MM:SSZ`
    /// (fractions of a second allowed). See `/api/changes` for what changed.
    #[param(
        pattern = r"^([0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,3})?Z)?)?$"
    )]
    changed_since: Option<String>,
}

/// Declares a string parameter type for the OpenAPI document, with the parser's own
/// bound (see `params`). The bounds of the parameters themselves (lengths, repeats,
/// counts) are written into the document from the same constants by
/// [`super::openapi::document`]: utoipa's attributes take only literals.
macro_rules! string_param {
    ($(#[$doc:meta])* $name:ident, $pattern:expr, $max:expr) => {
        $(#[$doc])*
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .pattern($pattern)
                    .max_length(Some($max))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

string_param!(
    /// A category name: lowercase words joined by hyphens.
    CategoryParam,
    Some(r"^([a-z0-9]+(-[a-z0-9]+)*)?$"),
    MAX_CATEGORY_BYTES
);
string_param!(
    /// A conflict's slug: lowercase words joined by hyphens.
    ConflictParam,
    Some(r"^([a-z0-9]+(-[a-z0-9]+)*)?$"),
    MAX_CONFLICT_BYTES
);
string_param!(
    /// A filter value.
    TextParam,
    None::<String>,
    MAX_VALUE_BYTES
);

/// One page of events, in timeline order (earliest day, latest day, id).
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventList {
    /// At most `limit` events.
    pub events: Vec<EventJson>,
    /// The cursor of the next page (pass it as `after`), or null on the last page.
    #[schema(required = true)]
    pub next: Option<String>,
    /// The absolute URL of the next page, or null on the last page.
    #[schema(required = true)]
    pub next_url: Option<String>,
    /// How many events the filters keep, over all pages.
    pub total: i64,
}

/// An event as listed. Optional values are `null`, never left out.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventJson {
    /// Stable identifier, used in URLs.
    pub slug: String,
    /// The event's page.
    pub url: String,
    pub title: String,
    pub summary: String,
    pub date: DateJson,
    /// A lowercase, hyphenated category, such as `military` or `ceasefire`.
    pub category: String,
    /// Where it happened, as the sources name it (both names where two are in use).
    #[schema(required = true)]
    pub place: Option<String>,
    /// The places it names, in order: each a place of `/api/places`, with its label
    /// (display name and the other side's name, "Shusha (Shushi)").
    pub places: Vec<PlaceRefJson>,
    #[schema(required = true)]
    pub coordinates: Option<Coordinates>,
    /// Reported deaths; null when no figure is recorded.
    #[schema(required = true)]
    pub fatalities: Option<Fatalities>,
    /// The actors, in their given order.
    pub actors: Vec<ActorJson>,
    /// The slug of the conflict the event belongs to.
    pub conflict: String,
}

/// A place an event names.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlaceRefJson {
    pub slug: String,
    /// "Shusha (Shushi)".
    pub label: String,
}

/// An event in full: what the list gives ([`EventJson`], the same fields), plus its text,
/// sources and related events. Its schema is one closed object with the fields of both
/// (see the `ToSchema` impl below), as a client reads it.
#[derive(Debug, Serialize)]
pub struct EventDetailJson {
    #[serde(flatten)]
    pub listed: EventJson,
    #[serde(flatten)]
    pub detail: DetailFields,
}

/// What only the full event has.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DetailFields {
    /// The longer text, in Markdown as recorded.
    pub body: String,
    /// When the record last changed (`YYYY-MM-DDTHH:MM:SSZ`).
    pub updated_at: String,
    /// The citations, in their given order.
    pub sources: Vec<SourceJson>,
    /// Events this one links to or is linked from, in timeline order.
    pub related: Vec<RelatedJson>,
}

impl utoipa::PartialSchema for EventDetailJson {
    /// [`EventJson`]'s object with [`DetailFields`]' properties added: one object, still
    /// closed (`allOf` of two closed objects would refuse every real answer).
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::RefOr;
        use utoipa::openapi::schema::Schema;
        let (RefOr::T(Schema::Object(mut object)), RefOr::T(Schema::Object(detail))) =
            (EventJson::schema(), DetailFields::schema())
        else {
            // Both are derived from named-field structs: always objects.
            return EventJson::schema();
        };
        object.properties.extend(detail.properties);
        object.required.extend(detail.required);
        object.description = Some(
            "An event in full: what the list gives, plus its text, sources and related events."
                .to_string(),
        );
        RefOr::T(Schema::Object(object))
    }
}

impl ToSchema for EventDetailJson {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        EventJson::schemas(schemas);
        DetailFields::schemas(schemas);
    }
}

/// `GET /api/events/{slug}`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventResponse {
    pub event: EventDetailJson,
}

/// A date as recorded and as derived.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DateJson {
    /// The value as recorded, in EDTF (ISO 8601-2 levels 0 and 1), e.g. `2023-03~`.
    pub edtf: String,
    /// The curator's wording, where EDTF cannot say it ("mid-March 2023").
    #[schema(required = true)]
    pub label: Option<String>,
    /// The date in English: the label if there is one, else derived ("c. March 2023").
    pub words: String,
    /// The first day the value can cover (`YYYY-MM-DD`), null if open or unknown.
    #[schema(required = true)]
    pub earliest: Option<String>,
    /// The last day the value can cover (`YYYY-MM-DD`), null if open or unknown.
    #[schema(required = true)]
    pub latest: Option<String>,
}

impl DateJson {
    /// The date of a stored EDTF value. Stored values parsed on import; should one not, the
    /// raw text stands in for the words and the bounds are null.
    pub fn new(edtf: &str, label: Option<&str>) -> DateJson {
        let parsed = Edtf::parse(edtf).ok();
        DateJson {
            edtf: edtf.to_string(),
            label: label.map(str::to_string),
            words: DateView::new(edtf, label).words,
            // From the calendar value, not the stored day: exact for every year, null
            // only for an open or unknown end.
            earliest: parsed.as_ref().and_then(Edtf::earliest_iso),
            latest: parsed.as_ref().and_then(Edtf::latest_iso),
        }
    }
}

/// WGS 84 degrees.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Coordinates {
    pub latitude: f64,
    pub longitude: f64,
}

/// Reported deaths: a best estimate and/or a range, each null when not reported.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Fatalities {
    #[schema(required = true)]
    pub best: Option<i64>,
    #[schema(required = true)]
    pub low: Option<i64>,
    #[schema(required = true)]
    pub high: Option<i64>,
}

impl Fatalities {
    /// The figures, unless none is reported.
    fn new(figures: crate::record::Fatalities) -> Option<Fatalities> {
        let crate::record::Fatalities { best, low, high } = figures;
        (best.is_some() || low.is_some() || high.is_some()).then_some(Fatalities {
            best,
            low,
            high,
        })
    }
}

/// An actor: a state, an armed group, a person.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActorJson {
    /// The value of the `actor` filter that selects this actor.
    pub slug: String,
    pub name: String,
}

impl From<Actor> for ActorJson {
    fn from(a: Actor) -> Self {
        ActorJson {
            slug: a.slug,
            name: a.name,
        }
    }
}

/// A citation.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceJson {
    pub title: String,
    #[schema(required = true)]
    pub publisher: Option<String>,
    /// An http(s) URL.
    #[schema(required = true)]
    pub url: Option<String>,
    /// When the source was published: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    #[schema(required = true)]
    pub published: Option<String>,
    /// A note on the source (its side, or that the link is a mirror).
    #[schema(required = true)]
    pub note: Option<String>,
}

impl From<Source> for SourceJson {
    fn from(s: Source) -> Self {
        SourceJson {
            title: s.title,
            publisher: s.publisher,
            url: s.url.filter(|u| crate::model::is_web_url(u)),
            published: s.published,
            note: s.note,
        }
    }
}

/// Which way a link between two events points.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// From the event shown to this one ("this event follows …").
    Outgoing,
    /// From this one to the event shown.
    Incoming,
}

/// An event linked to or from the one shown.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RelatedJson {
    /// The type of link: `follows`, `responds-to`, `ends` or `related`.
    pub rel: String,
    pub direction: Direction,
    /// The link in words, seen from the event shown ("follows", "is ended by").
    pub relation: String,
    pub slug: String,
    pub url: String,
    pub title: String,
    pub date: DateJson,
}

/// The API's view of an event record; `base` is the public URL.
pub fn event_json(r: &EventListing, base: &str) -> EventJson {
    EventJson::new(
        &r.summary,
        &r.figures,
        r.actors(),
        r.conflict_slug.clone(),
        base,
    )
}

impl EventJson {
    /// An event as listed, from its summary row and what the queries add to it:
    /// coordinates and fatalities, actors in order and the conflict's slug.
    fn new(
        e: &EventSummary,
        figures: &EventFigures,
        actors: Vec<Actor>,
        conflict: String,
        base: &str,
    ) -> Self {
        EventJson {
            slug: e.slug.clone(),
            url: format!("{base}/events/{}", e.slug),
            title: e.title.clone(),
            summary: e.summary.clone(),
            date: DateJson::new(&e.edtf, e.date_label.as_deref()),
            category: e.category.clone(),
            place: e.place.clone(),
            places: e
                .places()
                .into_iter()
                .map(|p| PlaceRefJson {
                    slug: p.slug,
                    label: p.label,
                })
                .collect(),
            coordinates: coordinates(figures.latitude, figures.longitude),
            fatalities: Fatalities::new(figures.fatalities()),
            actors: actors.into_iter().map(ActorJson::from).collect(),
            conflict,
        }
    }
}

pub(super) fn coordinates(latitude: Option<f64>, longitude: Option<f64>) -> Option<Coordinates> {
    Some(Coordinates {
        latitude: latitude?,
        longitude: longitude?,
    })
}

/// The paging of `/api/events`: `limit` events a page, the next one by the `after` cursor.
pub struct EventPages;

impl ViewRules for EventPages {
    /// Absent or empty is [`DEFAULT_LIMIT`]; otherwise 1 to [`MAX_LIMIT`].
    const COUNT: Option<Count> = Some(Count {
        name: "limit",
        default: DEFAULT_LIMIT,
        max: MAX_LIMIT,
    });
    const NO_PAGE: Option<&'static str> =
        Some("the API pages with the `after` cursor given as `next`");
    const NO_AFTER: Option<&'static str> = None;
}

/// `GET /api/events`.
#[utoipa::path(
    get,
    path = "/api/events",
    tag = "events",
    params(
        FilterQuery,
        ("limit" = Option<u32>, Query,
            description = "Events per page (bounds and default in the schema)."),
        ("after" = Option<String>, Query,
            description = "The `next` cursor of the previous page; the first page without it."),
    ),
    responses(
        (status = 200, description = "One page of events in timeline order.", body = EventList),
        (status = 400, description = "A parameter cannot be used; `errors` names it.",
            body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_events(
    State(state): State<AppState>,
    ViewQuery {
        params,
        count: limit,
        ..
    }: ViewQuery<EventPages>,
) -> Result<Response, AppError> {
    let db = state.reader().await;
    let mut rows = db
        .list_event_records(&params.filter, params.after, Order::Timeline, limit + 1)
        .await?;
    let has_more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let total = db.count_events(&params.filter).await?;

    let base = &state.config.public_url;
    let next = has_more
        .then(|| rows.last().map(|r| r.summary.cursor().encode()))
        .flatten();
    let next_url = next.as_ref().map(|cursor| {
        let view = params.view_query();
        let sep = if view.is_empty() { "" } else { "&" };
        format!("{base}/api/events?{view}{sep}limit={limit}&after={cursor}")
    });
    let events = rows.iter().map(|r| event_json(r, base)).collect();
    Ok(Json(EventList {
        events,
        next,
        next_url,
        total,
    })
    .into_response())
}

/// `GET /api/events/{slug}`.
#[utoipa::path(
    get,
    path = "/api/events/{slug}",
    tag = "events",
    params(("slug" = String, Path, description = "The event's slug.")),
    responses(
        (status = 200, description = "The event with its text, sources and related events.",
            body = EventResponse),
        (status = 301, description = "The slug is a former one of an event (its title or \
            date was corrected): `Location` is the event's address now."),
        (status = 404, description = "No event has this slug.",
            body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The event was removed by an import; the problem \
            document names its page, which keeps its last version and history.",
            body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn show_event(
    State(state): State<AppState>,
    segment: Result<Segment, AppError>,
) -> Result<Response, AppError> {
    let Segment(slug) = segment?;
    if !slug::is_valid(&slug, crate::model::EVENT_SLUG_MAX) {
        return Err(AppError::NotFound("event"));
    }
    let Some(event) = queries::event_by_slug(&state.db, &slug).await? else {
        // A former slug redirects to the event's address now; a removed event is gone.
        if let Some(target) = crate::db::history::alias_target(&state.db, &slug).await? {
            let location = format!("/api/events/{target}");
            let value = axum::http::HeaderValue::from_str(&location)
                .map_err(|_| AppError::NotFound("event"))?;
            return Ok((
                axum::http::StatusCode::MOVED_PERMANENTLY,
                [(axum::http::header::LOCATION, value)],
            )
                .into_response());
        }
        if crate::db::history::removed_by_slug(&state.db, &slug)
            .await?
            .is_some()
        {
            return Err(AppError::Gone(format!(
                "{}/events/{slug}",
                state.config.public_url
            )));
        }
        return Err(AppError::NotFound("event"));
    };
    let id = event.summary.id;
    let actors = queries::actors_of(&state.db, id).await?;
    let sources = queries::sources_of(&state.db, id).await?;
    let related = queries::related_events(&state.db, id).await?;
    let conflict = queries::conflicts(&state.db)
        .await?
        .into_iter()
        .find(|c| c.id == event.summary.conflict_id)
        .map(|c| c.slug)
        .unwrap_or_default();

    let base = &state.config.public_url;
    let detail = EventDetailJson {
        listed: EventJson::new(&event.summary, &event.figures, actors, conflict, base),
        detail: DetailFields {
            body: event.body,
            updated_at: event.updated_at,
            sources: sources.into_iter().map(SourceJson::from).collect(),
            related: related.into_iter().map(|r| related_json(r, base)).collect(),
        },
    };
    Ok(Json(EventResponse { event: detail }).into_response())
}

fn related_json(r: RelatedEvent, base: &str) -> RelatedJson {
    let rel = LinkRel::parse(&r.rel).unwrap_or(LinkRel::Related);
    let (direction, relation) = if r.outgoing {
        (Direction::Outgoing, rel.outgoing_words())
    } else {
        (Direction::Incoming, rel.incoming_words())
    };
    RelatedJson {
        rel: r.rel.clone(),
        direction,
        relation: relation.to_string(),
        url: format!("{base}/events/{}", r.slug),
        date: DateJson::new(&r.edtf, r.date_label.as_deref()),
        slug: r.slug,
        title: r.title,
    }
}

/// `limit` as [`list_events`] reads it: the value, or the name of the parameter refused.
#[cfg(test)]
pub(crate) fn parse_limit(query: &str) -> Result<u32, String> {
    match ViewQuery::<EventPages>::parse(Some(query)) {
        Ok(view) => Ok(view.count),
        Err(AppError::BadRequest(problems)) => Err(problems
            .into_iter()
            .map(|p| p.field)
            .collect::<Vec<_>>()
            .join(",")),
        Err(other) => Err(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_carry_bounds_and_null_open_ends() {
        let d = DateJson::new("2023-03~", Some("mid-March 2023"));
        assert_eq!(d.words, "mid-March 2023");
        assert_eq!(d.earliest.as_deref(), Some("2023-03-01"));
        assert_eq!(d.latest.as_deref(), Some("2023-03-31"));
        let open = DateJson::new("2005-06/..", None);
        assert_eq!(open.earliest.as_deref(), Some("2005-06-01"));
        assert_eq!(open.latest, None);
    }

    #[test]
    fn the_detail_schema_is_the_list_schema_and_four_fields_closed() {
        use utoipa::PartialSchema;
        let json = |schema| serde_json::to_value(schema).expect("serializes");
        let (listed, detail) = (json(EventJson::schema()), json(EventDetailJson::schema()));
        let keys = |v: &serde_json::Value| -> Vec<String> {
            v["properties"]
                .as_object()
                .map(|p| p.keys().cloned().collect())
                .unwrap_or_default()
        };
        let mut expected = keys(&listed);
        expected.extend(["body", "updated_at", "sources", "related"].map(String::from));
        let mut found = keys(&detail);
        expected.sort();
        found.sort();
        assert_eq!(found, expected);
        assert_eq!(detail["additionalProperties"], false);
        assert!(
            detail["required"]
                .as_array()
                .is_some_and(|r| r.iter().any(|k| k == "slug") && r.iter().any(|k| k == "body"))
        );
    }

    #[test]
    fn limit_defaults_and_refuses_out_of_range() {
        let limit = parse_limit;
        assert_eq!(limit(""), Ok(DEFAULT_LIMIT));
        assert_eq!(limit("limit=500"), Ok(500));
        for bad in ["limit=0", "limit=501", "limit=abc", "limit=-1", "limit=1.5"] {
            assert_eq!(limit(bad), Err("limit".to_string()));
        }
    }
}

#[cfg(test)]
mod proptests {
    //! Any `limit` is a number from 1 to the maximum or a problem named `limit`.

    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn any_limit_is_in_range_or_refused_by_name(value in prop_oneof![".{0,30}", "[-+ ]?[0-9]{0,25}(\\.[0-9]{0,3})?"]) {
            let query = serde_urlencoded::to_string([("limit", value.as_str())]).expect("encodes");
            match parse_limit(&query) {
                Ok(n) => prop_assert!((1..=MAX_LIMIT).contains(&n), "{value:?} gave {n}"),
                Err(field) => prop_assert_eq!(field, "limit"),
            }
        }
    }
}
