//! What a reader does with a mouse, a touch screen or a keyboard, in a real browser.

use fantoccini::key::Key;

use crate::harness::{Browser, bundled_event_count, server_slugs};

fn query_value(location: &str, key: &str) -> Option<String> {
    let query = location.split_once('?')?.1;
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == key).then(|| v.to_string())
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_timeline_loads_with_its_overview_and_every_card() {
    let Some(b) = Browser::start(1280, 900).await else {
        return;
    };
    b.open("/").await;
    b.wait_until("document.documentElement.classList.contains('js')")
        .await;
    assert_eq!(b.card_slugs().await, server_slugs(&b.url("/")).await);
    let marks = b
        .eval("return document.querySelectorAll('.overview__strip .mark').length;")
        .await;
    // The strip marks every event of the view, also those past the first page of cards.
    assert_eq!(
        marks.as_u64(),
        Some(bundled_event_count() as u64),
        "one mark per event"
    );
    b.screenshot("timeline-desktop").await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dragging_across_the_strip_selects_that_range() {
    let Some(b) = Browser::start(1280, 900).await else {
        return;
    };
    b.open("/").await;
    let (left, top, width, height) = b.rect(".overview__strip").await;
    let y = top + height * 0.75;
    // From about 2019 to 2024 on a 1988-2025 axis.
    b.drag((left + width * 0.82, y), (left + width * 0.96, y))
        .await;
    b.wait_until("location.search.includes('from=') && location.search.includes('to=')")
        .await;
    let location = b.location().await;
    let from = query_value(&location, "from").expect("from");
    let to = query_value(&location, "to").expect("to");
    assert!(from.as_str() < to.as_str(), "{location}");
    assert!(
        from.starts_with("201") || from.starts_with("202"),
        "{location}"
    );
    b.wait_until(&format!(
        "document.getElementById('input-from').value === {:?}",
        from
    ))
    .await;
    // The list on screen is exactly what the server lists for that URL.
    let shown = b.card_slugs().await;
    assert!(
        !shown.is_empty() && shown.len() < bundled_event_count(),
        "{shown:?}"
    );
    assert_eq!(shown, server_slugs(&b.url(&location)).await);
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zooming_narrows_and_widens_the_view() {
    let Some(b) = Browser::start(1280, 900).await else {
        return;
    };
    b.open("/?from=2020&to=2023").await;
    b.click("a[data-nav='zoom-in']").await;
    b.wait_until("location.search !== '?from=2020&to=2023'")
        .await;
    let zoomed = b.location().await;
    let from = query_value(&zoomed, "from").expect("from");
    let to = query_value(&zoomed, "to").expect("to");
    assert!(
        from.as_str() > "2020" && to.as_str() < "2023-12",
        "{zoomed}"
    );

    // The wheel zooms out around the pointer.
    let (left, top, width, height) = b.rect(".overview__strip").await;
    let wheel = fantoccini::actions::WheelActions::new("wheel".to_string()).then(
        fantoccini::actions::WheelAction::Scroll {
            duration: None,
            x: (left + width / 2.0) as i64,
            y: (top + height / 2.0) as i64,
            delta_x: 0,
            delta_y: 300,
        },
    );
    use fantoccini::actions::InputSource;
    b.client.perform_actions(wheel).await.expect("wheel");
    b.wait_until(&format!(
        "location.search !== {:?}",
        format!("?{}", zoomed.split_once('?').map(|x| x.1).unwrap_or(""))
    ))
    .await;
    let wider = b.location().await;
    let from2 = query_value(&wider, "from").expect("from");
    assert!(
        from2 < from,
        "zooming out starts earlier: {zoomed} → {wider}"
    );
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clicking_a_mark_highlights_its_card() {
    let Some(b) = Browser::start(1280, 900).await else {
        return;
    };
    b.open("/?from=2023-09&to=2023-10").await;
    let slug = b
        .eval("return document.querySelector('.overview__strip .mark').getAttribute('data-slug');")
        .await;
    let slug = slug.as_str().expect("slug").to_string();
    let selector = format!(".overview__strip .mark[data-slug='{slug}']");
    let (left, top, width, height) = b.rect(&selector).await;
    b.click_at(left + width / 2.0, top + height / 2.0).await;
    b.wait_until(&format!(
        "document.getElementById({slug:?}).classList.contains('is-highlighted')"
    ))
    .await;
    let focused = b.eval("return document.activeElement.id;").await;
    assert_eq!(focused.as_str(), Some(slug.as_str()));
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permalink_and_back_return_to_the_same_view() {
    let Some(b) = Browser::start(1280, 900).await else {
        return;
    };
    b.open("/").await;
    // An era preset updates the view in place and pushes a history entry.
    b.click("nav.eras a[href='/?from=2020-09-27&to=2020-11-10']")
        .await;
    b.wait_until("location.search === '?from=2020-09-27&to=2020-11-10'")
        .await;
    let in_view = b.card_slugs().await;
    assert_eq!(
        in_view,
        server_slugs(&b.url("/?from=2020-09-27&to=2020-11-10")).await
    );

    // Follow a card's permalink, then come back.
    let first = in_view.first().expect("a card").clone();
    b.click(&format!("[id='{first}'] .card__title a")).await;
    b.wait_until(&format!("location.pathname === '/events/{first}'"))
        .await;
    b.client.back().await.expect("back");
    b.wait_until("location.search === '?from=2020-09-27&to=2020-11-10'")
        .await;
    b.wait_until("document.querySelectorAll('article.card').length > 0")
        .await;
    assert_eq!(b.card_slugs().await, in_view);
    b.wait_until("document.getElementById('input-from').value === '2020-09-27'")
        .await;

    // Back again: the whole chronology, as before the preset.
    b.client.back().await.expect("back");
    b.wait_until("location.search === ''").await;
    let first_page = server_slugs(&b.url("/")).await.len();
    b.wait_until(&format!(
        "document.querySelectorAll('article.card').length === {first_page}"
    ))
    .await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_path_works_by_keyboard_alone() {
    let Some(b) = Browser::start(1280, 900).await else {
        return;
    };
    b.open("/?from=2023&to=2023").await;
    let cards = b.card_slugs().await;
    assert!(cards.len() >= 3);

    // j moves to the first card, again to the second; k goes back.
    let body = b.find("body").await;
    body.send_keys("j").await.expect("j");
    b.wait_until(&format!("document.activeElement.id === {:?}", cards[0]))
        .await;
    b.client
        .active_element()
        .await
        .expect("active")
        .send_keys("j")
        .await
        .expect("j");
    b.wait_until(&format!("document.activeElement.id === {:?}", cards[1]))
        .await;
    b.client
        .active_element()
        .await
        .expect("active")
        .send_keys("k")
        .await
        .expect("k");
    b.wait_until(&format!("document.activeElement.id === {:?}", cards[0]))
        .await;
    // Enter opens it.
    b.client
        .active_element()
        .await
        .expect("active")
        .send_keys(&Key::Enter.to_string())
        .await
        .expect("enter");
    b.wait_until(&format!("location.pathname === '/events/{}'", cards[0]))
        .await;
    b.client.back().await.expect("back");
    b.wait_until("location.pathname === '/' && document.readyState === 'complete'")
        .await;

    // Tab reaches the overview strip (after the form, the era presets and the facet
    // links of the sidebar); arrows move its range and Enter shows it.
    let mut reached = false;
    for _ in 0..150 {
        b.client
            .active_element()
            .await
            .expect("active")
            .send_keys(&Key::Tab.to_string())
            .await
            .expect("tab");
        let on_strip = b
            .eval("return document.activeElement.classList.contains('overview__strip');")
            .await;
        if on_strip.as_bool() == Some(true) {
            reached = true;
            break;
        }
    }
    assert!(reached, "the strip is reachable by Tab");
    let outline = b
        .eval("return getComputedStyle(document.activeElement).outlineStyle;")
        .await;
    assert_ne!(outline.as_str(), Some("none"), "focus is visible");
    let strip = b.client.active_element().await.expect("strip");
    strip
        .send_keys(&Key::Right.to_string())
        .await
        .expect("right");
    b.wait_until("document.getElementById('live-status').textContent.includes('Press Enter')")
        .await;
    strip
        .send_keys(&Key::Enter.to_string())
        .await
        .expect("enter");
    b.wait_until("location.search !== '?from=2023&to=2023'")
        .await;
    let moved = b.location().await;
    assert!(
        query_value(&moved, "from").is_some_and(|f| f.as_str() > "2023"),
        "{moved}"
    );
    b.wait_until("document.getElementById('live-status').textContent.includes('events')")
        .await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_are_captured_at_desktop_and_phone_widths() {
    for (name, width, height) in [("desktop", 1280, 900), ("phone", 390, 844)] {
        let Some(b) = Browser::start(width, height).await else {
            return;
        };
        b.open("/").await;
        let overflow = b.eval("return document.documentElement.scrollWidth - document.documentElement.clientWidth;").await;
        assert_eq!(
            overflow.as_i64(),
            Some(0),
            "{name}: no horizontal scrolling on the timeline"
        );
        b.screenshot(&format!("timeline-{name}")).await;
        b.open("/events/2020-11-09-trilateral-ceasefire-statement")
            .await;
        let overflow = b.eval("return document.documentElement.scrollWidth - document.documentElement.clientWidth;").await;
        assert_eq!(
            overflow.as_i64(),
            Some(0),
            "{name}: no horizontal scrolling on an event page"
        );
        b.screenshot(&format!("event-{name}")).await;
        b.close().await;
    }
}
