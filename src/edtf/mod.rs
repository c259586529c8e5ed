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
//! All of levels 0 and 1 of the specification, and two level 2 features that
//! can be supported fully:
//!
//! * dates `YYYY`, `YYYY-MM`, `YYYY-MM-DD` (real proleptic Gregorian dates),
//!   negative years `-YYYY` (level 1) and `Y`-prefixed years of more than four
//!   digits, `Y170000002`, `Y-170000002` (level 1), also in exponential form
//!   `Y17E7`, `Y-17E7` (level 2);
//! * date-times `1985-04-12T23:20:30`, with `Z`, `±hh` or `±hh:mm` after it
//!   (level 0): the time is kept and shown, the bounds are its calendar day
//!   as written (the timeline's axis is by day);
//! * one qualifier at the end of a date: `?` uncertain, `~` approximate,
//!   `%` both (`1984?`, `2004-06~`, `2004-06-11%`);
//! * unspecified digits from the right: `201X`, `20XX`, `2004-XX`,
//!   `1985-04-XX`, `1985-XX-XX` (uppercase `X` only; also after a minus sign);
//! * seasons `YYYY-21` (spring) to `YYYY-24` (winter), and the level 2
//!   sub-year groupings 25-41 (seasons by hemisphere, quarters,
//!   quadrimesters, semesters);
//! * intervals `A/B` of any two dates, and intervals with one open (`..`) or
//!   unknown (empty) end: `1985/..`, `../1985`, `1985/`, `/1985`.
//!
//! Everything else (sets, per-component qualifiers, unspecified digits
//! elsewhere, significant digits, fractional seconds, `XXXX`, ...) is
//! rejected with an [`EdtfError`] that names the problem and says when a
//! feature is a level 2 one this module does not support. Every accepted
//! string is already canonical: `Edtf::parse(s)?.to_string() == s.trim()`.
//!
//! # Years
//!
//! Years are numbered as ISO 8601 does (astronomical numbering): `0000` is
//! 1 BCE, `-0001` is 2 BCE and `-0299` is 300 BCE. The words say "300 BCE"
//! for `-0299`, "AD 17" for `0017` and "1988" from the year 1000 on.
//!
//! # Bounds
//!
//! [`Edtf::earliest`] and [`Edtf::latest`] are the first and last day the value
//! can cover: `1988-02` covers 1988-02-01 to 1988-02-29, `199X` 1990-01-01 to
//! 1999-12-31. An open or unknown start is [`Day::MIN`], an open or unknown end
//! [`Day::MAX`], both far outside every real day. A `~` or `?` marks the
//! value, it does not widen its bounds: `1984~` covers exactly 1984.
//!
//! A [`Day`] holds the years -999999 to 999999. A `Y` year beyond them (such
//! as `Y170000002`) keeps its year in its text, words and
//! [`Edtf::earliest_iso`]/[`Edtf::latest_iso`], while its days are clamped to
//! [`Day::FIRST`] or [`Day::LAST`] so that it still sorts first or last
//! ([`Edtf::is_clamped`] tells).
//!
//! Plain dates typed into a filter form are parsed by [`parse_filter_date`],
//! which accepts `YYYY`, `YYYY-MM` and `YYYY-MM-DD` with years of one to six
//! digits, negative ones included (`600`, `-0300-05`).

mod day;
mod error;
mod parse;
mod words;

#[cfg(test)]
mod peers;
#[cfg(test)]
mod tests;

use std::fmt;
use std::str::FromStr;

pub use day::{Day, YEAR_MAX, YEAR_MIN, days_in_month, is_leap_year, year_text};
pub use error::{DateInputError, EdtfError};
pub use parse::parse_filter_date;
pub use words::{month_name, year_words};

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
    /// A season or another sub-year grouping, such as `2001-21` or `2001-34`.
    Season,
    /// A month, such as `1988-02`; also `1985-04-XX`.
    Month,
    /// A day, such as `1988-02-20`, with or without a time of day.
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

/// One date with its optional qualifier and time of day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Date {
    value: Value,
    qualifier: Option<Qualifier>,
    /// Only on a [`Value::Day`], never with a qualifier (the parser ensures both).
    time: Option<Time>,
}

/// The calendar part of a date. Years are astronomical (0 is 1 BCE), months
/// 1..=12 and days valid for their month; the parser guarantees this.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Value {
    /// `1988`, `-0300`, or a `Y` year written in full (`Y170000002`).
    Year(i64),
    /// `Y17E7`: `mantissa` × 10^`exponent` (level 2 exponential form).
    ExponentYear { mantissa: i64, exponent: u32 },
    /// `1988-02`
    Month(i64, u32),
    /// `1988-02-20`
    Day(i64, u32, u32),
    /// `199X` (digits 199, one X) or `19XX` (digits 19, two X), with a sign.
    Unspecified { negative: bool, digits: i64, x: u32 },
    /// `2023-XX`
    YearUnspecifiedMonth(i64),
    /// `1985-04-XX`
    MonthUnspecifiedDay(i64, u32),
    /// `1985-XX-XX`
    YearUnspecifiedMonthDay(i64),
    /// `2001-21` to `2001-41`
    Grouping(i64, Grouping),
}

/// A sub-year grouping: the level 1 seasons 21-24 and the level 2 codes 25-41.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Grouping(u32);

/// A time of day as written after `T`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Time {
    hour: u32,
    minute: u32,
    second: u32,
    zone: Option<Zone>,
}

/// The time zone of a [`Time`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Zone {
    /// `Z`
    Utc,
    /// `+04:30` (`minutes` = 270) or `-04` (`minutes` = -240, `with_minutes` false).
    Offset { minutes: i32, with_minutes: bool },
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

    /// The first day as `YYYY-MM-DD` (`-0300-01-01`, `170000002-01-01`), computed from
    /// the calendar value so that years beyond [`Day`]'s range are exact too; `None`
    /// for an open or unknown start.
    pub fn earliest_iso(&self) -> Option<String> {
        match &self.kind {
            Kind::Single(d) | Kind::Closed(d, _) | Kind::From(d, _) => {
                Some(ymd_iso(d.value.bounds_ymd().0))
            }
            Kind::Until(..) => None,
        }
    }

    /// The last day as `YYYY-MM-DD`, like [`Edtf::earliest_iso`]; `None` for an open
    /// or unknown end.
    pub fn latest_iso(&self) -> Option<String> {
        match &self.kind {
            Kind::Single(d) | Kind::Closed(_, d) | Kind::Until(_, d) => {
                Some(ymd_iso(d.value.bounds_ymd().1))
            }
            Kind::From(..) => None,
        }
    }

    /// Whether a bound lies beyond the years a [`Day`] holds and was clamped to
    /// [`Day::FIRST`] or [`Day::LAST`].
    pub fn is_clamped(&self) -> bool {
        self.dates().any(|d| {
            let ((y1, ..), (y2, ..)) = d.value.bounds_ymd();
            !(i64::from(YEAR_MIN)..=i64::from(YEAR_MAX)).contains(&y1)
                || !(i64::from(YEAR_MIN)..=i64::from(YEAR_MAX)).contains(&y2)
        })
    }

    /// Whether the value is an interval (`A/B`, including open and unknown ends).
    pub fn is_interval(&self) -> bool {
        !matches!(self.kind, Kind::Single(_))
    }

    /// Whether the start is open (`../…`) or unknown (`/…`).
    pub fn start_is_missing(&self) -> bool {
        matches!(self.kind, Kind::Until(..))
    }

    /// Whether the end is open (`…/..`) or unknown (`…/`).
    pub fn end_is_missing(&self) -> bool {
        matches!(self.kind, Kind::From(..))
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

    /// Whether a date of the value has a time of day (`1985-04-12T23:20:30Z`).
    pub fn has_time(&self) -> bool {
        self.dates().any(|d| d.time.is_some())
    }

    /// The precision of the start, or of the end for an interval whose start
    /// is open or unknown.
    pub fn precision(&self) -> Precision {
        self.first_date().value.precision()
    }

    /// For a sub-year grouping, the word for its unit ("season", "quarter",
    /// "four-month period", "half year"), for the start as [`Edtf::precision`] reads it.
    pub fn grouping_unit(&self) -> Option<&'static str> {
        match self.first_date().value {
            Value::Grouping(_, g) => Some(g.unit()),
            _ => None,
        }
    }

    /// The value in English, e.g. "c. March 2023", "19–20 September 2023",
    /// "since 12 December 2022" (see the `words` module for the rules).
    pub fn words(&self) -> String {
        words::words(self)
    }

    /// The start as a value for an HTML `<time datetime>` attribute:
    /// `"YYYY"`, `"YYYY-MM"`, `"YYYY-MM-DD"` or a date-time
    /// (`"1985-04-12T23:20:30Z"`, `"1985-04-12T23:20:30-04:00"`).
    ///
    /// Unspecified digits give the longest fully known prefix (`2023-XX` →
    /// `"2023"`, `1985-04-XX` → `"1985-04"`), a season gives its year, and
    /// `199X`, `19XX` give `None` (HTML has no decade or century). `None` too
    /// when the start is open or unknown, and for years before 1 (HTML's years
    /// must be greater than zero).
    pub fn html_datetime(&self) -> Option<String> {
        match &self.kind {
            Kind::Single(d) | Kind::Closed(d, _) | Kind::From(d, _) => d.html_datetime(),
            Kind::Until(..) => None,
        }
    }

    /// The end of an interval as a value for an HTML `<time datetime>`
    /// attribute, following the rules of [`Edtf::html_datetime`]; `None` if the
    /// value is not an interval or its end is open or unknown.
    pub fn html_datetime_end(&self) -> Option<String> {
        match &self.kind {
            Kind::Closed(_, d) | Kind::Until(_, d) => d.html_datetime(),
            Kind::Single(_) | Kind::From(..) => None,
        }
    }

    /// The start, or the end when the start is missing.
    fn first_date(&self) -> &Date {
        match &self.kind {
            Kind::Single(d) | Kind::Closed(d, _) | Kind::From(d, _) | Kind::Until(_, d) => d,
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

/// `(year, month, day)` as `YYYY-MM-DD` with [`year_text`]'s year.
fn ymd_iso((y, m, d): (i64, u32, u32)) -> String {
    let year = if y < 0 {
        format!("-{:04}", y.unsigned_abs())
    } else {
        format!("{y:04}")
    };
    format!("{year}-{m:02}-{d:02}")
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

/// A four-digit (at least) year with its sign, as a date component.
fn year4(y: i64) -> String {
    if y < 0 {
        format!("-{:04}", y.unsigned_abs())
    } else {
        format!("{y:04}")
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.value {
            Value::Year(y) if !(-9999..=9999).contains(&y) => write!(f, "Y{y}")?,
            Value::Year(y) => f.write_str(&year4(y))?,
            Value::ExponentYear { mantissa, exponent } => write!(f, "Y{mantissa}E{exponent}")?,
            Value::Month(y, m) => write!(f, "{}-{m:02}", year4(y))?,
            Value::Day(y, m, d) => write!(f, "{}-{m:02}-{d:02}", year4(y))?,
            Value::Unspecified {
                negative,
                digits,
                x,
            } => {
                let width = usize::try_from(4 - x.min(4)).unwrap_or(0);
                let sign = if negative { "-" } else { "" };
                let xs = "X".repeat(usize::try_from(x).unwrap_or(0));
                write!(f, "{sign}{digits:0width$}{xs}")?;
            }
            Value::YearUnspecifiedMonth(y) => write!(f, "{}-XX", year4(y))?,
            Value::MonthUnspecifiedDay(y, m) => write!(f, "{}-{m:02}-XX", year4(y))?,
            Value::YearUnspecifiedMonthDay(y) => write!(f, "{}-XX-XX", year4(y))?,
            Value::Grouping(y, g) => write!(f, "{}-{}", year4(y), g.0)?,
        }
        if let Some(t) = self.time {
            write!(f, "T{:02}:{:02}:{:02}", t.hour, t.minute, t.second)?;
            match t.zone {
                None => {}
                Some(Zone::Utc) => f.write_str("Z")?,
                Some(Zone::Offset {
                    minutes,
                    with_minutes,
                }) => {
                    let sign = if minutes < 0 { '-' } else { '+' };
                    let abs = minutes.unsigned_abs();
                    write!(f, "{sign}{:02}", abs / 60)?;
                    if with_minutes {
                        write!(f, ":{:02}", abs % 60)?;
                    }
                }
            }
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

impl Date {
    /// See [`Edtf::html_datetime`].
    fn html_datetime(&self) -> Option<String> {
        let date = self.value.html_datetime()?;
        let Some(t) = self.time else {
            return Some(date);
        };
        let zone = match t.zone {
            None => String::new(),
            Some(Zone::Utc) => "Z".to_owned(),
            Some(Zone::Offset { minutes, .. }) => {
                let sign = if minutes < 0 { '-' } else { '+' };
                let abs = minutes.unsigned_abs();
                format!("{sign}{:02}:{:02}", abs / 60, abs % 60)
            }
        };
        Some(format!(
            "{date}T{:02}:{:02}:{:02}{zone}",
            t.hour, t.minute, t.second
        ))
    }
}

impl Value {
    /// The first day this value covers (clamped into [`Day::FIRST`]..=[`Day::LAST`]).
    fn earliest(self) -> Day {
        let (y, m, d) = self.bounds_ymd().0;
        Day::clamped_ymd(y, m, d)
    }

    /// The last day this value covers (clamped into [`Day::FIRST`]..=[`Day::LAST`]).
    fn latest(self) -> Day {
        let (y, m, d) = self.bounds_ymd().1;
        Day::clamped_ymd(y, m, d)
    }

    /// The first and last `(year, month, day)` this value covers.
    fn bounds_ymd(self) -> ((i64, u32, u32), (i64, u32, u32)) {
        let dim = |y: i64, m| days_in_month(i32::try_from(y.rem_euclid(400)).unwrap_or(0), m);
        let year = |y| ((y, 1, 1), (y, 12, 31));
        let months = |y, m1, y2, m2| ((y, m1, 1), (y2, m2, dim(y2, m2)));
        match self {
            Value::Year(y) | Value::YearUnspecifiedMonth(y) | Value::YearUnspecifiedMonthDay(y) => {
                year(y)
            }
            Value::ExponentYear { .. } => year(self.year()),
            Value::Month(y, m) | Value::MonthUnspecifiedDay(y, m) => months(y, m, y, m),
            Value::Day(y, m, d) => ((y, m, d), (y, m, d)),
            Value::Unspecified { .. } => {
                let (first, last) = self.unspecified_years();
                ((first, 1, 1), (last, 12, 31))
            }
            Value::Grouping(y, g) => {
                let (m1, m2, next_year) = g.months();
                months(y, m1, y + i64::from(next_year), m2)
            }
        }
    }

    /// The year of a single-year value (the first year for others).
    fn year(self) -> i64 {
        match self {
            Value::Year(y)
            | Value::Month(y, _)
            | Value::Day(y, _, _)
            | Value::YearUnspecifiedMonth(y)
            | Value::MonthUnspecifiedDay(y, _)
            | Value::YearUnspecifiedMonthDay(y)
            | Value::Grouping(y, _) => y,
            Value::ExponentYear { mantissa, exponent } => 10i64
                .checked_pow(exponent)
                .and_then(|p| mantissa.checked_mul(p))
                .unwrap_or(mantissa),
            Value::Unspecified { .. } => self.unspecified_years().0,
        }
    }

    /// The first and last year of `199X`, `19XX`, `-199X` (-1999 to -1990).
    fn unspecified_years(self) -> (i64, i64) {
        let Value::Unspecified {
            negative,
            digits,
            x,
        } = self
        else {
            let y = self.year();
            return (y, y);
        };
        let span = 10i64.pow(x.min(3));
        let (low, high) = (digits * span, digits * span + span - 1);
        if negative { (-high, -low) } else { (low, high) }
    }

    /// See [`Precision`].
    fn precision(self) -> Precision {
        match self {
            Value::Year(_)
            | Value::ExponentYear { .. }
            | Value::YearUnspecifiedMonth(_)
            | Value::YearUnspecifiedMonthDay(_) => Precision::Year,
            Value::Month(..) | Value::MonthUnspecifiedDay(..) => Precision::Month,
            Value::Day(..) => Precision::Day,
            Value::Unspecified { x: 1, .. } => Precision::Decade,
            Value::Unspecified { .. } => Precision::Century,
            Value::Grouping(..) => Precision::Season,
        }
    }

    /// See [`Edtf::html_datetime`]: HTML years are four digits or more, above zero.
    fn html_datetime(self) -> Option<String> {
        let y = self.year();
        if y < 1 {
            return None;
        }
        match self {
            Value::Year(_)
            | Value::ExponentYear { .. }
            | Value::YearUnspecifiedMonth(_)
            | Value::YearUnspecifiedMonthDay(_)
            | Value::Grouping(..) => Some(format!("{y:04}")),
            Value::Month(_, m) | Value::MonthUnspecifiedDay(_, m) => Some(format!("{y:04}-{m:02}")),
            Value::Day(_, m, d) => Some(format!("{y:04}-{m:02}-{d:02}")),
            Value::Unspecified { .. } => None,
        }
    }
}

impl Grouping {
    /// The first month, the last month, and whether the last month is in the next year.
    ///
    /// Seasons follow the meteorological reading, whole months so that the bounds do
    /// not depend on astronomy: spring = March-May, summer = June-August, autumn =
    /// September-November, and winter YYYY = December YYYY to the end of February
    /// YYYY+1 (the winter that *starts* in YYYY); 21-24 and 25-28 are the northern
    /// hemisphere's, 29-32 the southern's (spring = September-November, summer =
    /// December-February). 33-36 are quarters, 37-39 quadrimesters (four months),
    /// 40-41 semesters (six months).
    fn months(self) -> (u32, u32, bool) {
        match self.0 {
            21 | 25 | 31 => (3, 5, false),
            22 | 26 | 32 => (6, 8, false),
            23 | 27 | 29 => (9, 11, false),
            24 | 28 | 30 => (12, 2, true),
            33 => (1, 3, false),
            34 => (4, 6, false),
            35 => (7, 9, false),
            36 => (10, 12, false),
            37 => (1, 4, false),
            38 => (5, 8, false),
            39 => (9, 12, false),
            40 => (1, 6, false),
            _ => (7, 12, false),
        }
    }

    /// See [`Edtf::grouping_unit`].
    fn unit(self) -> &'static str {
        match self.0 {
            21..=32 => "season",
            33..=36 => "quarter",
            37..=39 => "four-month period",
            _ => "half year",
        }
    }
}
