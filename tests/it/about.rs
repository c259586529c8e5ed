//! `/about`: the page answers, shows the bundled dataset's version and licence as the file
//! itself states them, and every page's footer links to it.

use axum::http::StatusCode;
use conflict_timeline::import;

use crate::harness::{PUBLIC_URL, TestApp, bundled_events, sel, text};

/// The header keys as an independent reading of the bundled file gives them.
fn bundled_header(key: &str) -> String {
    let value: toml::Value = toml::from_str(import::BUNDLED_DATASET).expect("bundled TOML");
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("the bundled file states its {key}"))
        .to_string()
}

#[tokio::test]
async fn the_about_page_shows_the_dataset_version_and_licence() {
    let app = TestApp::seeded().await;
    let response = app.get("/about").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(
        response.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let html = response.html();
    let one = |selector: &str| {
        html.select(&sel(selector))
            .next()
            .map(text)
            .unwrap_or_else(|| panic!("{selector}"))
    };
    assert_eq!(one("h1"), "How this chronology is made");
    assert_eq!(one("[data-dataset-version]"), bundled_header("version"));
    assert_eq!(one("[data-dataset-licence]"), bundled_header("licence"));
    assert_eq!(bundled_header("licence"), "CC-BY-4.0");
    let canonical = html
        .select(&sel("link[rel=canonical]"))
        .next()
        .and_then(|l| l.value().attr("href"));
    assert_eq!(canonical, Some(format!("{PUBLIC_URL}/about").as_str()));
    // Each question the page answers has its own section.
    for id in ["sources", "dates", "names", "figures", "licence", "errors"] {
        assert!(
            html.select(&sel(&format!("h2#{id}"))).next().is_some(),
            "section {id}"
        );
    }
}

#[tokio::test]
async fn every_page_links_to_the_about_page_from_its_footer() {
    let app = TestApp::seeded().await;
    let event = &bundled_events()[0].slug;
    for (path, status) in [
        ("/".to_string(), StatusCode::OK),
        ("/?category=military".to_string(), StatusCode::OK),
        (format!("/events/{event}"), StatusCode::OK),
        ("/about".to_string(), StatusCode::OK),
        ("/no-such-page".to_string(), StatusCode::NOT_FOUND),
        ("/?from=not-a-date".to_string(), StatusCode::BAD_REQUEST),
    ] {
        let response = app.get(&path).await;
        assert_eq!(response.status, status, "{path}");
        let html = response.html();
        let links: Vec<_> = html
            .select(&sel("footer.site-footer a[href='/about']"))
            .collect();
        assert_eq!(links.len(), 1, "{path} has one footer link to /about");
    }
}
