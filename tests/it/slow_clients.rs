//! Slow and idle clients, with the real binary: a client that sends its request head a
//! byte at a time is cut off after the header-read timeout, an idle kept-alive connection
//! is closed after it, connections beyond the cap wait to be accepted, and a stop signal
//! does not wait for a half-sent request.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::binary::Server;

/// The server's header-read timeout (`web::http::server::HEADER_READ_TIMEOUT`).
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// Whether the server has closed `stream` (a read sees the end, or a reset).
fn closed_by_server(stream: &mut TcpStream) -> bool {
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .expect("timeout");
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return false;
            }
            Err(_) => return true,
        }
    }
}

#[test]
fn a_client_that_sends_its_headers_a_byte_at_a_time_is_cut_off() {
    let dir = tempfile::tempdir().expect("dir");
    let server = Server::start(&dir.path().join("app.db"), &[]);
    let mut stream = TcpStream::connect(server.addr).expect("connect");
    let started = Instant::now();
    let head = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    for byte in head.iter().cycle() {
        if stream.write_all(&[*byte]).is_err() || closed_by_server(&mut stream) {
            break;
        }
        assert!(
            started.elapsed() < HEADER_TIMEOUT + Duration::from_secs(5),
            "still connected after {:?}",
            started.elapsed()
        );
    }
    let cut = started.elapsed();
    assert!(
        cut >= HEADER_TIMEOUT - Duration::from_millis(500),
        "cut off too soon ({cut:?}): slow is not yet too slow"
    );
}

#[test]
fn an_idle_kept_alive_connection_is_closed() {
    let dir = tempfile::tempdir().expect("dir");
    let server = Server::start(&dir.path().join("app.db"), &[]);
    let mut stream = TcpStream::connect(server.addr).expect("connect");
    write!(stream, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").expect("write");
    std::thread::sleep(Duration::from_millis(300));
    assert!(!closed_by_server(&mut stream), "kept alive after an answer");
    let idle_since = Instant::now();
    while !closed_by_server(&mut stream) {
        assert!(
            idle_since.elapsed() < HEADER_TIMEOUT + Duration::from_secs(5),
            "an idle connection stays open"
        );
    }
    assert!(idle_since.elapsed() >= HEADER_TIMEOUT - Duration::from_secs(1));
}

#[test]
fn connections_beyond_the_cap_wait_to_be_accepted() {
    let dir = tempfile::tempdir().expect("dir");
    let server = Server::start(&dir.path().join("app.db"), &["--max-connections", "4"]);
    // The warm-up connection has been closed; four idle ones take every slot.
    let mut idle: Vec<TcpStream> = (0..4)
        .map(|_| {
            let mut s = TcpStream::connect(server.addr).expect("connect");
            write!(s, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").expect("write");
            s
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let mut fifth = TcpStream::connect(server.addr).expect("the kernel queues it");
    write!(
        fifth,
        "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    fifth
        .set_read_timeout(Some(Duration::from_millis(700)))
        .expect("timeout");
    let mut buf = [0u8; 256];
    assert!(
        fifth.read(&mut buf).is_err(),
        "a fifth connection is not served while four are open"
    );
    drop(idle.pop());
    fifth
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let mut answer = String::new();
    fifth
        .read_to_string(&mut answer)
        .expect("served once a slot is free");
    assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
}

#[test]
fn a_stop_signal_does_not_wait_for_a_half_sent_request() {
    let dir = tempfile::tempdir().expect("dir");
    let mut server = Server::start(&dir.path().join("app.db"), &[]);
    let mut half = TcpStream::connect(server.addr).expect("connect");
    write!(half, "GET / HTTP/1.1\r\nHost: x\r\nX-Half: ").expect("write");
    let mut idle = TcpStream::connect(server.addr).expect("connect");
    write!(idle, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").expect("write");
    std::thread::sleep(Duration::from_millis(300));
    let signalled = server.terminate();
    let exit = server.exit_within(signalled, Duration::from_secs(2));
    assert!(exit.success(), "a clean stop: {exit:?}");
    assert!(closed_by_server(&mut half) && closed_by_server(&mut idle));
}
