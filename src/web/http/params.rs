//! Query-string parsing that never fails silently and never panics: every page reads its
//! parameters through [`RawParams`], and every mistake becomes a [`ParamProblem`] that names
//! the parameter, shows the value and says what was expected.

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;

use super::error::AppError;
pub use super::error::ParamProblem;
use crate::db::history::ChangeKind;
use crate::db::models::Cursor;
use crate::db::queries::EventFilter;
use crate::edtf::parse_filter_date;
use crate::search::FtsQuery;
use crate::slug;

/// Longest query string accepted, in bytes.
pub const MAX_QUERY_BYTES: usize = 2048;
/// Longest single parameter value accepted, in bytes.
pub const MAX_VALUE_BYTES: usize = 200;
/// Most values accepted for one repeatable parameter (`category`, `actor`).
pub const MAX_REPEATS: usize = 20;
/// Longest category name accepted in `category=`.
pub const MAX_CATEGORY_BYTES: usize = 60;
/// Longest conflict slug accepted in `conflict=`.
pub const MAX_CONFLICT_BYTES: usize = 100;
/// What a bad `conflict=` is not.
const NOT_A_CONFLICT: &str = "is not a conflict's short name (lowercase words joined by hyphens)";
/// Deepest `page=` of search results: relevance order pages by offset, and nobody reads
/// past the first thousand hits; narrowing the search is the better way on.
pub const MAX_PAGE: u32 = 50;

/// The decoded `name=value` pairs of a query string.
pub struct RawParams {
    pairs: Vec<(String, String)>,
}

impl RawParams {
    /// Decodes a query string. Invalid percent-encoding is decoded leniently (as the
    /// replacement character) rather than refused: the value is then validated like any other.
    pub fn parse(query: Option<&str>) -> Result<RawParams, ParamProblem> {
        let query = query.unwrap_or("");
        if query.len() > MAX_QUERY_BYTES {
            return Err(ParamProblem::new(
                "query",
                "",
                format!(
                    "the query string is {} bytes long; at most {MAX_QUERY_BYTES} are accepted",
                    query.len()
                ),
            ));
        }
        let pairs = serde_urlencoded::from_str::<Vec<(String, String)>>(query).unwrap_or_default();
        Ok(RawParams { pairs })
    }

    /// A parameter that may appear at most once. An empty value (an empty form field)
    /// counts as absent.
    pub fn single(&self, name: &str) -> Result<Option<&str>, ParamProblem> {
        let values: Vec<&str> = self.all(name);
        match values.as_slice() {
            [] => Ok(None),
            // Only ASCII white space is an empty form field's: a value of other white space
            // (U+0085, U+2028) is a value, checked like any other.
            [value] => check_length(name, value)
                .map(|v| Some(trim_form(v)))
                .map(|v| v.filter(|v| !v.is_empty())),
            more => Err(ParamProblem::new(
                name,
                more.join(", ").as_str(),
                format!("is given {} times; give it once", more.len()),
            )),
        }
    }

    /// A parameter that may repeat (`category=a&category=b`); empty values are dropped.
    pub fn multi(&self, name: &str) -> Result<Vec<&str>, ParamProblem> {
        let given = self.all(name);
        // Counted before empty values are dropped: the limit is on what was sent.
        let sent = given.len();
        // Trimmed as a single value is (see `trim_form`): a value of other white space is
        // a value, checked like any other.
        let values: Vec<&str> = given
            .into_iter()
            .map(trim_form)
            .filter(|v| !v.is_empty())
            .collect();
        if sent > MAX_REPEATS {
            return Err(ParamProblem::new(
                name,
                "",
                format!("is given {sent} times; at most {MAX_REPEATS} are accepted"),
            ));
        }
        values.into_iter().map(|v| check_length(name, v)).collect()
    }

    fn all(&self, name: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

impl RawParams {
    /// A whole-number parameter from 1 to `max`; `default` when absent or empty.
    pub fn count(&self, name: &str, default: u32, max: u32) -> Result<u32, ParamProblem> {
        match self.single(name)? {
            None => Ok(default),
            Some(value) => match value.parse::<u32>() {
                Ok(n) if (1..=max).contains(&n) => Ok(n),
                _ => Err(ParamProblem::new(
                    name,
                    value,
                    format!("is not a whole number from 1 to {max}"),
                )),
            },
        }
    }
}

impl RawParams {
    /// A change id cursor (`before`, `after` of the changes lists): a whole number above 0.
    pub fn change_id(&self, name: &str) -> Result<Option<i64>, ParamProblem> {
        match self.single(name)? {
            None => Ok(None),
            Some(value) => match value.parse::<i64>() {
                Ok(n) if n > 0 => Ok(Some(n)),
                _ => Err(ParamProblem::new(
                    name,
                    value,
                    "is not a change id (a whole number above 0) from a previous page",
                )),
            },
        }
    }

    /// A conflict's slug (`conflict` of the changes lists).
    pub fn conflict_slug(&self, name: &str) -> Result<Option<&str>, ParamProblem> {
        match self.single(name)? {
            Some(value) if !slug::is_valid(value, 100) => {
                Err(ParamProblem::new(name, value, NOT_A_CONFLICT))
            }
            other => Ok(other),
        }
    }

    /// A UTC moment (`since`, `changed_since`): see [`is_utc_moment`].
    pub fn utc_moment(&self, name: &str) -> Result<Option<&str>, ParamProblem> {
        match self.single(name)? {
            Some(value) if !is_utc_moment(value) => Err(ParamProblem::new(
                name,
                value,
                "is not a day (YYYY-MM-DD) or a UTC time (YYYY-MM-DDTHH:MM:SSZ)",
            )),
            other => Ok(other),
        }
    }

    /// A parameter that `parse` reads, as a form shows it again (as typed, empty when
    /// absent) and as a filter uses it (`None` when absent or refused); a refusal is pushed
    /// onto `problems` in `parse`'s words.
    pub fn parsed<T, E: std::fmt::Display>(
        &self,
        name: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
        problems: &mut Vec<ParamProblem>,
    ) -> (String, Option<T>) {
        let typed = kept(self.single(name), problems).0;
        if typed.is_empty() {
            return (typed, None);
        }
        match parse(&typed) {
            Ok(value) => (typed, Some(value)),
            Err(err) => {
                problems.push(ParamProblem::new(name, &typed, err.to_string()));
                (typed, None)
            }
        }
    }

    /// Slugs of at most `max` bytes, repeatable (`category`, `conflict`); each value that is
    /// not one is pushed onto `problems`, saying what it is not (`not_one`).
    pub fn slugs(
        &self,
        name: &str,
        max: usize,
        not_one: &str,
        problems: &mut Vec<ParamProblem>,
    ) -> Vec<String> {
        let mut slugs = Vec::new();
        match self.multi(name) {
            Ok(values) => {
                for value in values {
                    if slug::is_valid(value, max) {
                        slugs.push(value.to_string());
                    } else {
                        problems.push(ParamProblem::new(name, value, not_one));
                    }
                }
            }
            Err(problem) => problems.push(problem),
        }
        slugs
    }

    /// Kinds of change, repeatable and each kept once (`kind` of the changes lists); each
    /// value that is not a kind is pushed onto `problems`.
    pub fn change_kinds(&self, name: &str, problems: &mut Vec<ParamProblem>) -> Vec<ChangeKind> {
        let mut kinds = Vec::new();
        match self.multi(name) {
            Ok(values) => {
                for value in values {
                    match ChangeKind::parse(value) {
                        Some(kind) if !kinds.contains(&kind) => kinds.push(kind),
                        Some(_) => {}
                        None => problems.push(ParamProblem::new(
                            name,
                            value,
                            "is not a kind of change: added, changed, renamed or removed",
                        )),
                    }
                }
            }
            Err(problem) => problems.push(problem),
        }
        kinds
    }
}

/// A checked parameter as a form shows it again (as typed, empty when absent or refused)
/// and as a filter uses it; a refusal is pushed onto `problems`.
pub fn kept(
    read: Result<Option<&str>, ParamProblem>,
    problems: &mut Vec<ParamProblem>,
) -> (String, Option<String>) {
    match read {
        Ok(value) => (
            value.unwrap_or_default().to_string(),
            value.map(str::to_string),
        ),
        Err(problem) => {
            problems.push(problem);
            (String::new(), None)
        }
    }
}

/// Is `s` a UTC moment as `since=` and `changed_since=` take it: a day `YYYY-MM-DD` (from
/// its start) or a time `YYYY-MM-DDTHH:MM:SSZ`, with up to three decimals of a second.
pub fn is_utc_moment(s: &str) -> bool {
    let Some(day) = s.get(..10) else { return false };
    if crate::edtf::parse_filter_date(day).is_err()
        || day.len() != 10
        || !day.bytes().take(4).all(|b| b.is_ascii_digit())
    {
        return false;
    }
    let rest = &s[10..];
    if rest.is_empty() {
        return true;
    }
    let b = rest.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let two = |at: usize| rest.get(at..at + 2).and_then(|d| d.parse::<u32>().ok());
    let time_ok = rest.len() >= 10
        && b[0] == b'T'
        && digits(1..3)
        && b[3] == b':'
        && digits(4..6)
        && b[6] == b':'
        && digits(7..9)
        && two(1).is_some_and(|h| h < 24)
        && two(4).is_some_and(|m| m < 60)
        && two(7).is_some_and(|s| s < 60);
    if !time_ok {
        return false;
    }
    match &rest[9..] {
        "Z" => true,
        fraction => fraction
            .strip_prefix('.')
            .and_then(|f| f.strip_suffix('Z'))
            .is_some_and(|f| (1..=3).contains(&f.len()) && f.bytes().all(|d| d.is_ascii_digit())),
    }
}

fn check_length<'a>(name: &str, value: &'a str) -> Result<&'a str, ParamProblem> {
    if value.len() > MAX_VALUE_BYTES {
        Err(ParamProblem::new(
            name,
            value,
            format!(
                "is {} bytes long; at most {MAX_VALUE_BYTES} are accepted",
                value.len()
            ),
        ))
    } else {
        Ok(value)
    }
}

/// One path segment (`/events/{slug}`). A segment that is not valid UTF-8 after
/// percent-decoding cannot name anything here, so it is a 404 page, not axum's plain-text
/// rejection.
pub struct Segment(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Segment {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<String>::from_request_parts(parts, state)
            .await
            .map(|Path(segment)| Segment(segment))
            .map_err(|_| AppError::NotFound("page"))
    }
}

/// The timeline's parameters: the values as typed (to refill the form) and, when valid,
/// the filter they mean.
#[derive(Clone, Debug, Default)]
pub struct TimelineParams {
    pub from: String,
    pub to: String,
    pub categories: Vec<String>,
    pub actors: Vec<String>,
    /// Conflict slugs (`conflict`).
    pub conflicts: Vec<String>,
    /// Places (`place`): slugs or any of their names.
    pub places: Vec<String>,
    /// The bounding box as typed (`bbox`), empty when not given.
    pub bbox: String,
    /// The search text as typed (`q`).
    pub q: String,
    /// `page=` of search results (1-based), when given.
    pub page: Option<u32>,
    pub after: Option<Cursor>,
    /// `changed_since` as typed (the API's and exports' filter by history).
    pub changed_since: String,
    pub filter: EventFilter,
    pub problems: Vec<ParamProblem>,
}

impl TimelineParams {
    /// Reads `from`, `to`, `category`, `actor`, `conflict`, `place`, `bbox`, `q`, `page` and
    /// `after`, collecting every
    /// problem.
    pub fn parse(query: Option<&str>) -> TimelineParams {
        match RawParams::parse(query) {
            Ok(raw) => TimelineParams::from_raw(&raw),
            Err(problem) => TimelineParams {
                problems: vec![problem],
                ..TimelineParams::default()
            },
        }
    }

    /// [`TimelineParams::parse`] over parameters already decoded, for handlers that read
    /// more parameters of their own (`limit`). Whether `page` and `after` apply is for the
    /// handler to say.
    pub fn from_raw(raw: &RawParams) -> TimelineParams {
        let mut out = TimelineParams::default();
        let mut problems = Vec::new();
        let mut from_days = None;
        let mut to_days = None;
        for (name, slot, days) in [
            ("from", &mut out.from, &mut from_days),
            ("to", &mut out.to, &mut to_days),
        ] {
            match raw.single(name) {
                Ok(Some(value)) => {
                    *slot = value.to_string();
                    match parse_filter_date(value) {
                        Ok(span) => *days = Some(span),
                        Err(err) => problems.push(ParamProblem::new(name, value, err.to_string())),
                    }
                }
                Ok(None) => {}
                Err(problem) => problems.push(problem),
            }
        }
        if let (Some((from_first, _)), Some((_, to_last))) = (from_days, to_days)
            && from_first > to_last
        {
            problems.push(ParamProblem::new(
                "from",
                &out.from,
                format!(
                    "“from” ({}) is after “to” ({}); swap them or widen the range",
                    out.from, out.to
                ),
            ));
        }
        out.filter.from = from_days.map(|(first, _)| first);
        out.filter.to = to_days.map(|(_, last)| last);

        out.categories = raw.slugs(
            "category",
            MAX_CATEGORY_BYTES,
            "is not a category name (lowercase words joined by hyphens)",
            &mut problems,
        );
        match raw.multi("actor") {
            Ok(values) => out.actors = values.into_iter().map(str::to_string).collect(),
            Err(problem) => problems.push(problem),
        }
        out.conflicts = raw.slugs(
            "conflict",
            MAX_CONFLICT_BYTES,
            NOT_A_CONFLICT,
            &mut problems,
        );
        match raw.multi("place") {
            Ok(values) => out.places = values.into_iter().map(str::to_string).collect(),
            Err(problem) => problems.push(problem),
        }
        out.filter.categories = out.categories.clone();
        out.filter.actors = out.actors.clone();
        out.filter.conflicts = out.conflicts.clone();
        out.filter.places = out.places.clone();
        (out.bbox, out.filter.bbox) = raw.parsed("bbox", crate::model::Bbox::parse, &mut problems);
        (out.q, out.filter.text) = raw.parsed("q", FtsQuery::parse, &mut problems);
        (out.changed_since, out.filter.changed_since) =
            kept(raw.utc_moment("changed_since"), &mut problems);
        match raw.single("page") {
            Ok(Some(value)) => match value.parse::<u32>() {
                Ok(n) if (1..=MAX_PAGE).contains(&n) => out.page = Some(n),
                _ => problems.push(ParamProblem::new(
                    "page",
                    value,
                    format!("is not a page number from 1 to {MAX_PAGE}"),
                )),
            },
            Ok(None) => {}
            Err(problem) => problems.push(problem),
        }

        match raw.single("after") {
            Ok(Some(value)) => match Cursor::decode(value) {
                Some(cursor) => out.after = Some(cursor),
                None => problems.push(ParamProblem::new(
                    "after",
                    value,
                    "is not a page position from this site; start from the first page",
                )),
            },
            Ok(None) => {}
            Err(problem) => problems.push(problem),
        }
        out.problems = problems;
        out
    }

    /// The address of this view with one filter value added, or removed if present
    /// (`kind` is `category`, `actor`, `conflict`, `place` or `q`; `bbox` is removed), back on
    /// its first page.
    pub fn toggled_url(&self, kind: &str, value: &str) -> String {
        let mut p = TimelineParams {
            from: self.from.clone(),
            to: self.to.clone(),
            categories: self.categories.clone(),
            actors: self.actors.clone(),
            conflicts: self.conflicts.clone(),
            places: self.places.clone(),
            bbox: self.bbox.clone(),
            q: self.q.clone(),
            changed_since: self.changed_since.clone(),
            ..TimelineParams::default()
        };
        let list = match kind {
            "bbox" => {
                p.bbox.clear();
                return p.url();
            }
            "category" => &mut p.categories,
            "actor" => &mut p.actors,
            "conflict" => &mut p.conflicts,
            "place" => &mut p.places,
            _ => {
                p.q.clear();
                return p.url();
            }
        };
        if list.iter().any(|v| v == value) {
            list.retain(|v| v != value);
        } else {
            list.push(value.to_string());
        }
        p.url()
    }

    /// The address of this view, first page.
    pub fn url(&self) -> String {
        let q = self.view_query();
        if q.is_empty() {
            "/".to_string()
        } else {
            format!("/?{q}")
        }
    }

    /// The query string for this view (without `after`), `&`-joined and encoded.
    pub fn view_query(&self) -> String {
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        if !self.from.is_empty() {
            pairs.push(("from", &self.from));
        }
        if !self.to.is_empty() {
            pairs.push(("to", &self.to));
        }
        pairs.extend(self.categories.iter().map(|c| ("category", c.as_str())));
        pairs.extend(self.actors.iter().map(|a| ("actor", a.as_str())));
        pairs.extend(self.conflicts.iter().map(|c| ("conflict", c.as_str())));
        pairs.extend(self.places.iter().map(|p| ("place", p.as_str())));
        if !self.bbox.is_empty() {
            pairs.push(("bbox", &self.bbox));
        }
        if !self.q.is_empty() {
            pairs.push(("q", &self.q));
        }
        if !self.changed_since.is_empty() {
            pairs.push(("changed_since", &self.changed_since));
        }
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    }
}

/// A form value without the white space around it: ASCII white space only (what browsers
/// and people type), so that other white space (U+0085, U+2028) stays a value and is
/// checked like any other.
fn trim_form(value: &str) -> &str {
    value.trim_matches(|c: char| c.is_ascii() && c.is_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edtf::Day;

    fn day(y: i32, m: u32, d: u32) -> Day {
        Day::from_ymd(y, m, d).expect("valid day")
    }

    #[test]
    fn to_a_month_includes_the_whole_month() {
        let p = TimelineParams::parse(Some("from=2020&to=2020-02"));
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_eq!(p.filter.from, Some(day(2020, 1, 1)));
        assert_eq!(p.filter.to, Some(day(2020, 2, 29)));
    }

    #[test]
    fn empty_fields_count_as_absent() {
        let p = TimelineParams::parse(Some("from=&to="));
        assert!(p.problems.is_empty());
        assert_eq!(p.filter, EventFilter::default());
    }

    #[test]
    fn each_bad_parameter_is_named() {
        let p = TimelineParams::parse(Some("from=1988-13&to=abc&after=zzz"));
        let fields: Vec<&str> = p.problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["from", "to", "after"]);
        assert_eq!(p.from, "1988-13", "the form keeps what was typed");
    }

    #[test]
    fn from_after_to_is_refused() {
        let p = TimelineParams::parse(Some("from=2021&to=2020"));
        assert_eq!(p.problems.len(), 1);
        assert_eq!(p.problems[0].field, "from");
    }

    #[test]
    fn repeated_and_oversized_parameters_are_refused() {
        let p = TimelineParams::parse(Some("from=2020&from=2021"));
        assert!(
            p.problems[0].message.contains("2 times"),
            "{:?}",
            p.problems
        );
        let long = format!("from={}", "9".repeat(500));
        let p = TimelineParams::parse(Some(&long));
        assert!(
            p.problems[0].message.contains("at most"),
            "{:?}",
            p.problems
        );
        let many_empty = "category=&".repeat(MAX_REPEATS + 1);
        let p = TimelineParams::parse(Some(&many_empty));
        assert_eq!(p.problems[0].field, "category", "empty repeats count too");
        let huge = format!("x={}", "a".repeat(MAX_QUERY_BYTES + 1));
        let p = TimelineParams::parse(Some(&huge));
        assert_eq!(p.problems[0].field, "query");
    }

    #[test]
    fn search_text_becomes_a_filter_or_a_problem_on_q() {
        let p = TimelineParams::parse(Some("q=peacekeep*&page=2"));
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_eq!(
            p.filter.text.as_ref().map(|t| t.as_str()),
            Some("\"peacekeep\"*")
        );
        assert_eq!(p.page, Some(2));
        assert_eq!(p.view_query(), "q=peacekeep*");
        let p = TimelineParams::parse(Some("q=%F0%9F%99%82&page=51"));
        let fields: Vec<&str> = p.problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["q", "page"]);
        assert!(p.problems[0].message.contains("nothing searchable"));
    }

    #[test]
    fn view_query_round_trips() {
        let p = TimelineParams::parse(Some("from=1988&category=military&actor=armenia"));
        assert_eq!(p.view_query(), "from=1988&category=military&actor=armenia");
    }
}

#[cfg(test)]
mod proptests {
    //! Arbitrary text in any parameter, and arbitrary query strings, never panic: each
    //! parameter gives its value or a problem that names it.

    use proptest::prelude::*;

    use super::*;

    /// Every parameter a page reads, and some it does not.
    const NAMES: [&str; 12] = [
        "from", "to", "q", "category", "actor", "conflict", "place", "after", "page", "limit",
        "unknown", "",
    ];

    /// Values that reach the interesting branches: anything, date-like text, FTS syntax,
    /// numbers, slugs, cursors and long text.
    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            ".{0,40}",
            "[0-9X?~%/.-]{0,14}",
            "[\"*()a-zA-Z -]{0,30}( OR | AND | NOT |\\^|:|NEAR\\()?.{0,10}",
            "-?[0-9]{1,24}",
            "[a-z0-9-]{0,70}",
            "[A-Za-z0-9_=-]{0,40}",
            ".{190,230}",
        ]
    }

    /// A filter parameter with a value that is usually valid.
    fn valid_pair() -> impl Strategy<Value = (&'static str, String)> {
        prop_oneof![
            "(1[0-9]|20)[0-9]{2}(-0[1-9](-[01][1-9])?)?".prop_map(|v| ("from", v)),
            "(1[0-9]|20)[0-9]{2}(-1[0-2](-2[0-8])?)?".prop_map(|v| ("to", v)),
            "[a-zA-Z]{1,10}( [a-z]{1,8})?\\*?".prop_map(|v| ("q", v)),
            "[a-z0-9]{1,10}(-[a-z0-9]{1,10})?".prop_map(|v| ("category", v)),
            "[a-z0-9]{1,10}(-[a-z0-9]{1,10})?".prop_map(|v| ("conflict", v)),
            ".{1,30}".prop_map(|v| ("actor", v)),
            ".{1,30}".prop_map(|v| ("place", v)),
        ]
    }

    /// The problems' fields a query with only `name` may produce.
    fn allowed_fields(name: &str) -> Vec<&str> {
        vec![name, "query"]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn any_value_of_any_parameter_is_a_value_or_a_named_problem(
            name in prop::sample::select(NAMES.to_vec()),
            value in value(),
        ) {
            let query = serde_urlencoded::to_string([(name, value.as_str())]).expect("encodes");
            let p = TimelineParams::parse(Some(&query));
            let allowed = allowed_fields(name);
            for problem in &p.problems {
                prop_assert!(allowed.contains(&problem.field.as_str()), "{query}: {problem:?}");
                prop_assert!(!problem.message.is_empty());
                prop_assert!(problem.value.len() <= 60 + '…'.len_utf8(), "{problem:?}");
            }
            let trimmed = trim_form(&value);
            if p.problems.is_empty() && !trimmed.is_empty() {
                match name {
                    "from" => prop_assert_eq!(p.from.as_str(), trimmed),
                    "to" => prop_assert_eq!(p.to.as_str(), trimmed),
                    "q" => prop_assert_eq!(p.q.as_str(), trimmed),
                    "category" => prop_assert_eq!(p.categories.clone(), vec![trimmed.to_string()]),
                    "actor" => prop_assert_eq!(p.actors.clone(), vec![trimmed.to_string()]),
                    "conflict" => prop_assert_eq!(p.conflicts.clone(), vec![trimmed.to_string()]),
                    "place" => prop_assert_eq!(p.places.clone(), vec![trimmed.to_string()]),
                    "page" => prop_assert!(p.page.is_some_and(|n| (1..=MAX_PAGE).contains(&n))),
                    "after" => prop_assert!(p.after.is_some()),
                    _ => {}
                }
            }
            if let (Some(from), Some(to)) = (p.filter.from, p.filter.to) {
                prop_assert!(p.problems.iter().any(|x| x.field == "from") || from <= to);
            }
        }

        #[test]
        fn a_valid_view_round_trips_through_its_query(
            pairs in prop::collection::vec(valid_pair(), 0..6),
        ) {
            let query = serde_urlencoded::to_string(&pairs).expect("encodes");
            let p = TimelineParams::parse(Some(&query));
            prop_assume!(p.problems.is_empty());
            let again = TimelineParams::parse(Some(&p.view_query()));
            prop_assert!(again.problems.is_empty(), "{:?}", again.problems);
            prop_assert_eq!(&again.filter, &p.filter);
            prop_assert_eq!(again.view_query(), p.view_query());
        }

        #[test]
        fn any_query_string_is_parsed_or_refused_by_name(
            query in prop_oneof![
                ".{0,300}",
                "([a-z]{0,8}=?(%[0-9A-Fa-f]{0,2}|[^&%]){0,12}&?){0,8}",
                "(from|to|q|page|after|category|actor|conflict|place)=(%[89A-Fa-f][0-9A-Fa-f]){1,6}",
            ],
        ) {
            let p = TimelineParams::parse(Some(&query));
            let names: Vec<String> = serde_urlencoded::from_str::<Vec<(String, String)>>(&query)
                .unwrap_or_default()
                .into_iter()
                .map(|(k, _)| k)
                .collect();
            for problem in &p.problems {
                prop_assert!(
                    problem.field == "query" || names.contains(&problem.field),
                    "{query}: {problem:?}"
                );
            }
            let _ = p.view_query();
            if let Ok(raw) = RawParams::parse(Some(&query)) {
                for name in NAMES {
                    let _ = raw.single(name);
                    let _ = raw.multi(name);
                }
            }
        }
    }

    #[test]
    fn a_utc_moment_is_a_day_or_a_time_in_utc() {
        for good in [
            "2026-12-03",
            "2026-12-03T10:20:30Z",
            "2026-12-03T23:59:59.123Z",
        ] {
            assert!(is_utc_moment(good), "{good}");
        }
        for bad in [
            "2026-12",
            "2026-13-03",
            "2026-02-30",
            "2026-12-03T24:00:00Z",
            "2026-12-03T10:20:30",
            "2026-12-03T10:20:30.1234Z",
            "2026-12-03 10:20:30Z",
            "-2026-12-03",
            "2026-12-03T10:20:30ZZ",
        ] {
            assert!(!is_utc_moment(bad), "{bad}");
        }
    }
}
