//! The native dataset format: one TOML file with `[[conflicts]]`, `[[eras]]`, `[[places]]`
//! and `[[events]]` (with `[[events.sources]]` and `[[events.links]]`). It is what `data/` holds
//! and what a curator edits by hand; `docs/dataset-format.md` documents it. Unknown keys are
//! errors, so a typo never silently drops a field.

use serde::Deserialize;
use toml::Spanned;

use super::error::ImportProblem;
use super::{Item, Located};
use crate::edtf::Edtf;
use crate::record::{
    ConflictRecord, Coordinates, EraRecord, EventRecord, Fatalities, FieldProblem, LinkRecord,
    LinkRel, PlaceNameRecord, PlaceRecord, PlaceRef, SourceRecord,
};

/// The value of the `format` key this version reads and writes.
pub const FORMAT: &str = crate::record::NATIVE_FORMAT;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    format: Spanned<String>,
    /// The dataset's own version (optional; see [`Header`]).
    version: Option<Spanned<String>>,
    /// The dataset's licence, an SPDX identifier (optional; see [`Header`]).
    licence: Option<Spanned<String>>,
    #[serde(default)]
    conflicts: Vec<Spanned<RawConflict>>,
    #[serde(default)]
    eras: Vec<Spanned<RawEra>>,
    #[serde(default)]
    places: Vec<Spanned<RawPlace>>,
    #[serde(default)]
    events: Vec<Spanned<RawEvent>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlace {
    slug: String,
    name: String,
    #[serde(default)]
    usage: String,
    source: Option<String>,
    kind: Option<String>,
    within: Option<String>,
    latitude: Option<f64>,
    longitude: Option<f64>,
    precision: Option<String>,
    #[serde(default)]
    note: String,
    #[serde(default)]
    names: Vec<RawPlaceName>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlaceName {
    name: String,
    #[serde(default)]
    usage: String,
    source: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConflict {
    slug: String,
    name: String,
    #[serde(default)]
    summary: String,
    region: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEra {
    conflict: Option<String>,
    slug: String,
    name: String,
    date: Spanned<String>,
    #[serde(default)]
    summary: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvent {
    conflict: Option<String>,
    slug: String,
    date: Spanned<String>,
    label: Option<String>,
    title: String,
    category: String,
    place: Option<String>,
    /// The places the event names, by slug (declared in `[[places]]`) or name.
    #[serde(default)]
    places: Vec<String>,
    latitude: Option<f64>,
    longitude: Option<f64>,
    fatalities: Option<RawFatalities>,
    #[serde(default)]
    actors: Vec<String>,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    sources: Vec<RawSource>,
    #[serde(default)]
    links: Vec<RawLink>,
    /// A turning point of the conflict, labelled first on the timeline.
    #[serde(default)]
    notable: bool,
    /// Slugs the event had before (a corrected title or date): the stored event is found
    /// and renamed, and the old addresses redirect.
    #[serde(default)]
    formerly: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFatalities {
    best: Option<i64>,
    low: Option<i64>,
    high: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    title: String,
    publisher: Option<String>,
    url: Option<String>,
    published: Option<String>,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLink {
    rel: String,
    event: String,
}

pub use crate::dataset::{Header, header};

/// Maps byte offsets to 1-based line numbers.
struct Lines(Vec<usize>);

impl Lines {
    fn new(text: &str) -> Self {
        Lines(text.match_indices('\n').map(|(i, _)| i).collect())
    }
    fn line_of(&self, offset: usize) -> usize {
        self.0.partition_point(|&nl| nl < offset) + 1
    }
}

/// What a file yields: the items that could be read, and the problems with the rest.
pub struct Parsed {
    /// In dependency order: conflicts, then eras, then places, then events.
    pub items: Vec<Located<Item>>,
    pub problems: Vec<ImportProblem>,
}

/// Parses a whole native file. A syntax error stops at once; problems with single entries
/// are collected while the rest of the file is still read, so one run reports them all.
pub fn parse(file: &str, text: &str) -> Parsed {
    match parse_entries(file, text) {
        Ok(parsed) => parsed,
        Err(problems) => Parsed {
            items: Vec::new(),
            problems,
        },
    }
}

fn parse_entries(file: &str, text: &str) -> Result<Parsed, Vec<ImportProblem>> {
    let lines = Lines::new(text);
    let problem = |line: Option<usize>, p: FieldProblem| ImportProblem {
        file: file.to_string(),
        line,
        field: p.field,
        value: ImportProblem::shorten(&p.value),
        message: p.message,
    };
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        vec![ImportProblem {
            file: file.to_string(),
            line: e.span().map(|s| lines.line_of(s.start)),
            field: String::new(),
            value: String::new(),
            message: e.message().trim().to_string(),
        }]
    })?;
    if raw.format.get_ref() != FORMAT {
        let line = Some(lines.line_of(raw.format.span().start));
        return Err(vec![problem(
            line,
            FieldProblem::new(
                "format",
                raw.format.get_ref().as_str(),
                format!("expected \"{FORMAT}\""),
            ),
        )]);
    }

    // The header's optional keys, when given, must say something.
    let mut header_problems = Vec::new();
    for (field, value) in [("version", &raw.version), ("licence", &raw.licence)] {
        if let Some(value) = value
            && value.get_ref().trim().is_empty()
        {
            header_problems.push(problem(
                Some(lines.line_of(value.span().start)),
                FieldProblem::new(field, "", "must not be empty when given"),
            ));
        }
    }

    // Events and eras may leave out `conflict` when the file defines exactly one.
    let default_conflict = match raw.conflicts.as_slice() {
        [only] => Some(only.get_ref().slug.clone()),
        _ => None,
    };
    let resolve_conflict = |given: Option<String>| -> Result<String, FieldProblem> {
        given.or_else(|| default_conflict.clone()).ok_or_else(|| {
            FieldProblem::new(
                "conflict",
                "",
                "is required when the file does not define exactly one conflict",
            )
        })
    };

    let mut items = Vec::new();
    let mut problems = header_problems;
    for spanned in raw.conflicts {
        let line = Some(lines.line_of(spanned.span().start));
        let raw = spanned.into_inner();
        items.push(Located {
            file_index: 0,
            line,
            item: Item::Conflict(ConflictRecord {
                slug: raw.slug,
                name: raw.name,
                summary: raw.summary,
                region: raw.region,
            }),
        });
    }
    for spanned in raw.eras {
        let line = Some(lines.line_of(spanned.span().start));
        let raw = spanned.into_inner();
        let date_line = Some(lines.line_of(raw.date.span().start));
        let date = Edtf::parse(raw.date.get_ref());
        match (resolve_conflict(raw.conflict), date) {
            (Ok(conflict), Ok(date)) => items.push(Located {
                file_index: 0,
                line,
                item: Item::Era(EraRecord {
                    conflict,
                    slug: raw.slug,
                    name: raw.name,
                    date,
                    summary: raw.summary,
                }),
            }),
            (conflict, date) => {
                if let Err(p) = conflict {
                    problems.push(problem(line, p));
                }
                if let Err(e) = date {
                    problems.push(problem(
                        date_line,
                        FieldProblem::new("date", raw.date.get_ref().as_str(), e.to_string()),
                    ));
                }
            }
        }
    }
    for spanned in raw.places {
        let line = Some(lines.line_of(spanned.span().start));
        let raw = spanned.into_inner();
        match coordinates(raw.latitude, raw.longitude) {
            Ok(coordinates) => items.push(Located {
                file_index: 0,
                line,
                item: Item::Place(Box::new(PlaceRecord {
                    slug: raw.slug,
                    name: raw.name,
                    names: raw
                        .names
                        .into_iter()
                        .map(|n| PlaceNameRecord {
                            name: n.name,
                            usage: n.usage,
                            source: n.source,
                        })
                        .collect(),
                    usage: raw.usage,
                    source: raw.source,
                    kind: raw.kind,
                    within: raw.within,
                    coordinates,
                    precision: raw.precision,
                    note: raw.note,
                })),
            }),
            Err(p) => problems.push(problem(line, p)),
        }
    }
    for spanned in raw.events {
        let line = Some(lines.line_of(spanned.span().start));
        let raw = spanned.into_inner();
        match event_record(raw, &resolve_conflict, &lines) {
            Ok(record) => items.push(Located {
                file_index: 0,
                line,
                item: Item::Event(Box::new(record)),
            }),
            Err(found) => problems.extend(found.into_iter().map(|(l, p)| problem(l.or(line), p))),
        }
    }
    Ok(Parsed { items, problems })
}

/// Coordinates from a latitude and a longitude that must come together.
fn coordinates(
    latitude: Option<f64>,
    longitude: Option<f64>,
) -> Result<Option<Coordinates>, FieldProblem> {
    match (latitude, longitude) {
        (Some(latitude), Some(longitude)) => Ok(Some(Coordinates {
            latitude,
            longitude,
        })),
        (None, None) => Ok(None),
        (lat, _) => {
            let (field, other) = if lat.is_some() {
                ("longitude", "latitude")
            } else {
                ("latitude", "longitude")
            };
            Err(FieldProblem::new(
                field,
                "",
                format!("is required when {other} is given"),
            ))
        }
    }
}

/// Builds one event, or every problem with it (with a more precise line where known).
fn event_record(
    raw: RawEvent,
    resolve_conflict: &dyn Fn(Option<String>) -> Result<String, FieldProblem>,
    lines: &Lines,
) -> Result<EventRecord, Vec<(Option<usize>, FieldProblem)>> {
    let mut problems = Vec::new();
    let conflict = resolve_conflict(raw.conflict)
        .map_err(|p| problems.push((None, p)))
        .ok();
    let date_line = Some(lines.line_of(raw.date.span().start));
    let date = Edtf::parse(raw.date.get_ref())
        .map_err(|e| {
            problems.push((
                date_line,
                FieldProblem::new("date", raw.date.get_ref().as_str(), e.to_string()),
            ))
        })
        .ok();
    let coordinates = coordinates(raw.latitude, raw.longitude)
        .map_err(|p| problems.push((None, p)))
        .ok()
        .flatten();
    let mut links = Vec::new();
    for (i, link) in raw.links.into_iter().enumerate() {
        match LinkRel::parse(&link.rel) {
            Some(rel) => links.push(LinkRecord {
                rel,
                target: link.event,
            }),
            None => {
                let names: Vec<&str> = LinkRel::ALL.iter().map(|r| r.as_str()).collect();
                problems.push((
                    None,
                    FieldProblem::new(
                        format!("links[{i}].rel"),
                        link.rel,
                        format!("must be one of: {}", names.join(", ")),
                    ),
                ));
            }
        }
    }
    let fatalities = raw
        .fatalities
        .map(|f| Fatalities {
            best: f.best,
            low: f.low,
            high: f.high,
        })
        .unwrap_or_default();
    let complete = conflict.is_some() && date.is_some() && problems.is_empty();
    // A placeholder stands in for a date that did not parse, so that the record's other
    // fields are still checked and every problem of the entry is reported in one run.
    let Some(date) = date.or_else(|| Edtf::parse("2000").ok()) else {
        return Err(problems);
    };
    let record = EventRecord {
        conflict: conflict.unwrap_or_default(),
        slug: raw.slug,
        title: raw.title,
        summary: raw.summary.trim().to_string(),
        body: raw.body.trim().to_string(),
        date,
        label: raw.label,
        category: raw.category,
        place: raw.place,
        places: raw.places.into_iter().map(PlaceRef::named).collect(),
        coordinates,
        fatalities,
        actors: raw.actors,
        sources: raw
            .sources
            .into_iter()
            .map(|s| SourceRecord {
                title: s.title,
                publisher: s.publisher,
                url: s.url,
                published: s.published,
                note: s.note,
            })
            .collect(),
        links,
        notable: raw.notable,
        formerly: raw.formerly,
    };
    if complete {
        Ok(record)
    } else {
        problems.extend(record.check().into_iter().map(|p| (None, p)));
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"format = "conflict-timeline/1"

[[conflicts]]
slug = "c"
name = "C"

[[events]]
slug = "e"
date = "1988-02"
title = "T"
category = "political"
"#;

    /// [`MINIMAL`] with `added` on lines of its own after the line `after`.
    fn minimal_with(after: &str, added: &str) -> String {
        MINIMAL.replace(&format!("{after}\n"), &format!("{after}\n{added}\n"))
    }

    #[test]
    fn a_single_conflict_is_the_default_for_events() {
        let Parsed { items, problems } = parse("x.toml", MINIMAL);
        assert!(problems.is_empty());
        let Item::Event(event) = &items[1].item else {
            panic!("second item is the event")
        };
        assert_eq!(event.conflict, "c");
        assert_eq!(items[1].line, Some(7), "the [[events]] header line");
    }

    #[test]
    fn a_bad_date_is_reported_on_its_own_line() {
        let text = MINIMAL.replace("1988-02", "1988-13");
        let problems = parse("x.toml", &text).problems;
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, Some(9));
        assert_eq!(problems[0].field, "date");
        assert_eq!(problems[0].value, "1988-13");
    }

    #[test]
    fn unknown_keys_are_errors_with_a_line() {
        let text = minimal_with("category = \"political\"", "colour = \"red\"");
        let problems = parse("x.toml", &text).problems;
        assert_eq!(problems[0].line, Some(12));
        assert!(
            problems[0].message.contains("colour"),
            "{}",
            problems[0].message
        );
    }

    #[test]
    fn the_header_gives_version_and_licence_without_reading_the_tables() {
        let text = minimal_with(
            "format = \"conflict-timeline/1\"",
            "version = \"2026-12-03\"\nlicence = \"CC-BY-4.0\"",
        );
        assert!(parse("x.toml", &text).problems.is_empty());
        assert_eq!(
            header(&text).expect("header"),
            Header {
                version: Some("2026-12-03".into()),
                licence: Some("CC-BY-4.0".into()),
            }
        );
        // A broken table further down does not matter to the header.
        let broken = format!("{text}\n[[events]]\nslug = ");
        assert_eq!(
            header(&broken).expect("header").version.as_deref(),
            Some("2026-12-03")
        );
        assert_eq!(header(MINIMAL).expect("header"), Header::default());
    }

    #[test]
    fn an_empty_version_is_an_error_on_its_line() {
        let text = minimal_with("format = \"conflict-timeline/1\"", "version = \" \"");
        let problems = parse("x.toml", &text).problems;
        assert_eq!(problems.len(), 1);
        assert_eq!(
            (problems[0].field.as_str(), problems[0].line),
            ("version", Some(2))
        );
    }

    #[test]
    fn the_format_key_must_name_this_version() {
        let text = MINIMAL.replace("conflict-timeline/1", "conflict-timeline/9");
        let problems = parse("x.toml", &text).problems;
        assert_eq!(
            (problems[0].field.as_str(), problems[0].line),
            ("format", Some(1))
        );
    }
}
