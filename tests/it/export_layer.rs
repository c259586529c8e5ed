//! The one export layer: the `export` command and the HTTP exports write the same events in
//! TimelineJS's own field types; exports write back what was imported (labels only where
//! given, groups, qualifiers, years 0000 and 9999, the eras of the filtered conflict); one
//! formula guard for every CSV writer, taken off again on import (property-tested round
//! trips); bodies streamed page by page, past the request timeout.

use std::io::{Read, Write};
use std::process::Command;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use conflict_timeline::export::{Format, csv::Profile, export_with};
use conflict_timeline::import::Input;
use conflict_timeline::{AppState, db, web};
use http_body_util::BodyExt;
use proptest::prelude::*;
use serde_json::Value;
use tower::ServiceExt;

use crate::formats::{EmptyDb, text_file};
use crate::harness::{PUBLIC_URL, TestApp, serve_tcp};

fn run(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_conflict-timeline"))
        .args(args)
        .env_remove("CONFLICT_TIMELINE_DB")
        .env_remove("CONFLICT_TIMELINE_PUBLIC_URL")
        .output()
        .expect("the binary runs")
}

/// The app serving the database file of `db` (read-only, as `serve` opens it).
async fn router_over(db: &EmptyDb) -> axum::Router {
    let pool = db::open_read_only(&db.path, 4)
        .await
        .expect("read-only pool");
    web::router(AppState::new(pool, web::Config::new(PUBLIC_URL)))
}

async fn get(router: &axum::Router, uri: &str) -> (StatusCode, String) {
    let response = router
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).expect("request"))
        .await
        .expect("infallible");
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

/// Every date part of every slide and era: all strings, as Knight Lab's own examples
/// write them (`"year": "1963", "month": "8"`).
fn assert_date_parts_are_strings(doc: &Value) {
    assert_date_parts_are_strings_in(doc, 11);
}

/// [`assert_date_parts_are_strings`] for a document of at least `min_parts` date parts.
fn assert_date_parts_are_strings_in(doc: &Value, min_parts: usize) {
    let mut seen = 0;
    for list in ["events", "eras"] {
        for item in doc[list].as_array().expect(list) {
            for side in ["start_date", "end_date"] {
                let Some(date) = item.get(side) else { continue };
                for (part, value) in date.as_object().expect("a date object") {
                    assert!(value.is_string(), "{list} {side}.{part} = {value}");
                    seen += 1;
                }
            }
        }
    }
    assert!(seen >= min_parts, "the document has dates");
}

#[tokio::test]
async fn the_export_command_and_the_http_export_give_identical_timelinejs_events() {
    let db = EmptyDb::new().await;
    db.import(&[Input::bundled()])
        .await
        .expect("bundled dataset");
    let router = router_over(&db).await;

    let (status, body) = get(
        &router,
        "/export/timelinejs.json?conflict=nagorno-karabakh&from=2020&to=2021",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let web: Value = serde_json::from_str(&body).expect("JSON");

    let out = run(&[
        "export",
        "--format",
        "timelinejs",
        "--db",
        db.path.to_str().expect("path"),
        "--conflict",
        "nagorno-karabakh",
        "--from",
        "2020",
        "--to",
        "2021",
        "--public-url",
        PUBLIC_URL,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cli: Value = serde_json::from_slice(&out.stdout).expect("JSON");

    let events = web["events"].as_array().expect("events");
    assert!(
        events.len() >= 5,
        "the filter keeps events: {}",
        events.len()
    );
    assert_eq!(
        web["events"], cli["events"],
        "the same events, field for field"
    );
    assert_eq!(web["eras"], cli["eras"], "the same eras");
    assert_date_parts_are_strings(&web);
}

#[tokio::test]
async fn the_http_timelinejs_export_writes_imported_links_as_html() {
    // Issue 18: TimelineJS text with links was stored as Markdown and exported raw
    // (`[line of contact](https://…)` in `text.text`).
    let db = EmptyDb::new().await;
    db.import(&[crate::formats::fixture("timeline.json")])
        .await
        .expect("import");
    assert!(
        db.text("SELECT summary FROM event WHERE slug = ?1", "war-begins")
            .await
            .is_some_and(|s| s.contains("](https://example.org/line)")),
        "stored as Markdown"
    );
    let router = router_over(&db).await;
    let (status, body) = get(&router, "/export/timelinejs.json").await;
    assert_eq!(status, StatusCode::OK);
    let doc: Value = serde_json::from_str(&body).expect("JSON");
    let events = doc["events"].as_array().expect("events");
    let text = events
        .iter()
        .find(|e| e["unique_id"] == "war-begins")
        .and_then(|e| e["text"]["text"].as_str())
        .expect("war-begins is exported with a text");
    // The sanitiser adds `rel` after the address.
    let link = text
        .split_once(r#"<a href="https://example.org/line""#)
        .map(|(_, rest)| rest);
    assert!(
        link.is_some_and(|rest| rest.split_once('>').is_some_and(|(attrs, after)| {
            !attrs.contains('<') && after.starts_with("line of contact</a>")
        })),
        "{text}"
    );
    assert!(
        text.contains("<p>Mobilisation &amp; martial law.</p>"),
        "the slide's second paragraph (the body) is written too: {text}"
    );
    for event in events {
        let text = event["text"]["text"].as_str().unwrap_or_default();
        assert!(!text.contains("]("), "no Markdown link: {text}");
    }
}

/// Two conflicts with an era each; events dated in the years 0000 and 9999, with and
/// without a label, with the importers' placeholder category and a real one.
const FAITHFUL: &str = r#"format = "conflict-timeline/1"
[[conflicts]]
slug = "alpha"
name = "Alpha"
summary = "The *alpha* conflict."

[[conflicts]]
slug = "beta"
name = "Beta"

[[eras]]
conflict = "alpha"
slug = "alpha-era"
name = "Alpha era"
date = "1990/1995"
summary = "Told by [the archive](https://example.org/era)."

[[eras]]
conflict = "beta"
slug = "beta-era"
name = "Beta era"
date = "1991/1993"

[[events]]
conflict = "alpha"
slug = "year-zero"
date = "0000"
title = "Year zero"
category = "political"

[[events]]
conflict = "alpha"
slug = "year-9999"
date = "9999-12-31"
title = "Far future"
category = "political"

[[events]]
conflict = "alpha"
slug = "labelled"
date = "1992-03~"
label = "around March 1992"
title = "Labelled"
category = "diplomatic"

[[events]]
conflict = "alpha"
slug = "unlabelled"
date = "1993?"
title = "Unlabelled"
category = "event"

[[events]]
conflict = "beta"
slug = "beta-event"
date = "1992-01-01"
title = "Beta"
category = "military"
"#;

#[tokio::test]
async fn timelinejs_writes_labels_groups_eras_and_years_as_imported() {
    let app = TestApp::with_dataset(FAITHFUL).await;
    let doc = app
        .get("/export/timelinejs.json?conflict=alpha")
        .await
        .json();
    let eras: Vec<&str> = doc["eras"]
        .as_array()
        .expect("eras")
        .iter()
        .filter_map(|e| e["text"]["headline"].as_str())
        .collect();
    assert_eq!(eras, ["Alpha era"], "only the filtered conflict's eras");
    // An era's summary goes with it, as HTML (it was dropped: issue 18).
    let era_text = doc["eras"][0]["text"]["text"].as_str().unwrap_or("");
    assert!(
        era_text.contains("<a href=\"https://example.org/era\"") && era_text.contains("Told by"),
        "{era_text}"
    );
    // ... and comes back as the same Markdown when the export is imported.
    let copy = crate::formats::EmptyDb::new().await;
    let summary = copy
        .import(&[crate::formats::text_file("faithful.json", &doc.to_string())])
        .await
        .expect("the export imports");
    // The link back to each event's page that the HTTP export adds is the export's own:
    // left out on import, and said so.
    assert_eq!(
        summary
            .report
            .count(conflict_timeline::import::NoticeKind::BackLinkDropped),
        4,
        "{:?}",
        summary.report.lines()
    );
    let bodies: Vec<String> = sqlx::query_scalar("SELECT summary || body FROM event")
        .fetch_all(&copy.pool)
        .await
        .expect("texts");
    assert!(
        bodies.iter().all(|b| !b.contains("Sources and details")),
        "{bodies:?}"
    );
    let summary: String = sqlx::query_scalar("SELECT summary FROM era WHERE name = 'Alpha era'")
        .fetch_one(&copy.pool)
        .await
        .expect("the era");
    assert_eq!(summary, "Told by [the archive](https://example.org/era).");
    let events = doc["events"].as_array().expect("events");
    let by_id = |slug: &str| -> &Value {
        events
            .iter()
            .find(|e| e["unique_id"] == slug)
            .unwrap_or_else(|| panic!("{slug} is exported"))
    };
    assert_eq!(
        events.len(),
        4,
        "every alpha event, years 0000 and 9999 too"
    );
    assert_eq!(
        by_id("year-zero")["start_date"],
        serde_json::json!({ "year": "0" })
    );
    assert_eq!(
        by_id("year-9999")["start_date"],
        serde_json::json!({ "year": "9999", "month": "12", "day": "31" })
    );
    assert_eq!(by_id("labelled")["display_date"], "around March 1992");
    assert_eq!(by_id("labelled")["group"], "diplomatic");
    assert!(
        by_id("unlabelled").get("display_date").is_none(),
        "no label, no display_date"
    );
    assert!(
        by_id("unlabelled").get("group").is_none(),
        "the placeholder category is no group"
    );
    assert!(
        doc["title"]["text"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("<em>alpha</em>")),
        "the conflict's summary is rendered: {}",
        doc["title"]
    );
}

/// Events before the common era, in the native format (`-3500` as in TimelineJS's own
/// templates, `-0300-05` with a month, an interval across year 0).
const BCE: &str = r#"format = "conflict-timeline/1"
[[conflicts]]
slug = "ancient"
name = "Ancient"

[[events]]
conflict = "ancient"
slug = "uruk"
date = "-3500"
title = "Uruk"
category = "political"

[[events]]
conflict = "ancient"
slug = "three-hundred-bce"
date = "-0300-05"
title = "In May, 301 BCE"
category = "political"

[[events]]
conflict = "ancient"
slug = "across-zero"
date = "-0010/0010"
title = "Across year zero"
category = "political"
"#;

#[tokio::test]
async fn bce_years_are_written_as_timelinejs_writes_them_and_import_back() {
    // Issue 18: negative years were rejected everywhere; TimelineJS writes `"year": "-3500"`.
    let app = TestApp::with_dataset(BCE).await;
    let response = app.get("/export/timelinejs.json").await;
    assert_eq!(response.status, StatusCode::OK);
    let doc = response.json();
    let events = doc["events"].as_array().expect("events");
    let by_id = |slug: &str| -> &Value {
        events
            .iter()
            .find(|e| e["unique_id"] == slug)
            .unwrap_or_else(|| panic!("{slug} is exported"))
    };
    assert_eq!(
        by_id("uruk")["start_date"],
        serde_json::json!({ "year": "-3500" })
    );
    assert_eq!(
        by_id("three-hundred-bce")["start_date"],
        serde_json::json!({ "year": "-300", "month": "5" })
    );
    assert_eq!(
        (
            &by_id("across-zero")["start_date"],
            &by_id("across-zero")["end_date"]
        ),
        (
            &serde_json::json!({ "year": "-10" }),
            &serde_json::json!({ "year": "10" })
        )
    );
    assert_date_parts_are_strings_in(&doc, 4);

    let copy = EmptyDb::new().await;
    copy.import(&[text_file("bce.json", &response.body)])
        .await
        .expect("the export imports");
    assert_eq!(copy.edtf("uruk").await, "-3500");
    assert_eq!(copy.edtf("three-hundred-bce").await, "-0300-05");
    assert_eq!(copy.edtf("across-zero").await, "-0010/0010");
}

#[tokio::test]
async fn a_timelinejs_bce_year_imports_exports_and_imports_the_same() {
    let file = r#"{"title": {"text": {"headline": "Antiquity"}}, "events": [
        {"start_date": {"year": "-3500"}, "text": {"headline": "Writing"}, "unique_id": "writing"},
        {"start_date": {"year": -300, "month": 5, "day": 1}, "text": {"headline": "A day"},
         "unique_id": "a-day"}]}"#;
    let db = EmptyDb::new().await;
    db.import(&[text_file("antiquity.json", file)])
        .await
        .expect("negative years import");
    assert_eq!(db.edtf("writing").await, "-3500");
    assert_eq!(db.edtf("a-day").await, "-0300-05-01");
    let router = router_over(&db).await;
    let (status, body) = get(&router, "/export/timelinejs.json").await;
    assert_eq!(status, StatusCode::OK);
    let doc: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(doc["events"][0]["start_date"]["year"], "-3500");
    assert_eq!(
        doc["events"][1]["start_date"],
        serde_json::json!({ "year": "-300", "month": "5", "day": "1" })
    );
    let copy = EmptyDb::new().await;
    copy.import(&[text_file("export.json", &body)])
        .await
        .expect("the export imports");
    assert_eq!(copy.edtf("writing").await, "-3500");
    assert_eq!(copy.edtf("a-day").await, "-0300-05-01");
}

#[tokio::test]
async fn csv_and_ics_keep_qualifiers_and_the_years_0000_and_9999() {
    let app = TestApp::with_dataset(FAITHFUL).await;
    let body = app.get("/export/events.csv?conflict=alpha").await.body;
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    let row = |slug: &str| {
        rows.iter()
            .find(|r| &r[0] == slug)
            .unwrap_or_else(|| panic!("{slug}"))
    };
    assert_eq!(
        (&row("year-zero")[4], &row("year-zero")[5]),
        ("0000-01-01", "0000-12-31")
    );
    assert_eq!(&row("year-9999")[5], "9999-12-31");
    assert_eq!(&row("labelled")[2], "1992-03~");
    assert_eq!(&row("unlabelled")[2], "1993?");

    let ics = app.get("/export/events.ics?conflict=alpha").await.body;
    assert!(ics.contains("UID:year-zero@conflict-timeline\r\n"), "{ics}");
    assert!(ics.contains("DTSTART;VALUE=DATE:00000101\r\n"), "{ics}");
    assert!(ics.contains("DTEND;VALUE=DATE:00010101\r\n"), "{ics}");
}

#[tokio::test]
async fn feeds_and_calendars_do_not_pass_bidi_controls_through() {
    let dataset = FAITHFUL.replace("title = \"Labelled\"", "title = \"Safe\u{202e}gnp.exe\"");
    let app = TestApp::with_dataset(&dataset).await;
    let ics = app.get("/export/events.ics").await.body;
    assert!(ics.contains("SUMMARY:Safegnp.exe\r\n"), "{ics}");
    assert!(!ics.contains('\u{202e}'));
    let atom = app.get("/export/events.atom").await.body;
    assert!(!atom.contains('\u{202e}'), "no raw control in the feed");
    assert!(atom.contains("Safe&#x202E;gnp.exe"), "{atom}");
}

/// A plain CSV whose cells a spreadsheet would run, or that look guarded already (the
/// reader takes a guard off, so `'=already` is read as `=already`).
const FORMULAS: &str = "slug,title,edtf,category,actors,location,summary,conflict\r\n\
e-1,=SUM(A1),2020-05-01,military,@Armenia;+Azerbaijan,-Somewhere,'=already,Alpha conflict\r\n\
e-2,'quoted,1999-12~,political,Armenia,Here,\"-5, a \"\"quote\"\", a comma\",Alpha conflict\r\n";

#[tokio::test]
async fn the_command_line_csv_guards_formulas_and_imports_back_unchanged() {
    let db = EmptyDb::new().await;
    db.import(&[text_file("formulas.csv", FORMULAS)])
        .await
        .expect("import");
    assert_eq!(
        db.text("SELECT title FROM event WHERE slug = ?1", "e-1")
            .await
            .as_deref(),
        Some("=SUM(A1)"),
        "stored as written"
    );
    let out = run(&[
        "export",
        "--format",
        "csv",
        "--db",
        db.path.to_str().expect("path"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    for guarded in [
        "\"'=SUM(A1)\"",
        "\"'@Armenia; +Azerbaijan\"",
        "\"'-Somewhere\"",
        "\"'=already\"",
        "\"''quoted\"",
    ] {
        assert!(text.contains(guarded), "{guarded} in {text}");
    }
    let copy = EmptyDb::new().await;
    copy.import(&[text_file("export.csv", &text)])
        .await
        .expect("the export imports");
    assert_eq!(copy.dump().await, db.dump().await);
}

#[tokio::test]
async fn an_http_export_streams_page_by_page_and_holds_every_event() {
    let mut dataset = String::from(
        "format = \"conflict-timeline/1\"\n[[conflicts]]\nslug = \"many\"\nname = \"Many\"\n",
    );
    for i in 0..2500 {
        dataset.push_str(&format!(
            "\n[[events]]\nconflict = \"many\"\nslug = \"event-{i}\"\ndate = \"{}-{:02}-{:02}\"\ntitle = \"Event {i}\"\ncategory = \"military\"\nsummary = \"{}\"\n",
            1990 + i % 30,
            1 + i % 12,
            1 + i % 28,
            "word ".repeat(40).trim_end()
        ));
    }
    let app = TestApp::with_dataset(&dataset).await;
    let response = app
        .router
        .clone()
        .oneshot(
            Request::get("/export/events.csv")
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("infallible");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers().get("content-length").is_none(),
        "a streamed body has no length up front"
    );
    let mut body = response.into_body();
    let mut frames = 0;
    let mut bytes = Vec::new();
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.expect("frame").into_data() {
            frames += 1;
            bytes.extend_from_slice(&data);
        }
    }
    assert!(
        frames >= 3,
        "one frame per page of 1000 events at least: {frames}"
    );
    let rows = csv::Reader::from_reader(bytes.as_slice()).records().count();
    assert_eq!(rows, 2500);

    // Past the request timeout: a client that waits before reading still gets it all.
    let (addr, server) = serve_tcp(app.router.clone()).await;
    let whole = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("timeout");
        write!(
            stream,
            "GET /export/timelinejs.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .expect("write");
        let mut first = [0u8; 64];
        let n = stream.read(&mut first).expect("the head comes at once");
        std::thread::sleep(Duration::from_secs(11));
        let mut rest = Vec::new();
        stream.read_to_end(&mut rest).expect("read");
        let mut all = first[..n].to_vec();
        all.extend_from_slice(&rest);
        String::from_utf8_lossy(&all).into_owned()
    })
    .await
    .expect("reader");
    server.abort();
    assert!(
        whole.starts_with("HTTP/1.1 200"),
        "{}",
        &whole[..whole.len().min(200)]
    );
    assert!(whole.contains("\"unique_id\":\"event-2499\""));
    assert!(whole.contains("]}\n"), "the document is whole");
    assert!(
        whole.ends_with("\r\n0\r\n\r\n"),
        "the chunked body ends properly"
    );
}

// ----------------------------------------------------------------------------------------
// Round trips: import, export, import changes nothing.
// ----------------------------------------------------------------------------------------

/// Cell text a person might type, formula starts and CSV specials included, never blank
/// and never with surrounding spaces (the reader trims cells).
fn cell() -> impl Strategy<Value = String> {
    "[=+@'A-Za-z-][A-Za-z0-9 ,;\"'=+@\n-]{0,20}[A-Za-z0-9.!]"
}

fn row() -> impl Strategy<Value = Vec<String>> {
    (
        cell(),
        prop::sample::select(vec![
            "2020-05-01",
            "1999-12~",
            "2001?",
            "1990/1995",
            "2022-12-12/..",
            "0000",
            "9999-12-31",
            "199X",
            "2004-06%",
        ]),
        prop::option::of(cell()),
        prop::sample::select(vec!["military", "political", "event"]),
        prop::collection::vec("[A-Z][a-z]{1,8}", 0..3),
        prop::option::of(cell()),
        prop::option::of((-89.0f64..89.0, -179.0f64..179.0)),
        prop::option::of(0i64..5000),
        prop::option::of(cell()),
        prop::option::of((cell(), "[a-z]{1,10}")),
        prop::sample::select(vec!["Alpha conflict", "beta", "Gamma, the third"]),
    )
        .prop_map(
            |(
                title,
                edtf,
                label,
                category,
                actors,
                place,
                coords,
                deaths,
                summary,
                source,
                conflict,
            )| {
                let (lat, lon) = coords.map_or((String::new(), String::new()), |(a, b)| {
                    (format!("{a:.4}"), format!("{b:.4}"))
                });
                let (source_title, source_url) = source
                    .map_or((String::new(), String::new()), |(t, u)| {
                        (t, format!("https://example.org/{u}"))
                    });
                vec![
                    title,
                    edtf.to_string(),
                    label.unwrap_or_default(),
                    category.to_string(),
                    actors.join(";"),
                    place.unwrap_or_default(),
                    lat,
                    lon,
                    deaths.map(|d| d.to_string()).unwrap_or_default(),
                    summary.unwrap_or_default(),
                    source_title,
                    source_url,
                    conflict.to_string(),
                ]
            },
        )
}

fn plain_csv(rows: &[Vec<String>]) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record([
            "slug",
            "title",
            "edtf",
            "label",
            "category",
            "actors",
            "location",
            "latitude",
            "longitude",
            "fatalities",
            "summary",
            "source_title",
            "source_url",
            "conflict",
        ])
        .expect("header");
    for (i, row) in rows.iter().enumerate() {
        let mut record = vec![format!("event-{i}")];
        record.extend(row.iter().cloned());
        writer.write_record(&record).expect("row");
    }
    String::from_utf8(writer.into_inner().expect("flush")).expect("UTF-8")
}

async fn export_text(db: &EmptyDb, format: Format) -> String {
    let mut out = Vec::new();
    export_with(&db.pool, format, &Default::default(), None, &mut out)
        .await
        .expect("export");
    String::from_utf8(out).expect("UTF-8")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn a_plain_csv_round_trips_through_the_round_trip_profile(rows in prop::collection::vec(row(), 1..6)) {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        runtime.block_on(async {
            let first = EmptyDb::new().await;
            first.import(&[text_file("in.csv", &plain_csv(&rows))]).await.expect("the generated file imports");
            let exported = export_text(&first, Format::Csv(Profile::RoundTrip)).await;
            let second = EmptyDb::new().await;
            second.import(&[text_file("out.csv", &exported)]).await.expect("the export imports");
            assert_eq!(second.dump().await, first.dump().await, "{exported}");
            // And the native format keeps it all too.
            let native = export_text(&first, Format::Native).await;
            let third = EmptyDb::new().await;
            third.import(&[text_file("out.toml", &native)]).await.expect("the native export imports");
            assert_eq!(third.dump().await, first.dump().await, "{native}");
        });
    }
}

/// A generated TimelineJS date: a year, with a month, with a day.
type TlDate = (i32, Option<(u32, Option<u32>)>);

/// A TimelineJS date object: a year (before the common era too), with a month or a day.
fn tl_date() -> impl Strategy<Value = TlDate> {
    (
        prop_oneof![-3500i32..0, 0i32..2100],
        prop::option::of((1u32..=12, prop::option::of(1u32..=28))),
    )
}

fn tl_date_json((year, rest): TlDate, as_numbers: bool) -> Value {
    let part = |n: i64| {
        if as_numbers {
            serde_json::json!(n)
        } else {
            serde_json::json!(n.to_string())
        }
    };
    let mut date = serde_json::Map::new();
    date.insert("year".into(), part(i64::from(year)));
    if let Some((month, day)) = rest {
        date.insert("month".into(), part(i64::from(month)));
        if let Some(day) = day {
            date.insert("day".into(), part(i64::from(day)));
        }
    }
    Value::Object(date)
}

/// A paragraph of HTML as TimelineJS files hold it: words, an `&amp;`, a link.
fn tl_paragraph() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => "[A-Za-z]{1,9}[,.]?",
            1 => Just("&amp;".to_string()),
            1 => ("[a-z]{1,8}( [a-z]{1,8})?", "[a-z]{1,8}").prop_map(|(text, path)| format!(
                "<a href=\"https://example.org/{path}\">{text}</a>"
            )),
        ],
        1..8,
    )
    .prop_map(|words| words.join(" "))
}

/// One slide of a generated file.
#[derive(Clone, Debug)]
struct Slide {
    id: bool,
    start: TlDate,
    /// A later year, with a month or a day.
    end: Option<TlDate>,
    headline: Option<String>,
    paragraphs: Vec<String>,
    display_date: Option<String>,
    group: Option<&'static str>,
    media: Option<(String, Option<String>, Option<String>)>,
    numbers: bool,
}

fn slide() -> impl Strategy<Value = Slide> {
    (
        any::<bool>(),
        tl_date(),
        prop::option::of((
            1i32..60,
            prop::option::of((1u32..=12, prop::option::of(1u32..=28))),
        )),
        prop::option::of("[A-Z][a-z]{1,8}( [a-z]{1,8}){0,3}"),
        prop::collection::vec(tl_paragraph(), 0..3),
        prop::option::of("(early |late )?[A-Z][a-z]{2,8} [0-9]{1,4}"),
        prop::option::of(prop::sample::select(vec![
            "Battles",
            "Peace talks",
            "military",
        ])),
        prop::option::of((
            "[a-z]{1,10}",
            prop::option::of("[A-Z][a-z]{1,8}( [a-z]{1,8})?"),
            prop::option::of("[A-Z][a-z]{1,8}"),
        )),
        any::<bool>(),
    )
        .prop_map(
            |(id, start, end, headline, paragraphs, display_date, group, media, numbers)| Slide {
                id,
                start,
                end: end.map(|(after, rest)| (start.0 + after, rest)),
                headline,
                paragraphs,
                display_date,
                group,
                media,
                numbers,
            },
        )
}

fn timelinejs_file(slides: &[Slide]) -> String {
    let events: Vec<Value> = slides
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut event = serde_json::Map::new();
            event.insert("start_date".into(), tl_date_json(s.start, s.numbers));
            if let Some(end) = s.end {
                event.insert("end_date".into(), tl_date_json(end, s.numbers));
            }
            let mut text = serde_json::Map::new();
            if let Some(headline) = &s.headline {
                text.insert("headline".into(), headline.clone().into());
            }
            if !s.paragraphs.is_empty() {
                let html: String = s.paragraphs.iter().map(|p| format!("<p>{p}</p>")).collect();
                text.insert("text".into(), html.into());
            }
            event.insert("text".into(), Value::Object(text));
            if let Some(label) = &s.display_date {
                event.insert("display_date".into(), label.clone().into());
            }
            if let Some(group) = s.group {
                event.insert("group".into(), group.into());
            }
            if let Some((path, caption, credit)) = &s.media {
                let mut media = serde_json::Map::new();
                media.insert(
                    "url".into(),
                    format!("https://example.org/media/{path}").into(),
                );
                if let Some(caption) = caption {
                    media.insert("caption".into(), caption.clone().into());
                }
                if let Some(credit) = credit {
                    media.insert("credit".into(), credit.clone().into());
                }
                event.insert("media".into(), Value::Object(media));
            }
            if s.id {
                event.insert("unique_id".into(), format!("slide-{i}").into());
            }
            Value::Object(event)
        })
        .collect();
    serde_json::json!({
        "title": {"text": {"headline": "Round trip", "text": "<p>A generated timeline.</p>"}},
        "events": events,
    })
    .to_string()
}

/// What a reader sees of every event, by slug: date, title, text, label, category, sources.
async fn tl_events(db: &EmptyDb) -> Vec<String> {
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT quote(e.slug) || ' | ' || quote(c.slug) || ' | ' || quote(e.edtf) || ' | '
                || quote(e.title) || ' | ' || quote(e.summary) || ' | ' || quote(e.body)
                || ' | ' || quote(e.date_label) || ' | ' || quote(e.category)
         FROM event e JOIN conflict c ON c.id = e.conflict_id ORDER BY e.slug",
    )
    .fetch_all(&db.pool)
    .await
    .expect("events");
    let sources: Vec<(String, String, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT e.slug, s.title, s.publisher, s.url FROM source s
         JOIN event e ON e.id = s.event_id ORDER BY e.slug, s.position",
    )
    .fetch_all(&db.pool)
    .await
    .expect("sources");
    rows.into_iter()
        .chain(sources.iter().map(|s| format!("{s:?}")))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn a_timelinejs_file_round_trips_through_the_timelinejs_export(slides in prop::collection::vec(slide(), 1..6)) {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        runtime.block_on(async {
            let file = timelinejs_file(&slides);
            let first = EmptyDb::new().await;
            first.import(&[text_file("in.json", &file)]).await.expect("the generated file imports");
            let out = run(&[
                "export",
                "--format",
                "timelinejs",
                "--db",
                first.path.to_str().expect("path"),
            ]);
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            let exported = String::from_utf8(out.stdout).expect("UTF-8");
            let second = EmptyDb::new().await;
            second.import(&[text_file("out.json", &exported)]).await.expect("the export imports");
            assert_eq!(tl_events(&second).await, tl_events(&first).await, "{file}\n{exported}");
            let again = second.import(&[text_file("out.json", &exported)]).await.expect("again");
            assert_eq!((again.inserted, again.updated), (0, 0), "{exported}");
            // And the export imported over what it was exported from changes nothing.
            let back = first.import(&[text_file("out.json", &exported)]).await.expect("back");
            assert_eq!((back.inserted, back.updated), (0, 0), "{file}\n{exported}");
        });
    }
}
