//! Hostile text in Chromium: the XSS corpus (`tests/fixtures/hostile/`) imported into every
//! text field, then the timeline, a search, an in-place update and every event page opened.
//! Payloads try to set `window.__xss` or open an alert; neither may happen, and the live
//! DOM (after the site's script has run) may hold no event-handler attributes, no
//! `javascript:` URLs and no script but the site's.
//!
//! Each page is checked twice: as served (with the Content-Security-Policy), and with the
//! policy header removed, so that escaping alone is shown to be enough and the policy is a
//! second line, not the only one.

use std::net::SocketAddr;

use axum::http::header;
use axum::response::Response;
use conflict_timeline::import::{self, ImportOptions, Input, InputSource};
use conflict_timeline::{AppState, db, web};
use serde_json::Value;

use crate::harness::Browser;

#[path = "../fixtures/hostile/corpus.rs"]
mod corpus;

/// Serves the hostile dataset; with `csp == false` the policy header is stripped.
async fn serve_hostile(dir: &std::path::Path, csp: bool) -> String {
    let path = dir.join(if csp { "csp.db" } else { "no-csp.db" });
    let pool = db::open_read_write(&path).await.expect("open");
    db::migrate(&pool, &path).await.expect("migrate");
    import::import(
        &pool,
        &[Input {
            name: "hostile.toml".into(),
            source: InputSource::Text(corpus::hostile_dataset()),
            format: Some(import::Format::Native),
        }],
        ImportOptions::default(),
    )
    .await
    .expect("the hostile dataset imports");
    pool.close().await;
    let read = db::open_read_only(&path, 4).await.expect("read pool");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr: SocketAddr = listener.local_addr().expect("address");
    let base = format!("http://{addr}");
    let mut router = web::router(AppState::new(read, web::Config::new(base.clone())));
    if !csp {
        router = router.layer(axum::middleware::map_response(
            |mut response: Response| async move {
                response
                    .headers_mut()
                    .remove(header::CONTENT_SECURITY_POLICY);
                response
            },
        ));
    }
    tokio::spawn(async move { axum::serve(listener, router).await });
    base
}

/// What the page's live DOM holds that could run, and whether anything did.
const PROBE: &str = r#"
const found = [];
if (typeof window.__xss !== 'undefined') found.push('window.__xss was set');
try { if (parent && parent.__xss) found.push('parent.__xss was set'); } catch (e) {}
for (const el of document.querySelectorAll('*')) {
  for (const attr of el.attributes) {
    const name = attr.name.toLowerCase();
    const value = attr.value.replace(/[\s\u0000-\u001f]/g, '').toLowerCase();
    if (name.startsWith('on')) found.push(`${el.tagName} ${name}=${attr.value}`);
    if (['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'srcdoc'].includes(name)
        && (value.startsWith('javascript:') || value.startsWith('data:') || name === 'srcdoc')) {
      found.push(`${el.tagName} ${name}=${attr.value}`);
    }
  }
}
for (const s of document.scripts) {
  const own = s.src && new URL(s.src).origin === location.origin && new URL(s.src).pathname.startsWith('/static/');
  if (!own && s.type !== 'application/ld+json') found.push(`script ${s.outerHTML.slice(0, 80)}`);
}
for (const tag of ['iframe', 'object', 'embed', 'img', 'math', 'base', 'style']) {
  for (const el of document.getElementsByTagName(tag)) found.push(`<${tag}> ${el.outerHTML.slice(0, 80)}`);
}
for (const svg of document.getElementsByTagName('svg')) {
  const cls = svg.getAttribute('class') || '';
  if (!cls.startsWith('overview__') && !cls.startsWith('map ')) found.push(`svg ${svg.outerHTML.slice(0, 80)}`);
}
return found;
"#;

/// Fails if an alert is open, `window.__xss` was set, or the DOM holds live markup.
async fn assert_nothing_ran(browser: &Browser, what: &str) {
    if let Ok(text) = browser.client.get_alert_text().await {
        let _ = browser.client.dismiss_alert().await;
        panic!("{what}: an alert opened: {text}");
    }
    let found = browser.eval(PROBE).await;
    let found: Vec<String> = serde_json::from_value(found).expect("list");
    assert!(found.is_empty(), "{what}: {found:#?}");
}

async fn open(browser: &Browser, url: &str) {
    browser.client.goto(url).await.expect("navigate");
    if let Ok(text) = browser.client.get_alert_text().await {
        let _ = browser.client.dismiss_alert().await;
        panic!("{url}: an alert opened: {text}");
    }
    browser
        .wait_until("document.readyState === 'complete'")
        .await;
    // Let handlers that a payload might have planted (onload, onerror, autofocus) fire.
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
}

async fn check_site(browser: &Browser, base: &str, label: &str) {
    let payloads = corpus::payloads();
    for path in [
        "/".to_string(),
        "/?q=xss".to_string(),
        "/?q=window".to_string(),
        "/?category=hostile".to_string(),
        format!("/?q={}", "%3Cimg%20src%3Dx%20onerror%3Dwindow.__xss%3D1%3E"),
        format!("/?from={}", "%22%3E%3Csvg%20onload%3Dwindow.__xss%3D1%3E"),
        format!("/events/{}", "%3Cscript%3Ewindow.__xss%3D1%3C%2Fscript%3E"),
    ] {
        let url = format!("{base}{path}");
        open(browser, &url).await;
        assert_nothing_ran(browser, &format!("{label} {path}")).await;
    }

    // An in-place update: the site's script fetches the next view and swaps it in.
    open(browser, &format!("{base}/")).await;
    browser
        .eval(
            "const f = document.querySelector('form.filter-form'); \
             f.querySelector('[name=q]').value = 'onerror'; f.requestSubmit(); return true;",
        )
        .await;
    browser
        .wait_until("location.search.includes('q=onerror') && !document.documentElement.classList.contains('is-loading')")
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let cards = browser.card_slugs().await;
    assert!(!cards.is_empty(), "{label}: the search swapped in results");
    assert_nothing_ran(browser, &format!("{label} in-place search")).await;

    for (i, payload) in payloads.iter().enumerate() {
        let path = format!("/events/{}", corpus::event_slug(i));
        open(browser, &format!("{base}{path}")).await;
        assert_nothing_ran(browser, &format!("{label} {path}")).await;
        let title = browser
            .eval("return document.querySelector('h1').textContent;")
            .await;
        let collapse = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(
            title.as_str().map(collapse),
            Some(collapse(payload)),
            "{label} {path}: the title is shown as text"
        );
    }
    // Clicking the hostile source link of one event does not run anything either.
    let path = format!("/events/{}", corpus::event_slug(9));
    open(browser, &format!("{base}{path}")).await;
    let hrefs = browser
        .eval("return Array.from(document.querySelectorAll('a[href]')).map(a => a.protocol);")
        .await;
    let protocols: Vec<String> = serde_json::from_value(hrefs).expect("protocols");
    assert!(
        protocols.iter().all(|p| p == "http:" || p == "https:"),
        "{label} {path}: {protocols:?}"
    );
    assert_eq!(
        browser.eval("return typeof window.__xss;").await,
        Value::from("undefined")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_text_never_runs_in_the_browser() {
    let Some(browser) = Browser::start(1280, 900).await else {
        return;
    };
    let dir = tempfile::tempdir().expect("dir");
    let with_csp = serve_hostile(dir.path(), true).await;
    let without_csp = serve_hostile(dir.path(), false).await;
    check_site(&browser, &with_csp, "with CSP").await;
    check_site(&browser, &without_csp, "without CSP").await;
    browser.close().await;
}
