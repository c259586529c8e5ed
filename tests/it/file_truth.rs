//! The file is the truth, with the real binary: `/readyz` answers 503 while the database
//! file is missing, and a file replaced under the server (`mv new.db db`) is followed
//! without a restart: new connections, a new data version (ETag), no page of the old file
//! answered from the cache.

use std::time::{Duration, Instant};

use crate::binary::{Server, import};
use crate::harness::{tcp_get, tcp_get_status_body};

/// Asks `path` until `done` holds for its status line and body (failing after 5 s).
fn eventually(server: &Server, path: &str, what: &str, done: impl Fn(&str, &str) -> bool) {
    let started = Instant::now();
    loop {
        let (status, body) = tcp_get_status_body(server.addr, path);
        if done(&status, &body) {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{what}: {path} still answers {status} {body}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn etag_of(server: &Server, path: &str) -> String {
    let response = tcp_get(server.addr, path, "");
    response
        .lines()
        .find_map(|l| l.strip_prefix("etag: "))
        .unwrap_or_else(|| panic!("an ETag: {response}"))
        .to_string()
}

#[test]
fn readiness_fails_while_the_database_file_is_missing() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("app.db");
    let server = Server::start(&db, &[]);
    eventually(&server, "/readyz", "ready", |s, _| s.contains(" 200 "));
    let aside = dir.path().join("aside.db");
    std::fs::rename(&db, &aside).expect("move the file away");
    eventually(&server, "/readyz", "not ready without its file", |s, b| {
        s.contains(" 503 ") && b.contains("database file")
    });
    std::fs::rename(&aside, &db).expect("put it back");
    eventually(&server, "/readyz", "ready again", |s, _| {
        s.contains(" 200 ")
    });
}

#[test]
fn a_replaced_database_file_is_followed_without_a_restart() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("app.db");
    let server = Server::start(&db, &[]);
    let (_, before) = tcp_get_status_body(server.addr, "/api/conflicts");
    assert!(before.contains("nagorno-karabakh"), "{before}");
    let old_tag = etag_of(&server, "/api/conflicts");

    // Another file, made apart and moved over the served one.
    let csv = dir.path().join("other.csv");
    std::fs::write(
        &csv,
        "title,start_date,conflict,source_url\nA replacement event,2001-02-03,replacement,https://example.org/r\n",
    )
    .expect("csv");
    let new = dir.path().join("new.db");
    import(&csv, &new);
    std::fs::rename(&new, &db).expect("mv new.db app.db");

    eventually(&server, "/api/conflicts", "the new file", |s, b| {
        s.contains(" 200 ") && b.contains("replacement") && !b.contains("nagorno-karabakh")
    });
    let (_, page) = tcp_get_status_body(server.addr, "/");
    assert!(
        page.contains("A replacement event"),
        "the timeline shows the new file"
    );
    assert_ne!(
        etag_of(&server, "/api/conflicts"),
        old_tag,
        "a new data version"
    );
    eventually(&server, "/readyz", "ready on the new file", |s, _| {
        s.contains(" 200 ")
    });
}
