//! The timeline page as a reader sees it.

use axum::http::StatusCode;
use conflict_timeline::edtf::Day;

use crate::harness::{MONTH_PRECISION, TestApp, bundled_events, card_slugs, sel, text, texts};

#[tokio::test]
async fn the_timeline_lists_every_bundled_event_in_time_order() {
    let app = TestApp::seeded().await;
    let mut expected = bundled_events();
    expected.sort_by_key(|e| (e.date.earliest(), e.date.latest()));

    // Every page of the view: more events than fit on one page follow on the next.
    let shown: Vec<String> = app
        .all_pages("/")
        .await
        .iter()
        .flat_map(card_slugs)
        .collect();

    let mut shown_sorted = shown.clone();
    shown_sorted.sort();
    let mut expected_slugs: Vec<String> = expected.iter().map(|e| e.slug.clone()).collect();
    expected_slugs.sort();
    assert_eq!(shown_sorted, expected_slugs, "every bundled event, once");

    // Timeline order: by earliest day, then latest day (ties keep any stable order).
    let bounds = |slug: &str| {
        let e = expected
            .iter()
            .find(|e| e.slug == slug)
            .expect("known slug");
        (e.date.earliest(), e.date.latest())
    };
    let order: Vec<(Day, Day)> = shown.iter().map(|s| bounds(s)).collect();
    assert!(
        order.windows(2).all(|w| w[0] <= w[1]),
        "cards are in time order: {shown:?}"
    );
}

#[tokio::test]
async fn cards_sit_under_the_heading_of_their_year_and_month() {
    let app = TestApp::seeded().await;
    let events = bundled_events();
    let pages = app.all_pages("/").await;
    let year_selector = sel("section.year");
    let mut checked = 0;
    for year in pages.iter().flat_map(|html| html.select(&year_selector)) {
        let year_heading = text(year.select(&sel("h2")).next().expect("year heading"));
        for month in year.select(&sel("section.month")) {
            let month_id = month
                .value()
                .attr("aria-labelledby")
                .expect("labelled")
                .trim_start_matches("month-")
                .to_string();
            for card in month.select(&sel("article.card")) {
                let slug = card.value().attr("id").expect("card id");
                let event = events
                    .iter()
                    .find(|e| e.slug == slug)
                    .expect("bundled event");
                let (y, m, _) = event.date.earliest().ymd();
                assert_eq!(year_heading, y.to_string(), "{slug} under its year");
                assert_eq!(month_id, format!("{y:04}-{m:02}"), "{slug} under its month");
                checked += 1;
            }
        }
    }
    assert_eq!(checked, events.len());
}

#[tokio::test]
async fn month_headings_name_the_eras_they_fall_in() {
    let app = TestApp::seeded().await;
    // A page holds 50 cards: October 2020 is on the view from 2020 on.
    let html = app.get("/?from=2020").await.html();
    let heading = html
        .select(&sel("#month-2020-10"))
        .next()
        .expect("October 2020 heading");
    let chips: Vec<String> = heading.select(&sel(".era-chip")).map(text).collect();
    assert!(
        chips.iter().any(|c| c == "Second Nagorno-Karabakh War"),
        "{chips:?}"
    );
    let html = app.get("/").await.html();
    let heading = html
        .select(&sel("#month-1991-09"))
        .next()
        .expect("September 1991 heading");
    let chips: Vec<String> = heading.select(&sel(".era-chip")).map(text).collect();
    assert_eq!(chips, ["First Nagorno-Karabakh War"]);
}

#[tokio::test]
async fn each_card_shows_its_date_in_words_with_a_machine_readable_time() {
    let app = TestApp::seeded().await;
    let html = app.get("/?from=2020").await.html();
    let card = html
        .select(&sel(
            "article[id='2020-11-09-trilateral-ceasefire-statement']",
        ))
        .next()
        .expect("card");
    let time = card.select(&sel("time")).next().expect("time element");
    assert_eq!(time.value().attr("datetime"), Some("2020-11-09"));
    assert_eq!(text(time), "9–10 November 2020");
    assert!(
        !texts(
            &html,
            "article[id='2020-11-09-trilateral-ceasefire-statement'] .actor"
        )
        .is_empty()
    );
    let link = card.select(&sel("h4 a")).next().expect("title link");
    assert_eq!(
        link.value().attr("href"),
        Some("/events/2020-11-09-trilateral-ceasefire-statement")
    );

    // A month stays a month, with the curator's wording.
    let html = TestApp::with_dataset(MONTH_PRECISION)
        .await
        .get("/")
        .await
        .html();
    let card = html
        .select(&sel("article[id='2023-03-putin-aliyev-phone-call'] time"))
        .next()
        .expect("time");
    assert_eq!(card.value().attr("datetime"), Some("2023-03"));
    assert_eq!(text(card), "mid-March 2023");
}

#[tokio::test]
async fn the_count_says_how_many_of_all_events_are_shown() {
    let app = TestApp::seeded().await;
    let total = bundled_events().len();
    let all = app.get("/").await.html();
    assert_eq!(
        texts(&all, "#result-count strong"),
        [format!("{total} of {total} events")]
    );
    let some = app.get("/?from=2023-09-19&to=2023-09-21").await.html();
    let shown = card_slugs(&some).len();
    assert!(shown > 0 && shown < total);
    assert_eq!(
        texts(&some, "#result-count strong"),
        [format!("{shown} of {total} events")]
    );
}

#[tokio::test]
async fn the_form_is_filled_with_the_current_filter() {
    let app = TestApp::seeded().await;
    let html = app.get("/?from=2020&to=2020-11").await.html();
    let from = html
        .select(&sel("input#input-from"))
        .next()
        .expect("from input");
    let to = html
        .select(&sel("input#input-to"))
        .next()
        .expect("to input");
    assert_eq!(from.value().attr("value"), Some("2020"));
    assert_eq!(to.value().attr("value"), Some("2020-11"));
    assert!(
        html.select(&sel("label[for=input-from]")).next().is_some(),
        "inputs are labelled"
    );
}

#[tokio::test]
async fn an_empty_view_says_so_and_offers_a_way_back() {
    let app = TestApp::seeded().await;
    let page = app.get("/?from=1900&to=1901").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.html();
    assert!(card_slugs(&html).is_empty());
    let empty = html.select(&sel(".empty")).next().expect("empty state");
    assert!(text(empty).contains("No events match"));
    assert!(empty.select(&sel("a[href='/']")).next().is_some());
}

#[tokio::test]
async fn era_presets_link_to_their_date_range() {
    let app = TestApp::seeded().await;
    let html = app.get("/").await.html();
    let link = html
        .select(&sel("nav.eras a"))
        .find(|a| text(*a).contains("Second Nagorno-Karabakh War"))
        .expect("second war preset");
    assert_eq!(
        link.value().attr("href"),
        Some("/?from=2020-09-27&to=2020-11-10")
    );
    let open = html
        .select(&sel("nav.eras a"))
        .find(|a| text(*a).contains("since"))
        .expect("an open-ended era");
    assert!(
        !open.value().attr("href").unwrap_or("").contains("to="),
        "an open end has no `to`"
    );
}

#[tokio::test]
async fn the_page_has_landmarks_and_headings_in_order() {
    let app = TestApp::seeded().await;
    let html = app.get("/").await.html();
    for landmark in ["header", "main#main", "footer", "nav"] {
        assert!(html.select(&sel(landmark)).next().is_some(), "{landmark}");
    }
    assert_eq!(html.select(&sel("h1")).count(), 1);
    let levels: Vec<u8> = html
        .select(&sel("h1, h2, h3, h4, h5, h6"))
        .map(|h| h.value().name()[1..].parse().expect("level"))
        .collect();
    assert!(
        levels.windows(2).all(|w| w[1] <= w[0] + 1),
        "no heading level is skipped: {levels:?}"
    );
}

#[tokio::test]
async fn pages_of_a_long_view_chain_with_no_gap_or_repeat() {
    // 250 events on distinct days: five pages of at most 50.
    let mut toml = String::from(
        "format = \"conflict-timeline/1\"\n[[conflicts]]\nslug = \"c\"\nname = \"Many\"\n",
    );
    for i in 0..250 {
        let day = Day::from_ymd(2000, 1, 1).expect("day").0 + i;
        let iso = Day(day).iso();
        toml.push_str(&format!(
            "[[events]]\nslug = \"e-{i}\"\ndate = \"{iso}\"\ntitle = \"Event {i}\"\ncategory = \"military\"\n"
        ));
    }
    let app = TestApp::with_dataset(&toml).await;
    let mut seen = Vec::new();
    let mut url = "/?from=2000".to_string();
    for _ in 0..5 {
        let html = app.get(&url).await.html();
        seen.extend(card_slugs(&html));
        match html.select(&sel("a[rel=next]")).next() {
            Some(next) => url = next.value().attr("href").expect("href").to_string(),
            None => break,
        }
    }
    let expected: Vec<String> = (0..250).map(|i| format!("e-{i}")).collect();
    assert_eq!(seen, expected);
}
