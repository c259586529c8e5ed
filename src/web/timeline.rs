//! `GET /`: the timeline. The filter form, a count, and one page of events in time order
//! under year and month headings, each month marked with the eras it falls in.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::AppState;
use super::dates::{DateView, month_heading, thousands};
use super::error::AppError;
use super::layout::Layout;
use super::overview::{self, Overview};
use super::params::{ParamProblem, TimelineParams};
use crate::db::models::{Era, EventSummary};
use crate::db::queries;
use crate::edtf::Day;

/// Cards per page: enough to read a month of the bundled dataset at a glance, few enough
/// that a page over a million events renders in milliseconds.
pub const PAGE_SIZE: u32 = 100;

#[derive(Template)]
#[template(path = "timeline.html")]
struct TimelinePage {
    layout: Layout,
    heading: String,
    intro: String,
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
}

/// Events of one year.
struct YearGroup {
    year: i32,
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
    pub slug: String,
    pub url: String,
    pub title: String,
    pub date: DateView,
    pub category: String,
    pub place: Option<String>,
    pub actors: Vec<String>,
    pub summary: String,
}

impl EventCard {
    fn new(e: &EventSummary) -> Self {
        EventCard {
            slug: e.slug.clone(),
            url: format!("/events/{}", e.slug),
            title: e.title.clone(),
            date: DateView::new(&e.edtf, e.date_label.as_deref()),
            category: e.category.clone(),
            place: e.place.clone(),
            actors: e.actors().into_iter().map(str::to_string).collect(),
            summary: e.summary.clone(),
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
    let params = TimelineParams::parse(query.as_deref());
    let conflicts = queries::conflicts(&state.db).await?;
    let eras = queries::eras(&state.db).await?;
    let total = queries::total_events(&state.db).await?;

    let (heading, intro) = match conflicts.as_slice() {
        [only] => (only.name.clone(), only.summary.clone()),
        _ => ("Conflict timelines".to_string(), String::new()),
    };
    let mut page = TimelinePage {
        layout: Layout::new(format!("{heading} · timeline")),
        heading,
        intro,
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
        active_filters: active_filters(&params),
        overview: None,
    };
    page.layout.description = Some(page.intro.chars().take(200).collect());

    if !params.problems.is_empty() {
        // Keep the page whole and the form filled: the reader fixes the field and resubmits.
        page.count_text = format!("{} events in all", thousands(total));
        let html = page.render()?;
        return Ok((StatusCode::BAD_REQUEST, Html(html)).into_response());
    }

    let mut events =
        queries::list_events(&state.db, &params.filter, params.after, PAGE_SIZE + 1).await?;
    let has_more = events.len() > PAGE_SIZE as usize;
    events.truncate(PAGE_SIZE as usize);
    let matching = queries::count_events(&state.db, &params.filter).await?;

    let view_query = params.view_query();
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
        page.first_page_url = Some(if view_query.is_empty() {
            "/".to_string()
        } else {
            format!("/?{view_query}")
        });
    }
    page.years = group(&events, &eras);
    if let Some((first, last)) = queries::data_span(&state.db).await? {
        let data = overview::Span { first, last };
        page.overview = Some(overview::build(&state.db, &params, &eras, data, matching).await?);
    }
    Ok(Html(page.render()?).into_response())
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
    let mut query = Vec::new();
    if era.start_day > Day::MIN.0 {
        query.push(format!("from={}", Day(era.start_day).iso()));
    }
    if era.end_day < Day::MAX.0 {
        query.push(format!("to={}", Day(era.end_day).iso()));
    }
    EraLink {
        name: era.name.clone(),
        words: date.words,
        url: format!("/?{}", query.join("&")),
    }
}

fn active_filters(params: &TimelineParams) -> Vec<ActiveFilter> {
    let mut out = Vec::new();
    let without = |kind: &str, value: &str| {
        let mut p = TimelineParams {
            from: params.from.clone(),
            to: params.to.clone(),
            categories: params.categories.clone(),
            actors: params.actors.clone(),
            ..TimelineParams::default()
        };
        match kind {
            "category" => p.categories.retain(|c| c != value),
            _ => p.actors.retain(|a| a != value),
        }
        let q = p.view_query();
        if q.is_empty() {
            "/".to_string()
        } else {
            format!("/?{q}")
        }
    };
    for c in &params.categories {
        out.push(ActiveFilter {
            label: format!("Category: {c}"),
            remove_url: without("category", c),
        });
    }
    for a in &params.actors {
        out.push(ActiveFilter {
            label: format!("Actor: {a}"),
            remove_url: without("actor", a),
        });
    }
    out
}

/// Groups events (already in time order) by the year and month of their earliest day.
fn group(events: &[EventSummary], eras: &[Era]) -> Vec<YearGroup> {
    let mut years: Vec<YearGroup> = Vec::new();
    for event in events {
        let start = Day(event.start_day);
        let (year, month, _) = start.ymd();
        if years.last().is_none_or(|y| y.year != year) {
            years.push(YearGroup {
                year,
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
