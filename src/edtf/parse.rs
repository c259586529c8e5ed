//! The EDTF parser and the filter-date parser.
//!
//! Both are hand-written scanners over `&str` that only ever slice right after
//! ASCII characters they have matched, so no input can make them panic.

use super::{
    Date, DateInputError, Day, Edtf, EdtfError, Grouping, Kind, Missing, Qualifier, Time, Value,
    YEAR_MAX, YEAR_MIN, Zone, days_in_month,
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
        // Whitespace is the problem only in something written like a date;
        // otherwise ("not a date") the text itself is.
        let date_like = s
            .chars()
            .all(|c| c.is_whitespace() || c.is_ascii_digit() || "XYEST:Z+-/.?~%".contains(c));
        return Err(if date_like {
            EdtfError::InternalWhitespace(s.to_owned())
        } else {
            EdtfError::UnexpectedText(s.to_owned())
        });
    }
    parse_value(s)
}

/// Parses a trimmed, whitespace-free value.
fn parse_value(s: &str) -> Result<Edtf, EdtfError> {
    let kind = match s.split_once('/') {
        None if s == ".." => return Err(EdtfError::OpenOutsideInterval),
        None => Kind::Single(parse_date(s)?),
        Some((_, end)) if end.contains('/') => {
            return Err(EdtfError::TooManySlashes(s.to_owned()));
        }
        Some((start, end)) => match (parse_end(start)?, parse_end(end)?) {
            (End::Date(a), End::Date(b)) => {
                if a.value.earliest() > b.value.latest()
                    || a.value.bounds_ymd().0 > b.value.bounds_ymd().1
                {
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

/// Splits off the leading run of ASCII digits.
fn take_only_digits(s: &str) -> (&str, &str) {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
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

/// Reads the optional final qualifier of a date; `rest` must then be empty.
fn final_qualifier(text: &str, rest: &str) -> Result<Option<Qualifier>, EdtfError> {
    let mut chars = rest.chars();
    let Some(qualifier) = chars.next().and_then(qualifier_of) else {
        return if rest.is_empty() {
            Ok(None)
        } else {
            Err(EdtfError::UnexpectedText(rest.to_owned()))
        };
    };
    let after = chars.as_str();
    if after.starts_with('-') {
        return Err(EdtfError::PerComponentQualifier(text.to_owned()));
    }
    if !after.is_empty() && after.chars().all(is_qualifier) {
        return Err(EdtfError::MultipleQualifiers(text.to_owned()));
    }
    if !after.is_empty() {
        return Err(EdtfError::UnexpectedText(after.to_owned()));
    }
    Ok(Some(qualifier))
}

/// Parses a single (non-empty, whitespace-free) date with an optional final qualifier.
fn parse_date(text: &str) -> Result<Date, EdtfError> {
    let unexpected = |rest: &str| EdtfError::UnexpectedText(rest.to_owned());
    let first = text.chars().next().ok_or(EdtfError::Empty)?;
    match first {
        'Y' => return parse_prefixed_year(text),
        'y' => return Err(EdtfError::LowercaseY(text.to_owned())),
        '+' => return Err(EdtfError::PlusSign(text.to_owned())),
        c if is_qualifier(c) => return Err(EdtfError::PerComponentQualifier(text.to_owned())),
        _ => {}
    }
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(after) if after.starts_with(|c: char| c.is_ascii_digit() || c == 'X') => (true, after),
        _ => (false, text),
    };

    // Year: exactly four digits or X.
    let (year_text, mut rest) = take_digits(unsigned);
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
    if negative && year_text == "0000" {
        return Err(EdtfError::NegativeZero(text.to_owned()));
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

    let value = date_value(text, negative, year_text, &parts)?;

    if rest.starts_with('t') {
        return Err(EdtfError::LowercaseT(text.to_owned()));
    }
    if rest.starts_with(['Z', '+']) {
        return Err(EdtfError::ZoneWithoutTime(text.to_owned()));
    }
    if let Some(time_text) = rest.strip_prefix('T') {
        if !matches!(value, Value::Day(..)) {
            return Err(EdtfError::TimeWithoutDay(text.to_owned()));
        }
        let time = parse_time(text, time_text)?;
        return Ok(Date {
            value,
            qualifier: None,
            time: Some(time),
        });
    }
    let qualifier = final_qualifier(text, rest)?;
    Ok(Date {
        value,
        qualifier,
        time: None,
    })
}

/// Parses what follows `T`: `hh:mm:ss`, then `Z`, `±hh`, `±hh:mm` or nothing.
fn parse_time(text: &str, t: &str) -> Result<Time, EdtfError> {
    let malformed = || EdtfError::TimeMalformed(text.to_owned());
    let two = |s: &str| -> Option<u32> {
        (s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (hms, zone_text) = t.split_at(t.find(['Z', '+', '-', '.', ',']).unwrap_or(t.len()));
    if zone_text.starts_with(['.', ',']) {
        return Err(EdtfError::FractionalSeconds(text.to_owned()));
    }
    if t.contains(is_qualifier) {
        return Err(EdtfError::QualifiedTime(text.to_owned()));
    }
    let mut fields = hms.split(':');
    let (Some(h), Some(m), Some(sec), None) = (
        fields.next().and_then(two),
        fields.next().and_then(two),
        fields.next().and_then(two),
        fields.next(),
    ) else {
        return Err(malformed());
    };
    let out_of_range = |what: String| EdtfError::TimeOutOfRange {
        input: text.to_owned(),
        what,
    };
    if h > 23 {
        return Err(out_of_range(format!("hour {h:02} (expected 00-23)")));
    }
    if m > 59 {
        return Err(out_of_range(format!("minute {m:02} (expected 00-59)")));
    }
    if sec > 59 {
        return Err(out_of_range(format!("second {sec:02} (expected 00-59)")));
    }
    let zone = match zone_text {
        "" => None,
        "Z" => Some(Zone::Utc),
        _ if !zone_text.starts_with(['+', '-']) => return Err(malformed()),
        _ => {
            let (sign, offset) = zone_text.split_at(1);
            let negative = sign == "-";
            let (oh, om, with_minutes) = match offset.split_once(':') {
                Some((oh, om)) => (two(oh), two(om), true),
                None => (two(offset), Some(0), false),
            };
            let (Some(oh), Some(om)) = (oh, om) else {
                return Err(malformed());
            };
            if om > 59 {
                return Err(out_of_range(format!(
                    "offset minutes {om:02} (expected 00-59)"
                )));
            }
            let magnitude = i32::try_from(oh * 60 + om).unwrap_or(i32::MAX);
            let minutes = if negative { -magnitude } else { magnitude };
            // RFC 3339 gives -00:00 the meaning "offset unknown"; offsets in use run
            // from -12:00 to +14:00.
            if (negative && magnitude == 0) || !(-720..=840).contains(&minutes) {
                return Err(out_of_range(format!(
                    "offset {zone_text} (expected -12:00 to +14:00, and +00:00 rather than -00:00)"
                )));
            }
            Some(Zone::Offset {
                minutes,
                with_minutes,
            })
        }
    };
    Ok(Time {
        hour: h,
        minute: m,
        second: sec,
        zone,
    })
}

/// Parses a `Y` year: `Y170000002`, `Y-170000002`, `Y17E7`, `Y-17E7`, with an
/// optional final qualifier.
fn parse_prefixed_year(text: &str) -> Result<Date, EdtfError> {
    let body = text.strip_prefix('Y').unwrap_or(text);
    let (negative, body) = match body.strip_prefix('-') {
        Some(after) => (true, after),
        None => (false, body),
    };
    let (digits, rest) = take_only_digits(body);
    let bad_digits = || EdtfError::PrefixedYearDigits(text.to_owned());
    if digits.is_empty() || digits.starts_with('0') {
        return Err(bad_digits());
    }
    let too_large = || EdtfError::YearTooLarge(text.to_owned());
    let mantissa: i64 = digits.parse().map_err(|_| too_large())?;
    let mantissa = if negative { -mantissa } else { mantissa };
    let (value, rest) = match rest.strip_prefix('E') {
        Some(after) => {
            let (exp_digits, rest) = take_only_digits(after);
            let exponent: u32 = exp_digits
                .parse()
                .map_err(|_| EdtfError::UnexpectedText(after.to_owned()))?;
            if exponent == 0 {
                return Err(EdtfError::UnexpectedText(format!("E{after}")));
            }
            10i64
                .checked_pow(exponent)
                .and_then(|p| mantissa.checked_mul(p))
                .filter(|y| y.unsigned_abs() < 10u64.pow(18))
                .ok_or_else(too_large)?;
            (Value::ExponentYear { mantissa, exponent }, rest)
        }
        None => {
            if digits.len() <= 4 {
                return Err(bad_digits());
            }
            if digits.len() > 18 {
                return Err(too_large());
            }
            (Value::Year(mantissa), rest)
        }
    };
    if rest.starts_with('S') {
        return Err(EdtfError::SignificantDigits(text.to_owned()));
    }
    if rest.starts_with('-') {
        return Err(EdtfError::PrefixedYearWithMonth(text.to_owned()));
    }
    let qualifier = final_qualifier(text, rest)?;
    Ok(Date {
        value,
        qualifier,
        time: None,
    })
}

/// The calendar value of a date whose syntax has been checked: `year_text` is
/// four digits or `X` (after the sign), `parts` holds zero to two month/day components.
fn date_value(
    text: &str,
    negative: bool,
    year_text: &str,
    parts: &[Part],
) -> Result<Value, EdtfError> {
    let level2 = || EdtfError::UnspecifiedDigits(text.to_owned());
    let (digits, unspecified) = year_text.split_at(year_text.find('X').unwrap_or(year_text.len()));
    // Only trailing X are level 1 (1XXX, 19X5 are level 2; XXXX places nothing).
    if unspecified.contains(|c: char| c != 'X') {
        return Err(level2());
    }
    if unspecified.len() == 4 {
        return Err(EdtfError::UnspecifiedYear(text.to_owned()));
    }
    let number: i64 = digits.parse().unwrap_or(0);
    let year = match (unspecified.len(), parts.is_empty()) {
        (0, _) => {
            if negative {
                -number
            } else {
                number
            }
        }
        (x @ 1..=2, true) => {
            if negative && number == 0 {
                return Err(EdtfError::NegativeZero(text.to_owned()));
            }
            return Ok(Value::Unspecified {
                negative,
                digits: number,
                x: u32::try_from(x).unwrap_or(1),
            });
        }
        // Three X, or a month after unspecified year digits (198X-04).
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
            21..=41 => Ok(Value::Grouping(year, Grouping(m))),
            _ => Err(EdtfError::MonthOutOfRange(m)),
        },
        [Part::Number(m), day] => {
            if (21..=41).contains(&m) {
                return Err(EdtfError::SeasonWithDay(text.to_owned()));
            }
            if !(1..=12).contains(&m) {
                return Err(EdtfError::MonthOutOfRange(m));
            }
            match day {
                Part::Unspecified => Ok(Value::MonthUnspecifiedDay(year, m)),
                Part::Number(d) if !(1..=31).contains(&d) => Err(EdtfError::DayOutOfRange(d)),
                Part::Number(d) => {
                    let days = days_in_month(i32::try_from(year).unwrap_or(0), m);
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

/// Parses a date typed into a filter form or an API parameter and returns the
/// first and last day it covers: `"2020-02"` gives (2020-02-01, 2020-02-29).
///
/// Accepts `YYYY`, `YYYY-MM` or `YYYY-MM-DD` after trimming surrounding
/// whitespace, where the year has one to six digits and may start with `-`
/// (astronomical numbering, as in EDTF: `600`, `0600`, `-0300`, `-300-05`);
/// no qualifiers, no `X`, no intervals.
pub fn parse_filter_date(input: &str) -> Result<(Day, Day), DateInputError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(DateInputError::Empty);
    }
    let not_a_date = || DateInputError::NotADate(s.to_owned());
    let (negative, unsigned) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let mut fields = unsigned.split('-');
    let year_text = fields.next().unwrap_or("");
    let month_text = fields.next();
    let day_text = fields.next();
    let all_digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let shape_ok = fields.next().is_none()
        && (1..=6).contains(&year_text.len())
        && all_digits(year_text)
        && month_text.is_none_or(|m| m.len() == 2 && all_digits(m))
        && day_text.is_none_or(|d| d.len() == 2 && all_digits(d));
    if !shape_ok {
        return Err(not_a_date());
    }
    let magnitude: i32 = year_text.parse().map_err(|_| not_a_date())?;
    let year = if negative { -magnitude } else { magnitude };
    if negative && magnitude == 0 || !(YEAR_MIN..=YEAR_MAX).contains(&year) {
        return Err(not_a_date());
    }
    let num = |t: Option<&str>| t.and_then(|t| t.parse::<u32>().ok());
    let (month, day) = (num(month_text), num(day_text));

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
