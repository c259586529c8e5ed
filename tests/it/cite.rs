//! Citations of events and of the dataset: each format parses with a reader made for it
//! (BibTeX with the `biblatex` crate, CSL-JSON against the CSL project's schema, RIS with a
//! strict grammar of its tagged lines), and names the dataset, its version and the sources.

use axum::http::StatusCode;
use biblatex::{Bibliography, ChunksExt};

use crate::harness::{PUBLIC_URL, TestApp, sel};

const EVENT: &str = "2023-09-19-azerbaijani-military-operation";
const CSL_SCHEMA: &str = include_str!("../fixtures/csl/csl-data.json");

fn today_iso() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400);
    conflict_timeline::edtf::Day(days as i32).iso()
}

/// Source URLs of the event as the API lists them (an independent path to the same data).
async fn source_urls(app: &TestApp) -> Vec<String> {
    let event = app.get(&format!("/api/events/{EVENT}")).await.json();
    event["event"]["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .filter_map(|s| s["url"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn an_event_cites_in_bibtex_that_a_bibtex_parser_reads() {
    let app = TestApp::seeded().await;
    let r = app.get(&format!("/events/{EVENT}/cite.bib")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.header("content-type")
            .is_some_and(|t| t.starts_with("application/x-bibtex"))
    );
    assert_eq!(
        r.header("cache-control"),
        Some("no-store"),
        "it carries today's date"
    );
    let bib = Bibliography::parse(&r.body).unwrap_or_else(|e| panic!("{e:?}\n{}", r.body));
    assert_eq!(bib.len(), 1);
    let entry = bib.iter().next().expect("one entry");
    assert_eq!(entry.key, format!("conflict-timeline-{EVENT}"));
    let field = |name: &str| {
        entry
            .get(name)
            .map(|c| c.format_verbatim())
            .unwrap_or_else(|| panic!("no {name}"))
    };
    assert!(
        field("title").contains("Azerbaijan launches a military operation in Nagorno-Karabakh"),
        "{}",
        field("title")
    );
    assert_eq!(field("url"), format!("{PUBLIC_URL}/events/{EVENT}"));
    assert_eq!(field("urldate"), today_iso());
    let note = field("note");
    assert!(note.contains("Nagorno-Karabakh conflict"), "{note}");
    assert!(note.contains("data version 1"), "{note}");
    let urls = source_urls(&app).await;
    assert!(!urls.is_empty());
    for url in urls {
        // The note is text: TeX escapes (`\_`, `\&`) read back as the characters.
        assert!(note.contains(&url), "{url} missing from {note}");
    }
}

/// A strict reading of RIS: every line `XX  - value` (two capitals or a capital and a
/// digit, two spaces, a hyphen, a space), CRLF endings, `TY` first and `ER` last.
fn parse_ris(text: &str) -> Vec<(String, String)> {
    assert!(text.ends_with("\r\n"), "CRLF line ends");
    let lines: Vec<&str> = text.trim_end_matches("\r\n").split("\r\n").collect();
    let tags: Vec<(String, String)> = lines
        .iter()
        .map(|line| {
            let bytes = line.as_bytes();
            assert!(
                bytes.len() >= 6
                    && bytes[0].is_ascii_uppercase()
                    && (bytes[1].is_ascii_uppercase() || bytes[1].is_ascii_digit())
                    && &line[2..6] == "  - ",
                "not a RIS line: {line:?}"
            );
            assert!(!line.contains('\n'), "{line:?}");
            (line[..2].to_string(), line[6..].to_string())
        })
        .collect();
    assert_eq!(tags.first().map(|t| t.0.as_str()), Some("TY"));
    assert_eq!(tags.last().map(|t| t.0.as_str()), Some("ER"));
    assert_eq!(tags.iter().filter(|t| t.0 == "ER").count(), 1);
    tags
}

#[tokio::test]
async fn an_event_cites_in_ris_by_its_grammar() {
    let app = TestApp::seeded().await;
    let r = app.get(&format!("/events/{EVENT}/cite.ris")).await;
    assert_eq!(r.status, StatusCode::OK);
    let tags = parse_ris(&r.body);
    let get = |tag: &str| {
        tags.iter()
            .find(|t| t.0 == tag)
            .map(|t| t.1.clone())
            .unwrap_or_else(|| panic!("no {tag}"))
    };
    assert_eq!(get("TY"), "ELEC");
    assert_eq!(get("UR"), format!("{PUBLIC_URL}/events/{EVENT}"));
    assert_eq!(get("Y2"), today_iso().replace('-', "/"));
    assert_eq!(get("T2"), "Nagorno-Karabakh conflict");
    assert_eq!(get("ET"), "data version 1");
    for url in source_urls(&app).await {
        assert!(get("N1").contains(&url), "{url}");
    }
}

#[tokio::test]
async fn citations_in_csl_json_match_the_csl_schema() {
    let app = TestApp::seeded().await;
    let schema: serde_json::Value = serde_json::from_str(CSL_SCHEMA).expect("schema JSON");
    let validator = jsonschema::draft7::new(&schema).expect("CSL schema compiles");
    for path in [
        format!("/events/{EVENT}/cite.json"),
        "/cite.json".to_string(),
    ] {
        let r = app.get(&path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        let body = r.json();
        let errors: Vec<String> = validator
            .iter_errors(&body)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{path}: {errors:#?}");
        assert_eq!(body.as_array().map(Vec::len), Some(1));
        assert_eq!(body[0]["version"], "1");
    }
    let event = app.get(&format!("/events/{EVENT}/cite.json")).await.json();
    assert_eq!(event[0]["URL"], format!("{PUBLIC_URL}/events/{EVENT}"));
    assert_eq!(event[0]["container-title"], "Nagorno-Karabakh conflict");
    let dataset = app.get("/cite.json").await.json();
    assert_eq!(dataset[0]["type"], "dataset");
    assert_eq!(dataset[0]["URL"], format!("{PUBLIC_URL}/"));
}

#[tokio::test]
async fn the_dataset_cites_in_every_format() {
    let app = TestApp::seeded().await;
    let bib = app.get("/cite.bib").await;
    let parsed = Bibliography::parse(&bib.body).unwrap_or_else(|e| panic!("{e:?}"));
    let entry = parsed.get("conflict-timeline").expect("the dataset entry");
    let note = entry
        .get("note")
        .map(|c| c.format_verbatim())
        .unwrap_or_default();
    assert!(note.contains("data version 1"), "{note}");
    assert!(note.contains("events"), "{note}");
    let ris = parse_ris(&app.get("/cite.ris").await.body);
    assert!(
        ris.iter()
            .any(|t| t == &("TY".to_string(), "DATA".to_string()))
    );
}

#[tokio::test]
async fn unknown_events_have_no_citation() {
    let app = TestApp::seeded().await;
    for ext in ["bib", "ris", "json"] {
        assert_eq!(
            app.get(&format!("/events/no-such-event/cite.{ext}"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn the_event_page_offers_the_citation_as_text_and_files() {
    let app = TestApp::seeded().await;
    let html = app.get(&format!("/events/{EVENT}")).await.html();
    let field = html
        .select(&sel("#cite-text"))
        .next()
        .expect("citation text");
    let text: String = field.text().collect();
    assert!(
        text.contains(&format!("{PUBLIC_URL}/events/{EVENT}")),
        "{text}"
    );
    assert!(text.contains("(accessed "), "{text}");
    assert!(text.contains("data version 1"), "{text}");
    let links: Vec<&str> = html
        .select(&sel(".cite__formats a"))
        .filter_map(|a| a.value().attr("href"))
        .collect();
    for ext in ["bib", "ris", "json"] {
        let href = format!("/events/{EVENT}/cite.{ext}");
        assert!(links.contains(&href.as_str()), "{links:?}");
        assert_eq!(app.get(&href).await.status, StatusCode::OK);
    }
    assert!(links.contains(&"/cite.bib"));
}
