//! Over a real TCP socket: the served bytes, headers and compression as a browser gets them.

use crate::harness::{TestApp, serve_tcp, tcp_get};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_answers_over_a_real_socket_with_security_headers() {
    let app = TestApp::seeded().await;
    let (addr, server) = serve_tcp(app.router.clone()).await;

    let response = tokio::task::spawn_blocking(move || tcp_get(addr, "/?from=2020&to=2020", ""))
        .await
        .expect("join");
    let (head, body) = response.split_once("\r\n\r\n").expect("head and body");
    let head = head.to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(head.contains("content-type: text/html"), "{head}");
    assert!(
        head.contains("content-security-policy: default-src 'none'; script-src 'self'"),
        "{head}"
    );
    assert!(head.contains("x-content-type-options: nosniff"), "{head}");
    assert!(head.contains("x-request-id: "), "{head}");
    assert!(body.contains("Second Nagorno-Karabakh War"));

    let response =
        tokio::task::spawn_blocking(move || tcp_get(addr, "/", "Accept-Encoding: gzip\r\n"))
            .await
            .expect("join");
    assert!(
        response
            .to_ascii_lowercase()
            .contains("content-encoding: gzip"),
        "HTML is compressed"
    );
    server.abort();
}

#[tokio::test]
async fn static_files_are_fingerprinted_and_cached_forever() {
    let app = TestApp::seeded().await;
    let html = app.get("/").await.body;
    let css = html
        .split("href=\"/static/app.")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("stylesheet link");
    let response = app.get(&format!("/static/app.{css}")).await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.headers["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert!(
        response.headers["content-type"]
            .to_str()
            .unwrap_or("")
            .starts_with("text/css")
    );
    assert!(response.headers.contains_key("content-security-policy"));
    assert_eq!(
        app.get("/static/app.0000000000.css").await.status,
        404,
        "a stale fingerprint is not served"
    );
}

#[tokio::test]
async fn health_and_readiness_probes_answer() {
    let app = TestApp::seeded().await;
    assert_eq!(app.get("/healthz").await.body, "ok\n");
    assert_eq!(app.get("/readyz").await.body, "ready\n");
}
