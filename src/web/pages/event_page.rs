//! `GET /events/{slug}`: one event with its sources, related events, neighbours in time,
//! and the metadata (canonical URL, Open Graph, schema.org JSON-LD) that makes a shared link
//! preview well.

use askama::Template;
use axum::extract::State;

use crate::web::http::params::Segment;
use axum::response::{Html, IntoResponse, Response};

use super::dates::DateView;
use super::layout::{Alternate, Layout, isolate};
use crate::db::models::{Neighbour, RelatedEvent, Source};
use crate::db::queries;
use crate::model::LinkRel;
use crate::record::Fatalities;
use crate::web::http::error::AppError;
use crate::web::http::state::AppState;
use crate::{markdown, slug};

#[derive(Template)]
#[template(path = "event.html")]
struct EventPage {
    layout: Layout,
    title: String,
    date: DateView,
    category: String,
    category_url: String,
    /// The place as the sources put it.
    place: Option<String>,
    /// The places it names, each with all its names.
    places: Vec<super::places::PlaceView>,
    /// Whether any of them has more than one name.
    has_place_names: bool,
    actors: Vec<NamedLink>,
    /// The conflict the event belongs to, linked to its timeline (`/?conflict=slug`).
    conflict: Option<NamedLink>,
    /// The summary's Markdown as sanitised inline HTML.
    summary_html: String,
    body_html: String,
    fatalities: Option<String>,
    sources: Vec<SourceView>,
    related: Vec<RelatedView>,
    previous: Option<NeighbourView>,
    next: Option<NeighbourView>,
    timeline_url: String,
    json_ld: String,
    updated_at: String,
    /// When an import last corrected the event (words, UTC timestamp), if one did.
    corrected: Option<(String, String)>,
    /// `/events/{slug}/history`.
    history_url: String,
    /// "Embed or share this event" (`_share.html`).
    share: super::share::ShareView,
    /// "Cite this event" (`_cite.html`).
    cite: super::cite::CiteView,
}

/// A name linking to a filtered timeline (an actor's, the conflict's).
struct NamedLink {
    name: String,
    url: String,
}

struct SourceView {
    title: String,
    url: Option<String>,
    publisher: Option<String>,
    published: Option<DateView>,
    note: Option<String>,
}

struct RelatedView {
    relation: &'static str,
    url: String,
    title: String,
    date: DateView,
}

struct NeighbourView {
    url: String,
    title: String,
    date: DateView,
}

impl From<Neighbour> for NeighbourView {
    fn from(n: Neighbour) -> Self {
        NeighbourView {
            url: format!("/events/{}", n.slug),
            title: n.title,
            date: DateView::new(&n.edtf, n.date_label.as_deref()),
        }
    }
}

impl From<RelatedEvent> for RelatedView {
    fn from(r: RelatedEvent) -> Self {
        let rel = LinkRel::parse(&r.rel).unwrap_or(LinkRel::Related);
        RelatedView {
            relation: if r.outgoing {
                rel.outgoing_words()
            } else {
                rel.incoming_words()
            },
            url: format!("/events/{}", r.slug),
            title: r.title,
            date: DateView::new(&r.edtf, r.date_label.as_deref()),
        }
    }
}

impl From<Source> for SourceView {
    fn from(s: Source) -> Self {
        SourceView {
            title: s.title,
            // The schema only admits http(s) URLs; checked again here because this is the
            // last step before an href.
            url: s.url.filter(|u| crate::model::is_web_url(u)),
            publisher: s.publisher,
            published: s.published.as_deref().map(|p| DateView::new(p, None)),
            note: s.note,
        }
    }
}

/// `GET /events/{slug}`.
pub async fn show_event(
    State(state): State<AppState>,
    Segment(slug): Segment,
) -> Result<Response, AppError> {
    // Slugs are ASCII kebab-case: anything else cannot exist, nor have been an event's, so
    // skip the queries.
    if !slug::is_valid(&slug, crate::model::EVENT_SLUG_MAX) {
        return Err(AppError::NotFound("event"));
    }
    let Some(event) = queries::event_by_slug(&state.db, &slug).await? else {
        // A former slug redirects; a removed event's page answers 410 with its last version.
        return match super::history::moved_or_gone(&state, &slug, "").await? {
            Some(answer) => Ok(answer),
            None => Err(AppError::NotFound("event")),
        };
    };
    let id = event.summary.id;
    // The latest correction in the event's history (a few changes at most).
    let corrected = crate::db::history::event_changes(&state.db, id)
        .await?
        .into_iter()
        .rfind(|change| change.is_correction())
        .map(|change| (super::history::day_words(&change.at), change.at));
    let actors = queries::actors_of(&state.db, id).await?;
    let sources = queries::sources_of(&state.db, id).await?;
    let related = queries::related_events(&state.db, id).await?;
    let (previous, next) = queries::neighbours(&state.db, &event.summary).await?;
    let places = super::places::views_of_event(&state.db, id).await?;

    let e = &event.summary;
    let conflict = queries::conflicts(&state.db)
        .await?
        .into_iter()
        .find(|c| c.id == e.conflict_id)
        .map(|c| NamedLink {
            url: format!(
                "/?{}",
                serde_urlencoded::to_string([("conflict", c.slug.as_str())]).unwrap_or_default()
            ),
            name: c.name,
        });
    // Pages show the summary's Markdown rendered; text-only places take its words.
    let summary_text = markdown::plain_text(&e.summary);
    let date = DateView::new(&e.edtf, e.date_label.as_deref());
    let canonical = format!("{}/events/{}", state.config.public_url, e.slug);
    let year = crate::edtf::Day(e.start_day).year();
    let json_ld = json_ld(
        &canonical,
        e.title.as_str(),
        summary_text.as_str(),
        &date,
        &places,
    );

    let mut layout = Layout::new(format!("{} · {}", isolate(&e.title), date.words));
    layout.description = Some(summary_text.clone());
    layout.canonical = Some(canonical);
    layout.alternates.push(Alternate {
        href: format!("/api/events/{}", e.slug),
        media_type: "application/json",
        title: "This event as JSON",
    });
    let (share_meta, share, oembed) = super::share::for_event(
        &state.config.public_url,
        &e.slug,
        &format!("{} ({})", e.title, date.words),
        &summary_text,
        e.start_day,
        e.end_day,
    );
    layout.share = Some(share_meta);
    layout.oembed = Some(oembed);
    let citation = super::cite::event_citation(&state, &e.slug).await?;

    let page = EventPage {
        layout,
        title: e.title.clone(),
        category: e.category.clone(),
        category_url: format!("/?category={}", e.category),
        place: e.place.clone(),
        has_place_names: places.iter().any(|p| p.names.len() > 1),
        places,
        actors: actors
            .into_iter()
            .map(|a| NamedLink {
                url: format!(
                    "/?{}",
                    serde_urlencoded::to_string([("actor", a.slug.as_str())]).unwrap_or_default()
                ),
                name: a.name,
            })
            .collect(),
        conflict,
        summary_html: markdown::render_inline(&e.summary),
        body_html: markdown::render(&event.body),
        fatalities: fatalities_text(event.figures.fatalities()),
        sources: sources.into_iter().map(SourceView::from).collect(),
        related: related.into_iter().map(RelatedView::from).collect(),
        previous: previous.map(NeighbourView::from),
        next: next.map(NeighbourView::from),
        timeline_url: format!("/?from={year:04}&to={year:04}#{}", e.slug),
        json_ld,
        updated_at: event.updated_at.clone(),
        corrected,
        history_url: format!("/events/{}/history", e.slug),
        share,
        cite: super::cite::CiteView::new(&citation, &e.slug),
        date,
    };
    Ok(Html(page.render()?).into_response())
}

fn fatalities_text(figures: Fatalities) -> Option<String> {
    use super::dates::thousands;
    let Fatalities { best, low, high } = figures;
    match (best, low, high) {
        (None, None, None) => None,
        // A source's low estimate above its high one (UCDP has such rows) is shown as
        // published, not as a range running backwards.
        (b, Some(l), Some(h)) if l > h => Some(format!(
            "{}low {}, high {} (as published)",
            b.map(|b| format!("{}: ", thousands(b))).unwrap_or_default(),
            thousands(l),
            thousands(h)
        )),
        (Some(b), Some(l), Some(h)) => Some(format!(
            "{} (range {}–{})",
            thousands(b),
            thousands(l),
            thousands(h)
        )),
        (Some(b), _, _) => Some(thousands(b)),
        (None, Some(l), Some(h)) => Some(format!("{}–{}", thousands(l), thousands(h))),
        (None, Some(l), None) => Some(format!("at least {}", thousands(l))),
        (None, None, Some(h)) => Some(format!("up to {}", thousands(h))),
    }
}

/// schema.org `Event` as JSON-LD, made safe to embed in a `<script>` element: `<`, `>` and
/// `&` are written as JSON escapes so no text can close the element.
fn json_ld(
    url: &str,
    name: &str,
    description: &str,
    date: &DateView,
    places: &[super::places::PlaceView],
) -> String {
    let mut value = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "Event",
        "name": name,
        "description": description,
        "url": url,
    });
    if let Some(start) = &date.datetime {
        value["startDate"] = start.clone().into();
    }
    if let Some(end) = &date.datetime_end {
        value["endDate"] = end.clone().into();
    }
    let locations: Vec<serde_json::Value> = places.iter().map(|p| p.json_ld()).collect();
    match locations.len() {
        0 => {}
        1 => value["location"] = locations[0].clone(),
        _ => value["location"] = locations.into(),
    }
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

#[cfg(test)]
mod tests {
    use super::fatalities_text;
    use crate::record::Fatalities;

    fn figures(best: i64, low: i64, high: i64) -> Fatalities {
        Fatalities {
            best: Some(best),
            low: Some(low),
            high: Some(high),
        }
    }

    #[test]
    fn a_low_estimate_above_the_high_one_reads_as_published() {
        assert_eq!(
            fatalities_text(figures(18, 18, 17)).as_deref(),
            Some("18: low 18, high 17 (as published)")
        );
        assert_eq!(
            fatalities_text(figures(6, 6, 9)).as_deref(),
            Some("6 (range 6–9)")
        );
    }
}
