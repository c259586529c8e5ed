//! TimelineJS files as people write them: slides without headlines, years before the
//! common era, protocol-relative media and embeds, the title slide after the events, and
//! every problem of a file reported in one run.

use conflict_timeline::import::{
    self, ImportError, ImportOptions, ImportProblem, MappingOptions, NoticeKind,
};

use crate::formats::{EmptyDb, fixture, text_file};

fn problems_of(err: ImportError) -> Vec<ImportProblem> {
    match err {
        ImportError::Invalid { problems, .. } => problems,
        other => panic!("expected problems, got {other}"),
    }
}

#[tokio::test]
async fn a_file_with_headline_less_slides_and_bce_years_imports_whole() {
    let db = EmptyDb::new().await;
    db.import(&[fixture("timeline_quirks.json")])
        .await
        .expect("imports");
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT edtf, title FROM event ORDER BY start_day")
            .fetch_all(&db.pool)
            .await
            .expect("events");
    assert_eq!(
        rows,
        [
            ("-3500".to_string(), "Writing in Sumer".to_string()),
            (
                "1945-08-06".into(),
                "[The first atomic bomb used in war falls on Hiroshima, destroying most…]".into()
            ),
            ("1969-07-20".into(), "[20 July 1969, evening]".into()),
            ("1989-11-09".into(), "[9 November 1989]".into()),
        ]
    );
    // The title slide named the conflict (a <br/> is a space) and gave its whole text.
    let (name, summary): (String, String) = sqlx::query_as("SELECT name, summary FROM conflict")
        .fetch_one(&db.pool)
        .await
        .expect("conflict");
    assert_eq!(name, "Four moments in history");
    assert!(
        summary.contains("A sample") && summary.contains("second paragraph"),
        "{summary}"
    );
}

#[tokio::test]
async fn media_keep_their_links_with_credit_and_caption() {
    let db = EmptyDb::new().await;
    db.import(&[fixture("timeline_quirks.json")])
        .await
        .expect("imports");
    let sources: Vec<(String, Option<String>, Option<String>)> =
        sqlx::query_as("SELECT title, publisher, url FROM source ORDER BY url")
            .fetch_all(&db.pool)
            .await
            .expect("sources");
    assert_eq!(
        sources,
        [
            (
                "The landing, remembered".to_string(),
                None,
                Some("https://twitter.com/NASA/status/1".to_string())
            ),
            (
                "A tablet".into(),
                Some("Wikimedia Commons".into()),
                Some("https://upload.wikimedia.org/wikipedia/commons/tablet.jpg".into())
            ),
        ]
    );
}

#[tokio::test]
async fn a_file_without_a_title_reports_its_slides_problems_in_the_same_run() {
    let db = EmptyDb::new().await;
    let text = r#"{"events": [
        {"start_date": {"year": "2020", "month": "13"}},
        {"text": {"headline": "No date"}}
    ]}"#;
    let problems = problems_of(
        db.import(&[text_file("t.json", text)])
            .await
            .expect_err("no title, bad slides"),
    );
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "title.text.headline",
            "events[0].start_date.month",
            "events[1].start_date"
        ],
        "{problems:?}"
    );
}

#[tokio::test]
async fn the_title_may_come_after_the_events_and_a_missing_events_array_is_named() {
    let db = EmptyDb::new().await;
    let problems = problems_of(
        db.import(&[text_file(
            "t.json",
            r#"{"title": {"text": {"headline": "T"}}, "events": {}}"#,
        )])
        .await
        .expect_err("events not an array"),
    );
    assert_eq!(problems[0].field, "events");
    let problems = problems_of(
        db.import(&[text_file("t.json", "[1, 2]")])
            .await
            .expect_err("not an object"),
    );
    assert!(
        problems[0].message.contains("`events` array"),
        "{problems:?}"
    );
    let problems = problems_of(
        db.import(&[text_file("t.json", "{\"events\": [{}],\n\"title\": }")])
            .await
            .expect_err("syntax"),
    );
    assert_eq!(problems[0].line, Some(2), "{problems:?}");
}

/// A TimelineJS file whose media are relative paths (as a timeline published beside its
/// images has them), a `data:` address and an absolute one.
const RELATIVE_MEDIA: &str = r#"{
  "title": { "text": { "headline": "Relative media" } },
  "events": [
    { "start_date": { "year": "2001" }, "text": { "headline": "One" },
      "media": { "url": "images/one.jpg", "caption": "One" } },
    { "start_date": { "year": "2002" }, "text": { "headline": "Two" },
      "media": { "url": "/media/two.png" } },
    { "start_date": { "year": "2003" }, "text": { "headline": "Three" },
      "media": { "url": "data:image/png;base64,AAAA" } },
    { "start_date": { "year": "2004" }, "text": { "headline": "Four" },
      "media": { "url": "https://example.org/four.jpg" } }
  ]
}"#;

async fn source_urls(db: &EmptyDb) -> Vec<String> {
    sqlx::query_scalar("SELECT url FROM source ORDER BY url")
        .fetch_all(&db.pool)
        .await
        .expect("sources")
}

#[tokio::test]
async fn relative_media_without_a_base_url_are_reported_not_silently_dropped() {
    let db = EmptyDb::new().await;
    let summary = db
        .import(&[text_file("relative.json", RELATIVE_MEDIA)])
        .await
        .expect("imports");
    assert_eq!(source_urls(&db).await, ["https://example.org/four.jpg"]);
    let report = &summary.report;
    assert_eq!(report.count(NoticeKind::MediaRelativeDropped), 2);
    assert_eq!(report.count(NoticeKind::MediaNotWebDropped), 1);
    let lines = report.lines();
    assert!(
        lines.contains(&"2 media dropped: relative path without --base-url".to_string()),
        "{lines:?}"
    );
    assert!(
        lines.contains(
            &"  relative.json: events[0].media.url: \"images/one.jpg\" left out (give --base-url to resolve it)"
                .to_string()
        ),
        "{lines:?}"
    );
}

#[tokio::test]
async fn relative_media_resolve_against_the_base_url() {
    let db = EmptyDb::new().await;
    let mapping = MappingOptions {
        base_url: Some(
            "https://example.org/timelines/page.html"
                .parse()
                .expect("url"),
        ),
        ..MappingOptions::default()
    };
    let summary = import::import_with(
        &db.pool,
        &[text_file("relative.json", RELATIVE_MEDIA)],
        ImportOptions::default(),
        &mapping,
    )
    .await
    .expect("imports");
    assert_eq!(
        source_urls(&db).await,
        [
            "https://example.org/four.jpg",
            "https://example.org/media/two.png",
            "https://example.org/timelines/images/one.jpg",
        ]
    );
    assert_eq!(summary.report.count(NoticeKind::MediaResolved), 2);
    assert_eq!(summary.report.count(NoticeKind::MediaRelativeDropped), 0);
}

#[tokio::test]
async fn the_report_counts_what_a_file_had_changed_per_kind() {
    // The quirks fixture: a protocol-relative address made https, an embed kept as its
    // link, three slides titled from their text or date.
    let db = EmptyDb::new().await;
    let summary = db
        .import(&[fixture("timeline_quirks.json")])
        .await
        .expect("imports");
    let report = &summary.report;
    assert_eq!(report.count(NoticeKind::MediaProtocolRelative), 1);
    assert_eq!(report.count(NoticeKind::MediaEmbedAsLink), 1);
    assert_eq!(report.count(NoticeKind::TitleDerived), 3);
    assert!(
        report
            .lines()
            .contains(&"3 titles derived from text or date".to_string()),
        "{:?}",
        report.lines()
    );
}

#[tokio::test]
async fn an_embed_without_a_web_address_is_reported_as_left_out() {
    // Issue 18: media were dropped without a word. A slide whose medium is an `<iframe>`
    // with no web address imports without a source, and the report names its JSON path.
    let text = r#"{"title": {"text": {"headline": "Embeds"}}, "events": [
        {"start_date": {"year": "2020"}, "text": {"headline": "Has a link"},
         "media": {"url": "https://example.org/a.jpg"}},
        {"start_date": {"year": "2021"}, "text": {"headline": "An empty frame"},
         "media": {"url": "<iframe width=\"560\" height=\"315\" frameborder=\"0\" allowfullscreen></iframe>",
                   "caption": "A video"}}
    ]}"#;
    let db = EmptyDb::new().await;
    let summary = db
        .import(&[text_file("embeds.json", text)])
        .await
        .expect("the slide imports without its medium");
    assert_eq!(db.count("event").await, 2);
    assert_eq!(db.count("source").await, 1);
    let report = &summary.report;
    assert_eq!(report.count(NoticeKind::MediaNotWebDropped), 1);
    assert_eq!(report.count(NoticeKind::MediaEmbedAsLink), 0);
    let lines = report.lines();
    assert!(
        lines.contains(&"1 medium dropped: not a web address or embed".to_string()),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("  embeds.json: events[1].media.url: ")
                && l.contains("an embed without a web link, left out")
                && l.contains("<iframe")),
        "{lines:?}"
    );
}
