//! Streaming CSV: the machinery every CSV format shares. A [`CsvSource`] reads one record at a
//! time (so a file of a million rows is never held in memory), hands each row to a format's
//! [`RowMapper`], and yields the items it maps to, or the problems of the row with the line
//! the record starts on and the column at fault.
//!
//! Real exports carry a byte-order mark, Windows line ends, quoted commas and newlines and
//! empty optional cells; all of them are accepted here, once, for every format.

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read};
use std::sync::{Arc, Mutex, PoisonError};

use super::error::ImportProblem;
use super::{Input, InputSource, Item, Located};
use crate::import::ImportError;
use crate::record::{
    Coordinates, EVENT_SLUG_MAX, EventRecord, FieldProblem, PlaceRef, SourceRecord,
};

/// What a format yields for each item: the item with where it starts, or the problems found.
pub type Yielded = Result<Located<Item>, Vec<ImportProblem>>;

/// A format's reader, pulled one item at a time by [`super::import`].
pub trait ItemSource: Iterator<Item = Yielded> + Send {
    /// Bytes consumed so far and the input's size, when known (for the progress line).
    fn progress(&self) -> (u64, Option<u64>) {
        (0, None)
    }

    /// Whether every event this source yields has already passed [`EventRecord::check`]
    /// (the row mappers run it through [`check_event`], to name columns in problems), so
    /// that the import need not run it again.
    ///
    /// [`EventRecord::check`]: crate::record::EventRecord::check
    fn checks_events(&self) -> bool {
        false
    }
}

/// Items and problems already in memory (the whole-document formats: TOML, JSON).
pub struct VecSource(pub std::vec::IntoIter<Yielded>);

impl Iterator for VecSource {
    type Item = Yielded;
    fn next(&mut self) -> Option<Yielded> {
        self.0.next()
    }
}

impl ItemSource for VecSource {}

/// The bytes of an input, buffered, with any UTF-8 byte-order mark skipped, and its size.
pub type Bytes = BufReader<Box<dyn Read + Send>>;

/// Opens an input for streaming. A UTF-8 byte-order mark (which spreadsheet programs write)
/// is skipped, so that the first column name is read as written.
pub fn open_bytes(input: &Input) -> Result<(Bytes, Option<u64>), ImportError> {
    let (inner, size): (Box<dyn Read + Send>, Option<u64>) = match &input.source {
        InputSource::Text(text) => {
            let bytes = text.clone().into_bytes();
            let len = bytes.len() as u64;
            (Box::new(std::io::Cursor::new(bytes)), Some(len))
        }
        InputSource::Path(path) => {
            let read_error = |source| ImportError::Read {
                path: path.clone(),
                source,
            };
            let file = std::fs::File::open(path).map_err(read_error)?;
            let size = file.metadata().ok().map(|m| m.len());
            (Box::new(file), size)
        }
    };
    let mut reader = BufReader::with_capacity(256 * 1024, inner);
    let head = reader.fill_buf().map_err(|source| ImportError::Read {
        path: input.name.clone().into(),
        source,
    })?;
    if head.starts_with(b"\xEF\xBB\xBF") {
        reader.consume(3);
    }
    Ok((reader, size))
}

/// A CSV reader over an input: commas, double-quote quoting (with `""` escapes and newlines
/// inside quotes), `\n` or `\r\n` line ends, a header row.
pub fn csv_reader<R: Read>(bytes: R) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(bytes)
}

/// The newlines that passed through a [`LineCounting`] reader and are not yet behind the
/// last record asked about.
#[derive(Default)]
struct NewlineLog {
    /// Bytes read so far.
    read: u64,
    /// Offsets of the line-end bytes (`\r` or `\n`, with whether it is `\n`) read ahead
    /// of the last record asked about.
    ahead: VecDeque<(u64, bool)>,
    /// Newlines before the last record asked about.
    behind: usize,
}

/// Counts lines itself: the `csv` crate's own line numbers drift with `\r\n` line ends and
/// blank lines, while its byte offsets are exact. Memory stays bounded by the read-ahead.
struct LineCounting<R> {
    inner: R,
    log: Arc<Mutex<NewlineLog>>,
}

impl<R: Read> Read for LineCounting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut log = self.log.lock().unwrap_or_else(PoisonError::into_inner);
        let start = log.read;
        for (i, b) in buf[..n].iter().enumerate() {
            if *b == b'\n' || *b == b'\r' {
                log.ahead.push_back((start + i as u64, *b == b'\n'));
            }
        }
        log.read += n as u64;
        Ok(n)
    }
}

/// The 1-based line of the record `csv` says starts at `offset`; offsets must be asked in
/// increasing order. `csv` may place a record's start on the line end (or blank lines)
/// before it, so the run of line-end bytes at `offset` is counted too.
fn line_at(log: &Mutex<NewlineLog>, offset: u64) -> usize {
    let mut log = log.lock().unwrap_or_else(PoisonError::into_inner);
    while let Some(&(at, newline)) = log.ahead.front() {
        if at >= offset {
            break;
        }
        log.ahead.pop_front();
        log.behind += usize::from(newline);
    }
    let mut run = 0;
    for (expected, &(at, newline)) in (offset..).zip(log.ahead.iter()) {
        if at != expected {
            break;
        }
        run += usize::from(newline);
    }
    log.behind + run + 1
}

/// The header row: column names as written, and a case-insensitive index.
#[derive(Clone, Debug, Default)]
pub struct Header {
    names: Vec<String>,
    index: HashMap<String, usize>,
}

impl Header {
    /// Builds the index; the first of two columns with the same name wins.
    pub fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> Header {
        let names: Vec<String> = names.into_iter().map(|n| n.trim().to_string()).collect();
        let mut index = HashMap::new();
        for (i, name) in names.iter().enumerate() {
            index.entry(name.to_lowercase()).or_insert(i);
        }
        Header { names, index }
    }

    /// The position of a column, by name, ignoring case and surrounding spaces.
    pub fn col(&self, name: &str) -> Option<usize> {
        self.index.get(&name.to_lowercase()).copied()
    }

    /// The position of the first of `names` that the header has (a column and its other
    /// spellings).
    pub fn first_col(&self, names: &[&str]) -> Option<usize> {
        names.iter().find_map(|name| self.col(name))
    }

    /// Whether a column is present.
    pub fn has(&self, name: &str) -> bool {
        self.col(name).is_some()
    }

    /// The column names as written.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// A problem for each of `required` that the header lacks (reported at line 1).
    pub fn missing(&self, required: &[&str]) -> Vec<FieldProblem> {
        required
            .iter()
            .filter(|name| !self.has(name))
            .map(|name| {
                FieldProblem::new(
                    *name,
                    "",
                    format!("the header has no `{name}` column, which this format requires"),
                )
            })
            .collect()
    }
}

/// Declares the columns a format reads: a struct with each one's position in the header
/// (`None` when absent), and `find`, which resolves them once from the header, each by the
/// first of its names (`location: "location" | "place"`) that the header has.
macro_rules! columns {
    (
        $(#[$meta:meta])*
        struct $name:ident {
            $($(#[$field_meta:meta])* $field:ident: $($column:literal)|+,)*
        }
    ) => {
        $(#[$meta])*
        #[derive(Default)]
        struct $name {
            $($(#[$field_meta])* $field: Option<usize>,)*
        }

        impl $name {
            /// Every name of every column, for a test header that has them all.
            #[cfg(test)]
            #[allow(dead_code, reason = "only some formats' tests give such a header")]
            const NAMES: &'static [&'static str] = &[$($($column),+),*];

            fn find(header: &$crate::import::tabular::Header) -> Self {
                $name {
                    $($field: header.first_col(&[$($column),+]),)*
                }
            }
        }
    };
}
pub(crate) use columns;

/// One record, with the line it starts on.
pub struct Row<'a> {
    record: &'a csv::StringRecord,
    /// 1-based line of the record's first character.
    pub line: usize,
}

impl Row<'_> {
    /// The trimmed cell of a column, or `""` when the column is absent.
    pub fn get(&self, col: Option<usize>) -> &str {
        // Cells our CSV exports wrote with a formula guard read back as they were.
        crate::record::unguard_formula(col.and_then(|c| self.record.get(c)).unwrap_or("").trim())
    }

    /// The trimmed cell, or `None` when the column is absent or the cell empty.
    pub fn opt(&self, col: Option<usize>) -> Option<&str> {
        Some(self.get(col)).filter(|s| !s.is_empty())
    }

    /// The whole number in the cell of `column` (see [`parse_count`]): `None` when empty, or
    /// when not a whole number, which is then a problem.
    pub fn count(
        &self,
        column: &str,
        col: Option<usize>,
        problems: &mut Vec<FieldProblem>,
    ) -> Option<i64> {
        parse_count(column, self.get(col))
            .map_err(|p| problems.push(p))
            .ok()
            .flatten()
    }

    /// The coordinates in the `latitude` and `longitude` columns (see [`parse_coordinates`]).
    pub fn coordinates(
        &self,
        latitude: Option<usize>,
        longitude: Option<usize>,
        problems: &mut Vec<FieldProblem>,
    ) -> Option<Coordinates> {
        parse_coordinates(
            ("latitude", self.get(latitude)),
            ("longitude", self.get(longitude)),
            problems,
        )
    }
}

/// What a CSV format does with its header and each row.
pub trait RowMapper: Send {
    /// Resolves the columns it reads; problems (a missing required column) stop the file.
    fn header(&mut self, header: &Header) -> Vec<FieldProblem>;
    /// Maps one row to items (an event, and a conflict the first time one is named), or
    /// returns every problem with it, each naming a column.
    fn row(&mut self, row: &Row<'_>, out: &mut Vec<Item>) -> Result<(), Vec<FieldProblem>>;
}

/// A CSV file being read row by row.
pub struct CsvSource<M> {
    file: String,
    file_index: usize,
    reader: csv::Reader<LineCounting<Bytes>>,
    lines: Arc<Mutex<NewlineLog>>,
    size: Option<u64>,
    mapper: M,
    record: csv::StringRecord,
    queue: VecDeque<Yielded>,
    items: Vec<Item>,
    done: bool,
}

impl<M: RowMapper> CsvSource<M> {
    /// Reads the header and lets the mapper resolve its columns. A missing column is one
    /// problem at line 1; the rows are then not read.
    pub fn new(
        file: &str,
        file_index: usize,
        bytes: Bytes,
        size: Option<u64>,
        mut mapper: M,
    ) -> Self {
        let lines = Arc::new(Mutex::new(NewlineLog::default()));
        let mut reader = csv_reader(LineCounting {
            inner: bytes,
            log: Arc::clone(&lines),
        });
        let mut queue = VecDeque::new();
        let mut done = false;
        match reader.headers() {
            Ok(names) => {
                let header = Header::new(names.iter());
                let problems = mapper.header(&header);
                if !problems.is_empty() {
                    queue.push_back(Err(problems
                        .into_iter()
                        .map(|p| problem(file, Some(1), p))
                        .collect()));
                    done = true;
                }
            }
            Err(e) => {
                queue.push_back(Err(vec![csv_problem(file, Some(1), &e)]));
                done = true;
            }
        }
        CsvSource {
            file: file.to_string(),
            file_index,
            reader,
            lines,
            size,
            mapper,
            record: csv::StringRecord::new(),
            queue,
            items: Vec::new(),
            done,
        }
    }

    fn read_next(&mut self) {
        let before = self.reader.position().byte();
        match self.reader.read_record(&mut self.record) {
            Ok(false) => self.done = true,
            Ok(true) => {
                let offset = self.record.position().map_or(0, csv::Position::byte);
                let line = line_at(&self.lines, offset);
                // A line with only separators is a blank row that spreadsheets leave behind.
                if self.record.iter().all(|cell| cell.trim().is_empty()) {
                    return;
                }
                let row = Row {
                    record: &self.record,
                    line,
                };
                match self.mapper.row(&row, &mut self.items) {
                    Ok(()) => {
                        for item in self.items.drain(..) {
                            self.queue.push_back(Ok(Located {
                                file_index: self.file_index,
                                line: Some(line),
                                item,
                            }));
                        }
                    }
                    Err(problems) => {
                        // Mappers push an event only when the row is valid; what is left is
                        // a conflict the row named, which later rows rely on having seen.
                        for item in self.items.drain(..) {
                            self.queue.push_back(Ok(Located {
                                file_index: self.file_index,
                                line: Some(line),
                                item,
                            }));
                        }
                        self.queue.push_back(Err(problems
                            .into_iter()
                            .map(|p| problem(&self.file, Some(line), p))
                            .collect()));
                    }
                }
            }
            Err(e) => {
                let line = e.position().map(|p| line_at(&self.lines, p.byte()));
                self.queue
                    .push_back(Err(vec![csv_problem(&self.file, line, &e)]));
                // An I/O error ends the file; a malformed record is skipped, unless the
                // reader did not move (which would loop forever).
                if e.is_io_error() || self.reader.position().byte() == before {
                    self.done = true;
                }
            }
        }
    }
}

impl<M: RowMapper> Iterator for CsvSource<M> {
    type Item = Yielded;

    fn next(&mut self) -> Option<Yielded> {
        loop {
            if let Some(next) = self.queue.pop_front() {
                return Some(next);
            }
            if self.done {
                return None;
            }
            self.read_next();
        }
    }
}

impl<M: RowMapper> ItemSource for CsvSource<M> {
    fn progress(&self) -> (u64, Option<u64>) {
        (self.reader.position().byte(), self.size)
    }

    /// Every row mapper (plain CSV, ACLED, UCDP, the TimelineJS sheet) checks the events
    /// it makes with [`check_event`] before yielding them.
    fn checks_events(&self) -> bool {
        true
    }
}

/// An [`ImportProblem`] from a field problem at a line.
pub fn problem(file: &str, line: Option<usize>, p: FieldProblem) -> ImportProblem {
    ImportProblem {
        file: file.to_string(),
        line,
        field: p.field,
        value: ImportProblem::shorten(&p.value),
        message: p.message,
    }
}

/// A problem for a CSV syntax or encoding error, at the record where it happened.
fn csv_problem(file: &str, line: Option<usize>, e: &csv::Error) -> ImportProblem {
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("the row has {len} fields but the header has {expected_len}"),
        csv::ErrorKind::Utf8 { err, .. } => {
            format!("field {} is not valid UTF-8", err.field() + 1)
        }
        csv::ErrorKind::Io(err) => format!("cannot read the file: {err}"),
        _ => e.to_string(),
    };
    ImportProblem {
        file: file.to_string(),
        line,
        field: String::new(),
        value: String::new(),
        message,
    }
}

/// Runs the checks every event passes and reports them under the names of the columns they
/// came from: `columns` pairs a record field (`sources[0].url`, or `formerly` for every
/// `formerly[i]`) with its column.
pub fn check_event(record: &EventRecord, columns: &[(&str, &'static str)]) -> Vec<FieldProblem> {
    let rename = |field: &str| {
        columns
            .iter()
            .find_map(|&(from, column)| (from == field).then_some(column))
    };
    record
        .check()
        .into_iter()
        .map(|mut p| {
            let generic = p
                .field
                .split_once('[')
                .map_or(p.field.as_str(), |(head, _)| head);
            if let Some(column) = rename(&p.field).or_else(|| rename(generic)) {
                p.field = column.to_string();
            }
            p
        })
        .collect()
}

/// The slug of an event a dataset names by its own id (`acled-arm1234`); a problem under
/// `column` when the id has no Latin letter or digit to make one of.
pub fn id_slug(
    prefix: &str,
    column: &str,
    id: &str,
    message: &str,
    problems: &mut Vec<FieldProblem>,
) -> String {
    let slug = ascii_slug(id);
    if slug.is_empty() {
        problems.push(FieldProblem::new(column, id, message));
    }
    fit_slug(&format!("{prefix}-{slug}"), EVENT_SLUG_MAX)
}

/// Hands on an event mapped from a row, unless the row had problems (those found while
/// mapping it and those of [`check_event`]).
pub fn hand_on(
    record: EventRecord,
    problems: Vec<FieldProblem>,
    out: &mut Vec<Item>,
) -> Result<(), Vec<FieldProblem>> {
    if problems.is_empty() {
        out.push(Item::Event(Box::new(record)));
        Ok(())
    } else {
        Err(problems)
    }
}

/// The place of a conflict-data row in words ("Shusha, Nagorno-Karabakh, Azerbaijan"): the
/// parts given, from the most exact, each once.
pub fn place_words(parts: [&str; 3]) -> Option<String> {
    let mut given: Vec<&str> = Vec::with_capacity(3);
    for part in parts {
        if !part.is_empty() && !given.contains(&part) {
            given.push(part);
        }
    }
    (!given.is_empty()).then(|| fit_text(&given.join(", "), 300))
}

/// The gazetteer place a conflict-data row geocodes its event to: the first of `names`
/// given (the most exact first), with the row's coordinates and their precision code,
/// lying in the first of `within` that is given and is not the place itself (see
/// `writer::places`). None when the row names no place.
pub fn geocoded_place(
    names: &[&str],
    coordinates: Option<Coordinates>,
    precision: Option<String>,
    within: [&str; 2],
) -> Vec<PlaceRef> {
    let Some(name) = names.iter().copied().find(|s| !s.is_empty()) else {
        return Vec::new();
    };
    vec![PlaceRef {
        name: fit_text(name, 300),
        coordinates,
        precision,
        within: within
            .into_iter()
            .find(|a| !a.is_empty() && *a != name)
            .map(|a| fit_text(a, 300)),
    }]
}

/// A source a conflict-data row knows by name only (its files give no URL).
pub fn named_source(title: &str, note: Option<&str>) -> SourceRecord {
    SourceRecord {
        title: fit_text(title, 500),
        publisher: None,
        url: None,
        published: None,
        note: note.map(str::to_string),
    }
}

/// Folds common Latin letters with diacritics to ASCII ("Xankəndi" → "Xankendi", "Şuşa" →
/// "Susa"), then slugifies to `[a-z0-9]+(-[a-z0-9]+)*`. Letters it cannot fold are dropped.
pub fn ascii_slug(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    for c in text.chars() {
        match crate::slug::ascii_letter(c).or_else(|| slug_letter(c)) {
            Some(ascii) => folded.push_str(ascii),
            None => folded.push(c),
        }
    }
    crate::slug::slugify_ascii(&folded)
}

/// The letters slugs fold beyond [`crate::slug::ascii_letter`]: s and t with a comma below
/// and the ligatures æ and œ (place names compare them as written; see
/// [`crate::place_names::fold`]).
fn slug_letter(c: char) -> Option<&'static str> {
    Some(match c {
        'ș' | 'Ș' => "s",
        'ț' | 'Ț' => "t",
        'æ' | 'Æ' => "ae",
        'œ' | 'Œ' => "oe",
        _ => return None,
    })
}

/// Cuts a slug to at most `max` bytes at a hyphen, so that it stays valid.
pub fn fit_slug(slug: &str, max: usize) -> String {
    if slug.len() <= max {
        return slug.to_string();
    }
    // Slugs are ASCII, so every byte index is a character boundary.
    let cut = slug.get(..max).unwrap_or(slug);
    match cut.rfind('-') {
        Some(i) if i > 0 => cut[..i].to_string(),
        _ => cut.trim_end_matches('-').to_string(),
    }
}

/// Shortens text to at most `max` characters, ending with "…" when cut.
pub fn fit_text(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.truncate(out.trim_end().len());
    out.push('…');
    out
}

/// Parses an optional whole number in `column`. Spreadsheet exports sometimes write `12.0`;
/// that is accepted when it is whole.
pub fn parse_count(column: &str, value: &str) -> Result<Option<i64>, FieldProblem> {
    if value.is_empty() {
        return Ok(None);
    }
    if let Ok(n) = value.parse::<i64>() {
        return Ok(Some(n));
    }
    match value.parse::<f64>() {
        Ok(f) if f.fract() == 0.0 && f.abs() < 1e15 => Ok(Some(f as i64)),
        _ => Err(FieldProblem::new(column, value, "must be a whole number")),
    }
}

/// Parses an optional pair of coordinates from two columns; both or neither must be given.
pub fn parse_coordinates(
    (lat_column, lat): (&str, &str),
    (lon_column, lon): (&str, &str),
    problems: &mut Vec<FieldProblem>,
) -> Option<Coordinates> {
    let number = |column: &str, value: &str, problems: &mut Vec<FieldProblem>| {
        if value.is_empty() {
            return None;
        }
        match value.parse::<f64>() {
            Ok(v) if v.is_finite() => Some(v),
            _ => {
                problems.push(FieldProblem::new(
                    column,
                    value,
                    "must be a decimal number of degrees",
                ));
                None
            }
        }
    };
    match (
        number(lat_column, lat, problems),
        number(lon_column, lon, problems),
    ) {
        (Some(latitude), Some(longitude)) => Some(Coordinates {
            latitude,
            longitude,
        }),
        (Some(_), None) if lon.is_empty() => {
            problems.push(FieldProblem::new(
                lon_column,
                "",
                format!("is required when {lat_column} is given"),
            ));
            None
        }
        (None, Some(_)) if lat.is_empty() => {
            problems.push(FieldProblem::new(
                lat_column,
                "",
                format!("is required when {lon_column} is given"),
            ));
            None
        }
        _ => None,
    }
}

/// Splits a list cell (`"Armenia; Azerbaijan"`) into trimmed, non-empty names.
pub fn split_list(value: &str, separator: char) -> impl Iterator<Item = String> + '_ {
    value
        .split(separator)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// A date written `YYYY-MM-DD` (optionally followed by a time, as some exports add), as
/// (year, month, day) of a day that exists.
pub fn parse_iso_day(value: &str) -> Option<(i32, u32, u32)> {
    let date = value.split([' ', 'T']).next().unwrap_or("");
    if date.len() != 10 {
        return None;
    }
    let (from, to) = crate::edtf::parse_filter_date(date).ok()?;
    (from == to).then(|| from.ymd())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The line of every record of `text`, as the source reports it.
    fn lines_of(text: &str) -> Vec<usize> {
        struct Lines;
        impl RowMapper for Lines {
            fn header(&mut self, _: &Header) -> Vec<FieldProblem> {
                Vec::new()
            }
            fn row(&mut self, _: &Row<'_>, _: &mut Vec<Item>) -> Result<(), Vec<FieldProblem>> {
                Err(vec![FieldProblem::new("", "", "")])
            }
        }
        let bytes: Bytes = BufReader::new(Box::new(std::io::Cursor::new(text.as_bytes().to_vec())));
        CsvSource::new("t.csv", 0, bytes, None, Lines)
            .filter_map(|y| y.err())
            .map(|p| p[0].line.unwrap_or(0))
            .collect()
    }

    #[test]
    fn records_report_the_line_they_start_on() {
        assert_eq!(lines_of("a,b\n1,2\n3,4\n"), [2, 3]);
        assert_eq!(lines_of("a,b\r\n1,2\r\n3,4\r\n"), [2, 3]);
        assert_eq!(lines_of("a,b\r\n1,\"x\r\ny\"\r\n3,4\r\n"), [2, 4]);
        assert_eq!(lines_of("a,b\n1,\"x\ny\"\n\n3,4\n5,6"), [2, 5, 6]);
        assert_eq!(lines_of("a,b\r\n1,2\r\n\r\n3,4\r\n5,6\r\n"), [2, 4, 5]);
        assert_eq!(lines_of("a,b\n,2\n\"\n\",4\n"), [2, 3]);
    }

    #[test]
    fn ascii_slugs_fold_latin_diacritics() {
        assert_eq!(ascii_slug("Xankəndi"), "xankendi");
        assert_eq!(ascii_slug("Şuşa / Shushi"), "susa-shushi");
        assert_eq!(ascii_slug("Côte d'Ivoire"), "cote-d-ivoire");
        assert_eq!(ascii_slug("Ереван"), "");
    }

    #[test]
    fn slugs_also_fold_the_letters_place_names_keep() {
        assert_eq!(ascii_slug("Țară Șes æ Œ"), "tara-ses-ae-oe");
        assert_eq!(crate::place_names::fold("Țară"), "țara");
    }

    #[test]
    fn fitted_slugs_stay_valid() {
        assert_eq!(fit_slug("abc-def-ghi", 9), "abc-def");
        assert_eq!(fit_slug("abcdefghij", 4), "abcd");
        assert!(crate::slug::is_valid(
            &fit_slug(&"ab-".repeat(100), 200),
            200
        ));
    }

    #[test]
    fn counts_accept_whole_decimals_only() {
        assert_eq!(parse_count("f", "12"), Ok(Some(12)));
        assert_eq!(parse_count("f", "12.0"), Ok(Some(12)));
        assert_eq!(parse_count("f", ""), Ok(None));
        assert!(parse_count("f", "12.5").is_err());
        assert!(parse_count("f", "many").is_err());
    }

    #[test]
    fn iso_days_may_carry_a_time() {
        assert_eq!(
            parse_iso_day("2020-09-27 00:00:00.000"),
            Some((2020, 9, 27))
        );
        assert_eq!(parse_iso_day("2020-02-30"), None);
        assert_eq!(parse_iso_day("2020-09"), None);
    }
}

#[cfg(test)]
pub(crate) mod proptests {
    //! Shared by the importers' property tests: a CSV file of arbitrary cells, read through
    //! the format's real reader, must give events or problems that name a column, and never
    //! panic. Also fuzzes this module's own cell parsers.

    use proptest::prelude::*;

    use super::super::{Format, Input, InputSource, Item, MappingOptions, detect};
    use super::*;

    /// Cells that reach the interesting branches: anything at all, date-like and
    /// number-like text, separators, HTML, and empty.
    pub(crate) fn cell() -> impl Strategy<Value = String> {
        prop_oneof![
            ".{0,40}",
            "[0-9 .:/TZX?~%-]{0,24}",
            "-?[0-9]{1,22}(\\.[0-9]{0,6})?(e[0-9]{1,3})?",
            "[a-zA-Z;,| ]{0,30}",
            "<[a-z]{1,6}( [a-z]{1,6}=\"[^\"]{0,10}\")?>.{0,10}(</[a-z]{1,6}>)?",
            "(&[a-z#0-9]{0,8};?){1,3}",
            Just(String::new()),
        ]
    }

    /// The column names of a fixture file's header line (a byte-order mark dropped).
    pub(crate) fn fixture_header(text: &'static str) -> Vec<&'static str> {
        text.trim_start_matches('\u{feff}')
            .lines()
            .next()
            .expect("header line")
            .split(',')
            .collect()
    }

    /// Writes `header` and `rows` (of any lengths) as CSV and reads them as `format`.
    pub(crate) fn read_rows(
        format: Format,
        header: &[&str],
        rows: &[Vec<String>],
        conflict: Option<&str>,
    ) -> Result<usize, TestCaseError> {
        let mut writer = csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(Vec::new());
        writer.write_record(header).expect("header");
        for row in rows {
            writer.write_record(row).expect("row");
        }
        let bytes = writer.into_inner().expect("flush");
        let text = String::from_utf8(bytes).expect("cells are UTF-8");
        read_text(format, text, conflict)
    }

    /// Reads `text` as `format`, checking every event and every problem; returns how many
    /// events came out.
    pub(crate) fn read_text(
        format: Format,
        text: String,
        conflict: Option<&str>,
    ) -> Result<usize, TestCaseError> {
        let input = Input {
            name: "fuzz".to_string(),
            source: InputSource::Text(text),
            format: Some(format),
        };
        let mapping = MappingOptions {
            conflict: conflict.map(str::to_string),
            ..MappingOptions::default()
        };
        let source = match detect::open(&input, 0, &mapping) {
            Ok(source) => source,
            // A file refused as a whole (unreadable JSON) is a named error too.
            Err(err) => {
                prop_assert!(!err.to_string().is_empty());
                return Ok(0);
            }
        };
        let mut events = 0;
        for next in source.take(10_000) {
            match next {
                Ok(located) => {
                    if let Item::Event(event) = &located.item {
                        events += 1;
                        for problem in event.check() {
                            prop_assert!(!problem.field.is_empty(), "{problem:?}");
                        }
                        prop_assert!(event.date.earliest() <= event.date.latest());
                    }
                }
                Err(problems) => {
                    prop_assert!(!problems.is_empty());
                    for p in problems {
                        prop_assert_eq!(p.file.as_str(), "fuzz");
                        prop_assert!(!p.message.is_empty(), "{p:?}");
                    }
                }
            }
        }
        Ok(events)
    }

    /// The columns of Knight Lab's TimelineJS sheet template.
    const SHEET_HEADER: [&str; 18] = [
        "Year",
        "Month",
        "Day",
        "Time",
        "End Year",
        "End Month",
        "End Day",
        "End Time",
        "Display Date",
        "Headline",
        "Text",
        "Media",
        "Media Credit",
        "Media Caption",
        "Media Thumbnail",
        "Type",
        "Group",
        "Background",
    ];

    /// Cells in a generated row: as many as the widest header below has columns.
    const WIDEST: usize = 49;

    /// Every tabular format with a header of all its columns: those of its fixture file
    /// (ACLED, UCDP GED) or of its template.
    fn full_headers() -> [(Format, Vec<&'static str>); 5] {
        [
            (
                Format::Acled,
                fixture_header(include_str!("../../tests/fixtures/acled.csv")),
            ),
            (
                Format::Ucdp,
                fixture_header(include_str!("../../tests/fixtures/ucdp_ged.csv")),
            ),
            (Format::Csv, super::super::plain_csv::EVERY_COLUMN.to_vec()),
            (Format::TimelinejsCsv, SHEET_HEADER.to_vec()),
            (
                Format::AcledDeleted,
                crate::import::acled::DELETED_COLUMNS.to_vec(),
            ),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Arbitrary cells in every column of every tabular format never panic its mapper.
        #[test]
        fn arbitrary_rows_never_panic(
            rows in prop::collection::vec(prop::collection::vec(cell(), WIDEST), 1..4),
            fixed in any::<bool>(),
        ) {
            for (format, header) in full_headers() {
                prop_assert!(header.len() <= WIDEST, "{format:?}");
                let rows: Vec<Vec<String>> =
                    rows.iter().map(|row| row[..header.len()].to_vec()).collect();
                read_rows(format, &header, &rows, fixed.then_some("fuzz"))?;
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn cell_parsers_never_panic(s in cell(), n in 0usize..300) {
            let slug = ascii_slug(&s);
            prop_assert!(slug.is_empty() || crate::slug::is_valid(&fit_slug(&slug, n.max(1)), n.max(1)));
            prop_assert!(fit_text(&s, n).chars().count() <= n.max(1));
            let _ = parse_count("c", &s);
            let _ = parse_iso_day(&s);
            let _ = split_list(&s, ';').count();
            let mut problems = Vec::new();
            let _ = parse_coordinates(("latitude", &s), ("longitude", &s), &mut problems);
        }
    }
}
