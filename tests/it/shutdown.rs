//! Stopping the real binary: a stop signal is a clean stop even while the server is still
//! starting; with a drain period it first makes `/readyz` fail while every other address is
//! still served, then the server exits cleanly.

use std::io::BufRead;
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::import_concurrency::http_get;

const BIN: &str = env!("CARGO_BIN_EXE_conflict-timeline");

#[test]
fn a_stop_signal_drains_before_the_listener_closes() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("app.db");
    let mut child = Command::new(BIN)
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--drain-secs",
            "2",
            "--db",
        ])
        .arg(&db)
        .env("RUST_LOG", "warn")
        .env_remove("CONFLICT_TIMELINE_DRAIN_SECS")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("runs");
    let mut stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("read");
    let addr: SocketAddr = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("an address in {line:?}"));

    let (status, _) = http_get(addr, "/readyz");
    assert!(
        status.contains(" 200 "),
        "ready before the signal: {status}"
    );

    let signalled = Instant::now();
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(kill.success());
    // The signal is handled on another thread: ask until readiness flips (or give up).
    let mut readiness = String::new();
    while signalled.elapsed() < Duration::from_millis(1500) {
        let (status, body) = http_get(addr, "/readyz");
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
    let (status, body) = http_get(addr, "/api/events?limit=1");
    assert!(
        status.contains(" 200 ") && body.contains("\"events\""),
        "still serving while draining: {status}"
    );

    let exit = loop {
        if let Some(exit) = child.try_wait().expect("wait") {
            break exit;
        }
        assert!(
            signalled.elapsed() < Duration::from_secs(15),
            "the server did not stop"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
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
    let db = dir.path().join("app.db");
    let mut child = Command::new(BIN)
        .args(["serve", "--bind", "127.0.0.1:0", "--db"])
        .arg(&db)
        .env("RUST_LOG", "warn")
        .env_remove("CONFLICT_TIMELINE_DRAIN_SECS")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("runs");
    let mut stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("read");
    assert!(line.contains("is serving"), "{line}");
    let signalled = Instant::now();
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(kill.success());
    let exit = loop {
        if let Some(exit) = child.try_wait().expect("wait") {
            break exit;
        }
        assert!(
            signalled.elapsed() < Duration::from_secs(15),
            "the server did not stop"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(
        exit.success(),
        "a clean stop, not killed by the signal: {exit:?}"
    );
}
