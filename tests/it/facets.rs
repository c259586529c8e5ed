//! Facets on the timeline (category, actor, place, conflict: counts for the view, links
//! that add or remove a filter, OR within a facet and AND across facets) and the histogram
//! endpoint that draws an overview of any view.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use scraper::Html;

use crate::harness::{TestApp, card_slugs, sel, text};

/// Facet values of a page: facet heading → [(label, count, href, active)].
type Facets = BTreeMap<String, Vec<(String, Option<i64>, String, bool)>>;

fn facets(html: &Html) -> Facets {
    let mut out = Facets::new();
    for facet in html.select(&sel(".facets .facet")) {
        let name = facet
            .select(&sel(".facet__name"))
            .next()
            .map(text)
            .expect("facet name");
        let values = facet
            .select(&sel("a.facet__value"))
            .map(|a| {
                let label = a
                    .select(&sel(".facet__label"))
                    .next()
                    .map(text)
                    .expect("label");
                let count = a.select(&sel(".facet__count")).next().map(|c| {
                    text(c)
                        .replace(',', "")
                        .parse::<i64>()
                        .expect("count is a number")
                });
                let href = a.value().attr("href").expect("href").to_string();
                let active = a.value().attr("aria-current") == Some("true");
                (label, count, href, active)
            })
            .collect();
        out.insert(name, values);
    }
    out
}

/// How many events a view lists, read from its JSON twin's total.
async fn total(app: &TestApp, query: &str) -> i64 {
    let body = app.get(&format!("/api/events?{query}")).await.json();
    body["total"].as_i64().expect("total")
}

fn pairs(query: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str(query).expect("query string")
}

#[tokio::test]
async fn every_count_is_the_number_of_events_its_value_has_in_the_view() {
    let app = TestApp::seeded().await;
    for view in ["", "from=2020&to=2021", "from=2023&category=military"] {
        let page = app.get(&format!("/?{view}")).await;
        assert_eq!(page.status, StatusCode::OK);
        let facets = facets(&page.html());
        assert!(facets.contains_key("Category"), "{view}: {facets:?}");
        assert!(facets.contains_key("Actor"), "{view}: {facets:?}");
        let view_pairs = pairs(view);
        for (name, values) in &facets {
            for (label, count, href, active) in values {
                if *active {
                    continue;
                }
                let count = count.unwrap_or_else(|| panic!("{view} {name} {label}: no count"));
                assert!(count > 0, "{view} {name} {label}");
                // The link adds exactly one filter value to the view…
                let href_pairs = pairs(href.strip_prefix("/?").expect("stays on the timeline"));
                let added: Vec<&(String, String)> = href_pairs
                    .iter()
                    .filter(|p| !view_pairs.contains(p))
                    .collect();
                assert_eq!(added.len(), 1, "{view} → {href}");
                let (key, value) = added[0];
                // …and the count is how many events of the view, less this facet's own
                // filter (values of a facet combine with OR), have that value.
                let mut alone: Vec<(String, String)> = view_pairs
                    .iter()
                    .filter(|(k, _)| k != key)
                    .cloned()
                    .collect();
                alone.push((key.clone(), value.clone()));
                let query = serde_urlencoded::to_string(&alone).expect("encode");
                assert_eq!(total(&app, &query).await, count, "{view} {name} {label}");
            }
        }
    }
}

#[tokio::test]
async fn values_of_one_facet_combine_with_or_and_facets_with_and() {
    let app = TestApp::seeded().await;
    let military = total(&app, "category=military").await;
    let diplomatic = total(&app, "category=diplomatic").await;
    let either = total(&app, "category=military&category=diplomatic").await;
    assert!(military > 0 && diplomatic > 0);
    assert_eq!(either, military + diplomatic, "an event has one category");

    let russia = total(&app, "actor=russia").await;
    let both = total(&app, "actor=russia&category=diplomatic").await;
    assert!(
        both > 0,
        "the dataset has diplomatic events involving Russia"
    );
    assert!(
        both < russia && both < diplomatic,
        "{both} {russia} {diplomatic}"
    );

    // The page lists exactly the events the API counts.
    let page = app.get("/?actor=russia&category=diplomatic").await.html();
    assert_eq!(card_slugs(&page).len() as i64, both);
}

#[tokio::test]
async fn an_active_value_links_back_to_the_view_without_it() {
    let app = TestApp::seeded().await;
    let page = app.get("/?from=2020&category=military").await.html();
    let facets = facets(&page);
    let category = &facets["Category"];
    let active: Vec<_> = category.iter().filter(|v| v.3).collect();
    assert_eq!(active.len(), 1, "{category:?}");
    assert_eq!(active[0].0, "military");
    assert_eq!(active[0].2, "/?from=2020");
    // Other categories add to the selection.
    let diplomatic = category
        .iter()
        .find(|v| v.0 == "diplomatic")
        .expect("diplomatic is offered");
    assert_eq!(
        diplomatic.2,
        "/?from=2020&category=military&category=diplomatic"
    );
    // The chip above the list removes it too.
    let chips: Vec<String> = page
        .select(&sel(".active-filters a"))
        .filter_map(|a| a.value().attr("href").map(str::to_string))
        .collect();
    assert_eq!(chips, ["/?from=2020"]);
}

/// A chip names an actor or a conflict as readers know it, not by its slug.
#[tokio::test]
async fn chips_name_actors_and_conflicts() {
    let app = TestApp::seeded().await;
    let events = app.get("/api/events?limit=1").await.json();
    let actor = &events["events"][0]["actors"][0];
    let (slug, name) = (
        actor["slug"].as_str().expect("an actor slug"),
        actor["name"].as_str().expect("an actor name"),
    );
    assert_ne!(
        slug, name,
        "the bundled data has actors whose name is not their slug"
    );
    let conflicts = app.get("/api/conflicts").await.json();
    let conflict = conflicts["conflicts"][0]["name"]
        .as_str()
        .expect("a conflict name")
        .to_string();
    for url in [
        format!("/?actor={slug}&conflict=nagorno-karabakh"),
        format!("/?actor={slug}&conflict=nagorno-karabakh&q=ceasefire"),
    ] {
        let page = app.get(&url).await.html();
        let chips: Vec<String> = page
            .select(&sel(".active-filters li"))
            .map(|li| li.text().collect::<String>())
            .collect();
        assert!(
            chips.iter().any(|c| c.contains(&format!("Actor: {name}"))),
            "{url}: {chips:?}"
        );
        assert!(
            chips
                .iter()
                .any(|c| c.contains(&format!("Conflict: {conflict}"))),
            "{url}: {chips:?}"
        );
    }
}

#[tokio::test]
async fn place_and_conflict_filters_narrow_the_view() {
    let app = TestApp::seeded().await;
    let events = app.get("/api/events?limit=500").await.json();
    let first_place = events["events"]
        .as_array()
        .expect("events")
        .iter()
        .find_map(|e| e["place"].as_str())
        .expect("some event has a place")
        .to_string();
    let with_place = events["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["place"].as_str() == Some(&first_place))
        .count() as i64;
    let query = serde_urlencoded::to_string([("place", first_place.as_str())]).expect("encode");
    assert_eq!(total(&app, &query).await, with_place);

    let all = total(&app, "").await;
    assert_eq!(total(&app, "conflict=nagorno-karabakh").await, all);
    assert_eq!(total(&app, "conflict=no-such-conflict").await, 0);
    let bad = app.get("/?conflict=Not%20A%20Slug").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("conflict"), "names the parameter");
}

#[tokio::test]
async fn the_histogram_tiles_the_range_and_counts_every_start() {
    let app = TestApp::seeded().await;
    let body = app
        .get("/api/histogram?from=2020&to=2023&buckets=4")
        .await
        .json();
    assert_eq!(body["from"], "2020-01-01");
    assert_eq!(body["to"], "2023-12-31");
    let buckets = body["buckets"].as_array().expect("buckets");
    assert_eq!(buckets.len(), 4);
    assert_eq!(buckets[0]["start"], "2020-01-01");
    assert_eq!(buckets[3]["end"], "2023-12-31");
    for pair in buckets.windows(2) {
        let end = pair[0]["end"].as_str().expect("end");
        let next = pair[1]["start"].as_str().expect("start");
        assert!(end < next, "{end} then {next}");
    }
    // Every event that starts within the range is counted once: compare with the events
    // themselves.
    let events = app
        .get("/api/events?from=2020&to=2023&limit=500")
        .await
        .json();
    let starting_inside = events["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| {
            let earliest = e["date"]["earliest"].as_str().unwrap_or("");
            ("2020-01-01"..="2023-12-31").contains(&earliest)
        })
        .count() as i64;
    assert!(starting_inside > 0);
    let sum: i64 = buckets
        .iter()
        .map(|b| b["count"].as_i64().expect("count"))
        .sum();
    assert_eq!(sum, starting_inside);
    assert_eq!(body["total"], sum);

    let military = app
        .get("/api/histogram?from=2020&to=2023&buckets=4&category=military")
        .await
        .json();
    assert!(military["total"].as_i64() < body["total"].as_i64());
}

#[tokio::test]
async fn histogram_mistakes_are_problem_documents_naming_the_parameter() {
    let app = TestApp::seeded().await;
    for (url, parameter) in [
        ("/api/histogram?buckets=0", "buckets"),
        ("/api/histogram?buckets=abc", "buckets"),
        ("/api/histogram?from=2020-13", "from"),
        ("/api/histogram?page=2", "page"),
    ] {
        let response = app.get(url).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{url}");
        assert_eq!(
            response.header("content-type"),
            Some("application/problem+json"),
            "{url}"
        );
        let body = response.json();
        assert_eq!(body["errors"][0]["parameter"], parameter, "{url}: {body}");
    }
}

#[tokio::test]
async fn crawlers_are_kept_off_facet_combinations_searches_and_later_pages() {
    let app = TestApp::seeded().await;
    // The first response of a process hashes the executable for its build id (seconds in
    // a debug build, past the request timeout when this test runs alone): paid here.
    app.get("/livez").await;
    app.get("/").await;
    let robots = |html: &Html| {
        html.select(&sel("meta[name=robots]"))
            .next()
            .and_then(|m| m.value().attr("content").map(str::to_string))
    };
    let rels = |html: &Html| {
        html.select(&sel(".facets a.facet__value"))
            .map(|a| a.value().attr("rel").map(str::to_string))
            .collect::<Vec<_>>()
    };

    // The plain timeline and a single facet value are pages worth indexing.
    let home = app.get("/").await.html();
    assert_eq!(robots(&home), None);
    let links = rels(&home);
    assert!(!links.is_empty());
    assert!(links.iter().all(Option::is_none), "{links:?}");

    let one = app.get("/?category=military").await.html();
    assert_eq!(robots(&one), None);
    // Its facet links would combine two filters: not to be followed.
    let links = rels(&one);
    assert!(!links.is_empty());
    assert!(
        links.iter().all(|r| r.as_deref() == Some("nofollow")),
        "{links:?}"
    );

    for view in [
        "/?category=military&category=political",
        "/?category=military&place=Stepanakert",
        "/?q=ceasefire",
    ] {
        let r = app.get(view).await;
        assert_eq!(r.status, StatusCode::OK, "{view}");
        assert_eq!(
            robots(&r.html()).as_deref(),
            Some("noindex, nofollow"),
            "{view}"
        );
    }
}
