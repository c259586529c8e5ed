//! `GET /`: the timeline. The filter form, a count, and one page of events in time order
//! under year and month headings, each month marked with the eras it falls in.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::dates::{DateView, month_heading, thousands};
use super::facets::{self, FacetView};
use super::layout::{Alternate, Layout, isolate};
use super::overview::{self, Overview};
use crate::db::catalog::{Catalog, MANY_CONFLICTS};
use crate::db::models::{Era, EventSummary, SearchSnippets};
use crate::db::queries;
use crate::edtf::Day;
use crate::search;
use crate::web::http::error::AppError;
use crate::web::http::params::{MAX_PAGE, ParamProblem, TimelineParams};
use crate::web::http::state::AppState;

/// Cards per page: a busy month of the bundled dataset at a glance, few enough that a page
/// stays near 100 KB of HTML (a phone on a slow line shows it in a second or two) and that
/// every card's row, actors, places and sources are read by id in about a millisecond
/// (the strip above the list shows every event of the view whatever the page).
pub const PAGE_SIZE: u32 = 50;

/// Search results per page. With [`MAX_PAGE`] pages, a search shows its best 1,000 hits.
pub const SEARCH_PAGE_SIZE: u32 = 20;

#[derive(Template)]
#[template(path = "timeline.html")]
struct TimelinePage {
    layout: Layout,
    heading: String,
    intro: String,
    /// The introduction's first sentence, shown on the unfiltered timeline.
    lead: String,
    /// The rest of the introduction, behind "More".
    more: String,
    /// In a view of one conflict: its summary, Markdown rendered and sanitised, shown
    /// whatever else the view filters.
    conflict_intro: Option<String>,
    /// The filter form starts unfolded on narrow screens (it has problems to show).
    filters_open: bool,
    from: String,
    to: String,
    problems: Vec<ParamProblem>,
    count_text: String,
    range_text: String,
    years: Vec<YearGroup>,
    eras: Vec<EraLink>,
    next_url: Option<String>,
    first_page_url: Option<String>,
    filtered: bool,
    active_filters: Vec<ActiveFilter>,
    overview: Option<Overview>,
    /// The search text as typed.
    q: String,
    /// Search results, best first (empty when not searching: then `years` holds the events).
    hits: Vec<EventCard>,
    /// What the search left out, in words.
    search_note: Option<String>,
    next_label: &'static str,
    /// Filters the form has no field for (category, actor), kept when it is submitted.
    keep: Vec<(&'static str, String)>,
    /// This view in other formats.
    downloads: Vec<Download>,
    /// Narrow by category, actor, place, conflict.
    facets: Vec<FacetView>,
    /// "Embed or share this view" (`_share.html`).
    share: super::share::ShareView,
    /// The map of the events in view by place (SVG), and the places in view that lie off
    /// it or have no coordinates.
    map: Option<String>,
    off_map: Vec<super::places::PlaceLine>,
    /// The box as typed, and the rest of the view for the map's box form.
    bbox: String,
    map_keep: Vec<(&'static str, String)>,
}

/// A link to this view in another format.
struct Download {
    label: &'static str,
    href: String,
    media_type: &'static str,
}

/// Events of one year.
struct YearGroup {
    year: i32,
    /// The year as a heading says it ("1988", "300 BCE"; never "-299").
    label: String,
    months: Vec<MonthGroup>,
}

/// Events of one month, with the eras that month falls in.
struct MonthGroup {
    id: String,
    heading: String,
    eras: Vec<String>,
    events: Vec<EventCard>,
}

/// One event on the timeline.
pub struct EventCard {
    pub id: i64,
    pub slug: String,
    pub url: String,
    pub title: String,
    pub date: DateView,
    pub category: String,
    pub place: Option<String>,
    pub actors: Vec<String>,
    /// The summary's Markdown as sanitised inline HTML (links, emphasis).
    pub summary_html: String,
    /// In search results: the best extract with hits in `<mark>`, as safe HTML.
    pub snippet: Option<String>,
    /// The slugs of its places, separated by spaces (the map lights the cards of a place).
    pub place_slugs: String,
    /// Who the sources are (publishers, else titles): the printed chronology lists them.
    pub sources: Vec<String>,
}

impl EventCard {
    /// The card of an event as lists show it (its places by their labels).
    pub(super) fn new(e: &EventSummary) -> Self {
        EventCard {
            slug: e.slug.clone(),
            url: format!("/events/{}", e.slug),
            title: e.title.clone(),
            date: DateView::new(&e.edtf, e.date_label.as_deref()),
            category: e.category.clone(),
            place: {
                let labels: Vec<String> = e.places().into_iter().map(|p| p.label).collect();
                if labels.is_empty() {
                    e.place.clone()
                } else {
                    Some(labels.join("; "))
                }
            },
            actors: e.actors().into_iter().map(str::to_string).collect(),
            summary_html: crate::markdown::render_inline(&e.summary),
            snippet: None,
            place_slugs: e
                .places()
                .into_iter()
                .map(|p| p.slug)
                .collect::<Vec<_>>()
                .join(" "),
            sources: Vec::new(),
            id: e.id,
        }
    }
}

/// An era, as a preset range for the filter.
struct EraLink {
    name: String,
    words: String,
    url: String,
}

/// A filter in force other than the date range, with a link that removes it.
struct ActiveFilter {
    label: String,
    remove_url: String,
}

/// `GET /`.
pub async fn show_timeline(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let mut params = TimelineParams::parse(query.as_deref());
    let paging = paging_problems(&params);
    params.problems.extend(paging);
    let catalog = state.catalog().await?;
    let (conflicts, total) = (&catalog.conflicts, catalog.total);
    let eras = &catalog.eras_of(&params.conflicts);

    // A view of one conflict (`conflict=X`) is headed by it and shows its summary (a
    // TimelineJS title slide's whole text), as a collection of one conflict always is.
    let selected = match params.conflicts.as_slice() {
        [slug] => conflicts.iter().find(|c| &c.slug == slug),
        _ => None,
    };
    let (heading, summary) = match catalog.conflict_in_view(&params.conflicts) {
        Some(c) => (c.name.clone(), c.summary.clone()),
        None => (MANY_CONFLICTS.to_string(), String::new()),
    };
    let conflict_intro = selected
        .filter(|c| !c.summary.trim().is_empty())
        .map(|c| crate::markdown::render(&c.summary));
    let intro = crate::markdown::plain_text(&summary);
    let (lead, more) = split_lead(&intro);
    let (share_meta, share, oembed) =
        super::share::for_view(&state.config.public_url, &params, &heading, &intro);
    let mut page = TimelinePage {
        layout: Layout::new(format!("{} · timeline", isolate(&heading))),
        heading,
        intro,
        lead,
        more,
        conflict_intro,
        filters_open: !params.problems.is_empty(),
        from: params.from.clone(),
        to: params.to.clone(),
        problems: params.problems.clone(),
        count_text: String::new(),
        range_text: String::new(),
        years: Vec::new(),
        eras: eras.iter().map(era_link).collect(),
        next_url: None,
        first_page_url: None,
        filtered: false,
        active_filters: active_filters(&params, &[]),
        overview: None,
        q: params.q.clone(),
        hits: Vec::new(),
        search_note: None,
        next_label: "Later events →",
        keep: params
            .categories
            .iter()
            .map(|c| ("category", c.clone()))
            .chain(params.actors.iter().map(|a| ("actor", a.clone())))
            .chain(params.conflicts.iter().map(|c| ("conflict", c.clone())))
            .chain(params.places.iter().map(|p| ("place", p.clone())))
            .chain((!params.bbox.is_empty()).then(|| ("bbox", params.bbox.clone())))
            .collect(),
        downloads: Vec::new(),
        facets: Vec::new(),
        share,
        map: None,
        off_map: Vec::new(),
        bbox: params.bbox.clone(),
        map_keep: [("from", &params.from), ("to", &params.to), ("q", &params.q)]
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k, v.clone()))
            .chain(params.categories.iter().map(|c| ("category", c.clone())))
            .chain(params.actors.iter().map(|a| ("actor", a.clone())))
            .chain(params.conflicts.iter().map(|c| ("conflict", c.clone())))
            .chain(params.places.iter().map(|p| ("place", p.clone())))
            .collect(),
    };
    page.layout.description = Some(page.intro.chars().take(200).collect());
    page.layout.has_timeline = true;
    // Searches, facet combinations and later pages are countless addresses over the same
    // events: crawlers index the plain timeline, its date ranges and single facet values.
    let values: usize = crate::db::queries::Facet::ALL
        .iter()
        .map(|f| f.values_in(&params.filter).len())
        .sum();
    if !params.q.is_empty() || values > 1 || params.after.is_some() || params.page.is_some() {
        page.layout.robots = Some("noindex, nofollow");
    }
    page.layout.share = Some(share_meta);
    page.layout.oembed = Some(oembed);

    if !params.problems.is_empty() {
        // Keep the page whole and the form filled: the reader fixes the field and resubmits.
        page.count_text = format!("{} events in all", thousands(total));
        let html = page.render()?;
        return Ok((StatusCode::BAD_REQUEST, Html(html)).into_response());
    }

    let view_query = params.view_query();
    page.layout.alternates = alternates(&params, &view_query);
    page.downloads = downloads(&view_query);
    let db = state.reader().await;
    if let Some(text) = &params.filter.text {
        let matching = show_search(&state, &db, &params, text, total, &mut page).await?;
        page.facets = facets::build(&db, &catalog, &params, matching).await?;
        page.active_filters = active_filters(&params, &page.facets);
        attach_overview(&catalog, &db, &params, eras, matching, &mut page).await?;
        attach_map(&catalog, &db, &params, &mut page).await?;
        return Ok(Html(page.render()?).into_response());
    }

    let mut events = db
        .list_events(&params.filter, params.after, PAGE_SIZE + 1)
        .await?;
    let has_more = events.len() > PAGE_SIZE as usize;
    events.truncate(PAGE_SIZE as usize);
    let matching = db.count_events(&params.filter).await?;

    page.filtered = !view_query.is_empty();
    page.count_text = format!("{} of {} events", thousands(matching), thousands(total));
    page.range_text = range_text(&params);
    if has_more && let Some(last) = events.last() {
        let sep = if view_query.is_empty() { "" } else { "&" };
        page.next_url = Some(format!(
            "/?{view_query}{sep}after={}",
            last.cursor().encode()
        ));
    }
    if params.after.is_some() {
        page.first_page_url = Some(params.url());
    }
    page.years = group(&events, eras);
    let ids: Vec<i64> = events.iter().map(|e| e.id).collect();
    let names = queries::marks::source_names(&state.db, &ids).await?;
    for card in page
        .years
        .iter_mut()
        .flat_map(|y| &mut y.months)
        .flat_map(|m| &mut m.events)
    {
        add_sources(card, &names);
    }
    page.facets = facets::build(&db, &catalog, &params, matching).await?;
    page.active_filters = active_filters(&params, &page.facets);
    attach_overview(&catalog, &db, &params, eras, matching, &mut page).await?;
    attach_map(&catalog, &db, &params, &mut page).await?;
    Ok(Html(page.render()?).into_response())
}

/// Places drawn on the timeline's map at most.
const MAP_PLACES: u32 = 500;

/// The map beside the timeline: the events in view counted per place, a circle per place
/// on the map, the others listed.
async fn attach_map(
    catalog: &Catalog,
    db: &queries::Reader<'_>,
    params: &TimelineParams,
    page: &mut TimelinePage,
) -> Result<(), AppError> {
    let started = std::time::Instant::now();
    // The whole collection's counts are kept by the importer; any other view is counted
    // by the index (or, without it, live by SQLite: the answer is the same either way).
    let counts = if params.filter == queries::EventFilter::default() {
        catalog.facet_totals(queries::Facet::Place, MAP_PLACES)
    } else {
        db.facet_counts(&params.filter, queries::Facet::Place, MAP_PLACES)
            .await?
    };
    if counts.is_empty() && params.filter.bbox.is_none() {
        return Ok(());
    }
    let points = &catalog.points;
    let mut on_map = Vec::new();
    for c in counts {
        let url = params.toggled_url("place", &c.value);
        match points.get(&c.value) {
            Some(&(latitude, longitude)) if super::map::project(latitude, longitude).is_some() => {
                on_map.push(super::map::ViewPoint {
                    slug: c.value,
                    label: c.label,
                    count: c.count,
                    latitude,
                    longitude,
                    url,
                })
            }
            _ => page.off_map.push(super::places::PlaceLine {
                url,
                label: c.label,
                events: c.count,
            }),
        }
    }
    let on_map_count = on_map.len();
    page.map = Some(super::map::view_map(
        &on_map,
        params
            .filter
            .bbox
            .map(|b| [b.west, b.south, b.east, b.north]),
    ));
    // What the map adds to the page (read by `bench/map_bench.py`).
    tracing::debug!(
        micros = started.elapsed().as_micros() as u64,
        places = on_map_count,
        "timeline map drawn"
    );
    Ok(())
}

/// Draws the overview strip of the view (search results included) when there is data.
async fn attach_overview(
    catalog: &Catalog,
    db: &queries::Reader<'_>,
    params: &TimelineParams,
    eras: &[Era],
    matching: i64,
    page: &mut TimelinePage,
) -> Result<(), AppError> {
    if let Some((first, last)) = catalog.span {
        let data = overview::Span { first, last };
        page.overview = Some(overview::build(db, params, eras, data, matching).await?);
    }
    Ok(())
}

/// Fills `page` with one page of search results, best first, and returns how many events
/// match. Relevance order has no stable keyset (bm25 scores shift whenever the index
/// changes), so it pages by number, up to [`MAX_PAGE`].
async fn show_search(
    state: &AppState,
    db: &queries::Reader<'_>,
    params: &TimelineParams,
    text: &search::FtsQuery,
    total: i64,
    page: &mut TimelinePage,
) -> Result<i64, AppError> {
    let page_no = params.page.unwrap_or(1);
    let offset = (page_no - 1) * SEARCH_PAGE_SIZE;
    let mut hits = db
        .search_events(&params.filter, offset, SEARCH_PAGE_SIZE + 1)
        .await?;
    let has_more = hits.len() > SEARCH_PAGE_SIZE as usize;
    hits.truncate(SEARCH_PAGE_SIZE as usize);
    let ids: Vec<i64> = hits.iter().map(|h| h.id).collect();
    let snippets = db.search_snippets(text, &ids).await?;
    let matching = db.count_events(&params.filter).await?;

    let view_query = params.view_query();
    page.filtered = true;
    page.count_text = format!(
        "{} of {} events match “{}”",
        thousands(matching),
        thousands(total),
        params.q
    );
    page.range_text = format!("{}, best matches first", range_text(params));
    if page_no > 1 && !hits.is_empty() {
        let first = offset + 1;
        let last = offset + hits.len() as u32;
        page.range_text
            .push_str(&format!(" (results {first}–{last})"));
    }
    if !text.ignored().is_empty() {
        let pieces: Vec<String> = text.ignored().iter().map(|s| format!("“{s}”")).collect();
        page.search_note = Some(format!(
            "Left out of the search, as there is nothing to look for in them: {}.",
            pieces.join(", ")
        ));
    }
    page.hits = hits
        .iter()
        .map(|e| {
            let mut card = EventCard::new(e);
            card.snippet = snippets
                .iter()
                .find(|s| s.id == e.id)
                .and_then(best_snippet);
            card
        })
        .collect();
    let names = queries::marks::source_names(&state.db, &ids).await?;
    for card in &mut page.hits {
        add_sources(card, &names);
    }
    page.next_label = "More results →";
    if has_more && page_no < MAX_PAGE {
        page.next_url = Some(format!("/?{view_query}&page={}", page_no + 1));
    }
    if page_no > 1 {
        page.first_page_url = Some(params.url());
    }
    Ok(matching)
}

/// Gives a card the names of its event's sources, once each.
fn add_sources(card: &mut EventCard, names: &[(i64, String)]) {
    for (_, name) in names.iter().filter(|(id, _)| *id == card.id) {
        if !card.sources.contains(name) {
            card.sources.push(name.clone());
        }
    }
}

/// The summary's extract if the hit is there, else the body's; none if the words matched
/// only the title, actors or place (the card shows those anyway).
fn best_snippet(s: &SearchSnippets) -> Option<String> {
    [&s.summary, &s.body]
        .into_iter()
        .find(|text| search::has_hit(text))
        .map(|text| search::highlighted_html(text))
}

/// `page` belongs to search results (relevance order, by number) and `after` to the
/// timeline (time order, by cursor): each is refused where it means nothing.
fn paging_problems(params: &TimelineParams) -> Vec<ParamProblem> {
    let mut problems = Vec::new();
    if params.q.is_empty() {
        if let Some(page) = params.page {
            problems.push(ParamProblem::new(
                "page",
                &page.to_string(),
                "only applies to search results (with q=); the timeline pages with “Later events”",
            ));
        }
    } else if let Some(after) = params.after {
        problems.push(ParamProblem::new(
            "after",
            &after.encode(),
            "does not apply to search results, which are ranked by relevance and paged with page=",
        ));
    }
    problems
}

/// The JSON twin of the view (the same page of it) and its Atom feed.
fn alternates(params: &TimelineParams, view_query: &str) -> Vec<Alternate> {
    let mut api = with_query("/api/events", view_query);
    if let Some(after) = params.after {
        let sep = if view_query.is_empty() { '?' } else { '&' };
        api.push_str(&format!("{sep}after={}", after.encode()));
    }
    vec![
        Alternate {
            href: api,
            media_type: "application/json",
            title: "These events as JSON",
        },
        Alternate {
            href: with_query("/export/events.atom", view_query),
            media_type: "application/atom+xml",
            title: "These events as an Atom feed",
        },
    ]
}

/// The whole view (every page of it) in each export format.
fn downloads(view_query: &str) -> Vec<Download> {
    [
        ("CSV", "/export/events.csv", "text/csv"),
        ("iCalendar", "/export/events.ics", "text/calendar"),
        ("Atom", "/export/events.atom", "application/atom+xml"),
        ("TimelineJS", "/export/timelinejs.json", "application/json"),
    ]
    .into_iter()
    .map(|(label, path, media_type)| Download {
        label,
        href: with_query(path, view_query),
        media_type,
    })
    .collect()
}

fn with_query(path: &str, query: &str) -> String {
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    }
}

/// `GET /search`: the timeline is the search page, so this sends the same query there
/// (303, so that a form's GET stays a GET).
pub async fn redirect_search(RawQuery(query): RawQuery) -> axum::response::Redirect {
    let target = match query.as_deref() {
        Some(q) if !q.is_empty() => format!("/?{q}"),
        _ => "/".to_string(),
    };
    axum::response::Redirect::to(&target)
}

/// The introduction's first sentence and the rest (empty when it is one sentence, or the
/// first sentence is most of it).
fn split_lead(intro: &str) -> (String, String) {
    let intro = intro.trim();
    let cut = intro
        .match_indices(". ")
        .map(|(i, _)| i + 1)
        .find(|&i| i >= 60);
    match cut {
        Some(i) if intro.len() - i > 40 => (intro[..i].to_string(), intro[i..].trim().to_string()),
        _ => (intro.to_string(), String::new()),
    }
}

fn range_text(params: &TimelineParams) -> String {
    match (params.from.as_str(), params.to.as_str()) {
        ("", "") => "the whole chronology".to_string(),
        (from, "") => format!("from {from} on"),
        ("", to) => format!("up to {to}"),
        (from, to) => format!("from {from} to {to}"),
    }
}

fn era_link(era: &Era) -> EraLink {
    let date = DateView::new(&era.edtf, None);
    EraLink {
        name: era.name.clone(),
        words: date.words,
        url: era_url(era),
    }
}

/// The view of an era's range.
pub(super) fn era_url(era: &Era) -> String {
    let mut query = Vec::new();
    if era.start_day > Day::MIN.0 {
        query.push(format!("from={}", Day(era.start_day).iso()));
    }
    if era.end_day < Day::MAX.0 {
        query.push(format!("to={}", Day(era.end_day).iso()));
    }
    format!("/?{}", query.join("&"))
}

/// The removable filters of the view, each named as its facet names it (an actor's or a
/// conflict's name rather than its slug); the value itself where no facet lists it.
fn active_filters(params: &TimelineParams, facets: &[FacetView]) -> Vec<ActiveFilter> {
    let mut out = Vec::new();
    if !params.q.is_empty() {
        out.push(ActiveFilter {
            label: format!("Search: {}", params.q),
            remove_url: params.toggled_url("q", ""),
        });
    }
    if !params.bbox.is_empty() {
        out.push(ActiveFilter {
            label: format!("Inside the box {}", params.bbox),
            remove_url: params.toggled_url("bbox", ""),
        });
    }
    for (kind, word, values) in [
        ("category", "Category", &params.categories),
        ("actor", "Actor", &params.actors),
        ("conflict", "Conflict", &params.conflicts),
        ("place", "Place", &params.places),
    ] {
        for value in values {
            let name = facets
                .iter()
                .filter(|f| f.key == kind)
                .flat_map(|f| &f.values)
                .find(|v| &v.value == value)
                .map_or(value.as_str(), |v| v.label.as_str());
            out.push(ActiveFilter {
                label: format!("{word}: {name}"),
                remove_url: params.toggled_url(kind, value),
            });
        }
    }
    out
}

/// Groups events (already in time order) by the year and month of their earliest day; an
/// event whose start is missing (open or unknown) by its last day, the only day it has.
fn group(events: &[EventSummary], eras: &[Era]) -> Vec<YearGroup> {
    let mut years: Vec<YearGroup> = Vec::new();
    for event in events {
        let start = if event.start_day == Day::MIN.0 {
            Day(event.end_day)
        } else {
            Day(event.start_day)
        };
        let (year, month, _) = start.ymd();
        if years.last().is_none_or(|y| y.year != year) {
            years.push(YearGroup {
                year,
                label: crate::edtf::year_words(i64::from(year)),
                months: Vec::new(),
            });
        }
        let Some(year_group) = years.last_mut() else {
            continue;
        };
        let id = format!("{year:04}-{month:02}");
        if year_group.months.last().is_none_or(|m| m.id != id) {
            let first = Day::from_ymd(year, month, 1).unwrap_or(start);
            let last = Day::from_ymd(year, month, crate::edtf::days_in_month(year, month))
                .unwrap_or(start);
            let month_eras = eras
                .iter()
                .filter(|e| e.start_day <= last.0 && e.end_day >= first.0)
                .map(|e| e.name.clone())
                .collect();
            year_group.months.push(MonthGroup {
                id,
                heading: month_heading(start),
                eras: month_eras,
                events: Vec::new(),
            });
        }
        if let Some(month_group) = year_group.months.last_mut() {
            month_group.events.push(EventCard::new(event));
        }
    }
    years
}
