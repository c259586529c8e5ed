//! Tests for EDTF parsing, bounds, wording and filter dates.
//!
//! The valid and invalid examples come from the Library of Congress EDTF
//! specification (levels 0 and 1) and from the module's brief.

use super::*;
use proptest::prelude::*;

fn day(y: i32, m: u32, d: u32) -> Day {
    Day::from_ymd(y, m, d).unwrap()
}

fn parse(s: &str) -> Edtf {
    Edtf::parse(s).unwrap_or_else(|e| panic!("{s:?} should parse: {e}"))
}

fn err(s: &str) -> EdtfError {
    match Edtf::parse(s) {
        Ok(v) => panic!("{s:?} should be rejected, parsed as {v:?}"),
        Err(e) => e,
    }
}

/// (input, earliest, latest, words)
const VALID: &[(&str, &str, &str, &str)] = &[
    // Level 0: dates.
    ("1985-04-12", "1985-04-12", "1985-04-12", "12 April 1985"),
    ("1985-04", "1985-04-01", "1985-04-30", "April 1985"),
    ("1985", "1985-01-01", "1985-12-31", "1985"),
    ("1988-02-20", "1988-02-20", "1988-02-20", "20 February 1988"),
    ("1988-02", "1988-02-01", "1988-02-29", "February 1988"),
    ("1988", "1988-01-01", "1988-12-31", "1988"),
    ("2000-02", "2000-02-01", "2000-02-29", "February 2000"),
    ("1900-02", "1900-02-01", "1900-02-28", "February 1900"),
    ("2023-02", "2023-02-01", "2023-02-28", "February 2023"),
    ("2024-02-29", "2024-02-29", "2024-02-29", "29 February 2024"),
    ("0000", "0000-01-01", "0000-12-31", "1 BCE"),
    ("9999-12-31", "9999-12-31", "9999-12-31", "31 December 9999"),
    ("0800-07-04", "0800-07-04", "0800-07-04", "4 July AD 800"),
    // Level 0: date-times (the time kept and worded; the bounds are the day).
    (
        "1985-04-12T23:20:30",
        "1985-04-12",
        "1985-04-12",
        "12 April 1985, 23:20:30",
    ),
    (
        "1985-04-12T23:20:30Z",
        "1985-04-12",
        "1985-04-12",
        "12 April 1985, 23:20:30 UTC",
    ),
    (
        "1985-04-12T23:20:30-04",
        "1985-04-12",
        "1985-04-12",
        "12 April 1985, 23:20:30 UTC-04:00",
    ),
    (
        "1985-04-12T23:20:30+04:30",
        "1985-04-12",
        "1985-04-12",
        "12 April 1985, 23:20:30 UTC+04:30",
    ),
    (
        "2004-01-01T10:10:10Z/2004-01-02T08:00:00Z",
        "2004-01-01",
        "2004-01-02",
        "1 January 2004, 10:10:10 UTC – 2 January 2004, 08:00:00 UTC",
    ),
    // Years: small ones say their era, year 0 is 1 BCE, negative years count from it.
    ("0017", "0017-01-01", "0017-12-31", "AD 17"),
    ("0001-03", "0001-03-01", "0001-03-31", "March AD 1"),
    ("-0001", "-0001-01-01", "-0001-12-31", "2 BCE"),
    ("-0299", "-0299-01-01", "-0299-12-31", "300 BCE"),
    ("-3500", "-3500-01-01", "-3500-12-31", "3501 BCE"),
    (
        "-0300-03-15",
        "-0300-03-15",
        "-0300-03-15",
        "15 March 301 BCE",
    ),
    ("-9999", "-9999-01-01", "-9999-12-31", "10000 BCE"),
    ("-1985~", "-1985-01-01", "-1985-12-31", "c. 1986 BCE"),
    ("0600/0650", "0600-01-01", "0650-12-31", "AD 600–650"),
    ("-0499/-0300", "-0499-01-01", "-0300-12-31", "500–301 BCE"),
    ("-0043/0014", "-0043-01-01", "0014-12-31", "44 BCE – AD 14"),
    (
        "-2005/-1999-02",
        "-2005-01-01",
        "-1999-02-28",
        "2006 BCE – February 2000 BCE",
    ),
    ("-0004-02", "-0004-02-01", "-0004-02-29", "February 5 BCE"),
    // Y years: more than four digits; beyond a million years the days clamp.
    ("Y10000", "10000-01-01", "10000-12-31", "10000"),
    ("Y-10000", "-10000-01-01", "-10000-12-31", "10001 BCE"),
    (
        "Y170000002",
        "170000002-01-01",
        "170000002-12-31",
        "170,000,002",
    ),
    (
        "Y-170000002",
        "-170000002-01-01",
        "-170000002-12-31",
        "170,000,003 BCE",
    ),
    ("Y17E7", "170000000-01-01", "170000000-12-31", "170,000,000"),
    (
        "Y-17E7",
        "-170000000-01-01",
        "-170000000-12-31",
        "170,000,001 BCE",
    ),
    ("Y12345?", "12345-01-01", "12345-12-31", "12345?"),
    // Decades and centuries read differently; small and negative ones say their era.
    ("005X", "0050-01-01", "0059-12-31", "AD 50s"),
    ("000X", "0000-01-01", "0009-12-31", "1 BCE – AD 9"),
    ("-199X", "-1999-01-01", "-1990-12-31", "2000–1991 BCE"),
    ("05XX", "0500-01-01", "0599-12-31", "AD 500–599"),
    ("-01XX", "-0199-01-01", "-0100-12-31", "200–101 BCE"),
    // Sub-year groupings beyond the seasons (level 2).
    ("2001-25", "2001-03-01", "2001-05-31", "spring 2001"),
    (
        "2001-29",
        "2001-09-01",
        "2001-11-30",
        "spring 2001 (southern hemisphere)",
    ),
    (
        "2001-30",
        "2001-12-01",
        "2002-02-28",
        "summer 2001–02 (southern hemisphere)",
    ),
    (
        "2001-34",
        "2001-04-01",
        "2001-06-30",
        "second quarter of 2001",
    ),
    ("2001-37", "2001-01-01", "2001-04-30", "January–April 2001"),
    ("2001-41", "2001-07-01", "2001-12-31", "second half of 2001"),
    ("9999-24", "9999-12-01", "10000-02-29", "winter 9999–10000"),
    // Which end is uncertain.
    (
        "1868/1871?",
        "1868-01-01",
        "1871-12-31",
        "1868–1871 (end uncertain)",
    ),
    ("1868?/1871", "1868-01-01", "1871-12-31", "1868?–1871"),
    (
        "/19XX",
        "..",
        "1999-12-31",
        "until 1900–1999 (start unknown)",
    ),
    // Level 0: intervals.
    ("1964/2008", "1964-01-01", "2008-12-31", "1964–2008"),
    (
        "2004-06/2006-08",
        "2004-06-01",
        "2006-08-31",
        "June 2004 – August 2006",
    ),
    (
        "2004-02-01/2005-02-08",
        "2004-02-01",
        "2005-02-08",
        "1 February 2004 – 8 February 2005",
    ),
    (
        "2004-02-01/2005-02",
        "2004-02-01",
        "2005-02-28",
        "1 February 2004 – February 2005",
    ),
    (
        "2005/2006-02",
        "2005-01-01",
        "2006-02-28",
        "2005 – February 2006",
    ),
    ("1988/1994", "1988-01-01", "1994-12-31", "1988–1994"),
    (
        "2023-09-19/2023-09-20",
        "2023-09-19",
        "2023-09-20",
        "19–20 September 2023",
    ),
    (
        "2020-09-27/2020-11-10",
        "2020-09-27",
        "2020-11-10",
        "27 September – 10 November 2020",
    ),
    (
        "1988-02-20/1994-05-12",
        "1988-02-20",
        "1994-05-12",
        "20 February 1988 – 12 May 1994",
    ),
    (
        "2024-04/2024-06-12",
        "2024-04-01",
        "2024-06-12",
        "April – 12 June 2024",
    ),
    (
        "2024-04-12/2024-06",
        "2024-04-12",
        "2024-06-30",
        "12 April – June 2024",
    ),
    (
        "2023-09/2023-10",
        "2023-09-01",
        "2023-10-31",
        "September–October 2023",
    ),
    (
        "2004-06/2004",
        "2004-06-01",
        "2004-12-31",
        "June 2004 – 2004",
    ),
    (
        "2004/2004-06",
        "2004-01-01",
        "2004-06-30",
        "2004 – June 2004",
    ),
    ("2004/2004", "2004-01-01", "2004-12-31", "2004"),
    ("2023-XX/2023", "2023-01-01", "2023-12-31", "2023"),
    // Level 1: qualifiers.
    ("1984?", "1984-01-01", "1984-12-31", "1984?"),
    ("2004-06~", "2004-06-01", "2004-06-30", "c. June 2004"),
    (
        "2004-06-11%",
        "2004-06-11",
        "2004-06-11",
        "c. 11 June 2004?",
    ),
    ("2023-03~", "2023-03-01", "2023-03-31", "c. March 2023"),
    ("1992?", "1992-01-01", "1992-12-31", "1992?"),
    // Level 1: unspecified digits.
    ("201X", "2010-01-01", "2019-12-31", "2010s"),
    ("20XX", "2000-01-01", "2099-12-31", "2000–2099"),
    ("199X", "1990-01-01", "1999-12-31", "1990s"),
    ("19XX", "1900-01-01", "1999-12-31", "1900–1999"),
    ("201X?", "2010-01-01", "2019-12-31", "2010s?"),
    ("2004-XX", "2004-01-01", "2004-12-31", "2004"),
    ("2023-XX", "2023-01-01", "2023-12-31", "2023"),
    ("1985-04-XX", "1985-04-01", "1985-04-30", "April 1985"),
    ("1985-XX-XX", "1985-01-01", "1985-12-31", "1985"),
    (
        "2000-02-XX~",
        "2000-02-01",
        "2000-02-29",
        "c. February 2000",
    ),
    // Level 1: seasons.
    ("2001-21", "2001-03-01", "2001-05-31", "spring 2001"),
    ("2001-22", "2001-06-01", "2001-08-31", "summer 2001"),
    ("2001-23", "2001-09-01", "2001-11-30", "autumn 2001"),
    ("2001-24", "2001-12-01", "2002-02-28", "winter 2001–02"),
    ("2003-24", "2003-12-01", "2004-02-29", "winter 2003–04"),
    ("1999-24", "1999-12-01", "2000-02-29", "winter 1999–2000"),
    ("1992-21?", "1992-03-01", "1992-05-31", "spring 1992?"),
    ("9999-23", "9999-09-01", "9999-11-30", "autumn 9999"),
    ("9998-24", "9998-12-01", "9999-02-28", "winter 9998–99"),
    // Level 1: qualified interval ends.
    (
        "1984~/2004-06",
        "1984-01-01",
        "2004-06-30",
        "c. 1984 – June 2004",
    ),
    (
        "1984/2004-06~",
        "1984-01-01",
        "2004-06-30",
        "1984 – c. June 2004",
    ),
    (
        "1984~/2004~",
        "1984-01-01",
        "2004-12-31",
        "c. 1984 – c. 2004",
    ),
    (
        "1984?/2004%",
        "1984-01-01",
        "2004-12-31",
        "1984? – c. 2004 (end uncertain)",
    ),
    (
        "1984-06?/2004-08?",
        "1984-06-01",
        "2004-08-31",
        "June 1984? – August 2004 (end uncertain)",
    ),
    (
        "1984-06-02?/2004-08-08~",
        "1984-06-02",
        "2004-08-08",
        "2 June 1984? – c. 8 August 2004",
    ),
    ("1992?/1994", "1992-01-01", "1994-12-31", "1992?–1994"),
    (
        "2023-09-19~/2023-09-20",
        "2023-09-19",
        "2023-09-20",
        "c. 19 September 2023 – 20 September 2023",
    ),
    ("199X/200X", "1990-01-01", "2009-12-31", "1990s–2000s"),
    (
        "1992-21/1993-22",
        "1992-03-01",
        "1993-08-31",
        "spring 1992 – summer 1993",
    ),
    // Level 1: open and unknown interval ends.
    ("1985-04-12/..", "1985-04-12", "..", "since 12 April 1985"),
    ("1985-04/..", "1985-04-01", "..", "since April 1985"),
    ("1985/..", "1985-01-01", "..", "since 1985"),
    (
        "2022-12-12/..",
        "2022-12-12",
        "..",
        "since 12 December 2022",
    ),
    ("../1985-04-12", "..", "1985-04-12", "until 12 April 1985"),
    ("../1985-04", "..", "1985-04-30", "until April 1985"),
    ("../1985", "..", "1985-12-31", "until 1985"),
    (
        "1985-04-12/",
        "1985-04-12",
        "..",
        "from 12 April 1985 (end unknown)",
    ),
    (
        "1985-04/",
        "1985-04-01",
        "..",
        "from April 1985 (end unknown)",
    ),
    ("1985/", "1985-01-01", "..", "from 1985 (end unknown)"),
    (
        "/1985-04-12",
        "..",
        "1985-04-12",
        "until 12 April 1985 (start unknown)",
    ),
    (
        "/1985-04",
        "..",
        "1985-04-30",
        "until April 1985 (start unknown)",
    ),
    ("/1985", "..", "1985-12-31", "until 1985 (start unknown)"),
    ("1984~/..", "1984-01-01", "..", "since c. 1984"),
    ("../199X?", "..", "1999-12-31", "until 1990s?"),
];

#[test]
fn valid_examples_parse_round_trip_and_have_bounds_and_words() {
    for &(input, earliest, latest, words) in VALID {
        let v = parse(input);
        assert_eq!(v.to_string(), input, "round trip of {input}");
        assert_eq!(input.parse::<Edtf>().as_ref(), Ok(&v), "FromStr of {input}");
        // A missing (open or unknown) end reads "..".
        let iso = |d: Option<String>| d.unwrap_or_else(|| "..".to_owned());
        assert_eq!(iso(v.earliest_iso()), earliest, "earliest of {input}");
        assert_eq!(iso(v.latest_iso()), latest, "latest of {input}");
        // The stored days agree, except where a year beyond a Day's range clamps.
        if earliest != ".." && !v.is_clamped() {
            assert_eq!(v.earliest().iso(), earliest, "earliest day of {input}");
        }
        if latest != ".." && !v.is_clamped() {
            assert_eq!(v.latest().iso(), latest, "latest day of {input}");
        }
        assert!(v.earliest() <= v.latest(), "{input}");
        assert_eq!(v.words(), words, "words of {input}");
        assert_eq!(
            v.is_interval(),
            input.contains('/'),
            "is_interval of {input}"
        );
    }
}

#[test]
fn missing_ends_are_not_days() {
    // 0000-01-01 and 9999-12-31 are days like any other; a missing end is neither.
    let zero = parse("0000-01-01");
    assert_eq!(zero.earliest(), day(0, 1, 1));
    assert_ne!(zero.earliest(), Day::MIN);
    assert_eq!(zero.earliest_iso().as_deref(), Some("0000-01-01"));
    let last = parse("9999-12-31");
    assert_ne!(last.latest(), Day::MAX);
    assert_eq!(last.latest_iso().as_deref(), Some("9999-12-31"));
    assert!(!Day::MIN.is_real() && !Day::MAX.is_real());
    assert!(day(0, 1, 1).is_real() && day(9999, 12, 31).is_real());
    assert!(Day::MIN < Day::FIRST && Day::LAST < Day::MAX);
    let open = parse("../0000");
    assert!(open.start_is_missing() && !open.end_is_missing());
    assert_eq!((open.earliest(), open.earliest_iso()), (Day::MIN, None));
    let open = parse("9999/");
    assert!(open.end_is_missing());
    assert_eq!((open.latest(), open.latest_iso()), (Day::MAX, None));
}

#[test]
fn years_beyond_the_day_range_clamp_and_say_so() {
    let far = parse("Y-170000002");
    assert!(far.is_clamped());
    assert_eq!((far.earliest(), far.latest()), (Day::FIRST, Day::FIRST));
    assert_eq!(far.earliest_iso().as_deref(), Some("-170000002-01-01"));
    let far = parse("Y170000002/..");
    assert_eq!(far.earliest(), Day::LAST);
    assert_eq!(far.latest(), Day::MAX);
    assert!(!parse("Y999999").is_clamped());
    assert_eq!(parse("Y999999").latest(), Day::LAST);
    assert!(parse("Y1000000").is_clamped());
    // Clamped values still order: the far past before the year -999999.
    assert!(parse("Y-170000002").earliest() <= parse("Y-999999").earliest());
}

#[test]
fn date_times_keep_their_time() {
    let v = parse("1985-04-12T23:20:30Z");
    assert!(v.has_time());
    assert_eq!(v.precision(), Precision::Day);
    assert_eq!(
        (v.earliest(), v.latest()),
        (day(1985, 4, 12), day(1985, 4, 12))
    );
    assert!(!parse("1985-04-12").has_time());
    // Canonical: the offset is kept as written.
    for s in [
        "2004-01-01T10:10:10+05",
        "2004-01-01T10:10:10+05:00",
        "2016-05-02T16:54:59-12:00",
    ] {
        assert_eq!(parse(s).to_string(), s);
    }
}

#[test]
fn errors_say_what_is_wrong() {
    let message = |s: &str| err(s).to_string();
    // Not whitespace: text that is no date at all.
    assert_eq!(
        message("not a edtf string"),
        "unexpected text \"not a edtf string\" (expected a date such as 1988, 1988-02 or 1988-02-20)"
    );
    assert!(message("?-2004-06").contains("per-component qualifiers are not supported"));
    assert!(message("1985-04-12T25:00:00").contains("hour 25"));
    assert!(!message("1985-04-12T2:00:00").contains("not supported"));
    assert!(message("1950S2").contains("level 2 feature this site does not support"));
    assert!(message("[1667,1668]").contains("level 2 feature this site does not support"));
    assert!(message("156X-12-25").contains("level 2"));
}

#[test]
fn surrounding_whitespace_is_trimmed() {
    assert_eq!(parse("  1988-02 \n"), parse("1988-02"));
    assert_eq!(parse("\t1985/..  ").to_string(), "1985/..");
}

#[test]
fn exact_days() {
    let v = parse("1988-02");
    assert_eq!(
        (v.earliest(), v.latest()),
        (day(1988, 2, 1), day(1988, 2, 29))
    );
    let v = parse("2000-02");
    assert_eq!(v.latest(), day(2000, 2, 29));
    let v = parse("1900-02");
    assert_eq!(v.latest(), day(1900, 2, 28));
    let v = parse("2001-24");
    assert_eq!(
        (v.earliest(), v.latest()),
        (day(2001, 12, 1), day(2002, 2, 28))
    );
    let v = parse("1970-01-01");
    assert_eq!((v.earliest(), v.latest()), (Day(0), Day(0)));
    let v = parse("../1970");
    assert_eq!((v.earliest(), v.latest()), (Day::MIN, day(1970, 12, 31)));
    let v = parse("1970/");
    assert_eq!((v.earliest(), v.latest()), (Day(0), Day::MAX));
}

#[test]
fn qualifiers_do_not_widen_bounds() {
    for (plain, qualified) in [
        ("1984", "1984~"),
        ("2004-06", "2004-06?"),
        ("2004-06-11", "2004-06-11%"),
    ] {
        let (a, b) = (parse(plain), parse(qualified));
        assert_eq!((a.earliest(), a.latest()), (b.earliest(), b.latest()));
    }
}

#[test]
fn uncertainty_and_approximation_flags() {
    let flags = |s: &str| {
        let v = parse(s);
        (v.is_uncertain(), v.is_approximate())
    };
    assert_eq!(flags("1984"), (false, false));
    assert_eq!(flags("1984?"), (true, false));
    assert_eq!(flags("2004-06~"), (false, true));
    assert_eq!(flags("2004-06-11%"), (true, true));
    assert_eq!(flags("1984~/2004-06"), (false, true));
    assert_eq!(flags("1984/2004?"), (true, false));
    assert_eq!(flags("1984?/2004~"), (true, true));
    assert_eq!(flags("1984%/.."), (true, true));
    assert_eq!(flags("/1984?"), (true, false));
}

#[test]
fn precision() {
    for (input, precision) in [
        ("1988", Precision::Year),
        ("1988-02", Precision::Month),
        ("1988-02-20", Precision::Day),
        ("199X", Precision::Decade),
        ("19XX", Precision::Century),
        ("2023-XX", Precision::Year),
        ("1985-04-XX", Precision::Month),
        ("1985-XX-XX", Precision::Year),
        ("2001-21", Precision::Season),
        ("1988~", Precision::Year),
        ("1988-02-20/1994", Precision::Day),
        ("1988/1994-05-12", Precision::Year),
        ("../1994-05", Precision::Month),
        ("/1994-05-12", Precision::Day),
        ("1994-05-12/..", Precision::Day),
    ] {
        assert_eq!(parse(input).precision(), precision, "{input}");
    }
}

#[test]
fn html_datetime() {
    for (input, start, end) in [
        ("1988", Some("1988"), None),
        ("1988-02", Some("1988-02"), None),
        ("1988-02-20~", Some("1988-02-20"), None),
        ("2023-XX", Some("2023"), None),
        ("1985-04-XX", Some("1985-04"), None),
        ("1985-XX-XX", Some("1985"), None),
        ("199X", None, None),
        ("19XX", None, None),
        ("2001-24", Some("2001"), None),
        ("0000-05", None, None),
        ("-0300", None, None),
        ("0001-05", Some("0001-05"), None),
        ("Y12345", Some("12345"), None),
        ("1985-04-12T23:20:30", Some("1985-04-12T23:20:30"), None),
        ("1985-04-12T23:20:30Z", Some("1985-04-12T23:20:30Z"), None),
        (
            "1985-04-12T23:20:30-04",
            Some("1985-04-12T23:20:30-04:00"),
            None,
        ),
        ("2001-34", Some("2001"), None),
        ("1988/1994-05-12", Some("1988"), Some("1994-05-12")),
        ("199X/2004", None, Some("2004")),
        ("1988-02-20/..", Some("1988-02-20"), None),
        ("1988-02-20/", Some("1988-02-20"), None),
        ("../1994-05", None, Some("1994-05")),
        ("/1994-05", None, Some("1994-05")),
    ] {
        let v = parse(input);
        assert_eq!(v.html_datetime().as_deref(), start, "start of {input}");
        assert_eq!(v.html_datetime_end().as_deref(), end, "end of {input}");
    }
}

/// (input, is the expected error variant, part of the expected message)
type Rejection = (&'static str, fn(&EdtfError) -> bool, &'static str);

#[test]
fn rejected_values_name_the_problem() {
    use EdtfError as E;
    let cases: &[Rejection] = &[
        (
            "1988-13",
            |e| *e == E::MonthOutOfRange(13),
            "month 13 is out of range (expected 01-12)",
        ),
        (
            "1988-00",
            |e| *e == E::MonthOutOfRange(0),
            "month 00 is out of range (expected 01-12)",
        ),
        ("1988-20", |e| *e == E::MonthOutOfRange(20), "month 20"),
        ("1988-99", |e| *e == E::MonthOutOfRange(99), "month 99"),
        (
            "2023-02-29",
            |e| {
                matches!(
                    e,
                    E::NoSuchDay {
                        day: 29,
                        month: 2,
                        year: 2023,
                        days: 28
                    }
                )
            },
            "29 February 2023 does not exist (February 2023 has 28 days)",
        ),
        (
            "2023-02-30",
            |e| matches!(e, E::NoSuchDay { day: 30, .. }),
            "30 February 2023 does not exist (February 2023 has 28 days)",
        ),
        (
            "1900-02-29",
            |e| matches!(e, E::NoSuchDay { .. }),
            "29 February 1900 does not exist",
        ),
        (
            "2023-04-31",
            |e| matches!(e, E::NoSuchDay { .. }),
            "April 2023 has 30 days",
        ),
        (
            "2023-01-32",
            |e| *e == E::DayOutOfRange(32),
            "day 32 is out of range",
        ),
        (
            "2023-01-00",
            |e| *e == E::DayOutOfRange(0),
            "day 00 is out of range",
        ),
        (
            "abc",
            |e| matches!(e, E::UnexpectedText(t) if t == "abc"),
            "unexpected text \"abc\" (expected a date such as 1988, 1988-02 or 1988-02-20)",
        ),
        ("", |e| *e == E::Empty, "empty date"),
        ("   ", |e| *e == E::Empty, "empty date"),
        (
            "88",
            |e| matches!(e, E::YearDigits(t) if t == "88"),
            "years have four digits, found \"88\"",
        ),
        (
            "19888",
            |e| matches!(e, E::YearDigits(t) if t == "19888"),
            "\"19888\"",
        ),
        (
            "2005/2004",
            |e| matches!(e, E::IntervalReversed { .. }),
            "interval start 2005 is after its end 2004",
        ),
        (
            "2004-06/2004-05",
            |e| matches!(e, E::IntervalReversed { .. }),
            "interval start 2004-06 is after its end 2004-05",
        ),
        (
            "2004?/2003~",
            |e| matches!(e, E::IntervalReversed { .. }),
            "interval start 2004? is after its end 2003~",
        ),
        (
            "1985-04-12T1:20:30",
            |e| matches!(e, E::TimeMalformed(t) if t == "1985-04-12T1:20:30"),
            "the time in \"1985-04-12T1:20:30\" is malformed: write Thh:mm:ss",
        ),
        (
            "2012-10-10T10:10:10Z10",
            |e| matches!(e, E::TimeMalformed(_)),
            "malformed",
        ),
        (
            "2016-05-02T24:00:00",
            |e| matches!(e, E::TimeOutOfRange { .. }),
            "hour 24 (expected 00-23)",
        ),
        (
            "2016-05-02T00:61:00",
            |e| matches!(e, E::TimeOutOfRange { .. }),
            "minute 61",
        ),
        (
            "2016-05-02T12:00:00-00:00",
            |e| matches!(e, E::TimeOutOfRange { .. }),
            "offset -00:00",
        ),
        (
            "2016-05-02T12:00:00+14:01",
            |e| matches!(e, E::TimeOutOfRange { .. }),
            "expected -12:00 to +14:00",
        ),
        (
            "1985-04-12T23:20:30.5",
            |e| matches!(e, E::FractionalSeconds(_)),
            "fractional seconds are not supported",
        ),
        (
            "1985-04T23:20:30",
            |e| matches!(e, E::TimeWithoutDay(_)),
            "a time needs a full date",
        ),
        (
            "1985-04-12t23:20:30",
            |e| matches!(e, E::LowercaseT(_)),
            "uppercase T",
        ),
        (
            "1985-04-12T23:20:30Z?",
            |e| matches!(e, E::QualifiedTime(_)),
            "a qualifier after a time",
        ),
        (
            "1985-04-12Z",
            |e| matches!(e, E::ZoneWithoutTime(_)),
            "a time zone needs a time",
        ),
        (
            "Y1985",
            |e| matches!(e, E::PrefixedYearDigits(_)),
            "a Y-prefixed year has more than four digits",
        ),
        (
            "Y00001",
            |e| matches!(e, E::PrefixedYearDigits(_)),
            "no leading zero",
        ),
        ("y2006", |e| matches!(e, E::LowercaseY(_)), "uppercase Y"),
        (
            "Y17E7-12-26",
            |e| matches!(e, E::PrefixedYearWithMonth(_)),
            "stands alone",
        ),
        ("17E7", |e| matches!(e, E::Exponent(_)), "exponent"),
        ("+2006", |e| matches!(e, E::PlusSign(_)), "no + sign"),
        (
            "Y1234567890123456789",
            |e| matches!(e, E::YearTooLarge(_)),
            "too large",
        ),
        (
            "1950S2",
            |e| matches!(e, E::SignificantDigits(_)),
            "significant digits",
        ),
        (
            "-0000",
            |e| matches!(e, E::NegativeZero(_)),
            "negative year zero",
        ),
        (
            "-0000-01-01",
            |e| matches!(e, E::NegativeZero(_)),
            "negative year zero",
        ),
        (
            "1XXX",
            |e| matches!(e, E::UnspecifiedDigits(_)),
            "unspecified digits in \"1XXX\"",
        ),
        (
            "XXXX",
            |e| matches!(e, E::UnspecifiedYear(_)),
            "cannot be placed on a timeline",
        ),
        ("19X5", |e| matches!(e, E::UnspecifiedDigits(_)), "level 2"),
        (
            "1985-XX-12",
            |e| matches!(e, E::UnspecifiedDigits(_)),
            "\"1985-XX-12\"",
        ),
        (
            "198X-04",
            |e| matches!(e, E::UnspecifiedDigits(_)),
            "\"198X-04\"",
        ),
        (
            "19XX-XX",
            |e| matches!(e, E::UnspecifiedDigits(_)),
            "level 2",
        ),
        (
            "1985-1X",
            |e| matches!(e, E::UnspecifiedDigits(_)),
            "level 2",
        ),
        (
            "1985-04-X1",
            |e| matches!(e, E::UnspecifiedDigits(_)),
            "level 2",
        ),
        ("199x", |e| matches!(e, E::LowercaseX(_)), "uppercase X"),
        (
            "1985-04-xx",
            |e| matches!(e, E::LowercaseX(_)),
            "uppercase X",
        ),
        ("../..", |e| matches!(e, E::NoKnownDate(_)), "no known date"),
        ("/", |e| matches!(e, E::NoKnownDate(_)), "no known date"),
        ("../", |e| matches!(e, E::NoKnownDate(_)), "no known date"),
        ("/..", |e| matches!(e, E::NoKnownDate(_)), "no known date"),
        (
            "..",
            |e| *e == E::OpenOutsideInterval,
            "only allowed as one end of an interval",
        ),
        (
            "1985/1986/1987",
            |e| matches!(e, E::TooManySlashes(_)),
            "more than one '/'",
        ),
        (
            "1985//1987",
            |e| matches!(e, E::TooManySlashes(_)),
            "more than one '/'",
        ),
        (
            "2004?-06",
            |e| matches!(e, E::PerComponentQualifier(_)),
            "level 2 features such as per-component qualifiers are not supported",
        ),
        (
            "2004-?06",
            |e| matches!(e, E::PerComponentQualifier(_)),
            "per-component qualifiers",
        ),
        (
            "?2004-06",
            |e| matches!(e, E::PerComponentQualifier(_)),
            "per-component qualifiers",
        ),
        (
            "2004-06~-11",
            |e| matches!(e, E::PerComponentQualifier(_)),
            "per-component qualifiers",
        ),
        (
            "1984?~",
            |e| matches!(e, E::MultipleQualifiers(_)),
            "more than one qualifier",
        ),
        (
            "[1667,1668]",
            |e| matches!(e, E::Set(_)),
            "sets such as \"[1667,1668]\"",
        ),
        ("{1667,1668}", |e| matches!(e, E::Set(_)), "sets"),
        ("[1667, 1668]", |e| matches!(e, E::Set(_)), "sets"),
        (
            "2001-42",
            |e| *e == E::MonthOutOfRange(42),
            "month 42 is out of range",
        ),
        (
            "2001-21-05",
            |e| matches!(e, E::SeasonWithDay(_)),
            "a season has no days",
        ),
        (
            " 1988 02",
            |e| matches!(e, E::InternalWhitespace(t) if t == "1988 02"),
            "whitespace inside \"1988 02\"",
        ),
        (
            "1988 / 1994",
            |e| matches!(e, E::InternalWhitespace(_)),
            "whitespace",
        ),
        (
            "2020-1",
            |e| matches!(e, E::MonthDigits(t) if t == "1"),
            "month \"1\" must have two digits",
        ),
        (
            "2020-01-1",
            |e| matches!(e, E::DayDigits(t) if t == "1"),
            "day \"1\" must have two digits",
        ),
        ("2020-011", |e| matches!(e, E::MonthDigits(_)), "two digits"),
        (
            "1988-",
            |e| matches!(e, E::UnexpectedText(t) if t == "-"),
            "unexpected text \"-\"",
        ),
        (
            "1988-02-20-01",
            |e| matches!(e, E::UnexpectedText(t) if t == "-01"),
            "\"-01\"",
        ),
        (
            "1988-02-20abc",
            |e| matches!(e, E::UnexpectedText(t) if t == "abc"),
            "\"abc\"",
        ),
        (
            "1988?abc",
            |e| matches!(e, E::UnexpectedText(t) if t == "abc"),
            "\"abc\"",
        ),
        (
            "1984..1990",
            |e| matches!(e, E::UnexpectedText(_)),
            "\"..1990\"",
        ),
        (
            "1985/abc",
            |e| matches!(e, E::UnexpectedText(t) if t == "abc"),
            "\"abc\"",
        ),
        (
            "1985/...",
            |e| matches!(e, E::UnexpectedText(_)),
            "unexpected text",
        ),
        (
            "１９８８",
            |e| matches!(e, E::UnexpectedText(_)),
            "unexpected text",
        ),
    ];
    for (input, is_variant, message) in cases {
        let e = err(input);
        assert!(is_variant(&e), "{input:?} gave the wrong error: {e:?}");
        assert!(
            e.to_string().contains(message),
            "message for {input:?} is {:?}, expected it to contain {message:?}",
            e.to_string()
        );
    }
}

#[test]
fn filter_dates() {
    let ok = |s: &str| parse_filter_date(s).unwrap_or_else(|e| panic!("{s}: {e}"));
    assert_eq!(ok("2020"), (day(2020, 1, 1), day(2020, 12, 31)));
    assert_eq!(ok("2020-02"), (day(2020, 2, 1), day(2020, 2, 29)));
    assert_eq!(ok("2021-02"), (day(2021, 2, 1), day(2021, 2, 28)));
    assert_eq!(ok("1988-02-20"), (day(1988, 2, 20), day(1988, 2, 20)));
    assert_eq!(ok(" 1988-02-20 "), (day(1988, 2, 20), day(1988, 2, 20)));
    assert_eq!(ok("0000"), (day(0, 1, 1), day(0, 12, 31)));
    assert_eq!(ok("9999-12"), (day(9999, 12, 1), day(9999, 12, 31)));
    // Years as the dates hold them: fewer digits, negative, more digits.
    assert_eq!(ok("600"), (day(600, 1, 1), day(600, 12, 31)));
    assert_eq!(ok("0600"), ok("600"));
    assert_eq!(ok("88"), (day(88, 1, 1), day(88, 12, 31)));
    assert_eq!(ok("-300"), (day(-300, 1, 1), day(-300, 12, 31)));
    assert_eq!(ok("-0300-02"), (day(-300, 2, 1), day(-300, 2, 28)));
    assert_eq!(ok("10000"), (day(10000, 1, 1), day(10000, 12, 31)));
    // Every year a day can hold (a `Y` year beyond them is clamped to them, and says so).
    assert_eq!(ok("999999").1, Day::LAST);
    assert_eq!(ok("-999999").0, Day::FIRST);
    assert!(parse_filter_date("1000000").is_err());
    assert!(parse_filter_date("-1000000").is_err());

    let message = |s: &str| match parse_filter_date(s) {
        Ok(v) => panic!("{s:?} should be rejected, got {v:?}"),
        Err(e) => e.to_string(),
    };
    assert_eq!(
        message("1988-13"),
        "\"1988-13\": month 13 is out of range (expected 01-12)"
    );
    assert_eq!(
        message("1988-00"),
        "\"1988-00\": month 00 is out of range (expected 01-12)"
    );
    assert_eq!(
        message("abc"),
        "\"abc\" is not a date: use YYYY, YYYY-MM or YYYY-MM-DD"
    );
    assert_eq!(
        message("2023-02-30"),
        "\"2023-02-30\": February 2023 has 28 days"
    );
    assert_eq!(
        message("2020-02-30"),
        "\"2020-02-30\": February 2020 has 29 days"
    );
    assert_eq!(
        message("2020-01-32"),
        "\"2020-01-32\": day 32 is out of range (expected 01-31)"
    );
    assert_eq!(message(""), "empty date: use YYYY, YYYY-MM or YYYY-MM-DD");
    for bad in [
        "2020-1",
        "2020-02?",
        "1000000",
        "-0",
        "-0000",
        "--100",
        "2020/2021",
        "199X",
        "2020-XX",
        "2020-02-1",
        "2020-0220",
        "2020 02",
        "２０２０",
        "2020-02-20T10:00",
        "+2020",
        "2020-21",
    ] {
        let is_not_a_date = matches!(parse_filter_date(bad), Err(DateInputError::NotADate(_)));
        let is_range = matches!(
            parse_filter_date(bad),
            Err(DateInputError::MonthOutOfRange { .. })
        );
        assert!(
            is_not_a_date || is_range,
            "{bad:?}: {:?}",
            parse_filter_date(bad)
        );
    }
    assert!(matches!(
        parse_filter_date("2020-21"),
        Err(DateInputError::MonthOutOfRange { month: 21, .. })
    ));
}

// ---------------------------------------------------------------------------
// Property tests.

/// A canonical level 0/1 date (with qualifier) and its expected first and last day.
fn date() -> impl Strategy<Value = (String, Day, Day)> {
    let year = 0i32..=9999;
    let body = prop_oneof![
        year.clone()
            .prop_map(|y| (format!("{y:04}"), day(y, 1, 1), day(y, 12, 31))),
        (year.clone(), 1u32..=12).prop_map(|(y, m)| (
            format!("{y:04}-{m:02}"),
            day(y, m, 1),
            day(y, m, days_in_month(y, m))
        )),
        (year.clone(), 1u32..=12, 1u32..=31).prop_map(|(y, m, d)| {
            let d = d.min(days_in_month(y, m));
            (format!("{y:04}-{m:02}-{d:02}"), day(y, m, d), day(y, m, d))
        }),
        (0i32..=999).prop_map(|d| (
            format!("{d:03}X"),
            day(d * 10, 1, 1),
            day(d * 10 + 9, 12, 31)
        )),
        (0i32..=99).prop_map(|c| (
            format!("{c:02}XX"),
            day(c * 100, 1, 1),
            day(c * 100 + 99, 12, 31)
        )),
        year.clone()
            .prop_map(|y| (format!("{y:04}-XX"), day(y, 1, 1), day(y, 12, 31))),
        year.clone()
            .prop_map(|y| (format!("{y:04}-XX-XX"), day(y, 1, 1), day(y, 12, 31))),
        (year.clone(), 1u32..=12).prop_map(|(y, m)| (
            format!("{y:04}-{m:02}-XX"),
            day(y, m, 1),
            day(y, m, days_in_month(y, m))
        )),
        (year, 21u32..=24).prop_filter_map("no winter 9999", |(y, s)| {
            let (first, last) = match s {
                21 => (day(y, 3, 1), day(y, 5, 31)),
                22 => (day(y, 6, 1), day(y, 8, 31)),
                23 => (day(y, 9, 1), day(y, 11, 30)),
                _ => (
                    day(y, 12, 1),
                    Day::from_ymd(y + 1, 2, days_in_month(y + 1, 2))?,
                ),
            };
            Some((format!("{y:04}-{s}"), first, last))
        }),
    ];
    let qualifier = prop_oneof![Just(""), Just("?"), Just("~"), Just("%")];
    (body, qualifier).prop_map(|((text, first, last), q)| (format!("{text}{q}"), first, last))
}

/// A canonical level 0/1 value (date or interval) and its expected bounds.
fn value() -> impl Strategy<Value = (String, Day, Day)> {
    prop_oneof![
        3 => date(),
        3 => (date(), date()).prop_map(|(a, b)| {
            // Order the ends so the interval is valid.
            let (a, b) = if a.1 > b.2 { (b, a) } else { (a, b) };
            (format!("{}/{}", a.0, b.0), a.1, b.2)
        }),
        1 => date().prop_map(|(t, first, _)| (format!("{t}/.."), first, Day::MAX)),
        1 => date().prop_map(|(t, first, _)| (format!("{t}/"), first, Day::MAX)),
        1 => date().prop_map(|(t, _, last)| (format!("../{t}"), Day::MIN, last)),
        1 => date().prop_map(|(t, _, last)| (format!("/{t}"), Day::MIN, last)),
    ]
}

/// Checks the invariants every successfully parsed value must hold.
fn check_parsed(input: &str, v: &Edtf) -> Result<(), TestCaseError> {
    prop_assert!(v.earliest() <= v.latest(), "{input:?}: {v:?}");
    prop_assert!(v.earliest() >= Day::MIN && v.latest() <= Day::MAX);
    // Every accepted string is canonical.
    prop_assert_eq!(v.to_string(), input.trim());
    prop_assert_eq!(Edtf::parse(&v.to_string()), Ok(v.clone()));
    prop_assert!(!v.words().is_empty());
    let _ = (v.precision(), v.html_datetime(), v.html_datetime_end());
    Ok(())
}

proptest! {
    #[test]
    fn generated_values_parse_with_expected_bounds((text, first, last) in value()) {
        let v = Edtf::parse(&text);
        prop_assert!(v.is_ok(), "{text:?}: {v:?}");
        let v = v.unwrap();
        prop_assert_eq!(v.to_string(), text.clone());
        prop_assert_eq!(v.earliest(), first, "earliest of {}", text);
        prop_assert_eq!(v.latest(), last, "latest of {}", text);
        prop_assert_eq!(v.is_interval(), text.contains('/'));
        check_parsed(&text, &v)?;
    }

    #[test]
    fn generated_dates_word_consistently((text, _, _) in date()) {
        let v = Edtf::parse(&text).unwrap();
        let words = v.words();
        prop_assert_eq!(words.starts_with("c. "), text.ends_with('~') || text.ends_with('%'));
        prop_assert_eq!(words.ends_with('?'), text.ends_with('?') || text.ends_with('%'));
    }

    #[test]
    fn reversed_intervals_are_rejected((a, b) in (date(), date())) {
        prop_assume!(a.1 > b.2);
        let text = format!("{}/{}", a.0, b.0);
        let is_reversed = matches!(Edtf::parse(&text), Err(EdtfError::IntervalReversed { .. }));
        prop_assert!(is_reversed, "{}", text);
    }

    #[test]
    fn negative_years_have_their_days(y in -9999i32..=-1, m in 1u32..=12, d in 1u32..=31, shape in 0..3) {
        let d = d.min(days_in_month(y, m));
        let year = year_text(y);
        let (text, first, last) = match shape {
            0 => (year.clone(), day(y, 1, 1), day(y, 12, 31)),
            1 => (format!("{year}-{m:02}"), day(y, m, 1), day(y, m, days_in_month(y, m))),
            _ => (format!("{year}-{m:02}-{d:02}"), day(y, m, d), day(y, m, d)),
        };
        let v = Edtf::parse(&text);
        prop_assert!(v.is_ok(), "{text:?}: {v:?}");
        let v = v.unwrap();
        prop_assert_eq!((v.earliest(), v.latest()), (first, last));
        prop_assert_eq!(v.earliest_iso(), Some(first.iso()));
        prop_assert_eq!(v.to_string(), text.clone());
        prop_assert!(v.words().contains("BCE"));
        prop_assert_eq!(parse_filter_date(&text), Ok((first, last)));
    }

    #[test]
    fn filter_dates_agree_with_edtf(y in 0i32..=9999, m in 1u32..=12, d in 1u32..=31, shape in 0..3) {
        let d = d.min(days_in_month(y, m));
        let text = match shape {
            0 => format!("{y:04}"),
            1 => format!("{y:04}-{m:02}"),
            _ => format!("{y:04}-{m:02}-{d:02}"),
        };
        let v = Edtf::parse(&text).unwrap();
        prop_assert_eq!(parse_filter_date(&text), Ok((v.earliest(), v.latest())));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn arbitrary_strings_never_panic(s in ".*") {
        if let Ok(v) = Edtf::parse(&s) {
            check_parsed(&s, &v)?;
        }
        if let Ok((first, last)) = parse_filter_date(&s) {
            prop_assert!(first <= last);
        }
    }

    #[test]
    fn edtf_alphabet_strings_never_panic(s in "[0-9X?~%/.\\-]{0,25}") {
        if let Ok(v) = Edtf::parse(&s) {
            check_parsed(&s, &v)?;
        }
        if let Ok((first, last)) = parse_filter_date(&s) {
            prop_assert!(first <= last);
        }
    }

    #[test]
    fn mutated_valid_values_never_panic(
        (text, _, _) in value(),
        index in any::<prop::sample::Index>(),
        replacement in "[0-9Xx?~%/. \\-TZYE\\[é]{0,2}",
    ) {
        // Replace one character of a valid value with zero to two others.
        let chars: Vec<char> = text.chars().collect();
        let i = index.index(chars.len().max(1)).min(chars.len());
        let mut s: String = chars[..i].iter().collect();
        s.push_str(&replacement);
        s.extend(chars.iter().skip(i + 1));
        if let Ok(v) = Edtf::parse(&s) {
            check_parsed(&s, &v)?;
        }
    }
}
