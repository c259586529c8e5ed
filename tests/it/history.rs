//! What changed (issue 20): a dataset imported, changed (an edit, an addition, a removal, a
//! rename) and imported again; the history page, the 410 page, the 301, `/changes`, its
//! Atom feed and `/api/changes` checked against what was changed.

use conflict_timeline::import::{self, ImportOptions};

use crate::harness::{TestApp, sel, text, text_input};

const HEAD: &str = r#"format = "conflict-timeline/1"
[[conflicts]]
slug = "c"
name = "C"

[[conflicts]]
slug = "other"
name = "Other"
"#;

const EDITED: &str = r#"
[[events]]
conflict = "c"
slug = "edited"
date = "2001-01-01"
title = "Talks open in the capital"
summary = "Delegations of both sides met for the first round of talks."
category = "political"
actors = ["Armenia", "Azerbaijan"]
[[events.sources]]
title = "A report"
url = "https://example.org/a"
"#;

const RENAMED: &str = r#"
[[events]]
conflict = "c"
slug = "old-name"
date = "2001-02"
title = "Old name"
category = "military"
"#;

const REMOVED: &str = r#"
[[events]]
conflict = "c"
slug = "removed"
date = "2001-03-05"
title = "A clash that never happened"
summary = "Reported by one outlet only."
category = "military"
"#;

const LINKING: &str = r#"
[[events]]
conflict = "c"
slug = "linking"
date = "2001-04"
title = "Answer to the clash"
category = "political"
[[events.links]]
rel = "responds-to"
event = "removed"
"#;

const OTHER: &str = r#"
[[events]]
conflict = "other"
slug = "elsewhere"
date = "1999"
title = "Elsewhere"
category = "political"
"#;

fn first_version() -> String {
    format!("{HEAD}{EDITED}{RENAMED}{REMOVED}{LINKING}{OTHER}")
}

/// The edit (title and summary), the rename (a corrected title and a new slug), the
/// addition; `removed` left out (and `linking` without its link to it).
fn second_version() -> String {
    let edited = EDITED
        .replace("Talks open in the capital", "Talks open in Vienna")
        .replace("first round", "second round");
    let renamed = RENAMED
        .replace(
            "slug = \"old-name\"",
            "slug = \"new-name\"\nformerly = [\"old-name\"]",
        )
        .replace("title = \"Old name\"", "title = \"New name\"");
    let linking = LINKING.split("[[events.links]]").next().unwrap_or(LINKING);
    let added = r#"
[[events]]
conflict = "c"
slug = "added"
date = "2001-05-09"
title = "A new event"
category = "political"
"#;
    format!("{HEAD}{edited}{renamed}{linking}{added}{OTHER}")
}

async fn import(app: &TestApp, text: &str, replace: bool) -> import::ImportSummary {
    import::import(
        &app.rw,
        &[text_input("data.toml", text)],
        ImportOptions {
            replace,
            check_only: false,
        },
    )
    .await
    .expect("import")
}

async fn changed_app() -> TestApp {
    let app = TestApp::with_dataset(&first_version()).await;
    let summary = import(&app, &second_version(), true).await;
    assert_eq!(
        (summary.inserted, summary.updated, summary.deleted),
        (1, 3, 1),
        "{summary:?}"
    );
    app
}

/// id, format, options, files, added, changed, unchanged, removed.
type RevisionRow = (i64, String, String, String, i64, i64, i64, i64);

#[tokio::test]
async fn every_import_is_a_revision_with_its_files_and_counts() {
    let app = changed_app().await;
    // The same file again changes nothing, and is recorded all the same.
    let again = import(&app, &second_version(), true).await;
    assert_eq!((again.inserted, again.updated, again.deleted), (0, 0, 0));
    let revisions: Vec<RevisionRow> = sqlx::query_as(
        "SELECT id, format, options, files, added, changed, unchanged, removed
         FROM import_revision ORDER BY id",
    )
    .fetch_all(&app.rw)
    .await
    .expect("revisions");
    assert_eq!(revisions.len(), 3);
    let (_, format, options, files, added, changed, unchanged, removed) = &revisions[1];
    assert_eq!(format, "native");
    assert!(options.contains("\"replace\":true"), "{options}");
    let files: serde_json::Value = serde_json::from_str(files).expect("files");
    assert_eq!(files[0]["name"], "data.toml");
    assert_eq!(files[0]["size"], second_version().len());
    assert_eq!(files[0]["sha256"].as_str().map(str::len), Some(64));
    // `edited` and `new-name` rewritten, `linking` rewritten (its link went), `elsewhere`
    // unchanged.
    assert_eq!((*added, *changed, *unchanged, *removed), (1, 3, 1, 1));
    let (_, _, _, _, added, changed, unchanged, removed) = &revisions[2];
    assert_eq!((*added, *changed, *unchanged, *removed), (0, 0, 5, 0));
}

#[tokio::test]
async fn the_event_page_says_corrected_and_its_history_shows_a_diff_of_words() {
    let app = changed_app().await;
    let page = app.get("/events/edited").await;
    assert_eq!(page.status, 200);
    let html = page.html();
    let note = html
        .select(&sel(".event__corrected"))
        .next()
        .map(text)
        .expect("a correction note");
    assert!(note.starts_with("Corrected on "), "{note}");
    let link = html
        .select(&sel(".event__corrected a"))
        .next()
        .and_then(|a| a.value().attr("href"))
        .expect("link");
    assert_eq!(link, "/events/edited/history");
    // An event no import has changed has no note.
    let untouched = app.get("/events/elsewhere").await.html();
    assert!(untouched.select(&sel(".event__corrected")).next().is_none());

    let history = app.get(link).await;
    assert_eq!(history.status, 200);
    let html = history.html();
    let changes: Vec<_> = html.select(&sel(".history__change")).collect();
    assert_eq!(
        changes.len(),
        2,
        "corrected, then added at the first import"
    );
    let newest = changes[0];
    assert!(text(newest).contains("Corrected"), "{}", text(newest));
    let labels: Vec<String> = newest.select(&sel("dt")).map(text).collect();
    assert_eq!(labels, ["Title", "Summary"]);
    let deleted: Vec<String> = newest.select(&sel("del")).map(text).collect();
    let inserted: Vec<String> = newest.select(&sel("ins")).map(text).collect();
    assert_eq!(deleted, ["the capital", "first"]);
    assert_eq!(inserted, ["Vienna", "second"]);
    assert!(text(changes[1]).contains("Added"));
    assert!(!history.body.contains("{\""), "no raw JSON on the page");
}

#[tokio::test]
async fn a_removed_event_answers_410_with_its_last_version_and_history() {
    let app = changed_app().await;
    let gone = app.get("/events/removed").await;
    assert_eq!(gone.status, 410);
    let html = gone.html();
    let heading = html.select(&sel("h1")).next().map(text).unwrap_or_default();
    assert_eq!(heading, "A clash that never happened");
    assert!(gone.body.contains("Reported by one outlet only."));
    let status = html
        .select(&sel(".gone__status"))
        .next()
        .map(text)
        .unwrap_or_default();
    assert!(status.starts_with("Removed on "), "{status}");
    assert!(status.contains("--replace"), "why: {status}");
    assert!(gone.body.contains("href=\"/events/removed/history\""));

    let history = app.get("/events/removed/history").await;
    assert_eq!(history.status, 200);
    let kinds: Vec<String> = history
        .html()
        .select(&sel(".history__when"))
        .map(text)
        .collect();
    assert_eq!(kinds.len(), 2);
    assert!(kinds[0].contains("Removed"), "{kinds:?}");

    // Lists and counts leave it out.
    let api = app.get("/api/events?limit=500").await.json();
    let slugs: Vec<&str> = api["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["slug"].as_str())
        .collect();
    assert!(!slugs.contains(&"removed"));
    assert_eq!(api["total"], 5);
    let search = app.get("/api/events?q=outlet").await.json();
    assert_eq!(search["total"], 0, "out of the search index: {search}");
    // The event that linked to it lost the link: a change of its own.
    let linking = app.get("/events/linking/history").await.html();
    let labels: Vec<String> = linking
        .select(&sel(".history__change dt"))
        .map(text)
        .collect();
    assert_eq!(labels, ["Related events"]);
    // An address that never existed is still a 404.
    assert_eq!(app.get("/events/never-was").await.status, 404);
}

#[tokio::test]
async fn a_renamed_event_answers_301_from_its_old_address() {
    let app = changed_app().await;
    let moved = app.get("/events/old-name").await;
    assert_eq!(moved.status, 301);
    assert_eq!(moved.header("location"), Some("/events/new-name"));
    assert_eq!(moved.header("cache-control"), Some("no-store"));
    let followed = app.get("/events/new-name").await;
    assert_eq!(followed.status, 200);
    assert!(followed.body.contains("New name"));
    let moved = app.get("/events/old-name/history").await;
    assert_eq!(moved.status, 301);
    assert_eq!(moved.header("location"), Some("/events/new-name/history"));
    let history = app.get("/events/new-name/history").await.html();
    let labels: Vec<String> = history
        .select(&sel(".history__change dt"))
        .map(text)
        .collect();
    assert_eq!(labels, ["Address", "Title"]);

    // For ever: renamed once more, both old addresses lead to the newest.
    let third = second_version().replace(
        "slug = \"new-name\"\nformerly = [\"old-name\"]",
        "slug = \"newest-name\"\nformerly = [\"new-name\"]",
    );
    let summary = import(&app, &third, false).await;
    assert_eq!(summary.updated, 1);
    for old in ["/events/old-name", "/events/new-name"] {
        let moved = app.get(old).await;
        assert_eq!(moved.status, 301, "{old}");
        assert_eq!(
            moved.header("location"),
            Some("/events/newest-name"),
            "{old}"
        );
    }
}

#[tokio::test]
async fn the_changes_page_lists_and_filters_the_latest_changes() {
    let app = changed_app().await;
    let page = app.get("/changes").await;
    assert_eq!(page.status, 200);
    let html = page.html();
    let items: Vec<String> = html.select(&sel(".changes__item")).map(text).collect();
    // 5 added by the first import, then the second's 1 added, 3 changed, 1 removed.
    assert_eq!(items.len(), 10, "{items:#?}");
    let newest: Vec<&String> = items.iter().take(5).collect();
    assert!(
        newest
            .iter()
            .any(|i| i.contains("Corrected") && i.contains("Talks open in Vienna"))
    );
    assert!(
        newest
            .iter()
            .any(|i| i.contains("Removed") && i.contains("A clash that never happened"))
    );
    assert!(
        newest
            .iter()
            .any(|i| i.contains("new address") && i.contains("New name"))
    );
    assert!(
        newest
            .iter()
            .any(|i| i.contains("Added") && i.contains("A new event"))
    );

    let removed = app.get("/changes?kind=removed").await.html();
    let items: Vec<String> = removed.select(&sel(".changes__item")).map(text).collect();
    assert_eq!(items.len(), 1);
    assert!(items[0].contains("A clash that never happened"));
    let link = removed
        .select(&sel(".changes__item > a"))
        .next()
        .and_then(|a| a.value().attr("href"))
        .expect("link");
    assert_eq!(app.get(link).await.status, 410);

    let other = app.get("/changes?conflict=other").await.html();
    assert_eq!(
        other.select(&sel(".changes__item")).count(),
        1,
        "only its addition"
    );
    // Each change names its conflict as readers know it, not by its slug.
    let meta: Vec<String> = other.select(&sel(".changes__meta")).map(text).collect();
    assert!(meta[0].starts_with("Other"), "{meta:?}");
    let future = app.get("/changes?from=2999-01-01").await.html();
    assert_eq!(future.select(&sel(".changes__item")).count(), 0);
    let today = app.get("/changes?from=2000&to=2999").await.html();
    assert_eq!(today.select(&sel(".changes__item")).count(), 10);

    let bad = app.get("/changes?kind=edited&from=2026-13").await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("kind"), "{}", bad.body);
    assert!(bad.body.contains("from"));
}

#[tokio::test]
async fn the_atom_feed_of_changes_parses_and_names_each_change() {
    let app = changed_app().await;
    let feed = app.get("/changes.atom?kind=changed&kind=renamed").await;
    assert_eq!(feed.status, 200);
    assert_eq!(
        feed.header("content-type"),
        Some("application/atom+xml; charset=utf-8")
    );
    let doc = roxmltree::Document::parse(&feed.body).expect("well-formed XML");
    let atom = "http://www.w3.org/2005/Atom";
    let root = doc.root_element();
    assert!(root.has_tag_name((atom, "feed")));
    let entries: Vec<_> = root
        .children()
        .filter(|n| n.has_tag_name((atom, "entry")))
        .collect();
    assert_eq!(entries.len(), 3);
    let child = |n: roxmltree::Node<'_, '_>, name: &str| {
        n.children()
            .find(|c| c.has_tag_name((atom, name)))
            .and_then(|c| c.text().map(str::to_string))
            .unwrap_or_default()
    };
    let titles: Vec<String> = entries.iter().map(|e| child(*e, "title")).collect();
    assert!(
        titles.contains(&"Corrected: Talks open in Vienna".to_string()),
        "{titles:?}"
    );
    assert!(titles.iter().any(|t| t.contains("New name")));
    let ids: std::collections::HashSet<String> = entries.iter().map(|e| child(*e, "id")).collect();
    assert_eq!(ids.len(), 3, "distinct ids");
    for entry in &entries {
        let href = entry
            .children()
            .find(|c| c.has_tag_name((atom, "link")))
            .and_then(|l| l.attribute("href"))
            .expect("link");
        assert!(
            href.starts_with("https://timeline.example/events/"),
            "{href}"
        );
        assert!(href.ends_with("/history"));
        assert!(!child(*entry, "updated").is_empty());
    }
}

#[tokio::test]
async fn the_api_pages_changes_since_a_moment() {
    let app = changed_app().await;
    let all = app.get("/api/changes?limit=500").await;
    assert_eq!(all.status, 200);
    let all = all.json();
    let changes = all["changes"].as_array().expect("changes");
    assert_eq!(changes.len(), 10);
    assert!(all["next"].is_null());
    // An empty `kind=` (an empty form field) filters nothing, as the OpenAPI document says.
    let unfiltered = app.get("/api/changes?limit=500&kind=").await;
    assert_eq!(unfiltered.status, 200);
    assert_eq!(unfiltered.json()["changes"], all["changes"]);
    let edit = changes
        .iter()
        .find(|c| c["kind"] == "changed" && c["event"]["slug"] == "edited")
        .expect("the edit");
    assert_eq!(edit["fields"], serde_json::json!(["title", "summary"]));
    assert_eq!(edit["previous"]["title"], "Talks open in the capital");
    let rename = changes
        .iter()
        .find(|c| c["kind"] == "renamed")
        .expect("rename");
    assert_eq!(rename["previous"]["slug"], "old-name");
    assert_eq!(rename["event"]["slug"], "new-name");
    let removal = changes
        .iter()
        .find(|c| c["kind"] == "removed")
        .expect("removal");
    assert_eq!(removal["event"]["current"], false);

    // Keyset pages, oldest first, three at a time, give the same changes.
    let mut seen = Vec::new();
    let mut url = "/api/changes?limit=3".to_string();
    loop {
        let page = app.get(&url).await.json();
        seen.extend(
            page["changes"]
                .as_array()
                .expect("page")
                .iter()
                .map(|c| c["id"].clone()),
        );
        match page["next_url"].as_str() {
            Some(next) => {
                url = next
                    .trim_start_matches("https://timeline.example")
                    .to_string()
            }
            None => break,
        }
    }
    let ids: Vec<serde_json::Value> = changes.iter().map(|c| c["id"].clone()).collect();
    assert_eq!(seen, ids);

    // `since` the second import finished: only its changes.
    let second_at: String =
        sqlx::query_scalar("SELECT finished_at FROM import_revision ORDER BY id DESC LIMIT 1")
            .fetch_one(&app.rw)
            .await
            .expect("time");
    let since = app
        .get(&format!("/api/changes?since={second_at}"))
        .await
        .json();
    assert_eq!(since["changes"].as_array().map(Vec::len), Some(5));
    let future = app.get("/api/changes?since=2999-01-01").await.json();
    assert_eq!(future["changes"].as_array().map(Vec::len), Some(0));

    let bad = app.get("/api/changes?since=yesterday&after=0").await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.header("content-type"), Some("application/problem+json"));
    let problem = bad.json();
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["parameter"].as_str())
        .collect();
    assert_eq!(fields, ["since", "after"]);
}

#[tokio::test]
async fn the_api_follows_renames_and_removals_and_filters_by_change() {
    let app = changed_app().await;
    let moved = app.get("/api/events/old-name").await;
    assert_eq!(moved.status, 301);
    assert_eq!(moved.header("location"), Some("/api/events/new-name"));
    let gone = app.get("/api/events/removed").await;
    assert_eq!(gone.status, 410);
    assert_eq!(
        gone.header("content-type"),
        Some("application/problem+json")
    );
    assert!(
        gone.json()["detail"]
            .as_str()
            .is_some_and(|d| d.contains("https://timeline.example/events/removed"))
    );

    // Changed since the second import: the edit, the rename, the event that lost its link
    // and the addition; not the untouched one.
    let second_at: String =
        sqlx::query_scalar("SELECT finished_at FROM import_revision ORDER BY id DESC LIMIT 1")
            .fetch_one(&app.rw)
            .await
            .expect("time");
    let changed = app
        .get(&format!("/api/events?changed_since={second_at}&limit=2"))
        .await
        .json();
    assert_eq!(changed["total"], 4, "{changed}");
    let next = changed["next_url"]
        .as_str()
        .expect("a second page")
        .to_string();
    assert!(next.contains("changed_since="), "{next}");
    let mut slugs: Vec<String> = Vec::new();
    for page in [
        changed,
        app.get(next.trim_start_matches("https://timeline.example"))
            .await
            .json(),
    ] {
        slugs.extend(
            page["events"]
                .as_array()
                .expect("events")
                .iter()
                .filter_map(|e| e["slug"].as_str().map(str::to_string)),
        );
    }
    slugs.sort();
    assert_eq!(slugs, ["added", "edited", "linking", "new-name"]);
    let all = app.get("/api/events?changed_since=2000-01-01").await.json();
    assert_eq!(all["total"], 5);
    let bad = app.get("/api/events?changed_since=last-week").await;
    assert_eq!(bad.status, 400);

    // The spreadsheet export says when each event last changed.
    let csv = app.get("/export/events.csv?conflict=c").await;
    let header = csv.body.lines().next().unwrap_or_default();
    assert!(header.ends_with(",last_changed"), "{header}");
    let edited = csv
        .body
        .lines()
        .find(|l| l.starts_with("edited,"))
        .expect("row");
    assert!(edited.contains(&second_at[..10]), "{edited}");
}

#[tokio::test]
async fn a_plain_csv_renames_by_its_formerly_column() {
    let app = TestApp::with_dataset(HEAD).await;
    let csv = |text: &str| import::Input {
        name: "rows.csv".to_string(),
        source: import::InputSource::Text(text.to_string()),
        format: Some(import::Format::Csv),
    };
    let first = "slug,title,start_date,category,conflict\n\
                 talks-in-geneva,Talks in Geneva,2001-05-02,diplomatic,c\n";
    let second = "slug,title,start_date,category,conflict,formerly\n\
                  talks-in-vienna,Talks in Vienna,2001-05-02,diplomatic,c,talks-in-geneva\n";
    for text in [first, second] {
        import::import(&app.rw, &[csv(text)], ImportOptions::default())
            .await
            .expect("import");
    }
    assert_eq!(app.count("event").await, 1, "renamed, not added");
    let moved = app.get("/events/talks-in-geneva").await;
    assert_eq!(moved.status, 301);
    assert_eq!(moved.header("location"), Some("/events/talks-in-vienna"));
    // A former slug that is not a slug is refused, naming the column.
    let bad = "slug,title,start_date,category,conflict,formerly\n\
               x,Talks,2001-05-02,diplomatic,c,Not A Slug\n";
    let err = import::import(&app.rw, &[csv(bad)], ImportOptions::default())
        .await
        .expect_err("refused");
    let import::ImportError::Invalid { problems, .. } = err else {
        panic!("problems expected: {err}")
    };
    assert_eq!(problems[0].field, "formerly", "{problems:?}");
    assert_eq!(problems[0].value, "Not A Slug");
}

#[tokio::test]
async fn a_change_of_an_events_places_is_kept() {
    let places = r#"
[[places]]
slug = "lachin"
name = "Lachin"

[[places]]
slug = "goris"
name = "Goris"
"#;
    let event = |place: &str| {
        format!(
            r#"
[[events]]
conflict = "c"
slug = "moved"
date = "2001-05-09"
title = "An event whose place was corrected"
category = "political"
places = ["{place}"]
"#
        )
    };
    let app = TestApp::with_dataset(&format!("{HEAD}{places}{}", event("lachin"))).await;
    let summary = import(&app, &format!("{HEAD}{places}{}", event("goris")), true).await;
    assert_eq!(summary.updated, 1, "{summary:?}");
    let previous: String = sqlx::query_scalar(
        "SELECT previous FROM event_change_json WHERE kind = 'changed' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&app.rw)
    .await
    .expect("the change");
    assert!(previous.contains("\"places\":[\"lachin\"]"), "{previous}");
    let page = app.get("/events/moved/history").await;
    assert_eq!(page.status, 200);
    let fields: Vec<String> = page
        .html()
        .select(&sel(".history__fields dt"))
        .map(text)
        .collect();
    assert!(fields.contains(&"Places".to_string()), "{fields:?}");
}

/// ACLED's list of deleted events removes the events it names, each with a tombstone saying
/// when ACLED deleted it; ids the database does not hold are reported, not refused, and a
/// malformed row names its column and line.
#[tokio::test]
async fn acleds_list_of_deleted_events_removes_them_with_the_reason() {
    let app = TestApp::with_dataset(&first_version()).await;
    let options = ImportOptions {
        replace: false,
        check_only: false,
    };
    import::import(&app.rw, &[crate::formats::fixture("acled.csv")], options)
        .await
        .expect("ACLED rows");
    let before = app.get("/api/events?limit=1").await.json()["total"].clone();
    assert_eq!(app.get("/events/acled-arm505").await.status, 200);

    let list = "event_id_cnty,deleted_timestamp\nARM505,1747699200\nXYZ999,1747699200\n";
    let detected = |name: &str, text: &str| import::Input {
        format: None,
        ..text_input(name, text)
    };
    let summary = import::import(&app.rw, &[detected("deleted.csv", list)], options)
        .await
        .expect("the list of deletions");
    assert_eq!((summary.inserted, summary.deleted), (0, 1), "{summary:?}");
    let report = summary.report.lines().join("\n");
    assert!(
        report.contains("1 deleted event not in the database")
            && report.contains("deleted.csv:3: event_id_cnty: no event acled-xyz999 here"),
        "{report}"
    );

    let gone = app.get("/events/acled-arm505").await;
    assert_eq!(gone.status, 410);
    let status = gone
        .html()
        .select(&sel(".gone__status"))
        .next()
        .map(text)
        .unwrap_or_default();
    assert!(
        status.contains("deleted by ACLED on 2025-05-20"),
        "why: {status}"
    );
    let after = app.get("/api/events?limit=1").await.json()["total"].clone();
    assert_eq!(after.as_i64(), before.as_i64().map(|n| n - 1));
    let changes = app.get("/api/changes?kind=removed").await.json();
    assert!(changes.to_string().contains("acled-arm505"), "{changes}");

    let broken = "event_id_cnty,deleted_timestamp\nAZE101,yesterday\n";
    let err = import::import(&app.rw, &[detected("broken.csv", broken)], options)
        .await
        .expect_err("a timestamp that is not one");
    let import::ImportError::Invalid { problems, total } = err else {
        panic!("expected problems, got {err}");
    };
    assert_eq!(total, 1);
    let problem = &problems[0];
    assert_eq!(
        (problem.file.as_str(), problem.line, problem.field.as_str()),
        ("broken.csv", Some(2), "deleted_timestamp"),
        "{problem:?}"
    );
    assert!(
        problem.message.contains("seconds since 1970"),
        "{problem:?}"
    );
    assert_eq!(app.get("/events/acled-aze101").await.status, 200);
}

/// Migration 0018 keeps every change of a database written before it, in the compact
/// layout: the view gives back each kind and each object of previous values as they were,
/// and each event's chain of changes runs from its latest one back to its first.
#[tokio::test]
async fn the_compact_history_migration_keeps_every_change() {
    use sqlx::migrate::Migrator;
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("old.db");
    let pool = conflict_timeline::db::open_read_write(&path)
        .await
        .expect("open");
    let mut before = Migrator::new(std::path::Path::new("migrations"))
        .await
        .expect("migrations");
    before.migrations = before
        .migrations
        .iter()
        .filter(|m| m.version < 18)
        .cloned()
        .collect::<Vec<_>>()
        .into();
    before.run(&pool).await.expect("migrate to 0017");
    // Event 1: added, one title changed, then renamed with its title; event 2: added, its
    // coordinates (none before) and then whether it is notable changed, then removed.
    let old = [
        (1, 1, "added", None),
        (2, 2, "added", None),
        (1, 1, "changed", Some(r#"{"title":"Old"}"#)),
        (2, 2, "changed", Some(r#"{"coordinates":null}"#)),
        (2, 2, "changed", Some(r#"{"notable":false}"#)),
        (1, 1, "renamed", Some(r#"{"slug":"old","title":"Older"}"#)),
        (2, 2, "changed", Some(r#"{"actors":["A","B"]}"#)),
        (2, 2, "removed", None),
    ];
    sqlx::query(
        "INSERT INTO import_revision (id, started_at, finished_at, format)
         VALUES (1, 't', 't', 'native'), (2, 't', 't', 'native')",
    )
    .execute(&pool)
    .await
    .expect("revisions");
    for (revision, event, kind, previous) in old {
        sqlx::query(
            "INSERT INTO event_change (revision_id, event_id, conflict_id, kind, previous)
             VALUES (?1, ?2, 1, ?3, ?4)",
        )
        .bind(revision)
        .bind(event)
        .bind(kind)
        .bind(previous)
        .execute(&pool)
        .await
        .expect("old change");
    }
    conflict_timeline::db::migrate(&pool, &path)
        .await
        .expect("migrate on");
    let kept: Vec<(i64, String, Option<String>)> =
        sqlx::query_as("SELECT event_id, kind, previous FROM event_change_json ORDER BY id")
            .fetch_all(&pool)
            .await
            .expect("changes");
    let as_json =
        |p: Option<&str>| p.map(|p| serde_json::from_str::<serde_json::Value>(p).expect("json"));
    assert_eq!(kept.len(), old.len());
    for ((event, kind, previous), (_, old_event, old_kind, old_previous)) in kept.iter().zip(old) {
        assert_eq!((*event, kind.as_str()), (old_event, old_kind));
        assert_eq!(
            as_json(previous.as_deref()),
            as_json(old_previous),
            "{kind} of {event}"
        );
    }
    // One field kept as it is, with its code; several as an object.
    let stored: Vec<(Option<i64>, Option<String>)> =
        sqlx::query_as("SELECT field, previous FROM event_change WHERE kind IN (1, 2) ORDER BY id")
            .fetch_all(&pool)
            .await
            .expect("stored");
    assert_eq!(
        stored,
        [
            (Some(2), Some("Old".to_string())),
            (Some(10), None),
            (Some(12), Some("false".to_string())),
            (None, Some(r#"{"slug":"old","title":"Older"}"#.to_string())),
            (Some(13), Some(r#"["A","B"]"#.to_string())),
        ]
    );
    for (event, ids) in [(1, vec![6, 3, 1]), (2, vec![8, 7, 5, 4, 2])] {
        let chain: Vec<i64> = sqlx::query_scalar(
            "WITH RECURSIVE chain(id) AS (
                 SELECT change_id FROM event_last_change WHERE event_id = ?1
                 UNION ALL
                 SELECT c.prior FROM event_change c JOIN chain ON c.id = chain.id
                 WHERE c.prior IS NOT NULL)
             SELECT id FROM chain",
        )
        .bind(event)
        .fetch_all(&pool)
        .await
        .expect("chain");
        assert_eq!(chain, ids, "the chain of event {event}");
    }
}
