//! axe-core (vendored in `vendor/`, MPL-2.0) run inside Chromium on the pages people land on.

use serde_json::Value;

use crate::harness::Browser;

const AXE: &str = include_str!("vendor/axe.min.js");

pub async fn serious_violations(b: &Browser, path: &str) -> Vec<String> {
    b.open(path).await;
    b.client.execute(AXE, vec![]).await.expect("inject axe");
    let result = b
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { resultTypes: ['violations'] })
                .then(r => done(r.violations.map(v => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help, first: (v.nodes[0] || {}).html }))))
                .catch(e => done([{ id: 'axe-error', impact: 'critical', nodes: 0, help: String(e) }]));",
            vec![],
        )
        .await
        .expect("axe runs");
    let violations: Vec<Value> = serde_json::from_value(result).expect("violations");
    violations
        .into_iter()
        .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
        .map(|v| {
            format!(
                "{} ({} nodes): {}; first: {}",
                v["id"], v["nodes"], v["help"], v["first"]
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_pages_have_no_serious_or_critical_axe_violations() {
    let Some(b) = Browser::start(1280, 900).await else {
        return;
    };
    for path in [
        "/",
        "/?from=1988-13",
        "/?q=peacekeep*",
        "/events/2023-09-19-azerbaijani-military-operation",
        "/events/no-such-event",
        "/places/shusha",
        "/places",
        "/?from=2020-09&to=2020-12&bbox=46,39,47.5,40.5",
    ] {
        let found = serious_violations(&b, path).await;
        assert!(found.is_empty(), "{path}: {found:#?}");
    }
    b.close().await;
}

/// The timeline's own views (whole span, a year, a month, a day, a search), with the strip
/// in each of its forms, at a desktop and a phone width.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeline_views_have_no_serious_axe_violations_at_both_widths() {
    for (width, height) in [(1280, 800), (390, 844)] {
        let Some(b) = Browser::start(width, height).await else {
            return;
        };
        for path in [
            "/",
            "/?from=2020&to=2020",
            "/?from=2020-10&to=2020-10",
            "/?from=2023-09-19&to=2023-09-19",
            "/?q=ceasefire",
        ] {
            let found = serious_violations(&b, path).await;
            assert!(found.is_empty(), "{path} at {width} px: {found:#?}");
        }
        b.close().await;
    }
}
