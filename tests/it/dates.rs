//! Dates at the edges of the calendar, through the whole stack: years before 1000 and
//! before year 0, the days 0000-01-01 and 9999-12-31 (real days, not "open"), missing
//! ends, date-times, and filter parameters that take the same years.

use axum::http::StatusCode;
use serde_json::Value;

use crate::harness::{TestApp, card_slugs, sel, text, texts};

const EDGE_YEARS: &str = r#"format = "conflict-timeline/1"
[[conflicts]]
slug = "edges"
name = "Edges"

[[events]]
slug = "first-day-of-year-zero"
date = "0000-01-01"
title = "The first day of the year 0"
category = "political"

[[events]]
slug = "last-day-of-9999"
date = "9999-12-31"
title = "The last day of 9999"
category = "political"

[[events]]
slug = "bce-301"
date = "-0300"
title = "A year before the common era"
category = "political"

[[events]]
slug = "ad-600-650"
date = "0600/0650"
title = "Half a century"
category = "political"

[[events]]
slug = "until-1985"
date = "../1985"
title = "Open start"
category = "political"

[[events]]
slug = "signed-at-a-time"
date = "1985-04-12T23:20:30Z"
title = "At a time of day"
category = "political"

[[events]]
slug = "end-uncertain"
date = "1868/1871?"
title = "End uncertain"
category = "political"
"#;

async fn event(app: &TestApp, slug: &str) -> Value {
    let response = app.get(&format!("/api/events/{slug}")).await;
    assert_eq!(response.status, StatusCode::OK, "{slug}");
    response.json()["event"].clone()
}

async fn shown(app: &TestApp, query: &str) -> Vec<String> {
    let page = app.get(&format!("/?{query}")).await;
    assert_eq!(page.status, StatusCode::OK, "{query}: {}", page.body);
    let mut slugs = card_slugs(&page.html());
    slugs.sort();
    slugs
}

#[tokio::test]
async fn the_days_0000_01_01_and_9999_12_31_are_days_not_open_ends() {
    let app = TestApp::with_dataset(EDGE_YEARS).await;
    let zero = event(&app, "first-day-of-year-zero").await;
    assert_eq!(zero["date"]["earliest"], "0000-01-01");
    assert_eq!(zero["date"]["latest"], "0000-01-01");
    let last = event(&app, "last-day-of-9999").await;
    assert_eq!(last["date"]["earliest"], "9999-12-31");
    assert_eq!(last["date"]["latest"], "9999-12-31");
    // Only a missing end is null.
    let open = event(&app, "until-1985").await;
    assert_eq!(open["date"]["earliest"], Value::Null);
    assert_eq!(open["date"]["latest"], "1985-12-31");
    let bce = event(&app, "bce-301").await;
    assert_eq!(bce["date"]["earliest"], "-0300-01-01");
    assert_eq!(bce["date"]["words"], "301 BCE");
}

#[tokio::test]
async fn every_real_day_is_exported() {
    let app = TestApp::with_dataset(EDGE_YEARS).await;
    let doc = app.get("/export/timelinejs.json").await.json();
    let headlines: Vec<&str> = doc["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["text"]["headline"].as_str())
        .collect();
    for title in ["The first day of the year 0", "The last day of 9999"] {
        assert!(headlines.contains(&title), "{title} in {headlines:?}");
    }
    let csv = app.get("/export/events.csv").await.body;
    assert!(csv.contains("0000-01-01"), "{csv}");
    assert!(csv.contains("9999-12-31"), "{csv}");
}

#[tokio::test]
async fn filters_take_short_and_negative_years() {
    let app = TestApp::with_dataset(EDGE_YEARS).await;
    // The open start ("until 1985") overlaps every range before 1985.
    assert_eq!(
        shown(&app, "from=600&to=620").await,
        ["ad-600-650", "until-1985"]
    );
    assert_eq!(
        shown(&app, "from=0600&to=0620").await,
        ["ad-600-650", "until-1985"]
    );
    assert_eq!(
        shown(&app, "from=-300&to=-300").await,
        ["bce-301", "until-1985"]
    );
    assert_eq!(
        shown(&app, "from=-0400&to=0").await,
        ["bce-301", "first-day-of-year-zero", "until-1985"]
    );
    assert_eq!(shown(&app, "from=9999").await, ["last-day-of-9999"]);
    let api = app.get("/api/events?from=600&to=620").await;
    assert_eq!(api.status, StatusCode::OK);
    assert_eq!(api.json()["total"], 2);
}

#[tokio::test]
async fn cards_word_small_years_eras_times_and_the_uncertain_end() {
    let app = TestApp::with_dataset(EDGE_YEARS).await;
    let html = app.get("/").await.html();
    let words: Vec<String> = html.select(&sel("time")).map(text).collect();
    for expected in [
        "AD 600–650",
        "301 BCE",
        "1 January 1 BCE",
        "12 April 1985, 23:20:30 UTC",
        "1868–1871 (end uncertain)",
    ] {
        assert!(
            words.iter().any(|w| w == expected),
            "{expected:?} not in {words:?}"
        );
    }
    // The date-time is machine-readable with its zone; years before 1 have no datetime
    // (HTML's years start at 1).
    let times: Vec<(String, Option<String>)> = html
        .select(&sel("time"))
        .map(|t| (text(t), t.value().attr("datetime").map(str::to_string)))
        .collect();
    assert!(times.contains(&(
        "12 April 1985, 23:20:30 UTC".into(),
        Some("1985-04-12T23:20:30Z".into())
    )));
    assert!(
        times
            .iter()
            .any(|(w, d)| w == "301 BCE" && d.as_deref().unwrap_or("").is_empty())
    );
}

/// Migration 0010 moves the old stand-ins of a missing end (the days 0000-01-01 and
/// 9999-12-31) outside the calendar, for exactly the rows whose EDTF value has one, and
/// leaves real days (an event dated 0000 or 9999-12-31) alone.
#[tokio::test]
async fn migration_0010_moves_old_missing_ends_and_keeps_real_days() {
    let app = TestApp::with_dataset(EDGE_YEARS).await;
    let pool = &app.rw;
    // Put the database back as the old code wrote it.
    for (slug, start, end) in [
        ("until-1985", -719_528, 5_843),
        ("first-day-of-year-zero", -719_528, -719_528),
        ("last-day-of-9999", 2_932_896, 2_932_896),
    ] {
        sqlx::query("UPDATE event SET start_day = ?2, end_day = ?3 WHERE slug = ?1")
            .bind(slug)
            .bind(start)
            .bind(end)
            .execute(pool)
            .await
            .expect("old days");
    }
    sqlx::raw_sql(include_str!(
        "../../migrations/0010_open_ends_outside_the_calendar.sql"
    ))
    .execute(pool)
    .await
    .expect("migration");
    let days = |slug: &'static str| async move {
        sqlx::query_as::<_, (i64, i64)>("SELECT start_day, end_day FROM event WHERE slug = ?1")
            .bind(slug)
            .fetch_one(pool)
            .await
            .expect("row")
    };
    assert_eq!(days("until-1985").await, (i64::from(i32::MIN), 5_843));
    assert_eq!(days("first-day-of-year-zero").await, (-719_528, -719_528));
    assert_eq!(days("last-day-of-9999").await, (2_932_896, 2_932_896));
    // The span of the data leaves the missing start out and reaches the real extremes:
    // 1 January 301 BCE (-0300) and 31 December 9999.
    let span: (i64, i64) = sqlx::query_as("SELECT first_day, last_day FROM data_span")
        .fetch_one(pool)
        .await
        .expect("span");
    let first = conflict_timeline::edtf::Day::from_ymd(-300, 1, 1).map(|d| i64::from(d.0));
    assert_eq!((Some(span.0), span.1), (first, 2_932_896));
}

#[tokio::test]
async fn year_headings_say_the_era_and_no_time_has_an_empty_datetime() {
    let app = TestApp::with_dataset(EDGE_YEARS).await;
    let html = app.get("/?from=-300&to=700").await.html();
    let headings = texts(&html, ".year__heading");
    assert!(headings.contains(&"301 BCE".to_string()), "{headings:?}");
    assert!(headings.contains(&"AD 600".to_string()), "{headings:?}");
    assert!(headings.iter().all(|h| !h.starts_with('-')), "{headings:?}");
    // A date without a machine-readable form (an open start) has no `datetime` at all:
    // an empty one is invalid HTML.
    for uri in ["/?from=-300&to=700", "/events/until-1985"] {
        let body = app.get(uri).await.body;
        assert!(!body.contains("datetime=\"\""), "{uri}");
    }
}
