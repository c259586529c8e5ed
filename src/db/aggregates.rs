//! Aggregates the importer keeps in step with the events, so that views of the whole
//! collection never count a million rows per request:
//! * `event_day_count`: events starting on each day, summed into overview histograms;
//! * `facet_count`: events per category, actor, conflict and place, for the facets of the
//!   unfiltered timeline;
//! * `data_span`: the first and last day of the data, for the context strip of every page.
//!
//! Both are rebuilt rather than adjusted row by row: one grouped scan at the end of an
//! import costs less than a write per event, and cannot drift.

use sqlx::SqliteConnection;

/// The statements that rebuild every aggregate, in order.
const REFRESH: &[&str] = &[
    "DELETE FROM event_day_count",
    "INSERT INTO event_day_count (day, count)
     SELECT start_day, count(*) FROM event GROUP BY start_day",
    "DELETE FROM facet_count",
    "INSERT INTO facet_count (facet, value, label, count)
     SELECT 'category', category, category, count(*) FROM event GROUP BY category",
    "INSERT INTO facet_count (facet, value, label, count)
     SELECT 'place', p.slug, p.label, n
     FROM (SELECT place_id, count(*) AS n FROM event_place GROUP BY place_id)
     JOIN place p ON p.id = place_id",
    "INSERT INTO facet_count (facet, value, label, count)
     SELECT 'conflict', c.slug, c.name, n
     FROM (SELECT conflict_id, count(*) AS n FROM event GROUP BY conflict_id)
     JOIN conflict c ON c.id = conflict_id",
    "INSERT INTO facet_count (facet, value, label, count)
     SELECT 'actor', a.slug, a.name, n
     FROM (SELECT actor_id, count(*) AS n FROM event_actor GROUP BY actor_id)
     JOIN actor a ON a.id = actor_id",
    // Missing ends (open or unknown: `Day::MIN` and `Day::MAX`, the i32 limits) are left
    // out so that an ongoing event does not stretch the timeline to the end of time; the
    // latest start and the earliest end stand in for them.
    "INSERT OR REPLACE INTO data_span (id, first_day, last_day)
     SELECT 1, min(coalesce(min_start, min_end), min_end),
            max(coalesce(max_end, max_start), max_start)
     FROM (
         SELECT min(CASE WHEN start_day > -2147483648 THEN start_day END) AS min_start,
                min(end_day) AS min_end,
                max(CASE WHEN end_day < 2147483647 THEN end_day END) AS max_end,
                max(start_day) AS max_start
         FROM (SELECT start_day, end_day FROM event
               UNION ALL SELECT start_day, end_day FROM era)
     )",
];

/// Rebuilds every aggregate inside the caller's transaction.
pub async fn refresh(conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    for statement in REFRESH {
        sqlx::query(*statement).execute(&mut *conn).await?;
    }
    Ok(())
}
