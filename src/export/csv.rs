//! CSV (RFC 4180: CRLF line ends, a header row, fields quoted when they hold a comma, quote
//! or line break), in two named column profiles:
//!
//! * [`Profile::Spreadsheet`] (the site's `/export/events.csv`): for reading in a
//!   spreadsheet: the date in words, its first and last day, the event's URL, every
//!   source URL, and when an import last changed it (`last_changed`, UTC).
//!   [`SPREADSHEET_COLUMNS`].
//! * [`Profile::RoundTrip`] (`export --format csv`): the plain CSV columns the importer
//!   reads, so that a plain CSV file imported, exported and imported again is unchanged
//!   (first source only, no links; the native format keeps everything).
//!   [`ROUND_TRIP_COLUMNS`].
//!
//! Both guard text cells against spreadsheet formulas the same way
//! ([`crate::record::guard_formula`]), and the importer takes the guard off again.

use super::dates::known_bounds;
use super::{Document, ExportEvent, FormatWriter, Written};
use crate::record::{EventRecord, guard_formula};

/// A CSV column profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// For people with a spreadsheet: [`SPREADSHEET_COLUMNS`].
    Spreadsheet,
    /// For `import`: [`ROUND_TRIP_COLUMNS`].
    RoundTrip,
}

/// The spreadsheet profile's header row, in column order.
pub const SPREADSHEET_COLUMNS: [&str; 15] = [
    "slug",
    "title",
    "edtf",
    "date_words",
    "earliest",
    "latest",
    "category",
    "place",
    "latitude",
    "longitude",
    "actors",
    "summary",
    "url",
    "source_urls",
    "last_changed",
];

/// The round-trip profile's header row: the plain CSV format's columns.
pub const ROUND_TRIP_COLUMNS: [&str; 19] = [
    "slug",
    "title",
    "edtf",
    "start_date",
    "end_date",
    "label",
    "category",
    "actors",
    "location",
    "latitude",
    "longitude",
    "fatalities",
    "fatalities_low",
    "fatalities_high",
    "summary",
    "body",
    "source_title",
    "source_url",
    "conflict",
];

/// A CSV cell: text gets the formula guard; numbers and dates we wrote ourselves do not (a
/// negative longitude must stay a number).
pub enum Cell<'a> {
    Text(&'a str),
    Number(&'a str),
}

/// Appends one CSV record (CRLF-terminated) to `out`.
pub fn write_row<'a>(out: &mut String, cells: impl IntoIterator<Item = Cell<'a>>) {
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let value = match cell {
            Cell::Text(v) => guard_formula(v),
            Cell::Number(v) => v.into(),
        };
        // A guarded cell is always quoted, so that a reader that trims fields keeps the
        // guard where it is.
        let guarded = matches!(&value, std::borrow::Cow::Owned(_));
        if guarded || value.contains([',', '"', '\r', '\n']) {
            out.push('"');
            out.push_str(&value.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&value);
        }
    }
    out.push_str("\r\n");
}

/// Writes either profile.
pub struct CsvWriter {
    profile: Profile,
}

impl CsvWriter {
    pub fn new(profile: Profile) -> Self {
        CsvWriter { profile }
    }
}

impl FormatWriter for CsvWriter {
    fn head(&mut self, text: &mut String, _doc: &Document) -> Written {
        let columns: &[&str] = match self.profile {
            Profile::Spreadsheet => &SPREADSHEET_COLUMNS,
            Profile::RoundTrip => &ROUND_TRIP_COLUMNS,
        };
        write_row(text, columns.iter().map(|c| Cell::Text(c)));
        Ok(())
    }

    fn event(&mut self, text: &mut String, doc: &Document, event: &ExportEvent) -> Written {
        match self.profile {
            Profile::Spreadsheet => spreadsheet_row(text, doc, event),
            Profile::RoundTrip => round_trip_row(text, doc, &event.record),
        }
        Ok(())
    }
}

fn number<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// The cells both profiles write the same way: the date's known first and last days, the
/// coordinates and the actors.
struct SharedCells {
    first_day: String,
    last_day: String,
    latitude: String,
    longitude: String,
    actors: String,
}

impl SharedCells {
    fn of(e: &EventRecord) -> SharedCells {
        let (first, last) = known_bounds(&e.date);
        SharedCells {
            first_day: number(first.map(|d| d.iso())),
            last_day: number(last.map(|d| d.iso())),
            latitude: number(e.coordinates.map(|c| c.latitude)),
            longitude: number(e.coordinates.map(|c| c.longitude)),
            actors: e.actors.join("; "),
        }
    }
}

fn spreadsheet_row(out: &mut String, doc: &Document, event: &ExportEvent) {
    let e = &event.record;
    let words = e.label.clone().unwrap_or_else(|| e.date.words());
    let shared = SharedCells::of(e);
    let url = doc.event_url(&e.slug).unwrap_or_default();
    let sources: Vec<&str> = e.sources.iter().filter_map(|s| s.url.as_deref()).collect();
    let sources = sources.join(" ");
    write_row(
        out,
        [
            Cell::Text(&e.slug),
            Cell::Text(&e.title),
            Cell::Text(&e.date.to_string()),
            Cell::Text(&words),
            Cell::Number(&shared.first_day),
            Cell::Number(&shared.last_day),
            Cell::Text(&e.category),
            Cell::Text(e.place.as_deref().unwrap_or("")),
            Cell::Number(&shared.latitude),
            Cell::Number(&shared.longitude),
            Cell::Text(&shared.actors),
            Cell::Text(&e.summary),
            Cell::Text(&url),
            Cell::Text(&sources),
            Cell::Number(&event.updated_at),
        ],
    );
}

/// The conflict as the plain CSV importer reads it back: its name when the importer would
/// derive the same slug from it (so the name survives), else its slug.
fn conflict_cell<'a>(doc: &'a Document, slug: &'a str) -> &'a str {
    doc.conflicts
        .iter()
        .find(|c| c.slug == slug)
        .filter(|c| crate::slug::slugify(&c.name) == slug)
        .map_or(slug, |c| c.name.as_str())
}

fn round_trip_row(out: &mut String, doc: &Document, e: &EventRecord) {
    let shared = SharedCells::of(e);
    let best = number(e.fatalities.best);
    let low = number(e.fatalities.low);
    let high = number(e.fatalities.high);
    let source = e.sources.first();
    write_row(
        out,
        [
            Cell::Text(&e.slug),
            Cell::Text(&e.title),
            Cell::Text(&e.date.to_string()),
            Cell::Number(&shared.first_day),
            Cell::Number(&shared.last_day),
            Cell::Text(e.label.as_deref().unwrap_or("")),
            Cell::Text(&e.category),
            Cell::Text(&shared.actors),
            Cell::Text(e.place.as_deref().unwrap_or("")),
            Cell::Number(&shared.latitude),
            Cell::Number(&shared.longitude),
            Cell::Number(&best),
            Cell::Number(&low),
            Cell::Number(&high),
            Cell::Text(&e.summary),
            Cell::Text(&e.body),
            Cell::Text(source.map_or("", |s| s.title.as_str())),
            Cell::Text(source.and_then(|s| s.url.as_deref()).unwrap_or("")),
            Cell::Text(conflict_cell(doc, &e.conflict)),
        ],
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_what_needs_it_and_guards_formulas() {
        let mut out = String::new();
        write_row(
            &mut out,
            [
                Cell::Text("plain"),
                Cell::Text("a, b"),
                Cell::Text("say \"hi\"\nthere"),
                Cell::Text("=1+1"),
                Cell::Text("@cmd"),
                Cell::Number("-45.5"),
            ],
        );
        assert_eq!(
            out,
            "plain,\"a, b\",\"say \"\"hi\"\"\nthere\",\"'=1+1\",\"'@cmd\",-45.5\r\n"
        );
    }
}
