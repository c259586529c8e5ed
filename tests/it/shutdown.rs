//! Stopping the real binary: a stop signal is a clean stop even while the server is still
//! starting; with a drain period it first makes `/readyz` fail while every other address is
//! still served, then the server exits cleanly.

use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus};
use std::time::{Duration, Instant};

use crate::harness::tcp_get_status_body;

const BIN: &str = env!("CARGO_BIN_EXE_conflict-timeline");

/// The binary serving a new database in `dir` with `extra` arguments, and the address it
/// announced.
fn start(dir: &tempfile::TempDir, extra: &[&str]) -> (Child, SocketAddr) {
    crate::binary::spawn(Command::new(BIN), &dir.path().join("app.db"), extra)
}

/// Sends SIGTERM; returns when it was sent.
fn terminate(child: &Child) -> Instant {
    let signalled = Instant::now();
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(kill.success());
    signalled
}

/// Waits for the process to end (failing after 15 s).
fn exit_of(child: &mut Child, since: Instant) -> ExitStatus {
    loop {
        if let Some(exit) = child.try_wait().expect("wait") {
            return exit;
        }
        assert!(
            since.elapsed() < Duration::from_secs(15),
            "the server did not stop"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_stop_signal_drains_before_the_listener_closes() {
    let dir = tempfile::tempdir().expect("dir");
    let (mut child, addr) = start(&dir, &["--drain-secs", "2"]);

    let (status, _) = tcp_get_status_body(addr, "/readyz");
    assert!(
        status.contains(" 200 "),
        "ready before the signal: {status}"
    );

    let signalled = terminate(&child);
    // The signal is handled on another thread: ask until readiness flips (or give up).
    let mut readiness = String::new();
    while signalled.elapsed() < Duration::from_millis(1500) {
        let (status, body) = tcp_get_status_body(addr, "/readyz");
        readiness = format!("{status} {body}");
        if status.contains(" 503 ") {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        readiness.contains(" 503 ") && readiness.contains("shutting down"),
        "not ready once stopping: {readiness}"
    );
    let (status, body) = tcp_get_status_body(addr, "/api/events?limit=1");
    assert!(
        status.contains(" 200 ") && body.contains("\"events\""),
        "still serving while draining: {status}"
    );

    let exit = exit_of(&mut child, signalled);
    assert!(exit.success(), "exited cleanly: {exit:?}");
    assert!(
        signalled.elapsed() >= Duration::from_millis(1900),
        "the drain period was kept ({:?})",
        signalled.elapsed()
    );
}

/// A stop signal that comes while the server is still starting (it has printed its address
/// and is reading its own executable for the build id) is a clean stop, not a kill.
#[test]
fn a_stop_signal_right_after_start_up_is_a_clean_stop() {
    let dir = tempfile::tempdir().expect("dir");
    let (mut child, _) = start(&dir, &[]);
    let signalled = terminate(&child);
    let exit = exit_of(&mut child, signalled);
    assert!(
        exit.success(),
        "a clean stop, not killed by the signal: {exit:?}"
    );
}

/// A download being streamed when the stop signal comes is sent to its end: the answer of a
/// handler that has returned is still in flight while its body streams. The client reads
/// through a small receive buffer and pauses, so the server is part way through the body
/// when the signal arrives.
#[test]
fn a_stop_signal_lets_a_streamed_export_finish() {
    use std::io::{Read, Write};

    let dir = tempfile::tempdir().expect("dir");
    let csv = dir.path().join("filler.csv");
    let db = dir.path().join("filler.db");
    crate::binary::filler_csv(&csv, 20_000);
    crate::binary::import(&csv, &db);
    let mut server = crate::binary::Server::start(&db, &["--cache-mb", "0"]);

    let socket =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).expect("socket");
    socket.set_recv_buffer_size(4096).expect("small buffer");
    socket.connect(&server.addr.into()).expect("connect");
    let mut stream: std::net::TcpStream = socket.into();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    write!(
        stream,
        "GET /export/events.csv HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    let mut answer = vec![0u8; 64 * 1024];
    let mut read = 0;
    while read < answer.len() {
        let n = stream.read(&mut answer[read..]).expect("read the start");
        assert!(n > 0, "the download ended before its first 64 KB");
        read += n;
    }
    let head = String::from_utf8_lossy(&answer[..read]).to_string();
    assert!(
        head.starts_with("HTTP/1.1 200") && head.contains("transfer-encoding: chunked"),
        "{}",
        &head[..head.len().min(400)]
    );
    // Let the server fill what the socket holds and wait on the client.
    std::thread::sleep(Duration::from_millis(300));

    let signalled = server.terminate();
    std::thread::sleep(Duration::from_millis(500));
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).expect("read the rest");
    let total = read + rest.len();
    assert!(
        rest.ends_with(b"\r\n0\r\n\r\n"),
        "the body was cut off after {total} bytes (its last bytes: {:?})",
        String::from_utf8_lossy(&rest[rest.len().saturating_sub(80)..])
    );
    assert!(total > 1_000_000, "the whole export is {total} bytes");
    let exit = server.exit_within(signalled, Duration::from_secs(15));
    assert!(exit.success(), "exited cleanly: {exit:?}");
}

/// A chunked HTTP/1.1 body put back together.
fn dechunked(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).expect("chunk size");
        if size == 0 {
            break;
        }
        out.push_str(&rest[..size]);
        body = &rest[size + 2..];
    }
    out
}

/// Eight whole-view downloads at once all complete, every one with every event, and a cheap
/// request made while they stream is answered (before streaming, all eight answered 503 at
/// the request timeout and a cheap request waited behind them).
#[test]
fn eight_downloads_at_once_all_complete_and_others_are_answered() {
    let dir = tempfile::tempdir().expect("dir");
    let csv = dir.path().join("filler.csv");
    let db = dir.path().join("filler.db");
    crate::binary::filler_csv(&csv, 20_000);
    crate::binary::import(&csv, &db);
    let server = crate::binary::Server::start(&db, &["--cache-mb", "0"]);
    let addr = server.addr;

    let downloads: Vec<_> = (0..8)
        .map(|_| {
            std::thread::spawn(move || {
                let response = crate::harness::tcp_get(addr, "/export/events.csv", "");
                let (head, body) = response.split_once("\r\n\r\n").expect("a head");
                (
                    head.lines().next().unwrap_or("").to_string(),
                    dechunked(body),
                )
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let (status, body) = tcp_get_status_body(addr, "/api/events?limit=1");
    assert!(
        status.contains(" 200 ") && body.contains("\"events\""),
        "a cheap request during the downloads: {status}"
    );
    for download in downloads {
        let (status, csv) = download.join().expect("download thread");
        assert!(status.contains(" 200 "), "{status}");
        let rows = csv.matches("https://example.org/s/").count();
        assert_eq!(rows, 20_000, "every event in each download");
        assert!(csv.starts_with("slug,"), "{}", &csv[..csv.len().min(80)]);
    }
}
