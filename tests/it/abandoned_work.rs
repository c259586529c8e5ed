//! Work nobody waits for stops: a search that ranks tens of thousands of matches keeps a
//! connection's thread busy for seconds; once its client has gone, the real server stops
//! it (its CPU use drops to nothing), the only connection answers the next request at
//! once, and a stop signal does not wait for it.

use std::io::Write;
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

use crate::binary::{Server, filler_csv, import};
use crate::harness::tcp_get_status_body;

/// Slow on the filler data: every event matches and must be ranked before the first row.
const SLOW: &str = "/?q=lorem&actor=armenia";

/// A server with one read connection over 20,000 filler events, no response cache.
fn slow_server(dir: &tempfile::TempDir) -> Server {
    let csv = dir.path().join("filler.csv");
    let db = dir.path().join("filler.db");
    filler_csv(&csv, 20_000);
    import(&csv, &db);
    // Without the in-memory event index: it is built in the background after start-up, and
    // its work would be counted as the abandoned request's. (Searches go to SQLite anyway.)
    Server::start(
        &db,
        &[
            "--db-connections",
            "1",
            "--cache-mb",
            "0",
            "--no-event-index",
        ],
    )
}

/// Starts the slow request, waits until the server has spent a good part of a second of
/// CPU on it (so the test shows something, however loaded the machine), then hangs up.
fn start_and_abandon(server: &Server) {
    let mut stream = TcpStream::connect(server.addr).expect("connect");
    let before = server.cpu();
    write!(
        stream,
        "GET {SLOW} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    let started = Instant::now();
    while server.cpu() - before < Duration::from_millis(200) {
        assert!(
            started.elapsed() < Duration::from_secs(9),
            "the slow search used only {:?} of CPU in 9 s: it is no longer slow (or the machine is overloaded), and this \
             test needs a query that is",
            server.cpu() - before
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    stream.shutdown(Shutdown::Both).expect("hang up");
    drop(stream);
}

#[test]
fn an_abandoned_search_stops_and_frees_its_connection() {
    let dir = tempfile::tempdir().expect("dir");
    let server = slow_server(&dir);
    start_and_abandon(&server);
    // Within 100 ms the statement is stopped; from then on the server is idle.
    std::thread::sleep(Duration::from_millis(100));
    let before = server.cpu();
    std::thread::sleep(Duration::from_millis(1000));
    let after_hang_up = server.cpu() - before;
    assert!(
        after_hang_up <= Duration::from_millis(50),
        "the server went on working for nobody: {after_hang_up:?} of CPU in the second after"
    );
    // The one connection is back in the pool, healthy.
    let asked = Instant::now();
    let (status, body) = tcp_get_status_body(server.addr, "/api/conflicts");
    assert!(
        status.contains(" 200 ") && body.contains("filler"),
        "{status} {body}"
    );
    assert!(
        asked.elapsed() < Duration::from_secs(2),
        "a cheap request waited {:?}",
        asked.elapsed()
    );
}

#[test]
fn a_stop_signal_does_not_wait_for_abandoned_work() {
    let dir = tempfile::tempdir().expect("dir");
    let mut server = slow_server(&dir);
    start_and_abandon(&server);
    let signalled = server.terminate();
    let exit = server.exit_within(signalled, Duration::from_secs(3));
    assert!(exit.success(), "a clean stop: {exit:?}");
}
