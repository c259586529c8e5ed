//! `GET /api/histogram`: how many events start in each of equal slices of a date range, for
//! drawing an overview of any view. Unfiltered views sum the per-day aggregate the importer
//! keeps, so the answer costs the same at a million events as at a hundred.

use axum::extract::State;
use axum::response::{IntoResponse, Json, Response};
use serde::Serialize;
use utoipa::ToSchema;

use super::events::FilterQuery;
use crate::db::queries;
use crate::edtf::Day;
use crate::web::http::error::AppError;
use crate::web::http::state::AppState;
use crate::web::http::view_query::{Count, ViewQuery, ViewRules};

/// Buckets when `buckets` is not given.
pub const DEFAULT_BUCKETS: u32 = 50;
/// Most buckets one answer may have.
pub const MAX_BUCKETS: u32 = 1000;

/// A histogram covers the whole range in `buckets` slices: no paging of either kind.
pub struct WholeRange;

impl ViewRules for WholeRange {
    const COUNT: Option<Count> = Some(Count {
        name: "buckets",
        default: DEFAULT_BUCKETS,
        max: MAX_BUCKETS,
    });
    const NO_PAGE: Option<&'static str> =
        Some("does not apply to a histogram, which covers the whole range");
    const NO_AFTER: Option<&'static str> =
        Some("does not apply to a histogram, which covers the whole range");
}

/// Counts per slice of the range.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Histogram {
    /// First day counted (`YYYY-MM-DD`): `from`, or the earliest day with data.
    pub from: String,
    /// Last day counted (`YYYY-MM-DD`): `to`, or the latest day with data.
    pub to: String,
    /// Every slice in order, empty ones included; they tile [`from`, `to`] without gaps.
    pub buckets: Vec<Bucket>,
    /// The sum of the counts: events of the view that start within [`from`, `to`].
    pub total: i64,
}

/// One slice of the range.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Bucket {
    /// First day of the slice (`YYYY-MM-DD`).
    pub start: String,
    /// Last day of the slice (`YYYY-MM-DD`), inclusive.
    pub end: String,
    /// Events of the view whose earliest possible day falls in the slice.
    pub count: i64,
}

/// `GET /api/histogram`.
#[utoipa::path(
    get,
    path = "/api/histogram",
    tag = "events",
    params(
        FilterQuery,
        ("buckets" = Option<u32>, Query,
            description = "Slices of the range (bounds and default in the schema). A range \
                shorter than this many days gets one slice per day."),
    ),
    responses(
        (status = 200, description = "Events per slice, counted by the day they start.",
            body = Histogram),
        (status = 400, description = "A parameter cannot be used; `errors` names it.",
            body = super::problem::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn histogram(
    State(state): State<AppState>,
    ViewQuery {
        params,
        count: buckets,
        ..
    }: ViewQuery<WholeRange>,
) -> Result<Response, AppError> {
    let span = queries::data_span(&state.db).await?;
    let first = params.filter.from.or(span.map(|(first, _)| first));
    let last = params.filter.to.or(span.map(|(_, last)| last));
    let (Some(first), Some(last)) = (first, last) else {
        // No data and no range given: nothing to slice.
        return Ok(Json(Histogram {
            from: String::new(),
            to: String::new(),
            buckets: Vec::new(),
            total: 0,
        })
        .into_response());
    };
    // `from` after the last day with data (or `to` before the first): one empty stretch.
    let last = if last.0 < first.0 { first } else { last };
    let days = i64::from(last.0) - i64::from(first.0) + 1;
    let n = i64::from(buckets).min(days);
    let counts = state
        .reader()
        .await
        .histogram(&params.filter, first, last, n as u32)
        .await?;
    let slices = (0..n)
        .map(|i| {
            // Slice i holds the days d with (d - first) * n / days == i, as the query counts.
            let start = i64::from(first.0) + ceil_div(i * days, n);
            let end = i64::from(first.0) + ceil_div((i + 1) * days, n) - 1;
            Bucket {
                start: Day(start as i32).iso(),
                end: Day(end as i32).iso(),
                count: counts
                    .iter()
                    .find(|(bucket, _)| *bucket == i)
                    .map_or(0, |(_, c)| *c),
            }
        })
        .collect();
    let total = counts.iter().map(|(_, c)| c).sum();
    Ok(Json(Histogram {
        from: first.iso(),
        to: last.iso(),
        buckets: slices,
        total,
    })
    .into_response())
}

/// ⌈a / b⌉ for a ≥ 0, b > 0.
fn ceil_div(a: i64, b: i64) -> i64 {
    (a + b - 1) / b
}
