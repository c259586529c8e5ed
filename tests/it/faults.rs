//! Faults, with the real binary: a database file that is missing where it cannot be made,
//! unreadable, locked or corrupt stops `serve` with a message naming the file and the
//! cause; an import killed halfway, or stopped by a file-size limit, leaves the database
//! exactly as it was.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use conflict_timeline::db;
use sha2::{Digest, Sha256};
use sqlx::Row;

const BIN: &str = env!("CARGO_BIN_EXE_conflict-timeline");

/// Runs `serve` on a database and waits for it to stop; a server that is still running
/// after `limit` is killed and the test fails (it should have refused to start).
fn serve_expecting_failure(db: &Path, limit: Duration) -> Output {
    serve_command(Command::new(BIN), db, limit)
}

fn serve_command(mut command: Command, db: &Path, limit: Duration) -> Output {
    let mut child = command
        .args(["serve", "--bind", "127.0.0.1:0", "--db"])
        .arg(db)
        .env_remove("CONFLICT_TIMELINE_DB")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let started = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().expect("output");
            panic!(
                "serve is still running on {} after {limit:?}: {}{}",
                db.display(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Checks a start-up failure: non-zero exit, no panic, one `error:` line naming the file
/// and containing each of `causes` (any one of each group).
fn assert_clear_failure(out: &Output, file: &Path, causes: &[&[&str]]) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "exit status {:?}: {stderr}",
        out.status
    );
    assert_eq!(out.status.code(), Some(1), "a normal error exit: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let line = stderr
        .lines()
        .find(|l| l.starts_with("error: "))
        .unwrap_or_else(|| panic!("no `error:` line: {stderr}"));
    let name = file.file_name().and_then(|n| n.to_str()).expect("name");
    assert!(line.contains(name), "the message names {name}: {line}");
    for group in causes {
        assert!(
            group.iter().any(|c| line.contains(c)),
            "the message gives the cause ({group:?}): {line}"
        );
    }
    assert!(
        String::from_utf8_lossy(&out.stdout).is_empty()
            || !String::from_utf8_lossy(&out.stdout).contains("is serving"),
        "it never said it was serving"
    );
}

/// A database prepared as on a first run (bundled dataset), closed cleanly.
async fn prepared_db(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    conflict_timeline::bootstrap::prepare(&path)
        .await
        .expect("prepare");
    path
}

#[tokio::test]
async fn a_database_path_that_cannot_be_created_stops_start_up() {
    let dir = tempfile::tempdir().expect("dir");
    // A missing database is created on first run; here it cannot be, because its
    // directory would have to be made where a plain file is.
    let file = dir.path().join("not-a-directory");
    std::fs::write(&file, "x").expect("write");
    let db = file.join("app.db");
    let out = serve_expecting_failure(&db, Duration::from_secs(20));
    assert_clear_failure(
        &out,
        &db,
        &[&["cannot create the directory"], &["exists", "directory"]],
    );
    assert!(!db.exists());
}

#[tokio::test]
async fn a_missing_database_in_a_missing_directory_is_created_on_first_run() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("new/dir/app.db");
    let mut child = Command::new(BIN)
        .args(["serve", "--bind", "127.0.0.1:0", "--db"])
        .arg(&db)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("runs");
    let mut stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut line).expect("read");
    let _ = child.kill();
    let _ = child.wait();
    assert!(line.contains("is serving"), "{line}");
    assert!(db.exists(), "the database was created");
}

#[tokio::test]
async fn an_unreadable_database_stops_start_up() {
    let dir = tempfile::tempdir().expect("dir");
    let db = prepared_db(dir.path(), "unreadable.db").await;
    set_mode(&db, 0o000);
    let privileged = std::fs::File::open(&db).is_ok();
    let out = if privileged {
        // Root reads whatever the mode says: drop to an unprivileged user for the run.
        let Some(setpriv) = which("setpriv") else {
            eprintln!(
                "SKIPPED an_unreadable_database_stops_start_up: running as root (chmod 000 does not stop reads) and setpriv (util-linux) is not installed to drop privileges"
            );
            return;
        };
        set_mode(dir.path(), 0o755);
        let mut command = Command::new(setpriv);
        command
            .args([
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                "--",
                BIN,
            ])
            .current_dir(dir.path());
        serve_command(command, &db, Duration::from_secs(20))
    } else {
        serve_expecting_failure(&db, Duration::from_secs(20))
    };
    set_mode(&db, 0o644);
    assert_clear_failure(
        &out,
        &db,
        &[&[
            "unable to open",
            "ermission denied",
            "readonly",
            "read-only",
        ]],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_locked_by_another_process_stops_start_up() {
    use sqlx::ConnectOptions;
    use sqlx::sqlite::{SqliteConnectOptions, SqliteLockingMode};
    let dir = tempfile::tempdir().expect("dir");
    let path = prepared_db(dir.path(), "locked.db").await;
    // An exclusive-mode connection that has written holds the file's lock until it closes:
    // no other connection can read or write it.
    let mut holder = SqliteConnectOptions::new()
        .filename(&path)
        .locking_mode(SqliteLockingMode::Exclusive)
        .connect()
        .await
        .expect("lock holder");
    sqlx::raw_sql("BEGIN EXCLUSIVE; UPDATE dataset_version SET version = version; COMMIT;")
        .execute(&mut holder)
        .await
        .expect("take the lock");
    let db = path.clone();
    let out =
        tokio::task::spawn_blocking(move || serve_expecting_failure(&db, Duration::from_secs(30)))
            .await
            .expect("join");
    assert_clear_failure(&out, &path, &[&["locked", "busy"]]);
    drop(holder);
}

#[tokio::test]
async fn a_corrupt_database_stops_start_up() {
    let dir = tempfile::tempdir().expect("dir");
    let good = prepared_db(dir.path(), "good.db").await;
    let size = std::fs::metadata(&good).expect("size").len() as usize;

    // Not a database at all.
    let garbage = dir.path().join("garbage.db");
    std::fs::write(&garbage, "not a database ".repeat(20)).expect("write");
    // Every page after the first overwritten.
    let scribbled = dir.path().join("scribbled.db");
    let mut bytes = std::fs::read(&good).expect("read");
    bytes[4096..].fill(0xA5);
    std::fs::write(&scribbled, &bytes).expect("write");
    // Cut short, as by a failed copy.
    let truncated = dir.path().join("truncated.db");
    std::fs::write(
        &truncated,
        &std::fs::read(&good).expect("read")[..8192.min(size / 2)],
    )
    .expect("write");
    // A valid header and nothing else.
    let header_only = dir.path().join("header-only.db");
    std::fs::write(&header_only, &std::fs::read(&good).expect("read")[..100]).expect("write");

    for db in [garbage, scribbled, truncated, header_only] {
        let out = serve_expecting_failure(&db, Duration::from_secs(20));
        assert_clear_failure(
            &out,
            &db,
            &[&["not a database", "malformed", "corrupt", "not usable"]],
        );
    }
}

// ---- Imports that do not finish ---------------------------------------------------------

/// Every table's rows (quoted, sorted) hashed, with the schema and an integrity check: two
/// equal snapshots mean the same database content.
async fn snapshot(path: &Path) -> BTreeMap<String, (i64, String)> {
    let pool = db::open_read_write(path).await.expect("open");
    let mut out = BTreeMap::new();
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&pool)
        .await
        .expect("integrity_check");
    assert_eq!(check, "ok", "{}", path.display());
    let tables =
        sqlx::query("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .fetch_all(&pool)
            .await
            .expect("tables");
    let mut schema = Sha256::new();
    for table in tables {
        let name: String = table.get("name");
        let sql: String = table.get::<Option<String>, _>("sql").unwrap_or_default();
        schema.update(sql.as_bytes());
        if sql.starts_with("CREATE VIRTUAL TABLE") {
            continue; // its shadow tables hold its content
        }
        let columns: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info(?1)")
            .bind(&name)
            .fetch_all(&pool)
            .await
            .expect("columns");
        let row_text = columns
            .iter()
            .map(|c| format!("quote(\"{c}\")"))
            .collect::<Vec<_>>()
            .join(" || char(31) || ");
        let sql = format!("SELECT {row_text} FROM \"{name}\" ORDER BY 1");
        let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_all(&pool)
            .await
            .expect("rows");
        let mut hash = Sha256::new();
        for row in &rows {
            hash.update(row.as_bytes());
            hash.update([30]);
        }
        let digest: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
        out.insert(name, (rows.len() as i64, digest));
    }
    let digest: String = schema
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    out.insert("(schema)".into(), (0, digest));
    pool.close().await;
    out
}

/// A plain CSV of `rows` events in one conflict, large enough that importing it takes a
/// while.
fn big_csv(path: &Path, rows: usize) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    writeln!(
        f,
        "title,start_date,category,actors,location,summary,source_url,conflict"
    )
    .expect("write");
    for i in 0..rows {
        writeln!(
            f,
            "Generated event {i},20{y:02}-{m:02}-{d:02},military,Actor {a};Other {o},Place {p},\
             Summary of generated event number {i} with enough words to index,https://example.org/{i},generated",
            y = i % 20,
            m = 1 + i % 12,
            d = 1 + i % 28,
            a = i % 50,
            o = i % 7,
            p = i % 300
        )
        .expect("write");
    }
    f.flush().expect("flush");
}

/// Bytes the process has read so far (`rchar` of `/proc/PID/io`).
fn bytes_read(pid: u32) -> Option<u64> {
    let io = std::fs::read_to_string(format!("/proc/{pid}/io")).ok()?;
    io.lines()
        .find_map(|l| l.strip_prefix("rchar: "))
        .and_then(|v| v.trim().parse().ok())
}

fn import_command(csv: &Path, db: &Path) -> Command {
    let mut command = Command::new(BIN);
    command
        .arg("import")
        .arg(csv)
        .arg("--db")
        .arg(db)
        .env_remove("CONFLICT_TIMELINE_DB")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_killed_halfway_leaves_the_database_as_it_was() {
    let dir = tempfile::tempdir().expect("dir");
    let db = prepared_db(dir.path(), "killed.db").await;
    let csv = dir.path().join("big.csv");
    big_csv(&csv, 40_000);
    let csv_size = std::fs::metadata(&csv).expect("size").len();
    let before = snapshot(&db).await;

    let mut child: Child = import_command(&csv, &db).spawn().expect("import runs");
    let pid = child.id();
    // Rows are checked and written into the open transaction as they are read: once half
    // the file has been read, half the rows have been written but nothing committed.
    let started = Instant::now();
    let mut killed_at = None;
    while started.elapsed() < Duration::from_secs(120) {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        if bytes_read(pid).is_some_and(|n| n > csv_size / 2) {
            killed_at = bytes_read(pid);
            child.kill().expect("SIGKILL");
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = child.wait().expect("wait");
    let killed_at = killed_at.unwrap_or_else(|| {
        panic!("the import finished ({status:?}) before it could be killed halfway")
    });
    assert!(!status.success(), "killed: {status:?}");
    eprintln!(
        "killed the import after {killed_at} of {csv_size} bytes, {:?} in",
        started.elapsed()
    );

    let after = snapshot(&db).await;
    assert_eq!(
        before, after,
        "the database is exactly as before the import"
    );
}

/// Runs `command` with SIGXFSZ ignored (so writes past the limit fail with EFBIG instead
/// of killing the process) or not, under an `RLIMIT_FSIZE` of `limit` bytes.
fn with_file_size_limit(command: &Command, limit: u64, ignore_signal: bool) -> Command {
    let mut script = String::new();
    if ignore_signal {
        script.push_str("trap '' XFSZ; ");
    }
    script.push_str(&format!("exec prlimit --fsize={limit}:{limit} -- \"$@\""));
    let mut wrapped = Command::new("sh");
    wrapped
        .arg("-c")
        .arg(script)
        .arg("sh")
        .arg(command.get_program())
        .args(command.get_args())
        .env_remove("CONFLICT_TIMELINE_DB")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    wrapped
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_that_hits_the_file_size_limit_leaves_the_database_as_it_was() {
    if which("prlimit").is_none() {
        eprintln!("SKIPPED: prlimit (util-linux) is not installed");
        return;
    }
    let dir = tempfile::tempdir().expect("dir");
    let db = prepared_db(dir.path(), "full.db").await;
    let csv = dir.path().join("big.csv");
    big_csv(&csv, 5_000);
    let before = snapshot(&db).await;
    let limit = std::fs::metadata(&db).expect("size").len() + 256 * 1024;

    // Writes past the limit fail (EFBIG): the import must say so and exit non-zero.
    let out = with_file_size_limit(&import_command(&csv, &db), limit, true)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let line = stderr
        .lines()
        .find(|l| l.starts_with("error: "))
        .unwrap_or_else(|| panic!("no error line: {stderr}"));
    assert!(line.contains("nothing was written"), "{line}");
    assert!(
        ["disk I/O error", "full", "too large"]
            .iter()
            .any(|c| line.contains(c)),
        "the cause: {line}"
    );
    assert_eq!(before, snapshot(&db).await, "after a failed write");

    // With the default disposition, SIGXFSZ kills the process mid-write.
    let out = with_file_size_limit(&import_command(&csv, &db), limit, false)
        .output()
        .expect("runs");
    assert!(!out.status.success(), "killed by SIGXFSZ: {:?}", out.status);
    assert_eq!(
        before,
        snapshot(&db).await,
        "after a process killed mid-write"
    );
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| Path::new(d).join(program))
        .find(|p| p.is_file())
}
