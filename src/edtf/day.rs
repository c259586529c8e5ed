//! Calendar days as plain integers, for storage and overlap queries.
//!
//! A [`Day`] counts days since 1970-01-01 in the proleptic Gregorian calendar
//! (the Gregorian rules extended backwards before 1582), so comparing two days
//! is comparing two integers. The conversions use Howard Hinnant's
//! `days_from_civil` / `civil_from_days` algorithms, which are exact for every
//! year and need no tables.

use std::fmt;

/// A calendar day, proleptic Gregorian, as days since 1970-01-01 (can be negative).
///
/// The calendar range is the years [`YEAR_MIN`] to [`YEAR_MAX`] (a million
/// years either side of year 0), from [`Day::FIRST`] to [`Day::LAST`];
/// [`Day::from_ymd`] only builds days in that range. [`Day::MIN`] and
/// [`Day::MAX`] lie far outside it and stand only for an open or unknown start
/// and end, so no real day (not 0000-01-01, not 9999-12-31) is ever read as
/// "open". The field is public so a value read back from the database can be
/// wrapped directly; the methods never panic, even for a number outside the range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(pub i32);

/// The first year a [`Day`] can hold (astronomical numbering: 1,000,000 BCE).
pub const YEAR_MIN: i32 = -999_999;
/// The last year a [`Day`] can hold.
pub const YEAR_MAX: i32 = 999_999;

impl Day {
    /// Stands for an open or unknown start: below every real day (`i32::MIN`).
    pub const MIN: Day = Day(i32::MIN);
    /// Stands for an open or unknown end: above every real day (`i32::MAX`).
    pub const MAX: Day = Day(i32::MAX);
    /// -999999-01-01, the first real day.
    pub const FIRST: Day = Day(days_from_civil(YEAR_MIN, 1, 1));
    /// 999999-12-31, the last real day.
    pub const LAST: Day = Day(days_from_civil(YEAR_MAX, 12, 31));

    /// The day `year-month-day`, or `None` if that is not a real date or the
    /// year is outside [`YEAR_MIN`]..=[`YEAR_MAX`]: `from_ymd(1970, 1, 1)` is
    /// `Some(Day(0))`, `from_ymd(2023, 2, 29)` is `None`.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Day> {
        let valid = (YEAR_MIN..=YEAR_MAX).contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month);
        valid.then(|| Day(days_from_civil(year, month, day)))
    }

    /// Builds a day from components the caller has already validated.
    ///
    /// Still total (never panics) for any input; out-of-range months or days
    /// simply spill over into neighbouring days.
    pub(super) fn from_valid_ymd(year: i32, month: u32, day: u32) -> Day {
        Day(days_from_civil(year, month, day))
    }

    /// The day `year-month-day` of components the caller has validated, or
    /// [`Day::FIRST`] / [`Day::LAST`] for a year before or after the range.
    pub(super) fn clamped_ymd(year: i64, month: u32, day: u32) -> Day {
        if year < i64::from(YEAR_MIN) {
            Day::FIRST
        } else if year > i64::from(YEAR_MAX) {
            Day::LAST
        } else {
            Day::from_valid_ymd(i32::try_from(year).unwrap_or(0), month, day)
        }
    }

    /// The `(year, month, day)` of this day.
    pub fn ymd(self) -> (i32, u32, u32) {
        civil_from_days(self.0)
    }

    /// The calendar year of this day.
    pub fn year(self) -> i32 {
        self.ymd().0
    }

    /// Whether this is a real day (not the open-end stand-ins [`Day::MIN`], [`Day::MAX`]).
    pub fn is_real(self) -> bool {
        (Day::FIRST..=Day::LAST).contains(&self)
    }

    /// The day as `YYYY-MM-DD`, for example `"1988-02-20"`, `"-0300-03-01"`
    /// (year zero-padded to four digits after its sign, astronomical numbering).
    pub fn iso(self) -> String {
        let (y, m, d) = self.ymd();
        format!("{}-{m:02}-{d:02}", year_text(y))
    }

    /// The next day, or [`Day::MAX`] itself at the end of the range.
    pub fn succ(self) -> Day {
        if self >= Day::MAX {
            self
        } else {
            Day(self.0 + 1)
        }
    }

    /// The previous day, or [`Day::MIN`] itself at the start of the range.
    pub fn pred(self) -> Day {
        if self <= Day::MIN {
            self
        } else {
            Day(self.0 - 1)
        }
    }
}

impl fmt::Display for Day {
    /// Same as [`Day::iso`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.iso())
    }
}

/// A year as EDTF and ISO 8601 write it: four digits at least, `-` before a
/// negative year (`"0600"`, `"-0300"`, `"12345"`).
pub fn year_text(year: i32) -> String {
    if year < 0 {
        format!("-{:04}", year.unsigned_abs())
    } else {
        format!("{year:04}")
    }
}

/// Whether `year` is a leap year in the proleptic Gregorian calendar
/// (divisible by 4, except centuries not divisible by 400; year 0 is a leap year).
pub fn is_leap_year(year: i32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// The number of days in `month` (1-12) of `year`; 0 for a month outside 1-12.
pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's `days_from_civil`).
///
/// Computed in `i64` so no input can overflow; the result is clamped into `i32`.
const fn days_from_civil(year: i32, month: u32, day: u32) -> i32 {
    let m = month as i64;
    let d = day as i64;
    let y = if m <= 2 { year as i64 - 1 } else { year as i64 };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400; // [0, 399]
    let mp = (m + 9) % 12; // March = 0 .. February = 11
    let doy = (153 * mp + 2) / 5 + d - 1; // [0, 365] for valid input
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    let days = era * 146_097 + doe - 719_468;
    if days > i32::MAX as i64 {
        i32::MAX
    } else if days < i32::MIN as i64 {
        i32::MIN
    } else {
        days as i32
    }
}

/// The proleptic Gregorian `(year, month, day)` of a day count (Hinnant's `civil_from_days`).
fn civil_from_days(days: i32) -> (i32, u32, u32) {
    let z = i64::from(days) + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let d = doy - (153 * mp + 2) / 5 + 1; // [1, 31]
    let m = if mp < 10 { mp + 3 } else { mp - 9 }; // [1, 12]
    let y = yoe + era * 400 + i64::from(m <= 2);
    // |days| < 2^31 keeps |y| below 6 million, so these conversions cannot fail;
    // the fallbacks only exist to stay panic-free.
    (
        i32::try_from(y).unwrap_or(0),
        u32::try_from(m).unwrap_or(1),
        u32::try_from(d).unwrap_or(1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        assert_eq!(Day::from_ymd(1970, 1, 1), Some(Day(0)));
        assert_eq!(Day::from_ymd(1970, 1, 2), Some(Day(1)));
        assert_eq!(Day::from_ymd(1969, 12, 31), Some(Day(-1)));
        assert_eq!(Day::from_ymd(2000, 3, 1), Some(Day(11_017)));
        assert_eq!(Day::from_ymd(2000, 2, 29), Some(Day(11_016)));
        let first_of_0 = Day::from_ymd(0, 1, 1);
        let last_of_9999 = Day::from_ymd(9999, 12, 31);
        assert_eq!(first_of_0, Some(Day(-719_528)));
        assert_eq!(last_of_9999, Some(Day(2_932_896)));
        assert_eq!(first_of_0.map(Day::ymd), Some((0, 1, 1)));
        assert_eq!(last_of_9999.map(Day::ymd), Some((9999, 12, 31)));
        assert_eq!(Day(0).iso(), "1970-01-01");
        assert_eq!(first_of_0.map(Day::iso).as_deref(), Some("0000-01-01"));
        assert_eq!(last_of_9999.map(Day::iso).as_deref(), Some("9999-12-31"));
        assert_eq!(
            Day::from_ymd(1988, 2, 20).map(Day::iso).as_deref(),
            Some("1988-02-20")
        );
        assert_eq!(Day::from_ymd(1988, 2, 20).map(Day::year), Some(1988));
    }

    #[test]
    fn invalid_dates_are_rejected() {
        for (y, m, d) in [
            (2023, 2, 29),
            (1900, 2, 29),
            (2023, 2, 30),
            (2023, 4, 31),
            (2023, 0, 1),
            (2023, 13, 1),
            (2023, 1, 0),
            (2023, 1, 32),
            (YEAR_MIN - 1, 12, 31),
            (YEAR_MAX + 1, 1, 1),
            (i32::MIN, 1, 1),
            (i32::MAX, 1, 1),
            (2023, u32::MAX, u32::MAX),
        ] {
            assert_eq!(Day::from_ymd(y, m, d), None, "{y}-{m}-{d}");
        }
        assert!(Day::from_ymd(2000, 2, 29).is_some());
        assert!(Day::from_ymd(2024, 2, 29).is_some());
        assert!(Day::from_ymd(0, 2, 29).is_some());
    }

    #[test]
    fn every_day_from_1899_to_2101_round_trips() {
        let mut expected = Day::from_ymd(1899, 1, 1).map(|d| d.0);
        for year in 1899..=2101 {
            for month in 1..=12 {
                for day in 1..=days_in_month(year, month) {
                    let d = Day::from_ymd(year, month, day);
                    assert_eq!(d.map(|d| d.0), expected, "{year}-{month}-{day}");
                    let d = d.unwrap_or(Day::MIN);
                    assert_eq!(d.ymd(), (year, month, day));
                    expected = Some(d.0 + 1);
                }
            }
        }
    }

    #[test]
    fn years_0000_to_9999_round_trip() {
        let mut day = Day::from_ymd(0, 1, 1).unwrap_or(Day::MIN);
        let end = Day::from_ymd(9999, 12, 31).unwrap_or(Day::MIN);
        let mut count = 0;
        loop {
            let (y, m, d) = day.ymd();
            assert_eq!(Day::from_ymd(y, m, d), Some(day));
            count += 1;
            if day == end {
                break;
            }
            let next = day.succ();
            assert!(next > day);
            day = next;
        }
        // 10,000 years of 365.2425 days.
        assert_eq!(count, 3_652_425);
    }

    #[test]
    fn succ_and_pred_saturate() {
        assert_eq!(Day::MAX.succ(), Day::MAX);
        assert_eq!(Day::MIN.pred(), Day::MIN);
        assert_eq!(Day(0).succ(), Day(1));
        assert_eq!(Day(0).pred(), Day(-1));
        assert_eq!(Day(i32::MAX).succ(), Day(i32::MAX));
        assert_eq!(Day(i32::MIN).pred(), Day(i32::MIN));
    }

    #[test]
    fn extreme_values_do_not_panic() {
        for d in [i32::MIN, i32::MIN + 1, -1, 0, 1, i32::MAX - 1, i32::MAX] {
            let day = Day(d);
            let _ = day.ymd();
            let _ = day.iso();
            let _ = day.year();
            let _ = day.succ();
            let _ = day.pred();
        }
    }

    #[test]
    fn leap_years_and_month_lengths() {
        assert!(is_leap_year(2000));
        assert!(is_leap_year(2024));
        assert!(is_leap_year(0));
        assert!(!is_leap_year(1900));
        assert!(!is_leap_year(2023));
        assert_eq!(days_in_month(2000, 2), 29);
        assert_eq!(days_in_month(1900, 2), 28);
        assert_eq!(days_in_month(2023, 4), 30);
        assert_eq!(days_in_month(2023, 12), 31);
        assert_eq!(days_in_month(2023, 13), 0);
        assert_eq!(days_in_month(2023, 0), 0);
    }
}
