//! Errors for EDTF values and for plain filter dates.
//!
//! Every message names the offending part of the input, so it can be shown to
//! the person who typed it as is.

use super::words::{month_name, year_words};

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
    /// A year with fewer or more than four digits (and no `Y` prefix).
    #[error(
        "years have four digits, found \"{0}\" (write 0600 for AD 600, -0300 for a year before 0; a year of more digits needs the Y prefix, as in Y12345)"
    )]
    YearDigits(String),
    /// `-0000`: there is no negative year zero.
    #[error("\"{0}\" has a negative year zero, which does not exist (write 0000)")]
    NegativeZero(String),
    /// A month (or season) that does not have exactly two digits.
    #[error("month \"{0}\" must have two digits (01-12)")]
    MonthDigits(String),
    /// A day that does not have exactly two digits.
    #[error("day \"{0}\" must have two digits (01-31)")]
    DayDigits(String),
    /// A month outside 01-12 that is not a season either.
    #[error("month {0:02} is out of range (expected 01-12)")]
    MonthOutOfRange(u32),
    /// A day outside 01-31.
    #[error("day {0:02} is out of range (expected 01-31)")]
    DayOutOfRange(u32),
    /// A day past the end of its month, such as 30 February.
    #[error(
        "{day} {} {} does not exist ({} {} has {days} days)",
        month_name(*.month),
        year_words(*.year),
        month_name(*.month),
        year_words(*.year)
    )]
    NoSuchDay {
        /// The year as written (astronomical numbering).
        year: i64,
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
    /// Unspecified digits (`X`) in a level 2 pattern such as `1XXX` or `1985-XX-12`.
    #[error(
        "unspecified digits in \"{0}\" are not supported: only the shapes 199X, 19XX, 1985-XX, 1985-04-XX and 1985-XX-XX are (other patterns are level 2, which this site does not support)"
    )]
    UnspecifiedDigits(String),
    /// `XXXX`: a wholly unspecified year cannot be placed on a timeline.
    #[error(
        "\"{0}\" leaves the whole year unspecified, which cannot be placed on a timeline (give at least the century, as in 19XX)"
    )]
    UnspecifiedYear(String),
    /// A lowercase `x` for an unspecified digit.
    #[error("unspecified digits must be an uppercase X: \"{0}\"")]
    LowercaseX(String),
    /// A qualifier on a single component, such as `2004?-06` or `?2004`.
    #[error(
        "level 2 features such as per-component qualifiers are not supported: \"{0}\" (put one ?, ~ or % at the end of the date, as in 2004-06?)"
    )]
    PerComponentQualifier(String),
    /// Two or more qualifiers, such as `1984?~`.
    #[error("more than one qualifier in \"{0}\" (use % for uncertain and approximate)")]
    MultipleQualifiers(String),
    /// A `Y` year of four digits or fewer, or with a leading zero.
    #[error(
        "\"{0}\": a Y-prefixed year has more than four digits and no leading zero (write years of up to four digits without Y: 1985, -1985)"
    )]
    PrefixedYearDigits(String),
    /// A lowercase `y` prefix.
    #[error("the year prefix must be an uppercase Y: \"{0}\"")]
    LowercaseY(String),
    /// A `Y` year followed by a month or day.
    #[error("\"{0}\": a Y-prefixed year stands alone, without month or day")]
    PrefixedYearWithMonth(String),
    /// An exponent without the `Y` prefix, such as `17E7`.
    #[error("an exponent needs the Y prefix: \"{0}\" (write Y17E7)")]
    Exponent(String),
    /// A year too large to compute with.
    #[error("the year in \"{0}\" is too large (at most 18 digits)")]
    YearTooLarge(String),
    /// A `+` before a year.
    #[error("\"{0}\": EDTF years take no + sign (write 2006, or Y12345 for a longer year)")]
    PlusSign(String),
    /// Significant digits such as `1950S2` (level 2).
    #[error(
        "significant digits are a level 2 feature this site does not support: \"{0}\" (use unspecified digits, as in 19XX, or an interval)"
    )]
    SignificantDigits(String),
    /// A time that is not `Thh:mm:ss` with an optional `Z`, `±hh` or `±hh:mm`.
    #[error(
        "the time in \"{0}\" is malformed: write Thh:mm:ss with two digits each (T23:20:30), then optionally Z, +hh or +hh:mm"
    )]
    TimeMalformed(String),
    /// An hour, minute, second or offset out of range.
    #[error("the time in \"{input}\" has {what}")]
    TimeOutOfRange {
        /// The date as written.
        input: String,
        /// What is out of range, e.g. "hour 25 (expected 00-23)".
        what: String,
    },
    /// Fractional seconds, such as `T10:10:10.5`.
    #[error("fractional seconds are not supported: \"{0}\" (give whole seconds, as in T10:10:10)")]
    FractionalSeconds(String),
    /// A time after a date that is not a whole day.
    #[error("\"{0}\": a time needs a full date first (YYYY-MM-DDThh:mm:ss)")]
    TimeWithoutDay(String),
    /// A time zone without a time, such as `1985-04-12Z`.
    #[error("\"{0}\": a time zone needs a time before it (1985-04-12T23:20:30Z)")]
    ZoneWithoutTime(String),
    /// A lowercase `t` before the time.
    #[error("the time must start with an uppercase T: \"{0}\"")]
    LowercaseT(String),
    /// A qualifier after a time.
    #[error(
        "a qualifier after a time is not EDTF: \"{0}\" (qualify a date without its time, as in 1985-04-12?)"
    )]
    QualifiedTime(String),
    /// A set such as `[1667,1668]` or `{1667,1668}` (level 2).
    #[error(
        "sets such as \"{0}\" are a level 2 feature this site does not support (use an interval such as 1667/1668)"
    )]
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
