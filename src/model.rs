//! Domain rules that every layer shares, whatever reads or shows the data: how one event
//! relates to another ([`LinkRel`]), which URLs may be linked ([`is_web_url`]), and the
//! longest slugs and titles. The importer enforces them, the pages and the API rely on them.

use serde::Serialize;

/// Longest slug accepted for events (conflicts and eras: [`SHORT_SLUG_MAX`]).
pub const EVENT_SLUG_MAX: usize = 200;
/// Longest slug accepted for conflicts and eras.
pub const SHORT_SLUG_MAX: usize = 100;
/// Longest event title.
pub const TITLE_MAX: usize = 300;

/// The words of the link a TimelineJS export adds to each slide, to the event's page on
/// the site that exported it; the TimelineJS importer knows it again and leaves it out, so
/// that an exported file imports as what was exported.
pub const BACK_LINK_TEXT: &str = "Sources and details";

/// Whether `url` is the address of the event `slug` on some site (`…/events/{slug}`), as
/// the TimelineJS export's back link gives it.
pub fn is_event_page_url(url: &str, slug: &str) -> bool {
    is_web_url(url)
        && url
            .strip_suffix(slug)
            .is_some_and(|rest| rest.ends_with("/events/"))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_urls_need_a_scheme_and_host() {
        assert!(is_web_url("https://tass.com/world/1678477"));
        assert!(!is_web_url("https://"));
        assert!(!is_web_url("ftp://example.org"));
        assert!(!is_web_url("https://exa mple.org"));
    }
}

/// A bounding box in WGS 84 degrees, `west,south,east,north` as the `bbox=` parameter
/// writes it. An event is inside when one of its places has coordinates in the box, edges
/// included. Boxes across the antimeridian (west east of east) are not accepted.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bbox {
    pub west: f64,
    pub south: f64,
    pub east: f64,
    pub north: f64,
}

/// Why a `bbox` value was refused: which of its four numbers, and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BboxError {
    #[error("needs four numbers separated by commas: west,south,east,north (got {0})")]
    Count(usize),
    #[error("{field} ({value}) is not a number")]
    NotANumber { field: &'static str, value: String },
    #[error("{field} ({value}) is outside {min} to {max} degrees")]
    OutOfRange {
        field: &'static str,
        value: String,
        min: i32,
        max: i32,
    },
    #[error("south ({south}) is north of north ({north})")]
    SouthOfNorth { south: String, north: String },
    #[error(
        "west ({west}) is east of east ({east}); boxes across the antimeridian are not supported"
    )]
    WestOfEast { west: String, east: String },
}

impl Bbox {
    /// The names of the four numbers, in the order they are written.
    pub const FIELDS: [&'static str; 4] = ["west", "south", "east", "north"];

    /// Reads `west,south,east,north` (decimal degrees; spaces around the numbers allowed).
    /// The caller has taken white space off the ends of the whole value.
    pub fn parse(text: &str) -> Result<Bbox, BboxError> {
        let parts: Vec<&str> = text.split(',').map(|p| p.trim_matches(' ')).collect();
        if parts.len() != 4 {
            return Err(BboxError::Count(parts.len()));
        }
        let mut v = [0f64; 4];
        for (i, part) in parts.iter().enumerate() {
            let field = Self::FIELDS[i];
            // Plain decimals only: no `inf`, `NaN` or hex that Rust's parser would take.
            let plain = !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.'));
            let n = part
                .parse::<f64>()
                .ok()
                .filter(|n| plain && n.is_finite())
                .ok_or_else(|| BboxError::NotANumber {
                    field,
                    value: part.to_string(),
                })?;
            let limit = if i % 2 == 0 { 180 } else { 90 };
            if n.abs() > f64::from(limit) {
                return Err(BboxError::OutOfRange {
                    field,
                    value: part.to_string(),
                    min: -limit,
                    max: limit,
                });
            }
            v[i] = n;
        }
        let [west, south, east, north] = v;
        if south > north {
            return Err(BboxError::SouthOfNorth {
                south: parts[1].to_string(),
                north: parts[3].to_string(),
            });
        }
        if west > east {
            return Err(BboxError::WestOfEast {
                west: parts[0].to_string(),
                east: parts[2].to_string(),
            });
        }
        Ok(Bbox {
            west,
            south,
            east,
            north,
        })
    }

    /// Whether a point is inside, edges included.
    pub fn contains(&self, latitude: f64, longitude: f64) -> bool {
        (self.south..=self.north).contains(&latitude)
            && (self.west..=self.east).contains(&longitude)
    }
}

#[cfg(test)]
mod bbox_tests {
    use super::*;

    #[test]
    fn a_box_reads_west_south_east_north() {
        let b = Bbox::parse("46, 39.5,47.25,40").expect("valid");
        assert_eq!(
            (b.west, b.south, b.east, b.north),
            (46.0, 39.5, 47.25, 40.0)
        );
        assert!(b.contains(39.5, 47.25), "edges are inside");
        assert!(!b.contains(39.49, 46.5));
    }

    #[test]
    fn refusals_name_the_number_and_the_reason() {
        assert_eq!(Bbox::parse("1,2,3"), Err(BboxError::Count(3)));
        assert!(matches!(
            Bbox::parse("1,x,3,4"),
            Err(BboxError::NotANumber { field: "south", .. })
        ));
        assert!(matches!(
            Bbox::parse("1,2,3,inf"),
            Err(BboxError::NotANumber { field: "north", .. })
        ));
        assert!(matches!(
            Bbox::parse("181,2,182,4"),
            Err(BboxError::OutOfRange { field: "west", .. })
        ));
        assert!(matches!(
            Bbox::parse("1,5,3,4"),
            Err(BboxError::SouthOfNorth { .. })
        ));
        assert!(matches!(
            Bbox::parse("5,2,3,4"),
            Err(BboxError::WestOfEast { .. })
        ));
    }
}
