//! The records every importer produces, whatever the file format: a conflict, an era, an
//! event with its actors, sources and links. Each format's parser maps its rows onto these;
//! [`EventRecord::check`] then applies the rules that hold for every format, so a rule lives
//! in one place and the database constraints are never the first line of defence.

use serde::Serialize;

use crate::edtf::Edtf;
pub use crate::model::{EVENT_SLUG_MAX, LinkRel, SHORT_SLUG_MAX, TITLE_MAX, is_web_url};
use crate::slug;

/// The `format` line of a native dataset file, which the importer checks and the export
/// writes.
pub const NATIVE_FORMAT: &str = "conflict-timeline/1";
/// Longest name of a conflict, era or actor. Names are kept whole (UCDP publishes dyad and
/// side names of up to about 250 characters); their slugs are shortened instead.
pub const NAME_MAX: usize = 500;
/// Longest summary of an event, a conflict or an era, in characters: a paragraph (the
/// bundled dataset's longest is 800). The API answers up to 500 events at once, so this
/// bounds an API page at about 2 MB of summaries; pages stay small enough to render.
pub const SUMMARY_MAX: usize = 4_000;
/// Longest event body (Markdown), in characters: an article, not a book. Only the event's
/// own page shows it.
pub const BODY_MAX: usize = 100_000;
/// Longest source publisher, in characters.
pub const PUBLISHER_MAX: usize = 300;
/// Longest source note, in characters.
pub const NOTE_MAX: usize = 2_000;

/// A conflict: the top-level grouping of eras and events.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConflictRecord {
    pub slug: String,
    pub name: String,
    pub summary: String,
    pub region: Option<String>,
}

/// A named period of a conflict.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EraRecord {
    pub conflict: String,
    pub slug: String,
    pub name: String,
    #[serde(serialize_with = "serialize_edtf")]
    pub date: Edtf,
    pub summary: String,
}

/// One event, ready to be written.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventRecord {
    pub conflict: String,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub body: String,
    #[serde(serialize_with = "serialize_edtf")]
    pub date: Edtf,
    pub label: Option<String>,
    pub category: String,
    pub place: Option<String>,
    pub coordinates: Option<Coordinates>,
    pub fatalities: Fatalities,
    pub actors: Vec<String>,
    pub sources: Vec<SourceRecord>,
    pub links: Vec<LinkRecord>,
    /// The places the event names, in order: each a place slug or name (see
    /// [`PlaceRef`]). Empty with a `place` text: that text is the event's one place.
    /// Left out of the content hash when empty, so that older records keep their hashes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub places: Vec<PlaceRef>,
    /// A turning point the dataset's editors flagged: labelled first on the timeline.
    /// Left out of the content hash when false, so that records from before the flag
    /// existed keep their hashes.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub notable: bool,
    /// Slugs this event was stored under before (its title or date was corrected): an
    /// import finds the stored event by them, renames it, and the old addresses answer 301.
    /// Identity, not content: left out of the content hash.
    #[serde(skip)]
    pub formerly: Vec<String>,
}

/// A place an event names: a slug of a declared place, or a name, with what the file says
/// of where it is. The writer joins it to a stored place (see `docs/dataset-format.md`,
/// "Places"): by slug, else by a name that folds the same within [`JOIN_DISTANCE_KM`] (or
/// without coordinates on either side), else it makes a new place.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlaceRef {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coordinates: Option<Coordinates>,
    /// The file's precision code for the coordinates ("ACLED geo_precision 1").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub precision: Option<String>,
    /// Where the place lies, in words ("Syunik", "Ararat"): the importers' admin regions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub within: Option<String>,
}

impl PlaceRef {
    /// A place by slug or name alone.
    pub fn named(name: impl Into<String>) -> Self {
        PlaceRef {
            name: name.into(),
            coordinates: None,
            precision: None,
            within: None,
        }
    }
}

/// Two imported places with the same folded name are one place when their coordinates are
/// at most this far apart.
pub const JOIN_DISTANCE_KM: f64 = 5.0;

/// What a place is.
pub const PLACE_KINDS: [&str; 10] = [
    "city",
    "town",
    "village",
    "district",
    "region",
    "corridor",
    "border-area",
    "city-abroad",
    "site",
    "country",
];

/// A place declared once in a dataset (`[[place]]` in the native format).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlaceRecord {
    pub slug: String,
    /// The display name, chosen by the dataset's rule (see `docs/dataset-format.md`).
    pub name: String,
    /// Every other name, the other side's first.
    pub names: Vec<PlaceNameRecord>,
    /// Who uses the display name, and the source for it.
    pub usage: String,
    pub source: Option<String>,
    pub kind: Option<String>,
    /// The slug of the place it lies in.
    pub within: Option<String>,
    pub coordinates: Option<Coordinates>,
    pub precision: Option<String>,
    pub note: String,
}

/// One name of a place, with who uses it and where that is documented.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlaceNameRecord {
    pub name: String,
    /// "Armenian usage", "Azerbaijani spelling", "Soviet name", "Russian".
    pub usage: String,
    /// A web address that documents the name.
    pub source: Option<String>,
}

impl PlaceRecord {
    /// The label pages show ("Shusha (Shushi)").
    pub fn label(&self) -> String {
        crate::place_names::label(
            &self.name,
            self.names
                .iter()
                .map(|n| (n.name.as_str(), n.usage.as_str())),
        )
    }

    /// Every rule this place breaks.
    pub fn check(&self) -> Vec<FieldProblem> {
        let mut problems = Vec::new();
        check_slug(&mut problems, "slug", &self.slug, SHORT_SLUG_MAX);
        check_text(&mut problems, "name", &self.name, 300);
        check_length(&mut problems, "usage", &self.usage, 200);
        check_length(&mut problems, "note", &self.note, NOTE_MAX);
        if let Some(kind) = &self.kind
            && !PLACE_KINDS.contains(&kind.as_str())
        {
            problems.push(FieldProblem::new(
                "kind",
                kind.as_str(),
                format!("must be one of: {}", PLACE_KINDS.join(", ")),
            ));
        }
        if let Some(within) = &self.within {
            check_slug(&mut problems, "within", within, SHORT_SLUG_MAX);
            if *within == self.slug {
                problems.push(FieldProblem::new(
                    "within",
                    within.as_str(),
                    "a place cannot lie in itself",
                ));
            }
        }
        if let Some(c) = self.coordinates {
            check_coordinates(&mut problems, c);
        }
        let sources = std::iter::once(("source".to_string(), &self.source)).chain(
            self.names
                .iter()
                .enumerate()
                .map(|(i, n)| (format!("names[{i}].source"), &n.source)),
        );
        for (field, source) in sources {
            if let Some(url) = source
                && !is_web_url(url)
            {
                problems.push(FieldProblem::new(
                    field,
                    url.as_str(),
                    "must be an http:// or https:// URL",
                ));
            }
        }
        for (i, n) in self.names.iter().enumerate() {
            check_text(&mut problems, &format!("names[{i}].name"), &n.name, 300);
            check_length(&mut problems, &format!("names[{i}].usage"), &n.usage, 200);
        }
        problems
    }
}

fn check_coordinates(problems: &mut Vec<FieldProblem>, c: Coordinates) {
    if !(-90.0..=90.0).contains(&c.latitude) {
        problems.push(FieldProblem::new(
            "latitude",
            c.latitude.to_string(),
            "must be between -90 and 90",
        ));
    }
    if !(-180.0..=180.0).contains(&c.longitude) {
        problems.push(FieldProblem::new(
            "longitude",
            c.longitude.to_string(),
            "must be between -180 and 180",
        ));
    }
}

/// A point on the map, in WGS 84 degrees.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Coordinates {
    pub latitude: f64,
    pub longitude: f64,
}

impl Coordinates {
    /// The point, when both coordinates are given.
    pub fn from_parts(latitude: Option<f64>, longitude: Option<f64>) -> Option<Coordinates> {
        Some(Coordinates {
            latitude: latitude?,
            longitude: longitude?,
        })
    }
}

/// Reported deaths: a best estimate and/or a low-high range, as the source gives them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Fatalities {
    pub best: Option<i64>,
    pub low: Option<i64>,
    pub high: Option<i64>,
}

/// A citation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SourceRecord {
    pub title: String,
    pub publisher: Option<String>,
    pub url: Option<String>,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub published: Option<String>,
    pub note: Option<String>,
}

/// A directed, typed relation from the record's event to another event, by slug.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LinkRecord {
    pub rel: LinkRel,
    pub target: String,
}

fn serialize_edtf<S: serde::Serializer>(date: &Edtf, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(date)
}

/// A rule broken by a record: which field, the offending value, and what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: String,
    pub value: String,
    pub message: String,
}

impl FieldProblem {
    /// A problem with `field`.
    pub fn new(
        field: impl Into<String>,
        value: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        FieldProblem {
            field: field.into(),
            value: value.into(),
            message: message.into(),
        }
    }
}

/// Checks a text field that must not be blank and has a maximum length in characters.
fn check_text(problems: &mut Vec<FieldProblem>, field: &str, value: &str, max_chars: usize) {
    if value.trim().is_empty() {
        problems.push(FieldProblem::new(field, value, "must not be empty"));
    } else if value.chars().count() > max_chars {
        let head: String = value.chars().take(80).collect();
        problems.push(FieldProblem::new(
            field,
            head,
            format!("is longer than {max_chars} characters"),
        ));
    }
}

/// Checks a text field that may be empty but has a maximum length in characters. The
/// problem quotes only the start of the value (it may be megabytes long).
fn check_length(problems: &mut Vec<FieldProblem>, field: &str, value: &str, max_chars: usize) {
    // Bytes first: a value of at most `max_chars` bytes is short enough whatever it holds.
    if value.len() > max_chars && value.chars().count() > max_chars {
        let head: String = value.chars().take(80).collect();
        problems.push(FieldProblem::new(
            field,
            head,
            format!(
                "is {} characters long; at most {max_chars} are accepted",
                value.chars().count()
            ),
        ));
    }
}

fn check_slug(problems: &mut Vec<FieldProblem>, field: &str, value: &str, max_len: usize) {
    if !slug::is_valid(value, max_len) {
        problems.push(FieldProblem::new(
            field,
            value,
            format!(
                "must be lowercase letters a-z and digits in words joined by single hyphens, at most {max_len} characters"
            ),
        ));
    }
}

/// The characters that make a spreadsheet read a cell as a formula when it starts with one
/// (OWASP's list), and the guard itself.
const FORMULA_STARTS: [char; 7] = ['=', '+', '-', '@', '\t', '\r', '\''];

/// A CSV text cell made safe for spreadsheets: one starting with `=`, `+`, `-`, `@`, tab
/// or carriage return gets a leading `'` (spreadsheets show the rest as text), and so does
/// one that already starts with `'`, so that [`unguard_formula`] can always take exactly
/// one off. Every CSV writer uses this; every CSV reader undoes it.
pub fn guard_formula(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(FORMULA_STARTS) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

/// The cell [`guard_formula`] was given: a leading `'` before one of the guarded
/// characters is taken off.
pub fn unguard_formula(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => cell,
    }
}

/// Is `s` a partial ISO date `YYYY`, `YYYY-MM` or `YYYY-MM-DD` that exists.
pub fn is_partial_iso_date(s: &str) -> bool {
    // The filter parser also takes short and negative years; a publication date has four digits.
    matches!(s.len(), 4 | 7 | 10)
        && s.bytes().take(4).all(|b| b.is_ascii_digit())
        && crate::edtf::parse_filter_date(s).is_ok()
}

/// The rules a conflict and an era share: a short slug, a name, a summary.
fn check_named(slug: &str, name: &str, summary: &str) -> Vec<FieldProblem> {
    let mut problems = Vec::new();
    check_slug(&mut problems, "slug", slug, SHORT_SLUG_MAX);
    check_text(&mut problems, "name", name, NAME_MAX);
    check_length(&mut problems, "summary", summary, SUMMARY_MAX);
    problems
}

impl ConflictRecord {
    /// Every rule this conflict breaks.
    pub fn check(&self) -> Vec<FieldProblem> {
        check_named(&self.slug, &self.name, &self.summary)
    }
}

impl EraRecord {
    /// Every rule this era breaks.
    pub fn check(&self) -> Vec<FieldProblem> {
        check_named(&self.slug, &self.name, &self.summary)
    }
}

impl EventRecord {
    /// Every rule this event breaks that does not depend on other records.
    pub fn check(&self) -> Vec<FieldProblem> {
        let mut problems = Vec::new();
        check_slug(&mut problems, "slug", &self.slug, EVENT_SLUG_MAX);
        for (i, former) in self.formerly.iter().enumerate() {
            let field = format!("formerly[{i}]");
            check_slug(&mut problems, &field, former, EVENT_SLUG_MAX);
            if *former == self.slug {
                problems.push(FieldProblem::new(
                    field,
                    former.as_str(),
                    "is the event's own slug: list only slugs it had before",
                ));
            }
        }
        check_text(&mut problems, "title", &self.title, TITLE_MAX);
        check_length(&mut problems, "summary", &self.summary, SUMMARY_MAX);
        check_length(&mut problems, "body", &self.body, BODY_MAX);
        check_slug(&mut problems, "category", &self.category, 60);
        if let Some(label) = &self.label {
            check_text(&mut problems, "label", label, 100);
        }
        if let Some(place) = &self.place {
            check_text(&mut problems, "place", place, 300);
        }
        if let Some(c) = self.coordinates {
            check_coordinates(&mut problems, c);
        }
        for (i, p) in self.places.iter().enumerate() {
            let field = format!("places[{i}]");
            check_text(&mut problems, &field, &p.name, 300);
            if !p.name.trim().is_empty() && crate::place_names::fold(&p.name).is_empty() {
                problems.push(FieldProblem::new(
                    field,
                    p.name.as_str(),
                    "must contain a letter or digit",
                ));
            } else if let Some(c) = p.coordinates {
                check_coordinates(&mut problems, c);
            }
        }
        let f = self.fatalities;
        for (field, value) in [
            ("fatalities.best", f.best),
            ("fatalities.low", f.low),
            ("fatalities.high", f.high),
        ] {
            if let Some(v) = value.filter(|v| *v < 0) {
                problems.push(FieldProblem::new(
                    field,
                    v.to_string(),
                    "must not be negative",
                ));
            }
        }
        // A low estimate above the high one is kept as published (UCDP has such rows); the
        // import reports it (`import::report`).
        for (i, actor) in self.actors.iter().enumerate() {
            let field = format!("actors[{i}]");
            check_text(&mut problems, &field, actor, NAME_MAX);
            if !actor.trim().is_empty() && crate::slug::slugify(actor).is_empty() {
                problems.push(FieldProblem::new(
                    field,
                    actor.as_str(),
                    "must contain a letter or digit",
                ));
            }
        }
        for (i, source) in self.sources.iter().enumerate() {
            check_text(
                &mut problems,
                &format!("sources[{i}].title"),
                &source.title,
                500,
            );
            if let Some(publisher) = &source.publisher {
                check_length(
                    &mut problems,
                    &format!("sources[{i}].publisher"),
                    publisher,
                    PUBLISHER_MAX,
                );
            }
            if let Some(note) = &source.note {
                check_length(&mut problems, &format!("sources[{i}].note"), note, NOTE_MAX);
            }
            if let Some(url) = &source.url
                && !is_web_url(url)
            {
                problems.push(FieldProblem::new(
                    format!("sources[{i}].url"),
                    url.as_str(),
                    "must be an http:// or https:// URL",
                ));
            }
            if let Some(published) = &source.published
                && !is_partial_iso_date(published)
            {
                problems.push(FieldProblem::new(
                    format!("sources[{i}].published"),
                    published.as_str(),
                    "must be a date written YYYY, YYYY-MM or YYYY-MM-DD",
                ));
            }
        }
        for (i, link) in self.links.iter().enumerate() {
            if link.target == self.slug {
                problems.push(FieldProblem::new(
                    format!("links[{i}].event"),
                    link.target.as_str(),
                    "an event cannot link to itself",
                ));
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> EventRecord {
        EventRecord {
            conflict: "c".into(),
            slug: "2020-01-01-test".into(),
            title: "Test".into(),
            summary: String::new(),
            body: String::new(),
            date: Edtf::parse("2020-01-01").expect("valid date"),
            label: None,
            category: "military".into(),
            place: None,
            coordinates: None,
            fatalities: Fatalities::default(),
            actors: vec!["Armenia".into()],
            sources: vec![],
            links: vec![],
            places: vec![],
            notable: false,
            formerly: vec![],
        }
    }

    #[test]
    fn the_formula_guard_comes_off_exactly() {
        for text in [
            "=SUM(A1)",
            "+1",
            "-Somewhere",
            "@cmd",
            "\tx",
            "'quoted",
            "''=x",
            "plain",
            "",
        ] {
            let guarded = guard_formula(text);
            assert!(
                !guarded.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{guarded}"
            );
            assert_eq!(unguard_formula(&guarded), text);
        }
        assert_eq!(guard_formula("=1+1"), "'=1+1");
    }

    #[test]
    fn a_well_formed_event_has_no_problems() {
        assert_eq!(event().check(), vec![]);
    }

    #[test]
    fn names_each_broken_field() {
        let mut e = event();
        e.slug = "Bad Slug".into();
        e.title = "  ".into();
        e.sources.push(SourceRecord {
            title: "t".into(),
            publisher: None,
            url: Some("javascript:alert(1)".into()),
            published: Some("2020-13".into()),
            note: None,
        });
        let fields: Vec<String> = e.check().into_iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            ["slug", "title", "sources[0].url", "sources[0].published"]
        );
    }
}
