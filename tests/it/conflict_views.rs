//! A collection of several conflicts seen one conflict at a time: the event page names its
//! conflict, `/?conflict=X` is headed by that conflict with its summary and shows only its
//! eras (in the embed and on the share card too), and summaries written in Markdown read as
//! rich text on cards and pages.

use crate::harness::{TestApp, sel, text, texts};

const TWO_CONFLICTS: &str = r#"
format = "conflict-timeline/1"

[[conflicts]]
slug = "alpha"
name = "Alpha conflict"
summary = """
The first conflict, told by [its archive](https://example.org/alpha).

Its title slide has a *second* paragraph."""

[[conflicts]]
slug = "beta"
name = "Beta conflict"

[[eras]]
conflict = "alpha"
slug = "alpha-war"
name = "Alpha war"
date = "1991/1994"

[[eras]]
conflict = "beta"
slug = "beta-war"
name = "Beta war"
date = "1992/1993"

[[events]]
conflict = "alpha"
slug = "alpha-talks"
date = "1992-05-08"
title = "Alpha talks"
category = "diplomatic"
summary = "Take [Ada Lovelace](https://example.org/ada): *first* of all. [bad](javascript:alert(1))"

[[events]]
conflict = "beta"
slug = "beta-battle"
date = "1992-06-01"
title = "Beta battle"
category = "military"
summary = "Plain words & nothing else."
"#;

#[tokio::test]
async fn the_event_page_names_its_conflict_linked_to_its_timeline() {
    let app = TestApp::with_dataset(TWO_CONFLICTS).await;
    let html = app.get("/events/alpha-talks").await.html();
    let link = html
        .select(&sel(".facts a[href='/?conflict=alpha']"))
        .next()
        .expect("a link to the conflict's timeline");
    assert_eq!(text(link), "Alpha conflict");
}

#[tokio::test]
async fn a_conflict_view_is_headed_by_the_conflict_and_shows_its_summary() {
    let app = TestApp::with_dataset(TWO_CONFLICTS).await;
    let html = app.get("/?conflict=alpha").await.html();
    assert_eq!(texts(&html, "h1"), ["Alpha conflict"]);
    let intro = html
        .select(&sel(".intro__conflict"))
        .next()
        .expect("the conflict's summary");
    let paragraphs: Vec<String> = intro.select(&sel("p")).map(text).collect();
    assert_eq!(paragraphs.len(), 2, "the whole text: {paragraphs:?}");
    assert!(
        intro
            .select(&sel("a[href='https://example.org/alpha']"))
            .next()
            .is_some(),
        "its link rendered"
    );
    // The whole collection has no single conflict to introduce.
    let html = app.get("/").await.html();
    assert!(html.select(&sel(".intro__conflict")).next().is_none());
}

#[tokio::test]
async fn a_conflict_view_shows_only_that_conflicts_eras() {
    let app = TestApp::with_dataset(TWO_CONFLICTS).await;
    let html = app.get("/?conflict=alpha").await.html();
    let presets = texts(&html, "nav.eras a");
    assert!(
        presets.iter().any(|p| p.contains("Alpha war")),
        "{presets:?}"
    );
    assert!(
        !presets.iter().any(|p| p.contains("Beta war")),
        "{presets:?}"
    );
    let bands: Vec<String> = html
        .select(&sel("a.era-band"))
        .filter_map(|a| a.value().attr("aria-label").map(str::to_string))
        .collect();
    assert!(bands.iter().any(|b| b.contains("Alpha war")), "{bands:?}");
    assert!(!bands.iter().any(|b| b.contains("Beta war")), "{bands:?}");
    let chips = texts(&html, ".era-chip");
    assert!(!chips.iter().any(|c| c.contains("Beta war")), "{chips:?}");
    // Without the filter both conflicts' eras are offered.
    let all = texts(&app.get("/").await.html(), "nav.eras a");
    assert!(all.iter().any(|p| p.contains("Beta war")), "{all:?}");
}

#[tokio::test]
async fn summaries_in_markdown_are_rich_text_on_cards_and_the_event_page() {
    let app = TestApp::with_dataset(TWO_CONFLICTS).await;
    for (uri, selector) in [
        ("/", "article#alpha-talks .card__summary"),
        ("/events/alpha-talks", ".event__summary"),
    ] {
        let html = app.get(uri).await.html();
        let summary = html
            .select(&sel(selector))
            .next()
            .unwrap_or_else(|| panic!("{uri}: {selector}"));
        let link = summary
            .select(&sel("a[href='https://example.org/ada']"))
            .next()
            .unwrap_or_else(|| panic!("{uri}: the link rendered"));
        assert_eq!(text(link), "Ada Lovelace");
        assert!(summary.select(&sel("em")).next().is_some(), "{uri}");
        let shown = text(summary);
        assert!(!shown.contains("]("), "{uri}: no raw Markdown: {shown}");
        assert!(!summary.inner_html().contains("javascript:"), "{uri}");
    }
    // Plain text stays plain, escaped once.
    let html = app.get("/").await.html();
    let plain = html
        .select(&sel("article#beta-battle .card__summary"))
        .next()
        .expect("card");
    assert_eq!(text(plain), "Plain words & nothing else.");
    // Text-only places take the words without the markup.
    let page = app.get("/events/alpha-talks").await.body;
    assert!(
        page.contains(
            r#"<meta name="description" content="Take Ada Lovelace: first of all. bad">"#
        ),
        "{}",
        page.lines()
            .find(|l| l.contains("description"))
            .unwrap_or("")
    );
}

#[tokio::test]
async fn the_embed_shows_only_the_filtered_conflicts_eras() {
    // Issue 18: eras ignored the conflict filter.
    let app = TestApp::with_dataset(TWO_CONFLICTS).await;
    let embed = app.get("/embed?conflict=alpha").await;
    assert_eq!(embed.status, axum::http::StatusCode::OK);
    let html = embed.html();
    let bands: Vec<String> = html
        .select(&sel("a.era-band"))
        .filter_map(|a| a.value().attr("aria-label").map(str::to_string))
        .collect();
    assert!(bands.iter().any(|b| b.contains("Alpha war")), "{bands:?}");
    assert!(!embed.body.contains("Beta war"), "{bands:?}");
    // Without the filter the embed draws both conflicts' eras.
    let all = app.get("/embed").await;
    assert!(all.body.contains("Beta war"));
}

/// A share card, checked to be a PNG.
async fn share_card(app: &TestApp, uri: &str) -> Vec<u8> {
    let request = axum::http::Request::get(uri)
        .body(axum::body::Body::empty())
        .expect("request");
    let (headers, png) = app.send_raw(request).await;
    assert_eq!(
        headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("image/png"),
        "{uri}"
    );
    png
}

#[tokio::test]
async fn the_share_card_of_a_conflict_view_draws_only_that_conflicts_eras() {
    // The card is a picture: drawn over the two conflicts, it must be the very picture
    // drawn over a copy without the other conflict's era.
    let beta_era = "[[eras]]\nconflict = \"beta\"\nslug = \"beta-war\"\nname = \"Beta war\"\ndate = \"1992/1993\"\n";
    assert!(TWO_CONFLICTS.contains(beta_era), "fixture layout changed");
    let with = TestApp::with_dataset(TWO_CONFLICTS).await;
    let without = TestApp::with_dataset(&TWO_CONFLICTS.replace(beta_era, "")).await;
    assert!(
        share_card(&with, "/share/view.png?conflict=alpha").await
            == share_card(&without, "/share/view.png?conflict=alpha").await,
        "the other conflict's era is drawn on the card of ?conflict=alpha"
    );
    // The comparison can tell: without the filter the era is drawn, and the cards differ.
    assert!(
        share_card(&with, "/share/view.png").await != share_card(&without, "/share/view.png").await,
        "an era makes a difference to the card"
    );
}

/// A view of one conflict among several is named after it wherever it is named: the
/// embed's heading and the oEmbed title (they said "Conflict timelines").
#[tokio::test]
async fn a_conflict_view_is_named_after_its_conflict_in_the_embed_and_oembed() {
    let app = TestApp::with_dataset(TWO_CONFLICTS).await;
    let embed = app.get("/embed?conflict=alpha").await.html();
    let heading = embed
        .select(&sel("h1, h2"))
        .next()
        .map(text)
        .unwrap_or_default();
    assert!(heading.contains("Alpha conflict"), "{heading}");
    let view = format!("{}/?conflict=alpha", crate::harness::PUBLIC_URL);
    let view: String = url::form_urlencoded::byte_serialize(view.as_bytes()).collect();
    let oembed = app.get(&format!("/oembed?url={view}&format=json")).await;
    assert_eq!(oembed.status, axum::http::StatusCode::OK);
    let title = oembed.json()["title"].as_str().unwrap_or("").to_string();
    assert!(title.starts_with("Alpha conflict"), "{title}");
    // The whole collection keeps the general name.
    let all = app.get("/embed").await.html();
    let heading = all
        .select(&sel("h1, h2"))
        .next()
        .map(text)
        .unwrap_or_default();
    assert!(heading.contains("Conflict timelines"), "{heading}");
}
