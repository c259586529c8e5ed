//! The native TOML dataset format (`docs/dataset-format.md`): the conflicts, eras and places
//! first, then one `[[events]]` table per event with its sources and links. It round-trips:
//! importing it into an empty database gives back the same conflicts, eras, events (dates,
//! labels, actors and sources in order) and links; links to events outside the export are
//! left out so that the file imports on its own.

use std::fmt::Write as _;

use super::{Document, ExportEvent, FormatWriter, Written};
use crate::record::{Coordinates, EventRecord, NATIVE_FORMAT as FORMAT, PlaceRecord};

/// Writes the native format.
pub struct NativeWriter;

impl FormatWriter for NativeWriter {
    fn head(&mut self, text: &mut String, doc: &Document) -> Written {
        key(text, "format", FORMAT);
        for c in &doc.conflicts {
            text.push_str("\n[[conflicts]]\n");
            key(text, "slug", &c.slug);
            key(text, "name", &c.name);
            optional_key(text, "region", c.region.as_deref());
            nonempty_key(text, "summary", &c.summary);
        }
        for era in &doc.eras {
            text.push_str("\n[[eras]]\n");
            key(text, "conflict", &era.conflict);
            key(text, "slug", &era.slug);
            key(text, "name", &era.name);
            key(text, "date", &era.date.to_string());
            nonempty_key(text, "summary", &era.summary);
        }
        for place in &doc.places {
            native_place(text, place);
        }
        Ok(())
    }

    fn event(&mut self, text: &mut String, _doc: &Document, event: &ExportEvent) -> Written {
        native_event(text, &event.record);
        Ok(())
    }
}

/// A TOML basic string.
fn toml_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn key(out: &mut String, name: &str, value: &str) {
    let _ = writeln!(out, "{name} = {}", toml_str(value));
}

/// A key left out when its text is empty.
fn nonempty_key(out: &mut String, name: &str, value: &str) {
    if !value.is_empty() {
        key(out, name, value);
    }
}

fn optional_key(out: &mut String, name: &str, value: Option<&str>) {
    if let Some(value) = value {
        key(out, name, value);
    }
}

fn coordinates(out: &mut String, c: Option<Coordinates>) {
    if let Some(c) = c {
        // `{:?}` writes the shortest text that reads back as the same f64, with a `.0`
        // on whole numbers as TOML floats need.
        let _ = writeln!(
            out,
            "latitude = {:?}\nlongitude = {:?}",
            c.latitude, c.longitude
        );
    }
}

fn native_place(out: &mut String, p: &PlaceRecord) {
    out.push_str("\n[[places]]\n");
    key(out, "slug", &p.slug);
    key(out, "name", &p.name);
    nonempty_key(out, "usage", &p.usage);
    optional_key(out, "source", p.source.as_deref());
    optional_key(out, "kind", p.kind.as_deref());
    optional_key(out, "within", p.within.as_deref());
    coordinates(out, p.coordinates);
    optional_key(out, "precision", p.precision.as_deref());
    nonempty_key(out, "note", &p.note);
    for n in &p.names {
        out.push_str("[[places.names]]\n");
        key(out, "name", &n.name);
        nonempty_key(out, "usage", &n.usage);
        optional_key(out, "source", n.source.as_deref());
    }
}

fn native_event(out: &mut String, e: &EventRecord) {
    out.push_str("\n[[events]]\n");
    key(out, "conflict", &e.conflict);
    key(out, "slug", &e.slug);
    key(out, "date", &e.date.to_string());
    optional_key(out, "label", e.label.as_deref());
    key(out, "title", &e.title);
    key(out, "category", &e.category);
    optional_key(out, "place", e.place.as_deref());
    if !e.places.is_empty() {
        let places: Vec<String> = e.places.iter().map(|p| toml_str(&p.name)).collect();
        let _ = writeln!(out, "places = [{}]", places.join(", "));
    }
    coordinates(out, e.coordinates);
    let f = e.fatalities;
    let fatalities: Vec<String> = [("best", f.best), ("low", f.low), ("high", f.high)]
        .into_iter()
        .filter_map(|(name, value)| value.map(|v| format!("{name} = {v}")))
        .collect();
    if !fatalities.is_empty() {
        let _ = writeln!(out, "fatalities = {{ {} }}", fatalities.join(", "));
    }
    if e.notable {
        out.push_str("notable = true\n");
    }
    if !e.actors.is_empty() {
        let actors: Vec<String> = e.actors.iter().map(|a| toml_str(a)).collect();
        let _ = writeln!(out, "actors = [{}]", actors.join(", "));
    }
    nonempty_key(out, "summary", &e.summary);
    nonempty_key(out, "body", &e.body);
    for s in &e.sources {
        out.push_str("\n[[events.sources]]\n");
        key(out, "title", &s.title);
        optional_key(out, "publisher", s.publisher.as_deref());
        optional_key(out, "url", s.url.as_deref());
        optional_key(out, "published", s.published.as_deref());
        optional_key(out, "note", s.note.as_deref());
    }
    for link in &e.links {
        out.push_str("\n[[events.links]]\n");
        key(out, "rel", link.rel.as_str());
        key(out, "event", &link.target);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_strings_escape_quotes_and_controls() {
        assert_eq!(toml_str("a \"b\"\n\\c\u{1}"), r#""a \"b\"\n\\c\u0001""#);
    }
}
