//! HTTP caching: ETags that follow the data version, 304 on revalidation, Cache-Control
//! per kind of response, and precompressed static files.

use std::io::Read;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use conflict_timeline::import::{self, ImportOptions};

use crate::harness::{TestApp, text_input};

const DATASET: &str = r#"format = "conflict-timeline/1"
[[conflicts]]
slug = "c"
name = "C"

[[events]]
slug = "first"
date = "2001-01-01"
title = "First"
category = "political"
[[events.sources]]
title = "A report"
"#;

async fn get_with(
    app: &TestApp,
    uri: &str,
    name: &str,
    value: &str,
) -> crate::harness::TestResponse {
    let request = Request::get(uri)
        .header(name, value)
        .body(Body::empty())
        .expect("request");
    app.send(request).await
}

#[tokio::test]
async fn pages_api_and_exports_carry_one_etag_and_answer_304_to_it() {
    let app = TestApp::seeded().await;
    let first = app.get("/").await;
    let etag = first
        .header("etag")
        .expect("the timeline has an ETag")
        .to_string();
    assert!(etag.starts_with("W/\""), "{etag}");
    for uri in [
        "/?from=2020",
        "/events/1988-02-20-oblast-soviet-asks-for-transfer-to-armenia",
        "/api/events?limit=2",
        "/api/histogram",
        "/export/events.csv",
    ] {
        let full = app.get(uri).await;
        assert_eq!(full.status, StatusCode::OK, "{uri}");
        assert_eq!(full.header("etag"), Some(etag.as_str()), "{uri}");
        assert!(
            full.header("cache-control")
                .is_some_and(|c| c.contains("max-age=")),
            "{uri}: {:?}",
            full.header("cache-control")
        );
        let again = get_with(&app, uri, "if-none-match", &etag).await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{uri}");
        assert!(again.body.is_empty(), "{uri}: a 304 has no body");
        assert_eq!(again.header("etag"), Some(etag.as_str()), "{uri}");
        let other = get_with(&app, uri, "if-none-match", "W/\"0-stale\"").await;
        assert_eq!(
            other.status,
            StatusCode::OK,
            "{uri}: a stale tag gets the page"
        );
        assert!(!other.body.is_empty());
    }
}

#[tokio::test]
async fn an_import_that_changes_data_changes_the_etag() {
    let app = TestApp::with_dataset(DATASET).await;
    let before = app.get("/").await.header("etag").expect("etag").to_string();
    // The same data again: nothing changes, neither does the tag.
    import::import(
        &app.rw,
        &[text_input("same.toml", DATASET)],
        ImportOptions::default(),
    )
    .await
    .expect("import");
    assert_eq!(app.get("/").await.header("etag"), Some(before.as_str()));
    let changed = DATASET.replace("title = \"First\"", "title = \"First, renamed\"");
    import::import(
        &app.rw,
        &[text_input("changed.toml", &changed)],
        ImportOptions::default(),
    )
    .await
    .expect("import");
    let response = get_with(&app, "/", "if-none-match", &before).await;
    assert_eq!(
        response.status,
        StatusCode::OK,
        "the old tag no longer matches"
    );
    assert!(response.body.contains("First, renamed"));
    assert_ne!(response.header("etag"), Some(before.as_str()));
}

#[tokio::test]
async fn errors_and_probes_are_not_stored() {
    let app = TestApp::seeded().await;
    for uri in [
        "/events/no-such-event",
        "/?from=1988-13",
        "/api/events?limit=0",
        "/healthz",
        "/readyz",
    ] {
        let response = app.get(uri).await;
        assert_eq!(response.header("cache-control"), Some("no-store"), "{uri}");
        assert_eq!(response.header("etag"), None, "{uri}");
    }
}

#[tokio::test]
async fn static_files_come_precompressed_in_the_best_accepted_encoding() {
    let app = TestApp::seeded().await;
    let page = app.get("/").await.body;
    let css = page
        .split('"')
        .find(|s| s.starts_with("/static/app.") && s.ends_with(".css"))
        .expect("stylesheet link")
        .to_string();
    let plain = app.get(&css).await;
    assert_eq!(plain.header("content-encoding"), None);
    assert!(
        plain.body.contains("--accent"),
        "identity is the stylesheet itself"
    );

    let request = Request::get(&css)
        .header("accept-encoding", "gzip, br")
        .body(Body::empty())
        .expect("request");
    let response = app.send_raw(request).await;
    assert_eq!(
        response
            .0
            .get("content-encoding")
            .and_then(|v| v.to_str().ok()),
        Some("br")
    );
    let mut decoded = String::new();
    brotli::Decompressor::new(response.1.as_slice(), 4096)
        .read_to_string(&mut decoded)
        .expect("valid brotli");
    assert_eq!(decoded, plain.body);
    assert!(response.1.len() < plain.body.len() / 2, "compressed well");

    let request = Request::get(&css)
        .header("accept-encoding", "gzip")
        .body(Body::empty())
        .expect("request");
    let response = app.send_raw(request).await;
    assert_eq!(
        response
            .0
            .get("content-encoding")
            .and_then(|v| v.to_str().ok()),
        Some("gzip")
    );
    let mut decoded = String::new();
    flate2::read::GzDecoder::new(response.1.as_slice())
        .read_to_string(&mut decoded)
        .expect("valid gzip");
    assert_eq!(decoded, plain.body);
    assert_eq!(
        response
            .0
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("public, max-age=31536000, immutable")
    );
}

#[tokio::test]
async fn a_kept_page_is_answered_in_the_encoding_each_client_asked_for() {
    let app = TestApp::seeded().await;
    let brotli_request = || {
        Request::get("/?from=2020")
            .header("accept-encoding", "br")
            .body(Body::empty())
            .expect("request")
    };
    let (first_headers, first) = app.send_raw(brotli_request()).await;
    let (again_headers, again) = app.send_raw(brotli_request()).await;
    assert_eq!(
        first_headers
            .get("content-encoding")
            .and_then(|v| v.to_str().ok()),
        Some("br")
    );
    assert_eq!(first, again, "the second answer is the first, kept");
    assert_eq!(
        again_headers
            .get("content-encoding")
            .and_then(|v| v.to_str().ok()),
        Some("br")
    );
    // A client that accepts no compression never gets the kept brotli bytes.
    let plain = app.get("/?from=2020").await;
    assert_eq!(plain.header("content-encoding"), None);
    let mut decoded = String::new();
    brotli::Decompressor::new(first.as_slice(), 4096)
        .read_to_string(&mut decoded)
        .expect("brotli");
    assert_eq!(decoded, plain.body);
    assert!(plain.body.contains("<!doctype html>"));
}

/// Issue 14, item 7: a conditional request is answered 304 only where the answer would
/// have been 200. A missing page or a bad parameter is reported as such, whatever tag the
/// client holds, and is not stored.
#[tokio::test]
async fn a_conditional_request_for_an_error_gets_the_error_not_304() {
    let app = TestApp::seeded().await;
    let current = app.get("/").await.header("etag").expect("etag").to_string();
    for (uri, status) in [
        ("/events/no-such-event", StatusCode::NOT_FOUND),
        ("/no/such/page", StatusCode::NOT_FOUND),
        ("/?from=1988-13", StatusCode::BAD_REQUEST),
        ("/api/events?limit=0", StatusCode::BAD_REQUEST),
        ("/api/events/no-such-event", StatusCode::NOT_FOUND),
        ("/api/no-such-resource", StatusCode::NOT_FOUND),
        ("/export/events.csv?from=1988-13", StatusCode::BAD_REQUEST),
        ("/static/no-such-file.css", StatusCode::NOT_FOUND),
    ] {
        for tag in ["*", current.as_str()] {
            let response = get_with(&app, uri, "if-none-match", tag).await;
            assert_eq!(response.status, status, "{uri} with If-None-Match: {tag}");
            assert!(!response.body.is_empty(), "{uri}: the error is explained");
            assert_eq!(response.header("cache-control"), Some("no-store"), "{uri}");
            assert_eq!(response.header("etag"), None, "{uri}");
        }
    }
    // And what would be 200 still is 304 to `*`.
    let response = get_with(&app, "/api/conflicts", "if-none-match", "*").await;
    assert_eq!(response.status, StatusCode::NOT_MODIFIED);
}

/// Each kind of route carries its own policy: pages and the API are revalidated, static
/// files are immutable, probes and redirects are never stored.
#[tokio::test]
async fn each_route_answers_with_its_cache_policy() {
    let app = TestApp::seeded().await;
    let page = "public, max-age=60, stale-while-revalidate=60";
    let asset = app
        .get("/")
        .await
        .body
        .split("href=\"/static/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(|file| format!("/static/{file}"))
        .expect("the page links its stylesheet");
    for (uri, cache_control, has_etag) in [
        ("/", page, true),
        ("/api/conflicts", page, true),
        ("/api/openapi.json", page, true),
        ("/export/events.ics", page, true),
        (asset.as_str(), "public, max-age=31536000, immutable", false),
        ("/search?q=x", "no-store", false),
        ("/healthz", "no-store", false),
    ] {
        let response = app.get(uri).await;
        assert_eq!(
            response.header("cache-control"),
            Some(cache_control),
            "{uri}"
        );
        assert_eq!(response.header("etag").is_some(), has_etag, "{uri}");
    }
}
