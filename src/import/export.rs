//! Export: the database (or one conflict, or a date range of it) written back out as the
//! native TOML format, plain CSV or TimelineJS JSON. Events are read in keyset-paged chunks
//! inside one read transaction, so the output is one consistent snapshot and a million
//! events are never in memory at once.
//!
//! The native export round-trips: importing it into an empty database gives back the same
//! conflicts, eras, events (dates, labels, actors and sources in order), and links.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write;

use sqlx::{Sqlite, SqlitePool, Transaction};

use super::native::FORMAT;
use crate::edtf::{Day, Edtf, Precision};
use crate::markdown::escape_html;

/// Events read per query.
const CHUNK: i64 = 1000;

/// The formats `export` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// The native TOML dataset format (round-trips through `import`).
    Native,
    /// Plain CSV, one event per row (first source only, no links).
    Csv,
    /// TimelineJS JSON.
    Timelinejs,
}

/// Which events to export.
#[derive(Clone, Debug, Default)]
pub struct ExportFilter {
    /// Only this conflict (slug).
    pub conflict: Option<String>,
    /// Only events whose span reaches this day or later.
    pub from: Option<Day>,
    /// Only events whose span starts on this day or earlier.
    pub to: Option<Day>,
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
    #[error("cannot write the CSV export: {0}")]
    Csv(#[from] csv::Error),
}

#[derive(sqlx::FromRow)]
struct ConflictRow {
    id: i64,
    slug: String,
    name: String,
    summary: String,
    region: Option<String>,
}

#[derive(sqlx::FromRow)]
struct EraRow {
    conflict: String,
    slug: String,
    name: String,
    edtf: String,
    summary: String,
}

#[derive(sqlx::FromRow)]
struct EventRow {
    id: i64,
    slug: String,
    conflict: String,
    title: String,
    summary: String,
    body: String,
    edtf: String,
    date_label: Option<String>,
    category: String,
    place: Option<String>,
    latitude: Option<f64>,
    longitude: Option<f64>,
    fatalities_best: Option<i64>,
    fatalities_low: Option<i64>,
    fatalities_high: Option<i64>,
    start_day: i64,
    end_day: i64,
    notable: bool,
}

#[derive(sqlx::FromRow)]
struct SourceRow {
    event_id: i64,
    title: String,
    publisher: Option<String>,
    url: Option<String>,
    published: Option<String>,
    note: Option<String>,
}

#[derive(sqlx::FromRow)]
struct LinkRow {
    from_event_id: i64,
    rel: String,
    target: String,
}

/// One event with its actors, sources and links.
struct FullEvent {
    row: EventRow,
    actors: Vec<String>,
    sources: Vec<SourceRow>,
    links: Vec<LinkRow>,
}

/// The filter's values as bound parameters: conflict id, first day, last day.
struct Bounds {
    conflict_id: Option<i64>,
    from: Option<i64>,
    to: Option<i64>,
}

/// Reads events chunk by chunk, in timeline order.
struct EventPages<'a> {
    tx: &'a mut Transaction<'static, Sqlite>,
    bounds: Bounds,
    after: (i64, i64, i64),
    done: bool,
}

impl EventPages<'_> {
    async fn next_chunk(&mut self) -> Result<Vec<FullEvent>, sqlx::Error> {
        if self.done {
            return Ok(Vec::new());
        }
        let rows: Vec<EventRow> = sqlx::query_as(
            "SELECT e.id, e.slug, c.slug AS conflict, e.title, e.summary, e.body, e.edtf,
                    e.date_label, e.category, e.place, e.latitude, e.longitude,
                    e.fatalities_best, e.fatalities_low, e.fatalities_high,
                    e.start_day, e.end_day, e.notable
             FROM event e JOIN conflict c ON c.id = e.conflict_id
             WHERE (?1 IS NULL OR e.conflict_id = ?1)
               AND (?2 IS NULL OR e.end_day >= ?2) AND (?3 IS NULL OR e.start_day <= ?3)
               AND (e.start_day, e.end_day, e.id) > (?4, ?5, ?6)
             ORDER BY e.start_day, e.end_day, e.id
             LIMIT ?7",
        )
        .bind(self.bounds.conflict_id)
        .bind(self.bounds.from)
        .bind(self.bounds.to)
        .bind(self.after.0)
        .bind(self.after.1)
        .bind(self.after.2)
        .bind(CHUNK)
        .fetch_all(&mut **self.tx)
        .await?;
        match rows.last() {
            Some(last) => self.after = (last.start_day, last.end_day, last.id),
            None => {
                self.done = true;
                return Ok(Vec::new());
            }
        }
        if (rows.len() as i64) < CHUNK {
            self.done = true;
        }
        let ids = serde_json::to_string(&rows.iter().map(|r| r.id).collect::<Vec<_>>())
            .unwrap_or_else(|_| "[]".to_string());

        let actors: Vec<(i64, String)> = sqlx::query_as(
            "SELECT ea.event_id, a.name FROM event_actor ea JOIN actor a ON a.id = ea.actor_id
             WHERE ea.event_id IN (SELECT value FROM json_each(?1))
             ORDER BY ea.event_id, ea.position",
        )
        .bind(&ids)
        .fetch_all(&mut **self.tx)
        .await?;
        let sources: Vec<SourceRow> = sqlx::query_as(
            "SELECT event_id, title, publisher, url, published, note FROM source
             WHERE event_id IN (SELECT value FROM json_each(?1))
             ORDER BY event_id, position",
        )
        .bind(&ids)
        .fetch_all(&mut **self.tx)
        .await?;
        // Only links whose target is exported too, so that the file imports on its own.
        let links: Vec<LinkRow> = sqlx::query_as(
            "SELECT l.from_event_id, l.rel, t.slug AS target
             FROM event_link l JOIN event t ON t.id = l.to_event_id
             WHERE l.from_event_id IN (SELECT value FROM json_each(?1))
               AND (?2 IS NULL OR t.conflict_id = ?2)
               AND (?3 IS NULL OR t.end_day >= ?3) AND (?4 IS NULL OR t.start_day <= ?4)
             ORDER BY l.from_event_id, l.rel, t.slug",
        )
        .bind(&ids)
        .bind(self.bounds.conflict_id)
        .bind(self.bounds.from)
        .bind(self.bounds.to)
        .fetch_all(&mut **self.tx)
        .await?;

        let mut by_id: HashMap<i64, FullEvent> = HashMap::with_capacity(rows.len());
        let order: Vec<i64> = rows.iter().map(|r| r.id).collect();
        for row in rows {
            by_id.insert(
                row.id,
                FullEvent {
                    row,
                    actors: Vec::new(),
                    sources: Vec::new(),
                    links: Vec::new(),
                },
            );
        }
        for (id, name) in actors {
            if let Some(e) = by_id.get_mut(&id) {
                e.actors.push(name);
            }
        }
        for source in sources {
            if let Some(e) = by_id.get_mut(&source.event_id) {
                e.sources.push(source);
            }
        }
        for link in links {
            if let Some(e) = by_id.get_mut(&link.from_event_id) {
                e.links.push(link);
            }
        }
        Ok(order
            .into_iter()
            .filter_map(|id| by_id.remove(&id))
            .collect())
    }
}

/// Writes the events `filter` selects to `out` in `format`. Returns how many were written.
pub async fn export(
    pool: &SqlitePool,
    format: ExportFormat,
    filter: &ExportFilter,
    out: &mut dyn Write,
) -> Result<u64, ExportError> {
    // One read transaction: every chunk comes from the same snapshot, even while an import
    // commits in the meantime.
    let mut tx = pool.begin().await?;
    let conflicts: Vec<ConflictRow> = sqlx::query_as(
        "SELECT id, slug, name, summary, region FROM conflict
         WHERE ?1 IS NULL OR slug = ?1 ORDER BY slug",
    )
    .bind(&filter.conflict)
    .fetch_all(&mut *tx)
    .await?;
    if let Some(slug) = &filter.conflict
        && conflicts.is_empty()
    {
        return Err(ExportError::UnknownConflict(slug.clone()));
    }
    let bounds = Bounds {
        conflict_id: filter
            .conflict
            .as_ref()
            .and_then(|_| conflicts.first().map(|c| c.id)),
        from: filter.from.map(|d| i64::from(d.0)),
        to: filter.to.map(|d| i64::from(d.0)),
    };
    let eras: Vec<EraRow> = sqlx::query_as(
        "SELECT c.slug AS conflict, r.slug, r.name, r.edtf, r.summary
         FROM era r JOIN conflict c ON c.id = r.conflict_id
         WHERE (?1 IS NULL OR r.conflict_id = ?1)
           AND (?2 IS NULL OR r.end_day >= ?2) AND (?3 IS NULL OR r.start_day <= ?3)
         ORDER BY c.slug, r.start_day, r.slug",
    )
    .bind(bounds.conflict_id)
    .bind(bounds.from)
    .bind(bounds.to)
    .fetch_all(&mut *tx)
    .await?;

    let mut pages = EventPages {
        tx: &mut tx,
        bounds,
        after: (i64::MIN, i64::MIN, i64::MIN),
        done: false,
    };
    let mut written = 0;
    match format {
        ExportFormat::Native => {
            out.write_all(native_head(&conflicts, &eras).as_bytes())?;
            loop {
                let chunk = pages.next_chunk().await?;
                if chunk.is_empty() {
                    break;
                }
                let mut text = String::new();
                for event in &chunk {
                    native_event(&mut text, event);
                }
                out.write_all(text.as_bytes())?;
                written += chunk.len() as u64;
            }
        }
        ExportFormat::Csv => {
            let mut writer = csv::Writer::from_writer(&mut *out);
            writer.write_record(CSV_COLUMNS)?;
            loop {
                let chunk = pages.next_chunk().await?;
                if chunk.is_empty() {
                    break;
                }
                for event in &chunk {
                    writer.write_record(csv_row(event))?;
                }
                written += chunk.len() as u64;
            }
            writer.flush()?;
        }
        ExportFormat::Timelinejs => {
            let title = match conflicts.as_slice() {
                [only] => serde_json::json!({
                    "text": {
                        "headline": escape_html(&only.name),
                        "text": crate::markdown::render(&only.summary),
                    }
                }),
                _ => serde_json::json!({ "text": { "headline": "Timeline" } }),
            };
            let eras: Vec<serde_json::Value> = eras
                .iter()
                .filter_map(|era| {
                    let mut value = timelinejs_dates(&era.edtf)?;
                    value["text"] = serde_json::json!({
                        "headline": escape_html(&era.name),
                        "text": crate::markdown::render(&era.summary),
                    });
                    Some(value)
                })
                .collect();
            write!(
                out,
                "{{\"title\":{},\"eras\":{},\"events\":[",
                title,
                serde_json::Value::Array(eras)
            )?;
            let mut first = true;
            loop {
                let chunk = pages.next_chunk().await?;
                if chunk.is_empty() {
                    break;
                }
                for event in &chunk {
                    let Some(value) = timelinejs_event(event) else {
                        continue;
                    };
                    if !first {
                        out.write_all(b",\n")?;
                    }
                    first = false;
                    serde_json::to_writer(&mut *out, &value).map_err(std::io::Error::from)?;
                    written += 1;
                }
            }
            out.write_all(b"]}\n")?;
        }
    }
    tx.rollback().await?;
    out.flush()?;
    Ok(written)
}

// --- native ---------------------------------------------------------------------------

/// A TOML basic string.
fn toml_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn key(out: &mut String, name: &str, value: &str) {
    let _ = writeln!(out, "{name} = {}", toml_str(value));
}

fn optional_key(out: &mut String, name: &str, value: Option<&str>) {
    if let Some(value) = value {
        key(out, name, value);
    }
}

fn native_head(conflicts: &[ConflictRow], eras: &[EraRow]) -> String {
    let mut out = String::new();
    key(&mut out, "format", FORMAT);
    for c in conflicts {
        out.push_str("\n[[conflicts]]\n");
        key(&mut out, "slug", &c.slug);
        key(&mut out, "name", &c.name);
        optional_key(&mut out, "region", c.region.as_deref());
        if !c.summary.is_empty() {
            key(&mut out, "summary", &c.summary);
        }
    }
    for era in eras {
        out.push_str("\n[[eras]]\n");
        key(&mut out, "conflict", &era.conflict);
        key(&mut out, "slug", &era.slug);
        key(&mut out, "name", &era.name);
        key(&mut out, "date", &era.edtf);
        if !era.summary.is_empty() {
            key(&mut out, "summary", &era.summary);
        }
    }
    out
}

fn native_event(out: &mut String, event: &FullEvent) {
    let e = &event.row;
    out.push_str("\n[[events]]\n");
    key(out, "conflict", &e.conflict);
    key(out, "slug", &e.slug);
    key(out, "date", &e.edtf);
    optional_key(out, "label", e.date_label.as_deref());
    key(out, "title", &e.title);
    key(out, "category", &e.category);
    optional_key(out, "place", e.place.as_deref());
    if let (Some(lat), Some(lon)) = (e.latitude, e.longitude) {
        // `{:?}` writes the shortest text that reads back as the same f64, with a `.0`
        // on whole numbers as TOML floats need.
        let _ = writeln!(out, "latitude = {lat:?}\nlongitude = {lon:?}");
    }
    let fatalities: Vec<String> = [
        ("best", e.fatalities_best),
        ("low", e.fatalities_low),
        ("high", e.fatalities_high),
    ]
    .into_iter()
    .filter_map(|(name, value)| value.map(|v| format!("{name} = {v}")))
    .collect();
    if !fatalities.is_empty() {
        let _ = writeln!(out, "fatalities = {{ {} }}", fatalities.join(", "));
    }
    if e.notable {
        out.push_str("notable = true\n");
    }
    if !event.actors.is_empty() {
        let actors: Vec<String> = event.actors.iter().map(|a| toml_str(a)).collect();
        let _ = writeln!(out, "actors = [{}]", actors.join(", "));
    }
    if !e.summary.is_empty() {
        key(out, "summary", &e.summary);
    }
    if !e.body.is_empty() {
        key(out, "body", &e.body);
    }
    for s in &event.sources {
        out.push_str("\n[[events.sources]]\n");
        key(out, "title", &s.title);
        optional_key(out, "publisher", s.publisher.as_deref());
        optional_key(out, "url", s.url.as_deref());
        optional_key(out, "published", s.published.as_deref());
        optional_key(out, "note", s.note.as_deref());
    }
    for link in &event.links {
        out.push_str("\n[[events.links]]\n");
        key(out, "rel", &link.rel);
        key(out, "event", &link.target);
    }
}

// --- CSV ------------------------------------------------------------------------------

/// The columns of the CSV export (a plain CSV the importer reads back).
pub const CSV_COLUMNS: [&str; 19] = [
    "slug",
    "title",
    "edtf",
    "start_date",
    "end_date",
    "label",
    "category",
    "actors",
    "location",
    "latitude",
    "longitude",
    "fatalities",
    "fatalities_low",
    "fatalities_high",
    "summary",
    "body",
    "source_title",
    "source_url",
    "conflict",
];

fn csv_row(event: &FullEvent) -> Vec<String> {
    let e = &event.row;
    let day = |d: i64| -> String {
        i32::try_from(d)
            .ok()
            .map(Day)
            .filter(|d| *d != Day::MIN && *d != Day::MAX)
            .map(Day::iso)
            .unwrap_or_default()
    };
    let number = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    let source = event.sources.first();
    vec![
        e.slug.clone(),
        e.title.clone(),
        e.edtf.clone(),
        day(e.start_day),
        day(e.end_day),
        e.date_label.clone().unwrap_or_default(),
        e.category.clone(),
        event.actors.join("; "),
        e.place.clone().unwrap_or_default(),
        e.latitude.map(|v| v.to_string()).unwrap_or_default(),
        e.longitude.map(|v| v.to_string()).unwrap_or_default(),
        number(e.fatalities_best),
        number(e.fatalities_low),
        number(e.fatalities_high),
        e.summary.clone(),
        e.body.clone(),
        source.map(|s| s.title.clone()).unwrap_or_default(),
        source.and_then(|s| s.url.clone()).unwrap_or_default(),
        e.conflict.clone(),
    ]
}

// --- TimelineJS -----------------------------------------------------------------------

/// A TimelineJS date object for one EDTF date, at its precision.
fn timelinejs_date(date: &Edtf, day: Day) -> serde_json::Value {
    let (y, m, d) = day.ymd();
    match date.precision() {
        Precision::Day => serde_json::json!({ "year": y, "month": m, "day": d }),
        Precision::Month => serde_json::json!({ "year": y, "month": m }),
        _ => serde_json::json!({ "year": y }),
    }
}

/// `start_date` and (for an interval with a known end) `end_date` of an EDTF value.
fn timelinejs_dates(edtf: &str) -> Option<serde_json::Value> {
    let date = Edtf::parse(edtf).ok()?;
    let (start_text, end_text) = edtf.split_once('/').unwrap_or((edtf, ""));
    let start = Edtf::parse(start_text).ok();
    let end = Edtf::parse(end_text).ok();
    let mut value = serde_json::json!({});
    match (&start, date.earliest() != Day::MIN) {
        (Some(start), true) => value["start_date"] = timelinejs_date(start, date.earliest()),
        _ => {
            // An open or unknown start: TimelineJS needs a start, so the end stands in.
            let end = end.as_ref()?;
            value["start_date"] = timelinejs_date(end, date.latest());
            return Some(value);
        }
    }
    if let Some(end) = &end
        && date.latest() != Day::MAX
    {
        value["end_date"] = timelinejs_date(end, date.latest());
    }
    Some(value)
}

fn timelinejs_event(event: &FullEvent) -> Option<serde_json::Value> {
    let e = &event.row;
    let mut value = timelinejs_dates(&e.edtf)?;
    let words = Edtf::parse(&e.edtf).map(|d| d.words()).unwrap_or_default();
    let text = [e.summary.as_str(), e.body.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n");
    value["display_date"] = escape_html(e.date_label.as_deref().unwrap_or(&words)).into();
    value["text"] = serde_json::json!({
        "headline": escape_html(&e.title),
        "text": crate::markdown::render(&text),
    });
    value["group"] = e.category.clone().into();
    value["unique_id"] = e.slug.clone().into();
    if let Some(source) = event.sources.iter().find(|s| s.url.is_some()) {
        value["media"] = serde_json::json!({
            "url": source.url,
            "caption": escape_html(&source.title),
            "credit": escape_html(source.publisher.as_deref().unwrap_or_default()),
        });
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_strings_escape_quotes_and_controls() {
        assert_eq!(toml_str("a \"b\"\n\\c\u{1}"), r#""a \"b\"\n\\c\u0001""#);
    }

    #[test]
    fn timelinejs_dates_keep_the_precision() {
        let dates = timelinejs_dates("2020-11/2020-11-10").expect("dates");
        assert_eq!(
            dates["start_date"],
            serde_json::json!({"year": 2020, "month": 11})
        );
        assert_eq!(
            dates["end_date"],
            serde_json::json!({"year": 2020, "month": 11, "day": 10})
        );
        let open = timelinejs_dates("2022-12-12/..").expect("dates");
        assert!(open.get("end_date").is_none());
    }
}
