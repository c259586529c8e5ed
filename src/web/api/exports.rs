//! The HTTP exports: any filtered view of the timeline, with the same filters as `/`, in
//! the formats of [`crate::export`]: CSV (spreadsheet profile), iCalendar, Atom and
//! TimelineJS JSON. An export holds the whole view, not one page of it, up to
//! [`EXPORT_MAX_ROWS`] events in timeline order (the Atom feed: the newest
//! [`FEED_MAX_ENTRIES`]). Every response says its cap in `X-Export-Row-Limit` and, when the
//! view held more, `X-Export-Truncated: true`.
//!
//! An export is a long download, not a long query: the handler answers with the headers as
//! soon as it has counted the view, and a task streams the body one keyset page at a time,
//! each page one short query on a pooled connection (given back before the page is sent) and
//! under its own budget ([`PAGE_BUDGET`]). Downloads take turns for a share of the pool
//! ([`crate::web::http::state::export_page_readers`]), so however many run, the other
//! requests find a free connection. The request timeout covers producing the response
//! head only, so a download may take as long as the client reads; memory stays at a page or
//! two per download (the channel holds at most [`PAGES_IN_FLIGHT`]), and a client that goes
//! away stops its task at the next page.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::events::FilterQuery;
use crate::export::csv::Profile;
use crate::export::timelinejs::TimelineJs;
use crate::export::{Export, ExportError, Format, Selection};
use crate::web::AppState;
use crate::web::http::error::AppError;
use crate::web::http::params::TimelineParams;
use crate::web::http::view_query::{ViewQuery, ViewRules};

/// Most events in a CSV, iCalendar or TimelineJS export. Past it, narrow the view (a date
/// range, a category) or page through `/api/events`.
pub const EXPORT_MAX_ROWS: u32 = 100_000;
/// Most entries in the Atom feed: the newest ones. Feed readers poll; they want news.
pub const FEED_MAX_ENTRIES: u32 = crate::export::FEED_MAX_ENTRIES as u32;

/// Longest one page of a download may take to read; past it the download is cut off (the
/// client sees an incomplete body, never a truncated file that looks whole).
pub const PAGE_BUDGET: Duration = crate::web::http::limits::REQUEST_TIMEOUT;

/// Pages written ahead of a slow client: back-pressure keeps memory flat.
pub const PAGES_IN_FLIGHT: usize = 2;

const X_EXPORT_ROW_LIMIT: HeaderName = HeaderName::from_static("x-export-row-limit");
const X_EXPORT_TRUNCATED: HeaderName = HeaderName::from_static("x-export-truncated");

/// The exports' rules: the view's filters and nothing else, since an export holds the
/// whole view, not a page of it.
pub struct WholeView;

/// Why paging does not apply to an export.
const WHOLE_VIEW: Option<&str> = Some("exports hold the whole view, not a page of it; remove it");

impl ViewRules for WholeView {
    const NO_PAGE: Option<&'static str> = WHOLE_VIEW;
    const NO_AFTER: Option<&'static str> = WHOLE_VIEW;
}

impl From<ExportError> for AppError {
    fn from(err: ExportError) -> Self {
        match err {
            ExportError::Database(err) => AppError::Database(err),
            other => {
                tracing::error!(err = %other, "cannot start an export");
                AppError::Internal
            }
        }
    }
}

/// What a download is and how it is named.
struct Download {
    format: Format,
    media_type: &'static str,
    filename: Option<&'static str>,
    cap: u32,
}

/// Counts the view, answers with the export headers, and streams the body.
async fn stream(
    state: &AppState,
    ViewQuery { params, .. }: ViewQuery<WholeView>,
    download: Download,
) -> Result<Response, AppError> {
    let total = state.reader().await.count_events(&params.filter).await?;
    let truncated = total > i64::from(download.cap);
    let base = state.config.public_url.clone();
    let selection = Selection {
        format: download.format,
        filter: params.filter.clone(),
        cap: Some(u64::from(download.cap)),
    };
    let mut export = {
        let mut conn = state.db.acquire().await?;
        Export::start(&mut conn, selection, describe(&params), Some(base.clone())).await?
    };
    if download.format == Format::Atom {
        let view = params.view_query();
        let (self_url, html_url) = if view.is_empty() {
            (format!("{base}/export/events.atom"), format!("{base}/"))
        } else {
            (
                format!("{base}/export/events.atom?{view}"),
                format!("{base}/?{view}"),
            )
        };
        export = export.with_feed_urls(self_url, html_url);
    }

    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(PAGES_IN_FLIGHT);
    let pool = state.db.clone();
    let turns = std::sync::Arc::clone(&state.export_pages);
    tokio::spawn(async move {
        loop {
            let mut chunk = Vec::with_capacity(64 * 1024);
            // The connection goes back to the pool before the page is sent, so a slow
            // client never holds one; downloads take turns for a share of the pool, so the
            // other requests never wait behind their pages.
            let Ok(turn) = turns.acquire().await else {
                return; // Only a closed semaphore refuses, and nothing closes it.
            };
            let step = async {
                let mut conn = pool.acquire().await?;
                export.next_chunk(&mut conn, &mut chunk).await
            };
            // The budget counts the page's reading, not the wait for a turn.
            let read = tokio::time::timeout(PAGE_BUDGET, step).await;
            drop(turn);
            let more = match read {
                Ok(Ok(more)) => more,
                Ok(Err(err)) => {
                    tracing::error!(%err, "an export stopped part way");
                    let _ = tx.send(Err(std::io::Error::other(err.to_string()))).await;
                    return;
                }
                Err(_) => {
                    tracing::error!("an export page took longer than its budget");
                    let _ = tx
                        .send(Err(std::io::Error::other("export page over budget")))
                        .await;
                    return;
                }
            };
            if !chunk.is_empty() && tx.send(Ok(Bytes::from(chunk))).await.is_err() {
                return; // The client went away.
            }
            if !more {
                return;
            }
        }
    });
    // Fused: a body may be polled again after its end (an `unfold` would panic then).
    let body = Body::from_stream(futures_util::StreamExt::fuse(futures_util::stream::unfold(
        rx,
        |mut rx| async move { rx.recv().await.map(|item| (item, rx)) },
    )));

    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(download.media_type),
    );
    if let Some(name) = download.filename
        && let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
    {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(X_EXPORT_ROW_LIMIT, HeaderValue::from(download.cap));
    if truncated {
        headers.insert(X_EXPORT_TRUNCATED, HeaderValue::from_static("true"));
    }
    Ok(response)
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
    if !params.bbox.is_empty() {
        out.push_str(&format!(" inside {}", params.bbox));
    }
    if !params.q.is_empty() {
        out.push_str(&format!(" matching “{}”", params.q));
    }
    out
}

#[utoipa::path(
    get,
    path = "/export/events.csv",
    tag = "exports",
    params(FilterQuery),
    responses(
        (status = 200, description = "RFC 4180 CSV, UTF-8, CRLF line ends, a header row, one \
            row per event in timeline order (at most 100,000). Text cells starting with `=`, \
            `+`, `-`, `@`, tab, carriage return or `'` get a leading `'` so spreadsheets do \
            not run them as formulas (the importer takes it off again). `actors` are joined by `; `, `source_urls` by spaces; `last_changed` is when an import last added or changed the event (UTC).",
            body = String, content_type = "text/csv"),
        (status = 400, description = "A parameter cannot be used (an HTML page naming it).",
            body = String, content_type = "text/html"),
    )
)]
pub async fn events_csv(
    State(state): State<AppState>,
    view: ViewQuery<WholeView>,
) -> Result<Response, AppError> {
    let download = Download {
        format: Format::Csv(Profile::Spreadsheet),
        media_type: "text/csv; charset=utf-8; header=present",
        filename: Some("conflict-timeline-events.csv"),
        cap: EXPORT_MAX_ROWS,
    };
    stream(&state, view, download).await
}

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
    view: ViewQuery<WholeView>,
) -> Result<Response, AppError> {
    let download = Download {
        format: Format::Ics,
        media_type: "text/calendar; charset=utf-8",
        filename: Some("conflict-timeline-events.ics"),
        cap: EXPORT_MAX_ROWS,
    };
    stream(&state, view, download).await
}

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
    view: ViewQuery<WholeView>,
) -> Result<Response, AppError> {
    let download = Download {
        format: Format::Atom,
        media_type: "application/atom+xml; charset=utf-8",
        filename: None,
        cap: FEED_MAX_ENTRIES,
    };
    stream(&state, view, download).await
}

#[utoipa::path(
    get,
    path = "/export/timelinejs.json",
    tag = "exports",
    params(FilterQuery),
    responses(
        (status = 200, description = "The view as a TimelineJS 3 document (at most 100,000 \
            events), with the eras of its conflicts that overlap it. Date parts are strings, \
            as Knight Lab's examples write them; `display_date` only for labelled events.",
            body = TimelineJs),
        (status = 400, description = "A parameter cannot be used (an HTML page naming it).",
            body = String, content_type = "text/html"),
    )
)]
pub async fn timelinejs(
    State(state): State<AppState>,
    view: ViewQuery<WholeView>,
) -> Result<Response, AppError> {
    let download = Download {
        format: Format::TimelineJs,
        media_type: "application/json",
        filename: Some("conflict-timeline-timelinejs.json"),
        cap: EXPORT_MAX_ROWS,
    };
    stream(&state, view, download).await
}
