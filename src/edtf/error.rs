//! Errors for EDTF values and for plain filter dates.
//!
//! Every message names the offending part of the input, so it can be shown to
//! the person who typed it as is.

use super::words::month_name;

/// Why a string is not a supported EDTF value (see [`Edtf::parse`](super::Edtf::parse)).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EdtfError {
    /// The input was empty or only whitespace.
    #[error("empty date")]
    Empty,
    /// Text that is not part of any supported date shape.
    #[error("unexpected text \"{0}\" (expected a date such as 1988, 1988-02 or 1988-02-20)")]
    UnexpectedText(String),
    /// Whitespace inside the value (surrounding whitespace is trimmed).
    #[error("whitespace inside \"{0}\" is not allowed")]
    InternalWhitespace(String),
    /// A year with fewer or more than four digits.
    #[error("years must have four digits (0000-9999), found \"{0}\"")]
    YearDigits(String),
    /// A month (or season) that does not have exactly two digits.
    #[error("month \"{0}\" must have two digits (01-12)")]
    MonthDigits(String),
    /// A day that does not have exactly two digits.
    #[error("day \"{0}\" must have two digits (01-31)")]
    DayDigits(String),
    /// A month outside 01-12 that is not a season either.
    #[error("month {0:02} is out of range (expected 01-12)")]
    MonthOutOfRange(u32),
    /// A sub-year grouping 25-41 (quarters, semesters, hemisphere seasons): level 2.
    #[error(
        "sub-year grouping {0} is not supported (expected a month 01-12 or a season 21-24; groupings 25-41 are level 2)"
    )]
    SubYearGrouping(u32),
    /// A day outside 01-31.
    #[error("day {0:02} is out of range (expected 01-31)")]
    DayOutOfRange(u32),
    /// A day past the end of its month, such as 30 February.
    #[error(
        "{day} {} {year} does not exist ({} {year} has {days} days)",
        month_name(*.month),
        month_name(*.month)
    )]
    NoSuchDay {
        /// The year as written.
        year: i32,
        /// The month, 1-12.
        month: u32,
        /// The day as written.
        day: u32,
        /// How many days the month has.
        days: u32,
    },
    /// A season followed by a day, such as `2001-21-05`.
    #[error("a season has no days: \"{0}\" (use 2001-21 or a month such as 2001-03-05)")]
    SeasonWithDay(String),
    /// Winter 9999 would run into the year 10000.
    #[error("winter 9999 (9999-24) ends in the year 10000, after the last supported year 9999")]
    WinterOutOfRange,
    /// Unspecified digits (`X`) in a level 2 pattern such as `1XXX` or `1985-XX-12`.
    #[error(
        "unspecified digits in \"{0}\" are not supported: only the shapes 199X, 19XX, 1985-XX, 1985-04-XX and 1985-XX-XX are (other patterns are level 2)"
    )]
    UnspecifiedDigits(String),
    /// A lowercase `x` for an unspecified digit.
    #[error("unspecified digits must be an uppercase X: \"{0}\"")]
    LowercaseX(String),
    /// A qualifier on a single component, such as `2004?-06` or `?2004`.
    #[error(
        "level 2 features such as per-component qualifiers are not supported: \"{0}\" (put one ?, ~ or % at the end of the date)"
    )]
    PerComponentQualifier(String),
    /// Two or more qualifiers, such as `1984?~`.
    #[error("more than one qualifier in \"{0}\" (use % for uncertain and approximate)")]
    MultipleQualifiers(String),
    /// A negative year such as `-1985`.
    #[error("negative years are not supported: \"{0}\" (years must be 0000-9999)")]
    NegativeYear(String),
    /// A `Y`-prefixed year such as `Y170000002`.
    #[error("years with a Y prefix are not supported: \"{0}\" (years must be 0000-9999)")]
    PrefixedYear(String),
    /// An exponent such as `17E7`.
    #[error("years with an exponent are not supported: \"{0}\" (years must be 0000-9999)")]
    Exponent(String),
    /// Significant digits such as `1950S2` (level 2).
    #[error("significant digits are not supported: \"{0}\" (a level 2 feature)")]
    SignificantDigits(String),
    /// A time of day or time zone after the date.
    #[error("times and time zones are not supported: \"{0}\" (give a date only)")]
    Time(String),
    /// A set such as `[1667,1668]` or `{1667,1668}` (level 2).
    #[error("sets such as \"{0}\" are not supported (use an interval such as 1667/1668)")]
    Set(String),
    /// More than one `/`.
    #[error("\"{0}\" has more than one '/' (an interval is START/END)")]
    TooManySlashes(String),
    /// An interval whose two ends are both open or unknown, such as `../..`.
    #[error("interval \"{0}\" has no known date (at least one end must be a date)")]
    NoKnownDate(String),
    /// `..` on its own.
    #[error("\"..\" (an open end) is only allowed as one end of an interval, such as 1985/..")]
    OpenOutsideInterval,
    /// An interval whose start begins after its end finishes.
    #[error("interval start {start} is after its end {end}")]
    IntervalReversed {
        /// The start, as canonical EDTF.
        start: String,
        /// The end, as canonical EDTF.
        end: String,
    },
}

/// Why a filter date (see [`parse_filter_date`](super::parse_filter_date)) was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DateInputError {
    /// The input was empty or only whitespace.
    #[error("empty date: use YYYY, YYYY-MM or YYYY-MM-DD")]
    Empty,
    /// Not of the shape `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    #[error("\"{0}\" is not a date: use YYYY, YYYY-MM or YYYY-MM-DD")]
    NotADate(String),
    /// A month outside 01-12.
    #[error("\"{input}\": month {month:02} is out of range (expected 01-12)")]
    MonthOutOfRange {
        /// The input as typed (trimmed).
        input: String,
        /// The month as written.
        month: u32,
    },
    /// A day outside 01-31.
    #[error("\"{input}\": day {day:02} is out of range (expected 01-31)")]
    DayOutOfRange {
        /// The input as typed (trimmed).
        input: String,
        /// The day as written.
        day: u32,
    },
    /// A day past the end of its month, such as 2023-02-30.
    #[error("\"{input}\": {} {year} has {days} days", month_name(*.month))]
    NoSuchDay {
        /// The input as typed (trimmed).
        input: String,
        /// The year.
        year: i32,
        /// The month, 1-12.
        month: u32,
        /// How many days the month has.
        days: u32,
    },
}
