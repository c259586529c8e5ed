//! Importing the foreign formats (plain CSV, ACLED, UCDP GED, TimelineJS JSON and sheet)
//! from small files with the real column layouts and what real files contain: a byte-order
//! mark, Windows line ends, quoted commas and newlines, empty cells, non-ASCII names.

use std::path::PathBuf;

use conflict_timeline::db;
use conflict_timeline::import::{
    self, Format, ImportError, ImportOptions, ImportProblem, ImportSummary, Input, InputSource,
    MappingOptions,
};
use sqlx::SqlitePool;

/// A migrated, empty database on a temporary file.
pub struct EmptyDb {
    pub pool: SqlitePool,
    /// The database file, for tests that run the binary on it.
    pub path: PathBuf,
    _dir: tempfile::TempDir,
}

impl EmptyDb {
    pub async fn new() -> EmptyDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("test.db");
        let pool = db::open_read_write(&path).await.expect("open");
        db::migrate(&pool, &path).await.expect("migrate");
        EmptyDb {
            pool,
            path,
            _dir: dir,
        }
    }

    pub async fn import(&self, inputs: &[Input]) -> Result<ImportSummary, ImportError> {
        self.import_into(inputs, None).await
    }

    pub async fn import_into(
        &self,
        inputs: &[Input],
        conflict: Option<&str>,
    ) -> Result<ImportSummary, ImportError> {
        let mapping = MappingOptions {
            conflict: conflict.map(str::to_string),
            ..MappingOptions::default()
        };
        import::import_with(&self.pool, inputs, ImportOptions::default(), &mapping).await
    }

    /// One column of one row, as text.
    pub async fn text(&self, sql: &'static str, slug: &str) -> Option<String> {
        sqlx::query_scalar::<_, Option<String>>(sql)
            .bind(slug)
            .fetch_optional(&self.pool)
            .await
            .expect("query")
            .flatten()
    }

    /// The EDTF of an event.
    pub async fn edtf(&self, slug: &str) -> String {
        self.text("SELECT edtf FROM event WHERE slug = ?1", slug)
            .await
            .unwrap_or_else(|| panic!("no event {slug}"))
    }

    /// The actors of an event, in order.
    pub async fn actors(&self, slug: &str) -> Vec<String> {
        sqlx::query_scalar(
            "SELECT a.name FROM event_actor ea JOIN actor a ON a.id = ea.actor_id
             JOIN event e ON e.id = ea.event_id WHERE e.slug = ?1 ORDER BY ea.position",
        )
        .bind(slug)
        .fetch_all(&self.pool)
        .await
        .expect("actors")
    }

    pub async fn count(&self, table: &str) -> i64 {
        let sql = format!("SELECT count(*) FROM {table}");
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(&self.pool)
            .await
            .expect("count")
    }

    /// Every table's content, without row ids and timestamps, in a stable order: two
    /// databases with the same data give the same dump. Content hashes are left out: they
    /// digest the record as a file spelled it (an actor's spelling, the order of links),
    /// which the stored data does not keep.
    pub async fn dump(&self) -> Vec<String> {
        Self::dump_of(&self.pool).await
    }

    /// [`EmptyDb::dump`] of any database.
    pub async fn dump_of(pool: &SqlitePool) -> Vec<String> {
        const QUERIES: [&str; 9] = [
            "SELECT 'conflict', quote(slug), quote(name), quote(summary), quote(region)
             FROM conflict ORDER BY slug",
            "SELECT 'era', quote(c.slug), quote(r.slug), quote(r.name), quote(r.edtf),
                    r.start_day, r.end_day, quote(r.summary)
             FROM era r JOIN conflict c ON c.id = r.conflict_id ORDER BY c.slug, r.slug",
            "SELECT 'event', quote(e.slug), quote(c.slug), quote(title), quote(e.summary),
                    quote(body), quote(edtf), start_day, end_day, quote(date_label),
                    quote(category), quote(place), quote(latitude), quote(longitude),
                    quote(fatalities_best), quote(fatalities_low), quote(fatalities_high)
             FROM event e JOIN conflict c ON c.id = e.conflict_id ORDER BY e.slug",
            "SELECT 'actor', quote(slug), quote(name) FROM actor ORDER BY slug",
            "SELECT 'event_actor', quote(e.slug), ea.position, quote(a.slug)
             FROM event_actor ea JOIN event e ON e.id = ea.event_id
             JOIN actor a ON a.id = ea.actor_id ORDER BY e.slug, ea.position",
            "SELECT 'source', quote(e.slug), s.position, quote(s.title), quote(publisher),
                    quote(url), quote(published), quote(note)
             FROM source s JOIN event e ON e.id = s.event_id ORDER BY e.slug, s.position",
            "SELECT 'link', quote(f.slug), quote(t.slug), quote(rel)
             FROM event_link l JOIN event f ON f.id = l.from_event_id
             JOIN event t ON t.id = l.to_event_id ORDER BY f.slug, t.slug, rel",
            "SELECT 'day', day, count FROM event_day_count ORDER BY day",
            "SELECT 'fts', count(*) FROM event_fts WHERE event_fts MATCH 'a* OR e* OR i* OR o*'",
        ];
        let mut lines = Vec::new();
        for sql in QUERIES {
            let rows = sqlx::query(sql)
                .fetch_all(pool)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
            for row in rows {
                use sqlx::Row;
                let cells: Vec<String> = (0..row.len())
                    .map(|i| {
                        row.try_get::<String, _>(i)
                            .or_else(|_| row.try_get::<i64, _>(i).map(|n| n.to_string()))
                            .unwrap_or_else(|_| "?".to_string())
                    })
                    .collect();
                lines.push(cells.join(" | "));
            }
        }
        lines
    }
}

/// A fixture file under `tests/fixtures/`, format detected.
pub fn fixture(name: &str) -> Input {
    Input::path(fixture_path(name), None)
}

pub fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn fixture_text(name: &str) -> String {
    std::fs::read_to_string(fixture_path(name)).expect("fixture")
}

/// An input from text, format detected from the name and content.
pub fn text_file(name: &str, text: &str) -> Input {
    Input {
        name: name.to_string(),
        source: InputSource::Text(text.to_string()),
        format: None,
    }
}

fn problems_of(err: ImportError) -> (Vec<ImportProblem>, usize) {
    match err {
        ImportError::Invalid { problems, total } => (problems, total),
        other => panic!("expected problems, got {other}"),
    }
}

// --- plain CSV ------------------------------------------------------------------------

#[tokio::test]
async fn plain_csv_with_bom_crlf_quotes_and_unicode_imports_every_row() {
    let db = EmptyDb::new().await;
    let summary = db.import(&[fixture("plain.csv")]).await.expect("import");
    assert_eq!(summary.inserted, 5);

    assert_eq!(db.edtf("shelling-of-susa-shushi-1").await, "2020-10-08");
    assert_eq!(db.edtf("talks-in-moscow").await, "2020-10");
    assert_eq!(db.edtf("xankendi-checkpoint-3").await, "2023");
    assert_eq!(
        db.edtf("ceasefire-statement-4").await,
        "2020-11-09/2020-11-10"
    );
    assert_eq!(
        db.edtf("offensive-5").await,
        "2023-09-19/2023-09-20",
        "an edtf column is used as is"
    );
    assert_eq!(
        db.actors("talks-in-moscow").await,
        ["Russia", "Armenia", "Azerbaijan"],
        "actors are split on ';', trimmed, in order"
    );
    assert_eq!(
        db.text(
            "SELECT summary FROM event WHERE slug = ?1",
            "talks-in-moscow"
        )
        .await
        .as_deref(),
        Some("A summary\nover two lines, with \"quotes\".")
    );
    assert_eq!(
        db.text(
            "SELECT place FROM event WHERE slug = ?1",
            "shelling-of-susa-shushi-1"
        )
        .await
        .as_deref(),
        Some("Şuşa, Nagorno-Karabakh")
    );
    assert_eq!(
        db.text(
            "SELECT date_label FROM event WHERE slug = ?1",
            "talks-in-moscow"
        )
        .await
        .as_deref(),
        Some("early October 2020")
    );
    assert_eq!(
        db.text(
            "SELECT place FROM event WHERE slug = ?1",
            "xankendi-checkpoint-3"
        )
        .await,
        None,
        "empty optional cells stay empty"
    );
    assert_eq!(
        db.text(
            "SELECT name FROM conflict WHERE slug = ?1",
            "nagorno-karabakh-conflict"
        )
        .await
        .as_deref(),
        Some("Nagorno-Karabakh conflict"),
        "a conflict column may hold a name"
    );
}

#[tokio::test]
async fn the_benchmark_generator_format_imports_with_its_precisions() {
    let db = EmptyDb::new().await;
    let summary = db
        .import_into(&[fixture("gen_events_50.csv")], Some("bench"))
        .await
        .expect("import");
    assert_eq!(summary.inserted, 50);

    let mut reader = csv::Reader::from_path(fixture_path("gen_events_50.csv")).expect("csv");
    for row in reader.records() {
        let row = row.expect("row");
        let (slug, start, end, precision) = (&row[1], &row[3], &row[4], &row[5]);
        let start = match precision {
            "month" => &start[..7],
            "year" => &start[..4],
            _ => start,
        };
        let expected = if end.is_empty() {
            start.to_string()
        } else {
            format!("{start}/{end}")
        };
        assert_eq!(db.edtf(slug).await, expected, "{slug}");
    }
    let sources: i64 = db.count("source").await;
    assert_eq!(sources, 50, "each source_url becomes a source");
}

#[tokio::test]
async fn a_csv_without_a_conflict_needs_the_conflict_flag() {
    let db = EmptyDb::new().await;
    let err = db
        .import(&[fixture("gen_events_50.csv")])
        .await
        .expect_err("no conflict");
    let (problems, total) = problems_of(err);
    assert_eq!(
        total, 1,
        "one problem for the missing column, not one per row"
    );
    assert_eq!(
        (problems[0].line, problems[0].field.as_str()),
        (Some(1), "conflict")
    );
    assert!(
        problems[0].message.contains("--conflict"),
        "{}",
        problems[0]
    );
}

#[tokio::test]
async fn a_missing_required_column_is_one_problem_at_line_one() {
    let db = EmptyDb::new().await;
    let text = fixture_text("acled.csv").replacen("event_date", "date_of_event", 1);
    let input = Input {
        format: Some(Format::Acled),
        ..text_file("acled.csv", &text)
    };
    let (problems, total) = problems_of(db.import(&[input]).await.expect_err("missing"));
    assert_eq!(total, 1);
    let p = &problems[0];
    assert_eq!(
        (p.file.as_str(), p.line, p.field.as_str()),
        ("acled.csv", Some(1), "event_date")
    );
}

// --- ACLED ----------------------------------------------------------------------------

#[tokio::test]
async fn acled_rows_map_dates_categories_actors_and_places() {
    let db = EmptyDb::new().await;
    db.import(&[fixture("acled.csv")]).await.expect("import");

    // Every time_precision code, and both date spellings.
    assert_eq!(db.edtf("acled-aze101").await, "2020-09-27");
    assert_eq!(db.edtf("acled-arm202").await, "2020-07-12~");
    assert_eq!(db.edtf("acled-aze303").await, "2020-10~");
    assert_eq!(db.edtf("acled-arm505").await, "2023-09-24");
    assert_eq!(
        db.edtf("acled-arm707").await,
        "2022-06-30",
        "a date as Excel writes it (30-Jun-22)"
    );

    for (slug, category) in [
        ("acled-aze101", "military"),
        ("acled-arm202", "military"),
        ("acled-aze303", "violence-against-civilians"),
        ("acled-aze404", "political"),
        ("acled-arm505", "protest"),
        ("acled-arm606", "riot"),
    ] {
        assert_eq!(
            db.text("SELECT category FROM event WHERE slug = ?1", slug)
                .await
                .as_deref(),
            Some(category),
            "{slug}"
        );
    }
    assert_eq!(
        db.actors("acled-aze101").await,
        [
            "Military Forces of Azerbaijan (2003-)",
            "Military Forces of Armenia (2018-)",
            "Artsakh Defense Army",
            "Armenian Volunteers"
        ]
    );
    assert_eq!(
        db.text("SELECT title FROM event WHERE slug = ?1", "acled-aze404")
            .await
            .as_deref(),
        Some("Agreement in Xankəndi")
    );
    assert_eq!(
        db.text("SELECT place FROM event WHERE slug = ?1", "acled-aze303")
            .await
            .as_deref(),
        Some("Şuşa, Shusha, Azerbaijan")
    );
    let notes = db
        .text("SELECT summary FROM event WHERE slug = ?1", "acled-aze101")
        .await
        .expect("notes");
    assert!(
        notes.contains("shelling\nreported") && notes.contains("Casualties, \"dozens\", on"),
        "{notes}"
    );
    let (best, lat): (Option<i64>, Option<f64>) =
        sqlx::query_as("SELECT fatalities_best, latitude FROM event WHERE slug = 'acled-aze101'")
            .fetch_one(&db.pool)
            .await
            .expect("row");
    assert_eq!((best, lat), (Some(12), Some(39.52)));
    let source: (String, Option<String>, Option<String>) = sqlx::query_as(
        "SELECT s.title, s.publisher, s.note FROM source s JOIN event e ON e.id = s.event_id
         WHERE e.slug = 'acled-aze101'",
    )
    .fetch_one(&db.pool)
    .await
    .expect("source");
    assert_eq!(
        source,
        (
            "Reuters; Azatutyun".into(),
            // Not the title again as publisher ("X, X." on the page: issue 18).
            None,
            Some("International-Regional".into())
        )
    );
    let conflicts: Vec<String> = sqlx::query_scalar("SELECT slug FROM conflict ORDER BY slug")
        .fetch_all(&db.pool)
        .await
        .expect("conflicts");
    assert_eq!(
        conflicts,
        ["armenia", "azerbaijan"],
        "a conflict per country"
    );
}

#[tokio::test]
async fn acled_interaction_codes_read_in_words_after_an_import() {
    // Issue 18: `Interaction: 60` was shown as a raw code.
    let db = EmptyDb::new().await;
    db.import(&[fixture("acled.csv")]).await.expect("import");
    let body = |slug: &'static str| db.text("SELECT body FROM event WHERE slug = ?1", slug);
    let protest = body("acled-arm505").await.expect("a body");
    assert!(
        protest
            .lines()
            .any(|l| l == "- Interaction: Protesters alone (60)"),
        "{protest}"
    );
    let clash = body("acled-aze101").await.expect("a body");
    assert!(
        clash
            .lines()
            .any(|l| l == "- Interaction: State forces and external/other forces (18)"),
        "{clash}"
    );
    for slug in ["acled-arm505", "acled-aze101", "acled-arm606"] {
        let text = body(slug).await.unwrap_or_default();
        assert!(
            !text.lines().any(|l| l
                .strip_prefix("- Interaction: ")
                .is_some_and(|v| v.bytes().all(|b| b.is_ascii_digit()))),
            "no bare code: {text}"
        );
    }
}

#[tokio::test]
async fn acled_rows_go_into_the_named_conflict() {
    let db = EmptyDb::new().await;
    db.import_into(&[fixture("acled.csv")], Some("nagorno-karabakh"))
        .await
        .expect("import");
    let conflicts: Vec<String> = sqlx::query_scalar("SELECT slug FROM conflict")
        .fetch_all(&db.pool)
        .await
        .expect("conflicts");
    assert_eq!(conflicts, ["nagorno-karabakh"]);
    assert_eq!(db.count("event").await, 7);
}

#[tokio::test]
async fn a_bad_row_in_the_middle_of_a_csv_leaves_the_database_untouched() {
    let db = EmptyDb::new().await;
    db.import(&[fixture("acled.csv")])
        .await
        .expect("first import");
    let before = db.dump().await;

    // Row 1 changed (it would update), row 3 broken, rows after it fine.
    let text = fixture_text("acled.csv")
        .replace("Armed clash", "Armed clash (renamed)")
        .replace("3 October 2020", "3 Octember 2020");
    let err = db
        .import(&[text_file("acled-broken.csv", &text)])
        .await
        .expect_err("a bad date fails the import");
    let (problems, total) = problems_of(err);
    assert_eq!(total, 1, "{problems:?}");
    let p = &problems[0];
    // Row 1's notes span two lines, so row 3 starts on line 5.
    assert_eq!(
        (p.file.as_str(), p.line, p.field.as_str(), p.value.as_str()),
        ("acled-broken.csv", Some(5), "event_date", "3 Octember 2020")
    );
    assert!(p.message.contains("DD Month YYYY"), "{p}");
    assert_eq!(db.dump().await, before, "nothing was written");
}

#[tokio::test]
async fn every_problem_names_the_line_column_and_value() {
    let db = EmptyDb::new().await;
    let text = fixture_text("acled.csv")
        .replace("2020-09-27,2020,1,", "2020-09-27,2020,4,")
        .replace("40.9500", "north")
        .replace(",0,crowd size", ",-3,crowd size");
    let (problems, total) = problems_of(
        db.import(&[text_file("acled.csv", &text)])
            .await
            .expect_err("bad"),
    );
    let found: Vec<(Option<usize>, &str, &str)> = problems
        .iter()
        .map(|p| (p.line, p.field.as_str(), p.value.as_str()))
        .collect();
    assert_eq!(total, 3, "{found:?}");
    assert!(
        found.contains(&(Some(2), "time_precision", "4")),
        "{found:?}"
    );
    assert!(found.contains(&(Some(4), "latitude", "north")), "{found:?}");
    assert!(found.contains(&(Some(8), "fatalities", "-3")), "{found:?}");
    assert_eq!(db.count("event").await, 0);
}

#[tokio::test]
async fn duplicate_ids_within_a_file_are_a_problem() {
    let db = EmptyDb::new().await;
    let text = fixture_text("acled.csv").replace("ARM606", "ARM505");
    let (problems, _) = problems_of(
        db.import(&[text_file("dup.csv", &text)])
            .await
            .expect_err("duplicate"),
    );
    let p = &problems[0];
    assert_eq!((p.line, p.value.as_str()), (Some(8), "acled-arm505"));
    assert!(p.message.contains("more than once"), "{p}");
    assert_eq!(db.count("event").await, 0);
}

#[tokio::test]
async fn reimporting_a_csv_changes_nothing_and_a_changed_row_updates() {
    let db = EmptyDb::new().await;
    db.import(&[fixture("acled.csv")]).await.expect("first");
    let before = db.dump().await;

    let again = db.import(&[fixture("acled.csv")]).await.expect("again");
    assert_eq!(
        (
            again.inserted,
            again.updated,
            again.unchanged,
            again.conflicts_written
        ),
        (0, 0, 7, 0)
    );
    assert_eq!(db.dump().await, before);

    let text =
        fixture_text("acled.csv").replace("Clashes with police.", "Clashes with riot police.");
    let changed = db
        .import(&[text_file("acled.csv", &text)])
        .await
        .expect("changed");
    assert_eq!(
        (changed.inserted, changed.updated, changed.unchanged),
        (0, 1, 6)
    );
    assert_eq!(
        db.text("SELECT summary FROM event WHERE slug = ?1", "acled-arm606")
            .await
            .as_deref(),
        Some("Clashes with riot police.")
    );
}

#[tokio::test]
async fn an_existing_conflict_keeps_its_name_and_summary() {
    let db = EmptyDb::new().await;
    sqlx::query(
        "INSERT INTO conflict (slug, name, summary) VALUES ('armenia', 'Armenia (curated)', 'Kept.')",
    )
    .execute(&db.pool)
    .await
    .expect("insert");
    db.import(&[fixture("acled.csv")]).await.expect("import");
    let kept: (String, String) =
        sqlx::query_as("SELECT name, summary FROM conflict WHERE slug = 'armenia'")
            .fetch_one(&db.pool)
            .await
            .expect("row");
    assert_eq!(kept, ("Armenia (curated)".into(), "Kept.".into()));
}

// --- UCDP GED -------------------------------------------------------------------------

#[tokio::test]
async fn ucdp_rows_map_every_date_precision_and_the_fatality_range() {
    let db = EmptyDb::new().await;
    db.import(&[fixture("ucdp_ged.csv")]).await.expect("import");

    assert_eq!(db.edtf("ucdp-1001").await, "2020-09-27");
    assert_eq!(db.edtf("ucdp-1002").await, "2020-10-01~/2020-10-05~");
    assert_eq!(db.edtf("ucdp-1003").await, "2020-10-05~/2020-10-11~");
    assert_eq!(db.edtf("ucdp-1004").await, "2020-10", "a whole month");
    assert_eq!(db.edtf("ucdp-1005").await, "2020", "a whole year");

    let fatalities: (i64, i64, i64) = sqlx::query_as(
        "SELECT fatalities_best, fatalities_low, fatalities_high FROM event WHERE slug = 'ucdp-1004'",
    )
    .fetch_one(&db.pool)
    .await
    .expect("row");
    assert_eq!(fatalities, (4, 3, 5));
    assert_eq!(
        db.actors("ucdp-1001").await,
        ["Government of Azerbaijan", "Republic of Artsakh"]
    );
    assert_eq!(
        db.text("SELECT category FROM event WHERE slug = ?1", "ucdp-1004")
            .await
            .as_deref(),
        Some("violence-against-civilians")
    );
    assert_eq!(
        db.text("SELECT place FROM event WHERE slug = ?1", "ucdp-1002")
            .await
            .as_deref(),
        Some("Şuşa (Shushi), Nagorno-Karabakh, Azerbaijan")
    );
    assert_eq!(
        db.text(
            "SELECT name FROM conflict WHERE slug = ?1",
            "azerbaijan-nagorno-karabakh"
        )
        .await
        .as_deref(),
        Some("Azerbaijan: Nagorno-Karabakh")
    );
    assert_eq!(
        db.text("SELECT latitude FROM event WHERE slug = ?1", "ucdp-1005")
            .await,
        None,
        "empty coordinates stay empty"
    );
}

#[tokio::test]
async fn ucdp_columns_may_come_in_any_order() {
    let db = EmptyDb::new().await;
    let mut reader = csv::Reader::from_path(fixture_path("ucdp_ged.csv")).expect("csv");
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .rev()
        .map(str::to_string)
        .collect();
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&header).expect("write");
    for row in reader.records() {
        let row = row.expect("row");
        writer.write_record(row.iter().rev()).expect("write row");
    }
    let text = String::from_utf8(writer.into_inner().expect("flush")).expect("utf8");
    db.import(&[text_file("reversed.csv", &text)])
        .await
        .expect("import");
    assert_eq!(db.edtf("ucdp-1002").await, "2020-10-01~/2020-10-05~");
}

// --- TimelineJS -----------------------------------------------------------------------

#[tokio::test]
async fn timelinejs_json_maps_events_eras_and_html() {
    let db = EmptyDb::new().await;
    db.import(&[fixture("timeline.json")])
        .await
        .expect("import");

    assert_eq!(db.edtf("war-begins").await, "2020-09-27");
    assert_eq!(db.edtf("2020-11-08-susa-shushi-taken").await, "2020-11-08");
    assert_eq!(
        db.edtf("2020-11-01-ceasefire-statement").await,
        "2020-11/2020-11-10"
    );
    assert_eq!(db.edtf("2023-01-01-xankendi-renamed").await, "2023");
    let (summary, body, category): (String, String, String) =
        sqlx::query_as("SELECT summary, body, category FROM event WHERE slug = 'war-begins'")
            .fetch_one(&db.pool)
            .await
            .expect("row");
    assert_eq!(
        summary,
        "Fighting along the [line of contact](https://example.org/line)."
    );
    assert_eq!(body, "Mobilisation & martial law.");
    assert_eq!(category, "military");
    assert_eq!(
        db.text(
            "SELECT date_label FROM event WHERE slug = ?1",
            "2020-11-08-susa-shushi-taken"
        )
        .await
        .as_deref(),
        Some("8 November 2020")
    );
    assert_eq!(
        db.text(
            "SELECT title FROM event WHERE slug = ?1",
            "2020-11-01-ceasefire-statement"
        )
        .await
        .as_deref(),
        Some("Ceasefire statement"),
        "tags are stripped from headlines"
    );
    let era: (String, String) = sqlx::query_as("SELECT slug, edtf FROM era")
        .fetch_one(&db.pool)
        .await
        .expect("era");
    assert_eq!(era, ("second-war".into(), "2020-09-27/2020-11-10".into()));
    assert_eq!(
        db.text(
            "SELECT name FROM conflict WHERE slug = ?1",
            "nagorno-karabakh-2020"
        )
        .await
        .as_deref(),
        Some("Nagorno-Karabakh, 2020")
    );
    let media: (String, Option<String>, Option<String>) = sqlx::query_as(
        "SELECT s.title, s.publisher, s.url FROM source s JOIN event e ON e.id = s.event_id
         WHERE e.slug = 'war-begins'",
    )
    .fetch_one(&db.pool)
    .await
    .expect("source");
    assert_eq!(
        media,
        (
            "Artillery near Hadrut".into(),
            Some("Reuters".into()),
            Some("https://example.org/photo".into())
        )
    );
}

#[tokio::test]
async fn timelinejs_json_problems_name_the_event_and_component() {
    let db = EmptyDb::new().await;
    let text = fixture_text("timeline.json").replace(
        "\"month\": 11,\n        \"day\": 8",
        "\"month\": 13,\n        \"day\": 8",
    );
    assert!(text.contains("\"month\": 13"), "fixture layout changed");
    let (problems, _) = problems_of(
        db.import(&[text_file("t.json", &text)])
            .await
            .expect_err("bad month"),
    );
    assert_eq!(problems[0].field, "events[1].start_date.month");
    assert_eq!(problems[0].value, "13");

    let (problems, _) = problems_of(
        db.import(&[text_file("t.json", "{\"events\": [}")])
            .await
            .expect_err("syntax"),
    );
    assert_eq!(problems[0].line, Some(1));
}

#[tokio::test]
async fn timelinejs_sheet_maps_the_title_eras_and_events() {
    let db = EmptyDb::new().await;
    db.import(&[fixture("timeline_sheet.csv")])
        .await
        .expect("import");
    assert_eq!(
        db.text(
            "SELECT name FROM conflict WHERE slug = ?1",
            "nagorno-karabakh-2020"
        )
        .await
        .as_deref(),
        Some("Nagorno-Karabakh, 2020"),
        "the title row names the conflict even after the first event"
    );
    assert_eq!(db.count("event").await, 4);
    assert_eq!(db.count("era").await, 1);
    assert_eq!(db.edtf("2020-09-27-war-begins").await, "2020-09-27");
    assert_eq!(
        db.edtf("2020-11-01-ceasefire-statement").await,
        "2020-11/2020-11-10"
    );
    assert_eq!(
        db.text(
            "SELECT summary FROM event WHERE slug = ?1",
            "2020-11-08-susa-shushi-taken"
        )
        .await
        .as_deref(),
        Some("Azerbaijani forces enter\nthe town.")
    );
    assert_eq!(
        db.text(
            "SELECT category FROM event WHERE slug = ?1",
            "2023-01-01-xankendi-renamed"
        )
        .await
        .as_deref(),
        Some("event")
    );
}

#[tokio::test]
async fn a_sheet_row_without_a_headline_and_with_a_negative_year_imports() {
    // Issue 18: headline-less rows and negative years were rejected.
    let text = fixture_text("timeline_sheet.csv")
        + "-300,5,,,,,,,,,\"<p>A city founded on the coast.</p>\",,,,,,Founding,\n";
    let db = EmptyDb::new().await;
    let summary = db
        .import(&[text_file("sheet.csv", &text)])
        .await
        .expect("imports whole");
    assert_eq!(db.count("event").await, 5);
    let (slug, title, edtf, category): (String, String, String, String) =
        sqlx::query_as("SELECT slug, title, edtf, category FROM event WHERE edtf LIKE '-%'")
            .fetch_one(&db.pool)
            .await
            .expect("the row before the common era");
    assert_eq!(
        (title.as_str(), edtf.as_str(), category.as_str()),
        ("[A city founded on the coast.]", "-0300-05", "founding"),
        "a derived title in brackets: {slug}"
    );
    assert_eq!(summary.report.count(import::NoticeKind::TitleDerived), 1);
    let lines = summary.report.lines();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("Headline") && l.contains("[A city founded on the coast.]")),
        "{lines:?}"
    );
}

#[tokio::test]
async fn plain_csv_rows_before_the_common_era_import() {
    let text = "slug,title,edtf,start_date,end_date,date_precision,category,conflict\n\
        by-edtf,By EDTF,-0300,,,,political,Ancient\n\
        by-day,By day,,-0300-05-01,,day,political,Ancient\n\
        by-month,By month,,-0300-05-01,,month,political,Ancient\n\
        by-year,By year,,-0300-05-01,,year,political,Ancient\n\
        a-span,A span,,-0300,-0250,,political,Ancient\n\
        short-year,A short year,,600,,year,political,Ancient\n";
    let db = EmptyDb::new().await;
    db.import(&[text_file("bce.csv", text)])
        .await
        .expect("negative and short years import");
    for (slug, edtf) in [
        ("by-edtf", "-0300"),
        ("by-day", "-0300-05-01"),
        ("by-month", "-0300-05"),
        ("by-year", "-0300"),
        ("a-span", "-0300/-0250"),
        ("short-year", "0600"),
    ] {
        assert_eq!(db.edtf(slug).await, edtf, "{slug}");
    }
}

#[tokio::test]
async fn ucdp_rows_as_published_import_with_long_names_and_prose_places() {
    // A BOM, CRLF line ends, a multi-line quoted cell, place descriptions written as
    // prose and a side and conflict named in about 240 characters, as in UCDP's own files.
    let db = EmptyDb::new().await;
    db.import(&[fixture("ucdp_ged_quirks.csv")])
        .await
        .expect("imports whole");
    let title = |slug: &'static str| db.text("SELECT title FROM event WHERE slug = ?1", slug);
    assert_eq!(
        title("ucdp-2001").await.as_deref(),
        Some("Government of Syria - Syrian insurgents in Idlib governorate")
    );
    assert_eq!(
        title("ucdp-2002").await.as_deref(),
        Some("Government of Syria - IS in Syria")
    );
    assert_eq!(
        title("ucdp-2003").await.as_deref(),
        Some("Government of Syria - HTS")
    );
    for slug in ["ucdp-2001", "ucdp-2002", "ucdp-2003", "ucdp-2004"] {
        let t = title(slug).await.unwrap_or_default();
        for prose in [" in in ", " in near ", " in between ", " in the "] {
            assert!(!t.contains(prose), "{slug}: {t}");
        }
    }
    // The prose stays in the place.
    assert_eq!(
        db.text("SELECT place FROM event WHERE slug = ?1", "ucdp-2002")
            .await
            .as_deref(),
        Some("near Aleppo, Syria")
    );
    // Long names whole, slugs shortened.
    let (slug, name): (String, String) =
        sqlx::query_as("SELECT slug, name FROM conflict WHERE length(name) > 200")
            .fetch_one(&db.pool)
            .await
            .expect("the long conflict");
    assert!(name.ends_with("after the 2019 agreement"), "{name}");
    assert!(slug.len() <= 100, "{slug}");
    let actor: String = sqlx::query_scalar("SELECT name FROM actor WHERE length(name) > 200")
        .fetch_one(&db.pool)
        .await
        .expect("the long side");
    assert!(actor.starts_with("Forces of the Transitional"), "{actor}");
}

#[tokio::test]
async fn ucdp_rows_with_low_above_high_import_as_published_and_are_reported() {
    // UCDP publishes rows such as best 18, high 17, low 18 (the quirks fixture's `2005`).
    // They are kept as published, each named in the import report.
    let db = EmptyDb::new().await;
    let summary = db
        .import(&[fixture("ucdp_ged_quirks.csv")])
        .await
        .expect("imports whole");
    let figures: (i64, i64, i64) = sqlx::query_as(
        "SELECT fatalities_best, fatalities_low, fatalities_high FROM event WHERE slug = 'ucdp-2005'",
    )
    .fetch_one(&db.pool)
    .await
    .expect("the row as published");
    assert_eq!(figures, (18, 18, 17));
    assert_eq!(summary.report.count(import::NoticeKind::LowAboveHigh), 1);
    let lines = summary.report.lines();
    assert_eq!(lines[0], "1 row: low > high kept as published", "{lines:?}");
    assert!(
        lines[1].ends_with(":7: low 18 > high 17 (best 18)"),
        "the line of the row: {lines:?}"
    );
    // History records the figures as they are (event_version survived the rebuild).
    let version: String = sqlx::query_scalar(
        "SELECT v.version FROM event_version v JOIN event e ON e.id = v.id WHERE e.slug = 'ucdp-2005'",
    )
    .fetch_one(&db.pool)
    .await
    .expect("version");
    assert!(
        version.contains(r#""fatalities":{"best":18,"low":18,"high":17}"#),
        "{version}"
    );
}

#[tokio::test]
async fn the_fatalities_rebuild_keeps_events_their_rows_and_their_search() {
    // Migration 0016 rebuilds `event`: the rows that point at events, the views and the
    // full-text index still find them.
    let db = EmptyDb::new().await;
    db.import(&[fixture("ucdp_ged.csv")]).await.expect("import");
    assert!(db.count("event_actor").await > 0);
    assert!(db.count("source").await > 0);
    let hits: i64 =
        sqlx::query_scalar("SELECT count(*) FROM event_fts WHERE event_fts MATCH 'azerbaijan'")
            .fetch_one(&db.pool)
            .await
            .expect("search");
    assert!(hits > 0);
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&db.pool)
        .await
        .expect("integrity");
    assert_eq!(check, "ok");
    let dangling: Vec<(String,)> = sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
        .fetch_all(&db.pool)
        .await
        .expect("foreign keys");
    assert!(dangling.is_empty(), "{dangling:?}");
    let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(&db.pool)
        .await
        .expect("pragma");
    assert_eq!(fk, 1, "foreign keys are enforced again after the migration");
}

/// The quirks fixture's header and its one-line row `2005`, with `edit` applied to the
/// row's cells (by column name), as a UCDP GED file of the edited rows.
fn ucdp_rows(edits: &[(&str, &str, String)]) -> String {
    let mut reader = csv::Reader::from_path(fixture_path("ucdp_ged_quirks.csv")).expect("csv");
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_string())
        .collect();
    let row: Vec<String> = reader
        .records()
        .map(|r| r.expect("row"))
        .find(|r| &r[0] == "2005")
        .expect("row 2005")
        .iter()
        .map(str::to_string)
        .collect();
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&header).expect("header");
    for (id, column, value) in edits {
        let mut cells = row.clone();
        cells[0] = id.to_string();
        let at = header
            .iter()
            .position(|h| h == column)
            .unwrap_or_else(|| panic!("no column {column}"));
        cells[at] = value.clone();
        writer.write_record(&cells).expect("row");
    }
    String::from_utf8(writer.into_inner().expect("flush")).expect("UTF-8")
}

#[tokio::test]
async fn ucdp_problems_name_the_csv_columns_not_the_record_fields() {
    // Issue 18: an over-long conflict name was reported as `name:`, and figures as
    // `fatalities.high`. Names may be up to 500 characters; one more fails the row.
    let long: String = "Forces of the Northern Coalition "
        .repeat(16)
        .chars()
        .take(501)
        .collect();
    let text = ucdp_rows(&[
        ("3001", "conflict_name", long.clone()),
        ("3002", "side_b", long.clone()),
    ]);
    let db = EmptyDb::new().await;
    let (problems, total) = problems_of(
        db.import(&[text_file("ged.csv", &text)])
            .await
            .expect_err("over-long names fail their rows"),
    );
    let found: Vec<(Option<usize>, &str)> = problems
        .iter()
        .map(|p| (p.line, p.field.as_str()))
        .collect();
    assert_eq!(total, 2, "{problems:?}");
    assert_eq!(found, [(Some(2), "conflict_name"), (Some(3), "side_b")]);
    for p in &problems {
        assert!(p.message.contains("longer than 500 characters"), "{p}");
        let line = p.to_string();
        assert!(
            !line.contains(" name:"),
            "a record field, not the column: {line}"
        );
        assert!(!line.contains("fatalities."), "{line}");
        assert!(!p.field.contains("actors"), "{line}");
    }
    assert_eq!(db.count("event").await, 0);

    // 500 characters import whole.
    let fits: String = long.chars().take(500).collect();
    let text = ucdp_rows(&[
        ("3001", "conflict_name", fits.clone()),
        ("3002", "side_b", fits),
    ]);
    db.import(&[text_file("ged.csv", &text)])
        .await
        .expect("names of 500 characters fit");
    assert_eq!(db.count("event").await, 2);
}
