//! `serve` only reads: as a user who cannot write them, it serves a read-only database file
//! in a writable folder, and a database in a read-only folder (opened `immutable`, since
//! SQLite cannot make its lock and log files there).

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use crate::binary::{BIN, Server};
use crate::harness::tcp_get_status_body;

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// The binary run as `nobody` (the tests run as root, whom no permission stops).
fn as_nobody() -> Command {
    let mut command = Command::new("setpriv");
    command.args(["--reuid=65534", "--regid=65534", "--clear-groups", BIN]);
    command
}

/// A prepared database `app.db` in a folder of `dir`, left by its writer with no log
/// beside it.
async fn prepared(dir: &tempfile::TempDir) -> std::path::PathBuf {
    let folder = dir.path().join("data");
    std::fs::create_dir(&folder).expect("folder");
    let db = folder.join("app.db");
    conflict_timeline::bootstrap::prepare(&db)
        .await
        .expect("prepare");
    chmod(dir.path(), 0o755);
    db
}

fn assert_serves(server: &Server) {
    for path in ["/readyz", "/api/conflicts", "/"] {
        let (status, body) = tcp_get_status_body(server.addr, path);
        assert!(status.contains(" 200 "), "{path}: {status} {body}");
    }
}

#[tokio::test]
async fn serve_works_from_a_read_only_folder() {
    let dir = tempfile::tempdir().expect("dir");
    let db = prepared(&dir).await;
    chmod(&db, 0o444);
    chmod(db.parent().expect("folder"), 0o555);
    let server = Server::start_with(as_nobody(), &db, &[]);
    assert_serves(&server);
    let names: Vec<_> = std::fs::read_dir(db.parent().expect("folder"))
        .expect("list")
        .filter_map(|e| e.ok().map(|e| e.file_name()))
        .collect();
    assert_eq!(names.len(), 1, "nothing written beside the file: {names:?}");
}

#[tokio::test]
async fn serve_works_on_a_read_only_file() {
    let dir = tempfile::tempdir().expect("dir");
    let db = prepared(&dir).await;
    chmod(&db, 0o444);
    chmod(db.parent().expect("folder"), 0o777);
    let server = Server::start_with(as_nobody(), &db, &[]);
    assert_serves(&server);
}
