//! The in-memory event index against SQLite: on a 20,000-event database with day, month,
//! year and multi-year dates, open ends, events without a place and several actors each,
//! every count, page, facet count, histogram and overview mark the index gives equals what
//! the SQL queries give, for date ranges of every length combined with every facet, and
//! every count also equals a plain `count(*)` written without the queries' index tricks.
//! Searches go through the search index (tantivy) for their hits and best matches: every
//! count, facet count, histogram, page and mark of a search equals SQLite's (FTS5's) for
//! words, prefixes, phrases, `OR`, exclusions, accents and letters FTS5 does not fold, and
//! every best match is one of FTS5's hits. The pages built with the indexes show the same
//! as without them.

use std::sync::Arc;

use conflict_timeline::db::event_index::{self, EventIndex};
use conflict_timeline::db::queries::{self, EventFilter, Facet, Order, Reader};
use conflict_timeline::db::text_index;
use conflict_timeline::edtf::Day;
use conflict_timeline::import::{self, Format, ImportOptions, Input};
use conflict_timeline::model::Bbox;
use conflict_timeline::place_names;
use conflict_timeline::search::FtsQuery;
use conflict_timeline::{AppState, db, web};
use sqlx::SqlitePool;

const EVENTS: usize = 20_000;
const ACTORS: [&str; 7] = [
    "Armenia",
    "Azerbaijan",
    "Russia",
    "Turkey",
    "OSCE",
    "United Nations",
    "ICRC",
];
const CATEGORIES: [&str; 4] = ["military", "diplomatic", "humanitarian", "political"];
const WORDS: [&str; 12] = [
    "corridor",
    "corridor",
    "corridor",
    "ceasefire",
    "Şuşa",
    "Xankəndi",
    "Nagorno-Karabakh",
    "negotiators",
    "Ağdam",
    "straße",
    "peacekeepers",
    "blockade",
];
/// Places with their coordinates (latitude, longitude); one has none.
const PLACES: [(&str, Option<(f64, f64)>); 6] = [
    ("Stepanakert", Some((39.82, 46.75))),
    ("Shusha", Some((39.76, 46.75))),
    ("Lachin", Some((39.64, 46.55))),
    ("Kelbajar Pass", Some((40.1, 46.04))),
    ("Baku", Some((40.41, 49.87))),
    ("Somewhere unmapped", None),
];

/// A small deterministic generator (xorshift), so the data is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn iso(day: i32) -> String {
    Day(day).iso()
}

/// The events as a plain CSV file, with `edtf` dates of every kind the index must place.
fn csv(rng: &mut Rng) -> String {
    let first = Day::from_ymd(1990, 1, 1).expect("day").0;
    let span = 30 * 365;
    let mut out =
        String::from("title,edtf,category,actors,location,latitude,longitude,conflict,summary\n");
    for i in 0..EVENTS {
        let start = first + rng.below(span) as i32;
        let (y, m, _) = Day(start).ymd();
        let edtf = match rng.below(100) {
            0..=69 => iso(start),
            70..=79 => format!("{y:04}-{m:02}"),
            80..=84 => format!("{y:04}"),
            85..=92 => format!("{}/{}", iso(start), iso(start + 1 + rng.below(12) as i32)),
            // Long events: years, reaching far before the ranges that meet them.
            93..=97 => format!(
                "{}/{}",
                iso(start),
                iso(start + 401 + rng.below(3000) as i32)
            ),
            _ => format!("{}/..", iso(start)),
        };
        let mut actors: Vec<&str> = Vec::new();
        for _ in 0..1 + rng.below(3) {
            let a = ACTORS[rng.below(ACTORS.len())];
            if !actors.contains(&a) {
                actors.push(a);
            }
        }
        let (place, coordinates) = if rng.below(10) == 0 {
            ("", None)
        } else {
            PLACES[rng.below(PLACES.len())]
        };
        let (lat, lon) = coordinates.map_or((String::new(), String::new()), |(a, o)| {
            (a.to_string(), o.to_string())
        });
        let conflict = if rng.below(4) == 0 { "other" } else { "main" };
        // Words for the searches, picked from the event's number (not the generator, so the
        // dates and facets stay as they were): some in a third of the events, some rare,
        // with accents, hyphens and letters FTS5 does not fold.
        let words: Vec<&str> = (0..4)
            .map(|k| WORDS[(i * 7 + k * 13 + i / 3) % WORDS.len()])
            .collect();
        out.push_str(&format!(
            "Event {i},{edtf},{},{},{place},{lat},{lon},{conflict},Summary of event {i}: {}\n",
            CATEGORIES[rng.below(CATEGORIES.len())],
            actors.join(";"),
            words.join(" ")
        ));
    }
    out
}

async fn database(dir: &std::path::Path) -> (SqlitePool, std::path::PathBuf) {
    let path = dir.join("index.db");
    let pool = db::open_read_write(&path).await.expect("open");
    db::migrate(&pool, &path).await.expect("migrate");
    let csv_path = dir.join("events.csv");
    std::fs::write(&csv_path, csv(&mut Rng(0x5eed_1234_abcd_0013))).expect("write csv");
    import::import(
        &pool,
        &[Input::path(&csv_path, Some(Format::Csv))],
        ImportOptions::default(),
    )
    .await
    .expect("import");
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM event")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(n, EVENTS as i64);
    pool.close().await;
    let read = db::open_read_only(&path, 4).await.expect("read pool");
    (read, path)
}

/// Date ranges: none, open on one side, single days, months, years, decades, around the
/// data's edges and outside it.
fn ranges(rng: &mut Rng) -> Vec<(Option<Day>, Option<Day>)> {
    let d = |y, m, dd| Day::from_ymd(y, m, dd);
    let mut out = vec![
        (None, None),
        (d(2000, 1, 1), None),
        (None, d(1995, 6, 30)),
        (d(1985, 1, 1), d(1989, 12, 31)),
        (d(2030, 1, 1), d(2040, 12, 31)),
        (d(1989, 6, 1), d(1990, 2, 1)),
        (d(2019, 12, 1), d(2025, 1, 1)),
        (d(2005, 3, 1), d(2005, 3, 1)),
        (d(2005, 1, 1), d(2005, 12, 31)),
        (d(1990, 1, 1), d(2019, 12, 31)),
    ];
    let first = Day::from_ymd(1988, 1, 1).expect("day").0;
    for _ in 0..14 {
        let start = first + rng.below(34 * 365) as i32;
        let len = [0, 1, 30, 90, 365, 400, 401, 1500, 4000][rng.below(9)];
        out.push((Some(Day(start)), Some(Day(start + len))));
    }
    out
}

/// Facet combinations, unknown values included.
fn facet_sets() -> Vec<EventFilter> {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let mut out = vec![EventFilter::default()];
    let f =
        |categories: &[&str], actors: &[&str], conflicts: &[&str], places: &[&str]| EventFilter {
            categories: s(categories),
            actors: s(actors),
            conflicts: s(conflicts),
            places: s(places),
            ..EventFilter::default()
        };
    out.push(f(&["military"], &[], &[], &[]));
    out.push(f(&["military", "political"], &[], &[], &[]));
    out.push(f(&[], &["turkey"], &[], &[]));
    out.push(f(&[], &["turkey", "united-nations"], &[], &[]));
    out.push(f(&[], &[], &["other"], &[]));
    out.push(f(&[], &[], &[], &["Kelbajar Pass"]));
    out.push(f(&["diplomatic"], &["osce"], &[], &["Baku", "Lachin"]));
    out.push(f(&["humanitarian"], &["icrc"], &["main"], &["Shusha"]));
    out.push(f(&["no-such-category"], &[], &[], &[]));
    out.push(f(&[], &["nobody", "armenia"], &[], &[]));
    out.push(f(&[], &[], &[], &["Nowhere"]));
    // Places by slug and by a name spelt otherwise.
    out.push(f(&[], &[], &[], &["kelbajar-pass"]));
    out.push(f(&["military"], &[], &[], &["  SHUSHA ", "stepanakert"]));
    // Boxes: edges exactly on places (Lachin's west and south, Stepanakert's east and
    // north), one point, one over no place.
    let bbox = |west, south, east, north| EventFilter {
        bbox: Some(Bbox {
            west,
            south,
            east,
            north,
        }),
        ..EventFilter::default()
    };
    out.push(bbox(46.55, 39.64, 46.75, 39.82));
    out.push(bbox(49.87, 40.41, 49.87, 40.41));
    out.push(bbox(0.0, 0.0, 1.0, 1.0));
    out.push(EventFilter {
        categories: s(&["diplomatic"]),
        ..bbox(46.0, 39.7, 47.0, 40.2)
    });
    out
}

/// The events with a place inside a box, written plainly.
fn plain_bbox(qb: &mut sqlx::QueryBuilder<sqlx::Sqlite>, b: Option<Bbox>) {
    if let Some(b) = b {
        qb.push(
            " AND e.id IN (SELECT ep.event_id FROM event_place ep, place p
              WHERE p.id = ep.place_id AND p.latitude >= ",
        )
        .push_bind(b.south)
        .push(" AND p.latitude <= ")
        .push_bind(b.north)
        .push(" AND p.longitude >= ")
        .push_bind(b.west)
        .push(" AND p.longitude <= ")
        .push_bind(b.east)
        .push(")");
    }
}

/// A plain count, written without the two arms or any index hint.
async fn plain_count(pool: &SqlitePool, f: &EventFilter) -> i64 {
    let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
        "SELECT count(*) FROM event e WHERE e.start_day <= ",
    );
    qb.push_bind(f.to.unwrap_or(Day::MAX).0)
        .push(" AND e.end_day >= ")
        .push_bind(f.from.unwrap_or(Day::MIN).0);
    let list = |qb: &mut sqlx::QueryBuilder<sqlx::Sqlite>, open: &str, values: &[String]| {
        if values.is_empty() {
            return;
        }
        qb.push(open);
        let mut sep = qb.separated(", ");
        for v in values {
            sep.push_bind(v.clone());
        }
        qb.push("))");
    };
    list(&mut qb, " AND (e.category IN (", &f.categories);
    if !f.places.is_empty() {
        // By slug or by any name, folded.
        qb.push(
            " AND e.id IN (SELECT ep.event_id FROM event_place ep JOIN place p ON p.id = ep.place_id
              WHERE p.slug IN (",
        );
        let mut sep = qb.separated(", ");
        for v in &f.places {
            sep.push_bind(v.clone());
        }
        qb.push(") OR p.id IN (SELECT n.place_id FROM place_name n WHERE n.folded IN (");
        let mut sep = qb.separated(", ");
        for v in &f.places {
            sep.push_bind(place_names::fold(v));
        }
        qb.push(")))");
    }
    plain_bbox(&mut qb, f.bbox);
    list(
        &mut qb,
        " AND e.id IN (SELECT ea.event_id FROM event_actor ea JOIN actor a ON a.id = ea.actor_id WHERE a.slug IN (",
        &f.actors,
    );
    list(
        &mut qb,
        " AND e.conflict_id IN (SELECT id FROM conflict WHERE slug IN (",
        &f.conflicts,
    );
    qb.build_query_scalar()
        .fetch_one(pool)
        .await
        .expect("plain count")
}

fn ids<T>(rows: &[T], id: impl Fn(&T) -> i64) -> Vec<i64> {
    rows.iter().map(id).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_count_page_facet_and_histogram_equals_sqlite() {
    let dir = tempfile::tempdir().expect("dir");
    let (pool, path) = database(dir.path()).await;
    let index: EventIndex = event_index::build_from(&path).await.expect("index");
    assert_eq!(index.len(), EVENTS);
    // The data version the pages are answered at: the import counter and time combined.
    let (count, imported_at) = queries::dataset_stamp(&pool).await.expect("version");
    let version = conflict_timeline::db::combined_version(count, imported_at.as_deref());
    assert_eq!(index.version(), version);
    let fast = Reader::with(&pool, Some(std::sync::Arc::new(index)), None);
    let slow = Reader::sqlite(&pool);

    let mut rng = Rng(42);
    let mut checked = 0;
    for (from, to) in ranges(&mut rng) {
        for facets in facet_sets() {
            let filter = EventFilter { from, to, ..facets };
            let what = format!("{filter:?}");
            let count = fast.count_events(&filter).await.expect("count");
            assert_eq!(
                count,
                slow.count_events(&filter).await.expect("count"),
                "{what}"
            );
            assert_eq!(count, plain_count(&pool, &filter).await, "{what}");

            let page = fast.list_events(&filter, None, 101).await.expect("page");
            let want = slow.list_events(&filter, None, 101).await.expect("page");
            assert_eq!(ids(&page, |e| e.id), ids(&want, |e| e.id), "{what}");
            // The page after a cursor in the middle of the first one.
            if let Some(mid) = want.get(want.len() / 2) {
                let after = Some(mid.cursor());
                let a = fast.list_events(&filter, after, 37).await.expect("after");
                let b = slow.list_events(&filter, after, 37).await.expect("after");
                assert_eq!(ids(&a, |e| e.id), ids(&b, |e| e.id), "after, {what}");
            }
            let a = fast
                .list_event_records(&filter, None, Order::NewestFirst, 25)
                .await
                .expect("records");
            let b = slow
                .list_event_records(&filter, None, Order::NewestFirst, 25)
                .await
                .expect("records");
            assert_eq!(
                ids(&a, |e| e.summary.id),
                ids(&b, |e| e.summary.id),
                "newest first, {what}"
            );
            let a = fast.marks(&filter, 300).await.expect("marks");
            let b = slow.marks(&filter, 300).await.expect("marks");
            let slugs = |m: &[queries::Mark]| m.iter().map(|m| m.slug.clone()).collect::<Vec<_>>();
            assert_eq!(slugs(&a), slugs(&b), "marks, {what}");

            for facet in Facet::ALL {
                let a = fast
                    .facet_counts(&filter, facet, 1000)
                    .await
                    .expect("facets");
                let b = slow
                    .facet_counts(&filter, facet, 1000)
                    .await
                    .expect("facets");
                assert_eq!(a, b, "{facet:?} of {what}");
            }
            let first = from.unwrap_or(Day::from_ymd(1988, 1, 1).expect("day"));
            let last = to.unwrap_or(Day::from_ymd(2025, 12, 31).expect("day"));
            if first <= last {
                for buckets in [1, 7, 100] {
                    let a = fast
                        .histogram(&filter, first, last, buckets)
                        .await
                        .expect("histogram");
                    let b = slow
                        .histogram(&filter, first, last, buckets)
                        .await
                        .expect("histogram");
                    assert_eq!(a, b, "histogram of {buckets}, {what}");
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 250, "{checked} filters checked");

    // Property: for random boxes (their edges drawn from the places' own coordinates, a
    // hair either side of them, and anywhere), the index, SQLite's queries and a plain SQL
    // count agree, so edges are included exactly as the plain comparison includes them.
    let edges = |rng: &mut Rng, coord: fn((f64, f64)) -> f64, lo: f64, hi: f64| -> f64 {
        let known: Vec<f64> = PLACES.iter().filter_map(|(_, c)| c.map(coord)).collect();
        match rng.below(4) {
            0 => lo + (hi - lo) * (rng.below(10_000) as f64 / 10_000.0),
            1 => known[rng.below(known.len())] + 1e-9,
            2 => known[rng.below(known.len())] - 1e-9,
            _ => known[rng.below(known.len())],
        }
    };
    let mut rng = Rng(0xb0c5);
    let mut nonempty = 0;
    for case in 0..300 {
        let (a, b) = (
            edges(&mut rng, |c| c.1, 44.0, 51.0),
            edges(&mut rng, |c| c.1, 44.0, 51.0),
        );
        let (c, d) = (
            edges(&mut rng, |c| c.0, 38.0, 42.0),
            edges(&mut rng, |c| c.0, 38.0, 42.0),
        );
        let filter = EventFilter {
            bbox: Some(Bbox {
                west: a.min(b),
                east: a.max(b),
                south: c.min(d),
                north: c.max(d),
            }),
            from: if case % 3 == 0 {
                Day::from_ymd(2000, 1, 1)
            } else {
                None
            },
            ..EventFilter::default()
        };
        let want = plain_count(&pool, &filter).await;
        assert_eq!(
            fast.count_events(&filter).await.expect("count"),
            want,
            "{filter:?}"
        );
        assert_eq!(
            slow.count_events(&filter).await.expect("count"),
            want,
            "{filter:?}"
        );
        let a = fast
            .facet_counts(&filter, Facet::Place, 100)
            .await
            .expect("facets");
        let b = slow
            .facet_counts(&filter, Facet::Place, 100)
            .await
            .expect("facets");
        assert_eq!(a, b, "places of {filter:?}");
        nonempty += usize::from(want > 0);
    }
    assert!(nonempty > 50, "{nonempty} boxes held events");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_and_searches_read_the_same_with_and_without_the_index() {
    let dir = tempfile::tempdir().expect("dir");
    let (_, path) = database(dir.path()).await;
    let app = |event_index: bool| {
        let path = path.clone();
        async move {
            let pool = db::open_read_only(&path, 4).await.expect("pool");
            // The search index ranks by its own BM25: pages of best matches are compared
            // in `every_search_count_facet_and_hit_equals_sqlite` and
            // `a_search_page_with_the_search_index`, not byte for byte here.
            let config = web::Config {
                response_cache_bytes: 0,
                db_path: Some(path),
                event_index,
                text_index: false,
                ..web::Config::new(crate::harness::PUBLIC_URL)
            };
            let state = AppState::new(pool, config);
            // Wait until the index is built (or, without it, nothing to wait for).
            for _ in 0..500 {
                if !event_index || state.reader().await.index.is_some() {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            assert_eq!(state.reader().await.index.is_some(), event_index);
            web::router(state)
        }
    };
    let with = app(true).await;
    let without = app(false).await;
    // The first response of a process hashes the executable for its build id (seconds in
    // a debug build): paid here, outside the comparison.
    crate::harness::get_from(&without, "/").await;
    for uri in [
        "/",
        "/?actor=turkey",
        "/?from=2000&to=2009&category=military&place=Lachin",
        "/?from=1995-03&to=1995-04&actor=osce&actor=icrc",
        "/?conflict=other&place=Baku",
        "/?bbox=46.55,39.64,46.75,39.82&from=2001",
        "/api/events?bbox=46,39,47,40&place=shusha&limit=20",
        "/?q=summary",
        "/?q=event+12*&actor=armenia",
        "/?q=summary&from=2001&to=2001&category=political",
        "/api/events?actor=russia&limit=50",
        "/api/events?from=2010-01-01&to=2010-03-31&place=Shusha&limit=7",
        "/api/histogram?from=1990-01-01&to=2020-12-31&buckets=60&actor=turkey",
        "/api/histogram?from=1990-01-01&to=2020-12-31&buckets=60",
    ] {
        let a = crate::harness::get_from(&with, uri).await;
        let b = crate::harness::get_from(&without, uri).await;
        assert_eq!(a.0, b.0, "status of {uri}: {} / {}", a.1, b.1);
        assert_eq!(a.1, b.1, "body of {uri}");
        assert_eq!(a.0, 200, "{uri}");
    }
}

/// Searches of every kind the query language has, with accents and letters FTS5 leaves as
/// they are (`ə`, `ß`), and words found in a third of the events.
const SEARCHES: [&str; 26] = [
    "corridor",
    "CORRIDOR",
    "Susa",
    "Şuşa",
    "şuşa",
    "xankəndi",
    "xankendi",
    "Nagorno-Karabakh",
    "\"nagorno karabakh\"",
    "\"karabakh nagorno\"",
    "karabakh",
    "negot*",
    "n*",
    "\"nagorno kara\"*",
    "peacekeepers OR blockade",
    "corridor -ceasefire",
    "corridor NOT blockade",
    "\"summary of event 12\"",
    "event 12*",
    "strasse",
    "straße",
    "turkey",
    "lachin",
    "nothingmatchesthis",
    "agdam corridor",
    "ceasefire OR \"ağdam\" -turkey",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_search_count_facet_and_hit_equals_sqlite() {
    let dir = tempfile::tempdir().expect("dir");
    let (pool, path) = database(dir.path()).await;
    let index = event_index::build_from(&path).await.expect("index");
    let version = index.version();
    let text = text_index::open_or_build(&path, version)
        .await
        .expect("search index");
    assert_eq!(text.version(), version);
    // Opened again from its folder (what a restarted server does), not rebuilt.
    let text =
        text_index::TextIndex::open(&text_index::folder_for(&path), version).expect("reopened");
    let fast = Reader::with(&pool, Some(Arc::new(index)), Some(Arc::new(text)));
    let slow = Reader::sqlite(&pool);

    let d = |y, m, dd| Day::from_ymd(y, m, dd);
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    // Each search alone, over a decade, with an actor, with a category and two places
    // over a month, and in another conflict before a date.
    let views = [
        (None, None, EventFilter::default()),
        (d(2000, 1, 1), d(2009, 12, 31), EventFilter::default()),
        (
            None,
            None,
            EventFilter {
                actors: s(&["turkey"]),
                ..EventFilter::default()
            },
        ),
        (
            d(2005, 3, 1),
            d(2005, 3, 31),
            EventFilter {
                categories: s(&["military"]),
                places: s(&["Lachin", "Baku"]),
                ..EventFilter::default()
            },
        ),
        (
            None,
            d(1995, 6, 30),
            EventFilter {
                conflicts: s(&["other"]),
                ..EventFilter::default()
            },
        ),
    ];
    let mut found_some = 0;
    for search in SEARCHES {
        let query = FtsQuery::parse(search).expect(search);
        for (from, to, facets) in &views {
            let (from, to) = (*from, *to);
            {
                let filter = EventFilter {
                    text: Some(query.clone()),
                    from,
                    to,
                    ..facets.clone()
                };
                let what = format!("{search:?} {from:?}..{to:?} {facets:?}");
                assert!(fast.counts_cheaply(&filter), "indexed: {what}");
                let count = fast.count_events(&filter).await.expect("count");
                assert_eq!(
                    count,
                    slow.count_events(&filter).await.expect("count"),
                    "{what}"
                );
                if count > 0 {
                    found_some += 1;
                }
                for facet in Facet::ALL {
                    let a = fast
                        .facet_counts(&filter, facet, 1000)
                        .await
                        .expect("facets");
                    let b = slow
                        .facet_counts(&filter, facet, 1000)
                        .await
                        .expect("facets");
                    assert_eq!(a, b, "{facet:?} of {what}");
                }
                let first = from.unwrap_or(Day::from_ymd(1988, 1, 1).expect("day"));
                let last = to.unwrap_or(Day::from_ymd(2025, 12, 31).expect("day"));
                let a = fast
                    .histogram(&filter, first, last, 60)
                    .await
                    .expect("histogram");
                let b = slow
                    .histogram(&filter, first, last, 60)
                    .await
                    .expect("histogram");
                assert_eq!(a, b, "histogram of {what}");
                let a = fast.list_events(&filter, None, 101).await.expect("page");
                let b = slow.list_events(&filter, None, 101).await.expect("page");
                assert_eq!(ids(&a, |e| e.id), ids(&b, |e| e.id), "page of {what}");
                let a = fast.ranked_marks(&filter, 300).await.expect("marks");
                let b = slow.ranked_marks(&filter, 300).await.expect("marks");
                let slugs = |m: &[queries::marks::RankedMark]| {
                    m.iter()
                        .map(|m| (m.mark.slug.clone(), m.notability))
                        .collect::<Vec<_>>()
                };
                assert_eq!(slugs(&a), slugs(&b), "ranked marks of {what}");

                // Every hit, in any order: the same events.
                let mut a = ids(
                    &fast.search_events(&filter, 0, 25_000).await.expect("all"),
                    |e| e.id,
                );
                // FTS5's hits in timeline order (ranking them all would run past the
                // request budget at the widest prefixes).
                let mut b = ids(
                    &slow.list_events(&filter, None, 25_000).await.expect("all"),
                    |e| e.id,
                );
                a.sort_unstable();
                b.sort_unstable();
                assert_eq!(a, b, "hits of {what}");
                assert_eq!(a.len() as i64, count, "hits and count of {what}");
                // A page of best matches: as many as there are, each a hit, none twice.
                let best = ids(
                    &fast.search_events(&filter, 20, 20).await.expect("page 2"),
                    |e| e.id,
                );
                assert_eq!(
                    best.len() as i64,
                    (count - 20).clamp(0, 20),
                    "page 2 of {what}"
                );
                let mut unique = best.clone();
                unique.sort_unstable();
                unique.dedup();
                assert_eq!(unique.len(), best.len(), "page 2 of {what}");
                assert!(best.iter().all(|id| b.binary_search(id).is_ok()), "{what}");
            }
        }
        // The labels of a dense view: the same ranks (ties may pick other events).
        let filter = EventFilter {
            text: Some(query.clone()),
            ..EventFilter::default()
        };
        let first = Day::from_ymd(1988, 1, 1).expect("day");
        let last = Day::from_ymd(2025, 12, 31).expect("day");
        let labels = queries::marks::LabelSample {
            first,
            last,
            slices: 24,
            sample: 40,
            limit: 40,
        };
        let a = fast.notable_marks(&filter, &labels).await.expect("notable");
        let b = slow.notable_marks(&filter, &labels).await.expect("notable");
        let ranks =
            |m: &[queries::marks::RankedMark]| m.iter().map(|m| m.notability).collect::<Vec<_>>();
        assert_eq!(ranks(&a), ranks(&b), "notable marks of {search:?}");
    }
    assert!(found_some > 60, "{found_some} searches found events");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_page_with_the_search_index() {
    let dir = tempfile::tempdir().expect("dir");
    let (pool, path) = database(dir.path()).await;
    let config = web::Config {
        response_cache_bytes: 0,
        db_path: Some(path.clone()),
        ..web::Config::new(crate::harness::PUBLIC_URL)
    };
    let state = AppState::new(pool.clone(), config);
    for _ in 0..1500 {
        let reader = state.reader().await;
        if reader.index.is_some() && reader.text.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let reader = state.reader().await;
    assert!(
        reader.index.is_some() && reader.text.is_some(),
        "both indexes built"
    );
    assert!(
        text_index::folder_for(&path).is_dir(),
        "kept beside the database"
    );
    let query = FtsQuery::parse("corridor").expect("query");
    let want = Reader::sqlite(&pool)
        .count_events(&EventFilter {
            text: Some(query),
            ..EventFilter::default()
        })
        .await
        .expect("count");
    assert!(want > 5_000, "{want}");
    let router = web::router(state);
    let (status, body) = crate::harness::get_from(&router, "/?q=corridor").await;
    assert_eq!(status, 200);
    let html = scraper::Html::parse_document(&body);
    let text: String = html.root_element().text().collect();
    // The count the page shows ("6,667 of 20,000 events match"), as a number.
    let shown: i64 = text
        .split(" of 20,000 events match")
        .next()
        .and_then(|before| {
            before
                .rsplit(|c: char| !c.is_ascii_digit() && c != ',')
                .next()
        })
        .map(|n| n.replace(',', ""))
        .and_then(|n| n.parse().ok())
        .expect("a count on the page");
    assert_eq!(shown, want, "the count FTS5 gives");
    let marks = body.matches("<mark>").count();
    assert!(marks >= 20, "{marks} marked extracts");
    // A prefix is marked by the whole words it stands for.
    let (status, body) = crate::harness::get_from(&router, "/?q=corr*+-nothingatall").await;
    assert_eq!(status, 200);
    let marked = body.matches("<mark>corridor</mark>").count();
    assert!(marked >= 20, "{marked} marked prefixes");
}
