//! What goes wrong in an import, said precisely: the file, the line, the field, the value
//! and what was expected.

use std::fmt;
use std::path::PathBuf;

/// How many problems an import lists before it only counts the rest.
pub const MAX_LISTED_PROBLEMS: usize = 50;

/// One problem in an input file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportProblem {
    /// The file as the user named it.
    pub file: String,
    /// 1-based line, where known.
    pub line: Option<usize>,
    /// The field (column, key) at fault, or empty for a problem with the whole row or file.
    pub field: String,
    /// The offending value, shortened for display.
    pub value: String,
    /// What is wrong, or what was expected.
    pub message: String,
}

impl ImportProblem {
    /// Shortens a value so that one huge cell cannot flood the error output.
    pub fn shorten(value: &str) -> String {
        const MAX: usize = 80;
        if value.chars().count() <= MAX {
            value.to_string()
        } else {
            let head: String = value.chars().take(MAX).collect();
            format!("{head}…")
        }
    }
}

/// Writes where something in an input file is: `file:line: field` (the line and the field
/// where known), as problems and notices begin.
pub(super) fn write_place(
    f: &mut fmt::Formatter<'_>,
    file: &str,
    line: Option<usize>,
    field: &str,
) -> fmt::Result {
    write!(f, "{file}")?;
    if let Some(line) = line {
        write!(f, ":{line}")?;
    }
    if !field.is_empty() {
        write!(f, ": {field}")?;
    }
    Ok(())
}

impl fmt::Display for ImportProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_place(f, &self.file, self.line, &self.field)?;
        write!(f, ": {}", self.message)?;
        if !self.value.is_empty() {
            write!(f, " (got {:?})", self.value)?;
        }
        Ok(())
    }
}

/// Why an import wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The input broke rules; nothing was written.
    #[error("{} problem(s) found; nothing was imported", .total)]
    Invalid {
        /// The first [`MAX_LISTED_PROBLEMS`] problems.
        problems: Vec<ImportProblem>,
        /// How many there were in all.
        total: usize,
    },
    /// A file could not be read.
    #[error("cannot read {}: {source}", .path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The format could not be told from the file.
    #[error("{path}: cannot tell the format: {reason} (name one with --format)")]
    UnknownFormat { path: String, reason: String },
    /// The database refused or failed; the transaction was rolled back.
    #[error("database error during import (nothing was written): {0}{hint}", hint = storage_hint(.0))]
    Database(#[from] sqlx::Error),
}

/// What a storage failure most likely means, for the reader of the message: SQLite reports
/// a full disk as `SQLITE_FULL` and a write cut short (a file-size limit, a failing disk) as
/// an `SQLITE_IOERR` code.
fn storage_hint(err: &sqlx::Error) -> &'static str {
    let code = match err {
        sqlx::Error::Database(db) => db.code().and_then(|c| c.parse::<i32>().ok()),
        _ => None,
    };
    match code.map(|c| c & 0xff) {
        Some(13) => " (the disk is full: free some space and import again)",
        Some(10) => {
            " (the database file could not be written: the disk may be full, a file-size \
             limit reached, or the disk failing)"
        }
        _ => "",
    }
}

/// Collects problems across a whole import, keeping the first [`MAX_LISTED_PROBLEMS`].
#[derive(Debug, Default)]
pub struct Problems {
    listed: Vec<ImportProblem>,
    total: usize,
}

impl Problems {
    /// Records a problem.
    pub fn push(&mut self, problem: ImportProblem) {
        self.total += 1;
        if self.listed.len() < MAX_LISTED_PROBLEMS {
            self.listed.push(problem);
        }
    }

    /// Has anything been recorded.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// How many problems in all.
    pub fn total(&self) -> usize {
        self.total
    }

    /// The error to return when there were problems.
    pub fn into_error(self) -> ImportError {
        ImportError::Invalid {
            problems: self.listed,
            total: self.total,
        }
    }
}
