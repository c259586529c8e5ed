//! The query plan of every query on a request path, checked against a database of 20,000
//! events: no full scan of `event`, `event_actor` or `facet_count` (the per-day aggregate is
//! read whole where the whole span is asked for: one row per day), and the index each
//! query is meant to use. The expected plans (SQLite 3.4x, `EXPLAIN QUERY PLAN`):
//!
//! * timeline page, date range (`list_events`, `count_events`):
//!   `SEARCH e USING INDEX event_by_start (start_day>? AND start_day<?)` for short events
//!   and `SEARCH e USING INDEX event_long (start_day<?)` for long ones, merged in order
//!   (`MERGE (UNION ALL)`); counts use the same indexes as covering indexes;
//! * whole span: `SCAN e USING INDEX event_by_start` stopped by `LIMIT`; the count reads
//!   `event_day_count` (one row per day), never `event`;
//! * category, actor, place, conflict filters: `event_by_category`,
//!   `event_actor_by_actor`, `event_place_by_place`, `event_by_conflict`;
//! * facet counts of a view: category and conflict from the covering index
//!   `event_by_start` alone (it carries their columns); actors and places from the view's index
//!   range and `event_actor`; the whole collection's facets read `facet_count` by
//!   `facet_by_count`;
//! * search: the FTS5 index (`VIRTUAL TABLE INDEX`), then primary-key lookups;
//! * histogram: `event_day_count` by primary key, or the view's index range;
//! * event page: `event` by its unique slug; previous and next by `event_by_conflict`.

use std::path::Path;

use sqlx::{QueryBuilder, Sqlite, SqlitePool};

use super::*;
use crate::db::{aggregates, migrate, open_read_write};

async fn database(dir: &Path) -> SqlitePool {
    let path = dir.join("plans.db");
    let pool = open_read_write(&path).await.expect("open");
    migrate(&pool, &path).await.expect("migrate");
    for statement in [
        "INSERT INTO conflict (id, slug, name) VALUES (1, 'c', 'C'), (2, 'd', 'D')",
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60)
         INSERT INTO actor (id, slug, name) SELECT i, 'actor-' || i, 'Actor ' || i FROM n",
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
         INSERT INTO event (id, conflict_id, slug, title, summary, edtf, start_day, end_day,
                            category, place, content_hash)
         SELECT i, 1 + i % 2, 'event-' || i, 'Event ' || i, 'Shelling near place ' || (i % 300),
                'x', 6000 + i % 13000,
                6000 + i % 13000 + CASE WHEN i % 97 = 0 THEN 900 ELSE i % 3 END,
                CASE i % 5 WHEN 0 THEN 'military' WHEN 1 THEN 'political'
                           WHEN 2 THEN 'diplomatic' WHEN 3 THEN 'ceasefire' ELSE 'humanitarian' END,
                'Place ' || (i % 300), 'h'
         FROM n",
        "INSERT INTO event_actor (event_id, actor_id, position)
         SELECT id, 1 + id % 60, 0 FROM event UNION ALL
         SELECT id, 1 + (id + 7) % 60, 1 FROM event",
        // Places as the import links them: event i at place i % 300, by slug and name.
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 299)
         INSERT INTO place (id, slug, name, label)
         SELECT i + 1, 'place-' || i, 'Place ' || i, 'Place ' || i FROM n",
        "INSERT INTO place_name (place_id, position, name, folded)
         SELECT id, 0, name, lower(name) FROM place",
        "INSERT INTO event_place (event_id, place_id, position)
         SELECT id, 1 + id % 300, 0 FROM event",
        "INSERT INTO event_fts (event_fts) VALUES ('rebuild')",
    ] {
        sqlx::query(sqlx::AssertSqlSafe(statement))
            .execute(&pool)
            .await
            .expect(statement);
    }
    let mut conn = pool.acquire().await.expect("connection");
    aggregates::refresh(&mut conn).await.expect("aggregates");
    pool
}

/// The plan of the statement `push` builds, one line per step.
async fn plan(pool: &SqlitePool, push: impl FnOnce(&mut QueryBuilder<Sqlite>)) -> Vec<String> {
    let mut qb = QueryBuilder::<Sqlite>::new("EXPLAIN QUERY PLAN ");
    push(&mut qb);
    let rows: Vec<(i64, i64, i64, String)> =
        qb.build_query_as().fetch_all(pool).await.expect("explain");
    rows.into_iter().map(|(_, _, _, detail)| detail).collect()
}

/// No step reads a whole table of events, links or aggregates without an index. A `SCAN`
/// of `event` through `event_by_start` is allowed where `bounded` says a `LIMIT` stops it.
fn assert_no_full_scan(name: &str, plan: &[String], bounded: bool) {
    for step in plan {
        let scan = step.starts_with("SCAN ");
        let ordered_scan = step.contains("USING INDEX event_by_start")
            || step.contains("USING COVERING INDEX event_by_start");
        // Small by construction: conflicts, the view's own rows or counts (CTEs `v`, `g`), the per-day
        // aggregate (one row per day with events: about 14,000 for 38 years).
        let tiny = step.contains("conflict")
            || step.contains("SCAN v")
            || step.contains("SCAN g")
            || step.contains("CONSTANT")
            || step.contains("event_day_count")
            // FTS5 answering MATCH from its index (`:M`), not reading every document.
            || (step.contains("VIRTUAL TABLE INDEX") && step.contains(":M"));
        assert!(
            !scan || tiny || (bounded && ordered_scan),
            "{name}: full scan in {step:?}\n{plan:#?}"
        );
    }
}

fn uses(name: &str, plan: &[String], index: &str) {
    assert!(
        plan.iter().any(|step| step.contains(index)),
        "{name}: expected {index}\n{plan:#?}"
    );
}

fn range(from: i32, to: i32) -> EventFilter {
    EventFilter {
        from: Some(Day(from)),
        to: Some(Day(to)),
        ..EventFilter::default()
    }
}

#[tokio::test]
async fn hot_queries_use_their_indexes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pool = database(dir.path()).await;
    let month = range(10_000, 10_030);
    let everything = EventFilter::default();

    let p = plan(&pool, |qb| {
        push_page(qb, SUMMARY_COLUMNS, &month, None, Order::Timeline, 101)
    })
    .await;
    assert_no_full_scan("list month", &p, false);
    uses("list month", &p, "event_by_start");
    uses("list month", &p, "event_long");

    let p = plan(&pool, |qb| {
        push_page(qb, SUMMARY_COLUMNS, &everything, None, Order::Timeline, 101)
    })
    .await;
    assert_no_full_scan("list all", &p, true);

    let p = plan(&pool, |qb| push_count(qb, &month)).await;
    assert_no_full_scan("count month", &p, false);
    uses("count month", &p, "event_by_start");

    let p = plan(&pool, |qb| push_count(qb, &everything)).await;
    assert_no_full_scan("count all", &p, false);
    uses("count all", &p, "event_day_count");
    assert!(
        !p.iter().any(|s| s.contains(" e ") || s.ends_with(" e")),
        "{p:#?}"
    );

    for (name, filter, index) in [
        (
            "category",
            EventFilter {
                categories: vec!["military".into()],
                ..EventFilter::default()
            },
            "event_by_category",
        ),
        (
            "actor",
            EventFilter {
                actors: vec!["actor-3".into()],
                ..EventFilter::default()
            },
            "event_actor_by_actor",
        ),
        (
            "place",
            EventFilter {
                places: vec!["Place 7".into()],
                ..EventFilter::default()
            },
            "event_place_by_place",
        ),
    ] {
        let p = plan(&pool, |qb| push_count(qb, &filter)).await;
        assert_no_full_scan(name, &p, false);
        uses(name, &p, index);
    }

    // A view narrowed by place only (no dates): the place index, not a walk of another.
    let at_place = EventFilter {
        places: vec!["Place 7".into()],
        ..EventFilter::default()
    };
    for facet in Facet::ALL {
        let p = plan(&pool, |qb| push_facet_counts(qb, &at_place, facet, 8)).await;
        assert_no_full_scan(facet.key(), &p, false);
        uses(facet.key(), &p, "event_place_by_place");
    }
    for facet in Facet::ALL {
        let p = plan(&pool, |qb| push_facet_counts(qb, &month, facet, 8)).await;
        assert_no_full_scan(facet.key(), &p, false);
        if facet == Facet::Actor || facet == Facet::Place {
            uses(facet.key(), &p, "event_by_start");
        } else {
            // Counted from the index alone, no event row read.
            uses(facet.key(), &p, "COVERING INDEX event_by_start");
        }
    }

    // A date range with another filter: the short events by the date index over a range
    // bounded at both ends (the filter tested in the index), the long ones from their own
    // partial index, never a walk of the filter's index over every event before the
    // range's end.
    let month_and = |f: EventFilter| EventFilter {
        from: month.from,
        to: month.to,
        ..f
    };
    for (name, filter) in [
        (
            "month of a category",
            month_and(EventFilter {
                categories: vec!["military".into()],
                ..EventFilter::default()
            }),
        ),
        (
            "month at a place",
            month_and(EventFilter {
                places: vec!["Place 7".into()],
                ..EventFilter::default()
            }),
        ),
        (
            "month of an actor",
            month_and(EventFilter {
                actors: vec!["actor-3".into()],
                ..EventFilter::default()
            }),
        ),
        (
            "month of a conflict",
            month_and(EventFilter {
                conflicts: vec!["test".into()],
                ..EventFilter::default()
            }),
        ),
    ] {
        let lists = plan(&pool, |qb| {
            push_page(qb, SUMMARY_COLUMNS, &filter, None, Order::Timeline, 101)
        })
        .await;
        let counts = plan(&pool, |qb| push_count(qb, &filter)).await;
        let facets = plan(&pool, |qb| {
            push_facet_counts(qb, &filter, Facet::Category, 8)
        })
        .await;
        for p in [lists, counts, facets] {
            assert_no_full_scan(name, &p, false);
            uses(name, &p, "event_long");
            uses(name, &p, "event_by_start (start_day>? AND start_day<?)");
            for step in &p {
                let open_start = step.contains("start_day<?") && !step.contains("start_day>?");
                assert!(
                    !open_start || step.contains("event_long"),
                    "{name}: an index range open at its start in {step:?}\n{p:#?}"
                );
            }
        }
    }

    let text = FtsQuery::parse("shelling").expect("query");
    let searching = EventFilter {
        text: Some(text.clone()),
        ..month.clone()
    };
    let p = plan(&pool, |qb| push_search(qb, &searching, &text, 0, 21)).await;
    assert_no_full_scan("search", &p, false);
    uses("search", &p, "VIRTUAL TABLE INDEX");

    let p = plan(&pool, |qb| {
        push_histogram(qb, &everything, Day(6000), Day(20_000), 50)
    })
    .await;
    assert_no_full_scan("histogram", &p, false);
    uses("histogram", &p, "event_day_count");

    let mut military = month.clone();
    military.categories = vec!["military".into()];
    let p = plan(&pool, |qb| {
        push_histogram(qb, &military, Day(10_000), Day(10_030), 30)
    })
    .await;
    assert_no_full_scan("histogram military", &p, false);

    for (name, sql, index) in [
        ("previous", PREVIOUS_SQL, "event_by_conflict"),
        ("next", NEXT_SQL, "event_by_conflict"),
    ] {
        let p = plan(&pool, |qb| {
            qb.push(sql);
        })
        .await;
        assert_no_full_scan(name, &p, false);
        uses(name, &p, index);
    }

    let p = plan(&pool, |qb| {
        qb.push("SELECT value, label, count FROM facet_count WHERE facet = 'actor' ORDER BY count DESC, value LIMIT 8");
    })
    .await;
    assert_no_full_scan("facet totals", &p, false);
    uses("facet totals", &p, "facet_by_count");
}

/// The indexes the queries name change how events are found, never which: each filtered
/// range counts what a plain overlap test over every event counts, for short and long
/// ranges (both sides of the rule in `Arm::by_dates`) and every kind of filter.
#[tokio::test]
async fn named_indexes_find_the_same_events() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pool = database(dir.path()).await;
    let text = FtsQuery::parse("shelling").expect("query");
    for (from, to) in [(10_000, 10_030), (6_000, 19_900), (9_000, 9_000)] {
        let filters: Vec<(&str, EventFilter, String)> = vec![
            (
                "category",
                EventFilter {
                    categories: vec!["military".into(), "ceasefire".into()],
                    ..range(from, to)
                },
                "category IN ('military', 'ceasefire')".into(),
            ),
            (
                "place",
                EventFilter {
                    places: vec!["Place 7".into()],
                    ..range(from, to)
                },
                "id IN (SELECT event_id FROM event_place WHERE place_id = 8)".into(),
            ),
            (
                "actors",
                EventFilter {
                    actors: vec!["actor-3".into(), "actor-10".into()],
                    ..range(from, to)
                },
                "id IN (SELECT event_id FROM event_actor WHERE actor_id IN (3, 10))".into(),
            ),
            (
                "conflict and actor",
                EventFilter {
                    conflicts: vec!["d".into()],
                    actors: vec!["actor-5".into()],
                    ..range(from, to)
                },
                "conflict_id = 2 AND id IN (SELECT event_id FROM event_actor WHERE actor_id = 5)"
                    .into(),
            ),
            (
                "search",
                EventFilter {
                    text: Some(text.clone()),
                    ..range(from, to)
                },
                "1".into(),
            ),
        ];
        for (name, filter, condition) in filters {
            let naive: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT count(*) FROM event WHERE start_day <= {to} AND end_day >= {from}
                 AND {condition}"
            )))
            .fetch_one(&pool)
            .await
            .expect("naive count");
            let counted = count_events(&pool, &filter).await.expect("count");
            assert_eq!(counted, naive, "{name} over {from}..{to}");
            assert!(
                naive > 0 || to - from < 1000,
                "{name} over {from}..{to} finds events"
            );
            let listed = list_events(&pool, &filter, None, 10_000)
                .await
                .expect("list");
            assert_eq!(listed.len() as i64, naive.min(10_000), "{name} list");
        }
    }
}

/// An event's history is read by following its chain of changes from its latest one: each
/// step a lookup by id, never a scan of the changes (there is no index on the event).
#[tokio::test]
async fn an_events_history_follows_its_chain_of_changes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pool = database(dir.path()).await;
    let p = plan(&pool, |qb| {
        qb.push(crate::db::history::EVENT_CHANGES.replace("?1", "5"));
    })
    .await;
    uses("history", &p, "event_last_change USING INTEGER PRIMARY KEY");
    assert!(
        !p.iter()
            .any(|step| step == "SCAN c" || step.starts_with("SCAN event_change")),
        "the history scans the changes: {p:#?}"
    );
}
