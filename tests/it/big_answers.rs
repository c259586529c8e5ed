//! No size makes a 500: answers larger than the response cache keeps are sent all the same,
//! text at the import limits renders on every page, and text over them is refused at import
//! with the field and the limit named.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use conflict_timeline::import::{self, ImportError, ImportOptions};
use conflict_timeline::record::{BODY_MAX, SUMMARY_MAX, TITLE_MAX};

use crate::harness::{TestApp, text_input};

const HEADER: &str =
    "format = \"conflict-timeline/1\"\n[[conflicts]]\nslug = \"c\"\nname = \"C\"\n";

/// `n` characters of filler words (ASCII, so characters are bytes).
fn filler(n: usize) -> String {
    "lorem ipsum dolor sit amet "
        .chars()
        .cycle()
        .take(n)
        .collect()
}

/// An event with the given summary and body, as native TOML.
fn event(slug: &str, title: &str, summary: &str, body: &str) -> String {
    format!(
        "[[events]]\nconflict = \"c\"\nslug = \"{slug}\"\ndate = \"2001-02-03\"\ntitle = {}\n\
         category = \"political\"\nsummary = {}\nbody = {}\n[[events.sources]]\ntitle = \"S\"\n\
         url = \"https://example.org/s\"\n",
        serde_json::to_string(title).expect("string"),
        serde_json::to_string(summary).expect("string"),
        serde_json::to_string(body).expect("string"),
    )
}

#[tokio::test]
async fn an_answer_larger_than_the_cache_keeps_is_sent_whole() {
    // 300 events at the longest summary: the API page is over a megabyte, twice what
    // the response cache keeps of one answer.
    let mut toml = HEADER.to_string();
    for i in 0..300 {
        toml.push_str(&event(
            &format!("e-{i}"),
            "An event",
            &filler(SUMMARY_MAX),
            "",
        ));
    }
    let app = TestApp::with_dataset(&toml).await;
    for round in 0..2 {
        let r = app.get("/api/events?limit=300").await;
        assert_eq!(r.status, StatusCode::OK, "round {round}: {}", r.body);
        assert!(r.body.len() > 1_000_000, "{} bytes", r.body.len());
        let events = r.json()["events"].as_array().map_or(0, Vec::len);
        assert_eq!(events, 300, "round {round}");
    }
    // Compressed, it may fit: whether kept or not, it is whole.
    for _ in 0..2 {
        let request = Request::get("/api/events?limit=300")
            .header("accept-encoding", "gzip")
            .body(Body::empty())
            .expect("request");
        let (headers, bytes) = app.send_raw(request).await;
        assert_eq!(
            headers.get("content-encoding").map(|v| v.as_bytes()),
            Some(&b"gzip"[..])
        );
        let mut text = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut text)
            .expect("whole gzip stream");
        let value: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(value["events"].as_array().map_or(0, Vec::len), 300);
    }
    let timeline = app.get("/").await;
    assert_eq!(timeline.status, StatusCode::OK);
}

#[tokio::test]
async fn every_page_renders_text_at_the_import_limits() {
    let title: String = "T".repeat(TITLE_MAX);
    let body = format!("{}\n\n**bold**", filler(BODY_MAX - 12));
    let mut toml = HEADER.to_string();
    for i in 0..3 {
        toml.push_str(&event(
            &format!("long-{i}"),
            &title,
            &filler(SUMMARY_MAX),
            &body,
        ));
    }
    let app = TestApp::with_dataset(&toml).await;
    for uri in [
        "/",
        "/?q=lorem",
        "/events/long-1",
        "/api/events",
        "/api/events/long-1",
        "/api/events?q=lorem",
        "/export/events.csv",
        "/export/events.atom",
        "/export/events.ics",
        "/export/timelinejs.json",
    ] {
        let r = app.get(uri).await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "{uri}: {}",
            &r.body[..r.body.len().min(300)]
        );
    }
    let page = app.get("/events/long-1").await;
    assert!(
        page.body.contains("<strong>bold</strong>"),
        "the body is rendered whole"
    );
}

#[tokio::test]
async fn text_over_the_import_limits_is_refused_naming_field_and_limit() {
    let app = TestApp::with_dataset(HEADER).await;
    let huge = filler(50 * 1024 * 1024);
    let cases = [
        ("summary", event("big-summary", "T", &huge, ""), SUMMARY_MAX),
        (
            "summary",
            event("over-summary", "T", &filler(SUMMARY_MAX + 1), ""),
            SUMMARY_MAX,
        ),
        (
            "body",
            event("big-body", "T", "", &filler(BODY_MAX + 1)),
            BODY_MAX,
        ),
        (
            "title",
            event("big-title", &filler(TITLE_MAX + 1), "", ""),
            TITLE_MAX,
        ),
    ];
    for (field, toml, limit) in cases {
        let err = import::import(
            &app.rw,
            &[text_input(
                "big.toml",
                &format!("format = \"conflict-timeline/1\"\n{toml}"),
            )],
            ImportOptions::default(),
        )
        .await
        .expect_err(field);
        let ImportError::Invalid { problems, .. } = err else {
            panic!("{field}: expected a problem, got {err}")
        };
        let problem = problems
            .iter()
            .find(|p| p.field == field)
            .unwrap_or_else(|| panic!("{field}: {problems:?}"));
        assert!(
            problem.message.contains(&limit.to_string()),
            "{field}: the limit is named: {problem:?}"
        );
        assert!(
            problem.value.len() < 200,
            "{field}: the value is quoted short"
        );
    }
    assert_eq!(app.count("event").await, 0, "nothing was written");
}
