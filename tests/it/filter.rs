//! The date-range filter: exactly the events whose possible span overlaps the range, and
//! a precise 400 for anything it cannot use.

use axum::http::StatusCode;
use conflict_timeline::edtf::{Day, parse_filter_date};

use crate::harness::{MONTH_PRECISION, TestApp, bundled_events, card_slugs, sel, text, texts};

/// The slugs an independent reading of the data says a range must show.
fn expected_between(from: Option<&str>, to: Option<&str>) -> Vec<String> {
    let from = from
        .map(|f| parse_filter_date(f).expect("from").0)
        .unwrap_or(Day::MIN);
    let to = to
        .map(|t| parse_filter_date(t).expect("to").1)
        .unwrap_or(Day::MAX);
    let mut slugs: Vec<String> = bundled_events()
        .into_iter()
        .filter(|e| e.date.earliest() <= to && e.date.latest() >= from)
        .map(|e| e.slug)
        .collect();
    slugs.sort();
    slugs
}

async fn shown(app: &TestApp, query: &str) -> Vec<String> {
    let page = app.get(&format!("/?{query}")).await;
    assert_eq!(page.status, StatusCode::OK, "{query}");
    let mut slugs = card_slugs(&page.html());
    slugs.sort();
    slugs
}

#[tokio::test]
async fn the_filter_keeps_exactly_the_events_that_overlap_the_range() {
    let app = TestApp::seeded().await;
    let ranges: [(Option<&str>, Option<&str>); 9] = [
        (Some("1988"), Some("1988")),
        (Some("2020-09"), Some("2020-11")),
        (Some("2023-09-19"), Some("2023-09-19")),
        (Some("2023-03-15"), Some("2023-03-15")),
        (Some("2024-05"), Some("2024-05")),
        (None, Some("1988-02")),
        (Some("2025"), None),
        (Some("1992-02-26"), Some("1992-02-26")),
        (Some("1995"), Some("2015")),
    ];
    for (from, to) in ranges {
        let query = format!("from={}&to={}", from.unwrap_or(""), to.unwrap_or(""));
        assert_eq!(
            shown(&app, &query).await,
            expected_between(from, to),
            "{query}"
        );
    }
}

#[tokio::test]
async fn month_and_interval_events_count_at_the_edges_of_a_range() {
    let app = TestApp::seeded().await;
    // "mid-March 2023" is stored as the month 2023-03~: any day of March overlaps it.
    let month = TestApp::with_dataset(MONTH_PRECISION).await;
    assert!(
        shown(&month, "from=2023-03-31&to=2023-03-31")
            .await
            .contains(&"2023-03-putin-aliyev-phone-call".to_string())
    );
    // The withdrawal runs from April 2024 to 12 June 2024: a day in May is inside it.
    assert!(
        shown(&app, "from=2024-05-20&to=2024-05-20")
            .await
            .contains(&"2024-04-russian-peacekeepers-withdraw".to_string())
    );
    // …and 13 June 2024 is after it.
    assert!(
        !shown(&app, "from=2024-06-13&to=2024-06-13")
            .await
            .contains(&"2024-04-russian-peacekeepers-withdraw".to_string())
    );
}

/// A fixture with precisions and spans that probe both halves of the overlap query: short
/// events (found by the start index) and long ones (found by the partial index).
const EDGES: &str = r#"format = "conflict-timeline/1"
[[conflicts]]
slug = "edges"
name = "Edges"

[[events]]
slug = "year-1999"
date = "1999"
title = "A year"
category = "political"

[[events]]
slug = "month-2000-02"
date = "2000-02"
title = "A month"
category = "political"

[[events]]
slug = "day-2000-03-01"
date = "2000-03-01"
title = "A day"
category = "political"

[[events]]
slug = "decade-1990s"
date = "199X"
title = "A decade"
category = "political"

[[events]]
slug = "long-1990-2010"
date = "1990/2010"
title = "Twenty years"
category = "political"

[[events]]
slug = "open-since-2005"
date = "2005-06/.."
title = "Ongoing"
category = "political"
"#;

#[tokio::test]
async fn year_month_long_and_open_events_overlap_correctly() {
    let app = TestApp::with_dataset(EDGES).await;
    let cases: [(&str, &[&str]); 7] = [
        (
            "from=2000-02-29&to=2000-02-29",
            &["long-1990-2010", "month-2000-02"],
        ),
        (
            "from=1999-12-31&to=2000-01-01",
            &["decade-1990s", "long-1990-2010", "year-1999"],
        ),
        ("from=2000-01&to=2000-01", &["long-1990-2010"]),
        (
            "to=2000-02",
            &[
                "decade-1990s",
                "long-1990-2010",
                "month-2000-02",
                "year-1999",
            ],
        ),
        (
            "from=2000-03",
            &["day-2000-03-01", "long-1990-2010", "open-since-2005"],
        ),
        ("from=2090&to=2095", &["open-since-2005"]),
        ("from=1989&to=1989", &[]),
    ];
    for (query, expected) in cases {
        assert_eq!(shown(&app, query).await, expected, "{query}");
    }
}

#[tokio::test]
async fn bad_dates_get_a_400_that_names_the_field_and_keeps_the_form() {
    let app = TestApp::seeded().await;
    let cases = [
        ("from=1988-13", "from", "month 13"),
        ("from=abc", "from", "not a date"),
        ("to=2023-02-30", "to", "28 days"),
        ("from=2021&to=2020", "from", "after"),
        ("to=1000000", "to", ""),
        ("from=2020&from=2021", "from", "2 times"),
    ];
    for (query, field, words) in cases {
        let page = app.get(&format!("/?{query}")).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{query}");
        let html = page.html();
        let problems = texts(&html, "#filter-errors li");
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with(&format!("{field}:")) && p.contains(words)),
            "{query}: {problems:?}"
        );
        // Still the whole page, with the form and its values.
        assert_eq!(texts(&html, "h1").len(), 1, "{query}");
        let input = html
            .select(&sel(&format!("input#input-{field}")))
            .next()
            .expect("input");
        assert_eq!(input.value().attr("aria-invalid"), Some("true"), "{query}");
    }
    let html = app.get("/?from=1988-13&to=1990").await.html();
    let from = html.select(&sel("input#input-from")).next().expect("input");
    assert_eq!(
        from.value().attr("value"),
        Some("1988-13"),
        "the typed value is kept"
    );
}

#[tokio::test]
async fn an_oversized_query_gets_a_400_page_not_a_crash() {
    let app = TestApp::seeded().await;
    let long = "9".repeat(5000);
    let page = app.get(&format!("/?from={long}")).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    let html = page.html();
    assert!(
        texts(&html, "#filter-errors li")
            .iter()
            .any(|p| p.contains("at most"))
    );
    assert!(html.select(&sel("form.filter-form")).next().is_some());
}

#[tokio::test]
async fn a_bad_page_cursor_is_a_400_naming_after() {
    let app = TestApp::seeded().await;
    let page = app.get("/?after=not-a-cursor").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    let problems = texts(&page.html(), "#filter-errors li");
    assert!(
        problems.iter().any(|p| p.starts_with("after:")),
        "{problems:?}"
    );
}

#[tokio::test]
async fn empty_form_fields_mean_no_bound() {
    let app = TestApp::seeded().await;
    let shown: usize = app
        .all_pages("/?from=&to=")
        .await
        .iter()
        .map(|page| card_slugs(page).len())
        .sum();
    assert_eq!(shown, bundled_events().len());
}

#[tokio::test]
async fn category_and_actor_links_narrow_the_view() {
    let app = TestApp::seeded().await;
    let html = app.get("/?category=ceasefire").await.html();
    let tags = texts(&html, "article.card .tag");
    assert!(!tags.is_empty());
    assert!(tags.iter().all(|t| t == "ceasefire"), "{tags:?}");
    let removable = html
        .select(&sel(".active-filters a"))
        .next()
        .expect("active filter");
    assert_eq!(removable.value().attr("href"), Some("/"));
    assert!(text(removable).contains("ceasefire"));
}
