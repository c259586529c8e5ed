//! Dates as the pages show them: words for people, `datetime` values for machines.

use crate::edtf::{Day, Edtf, Precision, year_words};

pub use crate::edtf::month_name;

/// A stored date ready for a template.
#[derive(Clone, Debug)]
pub struct DateView {
    /// "19–20 September 2023", or the curator's label ("mid-March 2023").
    pub words: String,
    /// The start for `<time datetime>`; None when the start is open or unknown.
    pub datetime: Option<String>,
    /// The end of an interval, for JSON-LD `endDate`.
    pub datetime_end: Option<String>,
    /// The EDTF value as stored.
    pub edtf: String,
    /// A note on precision for the event page ("known to the month", "approximate").
    pub precision_note: Option<String>,
}

impl DateView {
    /// Builds the view of a stored EDTF value and optional label. A stored value always
    /// parsed when it was imported; should it not, the raw text is shown rather than failing.
    pub fn new(edtf: &str, label: Option<&str>) -> DateView {
        match Edtf::parse(edtf) {
            Ok(date) => DateView {
                words: label.map(str::to_string).unwrap_or_else(|| date.words()),
                datetime: date.html_datetime(),
                datetime_end: date.html_datetime_end(),
                edtf: edtf.to_string(),
                precision_note: precision_note(&date),
            },
            Err(_) => DateView {
                words: label.unwrap_or(edtf).to_string(),
                datetime: None,
                datetime_end: None,
                edtf: edtf.to_string(),
                precision_note: None,
            },
        }
    }
}

fn precision_note(date: &Edtf) -> Option<String> {
    let mut notes = Vec::new();
    if date.is_interval() {
        notes.push("a span of time".to_string());
    } else {
        match date.precision() {
            Precision::Day => {}
            Precision::Month => notes.push("known to the month".to_string()),
            Precision::Season => notes.push(format!(
                "known to the {}",
                date.grouping_unit().unwrap_or("season")
            )),
            Precision::Year => notes.push("known to the year".to_string()),
            Precision::Decade => notes.push("known to the decade".to_string()),
            Precision::Century => notes.push("known to the century".to_string()),
        }
    }
    if date.is_approximate() {
        notes.push("approximate".to_string());
    }
    if date.is_uncertain() {
        notes.push("uncertain".to_string());
    }
    (!notes.is_empty()).then(|| notes.join(", "))
}

/// "February 1988" for the month a day falls in.
pub fn month_heading(day: Day) -> String {
    let (year, month, _) = day.ymd();
    format!("{} {}", month_name(month), year_words(i64::from(year)))
}

/// Formats a count with thousands separators: 1000000 → "1,000,000".
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_overrides_the_words_but_not_the_machine_date() {
        let v = DateView::new("2023-03~", Some("mid-March 2023"));
        assert_eq!(v.words, "mid-March 2023");
        assert_eq!(v.datetime.as_deref(), Some("2023-03"));
        assert_eq!(
            v.precision_note.as_deref(),
            Some("known to the month, approximate")
        );
    }

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
