//! A small harness: build the app on a fresh database, call it, parse what comes back.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use conflict_timeline::edtf::Edtf;
use conflict_timeline::import::{self, ImportOptions, Input, InputSource};
use conflict_timeline::{AppState, db, web};
use http_body_util::BodyExt;
use scraper::{Html, Selector};
use sqlx::SqlitePool;
use tower::ServiceExt;

/// The public URL the test app believes it has.
pub const PUBLIC_URL: &str = "https://timeline.example";

/// The app on its own temporary database.
pub struct TestApp {
    pub router: Router,
    /// A read-write pool on the same file, for arranging data and inspecting it.
    pub rw: SqlitePool,
    _dir: tempfile::TempDir,
}

/// A response, read to the end.
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl TestApp {
    /// A database created, migrated and seeded exactly as on a first run.
    pub async fn seeded() -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let db_path = dir.path().join("test.db");
        assert!(
            conflict_timeline::bootstrap::prepare(&db_path)
                .await
                .expect("prepare"),
            "a new database is seeded"
        );
        Self::open(dir, db_path).await
    }

    /// A migrated database with only the given native-format dataset in it.
    pub async fn with_dataset(toml: &str) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let db_path = dir.path().join("test.db");
        let pool = db::open_read_write(&db_path).await.expect("open");
        db::migrate(&pool, &db_path).await.expect("migrate");
        import::import(
            &pool,
            &[text_input("fixture.toml", toml)],
            ImportOptions::default(),
        )
        .await
        .expect("fixture imports");
        pool.close().await;
        Self::open(dir, db_path).await
    }

    async fn open(dir: tempfile::TempDir, db_path: PathBuf) -> TestApp {
        // The build id hashes the (large, debug) test binary once per process: done here,
        // before the first request, so that it never runs into the request timeout.
        tokio::task::spawn_blocking(web::warm_up)
            .await
            .expect("warm up");
        let read = db::open_read_only(&db_path, 4)
            .await
            .expect("read-only pool");
        let rw = db::open_read_write(&db_path)
            .await
            .expect("read-write pool");
        let state = AppState::new(read, web::Config::new(PUBLIC_URL));
        let router = web::router(state);
        warm_up(&router).await;
        TestApp {
            router,
            rw,
            _dir: dir,
        }
    }

    /// GET a path through the router.
    pub async fn get(&self, uri: &str) -> TestResponse {
        let request = Request::get(uri).body(Body::empty()).expect("request");
        self.send(request).await
    }

    /// Sends any request through the router; the body as raw bytes (binary, compressed).
    pub async fn send_raw(&self, request: Request<Body>) -> (axum::http::HeaderMap, Vec<u8>) {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("infallible");
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        (headers, bytes.to_vec())
    }

    /// Sends any request through the router.
    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        TestResponse {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// Counts rows of a table.
    pub async fn count(&self, table: &str) -> i64 {
        let sql = format!("SELECT count(*) FROM {table}");
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(&self.rw)
            .await
            .expect("count")
    }
}

/// Status and body of a GET on any router.
pub async fn get_from(router: &Router, uri: &str) -> (u16, String) {
    let response = router
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).expect("request"))
        .await
        .expect("response");
    let status = response.status().as_u16();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

/// An import input from text.
pub fn text_input(name: &str, text: &str) -> Input {
    Input {
        name: name.to_string(),
        source: InputSource::Text(text.to_string()),
        format: Some(import::Format::Native),
    }
}

impl TestResponse {
    pub fn html(&self) -> Html {
        Html::parse_document(&self.body)
    }
}

/// Parses a CSS selector (test-time constant).
pub fn sel(s: &str) -> Selector {
    Selector::parse(s).expect("selector")
}

/// The text of an element, whitespace collapsed.
pub fn text(el: scraper::ElementRef<'_>) -> String {
    el.text()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// All texts matching a selector.
pub fn texts(html: &Html, selector: &str) -> Vec<String> {
    html.select(&sel(selector)).map(text).collect()
}

/// The slugs of the event cards on a timeline page, in page order.
pub fn card_slugs(html: &Html) -> Vec<String> {
    html.select(&sel("article.card"))
        .filter_map(|card| card.value().attr("id").map(str::to_string))
        .collect()
}

/// One event of the bundled dataset, read straight from the data file (not through the
/// app), so tests compare the app's answers with an independent expectation.
#[derive(Debug, Clone)]
pub struct BundledEvent {
    pub slug: String,
    pub title: String,
    pub date: Edtf,
}

/// Every event of the bundled dataset file.
pub fn bundled_events() -> Vec<BundledEvent> {
    let value: toml::Value = toml::from_str(import::BUNDLED_DATASET).expect("bundled TOML");
    value["events"]
        .as_array()
        .expect("events array")
        .iter()
        .map(|e| BundledEvent {
            slug: e["slug"].as_str().expect("slug").to_string(),
            title: e["title"].as_str().expect("title").to_string(),
            date: Edtf::parse(e["date"].as_str().expect("date")).expect("bundled date parses"),
        })
        .collect()
}

impl TestResponse {
    /// The body as JSON; fails the test, showing the body, if it is not JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|err| panic!("not JSON ({err}): {}", self.body))
    }

    /// A response header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Serves `router` on a free port of 127.0.0.1, over real TCP, until the task is aborted.
pub async fn serve_tcp(router: Router) -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (addr, server)
}

/// One GET over a fresh TCP connection, with `extra` header lines (each ending in
/// `\r\n`): the whole response as text. Blocking: call it from a blocking thread.
pub fn tcp_get(addr: SocketAddr, path: &str, extra: &str) -> String {
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{extra}\r\n"
    )
    .expect("write");
    let mut buf = Vec::new();
    stream.read_to_end(&mut buf).expect("read");
    String::from_utf8_lossy(&buf).into_owned()
}

/// One GET over a fresh TCP connection: the status line and the body.
pub fn tcp_get_status_body(addr: SocketAddr, path: &str) -> (String, String) {
    let response = tcp_get(addr, path, "");
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head.lines().next().unwrap_or("").to_string();
    (status, body.to_string())
}

/// A dataset holding one event known only to its month, with a label (`2023-03~`,
/// "mid-March 2023"): the example the precision tests use.
pub const MONTH_PRECISION: &str = include_str!("../fixtures/month-precision.toml");

impl TestApp {
    /// Every page of an HTML view, following its `rel="next"` links from `uri` on.
    pub async fn all_pages(&self, uri: &str) -> Vec<Html> {
        let mut pages = Vec::new();
        let mut next = Some(uri.to_string());
        while let Some(uri) = next.take() {
            let page = self.get(&uri).await;
            assert_eq!(page.status, StatusCode::OK, "{uri}");
            let html = page.html();
            next = html
                .select(&sel("a[rel=next]"))
                .next()
                .and_then(|a| a.value().attr("href"))
                .map(str::to_string);
            pages.push(html);
            assert!(pages.len() < 100, "the pages end");
        }
        pages
    }
}

/// The first page a process renders pays for the build id behind every ETag (a digest of the
/// executable, read once; `serve` computes it in the background before it listens). In a large
/// debug test binary on a loaded machine that can take longer than the request timeout, so the
/// first test to ask would get a 503. One request per process, before any test's own, pays it.
async fn warm_up(router: &Router) {
    static WARM: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    WARM.get_or_init(|| async {
        let request = Request::get("/about").body(Body::empty()).expect("request");
        let _ = router.clone().oneshot(request).await;
    })
    .await;
}
