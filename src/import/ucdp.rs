//! UCDP GED exports (Uppsala Conflict Data Program, Georeferenced Event Dataset, CSV): one
//! event per row, keyed by `id`. Columns may come in any order and extra columns are
//! ignored. The mapping is documented in `docs/dataset-format.md` ("UCDP GED").

use super::tabular::{
    Header, Row, RowMapper, ascii_slug, check_event, columns, fit_text, geocoded_place, hand_on,
    id_slug, named_source, parse_iso_day, place_words,
};
use super::{ConflictChoice, Item, MappingOptions};
use crate::edtf::{Day, Edtf, days_in_month};
use crate::record::{EventRecord, Fatalities, FieldProblem, NAME_MAX, TITLE_MAX};

const REQUIRED: &[&str] = &["id", "date_start", "date_end", "conflict_name"];

columns! {
    struct Columns {
        id: "id",
        type_of_violence: "type_of_violence",
        conflict_name: "conflict_name",
        dyad_name: "dyad_name",
        side_a: "side_a",
        side_b: "side_b",
        source_article: "source_article",
        source_headline: "source_headline",
        where_description: "where_description",
        adm_1: "adm_1",
        adm_2: "adm_2",
        where_coordinates: "where_coordinates",
        where_prec: "where_prec",
        latitude: "latitude",
        longitude: "longitude",
        country: "country",
        region: "region",
        date_prec: "date_prec",
        date_start: "date_start",
        date_end: "date_end",
        deaths_a: "deaths_a",
        deaths_b: "deaths_b",
        deaths_civilians: "deaths_civilians",
        deaths_unknown: "deaths_unknown",
        best: "best",
        high: "high",
        low: "low",
    }
}

/// Record fields reported under the column they come from.
const COLUMN_OF: &[(&str, &str)] = &[
    ("slug", "id"),
    ("title", "dyad_name"),
    ("place", "where_description"),
    ("fatalities.best", "best"),
    ("fatalities.low", "low"),
    ("fatalities.high", "high"),
    ("sources[0].title", "source_headline"),
    ("actors[0]", "side_a"),
    ("actors[1]", "side_b"),
    ("actors", "side_a"),
];

/// Maps UCDP GED rows to events, with a conflict per `conflict_name` unless `--conflict`.
pub struct Ucdp {
    cols: Columns,
    conflicts: ConflictChoice,
}

impl Ucdp {
    /// A mapper with the `--conflict` choice.
    pub fn new(mapping: &MappingOptions) -> Self {
        Ucdp {
            cols: Columns::default(),
            conflicts: ConflictChoice::new(mapping),
        }
    }
}

/// The category and the words for a `type_of_violence` code.
pub fn violence(code: &str) -> Option<(&'static str, &'static str)> {
    match code {
        "1" => Some(("military", "state-based armed conflict")),
        "2" => Some(("military", "non-state conflict")),
        "3" => Some(("violence-against-civilians", "one-sided violence")),
        _ => None,
    }
}

impl RowMapper for Ucdp {
    fn header(&mut self, h: &Header) -> Vec<FieldProblem> {
        self.cols = Columns::find(h);
        h.missing(REQUIRED)
    }

    fn row(&mut self, row: &Row<'_>, out: &mut Vec<Item>) -> Result<(), Vec<FieldProblem>> {
        let c = &self.cols;
        let mut problems = Vec::new();

        let id = row.get(c.id);
        let slug = id_slug(
            "ucdp",
            "id",
            id,
            "must be the event's UCDP id",
            &mut problems,
        );
        let date = event_date(
            row.get(c.date_start),
            row.get(c.date_end),
            row.get(c.date_prec),
        )
        .map_err(|p| problems.push(p))
        .ok();

        let code = row.get(c.type_of_violence);
        let (category, violence_words) = match violence(code) {
            Some(found) => found,
            None if code.is_empty() => ("military", ""),
            None => {
                problems.push(FieldProblem::new(
                    "type_of_violence",
                    code,
                    "must be 1 (state-based), 2 (non-state) or 3 (one-sided)",
                ));
                ("military", "")
            }
        };

        let mut count = |column: &str, col: Option<usize>| row.count(column, col, &mut problems);
        let fatalities = Fatalities {
            best: count("best", c.best),
            low: count("low", c.low),
            high: count("high", c.high),
        };
        let split = [
            ("side A", count("deaths_a", c.deaths_a)),
            ("side B", count("deaths_b", c.deaths_b)),
            ("civilians", count("deaths_civilians", c.deaths_civilians)),
            ("unknown", count("deaths_unknown", c.deaths_unknown)),
        ];
        let coordinates = row.coordinates(c.latitude, c.longitude, &mut problems);

        let side_a = row.get(c.side_a);
        let side_b = row.get(c.side_b);
        let actors: Vec<String> = [side_a, side_b]
            .into_iter()
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();

        let where_description = row.get(c.where_description);
        let adm_1 = row.get(c.adm_1);
        let country = row.get(c.country);
        let place = place_words([where_description, adm_1, country]);

        let dyad = match row.opt(c.dyad_name) {
            Some(dyad) => dyad.to_string(),
            None => match (side_a, side_b) {
                ("", "") => "Event".to_string(),
                (a, "") | ("", a) => a.to_string(),
                (a, b) => format!("{a} – {b}"),
            },
        };
        // `where_description` is often prose ("the al-Rami village", "near Aleppo",
        // "between X and Y"): it names the place in a title only when it reads as a name
        // (starts with a capital); otherwise the province or the country does.
        let reads_as_name = |s: &str| s.chars().next().is_some_and(char::is_uppercase);
        let title = match [where_description, adm_1, country]
            .into_iter()
            .find(|s| reads_as_name(s))
        {
            Some(place) => format!("{dyad} in {place}"),
            None => dyad,
        };

        let mut summary = Vec::new();
        if !violence_words.is_empty() {
            let mut kind = violence_words.to_string();
            if let Some(first) = kind.get_mut(..1) {
                first.make_ascii_uppercase();
            }
            summary.push(format!("{kind}."));
        }
        if let Some(best) = fatalities.best {
            let parts: Vec<String> = split
                .iter()
                .filter_map(|(who, n)| n.map(|n| format!("{who} {n}")))
                .collect();
            let mut deaths = format!("Deaths (best estimate): {best}");
            match (fatalities.low, fatalities.high) {
                // As published, not a range running backwards.
                (Some(low), Some(high)) if low > high => {
                    deaths.push_str(&format!(", low {low}, high {high}"))
                }
                (Some(low), Some(high)) => deaths.push_str(&format!(", range {low}–{high}")),
                _ => {}
            }
            if !parts.is_empty() {
                deaths.push_str(&format!(" ({})", parts.join(", ")));
            }
            summary.push(format!("{deaths}."));
        }

        let headline = row.get(c.source_headline);
        let article = row.opt(c.source_article);
        let source_title = [headline, article.unwrap_or("")]
            .into_iter()
            .find(|s| !s.is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| format!("UCDP GED event {id}"));
        let source = named_source(&source_title, article);

        let conflict = match self.conflicts.fixed(out) {
            Some(slug) => slug,
            None => {
                let name = row.get(c.conflict_name);
                if name.chars().count() > NAME_MAX {
                    problems.push(FieldProblem::new(
                        "conflict_name",
                        name,
                        format!("is longer than {NAME_MAX} characters"),
                    ));
                    String::new()
                } else if name.is_empty() || ascii_slug(name).is_empty() {
                    problems.push(FieldProblem::new(
                        "conflict_name",
                        name,
                        "must name the conflict (with a Latin letter or digit), or use --conflict SLUG",
                    ));
                    String::new()
                } else {
                    self.conflicts.named(name, name, row.opt(c.region), out)
                }
            }
        };

        let Some(date) = date else {
            return Err(problems);
        };
        let record = EventRecord {
            conflict,
            slug,
            title: fit_text(&title, TITLE_MAX),
            summary: summary.join(" "),
            body: String::new(),
            date,
            label: None,
            category: category.to_string(),
            place,
            coordinates,
            fatalities,
            actors,
            sources: vec![source],
            links: Vec::new(),
            // The place UCDP geocoded the event to (`where_coordinates`), with its
            // coordinates and precision code, lying in the smallest admin area given.
            places: geocoded_place(
                &[row.get(c.where_coordinates), where_description, adm_1],
                coordinates,
                row.opt(c.where_prec)
                    .map(|p| format!("UCDP where_prec {p}")),
                [row.get(c.adm_2), adm_1],
            ),
            notable: false,
            formerly: Vec::new(),
        };
        // Messages name the CSV's columns, also inside the text ("high", not "fatalities.high").
        problems.extend(check_event(&record, COLUMN_OF).into_iter().map(|mut p| {
            p.message = p.message.replace("fatalities.high", "high");
            p
        }));
        hand_on(record, problems, out)
    }
}

/// The EDTF for `date_start`, `date_end` and `date_prec`:
///
/// * a whole calendar month or year collapses to that month or year (`2020-09`, `2020`);
/// * otherwise one day, or an interval `start/end` when the dates differ;
/// * `date_prec` 2 to 5 (the true date is only known within days, a week, a month or more)
///   marks each date approximate (`~`).
pub fn event_date(start: &str, end: &str, prec: &str) -> Result<Edtf, FieldProblem> {
    let expected = "must be a date written YYYY-MM-DD";
    let (sy, sm, sd) =
        parse_iso_day(start).ok_or_else(|| FieldProblem::new("date_start", start, expected))?;
    let (ey, em, ed) = if end.is_empty() {
        (sy, sm, sd)
    } else {
        parse_iso_day(end).ok_or_else(|| FieldProblem::new("date_end", end, expected))?
    };
    let approximate = match prec {
        "" | "1" => false,
        "2" | "3" | "4" | "5" => true,
        _ => {
            return Err(FieldProblem::new(
                "date_prec",
                prec,
                "must be a precision code from 1 (exact day) to 5 (more than a month)",
            ));
        }
    };
    let mark = if approximate { "~" } else { "" };
    let day = |y, m, d| Day::from_ymd(y, m, d).map(|d| d.iso()).unwrap_or_default();
    let text = if (sy, sm, sd) == (ey, em, ed) {
        format!("{}{mark}", day(sy, sm, sd))
    } else if sy == ey && (sm, sd) == (1, 1) && (em, ed) == (12, 31) {
        format!("{sy:04}")
    } else if (sy, sm) == (ey, em) && sd == 1 && ed == days_in_month(ey, em) {
        format!("{sy:04}-{sm:02}")
    } else {
        format!("{}{mark}/{}{mark}", day(sy, sm, sd), day(ey, em, ed))
    };
    Edtf::parse(&text).map_err(|e| FieldProblem::new("date_end", end, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edtf(start: &str, end: &str, prec: &str) -> String {
        event_date(start, end, prec)
            .map(|d| d.to_string())
            .unwrap_or_else(|p| format!("{}!", p.field))
    }

    #[test]
    fn every_date_prec_code() {
        assert_eq!(edtf("2020-09-27", "2020-09-27", "1"), "2020-09-27");
        assert_eq!(
            edtf("2020-09-27", "2020-09-29", "1"),
            "2020-09-27/2020-09-29"
        );
        assert_eq!(
            edtf("2020-09-27", "2020-10-01", "2"),
            "2020-09-27~/2020-10-01~"
        );
        assert_eq!(
            edtf("2020-09-27", "2020-10-03", "3"),
            "2020-09-27~/2020-10-03~"
        );
        assert_eq!(edtf("2020-09-01", "2020-09-30", "4"), "2020-09");
        assert_eq!(edtf("2020-01-01", "2020-12-31", "5"), "2020");
        assert_eq!(edtf("2020-03-05", "2020-03-05", "2"), "2020-03-05~");
        assert_eq!(edtf("2020-03-05", "2020-03-05", "6"), "date_prec!");
    }

    #[test]
    fn dates_with_times_and_bad_dates() {
        assert_eq!(
            edtf("2020-09-27 00:00:00.000", "2020-09-27 00:00:00.000", "1"),
            "2020-09-27"
        );
        assert_eq!(edtf("27/09/2020", "2020-09-27", "1"), "date_start!");
        assert_eq!(edtf("2020-09-27", "2020-09-26", "1"), "date_end!");
    }
}

#[cfg(test)]
mod proptests {
    //! Arbitrary dates and codes never panic their parsers (arbitrary rows:
    //! `tabular::proptests`).

    use proptest::prelude::*;

    use super::super::tabular::proptests::cell;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn dates_and_codes_never_panic(start in cell(), end in cell(), prec in cell()) {
            if let Ok(edtf) = super::event_date(&start, &end, &prec) {
                prop_assert!(edtf.earliest() <= edtf.latest());
            }
            let _ = super::violence(&prec);
        }
    }
}
