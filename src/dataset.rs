//! The bundled dataset: the Nagorno-Karabakh chronology compiled into the binary, and the
//! header every native dataset file starts with (its version and licence). A leaf: the
//! importer seeds from it and the pages (`/about`, citations) show its header, without
//! either reaching into the other.

use serde::Deserialize;

/// The bundled dataset's text (the native format, see `docs/dataset-format.md`).
pub const BUNDLED_DATASET: &str = include_str!("../data/nagorno-karabakh.toml");

/// The file's own description of itself: the top-level keys before the first table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Header {
    /// The dataset's version, as its curator writes it (e.g. `"2026-12-03"`).
    pub version: Option<String>,
    /// The licence of the dataset's text, an SPDX identifier (e.g. `"CC-BY-4.0"`).
    pub licence: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    #[allow(dead_code)] // required by the format; checked in full by the importer
    format: String,
    version: Option<String>,
    licence: Option<String>,
}

/// Reads only the header (`format`, `version`, `licence`) of a native file. TOML puts
/// top-level keys before the first table, so the text before the first line that opens a
/// table is enough, and a large file is not parsed whole to learn its version.
pub fn header(text: &str) -> Result<Header, toml::de::Error> {
    let end = text
        .match_indices('\n')
        .map(|(i, _)| i + 1)
        .find(|&start| text[start..].trim_start().starts_with('['))
        .unwrap_or(text.len());
    let raw: RawHeader = toml::from_str(&text[..end])?;
    Ok(Header {
        version: raw.version,
        licence: raw.licence,
    })
}

/// The bundled dataset's header, read once. A header that cannot be read is empty: the
/// import of the same file at start-up reports why.
pub fn bundled_header() -> &'static Header {
    static HEADER: std::sync::OnceLock<Header> = std::sync::OnceLock::new();
    HEADER.get_or_init(|| header(BUNDLED_DATASET).unwrap_or_default())
}
