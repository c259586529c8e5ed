//! Importing: every input format is parsed into [`Item`]s, every item is checked, and the
//! valid ones are written by one [`writer::Writer`] in one transaction. Any problem anywhere
//! means the transaction is rolled back: the database is exactly as it was.
//!
//! The bundled dataset is loaded through this same path on first start.

pub mod error;
pub mod native;
pub mod record;
pub mod writer;

use std::path::PathBuf;

use sqlx::SqlitePool;

use error::Problems;
pub use error::{ImportError, ImportProblem};
use record::{ConflictRecord, EraRecord, EventRecord, FieldProblem};
pub use writer::ImportSummary;

/// The dataset that ships inside the binary, in the native format.
pub const BUNDLED_DATASET: &str = include_str!("../../data/nagorno-karabakh.toml");
/// The name the bundled dataset is reported under.
pub const BUNDLED_NAME: &str = "data/nagorno-karabakh.toml";

/// One thing an input file defines.
#[derive(Debug)]
pub enum Item {
    Conflict(ConflictRecord),
    Era(EraRecord),
    Event(Box<EventRecord>),
}

/// An item with where it came from.
#[derive(Debug)]
pub struct Located<T> {
    /// Index of the input in the list given to [`import`].
    pub file_index: usize,
    /// 1-based line where the item starts, where known.
    pub line: Option<usize>,
    pub item: T,
}

/// The formats `import` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The TOML dataset format that `data/` uses.
    Native,
}

/// Where an input's bytes come from.
#[derive(Clone, Debug)]
pub enum InputSource {
    Path(PathBuf),
    Text(String),
}

/// One file to import.
#[derive(Clone, Debug)]
pub struct Input {
    /// The name used in messages (the path as the user typed it).
    pub name: String,
    pub source: InputSource,
    /// The format, if the user named it; otherwise it is detected.
    pub format: Option<Format>,
}

impl Input {
    /// A file on disk.
    pub fn path(path: impl Into<PathBuf>, format: Option<Format>) -> Self {
        let path = path.into();
        Input {
            name: path.display().to_string(),
            source: InputSource::Path(path),
            format,
        }
    }

    /// The dataset bundled in the binary.
    pub fn bundled() -> Self {
        Input {
            name: BUNDLED_NAME.to_string(),
            source: InputSource::Text(BUNDLED_DATASET.to_string()),
            format: Some(Format::Native),
        }
    }

    fn read_text(&self) -> Result<String, ImportError> {
        match &self.source {
            InputSource::Text(text) => Ok(text.clone()),
            InputSource::Path(path) => {
                std::fs::read_to_string(path).map_err(|source| ImportError::Read {
                    path: path.clone(),
                    source,
                })
            }
        }
    }

    fn detect_format(&self) -> Result<Format, ImportError> {
        if let Some(format) = self.format {
            return Ok(format);
        }
        match self
            .name
            .rsplit_once('.')
            .map(|(_, ext)| ext.to_ascii_lowercase())
        {
            Some(ext) if ext == "toml" => Ok(Format::Native),
            _ => Err(ImportError::UnknownFormat {
                path: self.name.clone(),
                reason: "the file name does not end in a known extension (.toml)".to_string(),
            }),
        }
    }
}

/// How to import.
#[derive(Clone, Copy, Debug, Default)]
pub struct ImportOptions {
    /// Validate everything (including against the database) and write nothing.
    pub check_only: bool,
    /// Delete the events of each conflict the import touches that it does not mention.
    pub replace: bool,
}

/// Imports `inputs` all or nothing.
pub async fn import(
    pool: &SqlitePool,
    inputs: &[Input],
    options: ImportOptions,
) -> Result<ImportSummary, ImportError> {
    let mut problems = Problems::default();
    let mut writer = writer::Writer::begin(pool).await?;
    let problem_at = |file_index: usize, line: Option<usize>, p: FieldProblem| ImportProblem {
        file: inputs
            .get(file_index)
            .map(|i| i.name.clone())
            .unwrap_or_default(),
        line,
        field: p.field,
        value: ImportProblem::shorten(&p.value),
        message: p.message,
    };

    for (file_index, input) in inputs.iter().enumerate() {
        let parsed = match input.detect_format()? {
            Format::Native => native::parse(&input.name, &input.read_text()?),
        };
        parsed.problems.into_iter().for_each(|p| problems.push(p));
        let items = parsed.items;
        for Located { line, item, .. } in items {
            let checked = match &item {
                Item::Conflict(c) => c.check(),
                Item::Era(e) => e.check(),
                Item::Event(e) => e.check(),
            };
            if !checked.is_empty() {
                checked
                    .into_iter()
                    .for_each(|p| problems.push(problem_at(file_index, line, p)));
                continue;
            }
            // Once anything is wrong the import will be rolled back: keep validating, stop writing.
            if !problems.is_empty() {
                continue;
            }
            let refused = match &item {
                Item::Conflict(c) => writer.conflict(c).await.map(|()| None)?,
                Item::Era(e) => writer.era(e).await?,
                Item::Event(e) => writer.event(e, (file_index, line)).await?,
            };
            if let Some(p) = refused {
                problems.push(problem_at(file_index, line, p));
            }
        }
    }

    if problems.is_empty() {
        for link in writer.resolve_links().await? {
            problems.push(problem_at(link.origin.0, link.origin.1, link.problem));
        }
    }
    if problems.is_empty() && options.replace {
        writer.delete_unmentioned().await?;
    }
    if !problems.is_empty() {
        writer.rollback().await?;
        return Err(problems.into_error());
    }
    if options.check_only {
        return Ok(writer.rollback().await?);
    }
    Ok(writer.commit().await?)
}
