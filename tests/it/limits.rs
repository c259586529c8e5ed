//! Limits: only GET and HEAD on public routes (405 with Allow), no request bodies where
//! none is expected (413), a maximum URL length (414), a bounded `limit`, and load beyond
//! the concurrency limit shed with 503 and Retry-After rather than queued without end.

use std::net::SocketAddr;
use std::time::Duration;

use axum::http::Method;
use conflict_timeline::{AppState, db, web};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::hardening::{assert_security_headers, send};
use crate::harness::{TestApp, bundled_events};

/// Public routes, one of each kind.
fn public_routes() -> Vec<String> {
    let event = &bundled_events()[0].slug;
    vec![
        "/".into(),
        "/search?q=war".into(),
        format!("/events/{event}"),
        "/export/events.csv".into(),
        "/export/events.ics".into(),
        "/export/events.atom".into(),
        "/export/timelinejs.json".into(),
        "/api/events".into(),
        format!("/api/events/{event}"),
        "/api/conflicts".into(),
        "/api/openapi.json".into(),
        "/healthz".into(),
        "/readyz".into(),
    ]
}

#[tokio::test]
async fn only_get_and_head_are_allowed_on_public_routes() {
    let app = TestApp::seeded().await;
    let mut routes = public_routes();
    let css = app
        .get("/")
        .await
        .body
        .split("href=\"/static/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .map(|s| format!("/static/{s}"))
        .expect("stylesheet link");
    routes.push(css);
    for route in &routes {
        let head = send(&app, Method::HEAD, route, "").await;
        assert!(
            head.status.is_success() || head.status.is_redirection(),
            "HEAD {route}: {}",
            head.status
        );
        assert!(head.body.is_empty(), "HEAD {route} has no body");
        let mut methods = vec![
            Method::POST,
            Method::PUT,
            Method::DELETE,
            Method::PATCH,
            Method::TRACE,
            Method::from_bytes(b"PROPFIND").expect("method"),
        ];
        if !route.starts_with("/api/") {
            // On /api/ an OPTIONS request is a CORS preflight.
            methods.push(Method::OPTIONS);
        }
        for method in methods {
            let r = send(&app, method.clone(), route, "").await;
            let what = format!("{method} {route}");
            assert_eq!(r.status, 405, "{what}: {}", r.body);
            let allow = r
                .header("allow")
                .unwrap_or_else(|| panic!("{what}: 405 without Allow"));
            let allowed: Vec<String> = allow
                .split(',')
                .map(|m| m.trim().to_ascii_uppercase())
                .collect();
            assert!(
                allowed.contains(&"GET".to_string()) && allowed.contains(&"HEAD".to_string()),
                "{what}: Allow: {allow}"
            );
            assert!(
                allowed.iter().all(|m| m == "GET" || m == "HEAD"),
                "{what}: Allow offers more than GET and HEAD: {allow}"
            );
            assert_security_headers(&r, &what);
        }
    }
}

#[tokio::test]
async fn a_request_body_where_none_is_expected_is_refused_with_413() {
    let app = TestApp::seeded().await;
    for route in public_routes() {
        let r = send(&app, Method::GET, &route, "x=1&from=2020").await;
        assert_eq!(r.status, 413, "GET {route} with a body: {}", r.body);
        assert_security_headers(&r, &format!("GET {route} with a body"));
    }
    // An empty body is no body.
    assert_eq!(send(&app, Method::GET, "/", "").await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_bodies_over_a_socket_are_refused_without_reading_them() {
    let (addr, server, _app) = serve().await;
    // A declared length far beyond anything a GET needs: answered at once, not read.
    let (status, head) = raw_request(
        addr,
        "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\nConnection: close\r\n\r\nabc",
    )
    .await;
    assert_eq!(status, 413, "{head}");
    let (status, head) = raw_request(
        addr,
        "GET /api/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    )
    .await;
    assert_eq!(status, 413, "{head}");
    let (status, head) = raw_request(
        addr,
        "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(status, 200, "{head}");
    server.abort();
}

#[tokio::test]
async fn overlong_urls_are_refused_with_414() {
    let app = TestApp::seeded().await;
    let long = "a".repeat(16 * 1024);
    for uri in [
        format!("/?q={long}"),
        format!("/?from=2020&actor={long}"),
        format!("/events/{long}"),
        format!("/{long}"),
        format!("/api/events?q={long}"),
        format!("/api/events/{long}"),
        format!("/export/events.csv?q={long}"),
        format!("/static/{long}.css"),
    ] {
        let r = app.get(&uri).await;
        assert_eq!(r.status, 414, "{}…: {}", &uri[..30], r.body);
        assert_security_headers(&r, &uri[..30]);
    }
    // A long but ordinary URL is not refused for its length.
    let ordinary = format!("/events/{}", "a".repeat(1500));
    assert_eq!(app.get(&ordinary).await.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overlong_url_over_a_socket_gets_414_not_a_dropped_connection() {
    let (addr, server, _app) = serve().await;
    let request = format!(
        "GET /?q={} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "b".repeat(64 * 1024)
    );
    let (status, head) = raw_request(addr, &request).await;
    assert_eq!(status, 414, "{head}");
    server.abort();
}

#[tokio::test]
async fn the_api_limit_is_bounded() {
    let app = TestApp::seeded().await;
    for bad in [
        "0",
        "-1",
        "501",
        "1000000",
        "99999999999999999999999",
        "abc",
        "1.5",
        "1e3",
        "%20",
        "0x10",
    ] {
        let uri = format!("/api/events?limit={bad}");
        let r = app.get(&uri).await;
        if bad == "%20" {
            // An empty value counts as absent.
            assert_eq!(r.status, 200, "{uri}");
            continue;
        }
        assert_eq!(r.status, 400, "{uri}: {}", r.body);
        assert!(
            r.header("content-type")
                .is_some_and(|c| c.starts_with("application/problem+json")),
            "{uri}"
        );
        assert!(
            r.body.contains("limit"),
            "{uri}: names the parameter: {}",
            r.body
        );
    }
    let r = app.get("/api/events?limit=500").await;
    assert_eq!(r.status, 200);
    let events = r.json()["events"].as_array().map_or(0, Vec::len);
    assert!(events <= 500);
    let r = app.get("/api/events?limit=1").await;
    assert_eq!(r.json()["events"].as_array().map_or(0, Vec::len), 1);
    // The repeatable filters are bounded too.
    let many = (0..25)
        .map(|i| format!("actor=a{i}"))
        .collect::<Vec<_>>()
        .join("&");
    assert_eq!(app.get(&format!("/api/events?{many}")).await.status, 400);
    assert_eq!(app.get(&format!("/?{many}")).await.status, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn load_beyond_the_concurrency_limit_is_shed_with_503_and_retry_after() {
    // A server allowed two requests in flight, so that a modest burst exceeds it however
    // fast the machine is; without the response cache, so that every request renders.
    let (_dir, state) = bundled_state(web::Config {
        max_in_flight: 2,
        response_cache_bytes: 0,
        ..web::Config::new(crate::harness::PUBLIC_URL)
    })
    .await;
    let (addr, server) = crate::harness::serve_tcp(web::router(state)).await;

    const CLIENTS: usize = 300;
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(CLIENTS));
    let mut tasks = Vec::new();
    for i in 0..CLIENTS {
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            let path = match i % 3 {
                0 => "/?q=war",
                1 => "/api/events?limit=200",
                _ => "/?from=1988&to=2025",
            };
            let mut stream = tokio::net::TcpStream::connect(addr)
                .await
                .map_err(|e| format!("connect: {e}"))?;
            barrier.wait().await;
            let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            stream
                .write_all(request.as_bytes())
                .await
                .map_err(|e| format!("write: {e}"))?;
            let mut buf = Vec::new();
            stream
                .read_to_end(&mut buf)
                .await
                .map_err(|e| format!("read: {e}"))?;
            Ok::<_, String>(String::from_utf8_lossy(&buf).into_owned())
        }));
    }
    let (mut ok, mut shed, mut failed) = (0, 0, Vec::new());
    for task in tasks {
        let response = match task.await.expect("join") {
            Ok(response) => response,
            Err(e) => {
                failed.push(e);
                continue;
            }
        };
        let head = response
            .split("\r\n\r\n")
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match status_of(&head) {
            200 => ok += 1,
            503 => {
                shed += 1;
                let retry = head
                    .lines()
                    .find_map(|l| l.strip_prefix("retry-after:"))
                    .unwrap_or_else(|| panic!("a 503 without Retry-After: {head}"));
                assert!(
                    retry
                        .trim()
                        .parse::<u32>()
                        .is_ok_and(|s| (1..=120).contains(&s)),
                    "Retry-After in seconds: {retry}"
                );
                assert!(head.contains("content-security-policy"), "{head}");
            }
            other => panic!("status {other} under load: {head}"),
        }
    }
    eprintln!(
        "{ok} answered, {shed} shed with 503, {} failed",
        failed.len()
    );
    assert!(
        failed.is_empty(),
        "{} connections failed instead of being answered, e.g. {:?}",
        failed.len(),
        failed.first()
    );
    assert!(ok > 0, "some requests are served under load");
    assert!(
        shed > 0,
        "load beyond the limit is shed (no 503 among {CLIENTS})"
    );
    // Once the burst is over, the server answers normally.
    let (status, head) = raw_request(
        addr,
        "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(status, 200, "{head}");
    server.abort();
}

// ---- Over a socket ---------------------------------------------------------------------

async fn serve() -> (SocketAddr, tokio::task::JoinHandle<()>, TestApp) {
    let app = TestApp::seeded().await;
    let (addr, server) = crate::harness::serve_tcp(app.router.clone()).await;
    (addr, server, app)
}

fn status_of(head: &str) -> u16 {
    head.split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// The bundled dataset in a fresh file (kept while the directory lives), read through a
/// pool of two connections, with `config`.
async fn bundled_state(config: web::Config) -> (tempfile::TempDir, AppState) {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("served.db");
    conflict_timeline::bootstrap::prepare(&path)
        .await
        .expect("prepare");
    let pool = db::open_read_only(&path, 2).await.expect("pool");
    (dir, AppState::new(pool, config))
}

/// Sends raw bytes and reads the answer's head (the server may close without reading the
/// rest of what was sent).
async fn raw_request(addr: SocketAddr, request: &str) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let _ = stream.write_all(request.as_bytes()).await;
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        let mut chunk = [0u8; 8192];
        loop {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    buf.extend_from_slice(&chunk[..n]);
                    if buf.windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
            }
        }
    })
    .await;
    assert!(
        read.is_ok(),
        "no answer within 10 s to {}…",
        &request[..40.min(request.len())]
    );
    let text = String::from_utf8_lossy(&buf).into_owned();
    let head = text.split("\r\n\r\n").next().unwrap_or("").to_string();
    (status_of(&head), head)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_waits_its_turn_but_a_kept_answer_does_not() {
    // One turn at a time; the test holds it, as a long request would.
    let (_dir, state) = bundled_state(web::Config {
        working_at_once: 1,
        ..web::Config::new(crate::harness::PUBLIC_URL)
    })
    .await;
    let turns = state.turns.clone();
    let (addr, server) = crate::harness::serve_tcp(web::router(state)).await;
    let get = |path: &'static str| async move {
        let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        raw_request(addr, &request).await.0
    };
    // Rendered once, so that the response cache keeps it.
    assert_eq!(get("/?from=1994").await, 200);

    let held = turns.acquire().await.expect("the only turn");
    let waiting = tokio::spawn(get("/?from=2020"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !waiting.is_finished(),
        "a page was worked out while another request held the only turn"
    );
    // A kept answer is served without a turn.
    let kept = tokio::time::timeout(Duration::from_secs(5), get("/?from=1994"))
        .await
        .expect("a kept answer waited for a turn");
    assert_eq!(kept, 200);
    drop(held);
    let status = tokio::time::timeout(Duration::from_secs(10), waiting)
        .await
        .expect("the waiting request went on once the turn was free")
        .expect("join");
    assert_eq!(status, 200);
    server.abort();
}
