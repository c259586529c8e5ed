//! The queries behind the exports: keyset pages of events with everything a file format can
//! hold, their sources and links, and the conflicts and eras a document starts with. They
//! take one connection, so that a caller can read every page inside one transaction (the
//! `export` command: one snapshot) or take a pooled connection per page (the HTTP exports:
//! each page is one short query, and other requests get the connection in between).

use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use super::places::PLACE_COLUMNS;
use super::{
    Arm, EventFilter, Order, fetch_page, push_in_list, push_list, push_where, sources_by_ids,
};
use crate::db::models::{Conflict, Cursor, Era, EventLinkRow, EventSource, ExportRow, Place};
use crate::edtf::Day;

/// The columns of [`ExportRow`].
const EXPORT_COLUMNS: &str = concat!(
    summary_columns!(),
    ",
     (SELECT c.slug FROM conflict c WHERE c.id = e.conflict_id) AS conflict_slug,
     e.body, e.latitude, e.longitude, e.fatalities_best, e.fatalities_low, e.fatalities_high,
     e.updated_at, e.notable"
);

/// One page of up to `limit` events of the filter in `order`, after `after` (timeline order
/// only; a newest-first export is one page).
pub async fn page(
    conn: &mut SqliteConnection,
    filter: &EventFilter,
    after: Option<Cursor>,
    order: Order,
    limit: u32,
) -> Result<Vec<ExportRow>, sqlx::Error> {
    fetch_page(&mut *conn, EXPORT_COLUMNS, filter, after, order, limit).await
}

/// The sources of the given events, by event and in their given order.
pub async fn sources(
    conn: &mut SqliteConnection,
    ids: &[i64],
) -> Result<Vec<EventSource>, sqlx::Error> {
    let columns = "s.event_id, s.title, s.publisher, s.url, s.published, s.note";
    sources_by_ids(&mut *conn, columns, ids).await
}

/// The links from the given events to events the filter also keeps, so that an export
/// imports on its own (a link to an event left out would not resolve).
pub async fn links(
    conn: &mut SqliteConnection,
    ids: &[i64],
    filter: &EventFilter,
) -> Result<Vec<EventLinkRow>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut qb = QueryBuilder::<Sqlite>::new(
        "SELECT l.from_event_id, l.rel, t.slug AS target
         FROM event_link l JOIN event t ON t.id = l.to_event_id",
    );
    push_list(
        &mut qb,
        " WHERE l.from_event_id IN (",
        ids.iter().copied(),
        ")",
    );
    // The filter tested on each target by its id (a rowid lookup), not the filter's whole
    // set of events gathered once per page.
    qb.push(" AND EXISTS (SELECT 1 FROM event e");
    push_where(&mut qb, filter, Arm::Overlap, None);
    qb.push(" AND e.id = t.id) ORDER BY l.from_event_id, l.rel, t.slug");
    qb.build_query_as().fetch_all(&mut *conn).await
}

/// The conflicts with these slugs (all of them when none is given), by slug.
pub async fn conflicts(
    conn: &mut SqliteConnection,
    slugs: &[String],
) -> Result<Vec<Conflict>, sqlx::Error> {
    let mut qb =
        QueryBuilder::<Sqlite>::new("SELECT id, slug, name, summary, region FROM conflict");
    push_in_list(&mut qb, " WHERE slug IN (", slugs, ")");
    qb.push(" ORDER BY slug");
    qb.build_query_as().fetch_all(&mut *conn).await
}

/// The eras of the filter's conflicts (all conflicts when it names none) that overlap its
/// date range, in timeline order.
pub async fn eras(
    conn: &mut SqliteConnection,
    filter: &EventFilter,
) -> Result<Vec<Era>, sqlx::Error> {
    let mut qb = QueryBuilder::<Sqlite>::new(
        "SELECT r.id, r.conflict_id, r.slug, r.name, r.edtf, r.start_day, r.end_day, r.summary
         FROM era r WHERE r.end_day >= ",
    );
    qb.push_bind(filter.from.unwrap_or(Day::MIN).0)
        .push(" AND r.start_day <= ")
        .push_bind(filter.to.unwrap_or(Day::MAX).0);
    push_in_list(
        &mut qb,
        " AND r.conflict_id IN (SELECT c.id FROM conflict c WHERE c.slug IN (",
        &filter.conflicts,
        "))",
    );
    qb.push(" ORDER BY r.start_day, r.end_day, r.id");
    qb.build_query_as().fetch_all(&mut *conn).await
}

/// The places the filter's events name and the places those lie in, with their names
/// (`(place id, name, usage, source)` in order), places that others lie in before them.
pub async fn places(
    conn: &mut SqliteConnection,
    filter: &EventFilter,
) -> Result<(Vec<Place>, Vec<(i64, String, String, Option<String>)>), sqlx::Error> {
    // Depth first: a place after the place it lies in (parents form a tree: a place cannot
    // lie in itself, and the importer only links to places already declared).
    let mut qb = QueryBuilder::<Sqlite>::new(
        "WITH RECURSIVE used(id) AS (
             SELECT ep.place_id FROM event_place ep WHERE ep.event_id IN (SELECT e.id FROM event e",
    );
    push_where(&mut qb, filter, Arm::Overlap, None);
    qb.push(
        ") UNION SELECT p.parent_id FROM place p JOIN used ON p.id = used.id
             WHERE p.parent_id IS NOT NULL),
         depth(id, d) AS (
             SELECT id, 0 FROM place WHERE parent_id IS NULL
             UNION ALL SELECT p.id, depth.d + 1 FROM place p JOIN depth ON p.parent_id = depth.id
             WHERE depth.d < 64)
         SELECT ",
    )
    .push(PLACE_COLUMNS)
    .push(
        " FROM place p JOIN depth ON depth.id = p.id WHERE p.id IN (SELECT id FROM used)
         ORDER BY depth.d, p.slug",
    );
    let places: Vec<Place> = qb.build_query_as().fetch_all(&mut *conn).await?;
    let names = sqlx::query_as(
        "SELECT place_id, name, usage, source_url FROM place_name ORDER BY place_id, position",
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok((places, names))
}

/// When any event last changed, if there are events (an empty feed's `updated`).
pub async fn last_updated(conn: &mut SqliteConnection) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT max(updated_at) FROM event")
        .fetch_one(&mut *conn)
        .await
}
