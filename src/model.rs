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
