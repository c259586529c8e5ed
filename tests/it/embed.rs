//! The embed view, oEmbed, the share control and the share-card previews (issue 21).

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::Value;

use crate::api::response_schema;
use crate::harness::{PUBLIC_URL, TestApp, card_slugs, sel};

const EVENT: &str = "2023-09-19-azerbaijani-military-operation";

fn encode(value: &str) -> String {
    serde_urlencoded::to_string([("url", value)]).expect("encodes")
}

#[tokio::test]
async fn only_the_embed_view_may_be_framed() {
    let app = TestApp::seeded().await;
    let embed = app.get("/embed?from=2020-09&to=2020-11").await;
    assert_eq!(embed.status, StatusCode::OK);
    let policy = embed.header("content-security-policy").unwrap_or("");
    assert!(policy.contains("frame-ancestors *"), "{policy}");
    assert!(!policy.contains("frame-ancestors 'none'"), "{policy}");
    assert_eq!(embed.header("x-frame-options"), None);
    assert_eq!(embed.header("set-cookie"), None, "no cookies in the frame");
    let html = embed.html();
    assert_eq!(html.select(&sel("form")).count(), 0, "nothing that writes");

    for path in [
        "/",
        "/?from=2020-09&to=2020-11",
        &format!("/events/{EVENT}"),
        "/oembed?url=x",
        "/no-such-page",
    ] {
        let r = app.get(path).await;
        assert_eq!(r.header("x-frame-options"), Some("DENY"), "{path}");
        assert!(
            r.header("content-security-policy")
                .is_some_and(|p| p.contains("frame-ancestors 'none'")),
            "{path}"
        );
    }
}

#[tokio::test]
async fn the_embed_lists_the_events_of_the_view_and_links_back_to_it() {
    let app = TestApp::seeded().await;
    let page = app.get("/?from=2020-09&to=2020-11").await.html();
    let expected = card_slugs(&page);
    assert!(!expected.is_empty());
    let embed = app.get("/embed?from=2020-09&to=2020-11").await.html();
    assert_eq!(card_slugs(&embed), expected);
    assert_eq!(
        embed.select(&sel("svg.overview__strip")).count(),
        1,
        "the overview strip"
    );
    let open = embed
        .select(&sel(".embed__open a"))
        .next()
        .and_then(|a| a.value().attr("href"))
        .expect("open link");
    assert_eq!(open, format!("{PUBLIC_URL}/?from=2020-09&to=2020-11"));
    // The strip's own links stay in the frame; they never lead to the unframeable `/`.
    for a in embed.select(&sel(".overview__nav a")) {
        let href = a.value().attr("href").unwrap_or("");
        assert!(href.starts_with("/embed"), "{href}");
    }
    assert_eq!(
        embed
            .select(&sel("base"))
            .next()
            .and_then(|b| b.value().attr("target")),
        Some("_blank"),
        "other links leave the frame"
    );
}

#[tokio::test]
async fn the_embed_takes_a_theme_and_names_a_bad_one() {
    let app = TestApp::seeded().await;
    for (theme, expected) in [("dark", "dark"), ("light", "light"), ("", "auto")] {
        let html = app.get(&format!("/embed?theme={theme}")).await.html();
        let root = html.select(&sel("html")).next().expect("html");
        assert_eq!(root.value().attr("data-theme"), Some(expected), "{theme}");
    }
    let bad = app.get("/embed?theme=purple&from=1988-13").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        bad.header("x-frame-options"),
        None,
        "the error shows in the frame"
    );
    let items: Vec<String> = bad
        .html()
        .select(&sel(".alert li strong"))
        .map(|s| s.text().collect())
        .collect();
    assert_eq!(items, ["from", "theme"]);
}

/// Checks the fields oEmbed 1.0 requires of a `rich` answer (section 2.3.4).
fn assert_rich_oembed(answer: &Value, max_width: Option<u64>, max_height: Option<u64>) {
    assert_eq!(answer["type"], "rich");
    assert_eq!(answer["version"], "1.0");
    let html = answer["html"].as_str().expect("html");
    assert!(html.starts_with("<iframe src=\""), "{html}");
    let width = answer["width"].as_u64().expect("width is a whole number");
    let height = answer["height"].as_u64().expect("height is a whole number");
    assert!(width > 0 && height > 0);
    if let Some(m) = max_width {
        assert!(width <= m, "{width} > {m}");
    }
    if let Some(m) = max_height {
        assert!(height <= m, "{height} > {m}");
    }
    assert!(html.contains(&format!("width=\"{width}\"")), "{html}");
    assert!(html.contains(&format!("height=\"{height}\"")), "{html}");
    for optional in ["title", "provider_name", "provider_url"] {
        assert!(answer[optional].is_string(), "{optional}");
    }
    // The thumbnail fields come all together or not at all.
    let thumbs = ["thumbnail_url", "thumbnail_width", "thumbnail_height"]
        .iter()
        .filter(|k| !answer[**k].is_null())
        .count();
    assert!(thumbs == 0 || thumbs == 3, "{answer}");
}

#[tokio::test]
async fn oembed_answers_a_view_and_an_event_per_the_specification() {
    let app = TestApp::seeded().await;
    let view = format!("{PUBLIC_URL}/?from=2020-09&to=2020-11");
    let r = app
        .get(&format!(
            "/oembed?{}&maxwidth=480&maxheight=400&format=json",
            encode(&view)
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.header("content-type")
            .is_some_and(|t| t.starts_with("application/json"))
    );
    let answer = r.json();
    assert_rich_oembed(&answer, Some(480), Some(400));
    assert!(
        answer["html"].as_str().unwrap_or("").contains(&format!(
            "src=\"{PUBLIC_URL}/embed?from=2020-09&amp;to=2020-11\""
        )),
        "{answer}"
    );
    assert!(
        answer["thumbnail_url"].is_null(),
        "the card is wider than 480"
    );

    let event = app
        .get(&format!(
            "/oembed?{}",
            encode(&format!("{PUBLIC_URL}/events/{EVENT}"))
        ))
        .await
        .json();
    assert_rich_oembed(&event, None, None);
    assert_eq!(
        event["title"],
        "Azerbaijan launches a military operation in Nagorno-Karabakh"
    );
    assert_eq!(
        event["thumbnail_url"],
        format!("{PUBLIC_URL}/events/{EVENT}/card.png")
    );
    assert!(
        event["html"]
            .as_str()
            .unwrap_or("")
            .contains("/embed?from=2023-09&amp;to=2023-09"),
        "{event}"
    );
}

#[tokio::test]
async fn oembed_refuses_what_it_cannot_embed_with_the_right_status() {
    let app = TestApp::seeded().await;
    let cases = [
        (
            format!("/oembed?{}", encode("https://elsewhere.example/")),
            StatusCode::NOT_FOUND,
        ),
        (
            format!(
                "/oembed?{}",
                encode(&format!("{PUBLIC_URL}/events/no-such-event"))
            ),
            StatusCode::NOT_FOUND,
        ),
        (
            format!("/oembed?{}", encode(&format!("{PUBLIC_URL}/api/events"))),
            StatusCode::NOT_FOUND,
        ),
        (
            format!("/oembed?{}&format=xml", encode(&format!("{PUBLIC_URL}/"))),
            StatusCode::NOT_IMPLEMENTED,
        ),
        ("/oembed".to_string(), StatusCode::BAD_REQUEST),
        (
            format!("/oembed?{}&maxwidth=0", encode(&format!("{PUBLIC_URL}/"))),
            StatusCode::BAD_REQUEST,
        ),
        (
            format!("/oembed?{}", encode(&format!("{PUBLIC_URL}/?from=1988-13"))),
            StatusCode::BAD_REQUEST,
        ),
    ];
    let doc = app.get("/api/openapi.json").await.json();
    for (url, status) in cases {
        let r = app.get(&url).await;
        assert_eq!(r.status, status, "{url}: {}", r.body);
        let schema = response_schema(&doc, "/oembed", status.as_str(), "application/problem+json");
        let validator = jsonschema::draft202012::new(&schema).expect("schema");
        assert!(validator.is_valid(&r.json()), "{url}: {}", r.body);
    }
    let missing = app.get("/oembed").await.json();
    assert_eq!(missing["errors"][0]["parameter"], "url");
}

#[tokio::test]
async fn the_oembed_answer_matches_its_openapi_schema() {
    let app = TestApp::seeded().await;
    let doc = app.get("/api/openapi.json").await.json();
    let schema = response_schema(&doc, "/oembed", "200", "application/json");
    let validator = jsonschema::draft202012::new(&schema).expect("schema");
    let body = app
        .get(&format!("/oembed?{}", encode(&format!("{PUBLIC_URL}/"))))
        .await
        .json();
    let errors: Vec<String> = validator
        .iter_errors(&body)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[tokio::test]
async fn pages_link_their_oembed_and_share_cards() {
    let app = TestApp::seeded().await;
    for path in [
        "/?from=2020-09&to=2020-11".to_string(),
        format!("/events/{EVENT}"),
    ] {
        let html = app.get(&path).await.html();
        let discovery = html
            .select(&sel("link[rel=alternate][type='application/json+oembed']"))
            .next()
            .and_then(|l| l.value().attr("href"))
            .unwrap_or_else(|| panic!("{path}: no oEmbed discovery link"));
        let local = discovery.strip_prefix(PUBLIC_URL).expect("absolute, ours");
        let answer = app.get(local).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.body);
        assert_rich_oembed(&answer.json(), None, None);

        let meta = |selector: &str| {
            html.select(&sel(selector))
                .next()
                .and_then(|m| m.value().attr("content"))
                .map(str::to_string)
                .unwrap_or_else(|| panic!("{path}: no {selector}"))
        };
        assert_eq!(meta("meta[name='twitter:card']"), "summary_large_image");
        assert_eq!(meta("meta[property='og:image:width']"), "1200");
        assert_eq!(meta("meta[property='og:image:height']"), "630");
        assert!(!meta("meta[property='og:title']").is_empty());
        assert!(!meta("meta[property='og:image:alt']").is_empty());
        let image = meta("meta[property='og:image']");
        assert_eq!(meta("meta[name='twitter:image']"), image);
        let local = image.strip_prefix(PUBLIC_URL).expect("absolute, ours");
        let (headers, png) = app
            .send_raw(Request::get(local).body(Body::empty()).expect("request"))
            .await;
        assert_eq!(
            headers.get("content-type").and_then(|v| v.to_str().ok()),
            Some("image/png")
        );
        assert_preview_png(&png);
    }
}

/// Decodes a preview: 1200×630, and not blank (many colours, text and marks among them).
fn assert_preview_png(bytes: &[u8]) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("a PNG");
    let (width, height) = (reader.info().width, reader.info().height);
    assert_eq!((width, height), (1200, 630));
    let mut pixels = vec![0; reader.output_buffer_size().expect("size")];
    let frame = reader.next_frame(&mut pixels).expect("pixels");
    let channels = frame.color_type.samples();
    let data = &pixels[..frame.buffer_size()];
    let colours: std::collections::HashSet<&[u8]> = data.chunks(channels).collect();
    assert!(colours.len() > 50, "only {} colours", colours.len());
    // The background covers most of the card, but far from all of it.
    let background = data
        .chunks(channels)
        .filter(|p| p[..3] == [0xf7, 0xf6, 0xf2])
        .count();
    let share = background as f64 / f64::from(width * height);
    assert!(
        share > 0.2 && share < 0.95,
        "background is {share:.2} of the card"
    );
}

#[tokio::test]
async fn share_cards_refuse_bad_views_and_unknown_events() {
    let app = TestApp::seeded().await;
    assert_eq!(
        app.get("/share/view.png?from=1988-13").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.get("/events/no-such-event/card.png").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_share_control_offers_the_link_and_the_snippet_of_the_view() {
    let app = TestApp::seeded().await;
    let html = app
        .get("/?from=2020-09&to=2020-11&category=military")
        .await
        .html();
    let link = html.select(&sel("#share-link")).next().expect("link field");
    assert!(link.value().attr("readonly").is_some());
    assert_eq!(
        link.value().attr("value"),
        Some(format!("{PUBLIC_URL}/?from=2020-09&to=2020-11&category=military").as_str())
    );
    let snippet = html
        .select(&sel("#share-snippet"))
        .next()
        .and_then(|f| f.value().attr("value"))
        .expect("snippet field")
        .to_string();
    assert!(
        snippet.contains(&format!(
            "src=\"{PUBLIC_URL}/embed?from=2020-09&amp;to=2020-11&amp;category=military\""
        )),
        "{snippet}"
    );
    assert_eq!(
        html.select(&sel("button[data-copy][hidden]")).count(),
        2,
        "copy buttons wait for the script"
    );
}
