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
