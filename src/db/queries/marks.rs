//! Events for the overview strip's marks and labels, with what ranks them for a label when
//! not every title fits: an editor's `notable` flag first, then how well documented and
//! connected an event is (sources, links to and from other events, recorded fatalities).

use sqlx::{QueryBuilder, Sqlite, SqlitePool};

use super::{Arm, EventFilter, Mark, Order, push_where, rows_by_ids, sources_by_ids};
use crate::edtf::Day;

/// One event as the strip draws it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RankedMark {
    pub id: i64,
    #[sqlx(flatten)]
    pub mark: Mark,
    /// Higher is more notable (see [`RANKED_COLUMNS`]).
    pub notability: i64,
}

/// The columns of [`RankedMark`]. `notability` is the rank of an event for a label: a flag
/// outranks any count; each source and each link counts alike; fatalities add a little,
/// capped so that one large figure does not drown the documentary weight of the rest.
pub(super) const RANKED_COLUMNS: &str =
    "e.id, e.slug, e.title, e.edtf, e.date_label, e.start_day, e.end_day,
     (e.notable * 1000000
     + 10 * (SELECT count(*) FROM source s WHERE s.event_id = e.id)
     + 10 * (SELECT count(*) FROM event_link l WHERE l.from_event_id = e.id)
     + 10 * (SELECT count(*) FROM event_link l WHERE l.to_event_id = e.id)
     + min(coalesce(e.fatalities_best, 0) / 10, 50)) AS notability";

/// Where [`notable_marks`] looks for labels: the range [first, last], cut into `slices`
/// equal slices of which the first `sample` events are ranked, and at most `limit` flagged
/// events.
#[derive(Clone, Copy, Debug)]
pub struct LabelSample {
    pub first: Day,
    pub last: Day,
    pub slices: u32,
    pub sample: u32,
    pub limit: u32,
}

impl LabelSample {
    /// The view narrowed to the range.
    pub(crate) fn view(&self, filter: &EventFilter) -> EventFilter {
        EventFilter {
            from: Some(self.first),
            to: Some(self.last),
            ..filter.clone()
        }
    }
}

/// The most notable events of a view too dense to draw one by one: every flagged event of
/// the range (up to `limit`), then, so that labels spread over the whole range rather than
/// gather where the data is richest, the best of the first `sample` events of each of
/// `slices` equal slices. The work is bounded by `slices × sample` rows whatever the size
/// of the range; the ranking is exact for flagged events and a sample for the rest.
pub async fn notable_marks(
    pool: &SqlitePool,
    filter: &EventFilter,
    labels: &LabelSample,
) -> Result<Vec<RankedMark>, sqlx::Error> {
    let view = labels.view(filter);
    // The flagged events come from their own partial index, a handful of entries.
    let mut qb = QueryBuilder::<Sqlite>::new("SELECT ");
    qb.push(RANKED_COLUMNS)
        .push(" FROM event e INDEXED BY event_notable");
    push_where(&mut qb, &view, Arm::Overlap, None);
    qb.push(" AND e.notable = 1 ORDER BY notability DESC, e.start_day LIMIT ")
        .push_bind(i64::from(labels.limit));
    let mut out: Vec<RankedMark> = qb.build_query_as().fetch_all(pool).await?;

    for (a, b) in slice_days(labels.first, labels.last, labels.slices) {
        // Events that start in the slice (not merely overlap it): each event is sampled in
        // one slice only, and the scan is a plain range of the date index.
        let undated = EventFilter {
            from: None,
            to: None,
            ..filter.clone()
        };
        let mut qb = QueryBuilder::<Sqlite>::new("SELECT * FROM (");
        // Driven by the date index whatever the other filters: the slice is short, and an
        // actor's or a search's own list (130,000 events of one actor at a million) read in
        // full for each of the slices took seconds; so did a place's or a box's (each event
        // is asked instead, by the link table's key: `Arm::Dated`).
        qb.push("SELECT ")
            .push(RANKED_COLUMNS)
            .push(" FROM event e INDEXED BY event_by_start");
        push_where(&mut qb, &undated, Arm::Dated, None);
        qb.push(" AND e.start_day BETWEEN ")
            .push_bind(a)
            .push(" AND ")
            .push_bind(b)
            .push(" ORDER BY e.start_day, e.end_day, e.id LIMIT ")
            .push_bind(i64::from(labels.sample))
            .push(") ORDER BY notability DESC, start_day LIMIT 2");
        let best: Vec<RankedMark> = qb.build_query_as().fetch_all(pool).await?;
        for m in best {
            if !out.iter().any(|o| o.mark.slug == m.mark.slug) {
                out.push(m);
            }
        }
    }
    most_notable_first(&mut out);
    Ok(out)
}

/// Sorts marks most notable first, ties by their earliest day.
pub(super) fn most_notable_first(marks: &mut [RankedMark]) {
    marks.sort_by(|a, b| {
        b.notability
            .cmp(&a.notability)
            .then(a.mark.start_day.cmp(&b.mark.start_day))
    });
}

/// The first and last day of each of `slices` equal slices of [first, last] that holds a
/// day at all, in order (the in-memory index samples the same slices).
pub(crate) fn slice_days(first: Day, last: Day, slices: u32) -> impl Iterator<Item = (i64, i64)> {
    let days = i64::from(last.0) - i64::from(first.0) + 1;
    let slices = i64::from(slices);
    (0..slices)
        .map(move |slice| {
            let a = i64::from(first.0) + days * slice / slices;
            let b = i64::from(first.0) + days * (slice + 1) / slices - 1;
            (a, b)
        })
        .filter(|(a, b)| a <= b)
}

/// The given events in timeline order, each with the notability `rank` gives it (the
/// in-memory event index keeps every event's, so the rows are read without counting their
/// sources and links).
pub async fn ranked_by_ids(
    pool: &SqlitePool,
    ids: &[i64],
    rank: impl Fn(i64) -> Option<i64>,
) -> Result<Vec<RankedMark>, sqlx::Error> {
    let mut rows: Vec<RankedMark> =
        rows_by_ids(pool, UNRANKED_COLUMNS, ids, Order::Timeline).await?;
    for row in &mut rows {
        row.notability = rank(row.id).unwrap_or(0);
    }
    Ok(rows)
}

/// The columns of [`RankedMark`] with the notability left for the caller to fill in.
const UNRANKED_COLUMNS: &str =
    "e.id, e.slug, e.title, e.edtf, e.date_label, e.start_day, e.end_day, 0 AS notability";

/// The names of the sources of each of `ids` (the publisher, else the title), in the order
/// given: `(event id, name)`, for the printed chronology.
pub async fn source_names(
    pool: &SqlitePool,
    ids: &[i64],
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    sources_by_ids(pool, "s.event_id, coalesce(s.publisher, s.title)", ids).await
}
