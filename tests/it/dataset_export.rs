//! Export: native TOML that round-trips through import, filtered exports that import on
//! their own, and the CSV and TimelineJS exports read back by their importers.

use conflict_timeline::edtf::parse_filter_date;
use conflict_timeline::export::{ExportFilter, ExportFormat, export};
use conflict_timeline::import::{Format, Input};
use sqlx::SqlitePool;

use crate::formats::{EmptyDb, fixture, text_file};
use crate::harness::TestApp;

async fn export_text(pool: &SqlitePool, format: ExportFormat, filter: &ExportFilter) -> String {
    let mut out = Vec::new();
    export(pool, format, filter, &mut out)
        .await
        .expect("export");
    String::from_utf8(out).expect("UTF-8")
}

#[tokio::test]
async fn native_export_of_the_bundled_dataset_round_trips() {
    let app = TestApp::seeded().await;
    let text = export_text(&app.rw, ExportFormat::Native, &ExportFilter::default()).await;

    let copy = EmptyDb::new().await;
    copy.import(&[text_file("export.toml", &text)])
        .await
        .expect("the export imports");
    let original = EmptyDb::dump_of(&app.rw).await;
    assert!(original.len() > 100, "the dump covers the dataset");
    assert_eq!(copy.dump().await, original);
}

#[tokio::test]
async fn native_export_of_foreign_formats_round_trips() {
    let db = EmptyDb::new().await;
    db.import(&[
        fixture("acled.csv"),
        fixture("ucdp_ged.csv"),
        fixture("timeline.json"),
        fixture("plain.csv"),
    ])
    .await
    .expect("import");
    let text = export_text(&db.pool, ExportFormat::Native, &ExportFilter::default()).await;

    let copy = EmptyDb::new().await;
    copy.import(&[text_file("export.toml", &text)])
        .await
        .expect("the export imports");
    assert_eq!(copy.dump().await, db.dump().await);

    let again = copy
        .import(&[text_file("export.toml", &text)])
        .await
        .expect("again");
    assert_eq!((again.inserted, again.updated), (0, 0), "and it is stable");
}

#[tokio::test]
async fn a_filtered_export_keeps_its_range_and_imports_on_its_own() {
    let app = TestApp::seeded().await;
    let filter = ExportFilter {
        conflict: Some("nagorno-karabakh".into()),
        from: parse_filter_date("2020-09").ok().map(|d| d.0),
        to: parse_filter_date("2020-11").ok().map(|d| d.1),
    };
    let text = export_text(&app.rw, ExportFormat::Native, &filter).await;
    let expected: i64 =
        sqlx::query_scalar("SELECT count(*) FROM event WHERE end_day >= ?1 AND start_day <= ?2")
            .bind(filter.from.map(|d| d.0))
            .bind(filter.to.map(|d| d.0))
            .fetch_one(&app.rw)
            .await
            .expect("count");
    assert!(expected > 0);

    let copy = EmptyDb::new().await;
    let summary = copy
        .import(&[text_file("range.toml", &text)])
        .await
        .expect("links to events outside the range are left out");
    assert_eq!(summary.inserted as i64, expected);
}

#[tokio::test]
async fn csv_and_timelinejs_exports_read_back_with_the_same_dates() {
    let app = TestApp::seeded().await;
    let dates = |pool: SqlitePool| async move {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT slug, edtf FROM event ORDER BY slug")
                .fetch_all(&pool)
                .await
                .expect("dates");
        rows
    };
    let original = dates(app.rw.clone()).await;

    let csv = export_text(&app.rw, ExportFormat::Csv, &ExportFilter::default()).await;
    let from_csv = EmptyDb::new().await;
    from_csv
        .import(&[text_file("export.csv", &csv)])
        .await
        .expect("the CSV export imports as plain CSV");
    assert_eq!(dates(from_csv.pool.clone()).await, original);

    let json = export_text(&app.rw, ExportFormat::Timelinejs, &ExportFilter::default()).await;
    let from_json = EmptyDb::new().await;
    from_json
        .import(&[Input {
            format: Some(Format::TimelinejsJson),
            ..text_file("export", &json)
        }])
        .await
        .expect("the TimelineJS export imports");
    let back = dates(from_json.pool.clone()).await;
    assert_eq!(back.len(), original.len());
    // TimelineJS has no qualifiers (~, ?) or seasons: compare the days they cover.
    let day_span = |edtf: &str| {
        let d = conflict_timeline::edtf::Edtf::parse(edtf).expect("edtf");
        (d.earliest(), d.latest())
    };
    for ((slug, a), (slug_back, b)) in original.iter().zip(&back) {
        assert_eq!(slug, slug_back);
        let (a, b) = (day_span(a), day_span(b));
        assert!(b.0 <= a.0 && a.1 <= b.1, "{slug}: {a:?} within {b:?}");
    }
}
