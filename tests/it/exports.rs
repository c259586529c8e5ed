//! Exports of filtered views, parsed as their consumers would: CSV with a CSV reader,
//! iCalendar line by line, Atom as XML, TimelineJS as JSON.

use std::collections::HashMap;

use axum::http::StatusCode;
use serde_json::Value;

use crate::harness::{
    MONTH_PRECISION, PUBLIC_URL, TestApp, TestResponse, bundled_events, sel, texts,
};

/// The slugs `/api/events` gives for a filter, in timeline order (the reference the
/// exports are checked against; its own tests check it against the data file).
async fn api_slugs(app: &TestApp, query: &str) -> Vec<String> {
    let body = app
        .get(&format!("/api/events?{query}&limit=500"))
        .await
        .json();
    body["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["slug"].as_str().expect("slug").to_string())
        .collect()
}

fn csv_records(response: &TestResponse) -> (Vec<String>, Vec<csv::StringRecord>) {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(response.body.as_bytes());
    let header = reader
        .headers()
        .expect("header row")
        .iter()
        .map(str::to_string)
        .collect();
    let rows = reader
        .records()
        .collect::<Result<Vec<_>, _>>()
        .expect("well-formed CSV");
    (header, rows)
}

#[tokio::test]
async fn csv_has_a_header_and_one_row_per_event_in_timeline_order() {
    let app = TestApp::seeded().await;
    let response = app.get("/export/events.csv").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(
        response.header("content-type"),
        Some("text/csv; charset=utf-8; header=present")
    );
    assert_eq!(
        response.header("content-disposition"),
        Some("attachment; filename=\"conflict-timeline-events.csv\"")
    );
    assert_eq!(response.header("x-export-row-limit"), Some("100000"));
    assert_eq!(response.header("x-export-truncated"), None);
    assert!(response.body.ends_with("\r\n"), "CRLF line ends");
    let (header, rows) = csv_records(&response);
    assert_eq!(
        header,
        [
            "slug",
            "title",
            "edtf",
            "date_words",
            "earliest",
            "latest",
            "category",
            "place",
            "latitude",
            "longitude",
            "actors",
            "summary",
            "url",
            "source_urls",
            "last_changed"
        ]
    );
    assert_eq!(rows.len(), bundled_events().len());
    let slugs: Vec<String> = rows.iter().map(|r| r[0].to_string()).collect();
    assert_eq!(slugs, api_slugs(&app, "").await);
    let (_, rows) = csv_records(
        &TestApp::with_dataset(MONTH_PRECISION)
            .await
            .get("/export/events.csv")
            .await,
    );
    let call = rows
        .iter()
        .find(|r| &r[0] == "2023-03-putin-aliyev-phone-call")
        .expect("row");
    assert_eq!(
        (&call[2], &call[3], &call[4], &call[5]),
        ("2023-03~", "mid-March 2023", "2023-03-01", "2023-03-31")
    );
    assert_eq!(
        &call[10],
        "Russia; Azerbaijan; Vladimir Putin; Ilham Aliyev"
    );
    assert_eq!(
        &call[12],
        format!("{PUBLIC_URL}/events/2023-03-putin-aliyev-phone-call")
    );
    assert_eq!(&call[13], "https://tass.com/world/1678477");
}

#[tokio::test]
async fn csv_follows_the_filters() {
    let app = TestApp::seeded().await;
    for query in [
        "category=ceasefire",
        "q=peacekeepers&from=2023",
        "from=2020&to=2020",
    ] {
        let (_, rows) = csv_records(&app.get(&format!("/export/events.csv?{query}")).await);
        let slugs: Vec<String> = rows.iter().map(|r| r[0].to_string()).collect();
        assert_eq!(slugs, api_slugs(&app, query).await, "{query}");
    }
}

/// Text that CSV, iCalendar and XML must each escape, and cells a spreadsheet would run.
const AWKWARD: &str = r#"format = "conflict-timeline/1"
[[conflicts]]
slug = "awkward"
name = "Awkward, \"quoted\" & <tagged>"

[[events]]
slug = "1999-05-commas"
date = "1999-05"
title = "Commas, \"quotes\"; semicolons & <angles>"
category = "political"
place = "-Somewhere, far"
latitude = -33.5
longitude = -70.25
actors = ["=HYPERLINK(\"http://evil\")", "Plain actor"]
summary = "A first line,\nand a second line with a very long tail of words that goes past the seventy-five octet limit of iCalendar lines: ünïcödé text included."

[[events.sources]]
title = "Source"
url = "https://example.org/a"

[[events.sources]]
title = "Another"
url = "https://example.org/b"

[[events]]
slug = "2001-formula"
date = "2001-02-03"
title = "=1+1"
category = "military"
summary = "@SUM(A1:A2)"
"#;

#[tokio::test]
async fn csv_round_trips_awkward_text_and_guards_formulas() {
    let app = TestApp::with_dataset(AWKWARD).await;
    let (_, rows) = csv_records(&app.get("/export/events.csv").await);
    assert_eq!(rows.len(), 2);
    let row = &rows[0];
    assert_eq!(&row[1], "Commas, \"quotes\"; semicolons & <angles>");
    assert!(row[11].starts_with("A first line,\nand a second line"));
    assert_eq!(
        &row[7], "'-Somewhere, far",
        "a leading - is guarded in text"
    );
    assert_eq!(
        (&row[8], &row[9]),
        ("-33.5", "-70.25"),
        "numbers stay numbers"
    );
    assert_eq!(&row[10], "'=HYPERLINK(\"http://evil\"); Plain actor");
    assert_eq!(&row[13], "https://example.org/a https://example.org/b");
    assert_eq!(&rows[1][1], "'=1+1");
    assert_eq!(&rows[1][11], "'@SUM(A1:A2)");
}

/// Unfolds iCalendar content lines (RFC 5545 3.1).
fn ics_lines(body: &str) -> Vec<String> {
    body.replace("\r\n ", "")
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// The properties of each VEVENT, by UID.
fn vevents(body: &str) -> HashMap<String, HashMap<String, String>> {
    let mut events = HashMap::new();
    let mut current: Option<HashMap<String, String>> = None;
    for line in ics_lines(body) {
        match line.as_str() {
            "BEGIN:VEVENT" => current = Some(HashMap::new()),
            "END:VEVENT" => {
                let props = current.take().expect("END after BEGIN");
                events.insert(props["UID"].clone(), props);
            }
            _ => {
                if let (Some(props), Some((name, value))) = (current.as_mut(), line.split_once(':'))
                {
                    props.insert(name.to_string(), value.to_string());
                }
            }
        }
    }
    events
}

#[tokio::test]
async fn ics_has_one_all_day_vevent_per_event_with_exclusive_ends() {
    let app = TestApp::seeded().await;
    let response = app.get("/export/events.ics").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(
        response.header("content-type"),
        Some("text/calendar; charset=utf-8")
    );
    let body = &response.body;
    assert!(body.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:"));
    assert!(body.ends_with("END:VCALENDAR\r\n"));
    for physical in body.split("\r\n") {
        assert!(
            physical.len() <= 75,
            "{} octets: {physical}",
            physical.len()
        );
        assert!(!physical.contains('\n'), "bare LF in {physical:?}");
    }
    let events = vevents(body);
    assert_eq!(events.len(), bundled_events().len());
    assert_eq!(body.matches("BEGIN:VEVENT").count(), events.len());

    let month_body = TestApp::with_dataset(MONTH_PRECISION)
        .await
        .get("/export/events.ics")
        .await
        .body;
    let month_events = vevents(&month_body);
    let month = &month_events["2023-03-putin-aliyev-phone-call@conflict-timeline"];
    assert_eq!(month["DTSTART;VALUE=DATE"], "20230301");
    assert_eq!(month["DTEND;VALUE=DATE"], "20230401");
    assert!(month["DTSTAMP"].ends_with('Z') && month["DTSTAMP"].len() == 16);
    let day = &events["1988-02-20-oblast-soviet-asks-for-transfer-to-armenia@conflict-timeline"];
    assert_eq!(day["DTSTART;VALUE=DATE"], "19880220");
    assert_eq!(day["DTEND;VALUE=DATE"], "19880221");
    let interval = &events["2024-04-russian-peacekeepers-withdraw@conflict-timeline"];
    assert_eq!(interval["DTSTART;VALUE=DATE"], "20240401");
    assert_eq!(interval["DTEND;VALUE=DATE"], "20240613");
    assert_eq!(
        interval["URL"],
        format!("{PUBLIC_URL}/events/2024-04-russian-peacekeepers-withdraw")
    );
}

#[tokio::test]
async fn ics_escapes_text_and_folds_long_lines() {
    let app = TestApp::with_dataset(AWKWARD).await;
    let body = app.get("/export/events.ics").await.body;
    for physical in body.split("\r\n") {
        assert!(
            physical.len() <= 75,
            "{} octets: {physical}",
            physical.len()
        );
    }
    assert!(body.contains("\r\n "), "long lines are folded");
    let events = vevents(&body);
    let e = &events["1999-05-commas@conflict-timeline"];
    assert_eq!(
        e["SUMMARY"],
        "Commas\\, \"quotes\"\\; semicolons & <angles>"
    );
    assert!(e["DESCRIPTION"].starts_with("A first line\\,\\nand a second line"));
    assert!(
        e["DESCRIPTION"].contains("ünïcödé"),
        "UTF-8 survives folding"
    );
    assert_eq!(e["GEO"], "-33.5;-70.25");
    assert_eq!(e["DTSTART;VALUE=DATE"], "19990501");
    assert_eq!(e["DTEND;VALUE=DATE"], "19990601");
}

#[tokio::test]
async fn atom_lists_the_view_newest_first() {
    let app = TestApp::seeded().await;
    let response = app.get("/export/events.atom?category=diplomatic").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(
        response.header("content-type"),
        Some("application/atom+xml; charset=utf-8")
    );
    let doc = roxmltree::Document::parse(&response.body).expect("well-formed XML");
    let atom = "http://www.w3.org/2005/Atom";
    let feed = doc.root_element();
    assert_eq!(feed.tag_name().name(), "feed");
    assert_eq!(feed.tag_name().namespace(), Some(atom));
    let child = |name: &str| {
        feed.children()
            .find(|n| n.has_tag_name((atom, name)))
            .unwrap_or_else(|| panic!("feed has {name}"))
    };
    let self_url = format!("{PUBLIC_URL}/export/events.atom?category=diplomatic");
    assert_eq!(child("id").text(), Some(self_url.as_str()));
    assert!(
        child("title")
            .text()
            .is_some_and(|t| t.contains("diplomatic"))
    );
    assert!(child("updated").text().is_some_and(|t| t.ends_with('Z')));
    assert!(feed.children().any(|n| n.has_tag_name((atom, "link"))
        && n.attribute("rel") == Some("self")
        && n.attribute("href") == Some(self_url.as_str())));

    let entries: Vec<roxmltree::Node> = feed
        .children()
        .filter(|n| n.has_tag_name((atom, "entry")))
        .collect();
    let expected = api_slugs(&app, "category=diplomatic").await;
    assert_eq!(entries.len(), expected.len());
    let slugs: Vec<String> = entries
        .iter()
        .map(|e| {
            let id = e
                .children()
                .find(|n| n.has_tag_name((atom, "id")))
                .and_then(|n| n.text())
                .expect("entry id");
            assert!(
                e.children().any(|n| n.has_tag_name((atom, "updated"))),
                "entry updated"
            );
            id.strip_prefix(&format!("{PUBLIC_URL}/events/"))
                .expect("the id is the event URL")
                .to_string()
        })
        .collect();
    let mut newest_first = expected.clone();
    newest_first.reverse();
    assert_eq!(slugs, newest_first);
    let earliest: HashMap<String, _> = bundled_events()
        .into_iter()
        .map(|e| (e.slug, e.date.earliest()))
        .collect();
    assert!(
        slugs.windows(2).all(|w| earliest[&w[0]] >= earliest[&w[1]]),
        "newest first by earliest day"
    );
}

#[tokio::test]
async fn atom_escapes_markup_in_text() {
    let app = TestApp::with_dataset(AWKWARD).await;
    let body = app.get("/export/events.atom").await.body;
    let doc = roxmltree::Document::parse(&body).expect("well-formed XML");
    let titles: Vec<&str> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "title")
        .filter_map(|n| n.text())
        .collect();
    assert!(titles.contains(&"Commas, \"quotes\"; semicolons & <angles>"));
    assert!(titles[0].starts_with("Awkward, \"quoted\" & <tagged>"));
}

#[tokio::test]
async fn timelinejs_keeps_the_precision_we_know() {
    let app = TestApp::seeded().await;
    let response = app.get("/export/timelinejs.json").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.header("content-type"), Some("application/json"));
    let doc = response.json();
    assert!(doc["title"]["text"]["headline"].is_string());
    let events = doc["events"].as_array().expect("events");
    assert_eq!(events.len(), bundled_events().len());
    let slugs: Vec<&str> = events
        .iter()
        .map(|e| e["unique_id"].as_str().expect("unique_id"))
        .collect();
    assert_eq!(slugs, api_slugs(&app, "").await);
    let by_id = |slug: &str| -> &Value {
        events
            .iter()
            .find(|e| e["unique_id"] == slug)
            .unwrap_or_else(|| panic!("{slug}"))
    };
    let month_doc = TestApp::with_dataset(MONTH_PRECISION)
        .await
        .get("/export/timelinejs.json")
        .await
        .json();
    let month = month_doc["events"]
        .as_array()
        .and_then(|events| events.first())
        .expect("the month event");
    assert_eq!(month["unique_id"], "2023-03-putin-aliyev-phone-call");
    assert_eq!(
        month["start_date"],
        serde_json::json!({ "year": "2023", "month": "3" })
    );
    assert!(month.get("end_date").is_none());
    assert_eq!(month["display_date"], "mid-March 2023");
    assert_eq!(month["group"], "diplomatic");
    let day = by_id("1988-02-20-oblast-soviet-asks-for-transfer-to-armenia");
    assert_eq!(
        day["start_date"],
        serde_json::json!({ "year": "1988", "month": "2", "day": "20" })
    );
    let interval = by_id("2024-04-russian-peacekeepers-withdraw");
    assert_eq!(
        interval["start_date"],
        serde_json::json!({ "year": "2024", "month": "4" })
    );
    assert_eq!(
        interval["end_date"],
        serde_json::json!({ "year": "2024", "month": "6", "day": "12" })
    );
    let eras = doc["eras"].as_array().expect("eras");
    assert!(
        eras.iter()
            .any(|e| e["text"]["headline"] == "Second Nagorno-Karabakh War"
                && e["end_date"]["day"] == "10")
    );
}

#[tokio::test]
async fn timelinejs_text_is_escaped_html() {
    let app = TestApp::with_dataset(AWKWARD).await;
    let doc = app.get("/export/timelinejs.json").await.json();
    let first = &doc["events"][0];
    assert_eq!(
        first["text"]["headline"],
        "Commas, &quot;quotes&quot;; semicolons &amp; &lt;angles&gt;"
    );
    assert!(
        first["text"]["text"]
            .as_str()
            .is_some_and(|t| !t.contains("<angles>"))
    );
}

#[tokio::test]
async fn exports_refuse_bad_parameters_and_paging() {
    let app = TestApp::seeded().await;
    for path in [
        "/export/events.csv",
        "/export/events.ics",
        "/export/events.atom",
        "/export/timelinejs.json",
    ] {
        for (query, field) in [
            ("from=1988-13", "from"),
            ("after=1.2.3", "after"),
            ("q=%22", "q"),
        ] {
            let response = app.get(&format!("{path}?{query}")).await;
            assert_eq!(response.status, StatusCode::BAD_REQUEST, "{path}?{query}");
            let problems = texts(&response.html(), ".problems li");
            assert!(
                problems.iter().any(|p| p.starts_with(&format!("{field}:"))),
                "{path}?{query}: {problems:?}"
            );
        }
    }
}

#[tokio::test]
async fn the_timeline_links_every_export_of_its_view() {
    let app = TestApp::seeded().await;
    let html = app.get("/?category=military&q=peacekeepers").await.html();
    let links: Vec<(String, String)> = html
        .select(&sel(".downloads a"))
        .map(|a| {
            (
                crate::harness::text(a),
                a.value().attr("href").expect("href").to_string(),
            )
        })
        .collect();
    let query = "category=military&q=peacekeepers";
    assert_eq!(
        links,
        [
            ("CSV".to_string(), format!("/export/events.csv?{query}")),
            (
                "iCalendar".to_string(),
                format!("/export/events.ics?{query}")
            ),
            ("Atom".to_string(), format!("/export/events.atom?{query}")),
            (
                "TimelineJS".to_string(),
                format!("/export/timelinejs.json?{query}")
            ),
        ]
    );
    for (_, href) in &links {
        assert_eq!(app.get(href).await.status, StatusCode::OK, "{href}");
    }
    let feed = html
        .select(&sel(
            r#"link[rel="alternate"][type="application/atom+xml"]"#,
        ))
        .next()
        .expect("feed autodiscovery");
    assert_eq!(
        feed.value().attr("href"),
        Some(format!("/export/events.atom?{query}").as_str())
    );
}
