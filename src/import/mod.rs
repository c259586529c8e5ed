//! Importing: every input format is parsed into [`Item`]s, every item is checked, and the
//! valid ones are written by one [`writer::Writer`] in one transaction. Any problem anywhere
//! means the transaction is rolled back: the database is exactly as it was.
//!
//! The bundled dataset is loaded through this same path on first start.

pub mod acled;
pub mod detect;
mod direct;
pub mod error;
pub mod native;
pub mod plain_csv;
pub mod progress;
pub mod report;
pub mod tabular;
pub mod timelinejs;
pub mod ucdp;
pub mod writer;

use std::collections::HashSet;
use std::path::PathBuf;

use sqlx::SqlitePool;

use crate::record::{self, ConflictRecord, EraRecord, EventRecord, FieldProblem, PlaceRecord};
use error::Problems;
pub use error::{ImportError, ImportProblem};
pub use report::{ImportReport, Notice, NoticeKind};
pub use writer::ImportSummary;

/// The dataset that ships inside the binary, in the native format.
pub use crate::dataset::BUNDLED_DATASET;
/// The name the bundled dataset is reported under.
pub const BUNDLED_NAME: &str = "data/nagorno-karabakh.toml";

/// One thing an input file defines.
#[derive(Debug)]
pub enum Item {
    Conflict(ConflictRecord),
    Era(EraRecord),
    /// A place declared once (native `[[places]]`), before the events that name it.
    Place(Box<PlaceRecord>),
    Event(Box<EventRecord>),
    /// A conflict that a foreign format's rows imply (an ACLED country, a UCDP
    /// `conflict_name`, `--conflict`): created when missing, never overwritten, except that
    /// an explicit `--conflict-name` renames it.
    ImpliedConflict {
        record: ConflictRecord,
        rename: bool,
    },
    /// Something the importer changed or left out of what it was given, reported, never
    /// written (see [`report`]).
    Notice(Notice),
    /// An event its source has deleted (a row of ACLED's list of deleted events): removed
    /// by this import, with a tombstone saying why, if the database holds it.
    Deletion(Deletion),
}

/// An event a source says it has deleted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deletion {
    /// The slug the event has here (`acled-arm1234`).
    pub slug: String,
    /// Why, in words a reader sees on the event's 410 page.
    pub reason: String,
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
    /// Plain CSV, one event per row (see `docs/dataset-format.md`).
    Csv,
    /// A TimelineJS JSON file (`events[]`, `eras[]`, `title`).
    TimelinejsJson,
    /// A TimelineJS Google-sheet template exported as CSV.
    TimelinejsCsv,
    /// An ACLED export (CSV).
    Acled,
    /// A UCDP GED export (CSV).
    Ucdp,
    /// ACLED's list of deleted events (CSV: `event_id_cnty`, `deleted_timestamp`): the
    /// events it names are removed, each with a tombstone.
    AcledDeleted,
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
}

/// How to import.
#[derive(Clone, Copy, Debug, Default)]
pub struct ImportOptions {
    /// Validate everything (including against the database) and write nothing.
    pub check_only: bool,
    /// Delete the events of each conflict the import touches that it does not mention.
    pub replace: bool,
}

/// Choices for the formats that map foreign rows onto the model, and for reporting.
#[derive(Clone, Debug, Default)]
pub struct MappingOptions {
    /// `--conflict`: the conflict (slug) every event of a CSV or TimelineJS file goes into,
    /// created if missing; otherwise each format's own rule applies (an ACLED country, a
    /// UCDP `conflict_name`, a `conflict` column, a TimelineJS title).
    pub conflict: Option<String>,
    /// `--conflict-name`: the name given to that conflict.
    pub conflict_name: Option<String>,
    /// Show a progress line (rows, rate, ETA) on stderr.
    pub progress: bool,
    /// `--base-url`: what relative media paths of a TimelineJS file are resolved against
    /// (without it they are left out, and reported).
    pub base_url: Option<url::Url>,
}

/// Which conflict a foreign format's events go into, and which implied conflicts a file has
/// already announced (each is announced once, before its first event).
pub struct ConflictChoice {
    fixed: Option<ConflictRecord>,
    rename: bool,
    announced: HashSet<String>,
}

impl ConflictChoice {
    /// The choice `--conflict` / `--conflict-name` make.
    pub fn new(mapping: &MappingOptions) -> Self {
        ConflictChoice {
            fixed: mapping.conflict.as_ref().map(|slug| ConflictRecord {
                slug: slug.clone(),
                name: mapping
                    .conflict_name
                    .clone()
                    .unwrap_or_else(|| slug.clone()),
                summary: String::new(),
                region: None,
            }),
            rename: mapping.conflict_name.is_some(),
            announced: HashSet::new(),
        }
    }

    /// Whether `--conflict` was given.
    pub fn is_fixed(&self) -> bool {
        self.fixed.is_some()
    }

    /// The `--conflict` slug, announcing it (into `out`) the first time.
    pub fn fixed(&mut self, out: &mut Vec<Item>) -> Option<String> {
        let record = self.fixed.as_ref()?;
        if self.announced.insert(record.slug.clone()) {
            out.push(Item::ImpliedConflict {
                record: record.clone(),
                rename: self.rename,
            });
        }
        Some(record.slug.clone())
    }

    /// The slug of a conflict a row names (a slug, or a name to derive one from), announcing
    /// it (into `out`) the first time.
    pub fn named(
        &mut self,
        slug_or_name: &str,
        name: &str,
        region: Option<&str>,
        out: &mut Vec<Item>,
    ) -> String {
        let slug = if crate::slug::is_valid(slug_or_name, record::SHORT_SLUG_MAX) {
            slug_or_name.to_string()
        } else {
            tabular::fit_slug(&tabular::ascii_slug(slug_or_name), record::SHORT_SLUG_MAX)
        };
        if !self.announced.contains(&slug) {
            self.announced.insert(slug.clone());
            out.push(Item::ImpliedConflict {
                record: ConflictRecord {
                    slug: slug.clone(),
                    name: name.to_string(),
                    summary: String::new(),
                    region: region.map(str::to_string),
                },
                rename: false,
            });
        }
        slug
    }
}

/// Imports `inputs` all or nothing.
pub async fn import(
    pool: &SqlitePool,
    inputs: &[Input],
    options: ImportOptions,
) -> Result<ImportSummary, ImportError> {
    import_with(pool, inputs, options, &MappingOptions::default()).await
}

/// Imports `inputs` all or nothing, with the choices foreign formats need.
///
/// Every item is checked as it is read; valid events are queued and written in batches
/// inside the import's one transaction. Problems are reported in file order: before the
/// first problem is recorded, the queued events are written so that their own problems
/// (a slug used twice) come first. From the first problem on nothing more is written, and
/// the transaction is rolled back at the end.
pub async fn import_with(
    pool: &SqlitePool,
    inputs: &[Input],
    options: ImportOptions,
    mapping: &MappingOptions,
) -> Result<ImportSummary, ImportError> {
    let mut problems = Problems::default();
    let mut report = ImportReport::default();
    let meta = revision_meta(inputs, options, mapping).await?;
    let mut writer = writer::Writer::begin(pool).await?;
    writer.describe(meta);

    let mut progress = progress::Progress::new(mapping.progress);
    for (file_index, input) in inputs.iter().enumerate() {
        let source = detect::open(input, file_index, mapping)?;
        // Reading, parsing and checking the next items on a blocking thread while this
        // task writes the current ones keeps both cores busy.
        let mut reading = Some(tokio::task::spawn_blocking(move || read_ahead(source)));
        while let Some(handle) = reading.take() {
            let (source, chunk) = match handle.await {
                Ok(read) => read,
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                Err(e) => {
                    return Err(ImportError::Read {
                        path: input.name.clone().into(),
                        source: std::io::Error::other(e),
                    });
                }
            };
            if chunk.len() == READ_AHEAD {
                reading = Some(tokio::task::spawn_blocking(move || read_ahead(source)));
            }
            for ReadItem {
                next,
                checked,
                hash,
                at,
            } in chunk
            {
                progress.tick(&input.name, at);
                let Located { line, item, .. } = match next {
                    Ok(located) => located,
                    Err(found) => {
                        flush_before_problem(&mut writer, &mut problems, inputs).await?;
                        found.into_iter().for_each(|p| problems.push(p));
                        continue;
                    }
                };
                if !checked.is_empty() {
                    flush_before_problem(&mut writer, &mut problems, inputs).await?;
                    checked
                        .into_iter()
                        .for_each(|p| problems.push(problem_at(inputs, file_index, line, p)));
                    continue;
                }
                // Once anything is wrong the import will be rolled back: keep validating,
                // stop writing.
                if !problems.is_empty() {
                    continue;
                }
                let item = match item {
                    Item::Notice(notice) => {
                        report.push(&input.name, line, notice);
                        continue;
                    }
                    Item::Event(e) => {
                        if let Some(notice) = low_above_high(&e) {
                            report.push(&input.name, line, notice);
                        }
                        Item::Event(e)
                    }
                    other => other,
                };
                // An era or a place is refused at once (its conflict or the place it lies
                // in is unknown); events are refused when their batch is written.
                let refused_now = match item {
                    Item::Notice(_) => None,
                    Item::Deletion(deletion) => {
                        writer.listed_deletion(deletion, (file_index, line));
                        None
                    }
                    Item::Conflict(c) => writer.conflict(&c).await.map(|()| None)?,
                    Item::ImpliedConflict { record, rename } => writer
                        .implied_conflict(&record, rename)
                        .await
                        .map(|()| None)?,
                    Item::Era(e) => writer.era(&e).await?,
                    Item::Place(p) => writer.place(&p).await?,
                    Item::Event(e) => {
                        let hash = hash.unwrap_or_else(|| writer::content_hash(&e));
                        let refused = writer.event(e, hash, (file_index, line)).await?;
                        push_refused(&mut problems, inputs, refused);
                        None
                    }
                };
                let refused = match refused_now {
                    Some(problem) => {
                        flush_before_problem(&mut writer, &mut problems, inputs).await?;
                        vec![writer::Refused {
                            origin: (file_index, line),
                            problem,
                        }]
                    }
                    None => Vec::new(),
                };
                push_refused(&mut problems, inputs, refused);
            }
        }
    }

    progress.finish();
    if problems.is_empty() {
        let refused = writer.finish().await?;
        push_refused(&mut problems, inputs, refused);
    }
    if problems.is_empty() {
        let unresolved = writer.resolve_links().await?;
        push_refused(&mut problems, inputs, unresolved);
    }
    if problems.is_empty() && options.replace {
        writer.delete_unmentioned().await?;
    }
    if problems.is_empty() {
        for (origin, slug) in writer.delete_listed().await? {
            report.push(
                &inputs[origin.0].name,
                origin.1,
                Notice::new(
                    NoticeKind::DeletionNotHere,
                    "event_id_cnty",
                    format!("no event {slug} here: nothing to remove"),
                ),
            );
        }
    }
    if !problems.is_empty() {
        writer.rollback().await?;
        return Err(problems.into_error());
    }
    let mut summary = if options.check_only {
        writer.rollback().await?
    } else {
        writer.commit().await?
    };
    summary.report = report;
    Ok(summary)
}

/// Figures whose low estimate exceeds the high one: kept as published (UCDP publishes
/// such rows), and said in the report. Named by the format's own columns where it has them.
fn low_above_high(event: &EventRecord) -> Option<Notice> {
    let f = event.fatalities;
    match (f.low, f.high) {
        (Some(low), Some(high)) if low > high => Some(Notice::new(
            NoticeKind::LowAboveHigh,
            "",
            match f.best {
                Some(best) => format!("low {low} > high {high} (best {best})"),
                None => format!("low {low} > high {high}"),
            },
        )),
        _ => None,
    }
}

/// What the import's revision records: each file's format, name, size and SHA-256, and
/// the options that change what the import does.
async fn revision_meta(
    inputs: &[Input],
    options: ImportOptions,
    mapping: &MappingOptions,
) -> Result<writer::RevisionMeta, ImportError> {
    let mut meta = writer::RevisionMeta::default();
    for input in inputs {
        let format = detect::format_of(input)?;
        meta.formats.push(
            clap::ValueEnum::to_possible_value(&format)
                .map(|v| v.get_name().to_string())
                .unwrap_or_default(),
        );
        let input = input.clone();
        let file = tokio::task::spawn_blocking(move || digest_file(&input))
            .await
            .map_err(|e| ImportError::Read {
                path: PathBuf::new(),
                source: std::io::Error::other(e),
            })??;
        meta.files.push(file);
    }
    let mut set = |key: &str, value: serde_json::Value| {
        meta.options.insert(key.to_string(), value);
    };
    set("replace", options.replace.into());
    if let Some(format) = inputs.iter().find_map(|i| i.format) {
        let name = clap::ValueEnum::to_possible_value(&format).map(|v| v.get_name().to_string());
        set("format", name.into());
    }
    if let Some(conflict) = &mapping.conflict {
        set("conflict", conflict.as_str().into());
    }
    if let Some(name) = &mapping.conflict_name {
        set("conflict_name", name.as_str().into());
    }
    if let Some(base) = &mapping.base_url {
        set("base_url", base.as_str().into());
    }
    Ok(meta)
}

/// An input's name, size and SHA-256, read through once.
fn digest_file(input: &Input) -> Result<writer::InputFile, ImportError> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    match &input.source {
        InputSource::Text(text) => {
            hasher.update(text.as_bytes());
            size = text.len() as u64;
        }
        InputSource::Path(path) => {
            let read_error = |source| ImportError::Read {
                path: path.clone(),
                source,
            };
            let mut file = std::fs::File::open(path).map_err(read_error)?;
            let mut buf = vec![0u8; 1 << 16];
            loop {
                let n = file.read(&mut buf).map_err(read_error)?;
                if n == 0 {
                    break;
                }
                hasher.update(&buf[..n]);
                size += n as u64;
            }
        }
    }
    let sha256 = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(writer::InputFile {
        name: input.name.clone(),
        size,
        sha256,
    })
}

/// Items read ahead of the writer at a time.
const READ_AHEAD: usize = 1024;

/// An item as read, checked and (an event) hashed on the reading thread, with how far
/// into its input the reader was.
struct ReadItem {
    next: tabular::Yielded,
    /// What [`check`] found.
    checked: Vec<FieldProblem>,
    /// A valid event's [`writer::content_hash`].
    hash: Option<String>,
    at: (u64, Option<u64>),
}

/// The rules every item of its kind follows.
fn check(item: &Item) -> Vec<FieldProblem> {
    match item {
        Item::Conflict(c) => c.check(),
        Item::ImpliedConflict { record, .. } => record.check(),
        Item::Era(e) => e.check(),
        Item::Place(p) => p.check(),
        Item::Event(e) => e.check(),
        Item::Notice(_) | Item::Deletion(_) => Vec::new(),
    }
}

/// Reads, checks and hashes up to [`READ_AHEAD`] items; fewer means the input is done.
fn read_ahead(
    mut source: Box<dyn tabular::ItemSource>,
) -> (Box<dyn tabular::ItemSource>, Vec<ReadItem>) {
    let mut chunk = Vec::with_capacity(READ_AHEAD);
    let events_checked = source.checks_events();
    while chunk.len() < READ_AHEAD {
        let Some(next) = source.next() else { break };
        let (checked, hash) = match &next {
            Ok(Located { item, .. }) => {
                let checked = match item {
                    // Checked once already, by the row mapper that made it.
                    Item::Event(_) if events_checked => Vec::new(),
                    _ => check(item),
                };
                let hash = match item {
                    Item::Event(e) if checked.is_empty() => Some(writer::content_hash(e)),
                    _ => None,
                };
                (checked, hash)
            }
            Err(_) => (Vec::new(), None),
        };
        chunk.push(ReadItem {
            next,
            checked,
            hash,
            at: source.progress(),
        });
    }
    (source, chunk)
}

/// A problem of an input, at a line.
fn problem_at(
    inputs: &[Input],
    file_index: usize,
    line: Option<usize>,
    p: FieldProblem,
) -> ImportProblem {
    ImportProblem {
        file: inputs
            .get(file_index)
            .map(|i| i.name.clone())
            .unwrap_or_default(),
        line,
        field: p.field,
        value: ImportProblem::shorten(&p.value),
        message: p.message,
    }
}

fn push_refused(problems: &mut Problems, inputs: &[Input], refused: Vec<writer::Refused>) {
    for r in refused {
        problems.push(problem_at(inputs, r.origin.0, r.origin.1, r.problem));
    }
}

/// While nothing is wrong yet, writes the queued events, so that their problems are
/// recorded before a later line's.
async fn flush_before_problem(
    writer: &mut writer::Writer,
    problems: &mut Problems,
    inputs: &[Input],
) -> Result<(), sqlx::Error> {
    if problems.is_empty() {
        let refused = writer.flush().await?;
        push_refused(problems, inputs, refused);
    }
    Ok(())
}
