//! The plain CSV format: one event per row, with the columns documented in
//! `docs/dataset-format.md` ("Plain CSV"). It is what the synthetic benchmark generator
//! writes and what a spreadsheet can produce without knowing EDTF: a start date with a
//! precision word, an optional end date, `;`-separated actors.

use super::tabular::{
    Header, Row, RowMapper, ascii_slug, check_event, columns, fit_slug, hand_on, split_list,
};
use super::{ConflictChoice, Item, MappingOptions};
use crate::edtf::Edtf;
use crate::record::{EVENT_SLUG_MAX, EventRecord, Fatalities, FieldProblem, SourceRecord};

columns! {
    /// The columns the mapper reads, resolved once from the header.
    struct Columns {
        id: "id",
        slug: "slug",
        title: "title",
        edtf: "edtf",
        start_date: "start_date",
        end_date: "end_date",
        date_precision: "date_precision",
        label: "label",
        category: "category",
        actors: "actors",
        location: "location" | "place",
        latitude: "latitude",
        longitude: "longitude",
        fatalities: "fatalities",
        summary: "summary",
        body: "body",
        source_url: "source_url",
        source_title: "source_title",
        conflict: "conflict",
        formerly: "formerly",
    }
}

/// Every column the mapper reads, by each of its names (a header for tests).
#[cfg(test)]
pub(crate) const EVERY_COLUMN: &[&str] = Columns::NAMES;

/// Record fields reported under the column they come from.
const COLUMN_OF: &[(&str, &str)] = &[
    ("place", "location"),
    ("fatalities.best", "fatalities"),
    ("sources[0].url", "source_url"),
    ("sources[0].title", "source_title"),
    ("actors", "actors"),
    ("formerly", "formerly"),
];

/// Maps plain CSV rows to events.
pub struct PlainCsv {
    cols: Columns,
    conflicts: ConflictChoice,
}

impl PlainCsv {
    /// A mapper that puts events in `--conflict` when given, else in each row's `conflict`.
    pub fn new(mapping: &MappingOptions) -> Self {
        PlainCsv {
            cols: Columns::default(),
            conflicts: ConflictChoice::new(mapping),
        }
    }
}

/// Whether a header looks like this format.
pub fn detect(header: &Header) -> bool {
    header.has("title") && (header.has("start_date") || header.has("edtf"))
}

impl RowMapper for PlainCsv {
    fn header(&mut self, h: &Header) -> Vec<FieldProblem> {
        self.cols = Columns::find(h);
        let mut problems = h.missing(&["title"]);
        if self.cols.edtf.is_none() && self.cols.start_date.is_none() {
            problems.push(FieldProblem::new(
                "start_date",
                "",
                "the header has neither a `start_date` nor an `edtf` column; one is required",
            ));
        }
        if !self.conflicts.is_fixed() && self.cols.conflict.is_none() {
            problems.push(FieldProblem::new(
                "conflict",
                "",
                "the header has no `conflict` column: add one, or name the conflict with --conflict SLUG",
            ));
        }
        problems
    }

    fn row(&mut self, row: &Row<'_>, out: &mut Vec<Item>) -> Result<(), Vec<FieldProblem>> {
        let c = &self.cols;
        let mut problems = Vec::new();
        let title = row.get(c.title).to_string();

        let date = match row.opt(c.edtf) {
            Some(edtf) => {
                Edtf::parse(edtf).map_err(|e| FieldProblem::new("edtf", edtf, e.to_string()))
            }
            None => date_from_parts(
                row.get(c.start_date),
                row.get(c.end_date),
                row.get(c.date_precision),
            ),
        }
        .map_err(|p| problems.push(p))
        .ok();

        let slug = match row.opt(c.slug) {
            Some(slug) if crate::slug::is_valid(slug, EVENT_SLUG_MAX) => slug.to_string(),
            _ => derived_slug(&title, row.get(c.id), date.as_ref()),
        };

        let fatalities = Fatalities {
            best: row.count("fatalities", c.fatalities, &mut problems),
            ..Fatalities::default()
        };
        let coordinates = row.coordinates(c.latitude, c.longitude, &mut problems);
        let sources = match row.opt(c.source_url) {
            Some(url) => vec![SourceRecord {
                title: row.opt(c.source_title).unwrap_or(url).to_string(),
                publisher: None,
                url: Some(url.to_string()),
                published: None,
                note: None,
            }],
            None => match row.opt(c.source_title) {
                Some(title) => vec![SourceRecord {
                    title: title.to_string(),
                    publisher: None,
                    url: None,
                    published: None,
                    note: None,
                }],
                None => Vec::new(),
            },
        };

        let conflict = match self.conflicts.fixed(out) {
            Some(slug) => slug,
            None => {
                let named = row.get(c.conflict);
                if named.is_empty() {
                    problems.push(FieldProblem::new(
                        "conflict",
                        "",
                        "must name the event's conflict (or use --conflict SLUG)",
                    ));
                    String::new()
                } else {
                    self.conflicts.named(named, named, None, out)
                }
            }
        };

        let record = EventRecord {
            conflict,
            slug,
            title,
            summary: row.get(c.summary).to_string(),
            body: row.get(c.body).to_string(),
            date: match date {
                Some(d) => d,
                None => return Err(problems),
            },
            label: row.opt(c.label).map(str::to_string),
            category: row.opt(c.category).unwrap_or("event").to_string(),
            place: row.opt(c.location).map(str::to_string),
            coordinates,
            fatalities,
            actors: split_list(row.get(c.actors), ';').collect(),
            sources,
            links: Vec::new(),
            places: Vec::new(),
            notable: false,
            formerly: split_list(row.get(c.formerly), ';').collect(),
        };
        problems.extend(check_event(&record, COLUMN_OF));
        hand_on(record, problems, out)
    }
}

/// `slugify_ascii(title)-{id}`, or `{start}-{title}` for a file without ids.
fn derived_slug(title: &str, id: &str, date: Option<&Edtf>) -> String {
    let title = ascii_slug(title);
    let id = ascii_slug(id);
    let slug = if !id.is_empty() {
        // Keep the id whole: it is what makes the slug unique.
        let room = EVENT_SLUG_MAX.saturating_sub(id.len() + 1);
        let head = fit_slug(&title, room);
        if head.is_empty() {
            id
        } else {
            format!("{head}-{id}")
        }
    } else {
        let start = date.map(|d| d.earliest().iso()).unwrap_or_default();
        ascii_slug(&format!("{start} {title}"))
    };
    fit_slug(&slug, EVENT_SLUG_MAX)
}

/// Builds EDTF from a start date, a precision word and an optional end date:
/// (`2020-05-01`, `month`) → `2020-05`; with an end, `start/end`.
pub fn date_from_parts(start: &str, end: &str, precision: &str) -> Result<Edtf, FieldProblem> {
    let expected = "must be a date written YYYY-MM-DD (or YYYY-MM, YYYY)";
    if start.is_empty() {
        return Err(FieldProblem::new("start_date", "", "must not be empty"));
    }
    crate::edtf::parse_filter_date(start)
        .map_err(|e| FieldProblem::new("start_date", start, format!("{expected}: {e}")))?;
    // By its parts, not its length: `-0300-05-01` and `600` are dates too.
    let (year, month, day) = date_parts(start);
    let reduced = match precision.to_ascii_lowercase().as_str() {
        "" => joined(&year, month, day),
        "day" if day.is_some() => joined(&year, month, day),
        "month" if month.is_some() => joined(&year, month, None),
        "year" => year,
        "day" | "month" => {
            return Err(FieldProblem::new(
                "start_date",
                start,
                format!("is less precise than the date_precision ({precision})"),
            ));
        }
        _ => {
            return Err(FieldProblem::new(
                "date_precision",
                precision,
                "must be day, month or year (or empty: the precision the start date is written in)",
            ));
        }
    };
    let text = if end.is_empty() || end == start {
        reduced
    } else {
        crate::edtf::parse_filter_date(end)
            .map_err(|e| FieldProblem::new("end_date", end, format!("{expected}: {e}")))?;
        let (year, month, day) = date_parts(end);
        let end = joined(&year, month, day);
        if end == reduced {
            reduced
        } else {
            format!("{reduced}/{end}")
        }
    };
    Edtf::parse(&text).map_err(|e| FieldProblem::new("end_date", end, e.to_string()))
}

/// The parts of a date [`crate::edtf::parse_filter_date`] took: the year as EDTF writes it
/// (four digits at least, `-` before a negative one), then the month and the day as given.
fn date_parts(date: &str) -> (String, Option<&str>, Option<&str>) {
    let date = date.trim();
    let (negative, unsigned) = match date.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, date),
    };
    let mut fields = unsigned.split('-');
    let magnitude: i32 = fields
        .next()
        .unwrap_or_default()
        .parse()
        .unwrap_or_default();
    let year = crate::edtf::year_text(if negative { -magnitude } else { magnitude });
    (year, fields.next(), fields.next())
}

/// `YYYY`, `YYYY-MM` or `YYYY-MM-DD` from [`date_parts`].
fn joined(year: &str, month: Option<&str>, day: Option<&str>) -> String {
    match (month, day) {
        (Some(m), Some(d)) => format!("{year}-{m}-{d}"),
        (Some(m), None) => format!("{year}-{m}"),
        _ => year.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_parts_make_their_edtf() {
        // `start_date`, `end_date` and `date_precision`, and the EDTF they make, or (`!`
        // first) the column the problem with them names.
        for (start, end, precision, expected) in [
            // The precision word cuts the start date.
            ("2020-05-01", "", "day", "2020-05-01"),
            ("2020-05-01", "", "month", "2020-05"),
            ("2020-01-01", "", "year", "2020"),
            ("2020-05", "", "", "2020-05"),
            // An end date makes an interval.
            ("2020-05-01", "2020-05-08", "day", "2020-05-01/2020-05-08"),
            ("2020-05-01", "2020-05-08", "month", "2020-05/2020-05-08"),
            ("2020-05-01", "2020-05-01", "day", "2020-05-01"),
            ("2020-05-09", "2020-05-08", "day", "!end_date"),
            // Years before the common era and short years keep their precision.
            ("-0300-05-01", "", "day", "-0300-05-01"),
            ("-0300-05-01", "", "month", "-0300-05"),
            ("-0300-05-01", "", "year", "-0300"),
            ("-0300", "", "", "-0300"),
            ("-0300", "-0200", "", "-0300/-0200"),
            // Years as the filter takes them (`600`), written with four digits.
            ("300", "", "year", "0300"),
            ("600-07-01", "", "month", "0600-07"),
            ("600", "650", "", "0600/0650"),
            ("-0300", "", "day", "!start_date"),
            // Bad dates name their column.
            ("2020-13-01", "", "day", "!start_date"),
            ("2020-05-01", "", "week", "!date_precision"),
            ("2020", "", "day", "!start_date"),
        ] {
            let made = match date_from_parts(start, end, precision) {
                Ok(date) => date.to_string(),
                Err(p) => format!("!{}", p.field),
            };
            assert_eq!(made, expected, "{start:?} {end:?} {precision:?}");
        }
    }

    #[test]
    fn derived_slugs_keep_the_id() {
        assert_eq!(derived_slug("Şuşa shelled", "17", None), "susa-shelled-17");
        let long = "word ".repeat(100);
        let slug = derived_slug(&long, "123456", None);
        assert!(slug.ends_with("-123456") && slug.len() <= EVENT_SLUG_MAX);
    }
}

#[cfg(test)]
mod proptests {
    //! Ragged rows and arbitrary date parts never panic the row mapper (full rows of
    //! arbitrary cells: `tabular::proptests`).

    use proptest::prelude::*;

    use super::super::Format;
    use super::super::tabular::proptests::{cell, read_rows};

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn ragged_rows_never_panic(
            rows in prop::collection::vec(prop::collection::vec(cell(), 0..25), 1..4),
        ) {
            read_rows(Format::Csv, super::EVERY_COLUMN, &rows, None)?;
        }

        #[test]
        fn date_parts_never_panic(start in cell(), end in cell(), precision in cell()) {
            if let Ok(date) = super::date_from_parts(&start, &end, &precision) {
                prop_assert!(date.earliest() <= date.latest());
            }
        }
    }
}
