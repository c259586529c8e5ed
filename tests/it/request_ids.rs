//! Request ids: a sane one from a client or proxy is kept and echoed; anything too long,
//! with other characters, or repeated is replaced by a fresh one.

use axum::body::Body;
use axum::http::Request;

use crate::harness::TestApp;

async fn echoed(app: &TestApp, ids: &[&str]) -> String {
    let mut request = Request::get("/healthz");
    for id in ids {
        request = request.header("x-request-id", *id);
    }
    let r = app
        .send(request.body(Body::empty()).expect("request"))
        .await;
    let all: Vec<_> = r.headers.get_all("x-request-id").iter().collect();
    assert_eq!(all.len(), 1, "one id in the answer: {all:?}");
    all[0].to_str().expect("ASCII").to_string()
}

#[tokio::test]
async fn sane_request_ids_are_kept_and_others_replaced() {
    let app = TestApp::seeded().await;
    for kept in [
        "abc-123",
        "3f2b1c9e-8d4a-4f7e-9b1a-2c3d4e5f6a7b",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        &"a".repeat(128),
    ] {
        assert_eq!(echoed(&app, &[kept]).await, kept);
    }
    for replaced in [
        "a".repeat(129),
        "a".repeat(5000),
        "spaces are not ids".to_string(),
        "quote\"d".to_string(),
        "semi;colon".to_string(),
        "\u{7f}".to_string(),
    ] {
        let Ok(value) = axum::http::HeaderValue::from_str(&replaced) else {
            continue;
        };
        let echoed = echoed(&app, &[value.to_str().unwrap_or("")]).await;
        assert_ne!(echoed, replaced);
        assert!(echoed.len() <= 128 && !echoed.is_empty(), "{echoed}");
    }
    let twice = echoed(&app, &["one", "two"]).await;
    assert!(twice != "one" && twice != "two", "{twice}");
}
