//! Exports of any filtered view of the timeline, with the same filters as `/` (`from`, `to`,
//! `q`, `category`, `actor`): CSV (RFC 4180), iCalendar (RFC 5545), Atom (RFC 4287) and
//! TimelineJS JSON. An export holds the whole view, not one page of it, up to
//! [`EXPORT_MAX_ROWS`] events in timeline order (the Atom feed: the newest
//! [`FEED_MAX_ENTRIES`]). Every response says its cap in `X-Export-Row-Limit` and, when the
//! view held more, `X-Export-Truncated: true`.
//!
//! Each format is written by hand: the escaping rules are short, and owning them keeps the
//! guarantees visible (CSV formula guards, iCalendar line folding, XML-safe text).

use axum::extract::{RawQuery, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use super::events::FilterQuery;
use crate::db::models::{Era, EventRecord};
use crate::db::queries::{self, Order};
use crate::edtf::{Day, Edtf, Precision};
use crate::markdown::escape_html as html;
use crate::web::http::error::AppError;
use crate::web::http::params::{ParamProblem, TimelineParams};
use crate::web::http::state::AppState;
use crate::web::pages::dates::DateView;

/// Most events in a CSV, iCalendar or TimelineJS export. Past it, narrow the view (a date
/// range, a category) or page through `/api/events`.
pub const EXPORT_MAX_ROWS: u32 = 100_000;
/// Most entries in the Atom feed: the newest ones. Feed readers poll; they want news.
pub const FEED_MAX_ENTRIES: u32 = 1_000;

const X_EXPORT_ROW_LIMIT: HeaderName = HeaderName::from_static("x-export-row-limit");
const X_EXPORT_TRUNCATED: HeaderName = HeaderName::from_static("x-export-truncated");

/// The view to export and its events.
struct Export {
    params: TimelineParams,
    rows: Vec<EventRecord>,
    truncated: bool,
    cap: u32,
    /// "Nagorno-Karabakh conflict: events from 2020 to 2021 matching “peacekeepers”".
    title: String,
    /// The single conflict's summary, when there is only one.
    intro: String,
}

impl Export {
    async fn load(
        state: &AppState,
        query: Option<&str>,
        order: Order,
        cap: u32,
    ) -> Result<Export, AppError> {
        let mut params = TimelineParams::parse(query);
        if let Some(after) = params.after {
            params.problems.push(ParamProblem::new(
                "after",
                &after.encode(),
                "exports hold the whole view, not a page of it; remove it",
            ));
        }
        if let Some(page) = params.page {
            params.problems.push(ParamProblem::new(
                "page",
                &page.to_string(),
                "exports hold the whole view, not a page of it; remove it",
            ));
        }
        if !params.problems.is_empty() {
            return Err(AppError::BadRequest(params.problems));
        }
        let mut rows =
            queries::list_event_records(&state.db, &params.filter, None, order, cap + 1).await?;
        let truncated = rows.len() > cap as usize;
        rows.truncate(cap as usize);
        let conflicts = queries::conflicts(&state.db).await?;
        let (name, intro) = match conflicts.as_slice() {
            [only] => (only.name.clone(), only.summary.clone()),
            _ => ("Conflict timelines".to_string(), String::new()),
        };
        let title = format!("{name}: events{}", describe(&params));
        Ok(Export {
            params,
            rows,
            truncated,
            cap,
            title,
            intro,
        })
    }

    /// The response with the export headers; `filename` makes it a download.
    fn respond(&self, media_type: &'static str, filename: Option<&str>, body: String) -> Response {
        let mut response = body.into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
        if let Some(name) = filename
            && let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        {
            headers.insert(header::CONTENT_DISPOSITION, value);
        }
        headers.insert(X_EXPORT_ROW_LIMIT, HeaderValue::from(self.cap));
        if self.truncated {
            headers.insert(X_EXPORT_TRUNCATED, HeaderValue::from_static("true"));
        }
        response
    }
}

/// The filters in words, for titles: " from 2020 to 2021 matching “peace*”".
fn describe(params: &TimelineParams) -> String {
    let mut out = String::new();
    match (params.from.as_str(), params.to.as_str()) {
        ("", "") => {}
        (from, "") => out.push_str(&format!(" from {from} on")),
        ("", to) => out.push_str(&format!(" up to {to}")),
        (from, to) => out.push_str(&format!(" from {from} to {to}")),
    }
    if !params.categories.is_empty() {
        out.push_str(&format!(" in {}", params.categories.join(" or ")));
    }
    if !params.actors.is_empty() {
        out.push_str(&format!(" involving {}", params.actors.join(" or ")));
    }
    if !params.conflicts.is_empty() {
        out.push_str(&format!(" of {}", params.conflicts.join(" or ")));
    }
    if !params.places.is_empty() {
        out.push_str(&format!(" at {}", params.places.join(" or ")));
    }
    if !params.q.is_empty() {
        out.push_str(&format!(" matching “{}”", params.q));
    }
    out
}

/// A stored day as `YYYY-MM-DD`, or nothing for an open or unknown end.
fn bound(day: i32) -> Option<String> {
    (day != Day::MIN.0 && day != Day::MAX.0).then(|| Day(day).iso())
}

// ----------------------------------------------------------------------------------------
// CSV
// ----------------------------------------------------------------------------------------

/// The CSV header row, in column order.
pub const CSV_COLUMNS: [&str; 14] = [
    "slug",
    "title",
    "edtf",
    "date_words",
    "earliest",
    "latest",
    "category",
    "place",
    "latitude",
    "longitude",
    "actors",
    "summary",
    "url",
    "source_urls",
];

/// `GET /export/events.csv`.
#[utoipa::path(
    get,
    path = "/export/events.csv",
    tag = "exports",
    params(FilterQuery),
    responses(
        (status = 200, description = "RFC 4180 CSV, UTF-8, CRLF line ends, a header row, one \
            row per event in timeline order (at most 100,000). Text cells starting with `=`, \
            `+`, `-`, `@`, tab or carriage return get a leading `'` so spreadsheets do not run \
            them as formulas. `actors` are joined by `; `, `source_urls` by spaces.",
            body = String, content_type = "text/csv"),
        (status = 400, description = "A parameter cannot be used (an HTML page naming it).",
            body = String, content_type = "text/html"),
    )
)]
pub async fn events_csv(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let export = Export::load(&state, query.as_deref(), Order::Timeline, EXPORT_MAX_ROWS).await?;
    let base = &state.config.public_url;
    let mut out = String::with_capacity(256 * (export.rows.len() + 1));
    write_csv_row(&mut out, CSV_COLUMNS.iter().map(|c| Cell::Text(c)));
    for r in &export.rows {
        let e = &r.summary;
        let words = DateView::new(&e.edtf, e.date_label.as_deref()).words;
        let earliest = bound(e.start_day).unwrap_or_default();
        let latest = bound(e.end_day).unwrap_or_default();
        let latitude = r.latitude.map(|v| v.to_string()).unwrap_or_default();
        let longitude = r.longitude.map(|v| v.to_string()).unwrap_or_default();
        let actors = e.actors().join("; ");
        let url = format!("{base}/events/{}", e.slug);
        let sources = r.source_urls().join(" ");
        write_csv_row(
            &mut out,
            [
                Cell::Text(&e.slug),
                Cell::Text(&e.title),
                Cell::Text(&e.edtf),
                Cell::Text(&words),
                Cell::Number(&earliest),
                Cell::Number(&latest),
                Cell::Text(&e.category),
                Cell::Text(e.place.as_deref().unwrap_or("")),
                Cell::Number(&latitude),
                Cell::Number(&longitude),
                Cell::Text(&actors),
                Cell::Text(&e.summary),
                Cell::Text(&url),
                Cell::Text(&sources),
            ],
        );
    }
    Ok(export.respond(
        "text/csv; charset=utf-8; header=present",
        Some("conflict-timeline-events.csv"),
        out,
    ))
}

/// A CSV cell: text gets the formula guard; numbers and dates we wrote ourselves do not
/// (a negative longitude must stay a number).
enum Cell<'a> {
    Text(&'a str),
    Number(&'a str),
}

fn write_csv_row<'a>(out: &mut String, cells: impl IntoIterator<Item = Cell<'a>>) {
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let (value, guard) = match cell {
            Cell::Text(v) => (v, v.starts_with(['=', '+', '-', '@', '\t', '\r'])),
            Cell::Number(v) => (v, false),
        };
        let quote = guard || value.contains([',', '"', '\r', '\n']);
        if quote {
            out.push('"');
        }
        if guard {
            out.push('\'');
        }
        if quote {
            out.push_str(&value.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(value);
        }
    }
    out.push_str("\r\n");
}

// ----------------------------------------------------------------------------------------
// iCalendar
// ----------------------------------------------------------------------------------------

/// `GET /export/events.ics`.
#[utoipa::path(
    get,
    path = "/export/events.ics",
    tag = "exports",
    params(FilterQuery),
    responses(
        (status = 200, description = "RFC 5545 iCalendar: one all-day VEVENT per event \
            (UID `<slug>@conflict-timeline`), from its earliest day to the day after its \
            latest (DTEND is exclusive), so a month-precision event spans the month. An open \
            end gives a one-day event. At most 100,000 events.",
            body = String, content_type = "text/calendar"),
        (status = 400, description = "A parameter cannot be used (an HTML page naming it).",
            body = String, content_type = "text/html"),
    )
)]
pub async fn events_ics(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let export = Export::load(&state, query.as_deref(), Order::Timeline, EXPORT_MAX_ROWS).await?;
    let base = &state.config.public_url;
    let mut out = String::with_capacity(512 * (export.rows.len() + 1));
    let mut line = |text: String| push_folded(&mut out, &text);
    line("BEGIN:VCALENDAR".into());
    line("VERSION:2.0".into());
    line(format!(
        "PRODID:-//conflict-timeline//conflict-timeline {}//EN",
        env!("CARGO_PKG_VERSION")
    ));
    line("CALSCALE:GREGORIAN".into());
    line("METHOD:PUBLISH".into());
    line(format!("X-WR-CALNAME:{}", ics_text(&export.title)));
    for r in &export.rows {
        let e = &r.summary;
        let date = DateView::new(&e.edtf, e.date_label.as_deref());
        // An open start has no first day to show: the event sits on its last day instead.
        let start = if e.start_day == Day::MIN.0 {
            e.end_day
        } else {
            e.start_day
        };
        let end = if e.end_day == Day::MAX.0 {
            start
        } else {
            e.end_day
        };
        let stamp = ics_stamp(&r.updated_at);
        line("BEGIN:VEVENT".into());
        line(format!("UID:{}@conflict-timeline", e.slug));
        line(format!("DTSTAMP:{stamp}"));
        line(format!("LAST-MODIFIED:{stamp}"));
        line(format!("DTSTART;VALUE=DATE:{}", ics_date(Day(start))));
        line(format!("DTEND;VALUE=DATE:{}", ics_date(Day(end).succ())));
        line(format!("SUMMARY:{}", ics_text(&e.title)));
        line(format!(
            "DESCRIPTION:{}",
            ics_text(&format!(
                "{}\n\nDate: {} (EDTF {})",
                e.summary, date.words, e.edtf
            ))
        ));
        if let Some(place) = &e.place {
            line(format!("LOCATION:{}", ics_text(place)));
        }
        if let (Some(lat), Some(lon)) = (r.latitude, r.longitude) {
            line(format!("GEO:{lat};{lon}"));
        }
        line(format!("CATEGORIES:{}", ics_text(&e.category)));
        line(format!("URL:{base}/events/{}", e.slug));
        line("END:VEVENT".into());
    }
    line("END:VCALENDAR".into());
    Ok(export.respond(
        "text/calendar; charset=utf-8",
        Some("conflict-timeline-events.ics"),
        out,
    ))
}

/// A day as an iCalendar DATE: `YYYYMMDD`.
fn ics_date(day: Day) -> String {
    let (y, m, d) = day.ymd();
    format!("{y:04}{m:02}{d:02}")
}

/// `2025-11-25T06:05:06Z` → `20251125T060506Z`.
fn ics_stamp(timestamp: &str) -> String {
    let compact: String = timestamp
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == 'T' || *c == 'Z')
        .collect();
    if compact.len() == 16 {
        compact
    } else {
        "19700101T000000Z".to_string()
    }
}

/// Escapes an iCalendar TEXT value: backslash, `;`, `,` and newlines (RFC 5545 3.3.11).
fn ics_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends a content line, folded so that no line exceeds 75 octets (RFC 5545 3.1): a
/// continuation starts with a space, and a UTF-8 character is never split.
fn push_folded(out: &mut String, line: &str) {
    const MAX: usize = 75;
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > MAX {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

// ----------------------------------------------------------------------------------------
// Atom
// ----------------------------------------------------------------------------------------

/// `GET /export/events.atom`.
#[utoipa::path(
    get,
    path = "/export/events.atom",
    tag = "exports",
    params(FilterQuery),
    responses(
        (status = 200, description = "RFC 4287 Atom feed of the newest 1,000 events of the \
            view, newest first (by earliest day); each entry's id is the event's URL.",
            body = String, content_type = "application/atom+xml"),
        (status = 400, description = "A parameter cannot be used (an HTML page naming it).",
            body = String, content_type = "text/html"),
    )
)]
pub async fn events_atom(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let export = Export::load(
        &state,
        query.as_deref(),
        Order::NewestFirst,
        FEED_MAX_ENTRIES,
    )
    .await?;
    let base = &state.config.public_url;
    let view = export.params.view_query();
    let self_url = if view.is_empty() {
        format!("{base}/export/events.atom")
    } else {
        format!("{base}/export/events.atom?{view}")
    };
    let html_url = if view.is_empty() {
        format!("{base}/")
    } else {
        format!("{base}/?{view}")
    };
    let updated = match export.rows.iter().map(|r| r.updated_at.as_str()).max() {
        Some(latest) => latest.to_string(),
        None => queries::last_updated(&state.db)
            .await?
            .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_string()),
    };

    let mut out = String::with_capacity(1024 * (export.rows.len() + 1));
    out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    out.push_str(&format!("  <id>{}</id>\n", xml(&self_url)));
    out.push_str(&format!("  <title>{}</title>\n", xml(&export.title)));
    out.push_str(&format!("  <updated>{}</updated>\n", xml(&updated)));
    out.push_str(&format!(
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n",
        xml(&self_url)
    ));
    out.push_str(&format!(
        "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
        xml(&html_url)
    ));
    out.push_str("  <author><name>conflict-timeline</name></author>\n");
    out.push_str("  <generator>conflict-timeline</generator>\n");
    for r in &export.rows {
        let e = &r.summary;
        let url = format!("{base}/events/{}", e.slug);
        let date = DateView::new(&e.edtf, e.date_label.as_deref());
        out.push_str("  <entry>\n");
        out.push_str(&format!("    <id>{}</id>\n", xml(&url)));
        out.push_str(&format!("    <title>{}</title>\n", xml(&e.title)));
        out.push_str(&format!("    <updated>{}</updated>\n", xml(&r.updated_at)));
        out.push_str(&format!(
            "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
            xml(&url)
        ));
        out.push_str(&format!("    <category term=\"{}\"/>\n", xml(&e.category)));
        out.push_str(&format!(
            "    <summary type=\"text\">{}: {}</summary>\n",
            xml(&date.words),
            xml(&e.summary)
        ));
        out.push_str("  </entry>\n");
    }
    out.push_str("</feed>\n");
    Ok(export.respond("application/atom+xml; charset=utf-8", None, out))
}

/// Escapes text for XML content and attribute values, dropping characters XML 1.0 does not
/// allow at all (most control characters).
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

// ----------------------------------------------------------------------------------------
// TimelineJS
// ----------------------------------------------------------------------------------------

/// A TimelineJS 3 document (the JSON format its `Timeline` constructor loads).
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TimelineJs {
    /// The title slide.
    pub title: TimelineJsTitle,
    /// One slide per event, in timeline order.
    pub events: Vec<TimelineJsEvent>,
    /// The eras that overlap the view, drawn as bands.
    pub eras: Vec<TimelineJsEra>,
}

/// The title slide.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TimelineJsTitle {
    pub text: TimelineJsText,
}

/// A slide's text; TimelineJS renders both as HTML, so both are escaped here.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TimelineJsText {
    pub headline: String,
    pub text: String,
}

/// An era's label.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TimelineJsHeadline {
    pub headline: String,
}

/// A TimelineJS date: only the components the EDTF value pins down (a month-precision date
/// has no `day`; a year, season, decade or century has only its first `year`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TimelineJsDate {
    pub year: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub month: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub day: Option<String>,
}

/// One event slide.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TimelineJsEvent {
    pub start_date: TimelineJsDate,
    /// Only for intervals with a known end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date: Option<TimelineJsDate>,
    pub text: TimelineJsText,
    /// The event's category.
    pub group: String,
    /// The date in words, as the site shows it.
    pub display_date: String,
    /// The event's slug.
    pub unique_id: String,
}

/// One era band.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TimelineJsEra {
    pub start_date: TimelineJsDate,
    /// Absent for an era still open.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date: Option<TimelineJsDate>,
    pub text: TimelineJsHeadline,
}

/// `GET /export/timelinejs.json`.
#[utoipa::path(
    get,
    path = "/export/timelinejs.json",
    tag = "exports",
    params(FilterQuery),
    responses(
        (status = 200, description = "The view as a TimelineJS 3 document (at most 100,000 \
            events), with the eras that overlap it.", body = TimelineJs),
        (status = 400, description = "A parameter cannot be used (an HTML page naming it).",
            body = String, content_type = "text/html"),
    )
)]
pub async fn timelinejs(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let export = Export::load(&state, query.as_deref(), Order::Timeline, EXPORT_MAX_ROWS).await?;
    let base = &state.config.public_url;
    let eras = queries::eras(&state.db).await?;
    let from = export.params.filter.from.unwrap_or(Day::MIN).0;
    let to = export.params.filter.to.unwrap_or(Day::MAX).0;
    let document = TimelineJs {
        title: TimelineJsTitle {
            text: TimelineJsText {
                headline: html(&export.title),
                text: if export.intro.is_empty() {
                    String::new()
                } else {
                    format!("<p>{}</p>", html(&export.intro))
                },
            },
        },
        events: export
            .rows
            .iter()
            .filter_map(|r| timelinejs_event(r, base))
            .collect(),
        eras: eras
            .iter()
            .filter(|e| e.start_day <= to && e.end_day >= from)
            .filter_map(timelinejs_era)
            .collect(),
    };
    let body = serde_json::to_string(&document).map_err(|err| {
        tracing::error!(%err, "cannot serialise the TimelineJS export");
        AppError::Internal
    })?;
    Ok(export.respond(
        "application/json",
        Some("conflict-timeline-timelinejs.json"),
        body,
    ))
}

fn timelinejs_event(r: &EventRecord, base: &str) -> Option<TimelineJsEvent> {
    let e = &r.summary;
    let (start_date, end_date) = timelinejs_span(&e.edtf)?;
    let url = format!("{base}/events/{}", e.slug);
    Some(TimelineJsEvent {
        start_date,
        end_date,
        text: TimelineJsText {
            headline: html(&e.title),
            text: format!(
                "<p>{}</p><p><a href=\"{}\">Sources and details</a></p>",
                html(&e.summary),
                html(&url)
            ),
        },
        group: e.category.clone(),
        display_date: html(&DateView::new(&e.edtf, e.date_label.as_deref()).words),
        unique_id: e.slug.clone(),
    })
}

fn timelinejs_era(era: &Era) -> Option<TimelineJsEra> {
    let (start_date, end_date) = timelinejs_span(&era.edtf)?;
    Some(TimelineJsEra {
        start_date,
        end_date,
        text: TimelineJsHeadline {
            headline: html(&era.name),
        },
    })
}

/// The start and (for an interval with a known end) end of an EDTF value. An interval with
/// an open or unknown start begins at its end instead; nothing if no side is a date.
fn timelinejs_span(edtf: &str) -> Option<(TimelineJsDate, Option<TimelineJsDate>)> {
    match edtf.split_once('/') {
        None => Some((timelinejs_date(edtf)?, None)),
        Some((start, end)) => match (timelinejs_date(start), timelinejs_date(end)) {
            (Some(s), e) => Some((s, e)),
            (None, Some(e)) => Some((e, None)),
            (None, None) => None,
        },
    }
}

/// One EDTF date (not an interval) as TimelineJS components, to its precision.
fn timelinejs_date(side: &str) -> Option<TimelineJsDate> {
    let date = Edtf::parse(side).ok()?;
    if date.is_interval() {
        return None;
    }
    let (year, month, day) = date.earliest().ymd();
    let (month, day) = match date.precision() {
        Precision::Day => (Some(month), Some(day)),
        Precision::Month => (Some(month), None),
        Precision::Year | Precision::Season | Precision::Decade | Precision::Century => {
            (None, None)
        }
    };
    Some(TimelineJsDate {
        year: year.to_string(),
        month: month.map(|m| m.to_string()),
        day: day.map(|d| d.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_what_needs_it_and_guards_formulas() {
        let mut out = String::new();
        write_csv_row(
            &mut out,
            [
                Cell::Text("plain"),
                Cell::Text("a, b"),
                Cell::Text("say \"hi\"\nthere"),
                Cell::Text("=1+1"),
                Cell::Text("@cmd"),
                Cell::Number("-45.5"),
            ],
        );
        assert_eq!(
            out,
            "plain,\"a, b\",\"say \"\"hi\"\"\nthere\",\"'=1+1\",\"'@cmd\",-45.5\r\n"
        );
    }

    #[test]
    fn ics_lines_fold_at_75_octets_without_splitting_characters() {
        let mut out = String::new();
        let line = format!("DESCRIPTION:{}", "ü".repeat(100));
        push_folded(&mut out, &line);
        for physical in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(physical.len() <= 75, "{} octets", physical.len());
        }
        let unfolded = out.trim_end().replace("\r\n ", "");
        assert_eq!(unfolded, line);
    }

    #[test]
    fn ics_text_escapes_separators() {
        assert_eq!(ics_text("a,b;c\\d\ne\r"), "a\\,b\\;c\\\\d\\ne");
        assert_eq!(ics_stamp("2025-11-25T06:05:06Z"), "20251125T060506Z");
    }

    #[test]
    fn timelinejs_dates_keep_only_known_components() {
        let (start, end) = timelinejs_span("2023-03~").expect("span");
        assert_eq!(
            (start.year.as_str(), start.month.as_deref(), start.day),
            ("2023", Some("3"), None)
        );
        assert!(end.is_none());
        let (start, end) = timelinejs_span("2024-04/2024-06-12").expect("span");
        assert_eq!(start.day, None);
        let end = end.expect("end");
        assert_eq!(
            (end.month.as_deref(), end.day.as_deref()),
            (Some("6"), Some("12"))
        );
        let (start, end) = timelinejs_span("2022-10-06/..").expect("span");
        assert_eq!(start.day.as_deref(), Some("6"));
        assert!(end.is_none());
        let (start, _) = timelinejs_span("../1985").expect("span");
        assert_eq!(start.year, "1985");
        assert_eq!(timelinejs_span("199X").expect("span").0.year, "1990");
    }

    #[test]
    fn xml_escaping_drops_illegal_characters() {
        assert_eq!(xml("a<b>&\"'\u{1}c"), "a&lt;b&gt;&amp;&quot;&apos;c");
    }
}
