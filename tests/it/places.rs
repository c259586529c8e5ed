//! Places: every name of every bundled place, and its diacritics-free spelling, find the
//! same events through `place=` and search; Nagorno-Karabakh and the seven districts carry
//! both sides' names with sources; `bbox=` is refused precisely; the map's counts equal
//! the list's; place pages and their JSON; the migration carries free-text places over.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use conflict_timeline::place_names::fold;

use crate::harness::{TestApp, sel};

fn enc(s: &str) -> String {
    serde_urlencoded::to_string([("v", s)])
        .expect("encode")
        .trim_start_matches("v=")
        .to_string()
}

/// The slugs of every event `/api/events` gives for a query.
async fn slugs(app: &TestApp, query: &str) -> BTreeSet<String> {
    let r = app.get(&format!("/api/events?limit=500&{query}")).await;
    assert_eq!(r.status, StatusCode::OK, "{query}: {}", r.body);
    r.json()["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["slug"].as_str().expect("slug").to_string())
        .collect()
}

/// Every place of the bundled data.
async fn places(app: &TestApp) -> Vec<serde_json::Value> {
    let r = app.get("/api/places").await;
    assert_eq!(r.status, StatusCode::OK);
    r.json()["places"].as_array().expect("places").clone()
}

#[tokio::test]
async fn every_name_and_its_plain_spelling_find_the_same_events() {
    let app = TestApp::seeded().await;
    let mut names_checked = 0;
    for place in places(&app).await {
        let slug = place["slug"].as_str().expect("slug");
        if place["events"].as_i64() == Some(0) {
            continue;
        }
        let want = slugs(&app, &format!("place={slug}")).await;
        assert_eq!(
            want.len() as i64,
            place["events"].as_i64().expect("count"),
            "{slug}"
        );
        let detail = app.get(&format!("/api/places/{slug}")).await.json();
        for n in detail["names"].as_array().expect("names") {
            let name = n["name"].as_str().expect("name");
            for spelling in [name.to_string(), fold(name)] {
                // The filter finds exactly the place's events.
                assert_eq!(
                    slugs(&app, &format!("place={}", enc(&spelling))).await,
                    want,
                    "place={spelling} ({slug})"
                );
                // A search finds every one of them (and may find events that only
                // mention the name in their text).
                let found = slugs(&app, &format!("q={}", enc(&spelling))).await;
                assert!(
                    want.is_subset(&found),
                    "q={spelling} misses events of {slug}: {:?}",
                    want.difference(&found).collect::<Vec<_>>()
                );
                names_checked += 1;
            }
        }
    }
    assert!(names_checked > 300, "{names_checked} spellings checked");
}

#[tokio::test]
async fn susa_sushi_shusha_and_the_azerbaijani_spelling_are_one_place() {
    let app = TestApp::seeded().await;
    let want = slugs(&app, "place=shusha").await;
    assert_eq!(want.len(), 3, "{want:?}");
    for spelling in ["Shusha", "Shushi", "Şuşa", "Susa", "SHUSHI", "Шуша"] {
        assert_eq!(
            slugs(&app, &format!("place={}", enc(spelling))).await,
            want,
            "{spelling}"
        );
        assert!(
            want.is_subset(&slugs(&app, &format!("q={}", enc(spelling))).await),
            "{spelling}"
        );
    }
    // Letters that are not accented Latin letters, folded as documented.
    let khankendi = slugs(&app, "place=khankendi").await;
    for spelling in ["Xankəndi", "Xankendi", "Stepanakert", "Khankendi"] {
        assert_eq!(
            slugs(&app, &format!("place={}", enc(spelling))).await,
            khankendi,
            "{spelling}"
        );
        assert!(khankendi.is_subset(&slugs(&app, &format!("q={}", enc(spelling))).await));
    }
    assert!(
        slugs(&app, "place=Shush").await.is_empty(),
        "a filter is a whole name"
    );
}

/// Nagorno-Karabakh and the seven districts around it, as the bundled places name them.
const NK_AND_DISTRICTS: [&str; 28] = [
    "nagorno-karabakh",
    "khankendi",
    "shusha",
    "aghdara",
    "khojaly",
    "asgaran",
    "hadrut",
    "khojavend-district",
    "garakand",
    "janyatag",
    "farrukh",
    "talish",
    "lalatapa",
    "lachin-district",
    "lachin",
    "zabukh",
    "sus",
    "lachin-corridor",
    "hakari-bridge",
    "kalbajar-district",
    "agdam",
    "agdam-district",
    "fuzuli",
    "jabrayil",
    "gubadli",
    "zangilan",
    "karabakh",
    "murov-range",
];

#[tokio::test]
async fn places_in_karabakh_carry_both_sides_names_with_sources() {
    let app = TestApp::seeded().await;
    for slug in NK_AND_DISTRICTS {
        let r = app.get(&format!("/api/places/{slug}")).await;
        assert_eq!(r.status, StatusCode::OK, "{slug}");
        let names = r.json()["names"].as_array().expect("names").clone();
        let usages: Vec<&str> = names
            .iter()
            .map(|n| n["usage"].as_str().unwrap_or(""))
            .collect();
        let all = usages.join(" | ");
        assert!(all.contains("Azerbaijan"), "{slug}: {all}");
        if ![
            "karabakh",
            "murov-range",
            "lachin-corridor",
            "hakari-bridge",
        ]
        .contains(&slug)
        {
            assert!(all.contains("Armenian"), "{slug}: {all}");
        }
        for n in &names {
            let source = n["source"].as_str().unwrap_or("");
            assert!(
                source.starts_with("https://en.wikipedia.org/wiki/"),
                "{slug}: {n}"
            );
            assert!(!n["usage"].as_str().unwrap_or("").is_empty(), "{slug}: {n}");
        }
    }
    // Every event that has a place text names at least one place.
    let value: toml::Value =
        toml::from_str(conflict_timeline::import::BUNDLED_DATASET).expect("bundled");
    for e in value["events"].as_array().expect("events") {
        if e.get("place").is_some() {
            let places = e.get("places").and_then(|p| p.as_array());
            assert!(places.is_some_and(|p| !p.is_empty()), "{}", e["slug"]);
        }
    }
}

#[tokio::test]
async fn bad_boxes_are_refused_naming_the_part_and_why() {
    let app = TestApp::seeded().await;
    for (bbox, words) in [
        ("1,2,3", "four numbers"),
        ("a,2,3,4", "west (a) is not a number"),
        ("1,2,3,NaN", "north (NaN) is not a number"),
        ("1,95,3,96", "south (95) is outside -90 to 90"),
        ("-181,2,3,4", "west (-181) is outside -180 to 180"),
        ("1,5,3,4", "south (5) is north of north (4)"),
        ("5,2,3,4", "west (5) is east of east (3)"),
    ] {
        for path in ["/api/events", "/", "/export/events.csv", "/api/histogram"] {
            let r = app.get(&format!("{path}?bbox={}", enc(bbox))).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path} {bbox}");
            assert!(r.body.contains("bbox"), "{path} {bbox}: {}", r.body);
            assert!(r.body.contains(words), "{path} {bbox}: {}", r.body);
        }
        let problem = app
            .get(&format!("/api/events?bbox={}", enc(bbox)))
            .await
            .json();
        assert_eq!(problem["errors"][0]["parameter"], "bbox");
    }
}

#[tokio::test]
async fn boxes_keep_events_with_a_place_inside_edges_included() {
    let app = TestApp::seeded().await;
    // Shusha's own point, as a box: its edges are the place.
    let point = slugs(&app, "bbox=46.75,39.76,46.75,39.76").await;
    assert_eq!(point, slugs(&app, "place=shusha").await);
    // A hair off, nothing.
    assert!(
        slugs(&app, "bbox=46.75,39.7601,46.76,39.77")
            .await
            .is_empty()
    );
    // Exports and the API agree.
    let csv = app
        .get("/export/events.csv?bbox=46.75,39.76,46.75,39.76")
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.body.lines().count() - 1, point.len(), "{}", csv.body);
    // A box over Karabakh holds Shusha's and Khankendi's events, not Baku's or Brussels'.
    let karabakh = slugs(&app, "bbox=46,39,47.5,40.5").await;
    assert!(slugs(&app, "place=khankendi").await.is_subset(&karabakh));
    assert!(slugs(&app, "place=brussels").await.is_disjoint(&karabakh));
}

#[tokio::test]
async fn the_maps_counts_equal_the_lists() {
    let app = TestApp::seeded().await;
    for view in [
        "from=2020-09&to=2020-12",
        "",
        "category=military",
        "bbox=46,39,47.5,40.5",
    ] {
        let page = app.get(&format!("/?{view}")).await;
        assert_eq!(page.status, StatusCode::OK, "{view}");
        let html = page.html();
        let circles: Vec<(String, String)> = html
            .select(&sel("svg.map--view a.map__place"))
            .map(|a| {
                let v = a.value();
                (
                    v.attr("data-place").expect("slug").to_string(),
                    v.attr("aria-label").expect("label").to_string(),
                )
            })
            .collect();
        assert!(!circles.is_empty(), "{view}: a map");
        for (slug, label) in circles {
            let sep = if view.is_empty() { "" } else { "&" };
            let total = app
                .get(&format!("/api/events?{view}{sep}place={slug}&limit=1"))
                .await
                .json()["total"]
                .as_i64()
                .expect("total");
            let events = if total == 1 { "event" } else { "events" };
            assert!(
                label.ends_with(&format!(": {total} {events}")),
                "{view}: {label} vs {total}"
            );
        }
    }
}

#[tokio::test]
async fn a_place_has_a_page_and_json() {
    let app = TestApp::seeded().await;
    let page = app.get("/places/shusha").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.html();
    let h1: String = html.select(&sel("h1")).next().expect("h1").text().collect();
    assert_eq!(h1.trim(), "Shusha (Shushi)");
    for name in [
        "Shushi",
        "Şuşa",
        "Шуша",
        "Armenian usage",
        "Azerbaijani spelling",
    ] {
        assert!(page.body.contains(name), "{name}");
    }
    assert!(
        html.select(&sel("svg.map--locator .map__here"))
            .next()
            .is_some()
    );
    assert_eq!(html.select(&sel("ol.place-events li")).count(), 3);
    let ld: String = html
        .select(&sel("script[type='application/ld+json']"))
        .next()
        .expect("JSON-LD")
        .text()
        .collect();
    let ld: serde_json::Value = serde_json::from_str(&ld).expect("JSON-LD parses");
    assert_eq!(ld["@type"], "Place");
    assert!(
        ld["alternateName"]
            .as_array()
            .expect("names")
            .iter()
            .any(|n| n == "Shushi")
    );
    assert_eq!(ld["geo"]["@type"], "GeoCoordinates");

    assert_eq!(
        app.get("/places/no-such-place").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/api/places/no-such-place").await.status,
        StatusCode::NOT_FOUND
    );
    let list = places(&app).await;
    let shusha = list.iter().find(|p| p["slug"] == "shusha").expect("listed");
    assert_eq!(shusha["events"], 3);
    assert_eq!(shusha["label"], "Shusha (Shushi)");

    // The event page lists each place's names, and the API its places.
    let event = app
        .get("/events/1992-05-08-armenian-forces-take-shusha")
        .await;
    assert!(event.body.contains("Names of this place"), "{}", event.body);
    assert!(event.body.contains("Şuşa"));
    let r = app
        .get("/api/events/1992-05-08-armenian-forces-take-shusha")
        .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        &r.body[r.body.len().saturating_sub(3000)..]
    );
    let json = r.json();
    assert_eq!(json["event"]["places"][0]["slug"], "shusha");
    assert_eq!(json["event"]["places"][0]["label"], "Shusha (Shushi)");
}

#[tokio::test]
async fn the_migration_carries_free_text_places_over() {
    use sqlx::migrate::Migrator;
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("old.db");
    let pool = conflict_timeline::db::open_read_write(&path)
        .await
        .expect("open");
    let all = Migrator::new(std::path::Path::new("migrations"))
        .await
        .expect("migrations");
    let mut before = Migrator::new(std::path::Path::new("migrations"))
        .await
        .expect("migrations");
    before.migrations = all
        .migrations
        .iter()
        .filter(|m| m.version < 15)
        .cloned()
        .collect::<Vec<_>>()
        .into();
    before.run(&pool).await.expect("migrate to 0013");
    for sql in [
        "INSERT INTO conflict (id, slug, name) VALUES (1, 'c', 'C')",
        "INSERT INTO event (conflict_id, slug, title, edtf, start_day, end_day, category, place, content_hash)
         VALUES (1, 'a', 'A', '2020', 0, 0, 'x', 'Baku, Yerevan and Stepanakert (Khankendi)', 'h'),
                (1, 'b', 'B', '2020', 0, 0, 'x', 'Shusha (Shushi)', 'h'),
                (1, 'c', 'C', '2020', 0, 0, 'x', 'Shusha (Shushi)', 'h'),
                (1, 'd', 'D', '2020', 0, 0, 'x', 'Şuşa', 'h'),
                (1, 'e', 'E', '2020', 0, 0, 'x', NULL, 'h')",
        "INSERT INTO event_fts (event_fts) VALUES ('rebuild')",
    ] {
        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&pool).await.expect(sql);
    }
    conflict_timeline::db::migrate(&pool, &path)
        .await
        .expect("migrate on");
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT e.slug, p.slug, p.name FROM event e JOIN event_place ep ON ep.event_id = e.id
         JOIN place p ON p.id = ep.place_id ORDER BY e.slug",
    )
    .fetch_all(&pool)
    .await
    .expect("places");
    let rows: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
        .collect();
    assert_eq!(
        rows,
        [
            (
                "a",
                "baku-yerevan-and-stepanakert-khankendi",
                "Baku, Yerevan and Stepanakert (Khankendi)"
            ),
            ("b", "shusha-shushi", "Shusha (Shushi)"),
            ("c", "shusha-shushi", "Shusha (Shushi)"),
            ("d", "place-3", "Şuşa"),
        ]
    );
    // The search index reads the carried places.
    let hits: i64 =
        sqlx::query_scalar("SELECT count(*) FROM event_fts WHERE event_fts MATCH 'khankendi'")
            .fetch_one(&pool)
            .await
            .expect("search");
    assert_eq!(hits, 1);
    let facet: Vec<(String, i64)> =
        sqlx::query_as("SELECT value, count FROM facet_count WHERE facet = 'place' ORDER BY value")
            .fetch_all(&pool)
            .await
            .expect("facets");
    assert_eq!(facet.len(), 3);
}

#[tokio::test]
async fn imports_bring_their_places_and_join_known_ones() {
    use conflict_timeline::import::{self, ImportOptions, MappingOptions};
    let app = TestApp::seeded().await;
    let mapping = MappingOptions {
        conflict: Some("nagorno-karabakh".into()),
        ..MappingOptions::default()
    };
    // TimelineJS JSON and a plain CSV may give a place and coordinates.
    let json = r#"{"events": [
        {"start_date": {"year": "2021", "month": "5", "day": "3"},
         "text": {"headline": "A shelling near Şuşa"},
         "place": "Şuşa", "latitude": 39.761, "longitude": 46.752},
        {"start_date": {"year": "2021", "month": "5", "day": "4"},
         "text": {"headline": "Talks in Tbilisi"},
         "place": "Tbilisi", "latitude": 41.72, "longitude": 44.79}
    ]}"#;
    let csv = "title,start_date,location,latitude,longitude\n\
               Far from Shusha,2021-05-05,Shusha,41.0,44.0\n\
               Without coordinates,2021-05-06,Xankəndi,,\n";
    import::import_with(
        &app.rw,
        &[
            import::Input {
                format: Some(import::Format::TimelinejsJson),
                ..crate::harness::text_input("t.json", json)
            },
            import::Input {
                format: Some(import::Format::Csv),
                ..crate::harness::text_input("e.csv", csv)
            },
        ],
        ImportOptions::default(),
        &mapping,
    )
    .await
    .expect("import");
    let place_of = |title: &'static str| {
        let pool = app.rw.clone();
        async move {
            let row: (String, Option<f64>) = sqlx::query_as(
                "SELECT p.slug, p.latitude FROM event e JOIN event_place ep ON ep.event_id = e.id
                 JOIN place p ON p.id = ep.place_id WHERE e.title = ?1",
            )
            .bind(title)
            .fetch_one(&pool)
            .await
            .expect(title);
            row
        }
    };
    // Same folded name within 5 km: the bundled place, its coordinates kept.
    assert_eq!(
        place_of("A shelling near Şuşa").await,
        ("shusha".to_string(), Some(39.76))
    );
    // A name not known: a new place with the file's coordinates.
    assert_eq!(
        place_of("Talks in Tbilisi").await,
        ("tbilisi".to_string(), Some(41.72))
    );
    // The same name hundreds of kilometres away: another place, never merged.
    let far = place_of("Far from Shusha").await;
    assert_ne!(far.0, "shusha");
    assert_eq!(far.1, Some(41.0));
    // No coordinates on the row: joined by name, and none invented.
    assert_eq!(
        place_of("Without coordinates").await,
        ("khankendi".to_string(), Some(39.82))
    );
}
