//! Full-text search on the timeline: words, prefixes and phrases find exactly the events
//! that contain them (checked against the data file, not the index), results come best
//! first with marked snippets, and nothing a person types breaks the page.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use conflict_timeline::import;

use crate::harness::{TestApp, card_slugs, sel, texts};

/// An event's searchable text, read from the data file: the words of its title, summary,
/// body, actors and place, lowercased (the index's tokenizer splits on anything that is
/// not a letter or digit).
struct Doc {
    slug: String,
    title: Vec<String>,
    words: Vec<String>,
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn docs() -> Vec<Doc> {
    let value: toml::Value = toml::from_str(import::BUNDLED_DATASET).expect("bundled TOML");
    // Every name of every place, by slug: an event's places are searchable by all of them,
    // each also folded as the index is given it.
    let mut place_words: std::collections::HashMap<&str, Vec<String>> = Default::default();
    for p in value["places"].as_array().expect("places") {
        let mut names = vec![p["name"].as_str().expect("name")];
        for n in p
            .get("names")
            .and_then(|n| n.as_array())
            .into_iter()
            .flatten()
        {
            names.push(n["name"].as_str().expect("name"));
        }
        let mut all = Vec::new();
        for n in names {
            all.extend(words(n));
            all.extend(words(&conflict_timeline::place_names::fold(n)));
        }
        place_words.insert(p["slug"].as_str().expect("slug"), all);
    }
    value["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| {
            let field = |name: &str| e.get(name).and_then(|v| v.as_str()).unwrap_or("");
            let actors: Vec<&str> = e
                .get("actors")
                .and_then(|a| a.as_array())
                .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
                .unwrap_or_default();
            let mut all = words(field("title"));
            for part in [field("summary"), field("body"), field("place")] {
                all.extend(words(part));
            }
            for actor in actors {
                all.extend(words(actor));
            }
            for place in e
                .get("places")
                .and_then(|p| p.as_array())
                .into_iter()
                .flatten()
            {
                all.extend(place_words[place.as_str().expect("slug")].iter().cloned());
            }
            Doc {
                slug: field("slug").to_string(),
                title: words(field("title")),
                words: all,
            }
        })
        .collect()
}

/// The slugs of the events whose text satisfies `test`.
fn expected(test: impl Fn(&Doc) -> bool) -> BTreeSet<String> {
    docs()
        .into_iter()
        .filter(|d| test(d))
        .map(|d| d.slug)
        .collect()
}

/// Every event the search finds, over all pages of the HTML results.
async fn found(app: &TestApp, query: &str) -> Vec<String> {
    let mut slugs = Vec::new();
    let mut url = format!("/?{query}");
    loop {
        let page = app.get(&url).await;
        assert_eq!(page.status, StatusCode::OK, "{url}");
        let html = page.html();
        slugs.extend(card_slugs(&html));
        match html.select(&sel("a[rel=next]")).next() {
            Some(next) => url = next.value().attr("href").expect("href").to_string(),
            None => break,
        }
    }
    slugs
}

fn set(slugs: &[String]) -> BTreeSet<String> {
    slugs.iter().cloned().collect()
}

#[tokio::test]
async fn a_word_finds_exactly_the_events_that_contain_it() {
    let app = TestApp::seeded().await;
    let hits = found(&app, "q=peacekeepers").await;
    let want = expected(|d| d.words.iter().any(|w| w == "peacekeepers"));
    assert!(want.len() >= 3, "the fixture has several: {want:?}");
    assert_eq!(set(&hits), want);
    assert_eq!(hits.len(), want.len(), "no event twice");
}

#[tokio::test]
async fn results_come_with_a_count_and_marked_snippets() {
    let app = TestApp::seeded().await;
    let page = app.get("/?q=peacekeepers").await;
    let html = page.html();
    let want = expected(|d| d.words.iter().any(|w| w == "peacekeepers"));
    let count = texts(&html, "#result-count").join(" ");
    assert!(
        count.starts_with(&format!("{} of ", want.len())) && count.contains("“peacekeepers”"),
        "{count}"
    );
    let marks = texts(&html, ".card__snippet mark");
    assert!(!marks.is_empty(), "snippets mark the hits");
    assert!(
        marks.iter().all(|m| m.eq_ignore_ascii_case("peacekeepers")),
        "{marks:?}"
    );
    assert!(page.body.contains("<mark>"));
}

#[tokio::test]
async fn title_matches_rank_first() {
    let app = TestApp::seeded().await;
    let hits = found(&app, "q=peacekeepers").await;
    let in_title = expected(|d| d.title.iter().any(|w| w == "peacekeepers"));
    assert!(!in_title.is_empty());
    let first: BTreeSet<String> = hits.iter().take(in_title.len()).cloned().collect();
    assert_eq!(
        first, in_title,
        "events with the word in the title come first"
    );
}

#[tokio::test]
async fn a_trailing_star_matches_word_beginnings() {
    let app = TestApp::seeded().await;
    let hits = found(&app, "q=peacekeep*").await;
    let want = expected(|d| d.words.iter().any(|w| w.starts_with("peacekeep")));
    assert_eq!(set(&hits), want);
    let exact = expected(|d| d.words.iter().any(|w| w == "peacekeepers"));
    assert!(
        want.len() > exact.len(),
        "the prefix finds “peacekeeping” too"
    );
}

#[tokio::test]
async fn a_quoted_phrase_matches_only_words_side_by_side() {
    let app = TestApp::seeded().await;
    let phrase = found(&app, "q=%22Lachin+corridor%22").await;
    let want = expected(|d| {
        d.words
            .windows(2)
            .any(|pair| pair[0] == "lachin" && pair[1] == "corridor")
    });
    assert_eq!(set(&phrase), want);
    let both_words = found(&app, "q=Lachin+corridor").await;
    assert_eq!(
        set(&both_words),
        expected(
            |d| d.words.iter().any(|w| w == "lachin") && d.words.iter().any(|w| w == "corridor")
        )
    );
    assert!(set(&phrase).is_subset(&set(&both_words)));
}

#[tokio::test]
async fn exclusion_and_or_work() {
    let app = TestApp::seeded().await;
    let has = |d: &Doc, w: &str| d.words.iter().any(|x| x == w);
    assert_eq!(
        set(&found(&app, "q=peacekeepers+-killed").await),
        expected(|d| has(d, "peacekeepers") && !has(d, "killed"))
    );
    assert_eq!(
        set(&found(&app, "q=Shusha+OR+Khojaly").await),
        expected(|d| has(d, "shusha") || has(d, "khojaly"))
    );
}

#[tokio::test]
async fn search_combines_with_dates_and_categories() {
    let app = TestApp::seeded().await;
    assert_eq!(
        found(&app, "q=peacekeepers&from=2024").await,
        ["2024-04-russian-peacekeepers-withdraw"]
    );
    let military = found(&app, "q=peacekeepers&category=military").await;
    assert!(!military.is_empty());
    let html = app.get("/?q=peacekeepers&category=military").await.html();
    assert!(
        texts(&html, "article.card .tag")
            .iter()
            .all(|t| t == "military")
    );
    // The form keeps the category when the search is changed.
    let hidden = html
        .select(&sel(
            r#"form.filter-form input[type=hidden][name=category]"#,
        ))
        .next()
        .expect("hidden category");
    assert_eq!(hidden.value().attr("value"), Some("military"));
}

#[tokio::test]
async fn results_page_by_number_with_no_gap_or_repeat() {
    let app = TestApp::seeded().await;
    let first = app.get("/?q=azerbaijan").await.html();
    let next = first
        .select(&sel("a[rel=next]"))
        .next()
        .expect("more than one page of hits for a word in most events");
    assert_eq!(next.value().attr("href"), Some("/?q=azerbaijan&page=2"));
    let hits = found(&app, "q=azerbaijan").await;
    assert_eq!(set(&hits).len(), hits.len(), "no event on two pages");
    assert_eq!(
        set(&hits),
        expected(|d| d.words.iter().any(|w| w == "azerbaijan"))
    );
    let second = app.get("/?q=azerbaijan&page=2").await.html();
    assert!(
        texts(&second, ".pager a")
            .iter()
            .any(|t| t.contains("first page"))
    );
}

#[tokio::test]
async fn page_and_after_are_refused_where_they_mean_nothing() {
    let app = TestApp::seeded().await;
    for (query, field) in [
        ("q=lachin&page=51", "page"),
        ("q=lachin&page=0", "page"),
        ("page=2", "page"),
        ("q=lachin&after=1.2.3", "after"),
    ] {
        let page = app.get(&format!("/?{query}")).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{query}");
        let problems = texts(&page.html(), "#filter-errors li");
        assert!(
            problems.iter().any(|p| p.starts_with(&format!("{field}:"))),
            "{query}: {problems:?}"
        );
    }
}

#[tokio::test]
async fn awkward_input_never_breaks_the_page_or_echoes_markup() {
    let app = TestApp::seeded().await;
    let long = "peace ".repeat(50);
    let inputs = [
        "\"",
        "*",
        "AND",
        "-",
        "((",
        "🙂",
        "a:b",
        "<script>alert(1)</script>",
        "\"unbalanced phrase",
        "NEAR(lachin corridor)",
        "lachin^",
        "OR OR",
        "-lachin",
        "' OR 1=1 --",
        long.as_str(),
    ];
    for input in inputs {
        let query = serde_urlencoded::to_string([("q", input)]).expect("encode");
        for base in ["/?", "/api/events?"] {
            let response = app.get(&format!("{base}{query}")).await;
            assert!(
                response.status == StatusCode::OK || response.status == StatusCode::BAD_REQUEST,
                "{base}{input:?}: {}",
                response.status
            );
            assert!(
                !response.body.contains("<script>alert"),
                "{base}{input:?} echoes markup"
            );
            if response.status == StatusCode::BAD_REQUEST {
                if base == "/?" {
                    let problems = texts(&response.html(), "#filter-errors li");
                    assert!(
                        problems.iter().all(|p| p.starts_with("q:")),
                        "{input:?}: {problems:?}"
                    );
                } else {
                    assert_eq!(response.json()["errors"][0]["parameter"], "q", "{input:?}");
                }
            }
        }
        // The search box shows exactly what was typed (when it is not too long to take).
        let html = app.get(&format!("/?{query}")).await.html();
        let field = html
            .select(&sel("input#input-q"))
            .next()
            .expect("search box");
        if input.len() <= 200 {
            assert_eq!(field.value().attr("value"), Some(input.trim()), "{input:?}");
        }
    }
}

#[tokio::test]
async fn nothing_searchable_is_a_400_naming_q() {
    let app = TestApp::seeded().await;
    let page = app.get("/?q=%F0%9F%99%82+((").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    let html = page.html();
    let problems = texts(&html, "#filter-errors li");
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("q:") && p.contains("nothing searchable")),
        "{problems:?}"
    );
    let field = html
        .select(&sel("input#input-q"))
        .next()
        .expect("search box");
    assert_eq!(field.value().attr("aria-invalid"), Some("true"));
}

#[tokio::test]
async fn ignored_pieces_are_named_on_the_page() {
    let app = TestApp::seeded().await;
    let page = app.get("/?q=lachin+%F0%9F%99%82").await;
    assert_eq!(page.status, StatusCode::OK);
    let note = texts(&page.html(), ".search-note").join(" ");
    assert!(note.contains("“🙂”"), "{note}");
}

#[tokio::test]
async fn the_search_address_redirects_to_the_timeline() {
    let app = TestApp::seeded().await;
    let response = app.get("/search?q=lachin&from=2020").await;
    assert_eq!(response.status, StatusCode::SEE_OTHER);
    assert_eq!(response.header("location"), Some("/?q=lachin&from=2020"));
    let response = app.get("/search").await;
    assert_eq!(response.header("location"), Some("/"));
}

#[tokio::test]
async fn the_search_filter_can_be_removed_on_its_own() {
    let app = TestApp::seeded().await;
    let html = app.get("/?q=lachin&category=political").await.html();
    let removal = html
        .select(&sel(".active-filters a"))
        .find(|a| a.text().collect::<String>().contains("Search"))
        .expect("a removable search filter");
    assert_eq!(removal.value().attr("href"), Some("/?category=political"));
}
