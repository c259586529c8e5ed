//! How wide a line of text will be, worked out on the server so that the overview strip can
//! place labels that never overlap. Widths come from the advance widths of Arial (the same
//! as Liberation Sans and Helvetica, the fonts the strip asks for first), in thousandths of
//! an em; the strip then holds each label to its measured width with SVG `textLength`, so a
//! fallback font is squeezed or spread by a few per cent rather than overrunning its box.

/// Advance widths of the printable ASCII characters (U+0020 to U+007E), in 1/1000 em.
const ASCII: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278,
    278, // ' ' to /
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0 to ?
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // @ to O
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // P to _
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // ` to o
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // p to ~
];

/// The width of one character in 1/1000 em. Letters outside ASCII take the width of a
/// typical letter of their case; wide scripts a full em; marks and controls nothing.
fn advance(c: char) -> u16 {
    match c {
        ' '..='~' => ASCII[c as usize - 0x20],
        // Combining marks, zero-width and bidi controls take no room.
        '\u{0300}'..='\u{036F}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2069}'
        | '\u{FEFF}' => 0,
        '\u{2013}' => 556,
        '\u{2014}' => 1000,
        '\u{2018}' | '\u{2019}' => 222,
        '\u{201C}' | '\u{201D}' => 333,
        '\u{2026}' => 1000,
        '\u{00B7}' => 278,
        // East Asian wide characters, emoji and the like.
        '\u{1100}'..='\u{115F}'
        | '\u{2E80}'..='\u{A4CF}'
        | '\u{AC00}'..='\u{D7A3}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{FF00}'..='\u{FF60}'
        | '\u{1F000}'..='\u{1FAFF}' => 1000,
        c if c.is_uppercase() => 722,
        c if c.is_control() => 0,
        _ => 556,
    }
}

/// The width in pixels of `text` set at `font_px`.
pub fn width(text: &str, font_px: f64) -> f64 {
    let units: u32 = text.chars().map(|c| u32::from(advance(c))).sum();
    f64::from(units) * font_px / 1000.0
}

/// `text` cut after a whole word and ended with "…" so that it fits in `max_px`; the text
/// itself when it fits; `None` when not even its first word and the ellipsis fit.
pub fn shorten(text: &str, max_px: f64, font_px: f64) -> Option<String> {
    let text = text.trim();
    if width(text, font_px) <= max_px {
        return Some(text.to_string());
    }
    let room = max_px - width("…", font_px);
    let mut used = 0.0;
    let mut end = 0;
    for (i, c) in text.char_indices() {
        let w = f64::from(advance(c)) * font_px / 1000.0;
        if used + w > room {
            break;
        }
        used += w;
        end = i + c.len_utf8();
    }
    // Cut between words (at a space), never inside one, nor at the hyphen or dash of a
    // compound ("Armenia–Azerbaijan", "Nagorno-Karabakh"): the shortened text stays made of
    // whole words of the full one, which is how assistive technology (and axe's "label in
    // name" rule, which drops punctuation before it compares words) matches what is shown
    // against the full name a link carries. Nothing is shown when even the first word does
    // not fit.
    let fits_whole = text[end..].starts_with(char::is_whitespace);
    let cut = if fits_whole {
        &text[..end]
    } else {
        let boundary = text[..end].rfind(char::is_whitespace)?;
        &text[..boundary]
    };
    let cut = cut.trim_end_matches([' ', ',', ';', ':', '–', '-', '(']);
    if cut.chars().count() < 3 {
        return None;
    }
    Some(format!("{cut}…"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_follow_the_metric_table() {
        // "Ab" = 667 + 556 thousandths of an em; at 10 px, 12.23 px.
        assert!((width("Ab", 10.0) - 12.23).abs() < 1e-9);
        assert_eq!(width("\u{202E}", 11.0), 0.0);
        assert!(width("停火", 10.0) > width("ab", 10.0));
    }

    #[test]
    fn shortened_text_fits_and_ends_with_an_ellipsis() {
        let title = "Azerbaijani military operation in Nagorno-Karabakh";
        let short = shorten(title, 120.0, 11.0).expect("fits");
        assert!(short.ends_with('…'), "{short}");
        assert!(width(&short, 11.0) <= 120.0, "{short}");
        assert!(short.starts_with("Azerbaijani military"), "{short}");
        assert_eq!(shorten("Short", 120.0, 11.0).as_deref(), Some("Short"));
        assert_eq!(shorten(title, 12.0, 11.0), None);
        // Never inside a word.
        let cut = shorten("Russian peacekeeping period", 80.0, 11.0).expect("fits");
        assert_eq!(cut, "Russian…");
        assert_eq!(shorten("Peacekeeping", 40.0, 11.0), None);
        // Nor at the dash or hyphen of a compound: every word shown is a word of the title.
        let title = "Clashes on the Armenia–Azerbaijan border (Tovuz–Tavush) in Nagorno-Karabakh";
        let words: Vec<&str> = title.split_whitespace().collect();
        for max_px in (40..400).step_by(7) {
            if let Some(short) = shorten(title, f64::from(max_px), 11.0) {
                let shown: Vec<&str> = short.trim_end_matches('…').split_whitespace().collect();
                assert_eq!(shown[..], words[..shown.len()], "{short} at {max_px} px");
            }
        }
    }
}
