//! `conflict-timeline imports` and `conflict-timeline optimize` on the built binary;
//! `optimize` while a server answers from the same file.

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::binary::{BIN, Server, filler_csv, import};
use crate::harness::tcp_get_status_body;

fn run(args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .env_remove("CONFLICT_TIMELINE_DB")
        .env("RUST_LOG", "warn")
        .output()
        .expect("the binary runs")
}

#[test]
fn imports_lists_revisions_and_optimize_reclaims_space_while_a_server_answers() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("h.db");
    let full = dir.path().join("full.csv");
    filler_csv(&full, 3000);
    import(&full, &db);
    // The same conflict with a third of its events: `--replace` removes the rest, which
    // leaves free pages behind.
    let small = dir.path().join("small.csv");
    let text = std::fs::read_to_string(&full).expect("read");
    let kept: Vec<&str> = text.lines().take(1001).collect();
    std::fs::write(&small, kept.join("\n") + "\n").expect("write");
    let db_arg = db.to_str().expect("path");
    let out = run(&[
        "import",
        small.to_str().expect("path"),
        "--replace",
        "--db",
        db_arg,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("2000 removed events"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    let out = run(&["imports", "--db", db_arg]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed = String::from_utf8_lossy(&out.stdout).to_string();
    let heads: Vec<&str> = listed
        .lines()
        .filter(|l| l.starts_with("import "))
        .collect();
    assert_eq!(heads.len(), 2, "{listed}");
    assert!(
        heads[0].starts_with("import 2 at "),
        "newest first: {listed}"
    );
    assert!(
        heads[0].ends_with("0 added, 0 changed, 1000 unchanged, 2000 removed"),
        "{listed}"
    );
    assert!(
        heads[1].ends_with("3000 added, 0 changed, 0 unchanged, 0 removed"),
        "{listed}"
    );
    assert!(listed.contains("options: {\"replace\":true}"), "{listed}");
    assert!(listed.contains("format: csv"), "{listed}");
    let size = std::fs::metadata(&small).expect("size").len();
    assert!(
        listed.contains(&format!("small.csv ({size} bytes, sha256 ")),
        "{listed}"
    );

    let server = Server::start(&db, &[]);
    let (status, body) = tcp_get_status_body(server.addr, "/api/events?q=lorem&limit=1");
    assert!(status.contains(" 200 "), "{status}");
    let before: serde_json::Value = serde_json::from_str(&body).expect("json");

    // Readers keep asking while `optimize` runs; every answer must be a 200.
    let stop = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(AtomicUsize::new(0));
    let addr = server.addr;
    let reader = {
        let (stop, answered) = (Arc::clone(&stop), Arc::clone(&answered));
        std::thread::spawn(move || {
            let mut failures = Vec::new();
            let mut i = 0usize;
            while !stop.load(Ordering::Relaxed) {
                // Distinct addresses, so that the response cache cannot answer them.
                let path = format!("/api/events?q=lorem&limit={}", 1 + i % 400);
                let (status, _) = tcp_get_status_body(addr, &path);
                if !status.contains(" 200 ") {
                    failures.push(status);
                }
                answered.fetch_add(1, Ordering::Relaxed);
                i += 1;
            }
            failures
        })
    };
    let out = run(&["optimize", "--vacuum-percent", "1", "--db", db_arg]);
    stop.store(true, Ordering::Relaxed);
    let failures = reader.join().expect("reader");
    let report = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        failures.is_empty(),
        "readers failed during optimize: {failures:?}"
    );
    assert!(answered.load(Ordering::Relaxed) > 0);
    assert!(report.contains("compacted with VACUUM"), "{report}");
    let numbers: Vec<i64> = report
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    // "… N bytes before, M after (R reclaimed; …"
    let (bytes_before, bytes_after, reclaimed) = (numbers[2], numbers[3], numbers[4]);
    assert!(reclaimed > 0 && bytes_after < bytes_before, "{report}");
    assert_eq!(reclaimed, bytes_before - bytes_after, "{report}");
    let file = std::fs::metadata(&db).expect("db").len();
    assert!(
        i64::try_from(file).is_ok_and(|f| f <= bytes_before),
        "{file} bytes: {report}"
    );

    // The server answers as before, from the compacted file.
    let (status, body) = tcp_get_status_body(server.addr, "/api/events?q=lorem&limit=2");
    assert!(status.contains(" 200 "), "{status}");
    let after: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(after["total"], before["total"]);
    assert_eq!(after["total"], 1000);

    // Nothing left to compact: a second run says so.
    let out = run(&["optimize", "--db", db_arg]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("no VACUUM needed"));
}
