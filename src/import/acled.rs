//! ACLED exports (Armed Conflict Location & Event Data, CSV): one event per row, keyed by
//! `event_id_cnty`. The mapping (dates and `time_precision`, categories from `event_type`,
//! actors, place, source) is documented in `docs/dataset-format.md` ("ACLED").

use super::tabular::{
    Header, Row, RowMapper, ascii_slug, check_event, columns, fit_slug, fit_text, geocoded_place,
    hand_on, id_slug, named_source, place_words, split_list,
};
use super::{ConflictChoice, Deletion, Item, MappingOptions};
use crate::edtf::{Day, Edtf};
use crate::record::{EventRecord, Fatalities, FieldProblem, TITLE_MAX};

/// Columns without which a row cannot be mapped.
const REQUIRED: &[&str] = &["event_id_cnty", "event_date", "event_type", "country"];

columns! {
    struct Columns {
        id: "event_id_cnty",
        date: "event_date",
        precision: "time_precision",
        disorder_type: "disorder_type",
        event_type: "event_type",
        sub_event_type: "sub_event_type",
        actor1: "actor1",
        assoc_actor_1: "assoc_actor_1",
        actor2: "actor2",
        assoc_actor_2: "assoc_actor_2",
        interaction: "interaction",
        civilian_targeting: "civilian_targeting",
        region: "region",
        country: "country",
        admin1: "admin1",
        admin2: "admin2",
        location: "location",
        geo_precision: "geo_precision",
        latitude: "latitude",
        longitude: "longitude",
        source: "source",
        source_scale: "source_scale",
        notes: "notes",
        fatalities: "fatalities",
        tags: "tags",
    }
}

/// Record fields reported under the column they come from.
const COLUMN_OF: &[(&str, &str)] = &[
    ("slug", "event_id_cnty"),
    ("title", "sub_event_type"),
    ("category", "event_type"),
    ("place", "location"),
    ("fatalities.best", "fatalities"),
    ("sources[0].title", "source"),
    ("actors", "actor1"),
];

/// Maps ACLED rows to events, with a conflict per country unless `--conflict` is given.
pub struct Acled {
    cols: Columns,
    conflicts: ConflictChoice,
}

impl Acled {
    /// A mapper with the `--conflict` choice.
    pub fn new(mapping: &MappingOptions) -> Self {
        Acled {
            cols: Columns::default(),
            conflicts: ConflictChoice::new(mapping),
        }
    }
}

/// The category for an ACLED `event_type` (documented in `docs/dataset-format.md`).
pub fn category(event_type: &str) -> String {
    match event_type.trim().to_ascii_lowercase().as_str() {
        "battles" | "explosions/remote violence" => "military".to_string(),
        "violence against civilians" => "violence-against-civilians".to_string(),
        "protests" => "protest".to_string(),
        "riots" => "riot".to_string(),
        "strategic developments" => "political".to_string(),
        other => {
            let slug = fit_slug(&ascii_slug(other), 60);
            if slug.is_empty() {
                "event".to_string()
            } else {
                slug
            }
        }
    }
}

impl RowMapper for Acled {
    fn header(&mut self, h: &Header) -> Vec<FieldProblem> {
        self.cols = Columns::find(h);
        h.missing(REQUIRED)
    }

    fn row(&mut self, row: &Row<'_>, out: &mut Vec<Item>) -> Result<(), Vec<FieldProblem>> {
        let c = &self.cols;
        let mut problems = Vec::new();

        let slug = event_slug(row.get(c.id), "the event's", &mut problems);
        let date = event_date(row.get(c.date), row.get(c.precision))
            .map_err(|p| problems.push(p))
            .ok();

        let event_type = row.get(c.event_type);
        let sub_event_type = row.get(c.sub_event_type);
        let location = row.get(c.location);
        let admin1 = row.get(c.admin1);
        let country = row.get(c.country);
        let what = [sub_event_type, event_type]
            .into_iter()
            .find(|s| !s.is_empty())
            .unwrap_or("Event");
        let title = match [location, admin1, country]
            .into_iter()
            .find(|s| !s.is_empty())
        {
            Some(place) => format!("{what} in {place}"),
            None => what.to_string(),
        };

        let place = place_words([location, admin1, country]);

        let mut actors: Vec<String> = Vec::new();
        for col in [c.actor1, c.assoc_actor_1, c.actor2, c.assoc_actor_2] {
            actors.extend(split_list(row.get(col), ';'));
        }

        let coordinates = row.coordinates(c.latitude, c.longitude, &mut problems);
        let fatalities = Fatalities {
            best: row.count("fatalities", c.fatalities, &mut problems),
            ..Fatalities::default()
        };
        // The source column names the outlet; giving it as both title and publisher printed
        // "X, X." on the event page.
        let source = named_source(
            row.opt(c.source).unwrap_or("ACLED"),
            row.opt(c.source_scale),
        );

        let mut body = Vec::new();
        for (label, col) in [
            ("Disorder type", c.disorder_type),
            ("Event type", c.event_type),
            ("Sub-event type", c.sub_event_type),
            ("Interaction", c.interaction),
            ("Civilian targeting", c.civilian_targeting),
            ("Tags", c.tags),
        ] {
            if let Some(value) = row.opt(col) {
                let value = match (label, interaction_words(value)) {
                    ("Interaction", Some(words)) => format!("{words} ({value})"),
                    _ => value.to_string(),
                };
                body.push(format!("- {label}: {value}"));
            }
        }
        if let Some(value) = row.opt(c.id) {
            body.push(format!("- ACLED event: {value}"));
        }

        let conflict = match self.conflicts.fixed(out) {
            Some(slug) => slug,
            None if country.is_empty() => {
                problems.push(FieldProblem::new(
                    "country",
                    "",
                    "must name the country (the event's conflict), or use --conflict SLUG",
                ));
                String::new()
            }
            None => self
                .conflicts
                .named(country, country, row.opt(c.region), out),
        };

        let Some(date) = date else {
            return Err(problems);
        };
        let record = EventRecord {
            conflict,
            slug,
            title: fit_text(&title, TITLE_MAX),
            summary: row.get(c.notes).to_string(),
            body: body.join("\n"),
            date,
            label: None,
            category: category(event_type),
            place,
            coordinates,
            fatalities,
            actors,
            sources: vec![source],
            links: Vec::new(),
            // The event's place: ACLED's location with its coordinates and their precision
            // code, lying in the smallest admin area given (see `writer::places`).
            places: geocoded_place(
                &[location, admin1],
                coordinates,
                row.opt(c.geo_precision)
                    .map(|p| format!("ACLED geo_precision {p}")),
                [row.get(c.admin2), admin1],
            ),
            notable: false,
            formerly: Vec::new(),
        };
        problems.extend(check_event(&record, COLUMN_OF));
        hand_on(record, problems, out)
    }
}

/// The slug of the event an ACLED id names (`acled-arm1234`); a problem under
/// `event_id_cnty`, saying that it must be `whose` ACLED id, when it cannot make one.
fn event_slug(id: &str, whose: &str, problems: &mut Vec<FieldProblem>) -> String {
    id_slug(
        "acled",
        "event_id_cnty",
        id,
        &format!("must be {whose} ACLED id (such as ARM1234)"),
        problems,
    )
}

/// The actor types of ACLED's interaction codes (codebook: the first digit is the type of
/// the first actor, the second the type of the second, 0 for none).
const ACTOR_TYPES: [&str; 8] = [
    "State forces",
    "Rebel groups",
    "Political militias",
    "Identity militias",
    "Rioters",
    "Protesters",
    "Civilians",
    "External/other forces",
];

/// An interaction code in words: `60` → "Protesters alone", `12` → "State forces and
/// rebel groups"; `None` for anything that is not such a code (newer files write words).
pub fn interaction_words(code: &str) -> Option<String> {
    let digits: Vec<usize> = code
        .trim()
        .chars()
        .map(|c| c.to_digit(10).and_then(|d| usize::try_from(d).ok()))
        .collect::<Option<_>>()?;
    let name = |d: usize| d.checked_sub(1).and_then(|i| ACTOR_TYPES.get(i)).copied();
    match digits.as_slice() {
        [a, 0] => Some(format!("{} alone", name(*a)?)),
        [a, b] => Some(format!("{} and {}", name(*a)?, name(*b)?.to_lowercase())),
        _ => None,
    }
}

/// The English month names and their three-letter abbreviations.
const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// Parses an ACLED date: `2020-07-12`, `12 July 2020`, `12-July-2020`, `12 Jul 2020`,
/// `12-07-2020` (day first, as the codebook writes it) or `30-Jun-22` (as Excel writes a
/// date; two-digit years read as Excel reads them, 00-29 as 2000-2029 and 30-99 as
/// 1930-1999).
pub fn parse_date(value: &str) -> Option<Day> {
    let value = value.trim();
    if let Some((y, m, d)) = super::tabular::parse_iso_day(value) {
        return Day::from_ymd(y, m, d);
    }
    let parts: Vec<&str> = value
        .split([' ', '-', '/'])
        .filter(|p| !p.is_empty())
        .collect();
    let [day, month, year] = parts.as_slice() else {
        return None;
    };
    let day: u32 = day.parse().ok()?;
    let year: i32 = match year.len() {
        4 => year.parse().ok()?,
        2 => match year.parse::<i32>().ok()? {
            yy @ 0..=29 => 2000 + yy,
            yy => 1900 + yy,
        },
        _ => return None,
    };
    let month = match month.parse::<u32>() {
        Ok(m) => m,
        Err(_) => {
            let name = month.to_ascii_lowercase();
            let name = name.trim_end_matches('.');
            let found = MONTHS
                .iter()
                .position(|m| *m == name || (name.len() >= 3 && m.starts_with(name)))?;
            u32::try_from(found).ok()? + 1
        }
    };
    Day::from_ymd(year, month, day)
}

/// The EDTF for an `event_date` and `time_precision`: 1 → the day; 2 (within about a week)
/// → the day, approximate (`2020-07-12~`); 3 (within about a month) → the month,
/// approximate (`2020-07~`). An empty precision counts as 1.
pub fn event_date(date: &str, precision: &str) -> Result<Edtf, FieldProblem> {
    let day = parse_date(date).ok_or_else(|| {
        FieldProblem::new(
            "event_date",
            date,
            "must be a date written YYYY-MM-DD (2020-07-12), DD Month YYYY (12 July 2020), DD-Month-YYYY (12-July-2020), DD Mon YYYY (12 Jul 2020), DD-MM-YYYY (12-07-2020) or DD-Mon-YY as Excel writes it (12-Jul-20)",
        )
    })?;
    let iso = day.iso();
    let text = match precision {
        "" | "1" => iso,
        "2" => format!("{iso}~"),
        "3" => format!("{}~", &iso[..7]),
        _ => {
            return Err(FieldProblem::new(
                "time_precision",
                precision,
                "must be 1 (exact day), 2 (within a week) or 3 (within a month)",
            ));
        }
    };
    Edtf::parse(&text).map_err(|e| FieldProblem::new("event_date", date, e.to_string()))
}

/// ACLED's list of deleted events (the API's `deleted` endpoint, as CSV): `event_id_cnty`
/// and `deleted_timestamp` (Unix seconds) per row. Each row removes the event imported
/// from that ACLED id, if the database holds it, leaving a tombstone that says when ACLED
/// deleted it; ids the database does not hold are reported, not refused (the list covers
/// every country ACLED records).
#[derive(Default)]
pub struct AcledDeleted {
    id: Option<usize>,
    deleted_at: Option<usize>,
}

/// Columns of ACLED's list of deleted events.
pub const DELETED_COLUMNS: &[&str] = &["event_id_cnty", "deleted_timestamp"];

impl RowMapper for AcledDeleted {
    fn header(&mut self, h: &Header) -> Vec<FieldProblem> {
        self.id = h.col("event_id_cnty");
        self.deleted_at = h.col("deleted_timestamp");
        h.missing(DELETED_COLUMNS)
    }

    fn row(&mut self, row: &Row<'_>, out: &mut Vec<Item>) -> Result<(), Vec<FieldProblem>> {
        let mut problems = Vec::new();
        let slug = event_slug(row.get(self.id), "the deleted event's", &mut problems);
        let stamp = row.get(self.deleted_at);
        let day = stamp
            .trim()
            .parse::<i64>()
            .ok()
            .and_then(|secs| i32::try_from(secs.div_euclid(86_400)).ok())
            .map(Day)
            .filter(|day| day.is_real());
        if day.is_none() {
            problems.push(FieldProblem::new(
                "deleted_timestamp",
                stamp,
                "must be the time ACLED deleted the event, in seconds since 1970 (such as 1747699200)",
            ));
        }
        match day {
            Some(day) if problems.is_empty() => {
                out.push(Item::Deletion(Deletion {
                    slug,
                    reason: format!(
                        "deleted by ACLED on {} (ACLED's list of deleted events)",
                        day.iso()
                    ),
                }));
                Ok(())
            }
            _ => Err(problems),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acled_dates_in_both_spellings() {
        let iso = |s: &str| parse_date(s).map(|d| d.iso());
        assert_eq!(iso("2020-07-12").as_deref(), Some("2020-07-12"));
        assert_eq!(iso("12 July 2020").as_deref(), Some("2020-07-12"));
        assert_eq!(iso("12-July-2020").as_deref(), Some("2020-07-12"));
        assert_eq!(iso("2 Sep 2020").as_deref(), Some("2020-09-02"));
        assert_eq!(iso("31 June 2020"), None);
        assert_eq!(iso("July 2020"), None);
        // As Excel writes dates, with its two-digit year window.
        assert_eq!(iso("30-Jun-22").as_deref(), Some("2022-06-30"));
        assert_eq!(iso("1-Jan-97").as_deref(), Some("1997-01-01"));
        assert_eq!(iso("31-Dec-29").as_deref(), Some("2029-12-31"));
        assert_eq!(iso("31-Jun-22"), None);
    }

    #[test]
    fn the_date_error_lists_every_accepted_form() {
        let message = event_date("2020/07/12x", "1").map_err(|p| p.message);
        let Err(message) = message else {
            panic!("accepted");
        };
        for form in [
            "2020-07-12",
            "12 July 2020",
            "12-July-2020",
            "12 Jul 2020",
            "12-07-2020",
            "12-Jul-20",
        ] {
            assert!(message.contains(form), "{form} missing from {message}");
        }
    }

    #[test]
    fn interaction_codes_read_as_words() {
        assert_eq!(interaction_words("60").as_deref(), Some("Protesters alone"));
        assert_eq!(
            interaction_words("12").as_deref(),
            Some("State forces and rebel groups")
        );
        assert_eq!(
            interaction_words("17").as_deref(),
            Some("State forces and civilians")
        );
        assert_eq!(interaction_words("90"), None);
        assert_eq!(interaction_words("State forces-Protesters"), None);
        assert_eq!(interaction_words("1"), None);
    }

    #[test]
    fn every_time_precision_code() {
        let edtf = |p: &str| event_date("12 July 2020", p).map(|d| d.to_string());
        assert_eq!(edtf("1").as_deref(), Ok("2020-07-12"));
        assert_eq!(edtf("2").as_deref(), Ok("2020-07-12~"));
        assert_eq!(edtf("3").as_deref(), Ok("2020-07~"));
        assert_eq!(
            edtf("4").map_err(|p| p.field),
            Err("time_precision".to_string())
        );
    }

    #[test]
    fn event_types_map_to_categories() {
        assert_eq!(category("Battles"), "military");
        assert_eq!(category("Explosions/Remote violence"), "military");
        assert_eq!(
            category("Violence against civilians"),
            "violence-against-civilians"
        );
        assert_eq!(category("Protests"), "protest");
        assert_eq!(category("Riots"), "riot");
        assert_eq!(category("Strategic developments"), "political");
        assert_eq!(category("Something New"), "something-new");
    }
}

#[cfg(test)]
mod proptests {
    //! Arbitrary dates, precisions and event types never panic their parsers (arbitrary
    //! rows: `tabular::proptests`).

    use proptest::prelude::*;

    use super::super::tabular::proptests::cell;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn dates_and_types_never_panic(date in cell(), precision in cell(), kind in cell()) {
            let _ = super::parse_date(&date);
            if let Ok(edtf) = super::event_date(&date, &precision) {
                prop_assert!(edtf.earliest() <= edtf.latest());
            }
            let category = super::category(&kind);
            prop_assert!(category.is_empty() || crate::slug::is_valid(&category, 200), "{}", category);
        }
    }
}
