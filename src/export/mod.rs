//! Every output format, written once: CSV in two named column profiles ([`csv`]),
//! iCalendar ([`ics`]), Atom ([`atom`]), TimelineJS JSON ([`timelinejs`]) and the native TOML
//! dataset format ([`native`]). The HTTP exports and the `export` command both go through
//! [`Export`]: it reads keyset pages of events (`db::queries::export_pages`), turns each row
//! into the file-side [`EventRecord`] the importers also produce, has the format's writer
//! append each event to the page's text, and writes the text to any [`std::io::Write`].
//! Memory stays at one page however many events a download holds.
//!
//! A new format is a module here implementing [`FormatWriter`] and a [`Format`] variant.

pub mod atom;
pub mod csv;
pub mod dates;
pub mod ics;
pub mod native;
pub mod text;
pub mod timelinejs;

use std::collections::HashMap;
use std::io::Write;

use sqlx::{SqliteConnection, SqlitePool};

use crate::db::models::{Conflict, Cursor, Era, EventLinkRow, EventSource, ExportRow};
use crate::db::queries::{EventFilter, Order, export_pages};
use crate::edtf::{Day, Edtf};
use crate::model::LinkRel;
use crate::record::{
    ConflictRecord, Coordinates, EraRecord, EventRecord, LinkRecord, PlaceNameRecord, PlaceRecord,
    PlaceRef, SourceRecord,
};

/// Events read per query. Small enough that a page is a few milliseconds of SQLite work
/// (so a download never holds a connection for long), large enough that the per-query cost
/// is spread thin.
pub const PAGE_EVENTS: u32 = 1000;

/// Events written between two turns given to other tasks (see [`Export::next_chunk`]).
const WRITE_SLICE: usize = 100;

/// Room reserved per event in the text of a slice (a guess; the text grows past it).
const EVENT_BYTES: usize = 1024;

/// The output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// The native TOML dataset format; imports back unchanged.
    Native,
    /// CSV, one of the two column profiles.
    Csv(csv::Profile),
    /// iCalendar (RFC 5545), one all-day event per event.
    Ics,
    /// Atom (RFC 4287), newest first.
    Atom,
    /// TimelineJS 3 JSON.
    TimelineJs,
}

impl Format {
    fn writer(self) -> Box<dyn FormatWriter + Send + Sync> {
        match self {
            Format::Native => Box::new(native::NativeWriter),
            Format::Csv(profile) => Box::new(csv::CsvWriter::new(profile)),
            Format::Ics => Box::new(ics::IcsWriter),
            Format::Atom => Box::new(atom::AtomWriter::default()),
            Format::TimelineJs => Box::new(timelinejs::TimelineJsWriter::default()),
        }
    }

    /// Which way the events run: feeds want the newest, everything else timeline order.
    pub fn order(self) -> Order {
        match self {
            Format::Atom => Order::NewestFirst,
            _ => Order::Timeline,
        }
    }

    /// Whether the format writes links between events (only the native format does).
    fn needs_links(self) -> bool {
        self == Format::Native
    }
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("no conflict has the slug {0:?}")]
    UnknownConflict(String),
    #[error("database error during export: {0}")]
    Database(#[from] sqlx::Error),
    #[error("cannot write the export: {0}")]
    Write(#[from] std::io::Error),
    #[error("the stored date {edtf:?} of {slug} does not parse: {message}")]
    StoredDate {
        slug: String,
        edtf: String,
        message: String,
    },
    #[error("cannot write the TimelineJS export: {0}")]
    Json(#[from] serde_json::Error),
}

/// An event as every writer receives it: the record an importer would produce from a file,
/// and when it last changed (feeds and calendars say so).
#[derive(Clone, Debug)]
pub struct ExportEvent {
    pub record: EventRecord,
    pub updated_at: String,
}

/// What a document says before and around its events.
#[derive(Clone, Debug, Default)]
pub struct Document {
    /// "Nagorno-Karabakh conflict: events from 2020 to 2021".
    pub title: String,
    /// The single conflict's summary (Markdown), when there is only one.
    pub intro: String,
    /// The conflicts the events may belong to.
    pub conflicts: Vec<ConflictRecord>,
    /// The eras of the exported conflicts that overlap the date range.
    pub eras: Vec<EraRecord>,
    /// The places the events name and the places those lie in, the places others lie in
    /// first (the native format only).
    pub places: Vec<PlaceRecord>,
    /// The public base URL (no trailing slash), for links back to event pages; `None`
    /// writes no such links (the `export` command without `--public-url`).
    pub base_url: Option<String>,
    /// The feed's own address and the page it mirrors (Atom only).
    pub self_url: String,
    pub html_url: String,
    /// When anything last changed (an empty feed's `updated`).
    pub updated: Option<String>,
}

impl Document {
    /// The page of an event, when the document knows the base URL.
    pub fn event_url(&self, slug: &str) -> Option<String> {
        self.base_url
            .as_ref()
            .map(|base| format!("{base}/events/{slug}"))
    }
}

/// What a writer's step gives: nothing, or why the export cannot go on.
pub type Written = Result<(), ExportError>;

/// One output format. The driver ([`Export`]) calls `head` once, then for each slice of a
/// page `page` and `event` per event, then `tail` once; each appends what it can at that
/// point to the text the driver writes out, so nothing but a page is held.
pub trait FormatWriter {
    /// What the document starts with.
    fn head(&mut self, _text: &mut String, _doc: &Document) -> Written {
        Ok(())
    }
    /// What comes before a slice of events, given all of them (Atom writes its feed element
    /// with the first, which says when they last changed).
    fn page(&mut self, _text: &mut String, _doc: &Document, _events: &[ExportEvent]) -> Written {
        Ok(())
    }
    /// One event.
    fn event(&mut self, text: &mut String, doc: &Document, event: &ExportEvent) -> Written;
    /// What the document ends with.
    fn tail(&mut self, _text: &mut String, _doc: &Document) -> Written {
        Ok(())
    }
}

/// Which events, in which format, how many at most.
#[derive(Clone, Debug)]
pub struct Selection {
    pub format: Format,
    pub filter: EventFilter,
    /// At most this many events (`None`: all).
    pub cap: Option<u64>,
}

enum Stage {
    Head,
    Events,
    Done,
}

/// One export in progress: call [`Export::next_chunk`] until it returns `false`.
pub struct Export {
    selection: Selection,
    writer: Box<dyn FormatWriter + Send + Sync>,
    doc: Document,
    after: Option<Cursor>,
    written: u64,
    stage: Stage,
}

impl Export {
    /// Reads what the document starts with (conflicts, eras) and readies the writer. The
    /// document's title is the single conflict's name (else "Conflict timelines") followed
    /// by `describe`, the filters in words (" from 2020 to 2021").
    pub async fn start(
        conn: &mut SqliteConnection,
        selection: Selection,
        describe: String,
        base_url: Option<String>,
    ) -> Result<Export, ExportError> {
        let conflicts = export_pages::conflicts(conn, &selection.filter.conflicts).await?;
        let eras = export_pages::eras(conn, &selection.filter).await?;
        let updated = if selection.format == Format::Atom {
            export_pages::last_updated(conn).await?
        } else {
            None
        };
        let (name, intro) = match conflicts.as_slice() {
            [only] => (only.name.clone(), only.summary.clone()),
            _ => (
                crate::db::catalog::MANY_CONFLICTS.to_string(),
                String::new(),
            ),
        };
        let slugs: HashMap<i64, String> =
            conflicts.iter().map(|c| (c.id, c.slug.clone())).collect();
        let eras = eras
            .iter()
            .filter_map(|era| era_record(era, &slugs))
            .collect();
        let places = if selection.format == Format::Native {
            place_records(conn, &selection.filter).await?
        } else {
            Vec::new()
        };
        let doc = Document {
            title: format!("{name}{describe}"),
            intro,
            conflicts: conflicts.iter().map(conflict_record).collect(),
            eras,
            places,
            base_url,
            updated,
            ..Document::default()
        };
        Ok(Export {
            writer: selection.format.writer(),
            selection,
            doc,
            after: None,
            written: 0,
            stage: Stage::Head,
        })
    }

    /// Sets the feed's own address and the page it mirrors (Atom).
    pub fn with_feed_urls(mut self, self_url: String, html_url: String) -> Export {
        self.doc.self_url = self_url;
        self.doc.html_url = html_url;
        self
    }

    /// Events written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Writes the next part of the document (the head with the first page, then a page at a
    /// time, then the tail) to `out`, reading one page on `conn`. Returns whether more
    /// follows.
    pub async fn next_chunk(
        &mut self,
        conn: &mut SqliteConnection,
        out: &mut (dyn Write + Send),
    ) -> Result<bool, ExportError> {
        if let Stage::Done = self.stage {
            return Ok(false);
        }
        let mut text = String::new();
        if let Stage::Head = self.stage {
            self.writer.head(&mut text, &self.doc)?;
            self.stage = Stage::Events;
        }
        let room = self.selection.cap.map_or(u64::from(PAGE_EVENTS), |cap| {
            cap.saturating_sub(self.written)
        });
        let limit = room.min(u64::from(PAGE_EVENTS)) as u32;
        let order = self.selection.format.order();
        let rows = if limit == 0 {
            Vec::new()
        } else {
            export_pages::page(conn, &self.selection.filter, self.after, order, limit).await?
        };
        // The cap reached (limit 0), a short page, or the one page of a feed: the end.
        let last_page = limit == 0 || rows.len() < limit as usize || order == Order::NewestFirst;
        if let Some(last) = rows.last() {
            self.after = Some(last.summary.cursor());
        }
        let events = self.records(conn, rows).await?;
        for slice in events.chunks(WRITE_SLICE) {
            text.reserve(EVENT_BYTES * slice.len());
            self.writer.page(&mut text, &self.doc, slice)?;
            for event in slice {
                self.writer.event(&mut text, &self.doc, event)?;
            }
            out.write_all(text.as_bytes())?;
            text.clear();
            self.written += slice.len() as u64;
            // Writing is CPU work (Markdown, escaping) on a runtime thread: give the other
            // requests a turn between slices, so that a cheap page never waits for a whole
            // page of an export to be written.
            tokio::task::yield_now().await;
        }
        if last_page {
            self.writer.tail(&mut text, &self.doc)?;
            self.stage = Stage::Done;
        }
        out.write_all(text.as_bytes())?;
        Ok(!last_page)
    }

    /// The page's rows as records, with their sources (and links, when the format writes
    /// them).
    async fn records(
        &self,
        conn: &mut SqliteConnection,
        rows: Vec<ExportRow>,
    ) -> Result<Vec<ExportEvent>, ExportError> {
        let ids: Vec<i64> = rows.iter().map(|r| r.summary.id).collect();
        let mut sources: HashMap<i64, Vec<SourceRecord>> = HashMap::new();
        for EventSource { event_id, source } in export_pages::sources(conn, &ids).await? {
            sources.entry(event_id).or_default().push(SourceRecord {
                title: source.title,
                publisher: source.publisher,
                url: source.url,
                published: source.published,
                note: source.note,
            });
        }
        let mut links: HashMap<i64, Vec<LinkRecord>> = HashMap::new();
        if self.selection.format.needs_links() {
            for EventLinkRow {
                from_event_id,
                rel,
                target,
            } in export_pages::links(conn, &ids, &self.selection.filter).await?
            {
                links.entry(from_event_id).or_default().push(LinkRecord {
                    rel: LinkRel::parse(&rel).unwrap_or(LinkRel::Related),
                    target,
                });
            }
        }
        rows.into_iter()
            .map(|row| {
                let id = row.summary.id;
                event_record(
                    row,
                    sources.remove(&id).unwrap_or_default(),
                    links.remove(&id).unwrap_or_default(),
                )
            })
            .collect()
    }
}

/// The places the filter's events name (and the places those lie in) as records, with
/// their names: the first is the display name.
async fn place_records(
    conn: &mut SqliteConnection,
    filter: &EventFilter,
) -> Result<Vec<PlaceRecord>, ExportError> {
    let (places, names) = export_pages::places(conn, filter).await?;
    let mut by_place: HashMap<i64, Vec<PlaceNameRecord>> = HashMap::new();
    for (id, name, usage, source) in names {
        by_place.entry(id).or_default().push(PlaceNameRecord {
            name,
            usage,
            source,
        });
    }
    Ok(places
        .into_iter()
        .filter_map(|p| {
            let mut names = by_place.remove(&p.id).unwrap_or_default().into_iter();
            let display = names.next()?;
            Some(PlaceRecord {
                slug: p.slug,
                name: display.name,
                usage: display.usage,
                source: display.source,
                names: names.collect(),
                kind: p.kind,
                within: p.parent_slug,
                coordinates: Coordinates::from_parts(p.latitude, p.longitude),
                precision: p.precision,
                note: p.note,
            })
        })
        .collect())
}

fn event_record(
    row: ExportRow,
    sources: Vec<SourceRecord>,
    links: Vec<LinkRecord>,
) -> Result<ExportEvent, ExportError> {
    let s = row.summary;
    let date = Edtf::parse(&s.edtf).map_err(|e| ExportError::StoredDate {
        slug: s.slug.clone(),
        edtf: s.edtf.clone(),
        message: e.to_string(),
    })?;
    let actors = s.actors().into_iter().map(str::to_string).collect();
    let places = s
        .places()
        .into_iter()
        .map(|p| PlaceRef::named(p.slug))
        .collect();
    Ok(ExportEvent {
        record: EventRecord {
            conflict: row.conflict_slug,
            slug: s.slug,
            title: s.title,
            summary: s.summary,
            body: row.body,
            date,
            label: s.date_label,
            category: s.category,
            places,
            place: s.place,
            notable: row.notable,
            formerly: Vec::new(),
            coordinates: row.figures.coordinates(),
            fatalities: row.figures.fatalities(),
            actors,
            sources,
            links,
        },
        updated_at: row.updated_at,
    })
}

fn conflict_record(c: &Conflict) -> ConflictRecord {
    ConflictRecord {
        slug: c.slug.clone(),
        name: c.name.clone(),
        summary: c.summary.clone(),
        region: c.region.clone(),
    }
}

/// An era as its record; an era whose stored date does not parse is left out (the importer
/// never stores one).
fn era_record(era: &Era, slugs: &HashMap<i64, String>) -> Option<EraRecord> {
    Some(EraRecord {
        conflict: slugs.get(&era.conflict_id)?.clone(),
        slug: era.slug.clone(),
        name: era.name.clone(),
        date: Edtf::parse(&era.edtf).ok()?,
        summary: era.summary.clone(),
    })
}

// ----------------------------------------------------------------------------------------
// The `export` command
// ----------------------------------------------------------------------------------------

/// The formats the `export` command writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// The native TOML dataset format (round-trips through `import`).
    Native,
    /// CSV, round-trip profile: the plain CSV columns `import` reads back (first source
    /// only, no links).
    Csv,
    /// CSV, spreadsheet profile: what the site's CSV download holds.
    CsvSpreadsheet,
    /// TimelineJS JSON.
    Timelinejs,
    /// iCalendar.
    Ics,
    /// Atom (the newest 1,000 events).
    Atom,
}

impl ExportFormat {
    /// The writer's format.
    pub fn format(self) -> Format {
        match self {
            ExportFormat::Native => Format::Native,
            ExportFormat::Csv => Format::Csv(csv::Profile::RoundTrip),
            ExportFormat::CsvSpreadsheet => Format::Csv(csv::Profile::Spreadsheet),
            ExportFormat::Timelinejs => Format::TimelineJs,
            ExportFormat::Ics => Format::Ics,
            ExportFormat::Atom => Format::Atom,
        }
    }
}

/// Most entries in an Atom feed: the newest ones. Feed readers poll; they want news.
pub const FEED_MAX_ENTRIES: u64 = 1_000;

/// Which events the `export` command writes.
#[derive(Clone, Debug, Default)]
pub struct ExportFilter {
    /// Only this conflict (slug).
    pub conflict: Option<String>,
    /// Only events whose span reaches this day or later.
    pub from: Option<Day>,
    /// Only events whose span starts on this day or earlier.
    pub to: Option<Day>,
}

impl ExportFilter {
    /// The same selection as the timeline's filter.
    pub fn event_filter(&self) -> EventFilter {
        EventFilter {
            from: self.from,
            to: self.to,
            conflicts: self.conflict.iter().cloned().collect(),
            ..EventFilter::default()
        }
    }
}

/// Writes the events `filter` selects to `out` in `format`, all from one snapshot of the
/// database. Returns how many were written.
pub async fn export(
    pool: &SqlitePool,
    format: ExportFormat,
    filter: &ExportFilter,
    out: &mut (dyn Write + Send),
) -> Result<u64, ExportError> {
    export_with(pool, format.format(), &filter.event_filter(), None, out).await
}

/// [`export`] for any format and filter; `base_url` adds links back to the event pages.
pub async fn export_with(
    pool: &SqlitePool,
    format: Format,
    filter: &EventFilter,
    base_url: Option<String>,
    out: &mut (dyn Write + Send),
) -> Result<u64, ExportError> {
    // One read transaction: every page comes from the same snapshot, even while an import
    // commits in the meantime.
    let mut tx = pool.begin().await?;
    let known = export_pages::conflicts(&mut tx, &filter.conflicts).await?;
    if let Some(missing) = filter
        .conflicts
        .iter()
        .find(|slug| !known.iter().any(|c| &c.slug == *slug))
    {
        return Err(ExportError::UnknownConflict(missing.clone()));
    }
    let selection = Selection {
        format,
        filter: filter.clone(),
        cap: (format == Format::Atom).then_some(FEED_MAX_ENTRIES),
    };
    let mut export = Export::start(&mut tx, selection, String::new(), base_url).await?;
    while export.next_chunk(&mut tx, out).await? {}
    tx.rollback().await?;
    out.flush()?;
    Ok(export.written())
}
