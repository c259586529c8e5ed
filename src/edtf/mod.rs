//! EDTF (Extended Date/Time Format, Library of Congress; ISO 8601-2) dates for
//! conflict chronologies.
//!
//! Events in a chronology often have partial or uncertain dates, so each one
//! stores an EDTF string such as `1988-02-20`, `2004-06~`, `199X`, `2001-21`
//! or `1985-04-12/..`. This module parses and validates those strings,
//! derives the first and last calendar day a value can cover (stored as
//! integers for overlap queries, see [`Day`]), and words them for people
//! ("c. March 2023", "27 September – 10 November 2020").
//!
//! # Supported EDTF
//!
//! Exactly levels 0 and 1 of the specification, less negative, `Y`-prefixed
//! and exponential years (years are always four digits, 0000-9999):
//!
//! * dates `YYYY`, `YYYY-MM`, `YYYY-MM-DD` (real proleptic Gregorian dates);
//! * one qualifier at the end of a date: `?` uncertain, `~` approximate,
//!   `%` both (`1984?`, `2004-06~`, `2004-06-11%`);
//! * unspecified digits in the level 1 shapes `201X`, `20XX`, `2004-XX`,
//!   `1985-04-XX` and `1985-XX-XX` (uppercase `X` only);
//! * seasons `YYYY-21` (spring) to `YYYY-24` (winter);
//! * intervals `A/B` of any two dates, and intervals with one open (`..`) or
//!   unknown (empty) end: `1985/..`, `../1985`, `1985/`, `/1985`.
//!
//! Everything else (times, time zones, sets, per-component qualifiers, other
//! unspecified-digit patterns, sub-year groupings 25-41, ...) is rejected with
//! an [`EdtfError`] that names the problem. Every accepted string is already
//! canonical: `Edtf::parse(s)?.to_string() == s.trim()`.
//!
//! # Bounds
//!
//! [`Edtf::earliest`] and [`Edtf::latest`] are the first and last day the value
//! can cover: `1988-02` covers 1988-02-01 to 1988-02-29, `199X` 1990-01-01 to
//! 1999-12-31. An open or unknown start is [`Day::MIN`], an open or unknown end
//! [`Day::MAX`]. A `~` or `?` marks the value, it does not widen its bounds:
//! `1984~` covers exactly 1984.
//!
//! Plain dates typed into a filter form are parsed by [`parse_filter_date`],
//! which accepts only `YYYY`, `YYYY-MM` and `YYYY-MM-DD`.

mod day;
mod error;
mod parse;
mod words;

#[cfg(test)]
mod tests;

use std::fmt;
use std::str::FromStr;

pub use day::{Day, days_in_month, is_leap_year};
pub use error::{DateInputError, EdtfError};
pub use parse::parse_filter_date;

/// A parsed, validated EDTF value: a single date or an interval.
///
/// Build one with [`Edtf::parse`] (or `str::parse`); [`Display`](fmt::Display)
/// gives back the canonical EDTF text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edtf {
    kind: Kind,
}

/// The precision of a date: the unit its written digits pin down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precision {
    /// A decade with an unspecified last digit, such as `199X`.
    Decade,
    /// A century with two unspecified digits, such as `19XX`.
    Century,
    /// A year, such as `1988`; also `2023-XX` and `1985-XX-XX`.
    Year,
    /// A season, such as `2001-21`.
    Season,
    /// A month, such as `1988-02`; also `1985-04-XX`.
    Month,
    /// A day, such as `1988-02-20`.
    Day,
}

/// The shape of a value. Intervals always have at least one date, which the
/// variants enforce (there is no "open to open").
#[derive(Clone, Debug, PartialEq, Eq)]
enum Kind {
    /// `1988-02-20`
    Single(Date),
    /// `1988/1994`
    Closed(Date, Date),
    /// `1985-04-12/..` or `1985-04-12/`
    From(Date, Missing),
    /// `../1985-04-12` or `/1985-04-12`
    Until(Missing, Date),
}

/// A missing interval end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Missing {
    /// `..`: open (ongoing, or reaching back indefinitely).
    Open,
    /// Empty: unknown.
    Unknown,
}

/// One date with its optional qualifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Date {
    value: Value,
    qualifier: Option<Qualifier>,
}

/// The calendar part of a date. Years are 0..=9999, months 1..=12 and days
/// valid for their month; the parser guarantees this.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Value {
    /// `1988`
    Year(i32),
    /// `1988-02`
    Month(i32, u32),
    /// `1988-02-20`
    Day(i32, u32, u32),
    /// `199X`, holding the first year of the decade (1990).
    Decade(i32),
    /// `19XX`, holding the first year of the century (1900).
    Century(i32),
    /// `2023-XX`
    YearUnspecifiedMonth(i32),
    /// `1985-04-XX`
    MonthUnspecifiedDay(i32, u32),
    /// `1985-XX-XX`
    YearUnspecifiedMonthDay(i32),
    /// `2001-21` to `2001-24`
    Season(i32, Season),
}

/// The level 1 seasons (sub-year groupings 21-24).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Season {
    Spring,
    Summer,
    Autumn,
    Winter,
}

/// A date qualifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Qualifier {
    /// `?`
    Uncertain,
    /// `~`
    Approximate,
    /// `%`
    Both,
}

impl Edtf {
    /// Parses and validates an EDTF string (surrounding whitespace is trimmed first).
    pub fn parse(input: &str) -> Result<Edtf, EdtfError> {
        parse::parse(input)
    }

    /// The first day the value can cover ([`Day::MIN`] for an open or unknown start).
    pub fn earliest(&self) -> Day {
        match &self.kind {
            Kind::Single(d) | Kind::Closed(d, _) | Kind::From(d, _) => d.value.earliest(),
            Kind::Until(..) => Day::MIN,
        }
    }

    /// The last day the value can cover ([`Day::MAX`] for an open or unknown end).
    pub fn latest(&self) -> Day {
        match &self.kind {
            Kind::Single(d) | Kind::Closed(_, d) | Kind::Until(_, d) => d.value.latest(),
            Kind::From(..) => Day::MAX,
        }
    }

    /// Whether the value is an interval (`A/B`, including open and unknown ends).
    pub fn is_interval(&self) -> bool {
        !matches!(self.kind, Kind::Single(_))
    }

    /// Whether any date in the value is marked uncertain (`?` or `%`).
    pub fn is_uncertain(&self) -> bool {
        self.dates()
            .any(|d| matches!(d.qualifier, Some(Qualifier::Uncertain | Qualifier::Both)))
    }

    /// Whether any date in the value is marked approximate (`~` or `%`).
    pub fn is_approximate(&self) -> bool {
        self.dates()
            .any(|d| matches!(d.qualifier, Some(Qualifier::Approximate | Qualifier::Both)))
    }

    /// The precision of the start, or of the end for an interval whose start
    /// is open or unknown.
    pub fn precision(&self) -> Precision {
        match &self.kind {
            Kind::Single(d) | Kind::Closed(d, _) | Kind::From(d, _) | Kind::Until(_, d) => {
                d.value.precision()
            }
        }
    }

    /// The value in English, e.g. "c. March 2023", "19–20 September 2023",
    /// "since 12 December 2022" (see the `words` module for the rules).
    pub fn words(&self) -> String {
        words::words(self)
    }

    /// The start as a value for an HTML `<time datetime>` attribute:
    /// `"YYYY"`, `"YYYY-MM"` or `"YYYY-MM-DD"`.
    ///
    /// Unspecified digits give the longest fully known prefix (`2023-XX` →
    /// `"2023"`, `1985-04-XX` → `"1985-04"`), a season gives its year, and
    /// `199X`, `19XX` give `None` (HTML has no decade or century). `None` too
    /// when the start is open or unknown, and for the year 0000, which HTML
    /// does not allow (its years must be greater than zero).
    pub fn html_datetime(&self) -> Option<String> {
        match &self.kind {
            Kind::Single(d) | Kind::Closed(d, _) | Kind::From(d, _) => d.value.html_datetime(),
            Kind::Until(..) => None,
        }
    }

    /// The end of an interval as a value for an HTML `<time datetime>`
    /// attribute, following the rules of [`Edtf::html_datetime`]; `None` if the
    /// value is not an interval or its end is open or unknown.
    pub fn html_datetime_end(&self) -> Option<String> {
        match &self.kind {
            Kind::Closed(_, d) | Kind::Until(_, d) => d.value.html_datetime(),
            Kind::Single(_) | Kind::From(..) => None,
        }
    }

    /// The (one or two) dates of the value.
    fn dates(&self) -> impl Iterator<Item = &Date> {
        let (a, b) = match &self.kind {
            Kind::Single(d) | Kind::From(d, _) | Kind::Until(_, d) => (Some(d), None),
            Kind::Closed(a, b) => (Some(a), Some(b)),
        };
        a.into_iter().chain(b)
    }
}

impl fmt::Display for Edtf {
    /// The canonical EDTF text, e.g. `1984~/2004-06` or `1985-04-12/..`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Single(d) => write!(f, "{d}"),
            Kind::Closed(a, b) => write!(f, "{a}/{b}"),
            Kind::From(a, m) => write!(f, "{a}/{m}"),
            Kind::Until(m, b) => write!(f, "{m}/{b}"),
        }
    }
}

impl FromStr for Edtf {
    type Err = EdtfError;

    /// Same as [`Edtf::parse`].
    fn from_str(s: &str) -> Result<Edtf, EdtfError> {
        Edtf::parse(s)
    }
}

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Missing::Open => "..",
            Missing::Unknown => "",
        })
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.value {
            Value::Year(y) => write!(f, "{y:04}")?,
            Value::Month(y, m) => write!(f, "{y:04}-{m:02}")?,
            Value::Day(y, m, d) => write!(f, "{y:04}-{m:02}-{d:02}")?,
            Value::Decade(y) => write!(f, "{:03}X", y / 10)?,
            Value::Century(y) => write!(f, "{:02}XX", y / 100)?,
            Value::YearUnspecifiedMonth(y) => write!(f, "{y:04}-XX")?,
            Value::MonthUnspecifiedDay(y, m) => write!(f, "{y:04}-{m:02}-XX")?,
            Value::YearUnspecifiedMonthDay(y) => write!(f, "{y:04}-XX-XX")?,
            Value::Season(y, s) => write!(f, "{y:04}-{}", s.code())?,
        }
        if let Some(q) = self.qualifier {
            f.write_str(match q {
                Qualifier::Uncertain => "?",
                Qualifier::Approximate => "~",
                Qualifier::Both => "%",
            })?;
        }
        Ok(())
    }
}

impl Value {
    /// The first day this value covers.
    fn earliest(self) -> Day {
        self.bounds().0
    }

    /// The last day this value covers.
    fn latest(self) -> Day {
        self.bounds().1
    }

    /// The first and last day this value covers.
    fn bounds(self) -> (Day, Day) {
        let day = Day::from_valid_ymd;
        let year = |y| (day(y, 1, 1), day(y, 12, 31));
        let month = |y, m| (day(y, m, 1), day(y, m, days_in_month(y, m)));
        match self {
            Value::Year(y) | Value::YearUnspecifiedMonth(y) | Value::YearUnspecifiedMonthDay(y) => {
                year(y)
            }
            Value::Month(y, m) | Value::MonthUnspecifiedDay(y, m) => month(y, m),
            Value::Day(y, m, d) => (day(y, m, d), day(y, m, d)),
            Value::Decade(y) => (day(y, 1, 1), day(y + 9, 12, 31)),
            Value::Century(y) => (day(y, 1, 1), day(y + 99, 12, 31)),
            // Seasons follow the meteorological (northern hemisphere) reading,
            // whole months so that the bounds do not depend on astronomy:
            // spring = March-May, summer = June-August, autumn =
            // September-November, and winter YYYY = December YYYY to the end of
            // February YYYY+1 (the winter that *starts* in YYYY). Winter 9999
            // would end in 10000, so the parser rejects 9999-24 rather than
            // clamping it to Day::MAX.
            Value::Season(y, Season::Spring) => (day(y, 3, 1), day(y, 5, 31)),
            Value::Season(y, Season::Summer) => (day(y, 6, 1), day(y, 8, 31)),
            Value::Season(y, Season::Autumn) => (day(y, 9, 1), day(y, 11, 30)),
            Value::Season(y, Season::Winter) => {
                (day(y, 12, 1), day(y + 1, 2, days_in_month(y + 1, 2)))
            }
        }
    }

    /// See [`Precision`].
    fn precision(self) -> Precision {
        match self {
            Value::Year(_) | Value::YearUnspecifiedMonth(_) | Value::YearUnspecifiedMonthDay(_) => {
                Precision::Year
            }
            Value::Month(..) | Value::MonthUnspecifiedDay(..) => Precision::Month,
            Value::Day(..) => Precision::Day,
            Value::Decade(_) => Precision::Decade,
            Value::Century(_) => Precision::Century,
            Value::Season(..) => Precision::Season,
        }
    }

    /// See [`Edtf::html_datetime`].
    fn html_datetime(self) -> Option<String> {
        match self {
            Value::Year(0)
            | Value::Month(0, _)
            | Value::Day(0, _, _)
            | Value::YearUnspecifiedMonth(0)
            | Value::MonthUnspecifiedDay(0, _)
            | Value::YearUnspecifiedMonthDay(0)
            | Value::Season(0, _) => None,
            Value::Year(y)
            | Value::YearUnspecifiedMonth(y)
            | Value::YearUnspecifiedMonthDay(y)
            | Value::Season(y, _) => Some(format!("{y:04}")),
            Value::Month(y, m) | Value::MonthUnspecifiedDay(y, m) => Some(format!("{y:04}-{m:02}")),
            Value::Day(y, m, d) => Some(format!("{y:04}-{m:02}-{d:02}")),
            Value::Decade(_) | Value::Century(_) => None,
        }
    }
}

impl Season {
    /// The EDTF sub-year grouping code, 21-24.
    fn code(self) -> u32 {
        match self {
            Season::Spring => 21,
            Season::Summer => 22,
            Season::Autumn => 23,
            Season::Winter => 24,
        }
    }
}
