//! The queries behind the pages. Every function takes the pool and returns rows; all user
//! values are bound parameters, never formatted into SQL.
//!
//! Timeline order is (earliest day, latest day, id) everywhere: sorting, cursors, and the
//! previous/next links of an event page.

use std::sync::{Arc, Mutex};

use sqlx::{Encode, QueryBuilder, Sqlite, SqlitePool, Type};

use super::event_index::{EventIndex, Hits};
use super::text_index::TextIndex;

use super::models::{
    Actor, Conflict, Cursor, Era, EventDetail, EventListing, EventSummary, Neighbour, RelatedEvent,
    SearchSnippets, Source,
};
use crate::edtf::Day;
use crate::model::Bbox;
use crate::search::{FtsQuery, MARK_CLOSE, MARK_OPEN};

/// Events longer than this many days are "long" and found through the partial index
/// `event_long` (see the first migration). Must equal the number in that index's condition.
pub(super) const LONG_SPAN_DAYS: i32 = 400;

/// Which events a view shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EventFilter {
    /// Keep events whose span ends on or after this day.
    pub from: Option<Day>,
    /// Keep events whose span starts on or before this day.
    pub to: Option<Day>,
    /// Keep events in any of these categories (none: all).
    pub categories: Vec<String>,
    /// Keep events with any of these actors, by slug (none: all).
    pub actors: Vec<String>,
    /// Keep events of any of these conflicts, by slug (none: all).
    pub conflicts: Vec<String>,
    /// Keep events at any of these places, each a place slug or any name of the place, with
    /// or without diacritics (none: all).
    pub places: Vec<String>,
    /// Keep events with a place inside this box, edges included (see
    /// [`crate::model::Bbox`]).
    pub bbox: Option<Bbox>,
    /// Keep events the full-text index matches (see [`crate::search`]).
    pub text: Option<FtsQuery>,
    /// Keep events added, changed or renamed by an import that finished at or after this
    /// UTC moment (`YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SSZ`).
    pub changed_since: Option<String>,
}

impl EventFilter {
    fn has_span(&self) -> bool {
        self.from.is_some() || self.to.is_some()
    }
}

/// The columns of [`EventSummary`], as a literal, so that the longer column lists of the
/// rows that flatten it begin with it (`concat!`).
macro_rules! summary_columns {
    () => {
        "e.id, e.conflict_id, e.slug, e.title, e.summary, e.edtf, e.start_day, e.end_day,
     e.date_label, e.category, e.place,
     (SELECT group_concat(a.name, char(31) ORDER BY ea.position)
        FROM event_actor ea JOIN actor a ON a.id = ea.actor_id
       WHERE ea.event_id = e.id) AS actor_names,
     (SELECT group_concat(p.slug || char(30) || p.label, char(31) ORDER BY ep.position)
        FROM event_place ep JOIN place p ON p.id = ep.place_id
       WHERE ep.event_id = e.id) AS places_packed"
    };
}

const SUMMARY_COLUMNS: &str = summary_columns!();

/// Which half of an overlap query a `SELECT` is (see [`LONG_SPAN_DAYS`]).
#[derive(Clone, Copy)]
enum Arm {
    /// No date range: every event.
    All,
    Short,
    Long,
    /// The plain overlap test in one condition, for queries that another index drives
    /// (full-text search), where splitting the range would only repeat the work.
    Overlap,
    /// No date condition of its own: the caller bounds a short run of the date index
    /// (the strip's slices), and every other filter is tested on each event it gives.
    Dated,
}

impl Arm {
    /// The `FROM` clause of the arm, naming the index where SQLite's planner, which cannot
    /// know how few events a date range holds, would pick a worse one.
    ///
    /// Long events come from their partial index `event_long`: with another filter (a
    /// category, a place) SQLite would otherwise walk that filter's index over every event
    /// before the range's end to find the few long ones (4 s for a month of one category at
    /// a million events, where the partial index holds only long events).
    ///
    /// Short events come from `event_by_start`, which carries the end day, category,
    /// conflict and place: the range and those filters are tested in the index, and only
    /// the matching rows are read. The filter's own index would need a row read for every
    /// event of that category or place in the range widened by [`LONG_SPAN_DAYS`]. Measured
    /// at a million events (counts): a month of one category 2.6 ms instead of 39 ms, 38
    /// years of it 95 ms instead of 873 ms, a month of one actor 20 ms instead of 130 ms.
    /// The exception: over long ranges an actor or search filter is better driven by its
    /// own list of events (38 years of one actor: 134 ms by its list, 322 ms by dates).
    fn from(self, filter: &EventFilter) -> &'static str {
        match self {
            Arm::Long => " FROM event e INDEXED BY event_long",
            Arm::Short if self.by_dates(filter) => " FROM event e INDEXED BY event_by_start",
            _ => " FROM event e",
        }
    }

    /// Whether the arm's events are found by their dates, every other filter tested on
    /// each of them (see [`Arm::from`]).
    fn by_dates(self, filter: &EventFilter) -> bool {
        const LONG_RANGE_DAYS: i64 = 4 * 366;
        let by_own_list = !filter.actors.is_empty()
            || !filter.places.is_empty()
            || filter.bbox.is_some()
            || filter.text.is_some();
        let span = i64::from(filter.to.unwrap_or(Day::MAX).0)
            - i64::from(filter.from.unwrap_or(Day::MIN).0);
        match self {
            Arm::Long | Arm::Dated => true,
            Arm::Short => !by_own_list || span <= LONG_RANGE_DAYS,
            Arm::All | Arm::Overlap => false,
        }
    }

    fn for_filter(filter: &EventFilter) -> &'static [Arm] {
        if filter.has_span() {
            &[Arm::Short, Arm::Long]
        } else {
            &[Arm::All]
        }
    }
}

/// Pushes ` WHERE …` for one arm of the filter.
fn push_where(
    qb: &mut QueryBuilder<Sqlite>,
    filter: &EventFilter,
    arm: Arm,
    after: Option<Cursor>,
) {
    let from = filter.from.unwrap_or(Day::MIN).0;
    let to = filter.to.unwrap_or(Day::MAX).0;
    qb.push(" WHERE 1");
    match arm {
        Arm::All | Arm::Dated => {}
        Arm::Short => {
            // Both ends of the index range are bounded: a short event that overlaps
            // [from, to] starts no earlier than from - LONG_SPAN_DAYS.
            qb.push(" AND e.start_day BETWEEN ")
                .push_bind(from.saturating_sub(LONG_SPAN_DAYS))
                .push(" AND ")
                .push_bind(to)
                .push(" AND e.end_day >= ")
                .push_bind(from)
                .push(" AND e.end_day - e.start_day <= 400");
        }
        Arm::Long => {
            // Written exactly as the partial index's condition so that SQLite uses it.
            qb.push(" AND e.end_day - e.start_day > 400 AND e.start_day <= ")
                .push_bind(to)
                .push(" AND e.end_day >= ")
                .push_bind(from);
        }
        Arm::Overlap => {
            if filter.has_span() {
                qb.push(" AND e.start_day <= ")
                    .push_bind(to)
                    .push(" AND e.end_day >= ")
                    .push_bind(from);
            }
        }
    }
    push_in_list(qb, " AND e.category IN (", &filter.categories, ")");
    // Events found by their dates ask, each, whether it has one of the actors (a lookup by
    // the link table's key); otherwise the actors' own lists of events drive the query,
    // gathered once. A month of one actor at a million events: 3 ms against about 50 ms
    // for gathering that actor's 130,000 events, on each of the page's six queries.
    let (actors_open, actors_close) = if arm.by_dates(filter) {
        (
            " AND EXISTS (SELECT 1 FROM event_actor ea WHERE ea.event_id = e.id
                 AND ea.actor_id IN (SELECT a.id FROM actor a WHERE a.slug IN (",
            ")))",
        )
    } else {
        (
            " AND e.id IN (SELECT ea.event_id FROM event_actor ea
                 JOIN actor a ON a.id = ea.actor_id WHERE a.slug IN (",
            "))",
        )
    };
    push_in_list(qb, actors_open, &filter.actors, actors_close);
    push_in_list(
        qb,
        " AND e.conflict_id IN (SELECT c.id FROM conflict c WHERE c.slug IN (",
        &filter.conflicts,
        "))",
    );
    // Places like actors, through their link table; a value is a place slug or any of
    // its names (compared folded, see `place_names::fold`).
    if !filter.places.is_empty() {
        if arm.by_dates(filter) {
            qb.push(
                " AND EXISTS (SELECT 1 FROM event_place ep WHERE ep.event_id = e.id
                 AND ep.place_id IN (",
            );
            push_place_ids(qb, &filter.places);
            qb.push("))");
        } else {
            qb.push(" AND e.id IN (SELECT ep.event_id FROM event_place ep WHERE ep.place_id IN (");
            push_place_ids(qb, &filter.places);
            qb.push("))");
        }
    }
    if let Some(b) = filter.bbox {
        let (open, close) = if arm.by_dates(filter) {
            (
                " AND EXISTS (SELECT 1 FROM event_place ep JOIN place p ON p.id = ep.place_id
                 WHERE ep.event_id = e.id AND p.latitude BETWEEN ",
                ")",
            )
        } else {
            (
                " AND e.id IN (SELECT ep.event_id FROM event_place ep JOIN place p
                 ON p.id = ep.place_id WHERE p.latitude BETWEEN ",
                ")",
            )
        };
        qb.push(open)
            .push_bind(b.south)
            .push(" AND ")
            .push_bind(b.north)
            .push(" AND p.longitude BETWEEN ")
            .push_bind(b.west)
            .push(" AND ")
            .push_bind(b.east)
            .push(close);
    }
    if let Some(text) = &filter.text {
        qb.push(" AND e.id IN (SELECT rowid FROM event_fts WHERE event_fts MATCH ")
            .push_bind(text.as_str().to_string())
            .push(")");
    }
    if let Some(since) = &filter.changed_since {
        qb.push(
            " AND e.id IN (SELECT c.event_id FROM event_change c
                 WHERE c.kind <> 3 AND c.id >= ",
        )
        .push(super::history::FIRST_CHANGE_SINCE)
        .push_bind(since.clone())
        .push("))");
    }
    if let Some(c) = after {
        qb.push(" AND (e.start_day, e.end_day, e.id) > (")
            .push_bind(c.start_day)
            .push(", ")
            .push_bind(c.end_day)
            .push(", ")
            .push_bind(c.id)
            .push(")");
    }
}

/// Pushes a query of the ids of the places `values` name: by slug, or by a name that folds
/// the same.
fn push_place_ids(qb: &mut QueryBuilder<Sqlite>, values: &[String]) {
    let folded: Vec<String> = values.iter().map(|v| crate::place_names::fold(v)).collect();
    push_in_list(
        qb,
        "SELECT p.id FROM place p WHERE p.slug IN (",
        values,
        ")",
    );
    push_in_list(
        qb,
        " UNION SELECT pn.place_id FROM place_name pn WHERE pn.folded IN (",
        &folded,
        ")",
    );
}

/// Pushes `open`, the values as bound parameters separated by commas, and `close`.
pub(crate) fn push_list<T>(
    qb: &mut QueryBuilder<Sqlite>,
    open: &str,
    values: impl IntoIterator<Item = T>,
    close: &str,
) where
    T: for<'t> Encode<'t, Sqlite> + Type<Sqlite>,
{
    qb.push(open);
    let mut list = qb.separated(", ");
    for value in values {
        list.push_bind(value);
    }
    qb.push(close);
}

/// [`push_list`] for a filter's values: nothing when there are none (no filter).
pub(crate) fn push_in_list(
    qb: &mut QueryBuilder<Sqlite>,
    open: &str,
    values: &[String],
    close: &str,
) {
    if !values.is_empty() {
        push_list(qb, open, values, close);
    }
}

/// One page of events in timeline order, starting after `after`.
pub async fn list_events(
    pool: &SqlitePool,
    filter: &EventFilter,
    after: Option<Cursor>,
    limit: u32,
) -> Result<Vec<EventSummary>, sqlx::Error> {
    fetch_page(pool, SUMMARY_COLUMNS, filter, after, Order::Timeline, limit).await
}

/// Which way a page of events runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// Timeline order: (earliest day, latest day, id) ascending; pages resume after a
    /// [`Cursor`].
    Timeline,
    /// The reverse, latest first (feeds). Takes no cursor.
    NewestFirst,
}

/// One page of rows of `columns` over the filter (see [`push_page`]), on a pool or on one
/// connection.
async fn fetch_page<'c, T>(
    db: impl sqlx::SqliteExecutor<'c>,
    columns: &str,
    filter: &EventFilter,
    after: Option<Cursor>,
    order: Order,
    limit: u32,
) -> Result<Vec<T>, sqlx::Error>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + Send + Unpin,
{
    fetch_all(db, |qb| push_page(qb, columns, filter, after, order, limit)).await
}

/// Every row of the query `push` writes, on a pool or on one connection.
async fn fetch_all<'c, T>(
    db: impl sqlx::SqliteExecutor<'c>,
    push: impl FnOnce(&mut QueryBuilder<Sqlite>),
) -> Result<Vec<T>, sqlx::Error>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + Send + Unpin,
{
    let mut qb = QueryBuilder::<Sqlite>::new("");
    push(&mut qb);
    qb.build_query_as().fetch_all(db).await
}

/// Pushes one page of `columns` over the filter: one `SELECT` per arm, merged in order.
fn push_page(
    qb: &mut QueryBuilder<Sqlite>,
    columns: &str,
    filter: &EventFilter,
    after: Option<Cursor>,
    order: Order,
    limit: u32,
) {
    let after = if order == Order::Timeline {
        after
    } else {
        None
    };
    for (i, arm) in Arm::for_filter(filter).iter().enumerate() {
        if i > 0 {
            qb.push(" UNION ALL ");
        }
        qb.push("SELECT ").push(columns).push(arm.from(filter));
        push_where(qb, filter, *arm, after);
    }
    // With both arms delivering rows in index order, SQLite merges them and stops at LIMIT.
    qb.push(match order {
        Order::Timeline => " ORDER BY start_day, end_day, id LIMIT ",
        Order::NewestFirst => " ORDER BY start_day DESC, end_day DESC, id DESC LIMIT ",
    })
    .push_bind(i64::from(limit));
}

/// [`SUMMARY_COLUMNS`] and what the API and the exports add: the actors with their slugs,
/// coordinates, fatalities, the conflict's slug, source URLs and the update time.
const RECORD_COLUMNS: &str = concat!(
    summary_columns!(),
    ",
     (SELECT group_concat(a.slug || char(30) || a.name, char(31) ORDER BY ea.position)
        FROM event_actor ea JOIN actor a ON a.id = ea.actor_id
       WHERE ea.event_id = e.id) AS actors_packed,
     (SELECT c.slug FROM conflict c WHERE c.id = e.conflict_id) AS conflict_slug,
     e.latitude, e.longitude, e.fatalities_best, e.fatalities_low, e.fatalities_high,
     (SELECT group_concat(s.url, char(31) ORDER BY s.position)
        FROM source s WHERE s.event_id = e.id AND s.url IS NOT NULL) AS source_urls,
     e.updated_at"
);

/// One page of full event records (for the API and the exports), in `order`.
pub async fn list_event_records(
    pool: &SqlitePool,
    filter: &EventFilter,
    after: Option<Cursor>,
    order: Order,
    limit: u32,
) -> Result<Vec<EventListing>, sqlx::Error> {
    fetch_page(pool, RECORD_COLUMNS, filter, after, order, limit).await
}

/// Column weights for `bm25()`, in the index's column order (title, summary, body, actors,
/// place): a word in the title counts most, one deep in the body least.
const BM25_WEIGHTS: &str = "10.0, 4.0, 1.0, 3.0, 3.0";

/// One page of the events `filter.text` matches, best match first (bm25, ties in
/// timeline order), skipping `offset`. Without `filter.text`, nothing.
pub async fn search_events(
    pool: &SqlitePool,
    filter: &EventFilter,
    offset: u32,
    limit: u32,
) -> Result<Vec<EventSummary>, sqlx::Error> {
    let Some(text) = &filter.text else {
        return Ok(Vec::new());
    };
    fetch_all(pool, |qb| push_search(qb, filter, text, offset, limit)).await
}

fn push_search(
    qb: &mut QueryBuilder<Sqlite>,
    filter: &EventFilter,
    text: &FtsQuery,
    offset: u32,
    limit: u32,
) {
    // The MATCH drives the query; the other filters are checked on each hit.
    let rest = EventFilter {
        text: None,
        ..filter.clone()
    };
    qb.push("SELECT ")
        .push(SUMMARY_COLUMNS)
        .push(" FROM event_fts JOIN event e ON e.id = event_fts.rowid");
    push_where(qb, &rest, Arm::Overlap, None);
    qb.push(" AND event_fts MATCH ")
        .push_bind(text.as_str().to_string())
        .push(" ORDER BY bm25(event_fts, ")
        .push(BM25_WEIGHTS)
        .push("), e.start_day, e.end_day, e.id LIMIT ")
        .push_bind(i64::from(limit))
        .push(" OFFSET ")
        .push_bind(i64::from(offset));
}

/// Highlighted extracts of the summary and body of the given events where `text` matches,
/// hits wrapped in [`MARK_OPEN`] and [`MARK_CLOSE`]. Asked only for the page being shown,
/// because `snippet()` reads each document back.
pub async fn search_snippets(
    pool: &SqlitePool,
    text: &FtsQuery,
    ids: &[i64],
) -> Result<Vec<SearchSnippets>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let open = MARK_OPEN.to_string();
    let close = MARK_CLOSE.to_string();
    let mut qb = QueryBuilder::<Sqlite>::new("SELECT rowid AS id, snippet(event_fts, 1, ");
    qb.push_bind(open.clone())
        .push(", ")
        .push_bind(close.clone())
        .push(", '…', 40) AS summary, snippet(event_fts, 2, ")
        .push_bind(open)
        .push(", ")
        .push_bind(close)
        .push(", '…', 40) AS body FROM event_fts WHERE event_fts MATCH ")
        .push_bind(text.as_str().to_string());
    push_list(&mut qb, " AND rowid IN (", ids.iter().copied(), ")");
    qb.build_query_as().fetch_all(pool).await
}

/// How many events each conflict has, by conflict id.
pub async fn event_counts_by_conflict(pool: &SqlitePool) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT conflict_id, count(*) FROM event GROUP BY conflict_id")
        .fetch_all(pool)
        .await
}

/// When any event last changed (`YYYY-MM-DDTHH:MM:SSZ`), if there are events.
pub async fn last_updated(pool: &SqlitePool) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT max(updated_at) FROM event")
        .fetch_one(pool)
        .await
}

/// How many events the filter keeps.
pub async fn count_events(pool: &SqlitePool, filter: &EventFilter) -> Result<i64, sqlx::Error> {
    let mut qb = QueryBuilder::<Sqlite>::new("");
    push_count(&mut qb, filter);
    qb.build_query_scalar().fetch_one(pool).await
}

fn push_count(qb: &mut QueryBuilder<Sqlite>, filter: &EventFilter) {
    if *filter == EventFilter::default() {
        // Everything: the per-day aggregate adds up to it in a few thousand rows, where
        // count(*) would visit every event.
        qb.push(TOTAL_SQL);
        return;
    }
    if let Some(text) = &filter.text
        && *filter
            == (EventFilter {
                text: Some(text.clone()),
                ..EventFilter::default()
            })
    {
        // Only a search: the full-text index counts its own matches (it holds one row per
        // event), without visiting each matching event (at a million events, 85 ms for a
        // word in half of them instead of seconds).
        qb.push("SELECT count(*) FROM event_fts WHERE event_fts MATCH ")
            .push_bind(text.as_str().to_string());
        return;
    }
    qb.push("SELECT 0");
    for arm in Arm::for_filter(filter) {
        qb.push(" + (SELECT count(*)").push(arm.from(filter));
        push_where(qb, filter, *arm, None);
        qb.push(")");
    }
}

/// How many events there are, from the aggregate the importer keeps in step.
const TOTAL_SQL: &str = "SELECT coalesce(sum(count), 0) FROM event_day_count";

/// How many events there are in all.
pub async fn total_events(pool: &SqlitePool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(TOTAL_SQL).fetch_one(pool).await
}

/// Every conflict, by name.
pub async fn conflicts(pool: &SqlitePool) -> Result<Vec<Conflict>, sqlx::Error> {
    sqlx::query_as("SELECT id, slug, name, summary, region FROM conflict ORDER BY name")
        .fetch_all(pool)
        .await
}

/// Every era, in timeline order.
pub async fn eras(pool: &SqlitePool) -> Result<Vec<Era>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, conflict_id, slug, name, edtf, start_day, end_day, summary
         FROM era ORDER BY start_day, end_day, id",
    )
    .fetch_all(pool)
    .await
}

/// The eras of the conflicts a view is narrowed to (`conflict=` slugs), in timeline order;
/// every era when it names none. A view of one conflict shows only that conflict's periods
/// ("Jump to an era", the strip's bands, the months they mark).
pub async fn eras_of(pool: &SqlitePool, conflicts: &[String]) -> Result<Vec<Era>, sqlx::Error> {
    if conflicts.is_empty() {
        return eras(pool).await;
    }
    let mut qb = QueryBuilder::<Sqlite>::new(
        "SELECT r.id, r.conflict_id, r.slug, r.name, r.edtf, r.start_day, r.end_day, r.summary
         FROM era r JOIN conflict c ON c.id = r.conflict_id WHERE c.slug",
    );
    push_in_list(&mut qb, " IN (", conflicts, ")");
    qb.push(" ORDER BY r.start_day, r.end_day, r.id");
    qb.build_query_as().fetch_all(pool).await
}

/// The earliest start and the latest finite end over all events and eras, if any, as the
/// importer stored them (`data_span`). Open ends are left out so that an ongoing event does
/// not stretch the timeline to the year 9999.
pub async fn data_span(pool: &SqlitePool) -> Result<Option<(Day, Day)>, sqlx::Error> {
    let row: Option<(Option<i32>, Option<i32>)> =
        sqlx::query_as("SELECT first_day, last_day FROM data_span WHERE id = 1")
            .fetch_optional(pool)
            .await?;
    Ok(match row {
        Some((Some(first), Some(last))) => Some((Day(first), Day(last))),
        _ => None,
    })
}

/// The version of the data, bumped by every import that changed something.
pub async fn dataset_version(pool: &SqlitePool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT version FROM dataset_version WHERE id = 1")
        .fetch_one(pool)
        .await
}

/// The dataset version and when the import that made it committed (`None` before any
/// import): together they tell two files apart even when both have had as many imports.
pub async fn dataset_stamp(pool: &SqlitePool) -> Result<(i64, Option<String>), sqlx::Error> {
    sqlx::query_as("SELECT version, imported_at FROM dataset_version WHERE id = 1")
        .fetch_one(pool)
        .await
}

/// One event by slug. Slugs are ASCII kebab-case: a slug no event can have is not looked
/// up.
pub async fn event_by_slug(
    pool: &SqlitePool,
    slug: &str,
) -> Result<Option<EventDetail>, sqlx::Error> {
    if !crate::slug::is_valid(slug, crate::model::EVENT_SLUG_MAX) {
        return Ok(None);
    }
    sqlx::query_as(concat!(
        "SELECT ",
        summary_columns!(),
        ",
     e.body, e.latitude, e.longitude, e.fatalities_best, e.fatalities_low, e.fatalities_high,
     e.created_at, e.updated_at
     FROM event e WHERE e.slug = ?1"
    ))
    .bind(slug)
    .fetch_optional(pool)
    .await
}

/// The actors of an event, in their given order.
pub async fn actors_of(pool: &SqlitePool, event_id: i64) -> Result<Vec<Actor>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.slug, a.name FROM event_actor ea JOIN actor a ON a.id = ea.actor_id
         WHERE ea.event_id = ?1 ORDER BY ea.position",
    )
    .bind(event_id)
    .fetch_all(pool)
    .await
}

/// The sources of an event, in their given order.
pub async fn sources_of(pool: &SqlitePool, event_id: i64) -> Result<Vec<Source>, sqlx::Error> {
    sqlx::query_as(
        "SELECT title, publisher, url, published, note FROM source
         WHERE event_id = ?1 ORDER BY position",
    )
    .bind(event_id)
    .fetch_all(pool)
    .await
}

/// Events linked to or from an event, in timeline order.
pub async fn related_events(
    pool: &SqlitePool,
    event_id: i64,
) -> Result<Vec<RelatedEvent>, sqlx::Error> {
    sqlx::query_as(
        "SELECT l.rel, 1 AS outgoing, e.slug, e.title, e.edtf, e.date_label, e.start_day, e.end_day, e.id
           FROM event_link l JOIN event e ON e.id = l.to_event_id WHERE l.from_event_id = ?1
         UNION ALL
         SELECT l.rel, 0 AS outgoing, e.slug, e.title, e.edtf, e.date_label, e.start_day, e.end_day, e.id
           FROM event_link l JOIN event e ON e.id = l.from_event_id WHERE l.to_event_id = ?1
         ORDER BY start_day, end_day, id",
    )
    .bind(event_id)
    .fetch_all(pool)
    .await
}

/// The event before another in timeline order, within its conflict.
const PREVIOUS_SQL: &str = "SELECT slug, title, edtf, date_label FROM event
     WHERE conflict_id = ?1 AND (start_day, end_day, id) < (?2, ?3, ?4)
     ORDER BY start_day DESC, end_day DESC, id DESC LIMIT 1";

/// The event after another in timeline order, within its conflict.
const NEXT_SQL: &str = "SELECT slug, title, edtf, date_label FROM event
     WHERE conflict_id = ?1 AND (start_day, end_day, id) > (?2, ?3, ?4)
     ORDER BY start_day, end_day, id LIMIT 1";

/// The events just before and just after `event` in timeline order, within its conflict.
pub async fn neighbours(
    pool: &SqlitePool,
    event: &EventSummary,
) -> Result<(Option<Neighbour>, Option<Neighbour>), sqlx::Error> {
    let neighbour = |sql| {
        sqlx::query_as::<_, Neighbour>(sql)
            .bind(event.conflict_id)
            .bind(event.start_day)
            .bind(event.end_day)
            .bind(event.id)
            .fetch_optional(pool)
    };
    Ok((neighbour(PREVIOUS_SQL).await?, neighbour(NEXT_SQL).await?))
}

/// Answers when the database does: for `/readyz`.
pub async fn ping(pool: &SqlitePool) -> Result<(), sqlx::Error> {
    sqlx::query_scalar::<_, i64>("SELECT 1")
        .fetch_one(pool)
        .await
        .map(|_| ())
}

/// A span-and-shape view of one event, for a mark on the overview strip.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Mark {
    pub slug: String,
    pub title: String,
    pub edtf: String,
    pub date_label: Option<String>,
    pub start_day: i32,
    pub end_day: i32,
}

/// What a [`Mark`] reads (the id for the order).
const MARK_COLUMNS: &str = "e.id, e.slug, e.title, e.edtf, e.date_label, e.start_day, e.end_day";

/// Events starting in each of `buckets` equal slices of [first, last]: (bucket index, count).
/// Without category or actor filters this sums the per-day table `event_day_count` (a few
/// thousand rows at most); with them it groups the matching events.
pub async fn histogram(
    pool: &SqlitePool,
    filter: &EventFilter,
    first: Day,
    last: Day,
    buckets: u32,
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    fetch_all(pool, |qb| push_histogram(qb, filter, first, last, buckets)).await
}

/// A dimension events can be narrowed by, with a count per value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Facet {
    Category,
    Actor,
    Conflict,
    Place,
}

impl Facet {
    /// Every facet, in the order pages show them.
    pub const ALL: [Facet; 4] = [Facet::Category, Facet::Actor, Facet::Place, Facet::Conflict];

    /// The name of the facet in `facet_count` and of its URL parameter.
    pub fn key(self) -> &'static str {
        match self {
            Facet::Category => "category",
            Facet::Actor => "actor",
            Facet::Conflict => "conflict",
            Facet::Place => "place",
        }
    }

    /// The filter's values for this facet.
    pub fn values_in(self, filter: &EventFilter) -> &[String] {
        match self {
            Facet::Category => &filter.categories,
            Facet::Actor => &filter.actors,
            Facet::Conflict => &filter.conflicts,
            Facet::Place => &filter.places,
        }
    }

    /// The filter without this facet's values: what its own counts are taken over, so that
    /// values of one facet combine with OR.
    pub fn widen(self, filter: &EventFilter) -> EventFilter {
        let mut wider = filter.clone();
        match self {
            Facet::Category => wider.categories.clear(),
            Facet::Actor => wider.actors.clear(),
            Facet::Conflict => wider.conflicts.clear(),
            Facet::Place => wider.places.clear(),
        }
        wider
    }
}

/// One value of a facet and how many events of the view have it.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct FacetValue {
    /// What the URL parameter takes.
    pub value: String,
    /// What a reader sees.
    pub label: String,
    pub count: i64,
}

/// The `limit` most frequent values of `facet` over the whole collection, from the
/// aggregate the importer keeps (`facet_count`): an index range, however many events.
pub async fn facet_totals(
    pool: &SqlitePool,
    facet: Facet,
    limit: u32,
) -> Result<Vec<FacetValue>, sqlx::Error> {
    sqlx::query_as(
        "SELECT value, label, count FROM facet_count WHERE facet = ?1
         ORDER BY count DESC, value LIMIT ?2",
    )
    .bind(facet.key())
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await
}

/// Given values of `facet` with their counts over the whole collection (for active filters
/// that fall outside the most frequent values).
pub async fn facet_totals_of(
    pool: &SqlitePool,
    facet: Facet,
    values: &[String],
) -> Result<Vec<FacetValue>, sqlx::Error> {
    if values.is_empty() {
        return Ok(Vec::new());
    }
    let mut qb =
        QueryBuilder::<Sqlite>::new("SELECT value, label, count FROM facet_count WHERE facet = ");
    qb.push_bind(facet.key());
    push_in_list(&mut qb, " AND value IN (", values, ")");
    qb.build_query_as().fetch_all(pool).await
}

/// The `limit` most frequent values of `facet` among the events `filter` keeps, counted
/// live. The caller bounds the size of the view: this visits every event in it.
pub async fn facet_counts(
    pool: &SqlitePool,
    filter: &EventFilter,
    facet: Facet,
    limit: u32,
) -> Result<Vec<FacetValue>, sqlx::Error> {
    fetch_all(pool, |qb| push_facet_counts(qb, filter, facet, limit)).await
}

fn push_facet_counts(
    qb: &mut QueryBuilder<Sqlite>,
    filter: &EventFilter,
    facet: Facet,
    limit: u32,
) {
    // Category and conflict are grouped straight from the covering index
    // `event_by_start`, one grouped count per arm of the filter, summed; actors and places
    // need their link tables, reached from the ids of the view.
    // Grouped by an expression, not the bare column: otherwise SQLite may walk a whole
    // index ordered by that column (`event_by_category`) to avoid a sort, instead of the
    // view's bounded range.
    let column = match facet {
        Facet::Category => Some("e.category || ''"),
        Facet::Conflict => Some("e.conflict_id + 0"),
        Facet::Actor | Facet::Place => None,
    };
    if let Some(column) = column {
        qb.push("WITH g(value, n) AS (");
        for (i, arm) in Arm::for_filter(filter).iter().enumerate() {
            if i > 0 {
                qb.push(" UNION ALL ");
            }
            qb.push("SELECT ")
                .push(column)
                .push(", count(*)")
                .push(arm.from(filter));
            push_where(qb, filter, *arm, None);
            qb.push(" AND ")
                .push(column)
                .push(" IS NOT NULL GROUP BY 1");
        }
        qb.push(") ");
        qb.push(match facet {
            Facet::Conflict => {
                "SELECT c.slug AS value, c.name AS label, sum(g.n) AS count
                 FROM g JOIN conflict c ON c.id = g.value GROUP BY c.id"
            }
            _ => "SELECT value, value AS label, sum(n) AS count FROM g GROUP BY value",
        });
    } else {
        qb.push("WITH v(id) AS (");
        for (i, arm) in Arm::for_filter(filter).iter().enumerate() {
            if i > 0 {
                qb.push(" UNION ALL ");
            }
            qb.push("SELECT e.id").push(arm.from(filter));
            push_where(qb, filter, *arm, None);
        }
        qb.push(if facet == Facet::Place {
            ") SELECT p.slug AS value, p.label AS label, count(*) AS count
             FROM v JOIN event_place ep ON ep.event_id = v.id JOIN place p ON p.id = ep.place_id
             GROUP BY p.id"
        } else {
            ") SELECT a.slug AS value, a.name AS label, count(*) AS count
             FROM v JOIN event_actor ea ON ea.event_id = v.id JOIN actor a ON a.id = ea.actor_id
             GROUP BY a.id"
        });
    }
    qb.push(" ORDER BY count DESC, value LIMIT ")
        .push_bind(i64::from(limit));
}

fn push_histogram(
    qb: &mut QueryBuilder<Sqlite>,
    filter: &EventFilter,
    first: Day,
    last: Day,
    buckets: u32,
) {
    let span = i64::from(last.0) - i64::from(first.0) + 1;
    let dates_only = EventFilter {
        from: None,
        to: None,
        ..filter.clone()
    } == EventFilter::default();
    if dates_only {
        qb.push("SELECT (day - ")
            .push_bind(first.0)
            .push(") * ")
            .push_bind(i64::from(buckets))
            .push(" / ")
            .push_bind(span)
            .push(" AS bucket, sum(count) FROM event_day_count WHERE day BETWEEN ")
            .push_bind(first.0)
            .push(" AND ")
            .push_bind(last.0)
            .push(" GROUP BY bucket ORDER BY bucket");
    } else {
        let starts_inside = EventFilter {
            from: None,
            to: None,
            ..filter.clone()
        };
        qb.push("SELECT (e.start_day - ")
            .push_bind(first.0)
            .push(") * ")
            .push_bind(i64::from(buckets))
            .push(" / ")
            .push_bind(span)
            .push(" AS bucket, count(*) FROM event e");
        push_where(qb, &starts_inside, Arm::All, None);
        qb.push(" AND e.start_day BETWEEN ")
            .push_bind(first.0)
            .push(" AND ")
            .push_bind(last.0)
            .push(" GROUP BY bucket ORDER BY bucket");
    }
}

pub mod export_pages;
pub mod places;

/// Where a page's queries go: the in-memory [`EventIndex`] for what it covers when it is
/// at the data's current version, with the search index ([`TextIndex`]) giving a search's
/// hits; SQLite for the rest. Both give the same answers (the indexes are derived from the
/// database and checked against it by the tests); the indexes give them without counting
/// rows.
#[derive(Clone)]
pub struct Reader<'a> {
    pub pool: &'a SqlitePool,
    pub index: Option<Arc<EventIndex>>,
    pub text: Option<Arc<TextIndex>>,
    /// The hits of the searches this reader has run, by query: a page asks for the same
    /// search's count, facets, histogram and marks.
    hits: Arc<Mutex<SearchHits>>,
}

/// Searches run by one reader and their hits, by FTS5 expression.
type SearchHits = Vec<(String, Arc<Hits>)>;

impl<'a> Reader<'a> {
    /// SQLite only.
    pub fn sqlite(pool: &'a SqlitePool) -> Self {
        Reader {
            pool,
            index: None,
            text: None,
            hits: Arc::default(),
        }
    }

    /// With the given indexes (either may be missing).
    pub fn with(
        pool: &'a SqlitePool,
        index: Option<Arc<EventIndex>>,
        text: Option<Arc<TextIndex>>,
    ) -> Self {
        Reader {
            pool,
            index,
            text,
            hits: Arc::default(),
        }
    }

    /// The search's hits as positions of the event index, when both indexes are there.
    fn hits_of(&self, ix: &EventIndex, query: &FtsQuery) -> Option<Arc<Hits>> {
        let text = self.text.as_deref()?;
        if let Some(hits) = self.cached_hits(query) {
            return Some(hits);
        }
        let ids = match text.matching_ids(query) {
            Ok(ids) => ids,
            Err(err) => {
                tracing::warn!(%err, "search index failed: searching with SQLite");
                return None;
            }
        };
        let hits = Arc::new(ix.hits(ids.iter()));
        self.remember_hits(query, Arc::clone(&hits));
        Some(hits)
    }

    fn cached_hits(&self, query: &FtsQuery) -> Option<Arc<Hits>> {
        let cache = self.hits.lock().ok()?;
        let (_, hits) = cache.iter().find(|(k, _)| k == query.as_str())?;
        Some(Arc::clone(hits))
    }

    fn remember_hits(&self, query: &FtsQuery, hits: Arc<Hits>) {
        if let Ok(mut cache) = self.hits.lock() {
            cache.push((query.as_str().to_string(), hits));
        }
    }

    /// The event index and the search's hits, when together they answer for the filter.
    fn index_for(&self, filter: &EventFilter) -> Option<(&EventIndex, Option<Arc<Hits>>)> {
        let ix = self.index.as_deref()?;
        let hits = match &filter.text {
            Some(query) => Some(self.hits_of(ix, query)?),
            None => None,
        };
        ix.covers(filter, hits.as_deref()).then_some((ix, hits))
    }

    /// Whether counting the filter's events, and their facets, costs the same small
    /// amount whatever their number (the indexes answer it).
    pub fn counts_cheaply(&self, filter: &EventFilter) -> bool {
        self.index_for(filter).is_some()
    }

    /// [`list_events`].
    pub async fn list_events(
        &self,
        filter: &EventFilter,
        after: Option<Cursor>,
        limit: u32,
    ) -> Result<Vec<EventSummary>, sqlx::Error> {
        match self.index_for(filter) {
            Some((ix, hits)) => {
                let ids = ix.page(filter, hits.as_deref(), after, Order::Timeline, limit);
                rows_by_ids(self.pool, SUMMARY_COLUMNS, &ids, Order::Timeline).await
            }
            None => list_events(self.pool, filter, after, limit).await,
        }
    }

    /// [`list_event_records`].
    pub async fn list_event_records(
        &self,
        filter: &EventFilter,
        after: Option<Cursor>,
        order: Order,
        limit: u32,
    ) -> Result<Vec<EventListing>, sqlx::Error> {
        match self.index_for(filter) {
            Some((ix, hits)) => {
                let ids = ix.page(filter, hits.as_deref(), after, order, limit);
                rows_by_ids(self.pool, RECORD_COLUMNS, &ids, order).await
            }
            None => list_event_records(self.pool, filter, after, order, limit).await,
        }
    }

    /// [`search_events`]: with the indexes, the best matches by the search index's BM25
    /// among the events the rest of the filter keeps.
    pub async fn search_events(
        &self,
        filter: &EventFilter,
        offset: u32,
        limit: u32,
    ) -> Result<Vec<EventSummary>, sqlx::Error> {
        let (Some(query), Some(ix), Some(text)) = (&filter.text, &self.index, &self.text) else {
            return search_events(self.pool, filter, offset, limit).await;
        };
        let rest = EventFilter {
            text: None,
            ..filter.clone()
        };
        let kept = (rest != EventFilter::default()).then(|| ix.kept(&rest));
        let mut kept_ids = kept.as_ref().map(|set| ix.ids_of(set));
        let keep = kept_ids
            .as_mut()
            .map(|it| it as &mut dyn Iterator<Item = i64>);
        let cached = self.cached_hits(query).is_some();
        let found = if cached {
            text.best(query, keep, offset as usize, limit as usize)
                .map(|best| (best, None))
        } else {
            text.best_and_hits(query, keep, offset as usize, limit as usize)
                .map(|(best, all)| (best, Some(all)))
        };
        let ids = match found {
            Ok((best, all)) => {
                if let Some(all) = all {
                    self.remember_hits(query, Arc::new(ix.hits(all.iter())));
                }
                best
            }
            Err(err) => {
                tracing::warn!(%err, "search index failed: searching with SQLite");
                return search_events(self.pool, filter, offset, limit).await;
            }
        };
        let mut rows: Vec<EventSummary> =
            rows_by_ids(self.pool, SUMMARY_COLUMNS, &ids, Order::Timeline).await?;
        // Back into the index's order, best first.
        rows.sort_by_key(|r| ids.iter().position(|&id| id == r.id));
        Ok(rows)
    }

    /// [`search_snippets`] of a page of a search's results: with the search index, the
    /// query's prefixes are replaced by the words they stand for (see
    /// [`TextIndex::marking`]).
    pub async fn search_snippets(
        &self,
        query: &FtsQuery,
        ids: &[i64],
    ) -> Result<Vec<SearchSnippets>, sqlx::Error> {
        let marking = match self.text.as_deref().map(|t| t.marking(query)) {
            Some(Ok(Some(marking))) => marking,
            Some(Ok(None)) => return Ok(Vec::new()),
            Some(Err(err)) => {
                tracing::warn!(%err, "search index failed: marking with SQLite");
                query.clone()
            }
            None => query.clone(),
        };
        search_snippets(self.pool, &marking, ids).await
    }

    /// [`count_events`].
    pub async fn count_events(&self, filter: &EventFilter) -> Result<i64, sqlx::Error> {
        match self.index_for(filter) {
            Some((ix, hits)) => Ok(ix.count(filter, hits.as_deref())),
            None => count_events(self.pool, filter).await,
        }
    }

    /// [`facet_counts`].
    pub async fn facet_counts(
        &self,
        filter: &EventFilter,
        facet: Facet,
        limit: u32,
    ) -> Result<Vec<FacetValue>, sqlx::Error> {
        match self.index_for(filter) {
            Some((ix, hits)) => Ok(ix.facet_counts(filter, hits.as_deref(), facet, limit)),
            None => facet_counts(self.pool, filter, facet, limit).await,
        }
    }

    /// [`histogram`].
    pub async fn histogram(
        &self,
        filter: &EventFilter,
        first: Day,
        last: Day,
        buckets: u32,
    ) -> Result<Vec<(i64, i64)>, sqlx::Error> {
        match self.index_for(filter) {
            Some((ix, hits)) => Ok(ix.histogram(filter, hits.as_deref(), first, last, buckets)),
            None => histogram(self.pool, filter, first, last, buckets).await,
        }
    }

    /// Up to `limit` events of the view, lightest columns only, for overview marks.
    pub async fn marks(&self, filter: &EventFilter, limit: u32) -> Result<Vec<Mark>, sqlx::Error> {
        match self.index_for(filter) {
            Some((ix, hits)) => {
                let ids = ix.page(filter, hits.as_deref(), None, Order::Timeline, limit);
                rows_by_ids(self.pool, MARK_COLUMNS, &ids, Order::Timeline).await
            }
            None => {
                fetch_page(
                    self.pool,
                    MARK_COLUMNS,
                    filter,
                    None,
                    Order::Timeline,
                    limit,
                )
                .await
            }
        }
    }

    /// Up to `limit` events of the view in timeline order, each with its notability.
    pub async fn ranked_marks(
        &self,
        filter: &EventFilter,
        limit: u32,
    ) -> Result<Vec<marks::RankedMark>, sqlx::Error> {
        match self.index_for(filter) {
            Some((ix, hits)) => {
                let ids = ix.page(filter, hits.as_deref(), None, Order::Timeline, limit);
                marks::ranked_by_ids(self.pool, &ids, |id| ix.notability_of(id)).await
            }
            None => {
                fetch_page(
                    self.pool,
                    marks::RANKED_COLUMNS,
                    filter,
                    None,
                    Order::Timeline,
                    limit,
                )
                .await
            }
        }
    }

    /// [`marks::notable_marks`].
    pub async fn notable_marks(
        &self,
        filter: &EventFilter,
        labels: &marks::LabelSample,
    ) -> Result<Vec<marks::RankedMark>, sqlx::Error> {
        match self.index_for(filter) {
            Some((ix, hits)) => {
                let ids = ix.notable_marks(filter, hits.as_deref(), labels);
                let mut rows =
                    marks::ranked_by_ids(self.pool, &ids, |id| ix.notability_of(id)).await?;
                marks::most_notable_first(&mut rows);
                Ok(rows)
            }
            None => marks::notable_marks(self.pool, filter, labels).await,
        }
    }
}

/// The rows of the given events, in `order` (the ids come from the index in that order,
/// and the same `ORDER BY` as the SQLite path keeps it).
async fn rows_by_ids<T>(
    pool: &SqlitePool,
    columns: &str,
    ids: &[i64],
    order: Order,
) -> Result<Vec<T>, sqlx::Error>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + Send + Unpin,
{
    let order_by = match order {
        Order::Timeline => " ORDER BY e.start_day, e.end_day, e.id",
        Order::NewestFirst => " ORDER BY e.start_day DESC, e.end_day DESC, e.id DESC",
    };
    let select = format!("SELECT {columns} FROM event e");
    fetch_by_ids(pool, &select, "e.id", ids, order_by).await
}

/// Rows of `columns` of the sources (`s`) of the given events, by event and in each event's
/// given order, on a pool or on one connection.
async fn sources_by_ids<'c, T>(
    db: impl sqlx::SqliteExecutor<'c>,
    columns: &str,
    ids: &[i64],
) -> Result<Vec<T>, sqlx::Error>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + Send + Unpin,
{
    let select = format!("SELECT {columns} FROM source s");
    fetch_by_ids(
        db,
        &select,
        "s.event_id",
        ids,
        " ORDER BY s.event_id, s.position",
    )
    .await
}

/// The rows of `select` (`SELECT … FROM …`) whose `id` column is one of `ids`, then
/// `order_by`; none, and no query, when `ids` is empty.
async fn fetch_by_ids<'c, T>(
    db: impl sqlx::SqliteExecutor<'c>,
    select: &str,
    id: &str,
    ids: &[i64],
    order_by: &str,
) -> Result<Vec<T>, sqlx::Error>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + Send + Unpin,
{
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    fetch_all(db, |qb| {
        qb.push(select);
        push_list(qb, &format!(" WHERE {id} IN ("), ids.iter().copied(), ")");
        qb.push(order_by);
    })
    .await
}

#[cfg(test)]
mod query_plans;

pub mod marks;
