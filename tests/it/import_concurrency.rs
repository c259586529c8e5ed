//! A server reading the database while an import writes to it: every answer comes, and
//! each shows the data from before the import or after it, never part of it.

use conflict_timeline::import::{self, Format, ImportOptions, Input, InputSource, MappingOptions};

use crate::harness::{TestApp, serve_tcp, tcp_get_status_body};

/// Rows the import adds: enough to take many batches, so that readers ask mid-import, and
/// more than the bundled dataset and the importer's threshold for a bulk load (which drops
/// and rebuilds indexes inside its transaction).
const ROWS: usize = 25_000;

/// A plain CSV file of `ROWS` events.
fn generated_csv() -> String {
    let mut csv = String::from("slug,title,start_date,category,actors,location,summary\n");
    for i in 0..ROWS {
        let (year, month, day) = (1990 + i % 30, 1 + i % 12, 1 + i % 28);
        csv.push_str(&format!(
            "bulk-{i},Bulk event {i},{year}-{month:02}-{day:02},military,Armenia;Azerbaijan,\
             Place {p},\"Generated row {i}, written while the server reads.\"\n",
            p = i % 50
        ));
    }
    csv
}

/// The `total` of an `/api/events` answer (read from the text, so that a chunked body
/// needs no decoding).
fn total_of(body: &str) -> Option<u64> {
    let rest = body.split("\"total\":").nth(1)?;
    let digits: String = rest
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readers_see_the_old_or_the_new_data_never_half_an_import() {
    let app = TestApp::seeded().await;
    let (addr, server) = serve_tcp(app.router.clone()).await;

    let (status, body) =
        tokio::task::spawn_blocking(move || tcp_get_status_body(addr, "/api/events?limit=1"))
            .await
            .expect("join");
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    let before = total_of(&body).expect("a total before the import");
    let after = before + ROWS as u64;

    let schema_before = schema(&app).await;
    let pool = app.rw.clone();
    let importing = tokio::spawn(async move { import_generated(&pool).await });

    // Poll until the import is over, then a few times more.
    let mut during = 0;
    let mut seen_after = 0;
    let mut polls_after_end = 0;
    while polls_after_end < 5 {
        if importing.is_finished() {
            polls_after_end += 1;
        } else {
            during += 1;
        }
        let (status, body) =
            tokio::task::spawn_blocking(move || tcp_get_status_body(addr, "/api/events?limit=1"))
                .await
                .expect("join");
        assert!(
            status.starts_with("HTTP/1.1 200"),
            "every answer during an import is a success: {status}\n{body}"
        );
        match total_of(&body) {
            Some(total) if total == before => {
                assert_eq!(seen_after, 0, "once the import is visible it stays visible")
            }
            Some(total) if total == after => seen_after += 1,
            other => panic!("a reader saw {other:?} events: neither {before} nor {after}"),
        }
    }

    eprintln!("{during} answers during the import, {seen_after} after it");
    let summary = importing
        .await
        .expect("join")
        .expect("the generated file imports");
    assert_eq!(summary.inserted, ROWS as u64);
    assert!(
        during >= 3,
        "answers were given while the import was under way ({during})"
    );
    assert!(seen_after >= 5, "the finished import is visible");

    // The bulk load left the schema as it was, and a full-text index that agrees with the
    // events.
    assert_eq!(schema(&app).await, schema_before);
    sqlx::query("INSERT INTO event_fts (event_fts) VALUES ('integrity-check')")
        .execute(&app.rw)
        .await
        .expect("the search index matches the events");
    let settings: i64 =
        sqlx::query_scalar("SELECT count(*) FROM event_fts_config WHERE k = 'hashsize'")
            .fetch_one(&app.rw)
            .await
            .expect("fts settings");
    assert_eq!(settings, 0, "the bulk load's index setting is not kept");
    let found = app.get("/api/events?q=%22Bulk+event+12345%22").await.json();
    assert_eq!(found["total"], 1, "{found}");

    // The same file again changes nothing.
    let again = import_generated(&app.rw).await.expect("the re-import");
    assert_eq!(
        (again.inserted, again.updated, again.unchanged),
        (0, 0, ROWS as u64)
    );
    server.abort();
}

async fn import_generated(
    pool: &sqlx::SqlitePool,
) -> Result<import::ImportSummary, import::ImportError> {
    let input = Input {
        name: "generated.csv".to_string(),
        source: InputSource::Text(generated_csv()),
        format: Some(Format::Csv),
    };
    let mapping = MappingOptions {
        conflict: Some("concurrency".to_string()),
        ..MappingOptions::default()
    };
    import::import_with(pool, &[input], ImportOptions::default(), &mapping).await
}

/// The schema's tables and indexes, as SQL.
async fn schema(app: &TestApp) -> Vec<(String, Option<String>)> {
    sqlx::query_as("SELECT name, sql FROM sqlite_schema ORDER BY name")
        .fetch_all(&app.rw)
        .await
        .expect("schema")
}
