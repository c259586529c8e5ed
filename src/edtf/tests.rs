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
    ("0000", "0000-01-01", "0000-12-31", "0"),
    ("9999-12-31", "9999-12-31", "9999-12-31", "31 December 9999"),
    ("0800-07-04", "0800-07-04", "0800-07-04", "4 July 800"),
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
    ("20XX", "2000-01-01", "2099-12-31", "2000s"),
    ("199X", "1990-01-01", "1999-12-31", "1990s"),
    ("19XX", "1900-01-01", "1999-12-31", "1900s"),
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
        "1984? – c. 2004?",
    ),
    (
        "1984-06?/2004-08?",
        "1984-06-01",
        "2004-08-31",
        "June 1984? – August 2004?",
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
    (
        "1985-04-12/..",
        "1985-04-12",
        "9999-12-31",
        "since 12 April 1985",
    ),
    ("1985-04/..", "1985-04-01", "9999-12-31", "since April 1985"),
    ("1985/..", "1985-01-01", "9999-12-31", "since 1985"),
    (
        "2022-12-12/..",
        "2022-12-12",
        "9999-12-31",
        "since 12 December 2022",
    ),
    (
        "../1985-04-12",
        "0000-01-01",
        "1985-04-12",
        "until 12 April 1985",
    ),
    ("../1985-04", "0000-01-01", "1985-04-30", "until April 1985"),
    ("../1985", "0000-01-01", "1985-12-31", "until 1985"),
    (
        "1985-04-12/",
        "1985-04-12",
        "9999-12-31",
        "from 12 April 1985 (end unknown)",
    ),
    (
        "1985-04/",
        "1985-04-01",
        "9999-12-31",
        "from April 1985 (end unknown)",
    ),
    (
        "1985/",
        "1985-01-01",
        "9999-12-31",
        "from 1985 (end unknown)",
    ),
    (
        "/1985-04-12",
        "0000-01-01",
        "1985-04-12",
        "until 12 April 1985 (start unknown)",
    ),
    (
        "/1985-04",
        "0000-01-01",
        "1985-04-30",
        "until April 1985 (start unknown)",
    ),
    (
        "/1985",
        "0000-01-01",
        "1985-12-31",
        "until 1985 (start unknown)",
    ),
    ("1984~/..", "1984-01-01", "9999-12-31", "since c. 1984"),
    ("../199X?", "0000-01-01", "1999-12-31", "until 1990s?"),
];

#[test]
fn valid_examples_parse_round_trip_and_have_bounds_and_words() {
    for &(input, earliest, latest, words) in VALID {
        let v = parse(input);
        assert_eq!(v.to_string(), input, "round trip of {input}");
        assert_eq!(input.parse::<Edtf>().as_ref(), Ok(&v), "FromStr of {input}");
        assert_eq!(v.earliest().iso(), earliest, "earliest of {input}");
        assert_eq!(v.latest().iso(), latest, "latest of {input}");
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
        ("0001-05", Some("0001-05"), None),
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
            "years must have four digits (0000-9999)",
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
            "1985-04-12T23:20:30",
            |e| matches!(e, E::Time(t) if t == "T23:20:30"),
            "times and time zones are not supported",
        ),
        (
            "1985-04-12T23:20:30Z",
            |e| matches!(e, E::Time(_)),
            "T23:20:30Z",
        ),
        ("1985-04-12Z", |e| matches!(e, E::Time(_)), "time zones"),
        (
            "Y170000002",
            |e| matches!(e, E::PrefixedYear(_)),
            "Y prefix",
        ),
        ("Y-17E7", |e| matches!(e, E::PrefixedYear(_)), "Y prefix"),
        ("17E7", |e| matches!(e, E::Exponent(_)), "exponent"),
        (
            "1950S2",
            |e| matches!(e, E::SignificantDigits(_)),
            "significant digits",
        ),
        (
            "-1985",
            |e| matches!(e, E::NegativeYear(_)),
            "negative years",
        ),
        (
            "1XXX",
            |e| matches!(e, E::UnspecifiedDigits(_)),
            "unspecified digits in \"1XXX\"",
        ),
        ("XXXX", |e| matches!(e, E::UnspecifiedDigits(_)), "level 2"),
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
            "2001-25",
            |e| *e == E::SubYearGrouping(25),
            "sub-year grouping 25 is not supported",
        ),
        ("2001-41", |e| *e == E::SubYearGrouping(41), "level 2"),
        (
            "2001-21-05",
            |e| matches!(e, E::SeasonWithDay(_)),
            "a season has no days",
        ),
        ("9999-24", |e| *e == E::WinterOutOfRange, "winter 9999"),
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
    assert_eq!(ok("0000"), (Day::MIN, day(0, 12, 31)));
    assert_eq!(ok("9999-12"), (day(9999, 12, 1), Day::MAX));

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
        "10000",
        "88",
        "-100",
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
