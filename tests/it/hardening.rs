//! Hardening: security headers on every kind of response, and untrusted text that stays
//! text. A corpus of XSS payloads (`tests/fixtures/hostile/`) is imported into every text
//! field of events, sources, a conflict and an era, and sent in every query parameter; no
//! page may then carry markup that could run.

use axum::body::Body;
use axum::http::{Method, Request};
use conflict_timeline::import::{self, ImportError, ImportOptions};
use scraper::{ElementRef, Html};

use crate::harness::{PUBLIC_URL, TestApp, TestResponse, sel, text, text_input};

#[path = "../fixtures/hostile/corpus.rs"]
mod corpus;

pub use corpus::{event_slug, hostile_dataset, hostile_url, payloads};

/// Sends any request through the router.
pub async fn send(app: &TestApp, method: Method, uri: &str, body: &str) -> TestResponse {
    let mut builder = Request::builder().method(method).uri(uri);
    if !body.is_empty() {
        builder = builder.header("content-type", "application/x-www-form-urlencoded");
    }
    let request = builder.body(Body::from(body.to_string())).expect("request");
    app.send(request).await
}

/// Percent-encodes everything but unreserved characters.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

// ---- Security headers ------------------------------------------------------------------

/// The security headers every response must carry, whatever produced it.
pub fn assert_security_headers(r: &TestResponse, what: &str) {
    let csp = r
        .header("content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no Content-Security-Policy ({:?})", r.headers));
    let directives: Vec<&str> = csp.split(';').map(str::trim).collect();
    for needed in [
        "default-src 'none'",
        "script-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ] {
        assert!(
            directives.contains(&needed),
            "{what}: CSP lacks {needed}: {csp}"
        );
    }
    for forbidden in ["'unsafe-inline'", "'unsafe-eval'", "*", "http:", "https:"] {
        assert!(
            !csp.split_whitespace().any(|t| t == forbidden),
            "{what}: CSP allows {forbidden}: {csp}"
        );
    }
    assert_eq!(
        r.header("x-content-type-options"),
        Some("nosniff"),
        "{what}: nosniff"
    );
    let referrer = r
        .header("referrer-policy")
        .unwrap_or_else(|| panic!("{what}: no Referrer-Policy"));
    assert!(
        [
            "no-referrer",
            "same-origin",
            "strict-origin",
            "strict-origin-when-cross-origin"
        ]
        .contains(&referrer),
        "{what}: Referrer-Policy leaks paths to other origins: {referrer}"
    );
    let permissions = r
        .header("permissions-policy")
        .unwrap_or_else(|| panic!("{what}: no Permissions-Policy"));
    for feature in ["camera=()", "microphone=()", "geolocation=()"] {
        assert!(
            permissions.contains(feature),
            "{what}: Permissions-Policy lacks {feature}: {permissions}"
        );
    }
    assert_eq!(
        r.header("x-frame-options"),
        Some("DENY"),
        "{what}: X-Frame-Options for browsers without frame-ancestors"
    );
}

/// The site's fingerprinted stylesheet and script paths, read from a page.
fn asset_paths(html: &Html) -> Vec<String> {
    let mut out: Vec<String> = html
        .select(&sel("link[rel=stylesheet], link[rel=icon]"))
        .filter_map(|l| l.value().attr("href").map(str::to_string))
        .collect();
    out.extend(
        html.select(&sel("script[src]"))
            .filter_map(|s| s.value().attr("src").map(str::to_string)),
    );
    out
}

#[tokio::test]
async fn every_kind_of_response_carries_the_security_headers() {
    let app = TestApp::seeded().await;
    let home = app.get("/").await;
    let event = crate::harness::bundled_events()[0].slug.clone();
    let assets = asset_paths(&home.html());
    assert!(assets.len() >= 3, "stylesheet, icon and script: {assets:?}");

    let mut cases: Vec<(Method, String, u16)> = vec![
        (Method::GET, "/".into(), 200),
        (Method::GET, "/?from=2020&to=2021&q=ceasefire".into(), 200),
        (Method::GET, format!("/events/{event}"), 200),
        (Method::GET, "/search?q=war".into(), 303),
        (Method::GET, "/api/events".into(), 200),
        (Method::GET, format!("/api/events/{event}"), 200),
        (Method::GET, "/api/conflicts".into(), 200),
        (Method::GET, "/api/openapi.json".into(), 200),
        (Method::GET, "/export/events.csv".into(), 200),
        (Method::GET, "/export/events.ics".into(), 200),
        (Method::GET, "/export/events.atom".into(), 200),
        (Method::GET, "/export/timelinejs.json".into(), 200),
        (Method::GET, "/healthz".into(), 200),
        (Method::GET, "/readyz".into(), 200),
        (Method::HEAD, "/".into(), 200),
        (Method::HEAD, "/api/events".into(), 200),
        // Error pages, HTML and problem documents.
        (Method::GET, "/no-such-page".into(), 404),
        (Method::GET, "/events/no-such-event".into(), 404),
        (Method::GET, "/events/%FF%FE".into(), 404),
        (Method::GET, "/api/events/no-such-event".into(), 404),
        (Method::GET, "/api/no-such-endpoint".into(), 404),
        (Method::GET, "/static/app.0000000000.css".into(), 404),
        (Method::GET, "/?from=1988-13".into(), 400),
        (Method::GET, "/?page=0&q=war".into(), 400),
        (Method::GET, "/api/events?limit=0".into(), 400),
        (Method::GET, "/export/events.csv?to=nonsense".into(), 400),
        (Method::POST, "/".into(), 405),
        (Method::DELETE, format!("/events/{event}"), 405),
        (Method::PUT, "/api/events".into(), 405),
        (Method::POST, "/export/events.csv".into(), 405),
        (Method::POST, "/healthz".into(), 405),
    ];
    for asset in &assets {
        cases.push((Method::GET, asset.clone(), 200));
        cases.push((Method::POST, asset.clone(), 405));
    }
    for (method, uri, status) in cases {
        let r = send(&app, method.clone(), &uri, "").await;
        let what = format!("{method} {uri}");
        assert_eq!(r.status.as_u16(), status, "{what}: {}", r.body);
        assert_security_headers(&r, &what);
        if status == 405 {
            let allow = r
                .header("allow")
                .unwrap_or_else(|| panic!("{what}: 405 without Allow"));
            assert!(allow.contains("GET"), "{what}: Allow: {allow}");
        }
    }
}

#[tokio::test]
async fn responses_say_what_they_are_so_nothing_is_sniffed() {
    let app = TestApp::seeded().await;
    for (uri, media) in [
        ("/", "text/html"),
        ("/no-such-page", "text/html"),
        ("/?from=1988-13", "text/html"),
        ("/api/events", "application/json"),
        ("/api/events?limit=0", "application/problem+json"),
        ("/api/nothing", "application/problem+json"),
        ("/export/events.csv", "text/csv"),
        ("/export/events.ics", "text/calendar"),
        ("/export/events.atom", "application/atom+xml"),
        ("/export/timelinejs.json", "application/json"),
        ("/healthz", "text/plain"),
    ] {
        let r = app.get(uri).await;
        let ct = r
            .header("content-type")
            .unwrap_or_else(|| panic!("{uri}: no Content-Type"));
        assert!(ct.starts_with(media), "{uri}: {ct}");
    }
}

// ---- Untrusted text stays text ---------------------------------------------------------

/// Attributes whose value is a URL a browser may follow, load or run.
const URL_ATTRIBUTES: [&str; 11] = [
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "data",
    "poster",
    "background",
    "srcset",
    "ping",
    "codebase",
];

/// Elements the site never emits; any of them would have come from data.
const FOREIGN_ELEMENTS: [&str; 16] = [
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "base",
    "math",
    "style",
    "img",
    "textarea",
    "noscript",
    "template",
    "video",
    "audio",
    "foreignobject",
];

/// Fails unless `html` has nothing a browser could run: only the site's own external
/// script and the JSON-LD data block, no event-handler attributes, no script-bearing URLs,
/// no elements the site never writes, no SVG outside the server-drawn overview strip, no
/// meta refresh, and forms that only submit to the site.
pub fn assert_inert(html: &str, what: &str) {
    let doc = Html::parse_document(html);
    let mut own_scripts = 0;
    for el in doc
        .root_element()
        .descendants()
        .filter_map(ElementRef::wrap)
    {
        let v = el.value();
        let name = v.name().to_ascii_lowercase();
        match name.as_str() {
            "script" => match (v.attr("type"), v.attr("src")) {
                (Some("application/ld+json"), None) => {
                    let data: String = el.text().collect();
                    assert!(
                        !data.contains('<'),
                        "{what}: the JSON-LD block holds a raw '<': {data}"
                    );
                    let parsed: Result<serde_json::Value, _> = serde_json::from_str(&data);
                    assert!(parsed.is_ok(), "{what}: JSON-LD is not JSON: {data}");
                }
                (None, Some(src)) if src.starts_with("/static/") && src.ends_with(".js") => {
                    assert!(
                        el.text().all(|t| t.trim().is_empty()),
                        "{what}: the site script has inline text"
                    );
                    own_scripts += 1;
                }
                (ty, src) => panic!(
                    "{what}: a script that is not the site's (type {ty:?}, src {src:?}): {}",
                    el.html()
                ),
            },
            "svg" => {
                let class = v.attr("class").unwrap_or("");
                assert!(
                    class.starts_with("overview__") || class.starts_with("map "),
                    "{what}: an <svg> that is not the overview strip or a map: {}",
                    el.html()
                );
            }
            "meta" => assert!(
                v.attr("http-equiv").is_none(),
                "{what}: meta http-equiv: {}",
                el.html()
            ),
            "form" => {
                let action = v.attr("action").unwrap_or("/");
                assert!(
                    action == "/" || action.starts_with("/?"),
                    "{what}: a form that submits elsewhere: {}",
                    el.html()
                );
            }
            "link" => {
                let href = v.attr("href").unwrap_or("");
                assert!(
                    href.starts_with('/') || href.starts_with(PUBLIC_URL),
                    "{what}: a <link> to {href}"
                );
            }
            other if FOREIGN_ELEMENTS.contains(&other) => {
                panic!("{what}: a <{other}> came from data: {}", el.html())
            }
            _ => {}
        }
        for (attr, value) in v.attrs() {
            let attr = attr.to_ascii_lowercase();
            assert!(
                !attr.starts_with("on"),
                "{what}: event-handler attribute {attr}={value:?} on <{name}>"
            );
            assert!(
                attr != "srcdoc" && attr != "style",
                "{what}: {attr} attribute on <{name}>: {value:?}"
            );
            if URL_ATTRIBUTES.contains(&attr.as_str()) {
                let squashed: String = value
                    .chars()
                    .filter(|c| !c.is_whitespace() && !c.is_control())
                    .collect::<String>()
                    .to_ascii_lowercase();
                for scheme in ["javascript:", "vbscript:", "data:", "livescript:"] {
                    assert!(
                        !squashed.starts_with(scheme),
                        "{what}: {attr}={value:?} on <{name}>"
                    );
                }
            }
        }
    }
    assert!(
        own_scripts <= 1,
        "{what}: {own_scripts} copies of the site script"
    );
}

/// Whitespace collapsed, as [`text`] gives it.
fn collapsed(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

async fn hostile_app() -> TestApp {
    TestApp::with_dataset(&hostile_dataset()).await
}

#[tokio::test]
async fn imported_payloads_render_as_text_on_every_page() {
    let app = hostile_app().await;
    let payloads = payloads();
    assert_eq!(app.count("event").await as usize, payloads.len());

    for (i, payload) in payloads.iter().enumerate() {
        let uri = format!("/events/{}", event_slug(i));
        let r = app.get(&uri).await;
        assert_eq!(r.status, 200, "{uri}");
        assert_inert(&r.body, &uri);
        let html = r.html();
        assert_eq!(
            crate::harness::texts(&html, "h1"),
            [collapsed(payload)],
            "{uri}: the title is shown as the text it is"
        );
        // The source link: the payload is its text, the URL only its address.
        let url = hostile_url(i, payload);
        let link = html
            .select(&sel("a[rel~=noopener]"))
            .find(|a| a.value().attr("href") == Some(url.as_str()))
            .unwrap_or_else(|| panic!("{uri}: the source link to {url}"));
        assert_eq!(text(link), collapsed(payload), "{uri}: source title");
    }

    let mut pages: Vec<String> = vec![
        "/".into(),
        "/?q=xss".into(),
        "/?q=window".into(),
        "/?q=script".into(),
        "/?q=onerror".into(),
        "/?q=javascript".into(),
        "/?category=hostile".into(),
        "/?from=2001-01&to=2001-02".into(),
    ];
    let actors: Vec<(String,)> = sqlx::query_as("SELECT slug FROM actor")
        .fetch_all(&app.rw)
        .await
        .expect("actors");
    pages.extend(actors.into_iter().map(|(slug,)| format!("/?actor={slug}")));
    for page in pages {
        let r = app.get(&page).await;
        assert_eq!(r.status, 200, "{page}: {}", r.body.len());
        assert_inert(&r.body, &page);
    }
    // The timeline lists every payload as a card title, as text.
    let r = app.get("/?q=xss").await;
    assert!(
        !crate::harness::card_slugs(&r.html()).is_empty(),
        "the search finds the hostile events"
    );
}

#[tokio::test]
async fn imported_payloads_stay_data_in_the_api_and_the_exports() {
    let app = hostile_app().await;
    let payloads = payloads();

    let r = app.get("/api/events?limit=500").await;
    assert_eq!(r.status, 200);
    assert!(
        r.header("content-type")
            .is_some_and(|c| c.starts_with("application/json"))
    );
    let json = r.json();
    let titles: Vec<&str> = json["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["title"].as_str())
        .collect();
    for payload in &payloads {
        assert!(
            titles.contains(payload),
            "the API returns the title as stored: {payload}"
        );
    }
    for i in [0, 6, 12] {
        let r = app.get(&format!("/api/events/{}", event_slug(i))).await;
        assert_eq!(r.status, 200);
        let v = r.json();
        assert_eq!(v["event"]["title"].as_str(), Some(payloads[i]));
        assert_eq!(v["event"]["place"].as_str(), Some(payloads[i]));
    }

    // Atom: payloads are text constructs, never HTML ones.
    let atom = app.get("/export/events.atom").await;
    assert_eq!(atom.status, 200);
    let doc = roxmltree::Document::parse(&atom.body).expect("Atom is XML");
    for node in doc.descendants().filter(|n| n.is_element()) {
        if let Some(kind) = node.attribute("type")
            && ["title", "summary", "content", "subtitle", "rights"]
                .contains(&node.tag_name().name())
        {
            assert_eq!(kind, "text", "{:?} is a text construct", node.tag_name());
        }
        assert!(
            node.tag_name()
                .namespace()
                .is_none_or(|ns| ns == "http://www.w3.org/2005/Atom"),
            "no foreign (XHTML, SVG) elements in the feed: {:?}",
            node.tag_name()
        );
    }
    let entry_titles: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("entry"))
        .filter_map(|e| e.children().find(|c| c.has_tag_name("title")))
        .filter_map(|t| t.text())
        .collect();
    for payload in &payloads {
        assert!(
            entry_titles.contains(payload),
            "the feed keeps {payload:?} as text"
        );
    }

    // TimelineJS renders `headline` and `text` as HTML: they must be inert markup.
    let tl = app.get("/export/timelinejs.json").await;
    assert_eq!(tl.status, 200);
    assert_timelinejs_inert(&tl.json(), "/export/timelinejs.json");

    // CSV and iCalendar are not HTML; they must say so and be downloads.
    for uri in ["/export/events.csv", "/export/events.ics"] {
        let r = app.get(uri).await;
        assert_eq!(r.status, 200, "{uri}");
        assert!(
            !r.header("content-type").unwrap_or("").contains("html"),
            "{uri}"
        );
    }
}

/// Every `headline` and `text` of a TimelineJS document, read as the HTML TimelineJS makes
/// of it, is inert.
fn assert_timelinejs_inert(v: &serde_json::Value, what: &str) {
    fn walk(v: &serde_json::Value, what: &str, seen: &mut usize) {
        match v {
            serde_json::Value::Object(map) => {
                for (key, value) in map {
                    if let ("headline" | "text", Some(s)) = (key.as_str(), value.as_str()) {
                        *seen += 1;
                        assert_inert(&format!("<body>{s}</body>"), &format!("{what}: {key}"));
                        let fragment = Html::parse_fragment(s);
                        let tags: Vec<String> = fragment
                            .root_element()
                            .descendants()
                            .filter_map(ElementRef::wrap)
                            .map(|e| e.value().name().to_string())
                            .filter(|n| n != "html")
                            .collect();
                        for tag in &tags {
                            assert!(
                                [
                                    "p",
                                    "a",
                                    "em",
                                    "strong",
                                    "br",
                                    "ul",
                                    "ol",
                                    "li",
                                    "blockquote",
                                    "code",
                                    "pre",
                                    "h3",
                                    "h4",
                                    "table",
                                    "thead",
                                    "tbody",
                                    "tr",
                                    "th",
                                    "td",
                                    "del",
                                    "sup",
                                    "sub"
                                ]
                                .contains(&tag.as_str()),
                                "{what}: {key} has <{tag}>: {s}"
                            );
                        }
                    }
                    walk(value, what, seen);
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|i| walk(i, what, seen)),
            _ => {}
        }
    }
    let mut seen = 0;
    walk(v, what, &mut seen);
    assert!(seen > 0, "{what}: no headline or text at all");
}

/// Fails today: `import::export` (the `export --format timelinejs` command) writes titles,
/// era and conflict names into `headline` unescaped, and TimelineJS inserts `headline` as
/// HTML. The web export (`/export/timelinejs.json`) escapes them; the command must too.
#[tokio::test]
async fn the_timelinejs_export_command_writes_inert_markup() {
    let app = hostile_app().await;
    let mut out = Vec::new();
    conflict_timeline::export::export(
        &app.rw,
        conflict_timeline::export::ExportFormat::Timelinejs,
        &conflict_timeline::export::ExportFilter::default(),
        &mut out,
    )
    .await
    .expect("export");
    let v: serde_json::Value = serde_json::from_slice(&out).expect("JSON");
    assert_timelinejs_inert(&v, "export --format timelinejs");
}

#[tokio::test]
async fn source_urls_that_are_not_http_are_refused_by_the_importer() {
    let app = TestApp::with_dataset(
        "format = \"conflict-timeline/1\"\n[[conflicts]]\nslug = \"c\"\nname = \"C\"\n",
    )
    .await;
    let bad_urls = [
        "javascript:window.__xss=1",
        "JavaScript:window.__xss=1",
        " javascript:window.__xss=1",
        "java\tscript:window.__xss=1",
        "vbscript:msgbox(1)",
        "data:text/html,<script>window.__xss=1</script>",
        "file:///etc/passwd",
        "//example.org/protocol-relative",
        "/relative/path",
        "https://",
        "http:// example.org/space",
        "https://example.org/\u{0}nul",
        "ftp://example.org/x",
    ];
    for url in bad_urls {
        let toml = format!(
            "format = \"conflict-timeline/1\"\n[[events]]\nconflict = \"c\"\nslug = \"bad-url\"\ndate = \"2001\"\n\
             title = \"Bad URL\"\ncategory = \"political\"\n[[events.sources]]\ntitle = \"S\"\nurl = {}\n",
            serde_json::to_string(url).expect("string")
        );
        let err = import::import(
            &app.rw,
            &[text_input("bad-url.toml", &toml)],
            ImportOptions::default(),
        )
        .await
        .expect_err(url);
        let ImportError::Invalid { problems, .. } = err else {
            panic!("{url}: expected a problem, got {err}")
        };
        assert!(
            problems.iter().any(|p| p.field == "sources[0].url"),
            "{url}: {problems:?}"
        );
    }
    assert_eq!(app.count("event").await, 0);

    // The same through a foreign format: a plain CSV row.
    let csv = "title,start_date,conflict,source_url\nBad,2001-01-01,c,javascript:window.__xss=1\n";
    let err = import::import(
        &app.rw,
        &[conflict_timeline::import::Input {
            name: "bad.csv".into(),
            source: import::InputSource::Text(csv.into()),
            format: Some(import::Format::Csv),
        }],
        ImportOptions::default(),
    )
    .await
    .expect_err("a javascript: source URL in CSV is refused");
    assert!(
        err.to_string().contains("source_url") || format!("{err:?}").contains("source_url"),
        "{err:?}"
    );
}

/// Query values: the payloads, plus broken encodings that are not valid UTF-8 once
/// decoded, double encodings and overlong forms.
fn query_values() -> Vec<String> {
    let mut values: Vec<String> = payloads().iter().map(|p| encode(p)).collect();
    values.extend(
        [
            "%FF",
            "%FE%FF%3Cscript%3E",
            "%C0%BCscript%C0%BEwindow.__xss%3D1%C0%BC%2Fscript%C0%BE",
            "%E0%80%BCsvg%20onload%3Dwindow.__xss%3D1%E0%80%BE",
            "%F0%9F",
            "%ED%A0%80",
            "%3",
            "%%3Cscript%3E",
            "%253Cscript%253Ewindow.__xss%253D1%253C%252Fscript%253E",
            "%00%3Cscript%3E",
            "%EF%BC%9Cscript%EF%BC%9E",
            "%E2%80%AE%3Cimg%20src%3Dx%20onerror%3Dwindow.__xss%3D1%3E",
            "1988%22%3E%3Cimg%20src%3Dx%20onerror%3Dwindow.__xss%3D1%3E",
            "2020-01-01%27onmouseover%3D%27window.__xss%3D1",
        ]
        .map(str::to_string),
    );
    values
}

/// Every parameter any page reads (and a few it does not).
const PARAMETERS: [&str; 10] = [
    "from", "to", "q", "category", "actor", "conflict", "place", "after", "page", "limit",
];

#[tokio::test]
async fn hostile_query_parameters_never_come_back_as_markup() {
    let app = TestApp::seeded().await;
    let values = query_values();
    for param in PARAMETERS {
        for value in &values {
            for uri in [
                format!("/?{param}={value}"),
                format!("/search?{param}={value}"),
            ] {
                let r = app.get(&uri).await;
                assert!(
                    [200, 303, 400].contains(&r.status.as_u16()),
                    "{uri}: {} {}",
                    r.status,
                    r.body
                );
                assert_security_headers(&r, &uri);
                if let Some(location) = r.header("location") {
                    assert!(location.starts_with('/'), "{uri}: redirects to {location}");
                } else {
                    assert_inert(&r.body, &uri);
                }
            }
            for uri in [
                format!("/api/events?{param}={value}"),
                format!("/export/events.csv?{param}={value}"),
            ] {
                let r = app.get(&uri).await;
                assert!(
                    [200, 400].contains(&r.status.as_u16()),
                    "{uri}: {} {}",
                    r.status,
                    r.body
                );
                let ct = r.header("content-type").unwrap_or("");
                if ct.contains("html") {
                    // A bad filter on an export link is answered with the error page.
                    assert_eq!(r.status, 400, "{uri}: {ct}");
                    assert_inert(&r.body, &uri);
                }
                if uri.starts_with("/api/") {
                    let _ = r.json();
                }
            }
        }
    }
}

#[tokio::test]
async fn hostile_path_segments_give_inert_not_found_pages() {
    let app = TestApp::seeded().await;
    for value in query_values() {
        for uri in [
            format!("/events/{value}"),
            format!("/{value}"),
            format!("/static/{value}"),
        ] {
            let r = app.get(&uri).await;
            assert!(
                [404, 400].contains(&r.status.as_u16()),
                "{uri}: {}",
                r.status
            );
            assert_security_headers(&r, &uri);
            assert_inert(&r.body, &uri);
        }
        let uri = format!("/api/events/{value}");
        let r = app.get(&uri).await;
        assert_eq!(r.status, 404, "{uri}");
        assert!(
            r.header("content-type")
                .is_some_and(|c| c.starts_with("application/problem+json")),
            "{uri}"
        );
        let _ = r.json();
    }
}

#[tokio::test]
async fn a_csv_with_invalid_utf8_is_refused_or_stored_as_text() {
    let app = TestApp::with_dataset(
        "format = \"conflict-timeline/1\"\n[[conflicts]]\nslug = \"c\"\nname = \"C\"\n",
    )
    .await;
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("broken.csv");
    let mut bytes = b"title,start_date,conflict,summary\n".to_vec();
    bytes.extend_from_slice(b"\xC0\xBCscript\xC0\xBE window.__xss=1,2001-01-01,c,\xFF\xFE<img src=x onerror=window.__xss=1>\n");
    std::fs::write(&path, &bytes).expect("write");
    let result = import::import(
        &app.rw,
        &[import::Input::path(&path, Some(import::Format::Csv))],
        ImportOptions::default(),
    )
    .await;
    match result {
        Err(err) => {
            let message = err.to_string() + &format!("{err:?}");
            assert!(message.contains("broken.csv"), "{message}");
            assert_eq!(app.count("event").await, 0);
        }
        Ok(_) => {
            let r = app.get("/").await;
            assert_inert(&r.body, "/ after an invalid UTF-8 import");
        }
    }
}
