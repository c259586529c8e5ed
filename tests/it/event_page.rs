//! Event pages: permalinks, sources, relations, neighbours, share metadata, and 404s.

use axum::http::StatusCode;

use crate::harness::{
    MONTH_PRECISION, PUBLIC_URL, TestApp, bundled_events, card_slugs, sel, text, texts,
};

#[tokio::test]
async fn every_permalink_resolves_and_shows_its_sources() {
    let app = TestApp::seeded().await;
    let timeline = app.get("/").await.html();
    let events = bundled_events();
    for slug in card_slugs(&timeline) {
        let page = app.get(&format!("/events/{slug}")).await;
        assert_eq!(page.status, StatusCode::OK, "{slug}");
        let html = page.html();
        let expected = events.iter().find(|e| e.slug == slug).expect("bundled");
        assert_eq!(
            texts(&html, "h1"),
            std::slice::from_ref(&expected.title),
            "{slug}"
        );
        let sources: Vec<_> = html
            .select(&sel("section.sources li a[href^='http']"))
            .collect();
        assert!(!sources.is_empty(), "{slug} cites a source");
        for a in sources {
            assert_eq!(a.value().attr("rel"), Some("noopener noreferrer nofollow"));
        }
    }
}

#[tokio::test]
async fn an_event_page_shows_date_precision_place_actors_and_body() {
    let month = TestApp::with_dataset(MONTH_PRECISION).await;
    let html = month
        .get("/events/2023-03-putin-aliyev-phone-call")
        .await
        .html();
    let time = html.select(&sel(".event__date time")).next().expect("date");
    assert_eq!(text(time), "mid-March 2023");
    assert_eq!(time.value().attr("datetime"), Some("2023-03"));
    assert!(texts(&html, ".event__precision")[0].contains("known to the month"));
    assert!(texts(&html, ".facts dd code").contains(&"2023-03~".to_string()));

    let app = TestApp::seeded().await;
    let html = app
        .get("/events/2020-11-09-trilateral-ceasefire-statement")
        .await
        .html();
    let actors = texts(&html, ".facts .inline-list a");
    assert!(actors.len() >= 2, "{actors:?}");
    assert!(
        html.select(&sel(".prose p")).next().is_some(),
        "the Markdown body is rendered"
    );
}

#[tokio::test]
async fn related_events_are_linked_both_ways() {
    let app = TestApp::seeded().await;
    // The ceasefire statement ends the fighting that began on 27 September 2020.
    let statement = app
        .get("/events/2020-11-09-trilateral-ceasefire-statement")
        .await
        .html();
    let links: Vec<(String, String)> = statement
        .select(&sel("section.related li"))
        .map(|li| {
            (
                text(li),
                li.select(&sel("a"))
                    .next()
                    .and_then(|a| a.value().attr("href"))
                    .unwrap_or("")
                    .to_string(),
            )
        })
        .collect();
    assert!(
        links.iter().any(|(t, href)| t.starts_with("Ends:")
            && href == "/events/2020-09-27-second-karabakh-war-begins"),
        "{links:?}"
    );
    let war = app
        .get("/events/2020-09-27-second-karabakh-war-begins")
        .await
        .html();
    let back: Vec<String> = texts(&war, "section.related li");
    assert!(back.iter().any(|t| t.starts_with("Ended by:")), "{back:?}");
}

#[tokio::test]
async fn previous_and_next_follow_timeline_order() {
    let app = TestApp::seeded().await;
    let order = card_slugs(&app.get("/").await.html());
    for window in order.windows(2) {
        let html = app.get(&format!("/events/{}", window[0])).await.html();
        let next = html
            .select(&sel(".neighbours a[rel=next]"))
            .next()
            .expect("next link");
        assert_eq!(
            next.value().attr("href"),
            Some(format!("/events/{}", window[1]).as_str())
        );
        let html = app.get(&format!("/events/{}", window[1])).await.html();
        let prev = html
            .select(&sel(".neighbours a[rel=prev]"))
            .next()
            .expect("previous link");
        assert_eq!(
            prev.value().attr("href"),
            Some(format!("/events/{}", window[0]).as_str())
        );
    }
    let first = app.get(&format!("/events/{}", order[0])).await.html();
    assert!(
        first
            .select(&sel(".neighbours a[rel=prev]"))
            .next()
            .is_none()
    );
}

#[tokio::test]
async fn an_event_links_back_to_its_place_on_the_timeline() {
    let app = TestApp::seeded().await;
    let slug = "1992-05-08-armenian-forces-take-shusha";
    let html = app.get(&format!("/events/{slug}")).await.html();
    let back = html
        .select(&sel("nav.breadcrumb a"))
        .next()
        .expect("back link");
    let href = back.value().attr("href").expect("href");
    assert_eq!(href, format!("/?from=1992&to=1992#{slug}"));
    let timeline = app.get(href.split('#').next().expect("path")).await.html();
    assert!(
        card_slugs(&timeline).contains(&slug.to_string()),
        "the anchor exists on that view"
    );
}

#[tokio::test]
async fn share_metadata_is_canonical_open_graph_and_json_ld() {
    let app = TestApp::seeded().await;
    let slug = "2023-09-19-azerbaijani-military-operation";
    let html = app.get(&format!("/events/{slug}")).await.html();
    let canonical = html
        .select(&sel("link[rel=canonical]"))
        .next()
        .expect("canonical");
    assert_eq!(
        canonical.value().attr("href"),
        Some(format!("{PUBLIC_URL}/events/{slug}").as_str())
    );
    let og_title = html
        .select(&sel("meta[property='og:title']"))
        .next()
        .expect("og:title");
    assert!(
        og_title
            .value()
            .attr("content")
            .unwrap_or("")
            .contains("19 September 2023")
    );
    let script = html
        .select(&sel("script[type='application/ld+json']"))
        .next()
        .expect("JSON-LD");
    let ld: serde_json::Value = serde_json::from_str(&script.inner_html()).expect("valid JSON");
    assert_eq!(ld["@type"], "Event");
    assert_eq!(ld["startDate"], "2023-09-19");
    assert_eq!(ld["url"], format!("{PUBLIC_URL}/events/{slug}"));
}

#[tokio::test]
async fn an_unknown_slug_is_a_404_page_in_the_site_layout() {
    let app = TestApp::seeded().await;
    for path in [
        "/events/no-such-event",
        "/events/Not%20A%20Slug",
        "/events/%FF%FE",
        "/no/such/page",
    ] {
        let page = app.get(path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        let html = page.html();
        assert_eq!(texts(&html, "h1"), ["Not found"], "{path}");
        assert!(
            html.select(&sel("header.site-header")).next().is_some(),
            "{path} has the layout"
        );
        assert!(
            html.select(&sel("main a[href='/']")).next().is_some(),
            "{path} offers a way back"
        );
    }
}

#[tokio::test]
async fn markdown_bodies_are_sanitised() {
    let app = TestApp::with_dataset(
        r#"format = "conflict-timeline/1"
[[conflicts]]
slug = "x"
name = "X"
[[events]]
slug = "hostile"
date = "2001"
title = "<script>alert(1)</script>"
category = "political"
place = "<img src=x onerror=alert(2)>"
body = """
<script>alert(3)</script>
[click](javascript:alert(4)) <svg onload=alert(5)></svg>
"""
[[events.sources]]
title = "<b>t</b>"
url = "https://example.org/?q=<script>"
"#,
    )
    .await;
    let page = app.get("/events/hostile").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.html();
    assert_eq!(
        html.select(&sel("script:not([type='application/ld+json']):not([src])"))
            .count(),
        0
    );
    assert_eq!(
        html.select(&sel("svg, img, [onerror], [onload], a[href^='javascript']"))
            .count(),
        0
    );
    assert_eq!(
        texts(&html, "h1"),
        ["<script>alert(1)</script>"],
        "the title is shown as text"
    );
    let ld = html
        .select(&sel("script[type='application/ld+json']"))
        .next()
        .expect("JSON-LD");
    assert!(
        !ld.inner_html().contains("</script"),
        "JSON-LD cannot close its element"
    );
}
