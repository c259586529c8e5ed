//! The EDTF parser and the filter-date parser.
//!
//! Both are hand-written scanners over `&str` that only ever slice right after
//! ASCII characters they have matched, so no input can make them panic.

use super::{
    Date, DateInputError, Day, Edtf, EdtfError, Kind, Missing, Qualifier, Season, Value,
    days_in_month,
};

/// Parses a full EDTF value: a date or an interval (see [`Edtf::parse`]).
pub(super) fn parse(input: &str) -> Result<Edtf, EdtfError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(EdtfError::Empty);
    }
    if s.starts_with(['[', '{']) {
        return Err(EdtfError::Set(s.to_owned()));
    }
    if s.contains(char::is_whitespace) {
        return Err(EdtfError::InternalWhitespace(s.to_owned()));
    }
    let kind = match s.split_once('/') {
        None if s == ".." => return Err(EdtfError::OpenOutsideInterval),
        None => Kind::Single(parse_date(s)?),
        Some((_, end)) if end.contains('/') => {
            return Err(EdtfError::TooManySlashes(s.to_owned()));
        }
        Some((start, end)) => match (parse_end(start)?, parse_end(end)?) {
            (End::Date(a), End::Date(b)) => {
                if a.value.earliest() > b.value.latest() {
                    return Err(EdtfError::IntervalReversed {
                        start: a.to_string(),
                        end: b.to_string(),
                    });
                }
                Kind::Closed(a, b)
            }
            (End::Date(a), End::Missing(m)) => Kind::From(a, m),
            (End::Missing(m), End::Date(b)) => Kind::Until(m, b),
            (End::Missing(_), End::Missing(_)) => {
                return Err(EdtfError::NoKnownDate(s.to_owned()));
            }
        },
    };
    Ok(Edtf { kind })
}

/// One side of an interval.
enum End {
    Date(Date),
    Missing(Missing),
}

/// Parses one side of an interval: `..` (open), empty (unknown) or a date.
fn parse_end(s: &str) -> Result<End, EdtfError> {
    match s {
        ".." => Ok(End::Missing(Missing::Open)),
        "" => Ok(End::Missing(Missing::Unknown)),
        _ => parse_date(s).map(End::Date),
    }
}

/// One two-character month or day component.
#[derive(Clone, Copy)]
enum Part {
    /// Two digits.
    Number(u32),
    /// `XX`
    Unspecified,
    /// A mix of digits and `X` such as `1X` (level 2).
    Mixed,
}

/// Splits off the leading run of digits and `X`/`x`.
fn take_digits(s: &str) -> (&str, &str) {
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == 'X' || c == 'x'))
        .unwrap_or(s.len());
    s.split_at(end)
}

/// Reads a two-character component (already checked to be two ASCII digits or `X`).
fn two_char_part(text: &str) -> Part {
    if text == "XX" {
        Part::Unspecified
    } else if text.contains('X') {
        Part::Mixed
    } else {
        text.parse().map_or(Part::Mixed, Part::Number)
    }
}

fn qualifier_of(c: char) -> Option<Qualifier> {
    match c {
        '?' => Some(Qualifier::Uncertain),
        '~' => Some(Qualifier::Approximate),
        '%' => Some(Qualifier::Both),
        _ => None,
    }
}

fn is_qualifier(c: char) -> bool {
    qualifier_of(c).is_some()
}

/// Parses a single (non-empty, whitespace-free) date with an optional final qualifier.
fn parse_date(text: &str) -> Result<Date, EdtfError> {
    let unexpected = |rest: &str| EdtfError::UnexpectedText(rest.to_owned());
    let mut chars = text.chars();
    let first = chars.next().ok_or(EdtfError::Empty)?;
    let second = chars.next();
    match first {
        'Y' | 'y' => return Err(EdtfError::PrefixedYear(text.to_owned())),
        '-' if second.is_some_and(|c| c.is_ascii_digit()) => {
            return Err(EdtfError::NegativeYear(text.to_owned()));
        }
        c if is_qualifier(c) && second.is_some_and(|c| c.is_ascii_digit() || c == 'X') => {
            return Err(EdtfError::PerComponentQualifier(text.to_owned()));
        }
        _ => {}
    }

    // Year: exactly four digits or X.
    let (year_text, mut rest) = take_digits(text);
    if year_text.contains('x') {
        return Err(EdtfError::LowercaseX(text.to_owned()));
    }
    if rest.starts_with('E') {
        return Err(EdtfError::Exponent(text.to_owned()));
    }
    if year_text.is_empty() {
        return Err(unexpected(text));
    }
    if year_text.len() != 4 {
        return Err(EdtfError::YearDigits(year_text.to_owned()));
    }
    if rest.starts_with('S') {
        return Err(EdtfError::SignificantDigits(text.to_owned()));
    }

    // Up to two more components, month (or season) and day, each `-` and two characters.
    let mut parts: Vec<Part> = Vec::with_capacity(2);
    while parts.len() < 2 {
        let Some(after_dash) = rest.strip_prefix('-') else {
            break;
        };
        if after_dash.starts_with(is_qualifier) {
            return Err(EdtfError::PerComponentQualifier(text.to_owned()));
        }
        let (part_text, after) = take_digits(after_dash);
        if part_text.contains('x') {
            return Err(EdtfError::LowercaseX(text.to_owned()));
        }
        if part_text.is_empty() {
            return Err(unexpected(rest));
        }
        if part_text.len() != 2 {
            return Err(if parts.is_empty() {
                EdtfError::MonthDigits(part_text.to_owned())
            } else {
                EdtfError::DayDigits(part_text.to_owned())
            });
        }
        parts.push(two_char_part(part_text));
        rest = after;
    }

    if rest.starts_with(['T', 't', 'Z', '+']) {
        return Err(EdtfError::Time(rest.to_owned()));
    }

    // At most one qualifier, and nothing after it.
    let mut after_qualifier = rest.chars();
    let qualifier = after_qualifier.next().and_then(qualifier_of);
    if qualifier.is_some() {
        rest = after_qualifier.as_str();
        if rest.starts_with('-') {
            return Err(EdtfError::PerComponentQualifier(text.to_owned()));
        }
        if !rest.is_empty() && rest.chars().all(is_qualifier) {
            return Err(EdtfError::MultipleQualifiers(text.to_owned()));
        }
    }
    if !rest.is_empty() {
        return Err(unexpected(rest));
    }

    let value = date_value(text, year_text, &parts)?;
    Ok(Date { value, qualifier })
}

/// The calendar value of a date whose syntax has been checked: `year_text` is
/// four digits or `X`, `parts` holds zero to two month/day components.
fn date_value(text: &str, year_text: &str, parts: &[Part]) -> Result<Value, EdtfError> {
    let level2 = || EdtfError::UnspecifiedDigits(text.to_owned());
    let (digits, unspecified) = year_text.split_at(year_text.find('X').unwrap_or(year_text.len()));
    // Only trailing X are level 1 (1XXX, XXXX, 19X5 are level 2).
    if unspecified.contains(|c: char| c != 'X') {
        return Err(level2());
    }
    let number: i32 = digits.parse().unwrap_or(0);
    let year = match (unspecified.len(), parts.is_empty()) {
        (0, _) => number,
        (1, true) => return Ok(Value::Decade(number * 10)),
        (2, true) => return Ok(Value::Century(number * 100)),
        // Three or four X, or a month after unspecified year digits (198X-04).
        _ => return Err(level2()),
    };

    match *parts {
        [] => Ok(Value::Year(year)),
        [Part::Mixed, ..] | [_, Part::Mixed] => Err(level2()),
        [Part::Unspecified] => Ok(Value::YearUnspecifiedMonth(year)),
        [Part::Unspecified, Part::Unspecified] => Ok(Value::YearUnspecifiedMonthDay(year)),
        [Part::Unspecified, Part::Number(_)] => Err(level2()),
        [Part::Number(m)] => match m {
            1..=12 => Ok(Value::Month(year, m)),
            21..=24 => season(year, m),
            _ => Err(bad_month(m)),
        },
        [Part::Number(m), day] => {
            if (21..=24).contains(&m) {
                return Err(EdtfError::SeasonWithDay(text.to_owned()));
            }
            if !(1..=12).contains(&m) {
                return Err(bad_month(m));
            }
            match day {
                Part::Unspecified => Ok(Value::MonthUnspecifiedDay(year, m)),
                Part::Number(d) if !(1..=31).contains(&d) => Err(EdtfError::DayOutOfRange(d)),
                Part::Number(d) => {
                    let days = days_in_month(year, m);
                    if d > days {
                        Err(EdtfError::NoSuchDay {
                            year,
                            month: m,
                            day: d,
                            days,
                        })
                    } else {
                        Ok(Value::Day(year, m, d))
                    }
                }
                Part::Mixed => Err(level2()),
            }
        }
        // More than two parts cannot happen (the scanner stops at two).
        [..] => Err(EdtfError::UnexpectedText(text.to_owned())),
    }
}

/// The error for a month number that is neither 01-12 nor a season.
fn bad_month(m: u32) -> EdtfError {
    if (25..=41).contains(&m) {
        EdtfError::SubYearGrouping(m)
    } else {
        EdtfError::MonthOutOfRange(m)
    }
}

/// A season 21-24 of `year`.
fn season(year: i32, code: u32) -> Result<Value, EdtfError> {
    let season = match code {
        21 => Season::Spring,
        22 => Season::Summer,
        23 => Season::Autumn,
        24 if year >= 9999 => return Err(EdtfError::WinterOutOfRange),
        24 => Season::Winter,
        other => return Err(bad_month(other)),
    };
    Ok(Value::Season(year, season))
}

/// Parses a date typed into a filter form or an API parameter and returns the
/// first and last day it covers: `"2020-02"` gives (2020-02-01, 2020-02-29).
///
/// Accepts exactly `YYYY`, `YYYY-MM` or `YYYY-MM-DD` with years 0000-9999,
/// after trimming surrounding whitespace; no qualifiers, no `X`, no intervals.
pub fn parse_filter_date(input: &str) -> Result<(Day, Day), DateInputError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(DateInputError::Empty);
    }
    let not_a_date = || DateInputError::NotADate(s.to_owned());
    let bytes = s.as_bytes();
    // Dashes exactly at 4 and 7, digits everywhere else, and one of three lengths.
    let shape_ok = matches!(bytes.len(), 4 | 7 | 10)
        && bytes.iter().enumerate().all(|(i, &b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !shape_ok {
        return Err(not_a_date());
    }
    // The shape check makes every byte ASCII, so these slices are safe.
    let num = |range: std::ops::Range<usize>| -> Result<u32, DateInputError> {
        s.get(range)
            .and_then(|t| t.parse().ok())
            .ok_or_else(not_a_date)
    };
    let year = i32::try_from(num(0..4)?).map_err(|_| not_a_date())?;
    let month = if bytes.len() >= 7 {
        Some(num(5..7)?)
    } else {
        None
    };
    let day = if bytes.len() == 10 {
        Some(num(8..10)?)
    } else {
        None
    };

    let day_of = |m, d| Day::from_ymd(year, m, d).ok_or_else(not_a_date);
    match (month, day) {
        (None, _) => Ok((day_of(1, 1)?, day_of(12, 31)?)),
        (Some(m), _) if !(1..=12).contains(&m) => Err(DateInputError::MonthOutOfRange {
            input: s.to_owned(),
            month: m,
        }),
        (Some(m), None) => Ok((day_of(m, 1)?, day_of(m, days_in_month(year, m))?)),
        (Some(_), Some(d)) if !(1..=31).contains(&d) => Err(DateInputError::DayOutOfRange {
            input: s.to_owned(),
            day: d,
        }),
        (Some(m), Some(d)) => {
            let days = days_in_month(year, m);
            if d > days {
                return Err(DateInputError::NoSuchDay {
                    input: s.to_owned(),
                    year,
                    month: m,
                    days,
                });
            }
            let day = day_of(m, d)?;
            Ok((day, day))
        }
    }
}
