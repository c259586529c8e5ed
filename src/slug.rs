//! Slugs: the stable, human-readable keys used in URLs.

/// Is `s` a valid ASCII slug: lowercase letters, digits and single hyphens between words,
/// at most `max_len` bytes. Event, era and conflict slugs must be.
pub fn is_valid(s: &str, max_len: usize) -> bool {
    !s.is_empty()
        && s.len() <= max_len
        && s.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// Turns any text into a slug: lowercase alphanumerics (Unicode letters are kept, so
/// "Şuşa" stays distinct from "Susa") joined by single hyphens. Returns an empty string when
/// the text has no letter or digit at all.
pub fn slugify(text: &str) -> String {
    join_words(text, '-', |_| false, |c, out| out.extend(c.to_lowercase()))
}

/// The words of `text` (runs of letters and digits) joined by single `separator`s, each
/// letter or digit written by `write`; a character `in_word` accepts (an apostrophe, for
/// place names) is dropped without ending the word. What slugs and place-name keys share.
pub fn join_words(
    text: &str,
    separator: char,
    in_word: impl Fn(char) -> bool,
    write: impl Fn(char, &mut String),
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if pending && !out.is_empty() {
                out.push(separator);
            }
            pending = false;
            write(c, &mut out);
        } else if !in_word(c) {
            pending = true;
        }
    }
    out
}

/// [`slugify`], at most `max` bytes long: a longer slug is cut at a hyphen and ends with
/// eight hex digits of a digest of the whole slug, so that two long names that differ only
/// at their ends still get different slugs. Names are kept whole elsewhere.
pub fn slugify_within(text: &str, max: usize) -> String {
    use sha2::{Digest, Sha256};
    let slug = slugify(text);
    if slug.len() <= max {
        return slug;
    }
    let digest: String = Sha256::digest(slug.as_bytes())[..4]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut cut = max.saturating_sub(digest.len() + 1);
    while !slug.is_char_boundary(cut) {
        cut -= 1;
    }
    let head = &slug[..cut];
    let head = match head.rfind('-') {
        Some(i) if i > 0 => &head[..i],
        _ => head.trim_end_matches('-'),
    };
    format!("{head}-{digest}")
}

/// The ASCII form of a Latin letter with a diacritic (or one the tokenizer does not fold),
/// as place names compare and slugs of imported names are made.
pub fn ascii_letter(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å'
        | 'Ā' | 'Ă' | 'Ą' => "a",
        'ç' | 'ć' | 'č' | 'Ç' | 'Ć' | 'Č' => "c",
        'ď' | 'đ' | 'Ď' | 'Đ' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' | 'ə' | 'È' | 'É' | 'Ê' | 'Ë' | 'Ē' | 'Ė'
        | 'Ę' | 'Ě' | 'Ə' => "e",
        'ğ' | 'Ğ' => "g",
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'ı' | 'Ì' | 'Í' | 'Î' | 'Ï' | 'Ī' | 'İ' => "i",
        'ł' | 'Ł' => "l",
        'ñ' | 'ń' | 'ň' | 'Ñ' | 'Ń' | 'Ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' | 'Ō'
        | 'Ő' => "o",
        'ř' | 'Ř' => "r",
        'ś' | 'ş' | 'š' | 'Ś' | 'Ş' | 'Š' => "s",
        'ţ' | 'ť' | 'Ţ' | 'Ť' => "t",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' | 'Ù' | 'Ú' | 'Û' | 'Ü' | 'Ū' | 'Ů' | 'Ű' => {
            "u"
        }
        'ý' | 'ÿ' | 'Ý' => "y",
        'ź' | 'ż' | 'ž' | 'Ź' | 'Ż' | 'Ž' => "z",
        'ß' => "ss",
        _ => return None,
    })
}

/// Like [`slugify`] but keeps only ASCII letters and digits, for slugs that must match
/// `^[a-z0-9]+(-[a-z0-9]+)*$` (event slugs made from imported titles or ids).
pub fn slugify_ascii(text: &str) -> String {
    let folded: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                ' '
            }
        })
        .collect();
    slugify(&folded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_slugs_are_lowercase_words_joined_by_single_hyphens() {
        assert!(is_valid("2020-11-09-trilateral-ceasefire-statement", 200));
        assert!(!is_valid("", 10));
        assert!(!is_valid("Upper", 10));
        assert!(!is_valid("double--hyphen", 20));
        assert!(!is_valid("-leading", 20));
        assert!(!is_valid("trailing-", 20));
        assert!(!is_valid("toolong", 3));
    }

    #[test]
    fn slugify_keeps_unicode_letters_and_collapses_punctuation() {
        assert_eq!(slugify("Şuşa / Shushi"), "şuşa-shushi");
        assert_eq!(slugify("  UN Security Council  "), "un-security-council");
        assert_eq!(slugify("!!!"), "");
    }

    #[test]
    fn long_slugs_are_cut_at_a_hyphen_and_stay_distinct() {
        let a = format!("{} alpha", "word ".repeat(60));
        let b = format!("{} beta", "word ".repeat(60));
        let (sa, sb) = (slugify_within(&a, 200), slugify_within(&b, 200));
        assert!(sa.len() <= 200 && sb.len() <= 200, "{sa}");
        assert_ne!(sa, sb);
        assert!(is_valid(&sa, 200), "{sa}");
        assert_eq!(slugify_within("Şuşa town", 200), "şuşa-town");
        let cyrillic = "Силы ".repeat(60);
        assert!(slugify_within(&cyrillic, 200).len() <= 200);
    }

    #[test]
    fn slugify_ascii_drops_non_ascii_letters() {
        assert_eq!(slugify_ascii("Xankəndi 2023"), "xank-ndi-2023");
        assert!(is_valid(&slugify_ascii("ARM1234 / Tavush"), 100));
    }
}
