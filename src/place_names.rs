//! Place names made comparable: [`fold`] turns any spelling of a name into the key that
//! the `place=` filter, the importers' place matching and the search index compare.
//!
//! SQLite's `unicode61 remove_diacritics 2` tokenizer already takes accents off letters
//! that decompose ("Şuşa" and "Susa" match), but not off letters that are distinct in
//! Unicode and that Azerbaijani spelling uses: the schwa `ə` and the dotless `ı`. The fold
//! here maps those as the usual English transliteration does (`ə` → `e`, `ı` → `i`, so
//! "Xankəndi" folds to "xankendi" and "Cəbrayıl" to "cebrayil"), takes the accents off the
//! other Latin letters the dataset's names use, lower-cases, and joins the words with
//! single spaces. The search index is given every name folded beside the name itself.

use crate::slug;

/// The comparison key of a name: lower case, accents and the letters above folded to
/// ASCII, words (runs of letters and digits) joined by single spaces. Letters of other
/// scripts (Armenian, Cyrillic) are kept, lower-cased.
pub fn fold(name: &str) -> String {
    // An apostrophe is part of a word ("Ma'alot"); anything else separates words.
    let apostrophe = |c: char| c == '\'' || c == '’';
    slug::join_words(name, ' ', apostrophe, |c, out| {
        match slug::ascii_letter(c) {
            Some(ascii) => out.push_str(ascii),
            None => out.extend(c.to_lowercase()),
        }
    })
}

/// The label pages show for a place: its display name with the other side's name in
/// brackets ("Shusha (Shushi)", "Khankendi (Stepanakert)"), or the display name alone.
/// The other side's name is the first other name (as `(name, usage)`) in Latin letters,
/// spelt differently once folded, whose usage says it is Armenian or Azerbaijani usage
/// and not only a spelling: "Şuşa" (an Azerbaijani spelling of Shusha), a Soviet or a
/// Russian name stay in the list of names, out of the label.
pub fn label<'a>(display: &str, others: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let key = fold(display);
    let latin = |n: &str| {
        n.chars()
            .all(|c| !c.is_alphabetic() || c.is_ascii() || c < '\u{370}')
    };
    let sides = |usage: &str| {
        let usage = usage.to_lowercase();
        (usage.contains("armenian") || usage.contains("azerbaijani")) && !usage.contains("spelling")
    };
    match others
        .into_iter()
        .find(|(n, usage)| latin(n) && sides(usage) && fold(n) != key)
    {
        Some((other, _)) => format!("{display} ({other})"),
        None => display.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fold_to_their_keys() {
        for (name, key) in [
            // Azerbaijani spellings fold to their ASCII forms.
            ("Şuşa", "susa"),
            ("Xankəndi", "xankendi"),
            ("Laçın", "lacin"),
            ("Cəbrayıl", "cebrayil"),
            ("Ağdərə", "agdere"),
            ("  Shusha  (Shushi) ", "shusha shushi"),
            // Other scripts are kept, lower-cased.
            ("Шуша", "шуша"),
            ("Շուշի", "շուշի"),
        ] {
            assert_eq!(fold(name), key, "{name:?}");
        }
        assert_eq!(fold("Füzuli"), fold("Fuzuli"));
    }

    #[test]
    fn the_label_skips_names_that_fold_alike() {
        let az = "Azerbaijani spelling";
        assert_eq!(
            label("Shusha", [("Şuşa", az), ("Shushi", "Armenian usage")]),
            "Shusha (Shushi)"
        );
        assert_eq!(
            label("Ganja", [("Gəncə", az), ("Kirovabad", "Soviet name")]),
            "Ganja"
        );
        assert_eq!(label("Hadrut", [("Гадрут", "Armenian usage")]), "Hadrut");
    }
}
