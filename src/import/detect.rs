//! Telling an input's format and opening the matching reader. A format named with
//! `--format` is used as is; otherwise the extension (`.toml`, `.json`) or the content
//! decides: a JSON object, a native TOML file, or a CSV whose header names the columns of
//! one of the CSV formats.

use super::tabular::{self, CsvSource, Header, ItemSource, VecSource, Yielded};
use super::{Format, ImportError, Input, Located, MappingOptions, native};

/// The format `input` is read as: the one named, or the one detected.
pub fn format_of(input: &Input) -> Result<Format, ImportError> {
    match input.format {
        Some(format) => Ok(format),
        None => detect(input),
    }
}

/// Opens `input` for reading, as its named or detected format.
pub fn open(
    input: &Input,
    file_index: usize,
    mapping: &MappingOptions,
) -> Result<Box<dyn ItemSource>, ImportError> {
    Ok(match format_of(input)? {
        Format::Native => Box::new(native_source(input, file_index)?),
        Format::Csv => csv_source(input, file_index, super::plain_csv::PlainCsv::new(mapping))?,
        Format::Acled => csv_source(input, file_index, super::acled::Acled::new(mapping))?,
        Format::Ucdp => csv_source(input, file_index, super::ucdp::Ucdp::new(mapping))?,
        Format::AcledDeleted => {
            csv_source(input, file_index, super::acled::AcledDeleted::default())?
        }
        Format::TimelinejsJson => {
            Box::new(super::timelinejs::json_source(input, file_index, mapping)?)
        }
        Format::TimelinejsCsv => {
            // The title row names the conflict; it may come after the first events.
            let title = if mapping.conflict.is_some() && mapping.conflict_name.is_some() {
                None
            } else {
                super::timelinejs::find_title(input)?
            };
            let mapper = super::timelinejs::SheetCsv::new(mapping, title);
            csv_source(input, file_index, mapper)?
        }
    })
}

/// Reads a whole native TOML file; problems come first, as they always did.
fn native_source(input: &Input, file_index: usize) -> Result<VecSource, ImportError> {
    let parsed = native::parse(&input.name, &input.read_text()?);
    let mut all: Vec<Yielded> = Vec::with_capacity(parsed.items.len() + 1);
    if !parsed.problems.is_empty() {
        all.push(Err(parsed.problems));
    }
    all.extend(parsed.items.into_iter().map(|located| {
        Ok(Located {
            file_index,
            ..located
        })
    }));
    Ok(VecSource(all.into_iter()))
}

fn csv_source<M: tabular::RowMapper + 'static>(
    input: &Input,
    file_index: usize,
    mapper: M,
) -> Result<Box<dyn ItemSource>, ImportError> {
    let (bytes, size) = tabular::open_bytes(input)?;
    Ok(Box::new(CsvSource::new(
        &input.name,
        file_index,
        bytes,
        size,
        mapper,
    )))
}

/// The CSV format a header belongs to, if any.
pub fn csv_format(header: &Header) -> Option<Format> {
    if header.has("event_id_cnty") && header.has("event_date") {
        Some(Format::Acled)
    } else if super::acled::DELETED_COLUMNS.iter().all(|c| header.has(c)) {
        Some(Format::AcledDeleted)
    } else if header.has("date_prec") && header.has("type_of_violence") {
        Some(Format::Ucdp)
    } else if header.has("headline") && header.has("year") {
        Some(Format::TimelinejsCsv)
    } else if super::plain_csv::detect(header) {
        Some(Format::Csv)
    } else {
        None
    }
}

/// Detects the format from the extension, then from the first bytes and the header row.
fn detect(input: &Input) -> Result<Format, ImportError> {
    let unknown = |reason: &str| ImportError::UnknownFormat {
        path: input.name.clone(),
        reason: reason.to_string(),
    };
    match input
        .name
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .as_deref()
    {
        Some("toml") => return Ok(Format::Native),
        Some("json") => return Ok(Format::TimelinejsJson),
        _ => {}
    }
    let (mut bytes, _) = tabular::open_bytes(input)?;
    let head = std::io::BufRead::fill_buf(&mut bytes).map_err(|source| ImportError::Read {
        path: input.name.clone().into(),
        source,
    })?;
    let text = String::from_utf8_lossy(head);
    let start = text.trim_start();
    if start.starts_with('{') {
        return Ok(Format::TimelinejsJson);
    }
    if text.contains("format = \"conflict-timeline/") {
        return Ok(Format::Native);
    }
    let mut reader = tabular::csv_reader(bytes);
    let header = match reader.headers() {
        Ok(names) => Header::new(names.iter()),
        Err(_) => return Err(unknown("the first line is not a CSV header")),
    };
    csv_format(&header).ok_or_else(|| {
        unknown(&format!(
            "the header ({}) matches no known CSV format",
            ImportProblemList(header.names())
        ))
    })
}

/// A short, comma-separated list of column names for messages.
struct ImportProblemList<'a>(&'a [String]);

impl std::fmt::Display for ImportProblemList<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown: Vec<&str> = self.0.iter().take(8).map(String::as_str).collect();
        write!(f, "{}", shown.join(", "))?;
        if self.0.len() > 8 {
            write!(f, ", …")?;
        }
        Ok(())
    }
}
