//! The JSON API: pages that add up to the whole timeline, the same filters as the HTML
//! view, full events, problem documents for every mistake, CORS on `/api/` only, and an
//! OpenAPI document that the real responses satisfy.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::harness::{MONTH_PRECISION, PUBLIC_URL, TestApp, bundled_events, card_slugs, sel};

/// The bundled events' slugs in timeline order, read from the data file: by earliest day,
/// then latest day, then file order (the order the importer gives them ids in).
fn timeline_order() -> Vec<String> {
    let mut events = bundled_events();
    events.sort_by_key(|e| (e.date.earliest(), e.date.latest()));
    events.into_iter().map(|e| e.slug).collect()
}

fn slugs(page: &Value) -> Vec<String> {
    page["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["slug"].as_str().expect("slug").to_string())
        .collect()
}

#[tokio::test]
async fn walking_every_page_returns_each_event_once_in_timeline_order() {
    let app = TestApp::seeded().await;
    let expected = timeline_order();
    let mut seen = Vec::new();
    let mut url = "/api/events?limit=7".to_string();
    let mut pages = 0;
    loop {
        let response = app.get(&url).await;
        assert_eq!(response.status, StatusCode::OK, "{url}");
        let page = response.json();
        assert_eq!(page["total"], json!(expected.len()), "{url}");
        let on_page = slugs(&page);
        assert!(on_page.len() <= 7, "{url}: {} events", on_page.len());
        seen.extend(on_page);
        pages += 1;
        match page["next_url"].as_str() {
            Some(next) => {
                assert_eq!(
                    page["next"]
                        .as_str()
                        .map(|c| next.ends_with(&format!("after={c}"))),
                    Some(true),
                    "next_url carries the next cursor"
                );
                url = next
                    .strip_prefix(PUBLIC_URL)
                    .expect("next_url is absolute on the public URL")
                    .to_string();
            }
            None => {
                assert_eq!(page["next"], Value::Null);
                break;
            }
        }
        assert!(pages < 100, "the walk ends");
    }
    assert_eq!(seen, expected);
    assert_eq!(pages, expected.len().div_ceil(7));
}

#[tokio::test]
async fn the_api_keeps_the_same_events_as_the_html_view() {
    let app = TestApp::seeded().await;
    for query in [
        "from=2020-09&to=2020-11",
        "category=ceasefire",
        "actor=russian-peacekeeping-contingent",
        "category=military&category=ceasefire&from=1992",
        "q=peacekeepers",
        "q=lachin&from=2022",
        "actor=azerbaijan&q=ceasefire",
    ] {
        let api = app.get(&format!("/api/events?{query}&limit=500")).await;
        assert_eq!(api.status, StatusCode::OK, "{query}");
        let api = api.json();
        let from_api: BTreeSet<String> = slugs(&api).into_iter().collect();
        let html = app.get(&format!("/?{query}")).await;
        assert_eq!(html.status, StatusCode::OK, "{query}");
        let from_html: BTreeSet<String> = card_slugs(&html.html()).into_iter().collect();
        assert!(!from_api.is_empty(), "{query} keeps some events");
        assert_eq!(from_api, from_html, "{query}");
        assert_eq!(api["total"], json!(from_api.len()), "{query}");
    }
}

#[tokio::test]
async fn an_event_in_full_has_its_sources_actors_and_related_events() {
    let app = TestApp::seeded().await;
    let response = app
        .get("/api/events/2023-09-20-russian-peacekeepers-killed")
        .await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.header("content-type"), Some("application/json"));
    let event = &response.json()["event"];
    assert_eq!(event["slug"], "2023-09-20-russian-peacekeepers-killed");
    assert_eq!(
        event["url"],
        format!("{PUBLIC_URL}/events/2023-09-20-russian-peacekeepers-killed")
    );
    assert_eq!(event["conflict"], "nagorno-karabakh");
    assert_eq!(
        event["date"],
        json!({ "edtf": "2023-09-20", "label": null, "words": "20 September 2023",
                "earliest": "2023-09-20", "latest": "2023-09-20" })
    );
    let sources = event["sources"].as_array().expect("sources");
    assert!(!sources.is_empty());
    assert!(sources.iter().all(|s| s["title"].is_string()));
    assert!(
        sources
            .iter()
            .any(|s| s["url"].as_str().is_some_and(|u| u.starts_with("https://")))
    );
    let actors = event["actors"].as_array().expect("actors");
    assert_eq!(
        actors[0],
        json!({ "slug": "russian-peacekeeping-contingent", "name": "Russian peacekeeping contingent" })
    );
    let related = event["related"].as_array().expect("related");
    assert!(
        related
            .iter()
            .any(|r| r["slug"] == "2023-09-21-aliyev-apologises-to-putin"
                && r["direction"] == "incoming"),
        "{related:?}"
    );
    assert!(event["body"].is_string());
}

#[tokio::test]
async fn month_precision_dates_carry_their_label_and_bounds() {
    let app = TestApp::with_dataset(MONTH_PRECISION).await;
    let page = app
        .get("/api/events?from=2023-03&to=2023-03&limit=500")
        .await
        .json();
    let call = page["events"]
        .as_array()
        .expect("events")
        .iter()
        .find(|e| e["slug"] == "2023-03-putin-aliyev-phone-call")
        .expect("the phone call is in March 2023")
        .clone();
    assert_eq!(
        call["date"],
        json!({ "edtf": "2023-03~", "label": "mid-March 2023", "words": "mid-March 2023",
                "earliest": "2023-03-01", "latest": "2023-03-31" })
    );
    assert_eq!(call["coordinates"], Value::Null);
    assert!(call.get("body").is_none(), "lists leave the body out");
}

#[tokio::test]
async fn bad_parameters_are_problem_documents_naming_them() {
    let app = TestApp::seeded().await;
    let cases = [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("limit=abc", "limit"),
        ("from=1988-13", "from"),
        ("after=not-a-cursor", "after"),
        ("page=2", "page"),
        ("q=%F0%9F%99%82", "q"),
        ("category=Not%20A%20Slug", "category"),
    ];
    for (query, parameter) in cases {
        let response = app.get(&format!("/api/events?{query}")).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(
            response.header("content-type"),
            Some("application/problem+json"),
            "{query}"
        );
        let problem = response.json();
        assert_eq!(problem["status"], 400, "{query}");
        assert_eq!(problem["title"], "Bad Request", "{query}");
        assert_eq!(problem["type"], "about:blank", "{query}");
        let errors = problem["errors"].as_array().expect("errors");
        assert_eq!(errors.len(), 1, "{query}: {errors:?}");
        assert_eq!(errors[0]["parameter"], parameter, "{query}");
        assert!(errors[0]["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let problem = app.get("/api/events?limit=0&from=1988-13").await.json();
    let named: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["parameter"].as_str())
        .collect();
    assert_eq!(named, ["from", "limit"], "every bad parameter is named");
}

#[tokio::test]
async fn unknown_events_and_paths_are_404_problem_documents() {
    let app = TestApp::seeded().await;
    for path in [
        "/api/events/no-such-event",
        "/api/events/NOT%20A%20SLUG",
        "/api/events/%FF",
        "/api/nothing-here",
        "/api/events/a/b",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(
            response.header("content-type"),
            Some("application/problem+json"),
            "{path}"
        );
        let problem = response.json();
        assert_eq!(problem["status"], 404, "{path}");
        assert_eq!(problem["title"], "Not Found", "{path}");
    }
}

#[tokio::test]
async fn cors_allows_any_origin_on_the_api_only() {
    let app = TestApp::seeded().await;
    for path in [
        "/api/events",
        "/api/events/1988-02-20-oblast-soviet-asks-for-transfer-to-armenia",
        "/api/conflicts",
        "/api/openapi.json",
        "/api/events?limit=0",
        "/api/nothing-here",
    ] {
        assert_eq!(
            app.get(path).await.header("access-control-allow-origin"),
            Some("*"),
            "{path}"
        );
    }
    for path in [
        "/",
        "/events/2023-09-19-azerbaijani-military-operation",
        "/export/events.csv",
    ] {
        assert_eq!(
            app.get(path).await.header("access-control-allow-origin"),
            None,
            "{path}"
        );
    }
}

#[tokio::test]
async fn conflicts_list_their_eras_and_event_counts() {
    let app = TestApp::seeded().await;
    let response = app.get("/api/conflicts").await;
    assert_eq!(response.status, StatusCode::OK);
    let body = response.json();
    let conflicts = body["conflicts"].as_array().expect("conflicts");
    assert_eq!(conflicts.len(), 1);
    let c = &conflicts[0];
    assert_eq!(c["slug"], "nagorno-karabakh");
    assert_eq!(c["events"], json!(bundled_events().len()));
    let eras = c["eras"].as_array().expect("eras");
    assert!(eras.iter().any(|e| e["slug"] == "second-war"
        && e["date"]["earliest"] == "2020-09-27"
        && e["date"]["latest"] == "2020-11-10"));
    assert!(
        eras.iter().any(|e| e["date"]["latest"].is_null()),
        "an open era has no latest day"
    );
}

#[tokio::test]
async fn html_pages_link_their_json_twins() {
    let app = TestApp::seeded().await;
    let html = app.get("/?category=military&from=1992").await.html();
    let twin = html
        .select(&sel(r#"link[rel="alternate"][type="application/json"]"#))
        .next()
        .expect("JSON alternate");
    assert_eq!(
        twin.value().attr("href"),
        Some("/api/events?from=1992&category=military")
    );
    let html = app
        .get("/events/2023-09-19-azerbaijani-military-operation")
        .await
        .html();
    let twin = html
        .select(&sel(r#"link[rel="alternate"][type="application/json"]"#))
        .next()
        .expect("JSON alternate");
    let href = twin.value().attr("href").expect("href");
    assert_eq!(
        href,
        "/api/events/2023-09-19-azerbaijani-military-operation"
    );
    assert_eq!(app.get(href).await.status, StatusCode::OK);
}

/// The schema of one response in the OpenAPI document, made a standalone JSON Schema by
/// carrying the document's components along so that `$ref`s resolve.
pub fn response_schema(doc: &Value, path: &str, status: &str, media_type: &str) -> Value {
    let schema =
        doc["paths"][path]["get"]["responses"][status]["content"][media_type]["schema"].clone();
    assert!(
        schema.is_object(),
        "no schema for GET {path} {status} {media_type}"
    );
    let mut root = json!({ "components": doc["components"].clone() });
    if let (Some(root), Some(schema)) = (root.as_object_mut(), schema.as_object()) {
        root.extend(schema.clone());
    }
    root
}

#[tokio::test]
async fn real_responses_match_the_openapi_document() {
    let app = TestApp::seeded().await;
    let response = app.get("/api/openapi.json").await;
    assert_eq!(response.status, StatusCode::OK);
    let doc = response.json();
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "{}",
        doc["openapi"]
    );
    assert_eq!(doc["servers"][0]["url"], PUBLIC_URL);

    let cases = [
        ("/api/events", "/api/events", "200", "application/json"),
        (
            "/api/events?limit=3&q=peacekeepers",
            "/api/events",
            "200",
            "application/json",
        ),
        (
            "/api/events?limit=0",
            "/api/events",
            "400",
            "application/problem+json",
        ),
        (
            "/api/events/2023-09-20-russian-peacekeepers-killed",
            "/api/events/{slug}",
            "200",
            "application/json",
        ),
        (
            "/api/events/2023-03-putin-aliyev-phone-call",
            "/api/events/{slug}",
            "200",
            "application/json",
        ),
        (
            "/api/events/no-such-event",
            "/api/events/{slug}",
            "404",
            "application/problem+json",
        ),
        (
            "/api/conflicts",
            "/api/conflicts",
            "200",
            "application/json",
        ),
        (
            "/export/timelinejs.json",
            "/export/timelinejs.json",
            "200",
            "application/json",
        ),
        (
            "/api/histogram?from=2020&to=2020&buckets=12",
            "/api/histogram",
            "200",
            "application/json",
        ),
        (
            "/api/histogram?buckets=5000",
            "/api/histogram",
            "400",
            "application/problem+json",
        ),
    ];
    for (url, path, status, media_type) in cases {
        let schema = response_schema(&doc, path, status, media_type);
        let validator = jsonschema::draft202012::new(&schema)
            .unwrap_or_else(|err| panic!("{path} {status}: bad schema: {err}"));
        let response = app.get(url).await;
        assert_eq!(response.status.as_str(), status, "{url}");
        let body = response.json();
        let errors: Vec<String> = validator
            .iter_errors(&body)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{url}: {errors:#?}");
    }
}

#[tokio::test]
async fn every_documented_path_is_served() {
    let app = TestApp::seeded().await;
    let doc = app.get("/api/openapi.json").await.json();
    let paths = doc["paths"].as_object().expect("paths");
    assert!(paths.len() >= 8, "{:?}", paths.keys());
    for (path, item) in paths {
        let slug = if path.starts_with("/api/places/") {
            "shusha"
        } else {
            "1988-02-20-oblast-soviet-asks-for-transfer-to-armenia"
        };
        let mut url = path.replace("{slug}", slug);
        // A required query parameter (oEmbed's `url`) takes its documented example.
        let required: Vec<String> = item["get"]["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "query" && p["required"] == true)
            .map(|p| {
                let value = p["example"]
                    .as_str()
                    .expect("a required parameter has an example");
                serde_urlencoded::to_string([(p["name"].as_str().unwrap_or(""), value)])
                    .expect("encodes")
            })
            .collect();
        if !required.is_empty() {
            url = format!("{url}?{}", required.join("&"));
        }
        assert_eq!(app.get(&url).await.status, StatusCode::OK, "{url}");
    }
}

#[tokio::test]
async fn a_closed_schema_catches_an_undocumented_field() {
    // The check above is only worth something if the schemas are closed: prove that an
    // extra key in a real response would fail.
    let app = TestApp::seeded().await;
    let doc = app.get("/api/openapi.json").await.json();
    let schema = response_schema(&doc, "/api/conflicts", "200", "application/json");
    let validator = jsonschema::draft202012::new(&schema).expect("schema");
    let mut body = app.get("/api/conflicts").await.json();
    assert!(validator.is_valid(&body));
    body["conflicts"][0]["undocumented"] = json!(1);
    assert!(!validator.is_valid(&body));
}
