//! The embed view inside another site: a host page served from a second local port frames
//! `/embed?from=2020-09&to=2020-11`, sizes the frame from the resize message, and tries to
//! frame `/`, which the browser must refuse. Also axe on the embed view, and screenshots.

use axum::Router;
use axum::response::Html;
use axum::routing::get;
use serde_json::Value;

use crate::accessibility::serious_violations;
use crate::harness::{Browser, server_slugs};

const VIEW: &str = "from=2020-09&to=2020-11";

/// Serves `html` at `/` on a free port of 127.0.0.1: another origin than the app's.
async fn serve_host_page(html: String) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    let router = Router::new().route("/", get(move || async move { Html(html) }));
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}/")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_site_frames_the_embed_view_but_not_the_timeline() {
    let Some(b) = Browser::start(1280, 900).await else {
        return;
    };
    let host = serve_host_page(format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Host</title></head>
<body><h1>An article</h1>
<iframe id="embed" src="{base}/embed?{VIEW}" width="600" height="150" title="Timeline" style="border:0"></iframe>
<iframe id="home" src="{base}/" width="600" height="150" title="Home"></iframe>
<iframe id="narrow" src="{base}/embed?{VIEW}&amp;theme=dark" width="320" height="400" title="Narrow" style="border:0"></iframe>
<script>
  window.messages = [];
  window.addEventListener("message", function (e) {{
    var frame = document.getElementById("embed");
    if (e.source !== frame.contentWindow || e.origin !== "{base}") return;
    if (!e.data || e.data.type !== "conflict-timeline:resize") return;
    window.messages.push(e.data);
    frame.height = e.data.height;
  }});
</script></body></html>"#,
        base = b.base
    ))
    .await;
    b.client.goto(&host).await.expect("open the host page");
    b.wait_until("document.readyState === 'complete' && window.messages.length > 0")
        .await;

    let message = b
        .eval("return window.messages[window.messages.length - 1];")
        .await;
    assert_eq!(message["type"], "conflict-timeline:resize");
    let height = message["height"].as_f64().expect("a height");
    assert!(
        height > 300.0,
        "the content is taller than the initial frame: {height}"
    );
    assert!(
        message["url"]
            .as_str()
            .is_some_and(|u| u.ends_with(&format!("/embed?{VIEW}"))),
        "{message}"
    );
    let frame_height = b
        .eval("return document.getElementById('embed').getBoundingClientRect().height;")
        .await;
    assert!(
        (frame_height.as_f64().unwrap_or(0.0) - height).abs() < 2.0,
        "the host sized the frame from the message: {frame_height} vs {height}"
    );

    // Inside the frame: the events of the view, as the server lists them.
    b.find("#embed")
        .await
        .enter_frame()
        .await
        .expect("enter the embed frame");
    b.wait_until("document.readyState === 'complete'").await;
    let inside: Vec<String> = serde_json::from_value(
        b.eval("return Array.from(document.querySelectorAll('article.card')).map(c => c.id);")
            .await,
    )
    .expect("ids");
    let expected = server_slugs(&b.url(&format!("/?{VIEW}"))).await;
    assert!(!expected.is_empty());
    assert_eq!(inside, expected);
    b.client
        .enter_parent_frame()
        .await
        .expect("back to the host");

    // `/` refuses to be framed: the browser shows its own error page in that frame.
    b.find("#home")
        .await
        .enter_frame()
        .await
        .expect("enter the other frame");
    let location = b.eval("return String(window.location.href);").await;
    let cards = b
        .eval("return document.querySelectorAll('article.card').length;")
        .await;
    assert_eq!(cards, Value::from(0), "no timeline inside the frame");
    assert!(
        !location.as_str().unwrap_or("").starts_with(&b.base),
        "the framed timeline loaded: {location}"
    );
    b.client
        .enter_parent_frame()
        .await
        .expect("back to the host");

    // 320 pixels wide: nothing sticks out sideways.
    b.find("#narrow")
        .await
        .enter_frame()
        .await
        .expect("enter the narrow frame");
    b.wait_until("document.readyState === 'complete'").await;
    let sizes = b
        .eval(
            "return [document.documentElement.scrollWidth, document.documentElement.clientWidth];",
        )
        .await;
    assert_eq!(sizes[1], Value::from(320), "{sizes}");
    assert!(
        sizes[0].as_f64() <= sizes[1].as_f64(),
        "wider than its frame: {sizes}"
    );
    b.client
        .enter_parent_frame()
        .await
        .expect("back to the host");
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embed_view_has_no_serious_axe_violations_in_either_theme() {
    // Chromium keeps a window at least 500 px wide: the 320 px check is in a frame, above.
    let Some(b) = Browser::start(500, 800).await else {
        return;
    };
    for path in [
        format!("/embed?{VIEW}"),
        format!("/embed?{VIEW}&theme=dark"),
        "/embed?theme=light&q=ceasefire".to_string(),
    ] {
        let found = serious_violations(&b, &path).await;
        assert!(found.is_empty(), "{path}: {found:#?}");
    }
    b.open(&format!("/embed?{VIEW}")).await;
    b.screenshot("embed-500").await;
    b.open(&format!("/embed?{VIEW}&theme=dark")).await;
    b.screenshot("embed-500-dark").await;
    b.close().await;

    let Some(wide) = Browser::start(1280, 900).await else {
        return;
    };
    wide.open(&format!("/embed?{VIEW}")).await;
    wide.screenshot("embed-1280").await;
    wide.open("/events/2023-09-19-azerbaijani-military-operation")
        .await;
    wide.screenshot("event-page-share-cite").await;
    wide.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_copy_buttons_appear_with_the_script_and_copy_the_snippet() {
    let Some(b) = Browser::start(1280, 900).await else {
        return;
    };
    b.open(&format!("/?{VIEW}")).await;
    b.click("#share summary").await;
    b.wait_until("!document.querySelector('button[data-copy=share-snippet]').hidden")
        .await;
    b.click("button[data-copy=share-snippet]").await;
    b.wait_until("document.getElementById('share-status').textContent.length > 0")
        .await;
    let status = b
        .eval("return document.getElementById('share-status').textContent;")
        .await;
    // Headless Chromium may refuse the clipboard; either way the reader is told.
    assert!(
        status == "Embed code copied." || status.as_str().is_some_and(|s| s.starts_with("Select")),
        "{status}"
    );
    let selected = b.eval("return String(window.getSelection() || document.activeElement.value.substring(document.activeElement.selectionStart, document.activeElement.selectionEnd));").await;
    assert!(
        selected.as_str().unwrap_or("").contains("<iframe src="),
        "the snippet is selected: {selected}"
    );
    b.close().await;
}
