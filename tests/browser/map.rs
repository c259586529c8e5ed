//! The map beside the timeline, in Chromium: hovering or focusing a place lights its
//! events' cards and marks, a click filters by the place, a drag draws a box that becomes
//! `bbox=`, the box can be typed, and nothing overflows a phone's width.

use fantoccini::key::Key;

use crate::harness::{Browser, server_slugs};

const VIEW: &str = "/?from=2020-09&to=2020-12";

/// The circle of a place on the map, by slug.
fn circle(slug: &str) -> String {
    format!("svg.map--view a.map__place[data-place='{slug}'] circle")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hovering_and_focusing_a_place_light_its_events() {
    let Some(b) = Browser::start(1280, 900).await else {
        return;
    };
    b.open(VIEW).await;
    b.wait_until("document.documentElement.classList.contains('js')")
        .await;
    b.eval(
        "document.querySelector(\"svg.map--view a.map__place[data-place='khankendi']\")
            .dispatchEvent(new PointerEvent('pointerenter'));",
    )
    .await;
    let lit: Vec<String> = serde_json::from_value(
        b.eval(
            "return Array.from(document.querySelectorAll('article.card.is-lit')).map(c => c.id);",
        )
        .await,
    )
    .expect("ids");
    let want: Vec<String> = server_slugs(&b.url(&format!("{VIEW}&place=khankendi"))).await;
    assert!(!lit.is_empty(), "cards lit");
    assert_eq!(lit, want, "exactly the place's events are lit");
    let marks = b
        .eval("return document.querySelectorAll('.overview .mark.is-lit').length;")
        .await;
    assert!(marks.as_u64().unwrap_or(0) >= 1, "marks lit: {marks}");
    b.eval(
        "document.querySelector(\"svg.map--view a.map__place[data-place='khankendi']\")
            .dispatchEvent(new PointerEvent('pointerleave'));",
    )
    .await;
    b.wait_until("document.querySelectorAll('article.card.is-lit').length === 0")
        .await;
    // Keyboard focus lights the same cards.
    b.eval(
        "document.querySelector(\"svg.map--view a.map__place[data-place='khankendi']\").focus();",
    )
    .await;
    b.wait_until("document.querySelectorAll('article.card.is-lit').length > 0")
        .await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clicking_a_place_filters_the_view_by_it() {
    let Some(b) = Browser::start(1280, 900).await else {
        return;
    };
    b.open(VIEW).await;
    b.wait_until("document.documentElement.classList.contains('js')")
        .await;
    let (x, y, w, h) = b.rect(&circle("ganja")).await;
    let (cx, cy) = (x + w / 2.0, y + h / 2.0);
    let hit = b
        .eval(&format!(
            "const el = document.elementFromPoint({cx}, {cy}); const a = el && el.closest('a');
             return a ? a.getAttribute('data-place') : (el ? el.outerHTML.slice(0, 80) : null);"
        ))
        .await;
    assert_eq!(
        hit.as_str(),
        Some("ganja"),
        "what is under the circle's centre"
    );
    b.click_at(cx, cy).await;
    b.wait_until("location.search.includes('place=ganja')")
        .await;
    let location = b.location().await;
    b.wait_until("document.querySelectorAll('article.card').length > 0")
        .await;
    assert_eq!(b.card_slugs().await, server_slugs(&b.url(&location)).await);
    assert!(
        location.contains("from=2020-09"),
        "{location}: the view is kept"
    );
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dragging_a_rectangle_filters_by_the_box() {
    let Some(b) = Browser::start(1280, 900).await else {
        return;
    };
    b.open(VIEW).await;
    b.wait_until("document.documentElement.classList.contains('js')")
        .await;
    let (x, y, w, h) = b.rect("svg.map--view").await;
    // Around Karabakh: the middle of the map, away from any circle's centre at the start.
    b.drag((x + w * 0.05, y + h * 0.05), (x + w * 0.95, y + h * 0.95))
        .await;
    b.wait_until("location.search.includes('bbox=')").await;
    let location = b.location().await;
    let bbox = location
        .split('&')
        .find_map(|p| p.split_once("bbox=").map(|(_, v)| v.to_string()))
        .expect("bbox");
    let parts: Vec<f64> = bbox
        .replace("%2C", ",")
        .split(',')
        .map(|v| v.parse().expect("number"))
        .collect();
    assert_eq!(parts.len(), 4, "{bbox}");
    assert!(parts[0] < parts[2] && parts[1] < parts[3], "{bbox}");
    b.wait_until("document.querySelector('svg.map--view .map__bbox') !== null")
        .await;
    assert_eq!(b.card_slugs().await, server_slugs(&b.url(&location)).await);
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_box_can_be_typed() {
    let Some(b) = Browser::start(1280, 900).await else {
        return;
    };
    b.open(VIEW).await;
    b.wait_until("document.documentElement.classList.contains('js')")
        .await;
    b.rect("#input-bbox").await;
    b.eval("document.getElementById('input-bbox').focus();")
        .await;
    let input = b.find("#input-bbox").await;
    input
        .send_keys(&format!("46.7,39.7,46.8,39.85{}", char::from(Key::Enter)))
        .await
        .expect("type");
    b.wait_until("location.search.includes('bbox=46.7')").await;
    let location = b.location().await;
    assert!(location.contains("from=2020-09"), "{location}");
    assert_eq!(b.card_slugs().await, server_slugs(&b.url(&location)).await);
    assert_eq!(
        b.card_slugs().await,
        server_slugs(&b.url("/?from=2020-09&to=2020-12&place=shusha&place=khankendi")).await,
        "Shusha and Khankendi are in that box"
    );
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_overflows_a_phone() {
    let Some(b) = Browser::start(390, 844).await else {
        return;
    };
    for path in [
        VIEW,
        "/places/shusha",
        "/places",
        "/events/1992-05-08-armenian-forces-take-shusha",
    ] {
        b.open(path).await;
        let overflow = b
            .eval("return document.documentElement.scrollWidth - document.documentElement.clientWidth;")
            .await;
        assert_eq!(overflow.as_i64(), Some(0), "{path} overflows by {overflow}");
        let has_map = b
            .eval("return document.querySelector('svg.map') !== null;")
            .await;
        if has_map.as_bool() == Some(true) {
            let (_, _, w, _) = b.rect("svg.map").await;
            let page = b.eval("return document.documentElement.clientWidth;").await;
            let page = page.as_f64().expect("width");
            assert!(w <= page, "{path}: map {w} px wide in a page of {page}");
        }
    }
    b.screenshot("map-phone").await;
    b.close().await;
}
