//! The timeline strip as a reader meets it (issue 16): labelled marks that never overlap,
//! every mark a named link, the strip first on the screen, and zoom and pan by wheel,
//! drag and keys, each view an address the server renders the same way.

use fantoccini::actions::{InputSource, MOUSE_BUTTON_LEFT, MouseActions, PointerAction};
use fantoccini::actions::{WheelAction, WheelActions};
use fantoccini::key::Key;
use serde_json::Value;
use std::time::Duration;

use crate::harness::{Browser, server_slugs};

/// Whole span, a year, a month, a day, a search.
const VIEWS: [&str; 5] = [
    "/",
    "/?from=2020&to=2020",
    "/?from=2023-09&to=2023-09",
    "/?from=2023-09-19&to=2023-09-19",
    "/?q=ceasefire",
];

fn query_value(location: &str, key: &str) -> Option<String> {
    let query = location.split_once('?')?.1;
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == key).then(|| v.to_string())
    })
}

/// The first day a `from` value covers, as days since 1970 (YYYY, YYYY-MM or YYYY-MM-DD).
fn first_day(value: &str) -> i64 {
    let parts: Vec<i64> = value
        .split('-')
        .map(|p| p.parse().expect("number"))
        .collect();
    let (y, m, d) = (
        parts[0],
        *parts.get(1).unwrap_or(&1),
        *parts.get(2).unwrap_or(&1),
    );
    days_from_civil(y, m, d)
}

/// The last day a `to` value covers.
fn last_day(value: &str) -> i64 {
    let parts: Vec<i64> = value
        .split('-')
        .map(|p| p.parse().expect("number"))
        .collect();
    match parts.as_slice() {
        [y] => days_from_civil(*y + 1, 1, 1) - 1,
        [y, m] if *m == 12 => days_from_civil(*y + 1, 1, 1) - 1,
        [y, m] => days_from_civil(*y, m + 1, 1) - 1,
        [y, m, d] => days_from_civil(*y, *m, *d),
        _ => panic!("date {value}"),
    }
}

/// The first day of a `from` value as an ISO date.
fn iso_first(value: &str) -> String {
    match value.len() {
        4 => format!("{value}-01-01"),
        7 => format!("{value}-01"),
        _ => value.to_string(),
    }
}

/// Howard Hinnant's days-from-civil.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Boxes of every text drawn in the strip (labels, era names, tick labels), and the
/// problems: pairs that meet, marks without a named link.
const CHECK_STRIP: &str = r#"
  window.scrollTo(0, 0);
  const strip = document.querySelector('.overview__strip');
  const texts = Array.from(strip.querySelectorAll('text')).filter(t => t.getClientRects().length > 0)
    .map(t => ({ r: t.getBoundingClientRect(), s: t.textContent }))
    .filter(t => t.r.width > 0);
  const problems = [];
  for (let i = 0; i < texts.length; i++) for (let j = i + 1; j < texts.length; j++) {
    const a = texts[i].r, b = texts[j].r;
    if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5)
      problems.push('overlap: ' + texts[i].s + ' | ' + texts[j].s);
  }
  const box = strip.getBoundingClientRect();
  for (const t of texts) {
    if (t.r.left < box.left - 1 || t.r.right > box.right + 1) problems.push('outside the strip: ' + t.s);
  }
  for (const m of strip.querySelectorAll('.mark')) {
    const a = m.closest('a[href]');
    const name = a && (a.getAttribute('aria-label') || '').trim();
    if (!name) problems.push('mark without a named link: ' + m.getAttribute('data-slug'));
  }
  const labels = texts.filter(t => true).length;
  const shownLabels = Array.from(strip.querySelectorAll('text.label')).filter(t => t.getClientRects().length > 0 && t.getBoundingClientRect().width > 0).length;
  const first = document.querySelector('article.card');
  return {
    problems: problems,
    texts: labels,
    labels: shownLabels,
    marks: strip.querySelectorAll('.mark').length,
    strip: [box.top, box.bottom],
    card: first ? first.getBoundingClientRect().top : null,
    overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    viewport: window.innerHeight,
  };
"#;

/// Sizes the window so that the page's viewport (not the window) is `width` × `height`.
async fn set_viewport(b: &Browser, width: u32, height: u32) {
    let v = b
        .eval("return [window.outerWidth - window.innerWidth, window.outerHeight - window.innerHeight];")
        .await;
    let dw = v[0].as_u64().unwrap_or(0) as u32;
    let dh = v[1].as_u64().unwrap_or(0) as u32;
    b.client
        .set_window_size(width + dw, height + dh)
        .await
        .expect("window size");
    b.wait_until(&format!(
        "window.innerWidth === {width} && window.innerHeight === {height}"
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn labels_never_meet_marks_are_named_links_and_the_strip_comes_first() {
    for (width, height) in [(1280, 800), (390, 844)] {
        let Some(b) = Browser::start(width, height).await else {
            return;
        };
        b.open("/").await;
        set_viewport(&b, width, height).await;
        for path in VIEWS {
            b.open(path).await;
            b.wait_until("document.documentElement.classList.contains('js')")
                .await;
            let r: Value = b.eval(CHECK_STRIP).await;
            let at = format!("{path} at {width}x{height}");
            assert_eq!(r["problems"], Value::Array(vec![]), "{at}: {r}");
            assert!(r["marks"].as_u64() > Some(0), "{at}: marks drawn: {r}");
            assert!(r["labels"].as_u64() > Some(0), "{at}: titles drawn: {r}");
            assert_eq!(
                r["overflow"].as_i64(),
                Some(0),
                "{at}: no sideways scrolling"
            );
            let viewport = r["viewport"].as_f64().expect("height");
            let strip_bottom = r["strip"][1].as_f64().expect("strip");
            assert!(
                r["strip"][0].as_f64() >= Some(0.0) && strip_bottom <= viewport,
                "{at}: the whole strip is in the first screen: {r}"
            );
            if width < 600 {
                let card = r["card"].as_f64().expect("a card");
                assert!(
                    card + 24.0 <= viewport,
                    "{at}: the top of the first card is in the first screen: {r}"
                );
            }
            b.screenshot(&format!(
                "strip-{width}-{}",
                path.replace(['/', '?', '&', '='], "_")
            ))
            .await;
        }
        b.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wheel_zooms_around_the_pointer_and_back_restores_the_view() {
    let Some(b) = Browser::start(1280, 800).await else {
        return;
    };
    b.open("/?from=1990&to=2029").await;
    b.wait_until("document.documentElement.classList.contains('js')")
        .await;
    let before = b.card_slugs().await;
    let (left, top, width, height) = b.rect(".overview__strip").await;
    // A quarter of the way along 1990-2029: about 2000.
    let x = left + width * 0.25;
    let pointer_day = days_from_civil(1990, 1, 1)
        + ((days_from_civil(2030, 1, 1) - days_from_civil(1990, 1, 1)) as f64 * 0.25) as i64;
    let wheel = WheelActions::new("wheel".to_string()).then(WheelAction::Scroll {
        duration: None,
        x: x as i64,
        y: (top + height / 2.0) as i64,
        delta_x: 0,
        delta_y: -400,
    });
    b.client.perform_actions(wheel).await.expect("wheel");
    b.wait_until("location.search !== '?from=1990&to=2029'")
        .await;
    // The view settles and the list follows it.
    tokio::time::sleep(Duration::from_millis(600)).await;
    b.wait_until("!document.documentElement.classList.contains('is-loading')")
        .await;
    let zoomed = b.location().await;
    let from = first_day(&query_value(&zoomed, "from").expect("from"));
    let to = last_day(&query_value(&zoomed, "to").expect("to"));
    assert!(
        from > days_from_civil(1990, 1, 1) && to < days_from_civil(2029, 12, 31),
        "narrower: {zoomed}"
    );
    assert!(
        from <= pointer_day && pointer_day <= to,
        "around the pointer: {zoomed}"
    );
    // The day under the pointer stays about where it was: a quarter of the way along.
    let f = (pointer_day - from) as f64 / (to - from + 1) as f64;
    assert!((0.1..0.4).contains(&f), "pointer day at {f:.2} of {zoomed}");
    b.wait_until(&format!(
        "document.querySelector('.overview').dataset.first === {:?}",
        iso_first(&query_value(&zoomed, "from").expect("from"))
    ))
    .await;
    assert_eq!(b.card_slugs().await, server_slugs(&b.url(&zoomed)).await);

    b.client.back().await.expect("back");
    b.wait_until("location.search === '?from=1990&to=2029'")
        .await;
    b.wait_until("document.querySelector('.overview').dataset.first === '1990-01-01'")
        .await;
    assert_eq!(b.card_slugs().await, before);
    b.close().await;
}

/// Presses keys on the focused element one at a time.
async fn press(b: &Browser, keys: &[&str]) {
    for key in keys {
        b.client
            .active_element()
            .await
            .expect("active")
            .send_keys(key)
            .await
            .expect("key");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_zoom_and_pan_the_strip() {
    let Some(b) = Browser::start(1280, 800).await else {
        return;
    };
    b.open("/?from=2000&to=2019").await;
    b.wait_until("document.documentElement.classList.contains('js')")
        .await;
    b.eval("document.querySelector('.overview__strip').focus();")
        .await;
    // + zooms in on the middle: 2005 to 2014.
    press(&b, &["+"]).await;
    b.wait_until("document.getElementById('live-status').textContent.includes('Press Enter')")
        .await;
    press(&b, &[&Key::Enter.to_string()]).await;
    b.wait_until("location.search !== '?from=2000&to=2019'")
        .await;
    let zoomed = b.location().await;
    let from = first_day(&query_value(&zoomed, "from").expect("from"));
    let to = last_day(&query_value(&zoomed, "to").expect("to"));
    assert!(
        from >= days_from_civil(2004, 1, 1) && to <= days_from_civil(2015, 12, 31),
        "zoomed in on the middle: {zoomed}"
    );
    b.wait_until(&format!(
        "document.querySelector('.overview').dataset.first === {:?}",
        iso_first(&query_value(&zoomed, "from").expect("from"))
    ))
    .await;

    // The left arrow moves it earlier at the same scale.
    b.eval("document.querySelector('.overview__strip').focus();")
        .await;
    press(
        &b,
        &[
            &Key::Left.to_string(),
            &Key::Left.to_string(),
            &Key::Enter.to_string(),
        ],
    )
    .await;
    b.wait_until(&format!(
        "location.search !== {:?}",
        format!("?{}", zoomed.split_once('?').map_or("", |x| x.1))
    ))
    .await;
    let panned = b.location().await;
    let from2 = first_day(&query_value(&panned, "from").expect("from"));
    let to2 = last_day(&query_value(&panned, "to").expect("to"));
    assert!(from2 < from && to2 < to, "earlier: {zoomed} → {panned}");
    assert!(
        ((to2 - from2) - (to - from)).abs() <= 366,
        "same scale: {zoomed} → {panned}"
    );

    // Home goes to the start of the chronology, keeping the scale.
    b.wait_until(&format!(
        "document.querySelector('.overview').dataset.first === {:?}",
        iso_first(&query_value(&panned, "from").expect("from"))
    ))
    .await;
    b.eval("document.querySelector('.overview__strip').focus();")
        .await;
    press(&b, &[&Key::Home.to_string(), &Key::Enter.to_string()]).await;
    b.wait_until(&format!(
        "location.search !== {:?}",
        format!("?{}", panned.split_once('?').map_or("", |x| x.1))
    ))
    .await;
    let home = b.location().await;
    let from3 = first_day(&query_value(&home, "from").expect("from"));
    assert!(from3 <= days_from_civil(1988, 12, 31), "Home: {home}");
    assert_eq!(
        b.card_slugs().await.first().map(String::as_str),
        // The chronology's first event in timeline order (earliest day first): the
        // departures from Armenia, dated to the years 1988-1991.
        Some("1988-azerbaijanis-leave-armenia"),
        "{home}"
    );
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dragging_the_strip_pans_at_a_fixed_scale() {
    let Some(b) = Browser::start(1280, 800).await else {
        return;
    };
    b.open("/?from=2000&to=2019").await;
    b.wait_until("document.documentElement.classList.contains('js')")
        .await;
    let (left, top, width, _) = b.rect(".overview__strip").await;
    // The titles' lanes pan; the ruler below them brushes.
    let plot_top = b
        .eval("return Number(document.querySelector('.overview__strip').getAttribute('data-plot-top'));")
        .await
        .as_f64()
        .expect("plot top");
    let y = top + plot_top - 20.0;
    let mut mouse = MouseActions::new("mouse".to_string())
        .then(PointerAction::MoveTo {
            duration: None,
            x: left + width * 0.7,
            y,
        })
        .then(PointerAction::Down {
            button: MOUSE_BUTTON_LEFT,
        });
    for i in 1..=10 {
        mouse = mouse.then(PointerAction::MoveTo {
            duration: Some(Duration::from_millis(30)),
            x: left + width * (0.7 - 0.025 * f64::from(i)),
            y,
        });
    }
    mouse = mouse.then(PointerAction::Up {
        button: MOUSE_BUTTON_LEFT,
    });
    b.client.perform_actions(mouse).await.expect("drag");
    b.wait_until("location.search !== '?from=2000&to=2019'")
        .await;
    b.wait_until("!document.documentElement.classList.contains('is-loading')")
        .await;
    let panned = b.location().await;
    let from = first_day(&query_value(&panned, "from").expect("from"));
    let to = last_day(&query_value(&panned, "to").expect("to"));
    // A quarter of 20 years later, still 20 years long (rounded to whole years).
    assert!(
        from >= days_from_civil(2004, 1, 1) && from <= days_from_civil(2006, 1, 1),
        "{panned}"
    );
    assert!(
        ((to - from) - (days_from_civil(2020, 1, 1) - days_from_civil(2000, 1, 1))).abs() <= 366,
        "{panned}"
    );
    b.wait_until(&format!(
        "document.querySelector('.overview').dataset.first === {:?}",
        iso_first(&query_value(&panned, "from").expect("from"))
    ))
    .await;
    assert_eq!(b.card_slugs().await, server_slugs(&b.url(&panned)).await);
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_and_its_mark_light_up_together() {
    let Some(b) = Browser::start(1280, 800).await else {
        return;
    };
    b.open("/?from=2020&to=2020").await;
    b.wait_until("document.documentElement.classList.contains('js')")
        .await;
    let cards = b.card_slugs().await;
    let slug = cards.get(1).expect("two cards").clone();
    b.eval(&format!(
        "document.getElementById({slug:?}).querySelector('.card__title a').focus();"
    ))
    .await;
    b.wait_until(&format!(
        "document.querySelector(\".mark-link[data-slug='{slug}']\").classList.contains('is-linked')"
    ))
    .await;
    b.wait_until("!document.querySelector('.overview__tip').hidden")
        .await;
    // Every mark has its card on this page: pointing at one lights the card. (A mark
    // that nothing covers at its middle.)
    b.eval("document.querySelector('.overview__strip').scrollIntoView({block: 'center', behavior: 'instant'});")
        .await;
    // The page scrolls smoothly (`scroll-behavior: smooth`) after the focus above: the
    // marks are measured once it has come to rest, or the pointer lands where a mark was.
    let mut last = b.eval("return window.scrollY;").await;
    for _ in 0..40 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let now = b.eval("return window.scrollY;").await;
        if now == last {
            break;
        }
        last = now;
    }
    let found = b
        .eval(
            "for (const m of document.querySelectorAll('.overview__strip .mark')) {
               const r = m.getBoundingClientRect(), x = r.left + r.width / 2, y = r.top + r.height / 2;
               const hit = document.elementFromPoint(x, y);
               const link = hit && hit.closest('.mark-link');
               if (link && link.dataset.slug === m.dataset.slug) return [m.dataset.slug, x, y];
             }
             return null;",
        )
        .await;
    let slug = found[0].as_str().expect("an uncovered mark").to_string();
    let mouse = MouseActions::new("mouse".to_string()).then(PointerAction::MoveTo {
        duration: None,
        x: found[1].as_f64().expect("x"),
        y: found[2].as_f64().expect("y"),
    });
    b.client.perform_actions(mouse).await.expect("hover");
    b.wait_until(&format!(
        "document.getElementById({slug:?}).classList.contains('is-linked')"
    ))
    .await;
    b.close().await;
}
