//! The bundled dataset's sources, held to the project's rules: every event cites a web
//! source, no source sits on a mirror or scraper from `data/source-denylist.txt`, and every
//! event about fighting or harm to people, or that gives a casualty figure, cites at least
//! two different publishers. The checks read the file as plain TOML, independently of the
//! importer, and are tried on a bad example first so that they are known to bite.

use std::collections::BTreeSet;

use conflict_timeline::import;

const DENYLIST: &str = include_str!("../../data/source-denylist.txt");

/// One source as the file gives it.
struct Source {
    publisher: Option<String>,
    url: Option<String>,
}

/// What the checks need of one event.
struct Event {
    slug: String,
    category: String,
    text: String,
    sources: Vec<Source>,
}

fn events(toml_text: &str) -> Vec<Event> {
    let value: toml::Value = toml::from_str(toml_text).expect("valid TOML");
    let field = |e: &toml::Value, k: &str| e.get(k).and_then(|v| v.as_str()).map(str::to_string);
    value["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| Event {
            slug: field(e, "slug").expect("slug"),
            category: field(e, "category").expect("category"),
            text: ["title", "summary", "body"]
                .iter()
                .filter_map(|k| field(e, k))
                .collect::<Vec<_>>()
                .join(" "),
            sources: e
                .get("sources")
                .and_then(|s| s.as_array())
                .map(|sources| {
                    sources
                        .iter()
                        .map(|s| Source {
                            publisher: field(s, "publisher"),
                            url: field(s, "url"),
                        })
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect()
}

/// The denied hosts with their reasons.
fn denylist() -> Vec<(String, String)> {
    DENYLIST
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (host, reason) = l.split_once(char::is_whitespace).unwrap_or((l, ""));
            (host.to_ascii_lowercase(), reason.trim().to_string())
        })
        .collect()
}

/// The host of an http(s) URL, lowercased, without user, port or path.
fn host(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit('@').next()?;
    let host = authority.split(':').next()?.to_ascii_lowercase();
    (!host.is_empty()).then_some(host)
}

/// Who stands behind a source: the publisher as named, and the outlet in brackets when a
/// report is relayed ("TASS (via armenianclub.com)", "Azatutyun (RFE/RL)"); the URL's host
/// when no publisher is named. Two sources are independent when these sets do not meet.
fn identities(source: &Source) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    match &source.publisher {
        Some(p) => {
            let (main, rest) = p.split_once(" (").unwrap_or((p, ""));
            names.insert(main.trim().to_lowercase());
            let inner = rest.trim_end_matches(')');
            for part in inner.split(',') {
                let part = part.trim();
                let part = ["via ", "quoted on ", "copy at "]
                    .iter()
                    .find_map(|prefix| part.strip_prefix(prefix))
                    .unwrap_or(part);
                if !part.is_empty() {
                    names.insert(part.to_lowercase());
                }
            }
        }
        None => {
            if let Some(h) = source.url.as_deref().and_then(host) {
                names.insert(h.trim_start_matches("www.").to_string());
            }
        }
    }
    names
}

/// Whether two of the sources come from different publishers.
fn has_two_publishers(sources: &[Source]) -> bool {
    let ids: Vec<BTreeSet<String>> = sources.iter().map(identities).collect();
    ids.iter().enumerate().any(|(i, a)| {
        ids[i + 1..]
            .iter()
            .any(|b| !a.is_empty() && !b.is_empty() && a.is_disjoint(b))
    })
}

const HARM_WORDS: [&str; 14] = [
    "killed",
    "killing",
    "dead",
    "deaths",
    "died",
    "wounded",
    "injured",
    "casualties",
    "bodies",
    "toll",
    "fatalities",
    "victims",
    "perished",
    "murdered",
];

/// Whether the text gives a number of people killed or hurt: a figure within a few words of
/// a word for death or injury ("at least 161 civilians", "killing ten", "613 dead").
fn gives_casualty_figure(text: &str) -> bool {
    const NUMBER_WORDS: [&str; 12] = [
        "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
        "hundreds",
    ];
    let words: Vec<String> = text
        .split(|c: char| c.is_whitespace() || c == '–' || c == '/')
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect();
    let is_figure = |w: &str| {
        let digits = w.replace(',', "");
        (!digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) && digits.len() < 7
            // years are dates, not tolls
            && !(digits.len() == 4 && (digits.starts_with("19") || digits.starts_with("20"))))
            || NUMBER_WORDS.contains(&w)
    };
    words.iter().enumerate().any(|(i, w)| {
        HARM_WORDS.contains(&w.as_str())
            && words[i.saturating_sub(5)..(i + 6).min(words.len())]
                .iter()
                .any(|n| is_figure(n))
    })
}

/// Every breach of the source rules, one line each.
fn problems(toml_text: &str) -> Vec<String> {
    let deny = denylist();
    let mut found = Vec::new();
    for event in events(toml_text) {
        let with_url = event.sources.iter().filter(|s| s.url.is_some()).count();
        if with_url == 0 {
            found.push(format!("{}: no source with a URL", event.slug));
        }
        for url in event.sources.iter().filter_map(|s| s.url.as_deref()) {
            let Some(h) = host(url) else {
                found.push(format!("{}: {url} is not an http(s) URL", event.slug));
                continue;
            };
            if h == "en.wikipedia.com" {
                found.push(format!("{}: {url} is not Wikipedia (.com)", event.slug));
            }
            for (denied, reason) in &deny {
                if h == *denied || h.ends_with(&format!(".{denied}")) {
                    found.push(format!(
                        "{}: {url} is on the deny list: {reason}",
                        event.slug
                    ));
                }
            }
        }
        let needs_two = matches!(event.category.as_str(), "military" | "humanitarian")
            || gives_casualty_figure(&event.text);
        if needs_two && !has_two_publishers(&event.sources) {
            found.push(format!(
                "{}: a {} event{} needs sources from two different publishers",
                event.slug,
                event.category,
                if gives_casualty_figure(&event.text) {
                    " with a casualty figure"
                } else {
                    ""
                }
            ));
        }
    }
    found
}

const BAD: &str = r#"format = "conflict-timeline/1"
[[conflicts]]
slug = "c"
name = "C"

[[events]]
slug = "no-url"
date = "2000"
title = "T"
category = "political"
[[events.sources]]
title = "A book"

[[events]]
slug = "mirror"
date = "2000"
title = "T"
category = "political"
[[events.sources]]
title = "Copy"
url = "https://WikiMili.com/en/Something"
[[events.sources]]
title = "Dot com"
url = "https://en.wikipedia.com/wiki/Something"

[[events]]
slug = "one-voice"
date = "2000"
title = "T"
category = "military"
[[events.sources]]
title = "A"
publisher = "TASS"
url = "https://tass.com/a"
[[events.sources]]
title = "B"
publisher = "TASS (via armenianclub.com)"
url = "https://armenianclub.com/b"

[[events]]
slug = "a-toll"
date = "2000"
title = "T"
category = "diplomatic"
summary = "The talks followed a strike that killed 12 people."
[[events.sources]]
title = "A"
url = "https://example.org/a"
"#;

#[test]
fn the_checks_find_every_kind_of_breach() {
    let found = problems(BAD);
    let of = |slug: &str| found.iter().filter(|p| p.starts_with(slug)).count();
    assert_eq!(of("no-url:"), 1, "{found:#?}");
    // wikimili.com (case-insensitive) and en.wikipedia.com, which is also on the list.
    assert_eq!(of("mirror:"), 3, "{found:#?}");
    assert_eq!(
        of("one-voice:"),
        1,
        "the same agency relayed is one voice: {found:#?}"
    );
    assert_eq!(
        of("a-toll:"),
        1,
        "a casualty figure needs two publishers: {found:#?}"
    );
}

#[test]
fn casualty_figures_are_told_from_dates_and_other_numbers() {
    assert!(gives_casualty_figure("at least 161 civilians were killed"));
    assert!(gives_casualty_figure(
        "killing ten civilians by the final count"
    ));
    assert!(gives_casualty_figure(
        "Azerbaijan's government cites 613 dead"
    ));
    assert!(!gives_casualty_figure("Killed in the fighting in 1993."));
    assert!(!gives_casualty_figure(
        "Resolution 884 was adopted on 12 November."
    ));
}

#[test]
fn every_denied_host_has_a_reason() {
    let list = denylist();
    assert!(list.len() >= 10);
    for (host, reason) in &list {
        assert!(!reason.is_empty(), "{host} has no reason");
        assert!(!host.contains('/'), "{host} is a host, not a URL");
    }
}

#[test]
fn the_bundled_dataset_keeps_the_source_rules() {
    let found = problems(import::BUNDLED_DATASET);
    assert!(
        found.is_empty(),
        "{} problems:\n{}",
        found.len(),
        found.join("\n")
    );
}
