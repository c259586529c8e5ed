//! The real binary serving a database: start it, find its address, read its CPU time,
//! stop it. For tests of what only a process shows (work that goes on after a request is
//! abandoned, signals, files replaced under it).

use std::io::{BufRead, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_conflict-timeline");

/// A running server; killed when dropped, if it is still running.
pub struct Server {
    pub child: Child,
    pub addr: SocketAddr,
}

impl Server {
    /// `serve --db DB --bind 127.0.0.1:0 EXTRA…`, once it has announced its address.
    pub fn start(db: &Path, extra: &[&str]) -> Server {
        Self::start_with(Command::new(BIN), db, extra)
    }

    /// As [`Server::start`], from a prepared command (environment, limits).
    pub fn start_with(command: Command, db: &Path, extra: &[&str]) -> Server {
        let (child, addr) = spawn(command, db, extra);
        let server = Server { child, addr };
        server.warm_up();
        server
    }

    /// Waits for a first answer that read the database. The first request of a process
    /// also waits for the build id (a digest of the executable, slow in a debug build);
    /// tests that time requests start after it.
    pub fn warm_up(&self) {
        let mut stream = std::net::TcpStream::connect(self.addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(120)))
            .expect("timeout");
        write!(
            stream,
            "GET /api/conflicts HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .expect("write");
        let mut response = String::new();
        std::io::Read::read_to_string(&mut stream, &mut response).expect("warm-up answer");
        assert!(response.starts_with("HTTP/1.1 200 "), "warm-up: {response}");
    }

    /// User and system CPU time the process has used so far.
    pub fn cpu(&self) -> Duration {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).expect("/proc stat");
        // Fields after the command name (which may hold spaces) in parentheses.
        let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
        let fields: Vec<&str> = rest.split_whitespace().collect();
        // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
        let ticks: u64 =
            fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime");
        // Linux reports in USER_HZ, 100 on every architecture it exposes to user space.
        Duration::from_millis(ticks * 10)
    }

    /// Sends SIGTERM; returns when it was sent.
    pub fn terminate(&self) -> Instant {
        let signalled = Instant::now();
        let kill = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(kill.success());
        signalled
    }

    /// Waits for the process to end, failing after `limit`.
    pub fn exit_within(&mut self, since: Instant, limit: Duration) -> ExitStatus {
        loop {
            if let Some(exit) = self.child.try_wait().expect("wait") {
                return exit;
            }
            assert!(
                since.elapsed() < limit,
                "the server did not stop within {limit:?}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A plain CSV of `rows` events, every one by Armenia and Azerbaijan with a summary of
/// thirty Latin filler words: a search for `lorem` by one actor matches all of them and
/// ranks every match before it can answer its first row.
pub fn filler_csv(path: &Path, rows: usize) {
    let words = [
        "lorem",
        "ipsum",
        "dolor",
        "sit",
        "amet",
        "consectetur",
        "adipiscing",
        "elit",
        "sed",
        "tempor",
    ];
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    writeln!(
        out,
        "id,title,start_date,date_precision,category,actors,location,summary,source_url,conflict"
    )
    .expect("write");
    for i in 0..rows {
        let summary: Vec<&str> = (0..30)
            .map(|k| words[(i * 7 + k * 3) % words.len()])
            .collect();
        writeln!(
            out,
            "{i},Event {i},{:04}-{:02}-{:02},day,military,Armenia;Azerbaijan,Place {},{},https://example.org/s/{i},filler",
            1988 + i % 37,
            1 + i % 12,
            1 + i % 28,
            i % 50,
            summary.join(" ")
        )
        .expect("write");
    }
    out.flush().expect("flush");
}

/// Imports `csv` into a new database at `db` with the binary.
pub fn import(csv: &Path, db: &Path) {
    let out = Command::new(BIN)
        .arg("import")
        .arg(csv)
        .arg("--db")
        .arg(db)
        .env_remove("CONFLICT_TIMELINE_DB")
        .env("RUST_LOG", "warn")
        .output()
        .expect("import runs");
    assert!(
        out.status.success(),
        "import failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `serve --db DB --bind 127.0.0.1:0 EXTRA…` from a prepared command: the process and the
/// address it announced (its first line of output, printed once it listens). Nothing is
/// asked of it yet, so a test can signal it while it is still starting.
pub fn spawn(mut command: Command, db: &Path, extra: &[&str]) -> (Child, SocketAddr) {
    let mut child = command
        .args(["serve", "--bind", "127.0.0.1:0", "--db"])
        .arg(db)
        .args(extra)
        .env("RUST_LOG", "warn")
        .env_remove("CONFLICT_TIMELINE_DB")
        .env_remove("CONFLICT_TIMELINE_DRAIN_SECS")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("runs");
    let mut stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("read");
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("an address in {line:?}"));
    (child, addr)
}
