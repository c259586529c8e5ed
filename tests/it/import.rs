//! Importing: all or nothing, idempotent, precise errors; first-run seeding.

use conflict_timeline::db;
use conflict_timeline::import::{self, ImportError, ImportOptions};

use crate::harness::{TestApp, bundled_events, text_input};

const BASE: &str = r#"format = "conflict-timeline/1"
[[conflicts]]
slug = "c"
name = "C"

[[events]]
slug = "first"
date = "2001-01-01"
title = "First"
category = "political"
actors = ["Armenia", "Azerbaijan"]
[[events.sources]]
title = "A report"
url = "https://example.org/a"

[[events]]
slug = "second"
date = "2001-02"
title = "Second"
category = "military"
[[events.links]]
rel = "follows"
event = "first"
"#;

async fn version(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT version FROM dataset_version")
        .fetch_one(&app.rw)
        .await
        .expect("version")
}

#[tokio::test]
async fn a_bad_row_in_the_middle_leaves_the_database_untouched() {
    let app = TestApp::with_dataset(BASE).await;
    let before = (
        app.count("event").await,
        app.count("source").await,
        app.count("event_link").await,
        version(&app).await,
    );
    let broken = format!(
        "{BASE}\n[[events]]\nslug = \"third\"\ndate = \"2001-13\"\ntitle = \"Bad\"\ncategory = \"political\"\n\n\
         [[events]]\nslug = \"fourth\"\ndate = \"2002\"\ntitle = \"Good\"\ncategory = \"political\"\n"
    )
    .replace("title = \"First\"", "title = \"First, renamed\"");
    let err = import::import(
        &app.rw,
        &[text_input("broken.toml", &broken)],
        ImportOptions::default(),
    )
    .await
    .expect_err("a bad month fails the import");
    let ImportError::Invalid { problems, total } = err else {
        panic!("expected problems, got {err}")
    };
    assert_eq!(total, 1);
    let p = &problems[0];
    assert_eq!(
        (p.file.as_str(), p.line, p.field.as_str(), p.value.as_str()),
        ("broken.toml", Some(27), "date", "2001-13")
    );
    assert!(p.message.contains("month 13"), "{p}");
    assert_eq!(
        p.to_string(),
        format!("broken.toml:27: date: {} (got \"2001-13\")", p.message)
    );

    let after = (
        app.count("event").await,
        app.count("source").await,
        app.count("event_link").await,
        version(&app).await,
    );
    assert_eq!(before, after, "nothing was written");
    let title: String = sqlx::query_scalar("SELECT title FROM event WHERE slug = 'first'")
        .fetch_one(&app.rw)
        .await
        .expect("row");
    assert_eq!(title, "First", "the earlier valid row was rolled back too");
}

#[tokio::test]
async fn importing_the_same_file_twice_changes_nothing() {
    let app = TestApp::with_dataset(BASE).await;
    let v = version(&app).await;
    let summary = import::import(
        &app.rw,
        &[text_input("again.toml", BASE)],
        ImportOptions::default(),
    )
    .await
    .expect("import");
    assert_eq!(
        (summary.inserted, summary.updated, summary.unchanged),
        (0, 0, 2)
    );
    assert_eq!(
        version(&app).await,
        v,
        "an import that changes nothing keeps the version"
    );
    assert_eq!(app.count("event_actor").await, 2);
}

#[tokio::test]
async fn a_changed_row_updates_its_event_and_the_search_index() {
    let app = TestApp::with_dataset(BASE).await;
    let v = version(&app).await;
    let changed = BASE.replace(
        "title = \"Second\"",
        "title = \"Second, with peacekeepers\"",
    );
    let summary = import::import(
        &app.rw,
        &[text_input("changed.toml", &changed)],
        ImportOptions::default(),
    )
    .await
    .expect("import");
    assert_eq!(
        (summary.inserted, summary.updated, summary.unchanged),
        (0, 1, 1)
    );
    assert_eq!(version(&app).await, v + 1);
    let hits: i64 =
        sqlx::query_scalar("SELECT count(*) FROM event_fts WHERE event_fts MATCH 'peacekeepers'")
            .fetch_one(&app.rw)
            .await
            .expect("fts");
    assert_eq!(hits, 1);
    let links: i64 = sqlx::query_scalar("SELECT count(*) FROM event_link")
        .fetch_one(&app.rw)
        .await
        .expect("links");
    assert_eq!(
        links, 1,
        "the updated event's link was rewritten, not duplicated"
    );
}

#[tokio::test]
async fn replace_deletes_the_events_a_file_no_longer_mentions() {
    let app = TestApp::with_dataset(BASE).await;
    let only_first = BASE
        .split("[[events]]\nslug = \"second\"")
        .next()
        .expect("prefix")
        .to_string();
    let summary = import::import(
        &app.rw,
        &[text_input("one.toml", &only_first)],
        ImportOptions {
            replace: true,
            check_only: false,
        },
    )
    .await
    .expect("import");
    assert_eq!(summary.deleted, 1);
    assert_eq!(app.count("event").await, 1);
    assert_eq!(
        app.count("event_link").await,
        0,
        "links of deleted events go with them"
    );
}

#[tokio::test]
async fn check_only_validates_against_the_database_and_writes_nothing() {
    let app = TestApp::with_dataset(BASE).await;
    let extra = format!(
        "{BASE}\n[[events]]\nslug = \"new\"\ndate = \"2003\"\ntitle = \"New\"\ncategory = \"political\"\n"
    );
    let summary = import::import(
        &app.rw,
        &[text_input("x.toml", &extra)],
        ImportOptions {
            check_only: true,
            replace: false,
        },
    )
    .await
    .expect("check");
    assert_eq!(summary.inserted, 1);
    assert_eq!(app.count("event").await, 2, "nothing written");

    let dangling = extra.replace("event = \"first\"", "event = \"missing\"");
    let err = import::import(
        &app.rw,
        &[text_input("y.toml", &dangling)],
        ImportOptions {
            check_only: true,
            replace: false,
        },
    )
    .await
    .expect_err("unknown link target");
    assert!(err.to_string().contains("1 problem"), "{err}");
}

#[tokio::test]
async fn duplicate_slugs_within_one_import_are_refused() {
    let app = TestApp::with_dataset(BASE).await;
    let doubled = format!(
        "{BASE}\n[[events]]\nslug = \"first\"\ndate = \"2009\"\ntitle = \"Again\"\ncategory = \"political\"\n"
    );
    let err = import::import(
        &app.rw,
        &[text_input("d.toml", &doubled)],
        ImportOptions::default(),
    )
    .await
    .expect_err("duplicate");
    let ImportError::Invalid { problems, .. } = err else {
        panic!("expected problems")
    };
    assert_eq!(problems[0].field, "slug");
    assert!(problems[0].message.contains("more than once"));
}

#[tokio::test]
async fn every_problem_in_a_file_is_listed_with_its_line() {
    let app = TestApp::with_dataset(BASE).await;
    let bad = BASE
        .replace("date = \"2001-01-01\"", "date = \"2001-02-30\"")
        .replace("category = \"military\"", "category = \"Not A Slug\"")
        .replace("https://example.org/a", "javascript:alert(1)");
    let err = import::import(
        &app.rw,
        &[text_input("m.toml", &bad)],
        ImportOptions::default(),
    )
    .await
    .expect_err("bad");
    let ImportError::Invalid { problems, total } = err else {
        panic!("expected problems")
    };
    let found: Vec<(Option<usize>, &str)> = problems
        .iter()
        .map(|p| (p.line, p.field.as_str()))
        .collect();
    assert_eq!(total, 3, "{found:?}");
    assert!(found.contains(&(Some(8), "date")), "{found:?}");
    assert!(found.contains(&(Some(6), "sources[0].url")), "{found:?}");
    assert!(found.contains(&(Some(16), "category")), "{found:?}");
}

#[tokio::test]
async fn first_run_seeds_and_later_runs_keep_what_is_there() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("nested/dir/app.db");
    assert!(
        conflict_timeline::bootstrap::prepare(&path)
            .await
            .expect("first run"),
        "the first run seeds"
    );
    assert!(
        !conflict_timeline::bootstrap::prepare(&path)
            .await
            .expect("second run"),
        "later runs do not seed again"
    );
    let pool = db::open_read_only(&path, 1).await.expect("open");
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM event")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(events as usize, bundled_events().len());
    let unsourced: i64 = sqlx::query_scalar("SELECT count(*) FROM event e WHERE NOT EXISTS (SELECT 1 FROM source s WHERE s.event_id = e.id)")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(unsourced, 0, "every bundled event cites a source");
}

#[tokio::test]
async fn a_file_that_is_not_a_database_stops_start_up_with_its_name() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("garbage.db");
    std::fs::write(
        &path,
        b"this is not a database, just text that is long enough to fill a header",
    )
    .expect("write");
    let err = conflict_timeline::bootstrap::prepare(&path)
        .await
        .expect_err("not a database");
    let message = err.to_string();
    assert!(message.contains("garbage.db"), "{message}");
}
