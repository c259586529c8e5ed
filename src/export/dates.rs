//! Dates as the formats need them. [`known_bounds`] is the one place that decides whether an
//! end of a date is open or unknown: every writer asks it, so when the date model stops
//! storing open ends as the days 0000-01-01 and 9999-12-31 only this function changes.

use crate::edtf::{Day, Edtf, Precision};

/// The first and last day a date covers, `None` for an end that is open (`..`) or unknown
/// (empty) in the EDTF value. A date in the year 0000 or 9999 has known ends: the value's
/// text says which side is missing, not the day it is stored as.
pub fn known_bounds(date: &Edtf) -> (Option<Day>, Option<Day>) {
    let text = date.to_string();
    let (start, end) = match text.split_once('/') {
        Some((start, end)) => (is_given(start), is_given(end)),
        None => (true, true),
    };
    (start.then(|| date.earliest()), end.then(|| date.latest()))
}

/// Whether one side of an interval names a date (not `..`, not empty).
fn is_given(side: &str) -> bool {
    !side.is_empty() && side != ".."
}

/// One side of a date: the side parsed on its own, and the day it starts or ends on.
pub type Side = (Edtf, Day);

/// The sides of a date that name one, each parsed on its own (its precision and qualifier),
/// with the day it starts or ends on: `(start, end)`. A single date is its own start and has
/// no separate end.
pub fn sides(date: &Edtf) -> (Option<Side>, Option<Side>) {
    let (first, last) = known_bounds(date);
    let text = date.to_string();
    match text.split_once('/') {
        None => (first.map(|day| (date.clone(), day)), None),
        Some((start, end)) => (
            first.and_then(|day| Edtf::parse(start).ok().map(|d| (d, day))),
            last.and_then(|day| Edtf::parse(end).ok().map(|d| (d, day))),
        ),
    }
}

/// The parts of a day a date pins down: year always, month and day to its precision (a
/// season, decade or century gives only its first year).
pub fn known_parts(date: &Edtf, day: Day) -> (i32, Option<u32>, Option<u32>) {
    let (y, m, d) = day.ymd();
    match date.precision() {
        Precision::Day => (y, Some(m), Some(d)),
        Precision::Month => (y, Some(m), None),
        Precision::Year | Precision::Season | Precision::Decade | Precision::Century => {
            (y, None, None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds(edtf: &str) -> (Option<String>, Option<String>) {
        let (a, b) = known_bounds(&Edtf::parse(edtf).expect("edtf"));
        (a.map(Day::iso), b.map(Day::iso))
    }

    #[test]
    fn open_and_unknown_ends_have_no_day_but_years_0000_and_9999_do() {
        assert_eq!(
            bounds("0000"),
            (Some("0000-01-01".into()), Some("0000-12-31".into()))
        );
        assert_eq!(
            bounds("9999-12"),
            (Some("9999-12-01".into()), Some("9999-12-31".into()))
        );
        assert_eq!(bounds("2022-12-12/.."), (Some("2022-12-12".into()), None));
        assert_eq!(bounds("/1985"), (None, Some("1985-12-31".into())));
        assert_eq!(
            bounds("0000/9999"),
            (Some("0000-01-01".into()), Some("9999-12-31".into()))
        );
    }

    #[test]
    fn sides_keep_their_own_precision() {
        let date = Edtf::parse("2024-04/2024-06-12").expect("edtf");
        let (start, end) = sides(&date);
        let (start, start_day) = start.expect("start");
        let (end, end_day) = end.expect("end");
        assert_eq!(known_parts(&start, start_day), (2024, Some(4), None));
        assert_eq!(known_parts(&end, end_day), (2024, Some(6), Some(12)));
    }
}
