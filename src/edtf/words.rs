//! English wording of EDTF values (day month year, en dash for ranges).
//!
//! Rules:
//!
//! * dates: "20 February 1988", "February 1988", "1988"; unspecified digits
//!   read as the enclosing known unit ("2023-XX" → "2023", "1985-04-XX" →
//!   "April 1985"), decades and centuries as "1990s" and "1900s", seasons as
//!   "spring 1992" and winters, which span two years, as "winter 2001–02";
//! * qualifiers: `~` → "c. " before, `?` → "?" after, `%` → both
//!   ("c. 11 June 2004?");
//! * ranges join their ends with an en dash, with a space on each side when
//!   either side has more than one word ("27 September – 10 November 2020")
//!   and none when both are single tokens ("1988–1994", "19–20 September 2023");
//! * when both ends are unqualified days or months of the same year, the shared
//!   year (and month) is said once: "19–20 September 2023",
//!   "April – 12 June 2024", "September–October 2023". With a qualifier on
//!   either end nothing is shared, so the qualifier stays on its own end
//!   ("c. 1984 – June 2004");
//! * a range whose two ends read the same is said once ("2023-XX/2023" → "2023");
//! * open and unknown ends: "since X", "until X", "from X (end unknown)",
//!   "until X (start unknown)".

use super::{Date, Edtf, Kind, Missing, Qualifier, Season, Value};

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The English name of `month` (1-12); `"?"` for anything else.
pub(super) fn month_name(month: u32) -> &'static str {
    usize::try_from(month)
        .ok()
        .and_then(|m| m.checked_sub(1))
        .and_then(|i| MONTHS.get(i))
        .copied()
        .unwrap_or("?")
}

/// See [`Edtf::words`].
pub(super) fn words(edtf: &Edtf) -> String {
    match &edtf.kind {
        Kind::Single(d) => date_words(d),
        Kind::Closed(a, b) => range_words(a, b),
        Kind::From(a, Missing::Open) => format!("since {}", date_words(a)),
        Kind::From(a, Missing::Unknown) => format!("from {} (end unknown)", date_words(a)),
        Kind::Until(Missing::Open, b) => format!("until {}", date_words(b)),
        Kind::Until(Missing::Unknown, b) => format!("until {} (start unknown)", date_words(b)),
    }
}

/// A date with its qualifier.
fn date_words(date: &Date) -> String {
    qualified(date.qualifier, &value_words(date.value))
}

/// `text` with the wording of `qualifier` around it.
fn qualified(qualifier: Option<Qualifier>, text: &str) -> String {
    match qualifier {
        None => text.to_owned(),
        Some(Qualifier::Uncertain) => format!("{text}?"),
        Some(Qualifier::Approximate) => format!("c. {text}"),
        Some(Qualifier::Both) => format!("c. {text}?"),
    }
}

/// A date without its qualifier.
fn value_words(value: Value) -> String {
    match value {
        Value::Year(y) | Value::YearUnspecifiedMonth(y) | Value::YearUnspecifiedMonthDay(y) => {
            y.to_string()
        }
        Value::Month(y, m) | Value::MonthUnspecifiedDay(y, m) => format!("{} {y}", month_name(m)),
        Value::Day(y, m, d) => format!("{d} {} {y}", month_name(m)),
        Value::Decade(y) | Value::Century(y) => format!("{y}s"),
        Value::Season(y, Season::Spring) => format!("spring {y}"),
        Value::Season(y, Season::Summer) => format!("summer {y}"),
        Value::Season(y, Season::Autumn) => format!("autumn {y}"),
        Value::Season(y, Season::Winter) => format!("winter {}", winter_years(y)),
    }
}

/// The two years a winter spans: "2001–02", or in full across a century
/// ("1999–2000") and for years below 1000 ("999–1000", "800–801").
fn winter_years(year: i32) -> String {
    let next = year + 1;
    if year >= 1000 && year / 100 == next / 100 {
        format!("{year}–{:02}", next % 100)
    } else {
        format!("{year}–{next}")
    }
}

/// What a range can share between its two ends.
enum Shape {
    /// Day, month, year.
    Day(u32, u32, i32),
    /// Month, year.
    Month(u32, i32),
    /// Anything else (years, decades, seasons): never shared.
    Other,
}

fn shape(value: Value) -> Shape {
    match value {
        Value::Day(y, m, d) => Shape::Day(d, m, y),
        Value::Month(y, m) | Value::MonthUnspecifiedDay(y, m) => Shape::Month(m, y),
        _ => Shape::Other,
    }
}

/// A closed interval `a/b`.
fn range_words(a: &Date, b: &Date) -> String {
    let (first, second) = (date_words(a), date_words(b));
    if first == second {
        return first;
    }
    if a.qualifier.is_none() && b.qualifier.is_none() {
        let name = month_name;
        match (shape(a.value), shape(b.value)) {
            (Shape::Day(d1, m1, y1), Shape::Day(d2, m2, y2)) if y1 == y2 && m1 == m2 => {
                return joined(
                    &d1.to_string(),
                    &d2.to_string(),
                    &format!(" {} {y1}", name(m1)),
                );
            }
            (Shape::Day(d1, m1, y1), Shape::Day(d2, m2, y2)) if y1 == y2 => {
                let (from, to) = (format!("{d1} {}", name(m1)), format!("{d2} {}", name(m2)));
                return joined(&from, &to, &format!(" {y1}"));
            }
            (Shape::Month(m1, y1), Shape::Month(m2, y2)) if y1 == y2 => {
                return joined(name(m1), name(m2), &format!(" {y1}"));
            }
            (Shape::Month(m1, y1), Shape::Day(d2, m2, y2)) if y1 == y2 => {
                return joined(name(m1), &format!("{d2} {}", name(m2)), &format!(" {y1}"));
            }
            (Shape::Day(d1, m1, y1), Shape::Month(m2, y2)) if y1 == y2 => {
                return joined(&format!("{d1} {}", name(m1)), name(m2), &format!(" {y1}"));
            }
            _ => {}
        }
    }
    joined(&first, &second, "")
}

/// `from`, an en dash, `to` and the shared `tail`; the dash is spaced when
/// either side has more than one word.
fn joined(from: &str, to: &str, tail: &str) -> String {
    let dash = if from.contains(' ') || to.contains(' ') {
        " – "
    } else {
        "–"
    };
    format!("{from}{dash}{to}{tail}")
}
