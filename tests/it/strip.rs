//! The timeline strip and the page around it as the server sends them (issue 16), titles
//! isolated from what surrounds them (issue 14), and crawler hints on endless views
//! (issue 13).

use conflict_timeline::export::{ExportFilter, ExportFormat, export};

use crate::harness::{TestApp, sel, text};

/// One event in the native format (the title as is, between quotes: TOML takes any
/// character but quotes, backslashes and controls literally).
fn event(slug: &str, date: &str, title: &str, extra: &str) -> String {
    format!(
        "[[events]]\nslug = \"{slug}\"\ndate = \"{date}\"\ntitle = \"{title}\"\ncategory = \"military\"\n{extra}\n"
    )
}

const HEAD: &str = "format = \"conflict-timeline/1\"\n[[conflicts]]\nslug = \"c\"\nname = \"Test conflict\"\nsummary = \"One sentence that is long enough to make a lead of the introduction. And a second sentence that goes behind the More button of the lead.\"\n";

#[tokio::test]
async fn every_mark_is_a_named_link_with_titles_laid_out_for_each_width() {
    let app = TestApp::seeded().await;
    let html = app.get("/").await.html();
    let marks: Vec<_> = html.select(&sel(".overview__strip .mark")).collect();
    let events = app.get("/api/events?limit=1").await.json()["total"]
        .as_u64()
        .expect("total");
    assert_eq!(marks.len() as u64, events, "one mark per event");
    for mark in &marks {
        let link = mark
            .ancestors()
            .filter_map(scraper::ElementRef::wrap)
            .find(|e| e.value().name() == "a")
            .expect("each mark inside a link");
        let slug = mark.value().attr("data-slug").expect("slug");
        assert_eq!(
            link.value().attr("href"),
            Some(format!("/events/{slug}").as_str())
        );
        assert!(
            link.value()
                .attr("aria-label")
                .is_some_and(|l| l.len() > 10),
            "{slug}: a name"
        );
    }
    for class in ["s", "m", "l"] {
        let labels = html
            .select(&sel(&format!(".overview__strip text.label.label--{class}")))
            .count();
        assert!(labels >= 5, "titles for the {class} strip: {labels}");
    }
    // Era bands are links to their ranges, named in full.
    let band = html.select(&sel("a.era-band")).next().expect("an era band");
    assert!(
        band.value()
            .attr("href")
            .is_some_and(|h| h.starts_with("/?from="))
    );
    assert!(
        band.value()
            .attr("aria-label")
            .is_some_and(|l| l.contains("Era: "))
    );
}

#[tokio::test]
async fn a_dense_range_keeps_its_histogram_and_labels_the_notable_events_first() {
    let mut toml = String::from(HEAD);
    for i in 0..400 {
        let day = conflict_timeline::edtf::Day::from_ymd(2001, 1, 1)
            .expect("day")
            .0
            + i % 365;
        let iso = conflict_timeline::edtf::Day(day).iso();
        let extra = if i == 137 { "notable = true" } else { "" };
        let title = if i == 137 {
            "The turning point".to_string()
        } else {
            format!("Routine event {i}")
        };
        toml.push_str(&event(&format!("e-{i}"), &iso, &title, extra));
    }
    let app = TestApp::with_dataset(&toml).await;
    let html = app.get("/").await.html();
    assert!(
        html.select(&sel(".overview__strip--dense"))
            .next()
            .is_some(),
        "a histogram"
    );
    assert!(html.select(&sel(".hist-bar")).count() > 10);
    let notable = html
        .select(&sel(".mark--notable[data-slug='e-137']"))
        .next();
    assert!(
        notable.is_some(),
        "the flagged event is marked over the histogram"
    );
    for class in ["s", "m", "l"] {
        let labels: Vec<String> = html
            .select(&sel(&format!("text.label--{class}")))
            .map(text)
            .collect();
        assert!(
            labels.iter().any(|l| l.contains("The turning point")),
            "{class}: {labels:?}"
        );
    }
    // The flag survives a native export, on that event only.
    let mut out = Vec::new();
    export(
        &app.rw,
        ExportFormat::Native,
        &ExportFilter::default(),
        &mut out,
    )
    .await
    .expect("export");
    let native = String::from_utf8(out).expect("UTF-8");
    assert_eq!(native.matches("notable = true").count(), 1);
    let at = native.find("notable = true").expect("flag");
    let before = &native[..at];
    assert!(before[before.rfind("[[events]]").expect("event")..].contains("slug = \"e-137\""));
}

#[tokio::test]
async fn titles_and_names_are_isolated_from_the_text_around_them() {
    let title = "Safe\u{202e}gnp.exe";
    let mut toml = String::from(HEAD);
    toml.push_str(&event(
        "bidi",
        "2001-05-01",
        title,
        "place = \"\u{202e}Town\"\nactors = [\"\u{202e}Side\"]",
    ));
    let app = TestApp::with_dataset(&toml).await;

    let page = app.get("/events/bidi").await.html();
    let doc_title = text(page.select(&sel("title")).next().expect("title"));
    assert!(
        doc_title.starts_with(&format!("\u{2068}{title}\u{2069} · ")),
        "{doc_title:?}"
    );
    let h1 = page.select(&sel("h1")).next().expect("h1");
    assert_eq!(h1.value().attr("dir"), Some("auto"));
    assert_eq!(text(h1), title);

    let timeline = app.get("/").await.html();
    let card_title = timeline
        .select(&sel("article.card .card__title a"))
        .next()
        .expect("card");
    assert_eq!(card_title.value().attr("dir"), Some("auto"));
    for selector in ["article.card .card__place bdi", "article.card bdi.actor"] {
        assert!(
            timeline.select(&sel(selector)).next().is_some(),
            "{selector} isolates its text"
        );
    }
    let mark = timeline
        .select(&sel("a.mark-link[data-slug='bidi']"))
        .next()
        .expect("mark");
    assert!(
        mark.value()
            .attr("aria-label")
            .is_some_and(|l| l.ends_with(&format!("\u{2068}{title}\u{2069}"))),
        "{:?}",
        mark.value().attr("aria-label")
    );
}

#[tokio::test]
async fn filtered_views_are_not_indexed_and_facet_links_are_not_followed() {
    let app = TestApp::seeded().await;
    let home = app.get("/").await.html();
    assert!(home.select(&sel("meta[name=robots]")).next().is_none());
    // Searches and facet combinations are skipped by crawlers (single facet values and
    // date ranges are indexed: see `facets::crawlers_are_kept_off_…`).
    for (path, expected) in [
        ("/?category=military", None),
        ("/?q=ceasefire", Some("noindex, nofollow")),
        (
            "/?category=military&category=ceasefire",
            Some("noindex, nofollow"),
        ),
    ] {
        let html = app.get(path).await.html();
        let robots = html
            .select(&sel("meta[name=robots]"))
            .next()
            .and_then(|m| m.value().attr("content").map(str::to_string));
        assert_eq!(robots.as_deref(), expected, "{path}");
        let facets: Vec<_> = html.select(&sel("a.facet__value")).collect();
        assert!(!facets.is_empty(), "{path}: facets");
        for a in facets {
            assert_eq!(a.value().attr("rel"), Some("nofollow"), "{path}");
        }
    }
}

#[tokio::test]
async fn the_introduction_is_a_lead_on_the_whole_timeline_and_gone_from_narrowed_views() {
    let app = TestApp::with_dataset(&format!(
        "{HEAD}{}",
        event("a", "2001-05-01", "An event", "")
    ))
    .await;
    let home = app.get("/").await.html();
    let lead = text(home.select(&sel(".intro__lead")).next().expect("a lead"));
    assert_eq!(
        lead,
        "One sentence that is long enough to make a lead of the introduction."
    );
    let more = text(home.select(&sel(".intro__more p")).next().expect("more"));
    assert!(more.starts_with("And a second sentence"), "{more}");
    // A skip link leads to the strip.
    assert!(
        home.select(&sel("a.skip-link[href='#timeline']"))
            .next()
            .is_some()
    );
    assert!(
        home.select(&sel("#timeline .overview__strip"))
            .next()
            .is_some()
    );

    for path in ["/?from=2001", "/?q=event"] {
        let html = app.get(path).await.html();
        assert!(html.select(&sel(".intro__text")).next().is_none(), "{path}");
        assert_eq!(
            text(html.select(&sel("h1")).next().expect("h1")),
            "Test conflict"
        );
        assert!(
            html.select(&sel("#result-count")).next().is_some(),
            "{path}"
        );
    }
}
