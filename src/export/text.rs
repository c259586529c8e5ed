//! Text as the formats need it: one escaper per target language, and the characters no
//! feed or calendar should pass through. HTML goes through the `html-escape` crate (via
//! [`crate::markdown::escape_html`], shared with the pages), XML
//! through `quick-xml`'s escaper (both well kept and fuzzed, where a hand-written table is
//! one more thing to get wrong); iCalendar TEXT has its own four rules ([`super::ics`]).

/// Unicode bidirectional controls: embeddings and overrides (U+202A–U+202E), isolates
/// (U+2066–U+2069) and the marks U+200E, U+200F. In a title they can make
/// `Safe\u{202e}gnp.exe` read as "Safeexe.png"; calendars show text without an isolating
/// element around it, so they are dropped there, and feeds write them as references.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

/// Whether XML 1.0 allows `c` at all (its `Char` production): most control characters,
/// the surrogates and U+FFFE, U+FFFF are not allowed even as references.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Text for XML content and attribute values: characters XML cannot hold dropped, `& < > "
/// '` escaped, and bidi controls written as character references (`&#x202E;`), so that
/// they are visible in the feed's source and no raw control reaches a program that shows
/// the XML as text. (A feed reader that parses the XML gets the character back, as the
/// data holds it; pages isolate names with `<bdi>` instead.)
pub fn xml(text: &str) -> String {
    let clean: String = text.chars().filter(|c| is_xml_char(*c)).collect();
    let escaped = quick_xml::escape::escape(clean.as_str());
    if !escaped.chars().any(is_bidi_control) {
        return escaped.into_owned();
    }
    let mut out = String::with_capacity(escaped.len() + 16);
    for c in escaped.chars() {
        if is_bidi_control(c) {
            out.push_str(&format!("&#x{:X};", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// Text for HTML content and quoted attribute values (TimelineJS inserts its headlines and
/// dates as HTML).
pub fn html(text: &str) -> String {
    crate::markdown::escape_html(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escaping_drops_illegal_characters_and_writes_bidi_controls_as_references() {
        assert_eq!(xml("a<b>&\"'\u{1}c"), "a&lt;b&gt;&amp;&quot;&apos;c");
        assert_eq!(
            xml("Safe\u{202e}gnp.exe\u{2066}"),
            "Safe&#x202E;gnp.exe&#x2066;"
        );
    }

    #[test]
    fn html_escaping_covers_text_and_quoted_attributes() {
        assert_eq!(
            html("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#x27;&amp;&#x27;&lt;/a&gt;"
        );
    }

    #[test]
    fn every_bidi_control_is_caught() {
        for c in [
            '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}',
            '\u{2068}', '\u{2069}', '\u{200E}', '\u{200F}',
        ] {
            assert!(is_bidi_control(c), "{c:?}");
        }
        assert!(!is_bidi_control('a') && !is_bidi_control('\u{200B}'));
    }
}
