//! English wording of EDTF values (day month year, en dash for ranges).
//!
//! Rules:
//!
//! * years: "1988" from the year 1000 on, "AD 17" for the years 1-999, and
//!   "300 BCE" before that, counting as ISO 8601 does (`0000` is 1 BCE,
//!   `-0299` is 300 BCE); years of six digits or more are grouped
//!   ("170,000,002");
//! * dates: "20 February 1988", "February 1988", "1988"; unspecified digits
//!   read as the enclosing known unit ("2023-XX" → "2023", "1985-04-XX" →
//!   "April 1985"); decades as "1990s" (`199X`), centuries as the years they
//!   span, "1900–1999" (`19XX`), so that the two never read alike; seasons as
//!   "spring 1992" and winters, which span two years, as "winter 2001–02";
//!   other sub-year groupings as "spring 2001 (southern hemisphere)",
//!   "second quarter of 2001", "January–April 2001", "first half of 2001";
//! * times after the day: "12 April 1985, 23:20:30 UTC", "…, 23:20:30
//!   UTC-04:00", or "…, 23:20:30" (local time, no zone given);
//! * qualifiers: `~` → "c. " before, `?` → "?" after, `%` → both
//!   ("c. 11 June 2004?"); on the end of an interval, where a trailing "?"
//!   would seem to doubt the whole range, the end says it in words:
//!   "1868–1871 (end uncertain)", "1984 – c. 2004 (end uncertain)";
//! * ranges join their ends with an en dash, with a space on each side when
//!   either side has more than one word ("27 September – 10 November 2020")
//!   and none when both are single tokens ("1988–1994", "19–20 September 2023");
//! * when both ends are unqualified days or months of the same year, the shared
//!   year (and month) is said once: "19–20 September 2023",
//!   "April – 12 June 2024", "September–October 2023"; two plain years of the
//!   same era say it once ("AD 600–650", "500–301 BCE"). With a qualifier on
//!   either end nothing is shared, so the qualifier stays on its own end
//!   ("c. 1984 – June 2004");
//! * a range whose two ends read the same is said once ("2023-XX/2023" → "2023");
//! * open and unknown ends: "since X", "until X", "from X (end unknown)",
//!   "until X (start unknown)".

use super::{Date, Edtf, Grouping, Kind, Missing, Qualifier, Time, Value, Zone};

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

/// The English name of `month` (1-12); `"?"` for anything else. The one month
/// table of the crate: pages and feeds use it too.
pub fn month_name(month: u32) -> &'static str {
    usize::try_from(month)
        .ok()
        .and_then(|m| m.checked_sub(1))
        .and_then(|i| MONTHS.get(i))
        .copied()
        .unwrap_or("?")
}

/// A year (astronomical numbering) in words: "1988", "AD 17", "1 BCE" (year 0),
/// "300 BCE" (year -299), "170,000,002".
pub fn year_words(year: i64) -> String {
    match year {
        1000.. => grouped(year.unsigned_abs()),
        1..=999 => format!("AD {year}"),
        _ => format!("{} BCE", grouped(1 + year.unsigned_abs())),
    }
}

/// A year number without its era ("600", "301"), for ranges that say the era once.
fn bare_year(year: i64) -> String {
    if year >= 1 {
        grouped(year.unsigned_abs())
    } else {
        grouped(1 + year.unsigned_abs())
    }
}

/// Digits grouped by thousands from six digits on ("170,000,002"; "12345" stays as is).
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    if digits.len() < 6 {
        return digits;
    }
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
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

/// A date with its qualifier and time.
fn date_words(date: &Date) -> String {
    let text = match date.time {
        Some(t) => format!("{}, {}", value_words(date.value), time_words(t)),
        None => value_words(date.value),
    };
    qualified(date.qualifier, &text)
}

/// "23:20:30 UTC", "23:20:30 UTC+04:30", "23:20:30".
fn time_words(t: Time) -> String {
    let clock = format!("{:02}:{:02}:{:02}", t.hour, t.minute, t.second);
    match t.zone {
        None => clock,
        Some(Zone::Utc) => format!("{clock} UTC"),
        Some(Zone::Offset { minutes, .. }) => {
            let sign = if minutes < 0 { '-' } else { '+' };
            let abs = minutes.unsigned_abs();
            format!("{clock} UTC{sign}{:02}:{:02}", abs / 60, abs % 60)
        }
    }
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
            year_words(y)
        }
        Value::ExponentYear { .. } => year_words(value.year()),
        Value::Month(y, m) | Value::MonthUnspecifiedDay(y, m) => {
            format!("{} {}", month_name(m), year_words(y))
        }
        Value::Day(y, m, d) => format!("{d} {} {}", month_name(m), year_words(y)),
        Value::Unspecified { x: 1, .. } => decade_words(value),
        Value::Unspecified { .. } => {
            let (first, last) = value.unspecified_years();
            year_range(first, last)
        }
        Value::Grouping(y, g) => grouping_words(y, g),
    }
}

/// "1990s", "AD 50s"; decades touching year 0 or before it read as their years
/// ("1 BCE – AD 9", "2000–1991 BCE").
fn decade_words(value: Value) -> String {
    let (first, last) = value.unspecified_years();
    match first {
        1000.. => format!("{first}s"),
        10..=999 => format!("AD {first}s"),
        _ => year_range(first, last),
    }
}

/// Two years joined, the era said once when they share it.
fn year_range(first: i64, last: i64) -> String {
    match (first, last) {
        (1..=999, 1..) => format!("AD {}–{}", bare_year(first), bare_year(last)),
        (..=0, ..=0) => format!("{}–{} BCE", bare_year(first), bare_year(last)),
        _ => joined(&year_words(first), &year_words(last), ""),
    }
}

/// A season or another sub-year grouping.
fn grouping_words(y: i64, g: Grouping) -> String {
    let year = year_words(y);
    let ordinal = |n: u32| match n {
        1 => "first",
        2 => "second",
        3 => "third",
        _ => "fourth",
    };
    match g.0 {
        21 | 25 => format!("spring {year}"),
        22 | 26 => format!("summer {year}"),
        23 | 27 => format!("autumn {year}"),
        24 | 28 => format!("winter {}", winter_years(y)),
        29 => format!("spring {year} (southern hemisphere)"),
        30 => format!("summer {} (southern hemisphere)", winter_years(y)),
        31 => format!("autumn {year} (southern hemisphere)"),
        32 => format!("winter {year} (southern hemisphere)"),
        q @ 33..=36 => format!("{} quarter of {year}", ordinal(q - 32)),
        37..=39 => {
            let (m1, m2, _) = g.months();
            format!("{}–{} {year}", month_name(m1), month_name(m2))
        }
        h => format!("{} half of {year}", ordinal(h - 39)),
    }
}

/// The two years a winter spans: "2001–02", or in full across a century
/// ("1999–2000") and outside the years 1000-9999 ("AD 999–1000", "AD 800–801").
fn winter_years(year: i64) -> String {
    let next = year + 1;
    if (1000..=9998).contains(&year) && year / 100 == next / 100 {
        format!("{year}–{:02}", next % 100)
    } else {
        year_range(year, next)
    }
}

/// What a range can share between its two ends.
enum Shape {
    /// Day, month, year.
    Day(u32, u32, i64),
    /// Month, year.
    Month(u32, i64),
    /// A plain year.
    Year(i64),
    /// Anything else (decades, seasons, times): never shared.
    Other,
}

fn shape(date: &Date) -> Shape {
    if date.time.is_some() {
        return Shape::Other;
    }
    match date.value {
        Value::Day(y, m, d) => Shape::Day(d, m, y),
        Value::Month(y, m) | Value::MonthUnspecifiedDay(y, m) => Shape::Month(m, y),
        Value::Year(y) if (-9999..=9999).contains(&y) => Shape::Year(y),
        _ => Shape::Other,
    }
}

/// A closed interval `a/b`.
fn range_words(a: &Date, b: &Date) -> String {
    let first = date_words(a);
    // A "?" after the end would seem to doubt the whole range: say it in words.
    let end_uncertain = matches!(b.qualifier, Some(Qualifier::Uncertain | Qualifier::Both));
    let second = if end_uncertain {
        let approximate = matches!(b.qualifier, Some(Qualifier::Both));
        let plain = Date {
            qualifier: approximate.then_some(Qualifier::Approximate),
            ..*b
        };
        date_words(&plain)
    } else {
        date_words(b)
    };
    if first == second && !end_uncertain {
        return first;
    }
    let note = if end_uncertain {
        " (end uncertain)"
    } else {
        ""
    };
    if a.qualifier.is_none() && b.qualifier.is_none() {
        let name = month_name;
        let shared = match (shape(a), shape(b)) {
            (Shape::Day(d1, m1, y1), Shape::Day(d2, m2, y2)) if y1 == y2 && m1 == m2 => {
                Some(joined(
                    &d1.to_string(),
                    &d2.to_string(),
                    &format!(" {} {}", name(m1), year_words(y1)),
                ))
            }
            (Shape::Day(d1, m1, y1), Shape::Day(d2, m2, y2)) if y1 == y2 => {
                let (from, to) = (format!("{d1} {}", name(m1)), format!("{d2} {}", name(m2)));
                Some(joined(&from, &to, &format!(" {}", year_words(y1))))
            }
            (Shape::Month(m1, y1), Shape::Month(m2, y2)) if y1 == y2 => {
                Some(joined(name(m1), name(m2), &format!(" {}", year_words(y1))))
            }
            (Shape::Month(m1, y1), Shape::Day(d2, m2, y2)) if y1 == y2 => Some(joined(
                name(m1),
                &format!("{d2} {}", name(m2)),
                &format!(" {}", year_words(y1)),
            )),
            (Shape::Day(d1, m1, y1), Shape::Month(m2, y2)) if y1 == y2 => Some(joined(
                &format!("{d1} {}", name(m1)),
                name(m2),
                &format!(" {}", year_words(y1)),
            )),
            (Shape::Year(y1), Shape::Year(y2)) if y1 < 1000 || y2 < 1 => Some(year_range(y1, y2)),
            _ => None,
        };
        if let Some(shared) = shared {
            return shared;
        }
    }
    format!("{}{note}", joined(&first, &second, ""))
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
