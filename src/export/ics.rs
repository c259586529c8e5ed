//! iCalendar (RFC 5545): one all-day `VEVENT` per event (UID `<slug>@conflict-timeline`),
//! from its first day to the day after its last (`DTEND` is exclusive), so that a
//! month-precision event spans the month. An event with an open or unknown end is a one-day
//! event on the day it is known by.

use super::dates::known_bounds;
use super::text::is_bidi_control;
use super::{Document, ExportEvent, FormatWriter, Written};
use crate::edtf::Day;

/// Writes iCalendar.
pub struct IcsWriter;

impl FormatWriter for IcsWriter {
    fn head(&mut self, text: &mut String, doc: &Document) -> Written {
        push_folded(text, "BEGIN:VCALENDAR");
        push_folded(text, "VERSION:2.0");
        push_folded(
            text,
            &format!(
                "PRODID:-//conflict-timeline//conflict-timeline {}//EN",
                env!("CARGO_PKG_VERSION")
            ),
        );
        push_folded(text, "CALSCALE:GREGORIAN");
        push_folded(text, "METHOD:PUBLISH");
        push_folded(text, &format!("X-WR-CALNAME:{}", ics_text(&doc.title)));
        Ok(())
    }

    fn event(&mut self, text: &mut String, doc: &Document, event: &ExportEvent) -> Written {
        vevent(text, doc, event);
        Ok(())
    }

    fn tail(&mut self, text: &mut String, _doc: &Document) -> Written {
        text.push_str("END:VCALENDAR\r\n");
        Ok(())
    }
}

fn vevent(out: &mut String, doc: &Document, event: &ExportEvent) {
    let e = &event.record;
    let (first, last) = known_bounds(&e.date);
    // A date always has at least one known end.
    let Some(start) = first.or(last) else {
        return;
    };
    let end = last.unwrap_or(start);
    let stamp = ics_stamp(&event.updated_at);
    let words = e.label.clone().unwrap_or_else(|| e.date.words());
    let mut line = |text: String| push_folded(out, &text);
    line("BEGIN:VEVENT".into());
    line(format!("UID:{}@conflict-timeline", e.slug));
    line(format!("DTSTAMP:{stamp}"));
    line(format!("LAST-MODIFIED:{stamp}"));
    line(format!("DTSTART;VALUE=DATE:{}", ics_date(start)));
    line(format!("DTEND;VALUE=DATE:{}", ics_date(end.succ())));
    line(format!("SUMMARY:{}", ics_text(&e.title)));
    line(format!(
        "DESCRIPTION:{}",
        ics_text(&format!(
            "{}\n\nDate: {} (EDTF {})",
            e.summary, words, e.date
        ))
    ));
    if let Some(place) = &e.place {
        line(format!("LOCATION:{}", ics_text(place)));
    }
    if let Some(c) = e.coordinates {
        line(format!("GEO:{};{}", c.latitude, c.longitude));
    }
    line(format!("CATEGORIES:{}", ics_text(&e.category)));
    if let Some(url) = doc.event_url(&e.slug) {
        line(format!("URL:{url}"));
    }
    line("END:VEVENT".into());
}

/// A day as an iCalendar DATE: `YYYYMMDD`.
fn ics_date(day: Day) -> String {
    let (y, m, d) = day.ymd();
    format!("{y:04}{m:02}{d:02}")
}

/// `2025-11-25T06:05:06Z` → `20251125T060506Z`.
fn ics_stamp(timestamp: &str) -> String {
    let compact: String = timestamp
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == 'T' || *c == 'Z')
        .collect();
    if compact.len() == 16 {
        compact
    } else {
        "19700101T000000Z".to_string()
    }
}

/// Escapes an iCalendar TEXT value: backslash, `;`, `,` and newlines (RFC 5545 3.3.11);
/// control characters and bidi controls are dropped.
fn ics_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() || is_bidi_control(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends a content line, folded so that no line exceeds 75 octets (RFC 5545 3.1): a
/// continuation starts with a space, and a UTF-8 character is never split.
fn push_folded(out: &mut String, line: &str) {
    const MAX: usize = 75;
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > MAX {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ics_lines_fold_at_75_octets_without_splitting_characters() {
        let mut out = String::new();
        let line = format!("DESCRIPTION:{}", "ü".repeat(100));
        push_folded(&mut out, &line);
        for physical in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(physical.len() <= 75, "{} octets", physical.len());
        }
        let unfolded = out.trim_end().replace("\r\n ", "");
        assert_eq!(unfolded, line);
    }

    #[test]
    fn ics_text_escapes_separators() {
        assert_eq!(ics_text("a,b;c\\d\ne\r"), "a\\,b\\;c\\\\d\\ne");
        assert_eq!(ics_stamp("2025-11-25T06:05:06Z"), "20251125T060506Z");
    }

    #[test]
    fn ics_text_drops_bidi_controls() {
        assert_eq!(ics_text("Safe\u{202e}gnp.exe"), "Safegnp.exe");
    }
}
