//! The records every importer produces, whatever the file format: a conflict, an era, an
//! event with its actors, sources and links. Each format's parser maps its rows onto these;
//! [`EventRecord::check`] then applies the rules that hold for every format, so a rule lives
//! in one place and the database constraints are never the first line of defence.

use serde::Serialize;

use crate::edtf::Edtf;
use crate::slug;

/// Longest slug accepted for events (conflicts and eras: [`SHORT_SLUG_MAX`]).
pub const EVENT_SLUG_MAX: usize = 200;
/// Longest slug accepted for conflicts and eras.
pub const SHORT_SLUG_MAX: usize = 100;
/// Longest event title.
pub const TITLE_MAX: usize = 300;

/// A conflict: the top-level grouping of eras and events.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConflictRecord {
    pub slug: String,
    pub name: String,
    pub summary: String,
    pub region: Option<String>,
}

/// A named period of a conflict.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EraRecord {
    pub conflict: String,
    pub slug: String,
    pub name: String,
    #[serde(serialize_with = "serialize_edtf")]
    pub date: Edtf,
    pub summary: String,
}

/// One event, ready to be written.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventRecord {
    pub conflict: String,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub body: String,
    #[serde(serialize_with = "serialize_edtf")]
    pub date: Edtf,
    pub label: Option<String>,
    pub category: String,
    pub place: Option<String>,
    pub coordinates: Option<Coordinates>,
    pub fatalities: Fatalities,
    pub actors: Vec<String>,
    pub sources: Vec<SourceRecord>,
    pub links: Vec<LinkRecord>,
    /// A turning point the dataset's editors flagged: labelled first on the timeline.
    /// Left out of the content hash when false, so that records from before the flag
    /// existed keep their hashes.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub notable: bool,
}

/// A point on the map, in WGS 84 degrees.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Coordinates {
    pub latitude: f64,
    pub longitude: f64,
}

/// Reported deaths: a best estimate and/or a low-high range, as the source gives them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Fatalities {
    pub best: Option<i64>,
    pub low: Option<i64>,
    pub high: Option<i64>,
}

/// A citation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SourceRecord {
    pub title: String,
    pub publisher: Option<String>,
    pub url: Option<String>,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub published: Option<String>,
    pub note: Option<String>,
}

/// A directed, typed relation from the record's event to another event, by slug.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LinkRecord {
    pub rel: LinkRel,
    pub target: String,
}

/// How one event relates to another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LinkRel {
    Follows,
    RespondsTo,
    Ends,
    Related,
}

impl LinkRel {
    /// Every relation, for error messages and documentation.
    pub const ALL: [LinkRel; 4] = [
        LinkRel::Follows,
        LinkRel::RespondsTo,
        LinkRel::Ends,
        LinkRel::Related,
    ];

    /// The stored and written form.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkRel::Follows => "follows",
            LinkRel::RespondsTo => "responds-to",
            LinkRel::Ends => "ends",
            LinkRel::Related => "related",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Option<LinkRel> {
        LinkRel::ALL.into_iter().find(|rel| rel.as_str() == s)
    }

    /// Wording on the page of the event the link starts from ("Follows: …").
    pub fn outgoing_words(self) -> &'static str {
        match self {
            LinkRel::Follows => "Follows from",
            LinkRel::RespondsTo => "Responds to",
            LinkRel::Ends => "Ends",
            LinkRel::Related => "Related",
        }
    }

    /// Wording on the page of the event the link points to.
    pub fn incoming_words(self) -> &'static str {
        match self {
            LinkRel::Follows => "Led to",
            LinkRel::RespondsTo => "Prompted",
            LinkRel::Ends => "Ended by",
            LinkRel::Related => "Related",
        }
    }
}

fn serialize_edtf<S: serde::Serializer>(date: &Edtf, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(date)
}

/// A rule broken by a record: which field, the offending value, and what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: String,
    pub value: String,
    pub message: String,
}

impl FieldProblem {
    /// A problem with `field`.
    pub fn new(
        field: impl Into<String>,
        value: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        FieldProblem {
            field: field.into(),
            value: value.into(),
            message: message.into(),
        }
    }
}

/// Checks a text field that must not be blank and has a maximum length in characters.
fn check_text(problems: &mut Vec<FieldProblem>, field: &str, value: &str, max_chars: usize) {
    if value.trim().is_empty() {
        problems.push(FieldProblem::new(field, value, "must not be empty"));
    } else if value.chars().count() > max_chars {
        problems.push(FieldProblem::new(
            field,
            value,
            format!("is longer than {max_chars} characters"),
        ));
    }
}

fn check_slug(problems: &mut Vec<FieldProblem>, field: &str, value: &str, max_len: usize) {
    if !slug::is_valid(value, max_len) {
        problems.push(FieldProblem::new(
            field,
            value,
            format!(
                "must be lowercase letters a-z and digits in words joined by single hyphens, at most {max_len} characters"
            ),
        ));
    }
}

/// Is `s` a plausible http(s) URL: the scheme, then a host.
pub fn is_web_url(s: &str) -> bool {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    match rest {
        Some(rest) => {
            let host = rest.split(['/', '?', '#']).next().unwrap_or("");
            !host.is_empty() && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    }
}

/// Is `s` a partial ISO date `YYYY`, `YYYY-MM` or `YYYY-MM-DD` that exists.
pub fn is_partial_iso_date(s: &str) -> bool {
    crate::edtf::parse_filter_date(s).is_ok()
}

impl ConflictRecord {
    /// Every rule this conflict breaks.
    pub fn check(&self) -> Vec<FieldProblem> {
        let mut problems = Vec::new();
        check_slug(&mut problems, "slug", &self.slug, SHORT_SLUG_MAX);
        check_text(&mut problems, "name", &self.name, 200);
        problems
    }
}

impl EraRecord {
    /// Every rule this era breaks.
    pub fn check(&self) -> Vec<FieldProblem> {
        let mut problems = Vec::new();
        check_slug(&mut problems, "slug", &self.slug, SHORT_SLUG_MAX);
        check_text(&mut problems, "name", &self.name, 200);
        problems
    }
}

impl EventRecord {
    /// Every rule this event breaks that does not depend on other records.
    pub fn check(&self) -> Vec<FieldProblem> {
        let mut problems = Vec::new();
        check_slug(&mut problems, "slug", &self.slug, EVENT_SLUG_MAX);
        check_text(&mut problems, "title", &self.title, TITLE_MAX);
        check_slug(&mut problems, "category", &self.category, 60);
        if let Some(label) = &self.label {
            check_text(&mut problems, "label", label, 100);
        }
        if let Some(place) = &self.place {
            check_text(&mut problems, "place", place, 300);
        }
        if let Some(c) = self.coordinates {
            if !(-90.0..=90.0).contains(&c.latitude) {
                problems.push(FieldProblem::new(
                    "latitude",
                    c.latitude.to_string(),
                    "must be between -90 and 90",
                ));
            }
            if !(-180.0..=180.0).contains(&c.longitude) {
                problems.push(FieldProblem::new(
                    "longitude",
                    c.longitude.to_string(),
                    "must be between -180 and 180",
                ));
            }
        }
        let f = self.fatalities;
        for (field, value) in [
            ("fatalities.best", f.best),
            ("fatalities.low", f.low),
            ("fatalities.high", f.high),
        ] {
            if let Some(v) = value.filter(|v| *v < 0) {
                problems.push(FieldProblem::new(
                    field,
                    v.to_string(),
                    "must not be negative",
                ));
            }
        }
        if let (Some(low), Some(high)) = (f.low, f.high)
            && low > high
        {
            problems.push(FieldProblem::new(
                "fatalities.low",
                low.to_string(),
                format!("must not exceed fatalities.high ({high})"),
            ));
        }
        for (i, actor) in self.actors.iter().enumerate() {
            let field = format!("actors[{i}]");
            check_text(&mut problems, &field, actor, 200);
            if !actor.trim().is_empty() && crate::slug::slugify(actor).is_empty() {
                problems.push(FieldProblem::new(
                    field,
                    actor.as_str(),
                    "must contain a letter or digit",
                ));
            }
        }
        for (i, source) in self.sources.iter().enumerate() {
            check_text(
                &mut problems,
                &format!("sources[{i}].title"),
                &source.title,
                500,
            );
            if let Some(url) = &source.url
                && !is_web_url(url)
            {
                problems.push(FieldProblem::new(
                    format!("sources[{i}].url"),
                    url.as_str(),
                    "must be an http:// or https:// URL",
                ));
            }
            if let Some(published) = &source.published
                && !is_partial_iso_date(published)
            {
                problems.push(FieldProblem::new(
                    format!("sources[{i}].published"),
                    published.as_str(),
                    "must be a date written YYYY, YYYY-MM or YYYY-MM-DD",
                ));
            }
        }
        for (i, link) in self.links.iter().enumerate() {
            if link.target == self.slug {
                problems.push(FieldProblem::new(
                    format!("links[{i}].event"),
                    link.target.as_str(),
                    "an event cannot link to itself",
                ));
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> EventRecord {
        EventRecord {
            conflict: "c".into(),
            slug: "2020-01-01-test".into(),
            title: "Test".into(),
            summary: String::new(),
            body: String::new(),
            date: Edtf::parse("2020-01-01").expect("valid date"),
            label: None,
            category: "military".into(),
            place: None,
            coordinates: None,
            fatalities: Fatalities::default(),
            actors: vec!["Armenia".into()],
            sources: vec![],
            links: vec![],
            notable: false,
        }
    }

    #[test]
    fn a_well_formed_event_has_no_problems() {
        assert_eq!(event().check(), vec![]);
    }

    #[test]
    fn names_each_broken_field() {
        let mut e = event();
        e.slug = "Bad Slug".into();
        e.title = "  ".into();
        e.sources.push(SourceRecord {
            title: "t".into(),
            publisher: None,
            url: Some("javascript:alert(1)".into()),
            published: Some("2020-13".into()),
            note: None,
        });
        let fields: Vec<String> = e.check().into_iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            ["slug", "title", "sources[0].url", "sources[0].published"]
        );
    }

    #[test]
    fn web_urls_need_a_scheme_and_host() {
        assert!(is_web_url("https://tass.com/world/1678477"));
        assert!(!is_web_url("https://"));
        assert!(!is_web_url("ftp://example.org"));
        assert!(!is_web_url("https://exa mple.org"));
    }
}
