//! The built binary: `import --check`, a failing import's exit code and messages, and
//! `export` to standard output.

use std::process::{Command, Output};

use crate::formats::{EmptyDb, fixture_path, fixture_text};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_conflict-timeline"))
        .args(args)
        .env_remove("CONFLICT_TIMELINE_DB")
        .output()
        .expect("the binary runs")
}

#[tokio::test]
async fn import_check_validates_and_writes_nothing() {
    let db = EmptyDb::new().await;
    let file = fixture_path("acled.csv");
    let out = run(&[
        "import",
        file.to_str().expect("path"),
        "--check",
        "--db",
        db.path.to_str().expect("path"),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("checked (nothing written): 7 new"),
        "{stdout}"
    );
    assert_eq!(db.count("event").await, 0);
}

#[tokio::test]
async fn import_prints_the_report_and_takes_a_base_url_for_relative_media() {
    let db = EmptyDb::new().await;
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("relative.json");
    std::fs::write(
        &file,
        r#"{"title": {"text": {"headline": "Relative"}}, "events": [
            {"start_date": {"year": "2001"}, "text": {"text": "<p>No headline here</p>"},
             "media": {"url": "img/a.jpg"}}]}"#,
    )
    .expect("write");
    let path = file.to_str().expect("path");
    let db_path = db.path.to_str().expect("path");
    let out = run(&["import", path, "--check", "--db", db_path]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("1 medium dropped: relative path without --base-url"),
        "{stdout}"
    );
    assert!(
        stdout.contains("1 title derived from text or date"),
        "{stdout}"
    );
    let out = run(&[
        "import",
        path,
        "--db",
        db_path,
        "--base-url",
        "https://example.org/t/",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("1 medium resolved against --base-url"),
        "{stdout}"
    );
    assert!(
        stdout.contains("img/a.jpg resolved as https://example.org/t/img/a.jpg"),
        "{stdout}"
    );
    // Not a web address: refused before anything is read.
    let out = run(&["import", path, "--db", db_path, "--base-url", "ftp://x/"]);
    assert_eq!(out.status.code(), Some(2));
}

#[tokio::test]
async fn a_failing_import_exits_non_zero_and_names_file_line_field_and_value() {
    let db = EmptyDb::new().await;
    let dir = tempfile::tempdir().expect("dir");
    let bad = dir.path().join("acled-bad.csv");
    let text = fixture_text("acled.csv").replace("3 October 2020", "3 Octember 2020");
    std::fs::write(&bad, text).expect("write");
    let out = run(&[
        "import",
        bad.to_str().expect("path"),
        "--db",
        db.path.to_str().expect("path"),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let expected_line = format!(
        "{}:5: event_date: must be a date written YYYY-MM-DD (2020-07-12), DD Month YYYY (12 July 2020), DD-Month-YYYY (12-July-2020), DD Mon YYYY (12 Jul 2020), DD-MM-YYYY (12-07-2020) or DD-Mon-YY as Excel writes it (12-Jul-20) (got \"3 Octember 2020\")",
        bad.display()
    );
    assert!(stderr.contains(&expected_line), "{stderr}");
    assert!(
        stderr.contains("1 problem(s) found; nothing was imported"),
        "{stderr}"
    );
    assert_eq!(db.count("event").await, 0);
}

#[tokio::test]
async fn export_writes_native_toml_to_standard_output() {
    let db = EmptyDb::new().await;
    db.import(&[crate::formats::fixture("acled.csv")])
        .await
        .expect("import");
    let out = run(&[
        "export",
        "--db",
        db.path.to_str().expect("path"),
        "--conflict",
        "armenia",
        "--from",
        "2023",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let toml = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(
        toml.starts_with("format = \"conflict-timeline/1\""),
        "{toml}"
    );
    // The slugs of the conflict and the events (the places they name come between).
    let mut table = "";
    let mut slugs: Vec<&str> = Vec::new();
    for line in toml.lines() {
        if line.starts_with("[[") {
            table = line;
        } else if let Some(slug) = line.strip_prefix("slug = ")
            && table != "[[places]]"
        {
            slugs.push(slug);
        }
    }
    assert_eq!(
        slugs,
        ["\"armenia\"", "\"acled-arm505\"", "\"acled-arm606\""],
        "the conflict, then its events from 2023 in timeline order"
    );
}
