//! An in-memory index of the events derived from the database: every event numbered by
//! its place in timeline order (earliest day, latest day, id), and for each value of each
//! facet (category, actor, conflict, place) a compressed bitmap (`roaring`) of the events
//! that have it.
//!
//! With events numbered in timeline order, a date range is one contiguous run of numbers
//! (plus the few events that start before it and reach into it), a filter is an AND of
//! bitmaps, a count is a popcount, a facet's counts are one AND-and-popcount per value,
//! and a page of the timeline is the first numbers of the result after the cursor's.
//! SQLite counts the same things row by row: at a million events the whole span of one
//! actor took 1.4 s to count and facet, the index answers in well under a millisecond.
//!
//! SQLite stays the store of record. The index is built from one read transaction and
//! tagged with the data version it saw ([`EventIndex::version`]); [`IndexCell`] hands it
//! out only while the database is still at that version, and builds a new one in the
//! background when an import has changed the data. Until then, and for what the index
//! does not hold (full-text search), the queries go to SQLite as before. The build needs
//! only a read-only connection and writes nothing: a server on a read-only folder has the
//! index too, and if it cannot be built the server answers from SQLite.

use std::collections::HashMap;
use std::path::Path;

use roaring::RoaringBitmap;
use rusqlite::{Connection, OpenFlags};

use super::queries::marks::LabelSample;
use super::queries::{EventFilter, Facet, FacetValue, LONG_SPAN_DAYS, Order};
use crate::edtf::Day;

/// Facets in the order of [`Facet::ALL`], as indexes into the index's tables.
fn slot(facet: Facet) -> usize {
    match facet {
        Facet::Category => 0,
        Facet::Actor => 1,
        Facet::Place => 2,
        Facet::Conflict => 3,
    }
}

/// One value of a facet: what the URL takes, what a reader sees, and its events.
struct Value {
    value: String,
    label: String,
    events: RoaringBitmap,
}

/// The values of one facet.
#[derive(Default)]
struct FacetTable {
    values: Vec<Value>,
    by_value: HashMap<String, usize>,
    /// Other keys of values, folded (`place_names::fold`): every name of a place.
    aliases: HashMap<String, Vec<usize>>,
}

impl FacetTable {
    fn union_of(&self, wanted: &[String]) -> RoaringBitmap {
        let mut out = RoaringBitmap::new();
        for v in wanted {
            if let Some(&i) = self.by_value.get(v) {
                out |= &self.values[i].events;
            }
            if !self.aliases.is_empty()
                && let Some(list) = self.aliases.get(&crate::place_names::fold(v))
            {
                for &i in list {
                    out |= &self.values[i].events;
                }
            }
        }
        out
    }
}

/// The events of one data version, in timeline order, with a bitmap per facet value.
pub struct EventIndex {
    version: i64,
    /// Event ids by position (timeline order). SQLite numbers events from 1, so an id
    /// takes 4 bytes here rather than 8 (an id past `u32::MAX` means no index).
    ids: Vec<u32>,
    starts: Vec<i32>,
    ends: Vec<i32>,
    /// Positions of the events longer than [`LONG_SPAN_DAYS`], ascending.
    long: Vec<u32>,
    facets: [FacetTable; 4],
    /// Positions by event id.
    by_id: IdMap,
    /// Each position's rank for a label on the strip, as [`super::queries::marks`] ranks
    /// events (the editor's flag, sources, links, fatalities).
    notability: Vec<u32>,
    /// The positions of the events an editor flagged as notable.
    flagged: RoaringBitmap,
    /// The places with coordinates: latitude, longitude and their value in the place
    /// facet's table, for `bbox`.
    place_points: Vec<(f64, f64, usize)>,
}

/// Positions by event id: a table indexed by id when the ids are dense enough (they are
/// numbered by SQLite from 1), a map otherwise.
enum IdMap {
    Dense(Vec<u32>),
    Sparse(HashMap<i64, u32>),
}

impl IdMap {
    const NONE: u32 = u32::MAX;

    fn new(ids: &[u32]) -> IdMap {
        let max = ids.iter().copied().max().unwrap_or(0);
        if u64::from(max) <= 4 * ids.len() as u64 + 1024 {
            let mut table = vec![Self::NONE; max as usize + 1];
            for (p, &id) in ids.iter().enumerate() {
                table[id as usize] = p as u32;
            }
            IdMap::Dense(table)
        } else {
            IdMap::Sparse(
                ids.iter()
                    .enumerate()
                    .map(|(p, &id)| (i64::from(id), p as u32))
                    .collect(),
            )
        }
    }

    fn get(&self, id: i64) -> Option<u32> {
        match self {
            IdMap::Dense(table) => usize::try_from(id)
                .ok()
                .and_then(|i| table.get(i).copied())
                .filter(|&p| p != Self::NONE),
            IdMap::Sparse(map) => map.get(&id).copied(),
        }
    }
}

/// What the label-ranking reads of each event besides its links and sources.
const NOTABLE_FLAG: u32 = 1_000_000;

/// Why the index could not be built (the server then keeps answering from SQLite).
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("cannot read the events for the in-memory index: {0}")]
    Read(#[from] rusqlite::Error),
    #[error("an event column of an unexpected type for the in-memory index: {0}")]
    Type(#[from] rusqlite::types::FromSqlError),
    #[error("more events than the in-memory index can number ({0})")]
    TooMany(usize),
    #[error("an event id the in-memory index cannot hold ({0})")]
    Id(i64),
    #[error("the in-memory index build could not run: {0}")]
    Join(String),
}

impl EventIndex {
    /// The data version the index was built from.
    pub fn version(&self) -> i64 {
        self.version
    }

    /// How many events the index holds.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether the index holds no event.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Reads every event of one snapshot of the database. The caller's connection must
    /// not be inside a transaction; this one is rolled back (it only read).
    pub fn build(conn: &Connection) -> Result<EventIndex, IndexError> {
        conn.execute_batch("BEGIN")?;
        let out = Self::read(conn);
        // A read transaction: ending it cannot lose anything, and the connection goes
        // back to its pool in autocommit mode whatever happened.
        let end = conn.execute_batch("ROLLBACK");
        let index = out?;
        end?;
        Ok(index)
    }

    fn read(conn: &Connection) -> Result<EventIndex, IndexError> {
        // The same data version the pages are answered at (see `db::combined_version`).
        let (count, imported_at): (i64, Option<String>) = conn.query_row(
            "SELECT version, imported_at FROM dataset_version WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let version = super::combined_version(count, imported_at.as_deref());
        let conflicts = named(conn, "SELECT id, slug, name FROM conflict")?;
        let actors = named(conn, "SELECT id, slug, name FROM actor")?;
        let places = named(conn, "SELECT id, slug, label FROM place")?;

        let mut ids = Vec::new();
        let mut starts = Vec::new();
        let mut ends = Vec::new();
        let mut long = Vec::new();
        let mut categories: Interner = Interner::default();
        let mut conflict_lists: HashMap<i64, Vec<u32>> = HashMap::new();
        // The covering date index holds every column read here, in timeline order.
        let mut stmt = conn.prepare(
            "SELECT id, start_day, end_day, category, conflict_id
             FROM event INDEXED BY event_by_start ORDER BY start_day, end_day, id",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let pos = u32::try_from(ids.len()).map_err(|_| IndexError::TooMany(ids.len()))?;
            let id: i64 = row.get(0)?;
            let id = u32::try_from(id).map_err(|_| IndexError::Id(id))?;
            let start: i32 = row.get(1)?;
            let end: i32 = row.get(2)?;
            ids.push(id);
            starts.push(start);
            ends.push(end);
            if end - start > LONG_SPAN_DAYS {
                long.push(pos);
            }
            categories.add(row.get_ref(3)?.as_str()?, pos);
            conflict_lists.entry(row.get(4)?).or_default().push(pos);
        }
        drop(rows);
        drop(stmt);

        // Positions by id, also for the actor and place links (stored by event id).
        let by_id = IdMap::new(&ids);
        let actor_lists =
            links_by_event(conn, "SELECT event_id, actor_id FROM event_actor", &by_id)?;
        let place_lists =
            links_by_event(conn, "SELECT event_id, place_id FROM event_place", &by_id)?;
        let notability = notability(conn, &by_id, ids.len())?;
        let flagged = RoaringBitmap::from_sorted_iter(
            (0..notability.len() as u32).filter(|&p| notability[p as usize] >= NOTABLE_FLAG),
        )
        .unwrap_or_default();

        let mut facets: [FacetTable; 4] = Default::default();
        facets[slot(Facet::Category)] = categories.into_table();
        facets[slot(Facet::Place)] = table_of(place_lists, &places);
        // Every name of a place finds it, as in SQLite (`queries::push_place_ids`).
        let table = &mut facets[slot(Facet::Place)];
        let mut stmt = conn.prepare(
            "SELECT DISTINCT pn.folded, p.slug FROM place_name pn JOIN place p ON p.id = pn.place_id",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let slug = row.get_ref(1)?.as_str()?;
            if let Some(&i) = table.by_value.get(slug) {
                let key: String = row.get(0)?;
                table.aliases.entry(key).or_default().push(i);
            }
        }
        drop(rows);
        drop(stmt);
        let mut place_points = Vec::new();
        let mut stmt = conn.prepare(
            "SELECT slug, latitude, longitude FROM place
             WHERE latitude IS NOT NULL AND longitude IS NOT NULL",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            if let Some(&i) = table.by_value.get(row.get_ref(0)?.as_str()?) {
                place_points.push((row.get(1)?, row.get(2)?, i));
            }
        }
        drop(rows);
        drop(stmt);
        facets[slot(Facet::Conflict)] = table_of(conflict_lists, &conflicts);
        facets[slot(Facet::Actor)] = table_of(actor_lists, &actors);
        Ok(EventIndex {
            version,
            ids,
            starts,
            ends,
            long,
            facets,
            by_id,
            notability,
            flagged,
            place_points,
        })
    }

    /// Whether the index can answer for this filter given the search's hits: a filter
    /// with a search needs the set of its hits (from [`super::text_index`]); one asking for
    /// events changed since a time goes to SQLite (the index holds no history).
    pub fn covers(&self, filter: &EventFilter, hits: Option<&Hits>) -> bool {
        filter.changed_since.is_none()
            && (filter.text.is_none() || hits.is_some_and(|h| h.version == self.version))
    }

    /// The positions of the events with the given ids, for a search's hits; ids the index
    /// does not hold are left out.
    pub fn hits(&self, ids: impl IntoIterator<Item = u32>) -> Hits {
        let mut bits = vec![0u8; self.ids.len().div_ceil(8)];
        for id in ids {
            if let Some(p) = self.by_id.get(i64::from(id)) {
                bits[p as usize / 8] |= 1 << (p % 8);
            }
        }
        Hits {
            version: self.version,
            positions: RoaringBitmap::from_lsb0_bytes(0, &bits),
        }
    }

    /// The event id at position `p`.
    fn id_at(&self, p: u32) -> i64 {
        i64::from(self.ids[p as usize])
    }

    /// The event ids of `set` (positions), in timeline order.
    pub fn ids_of<'s>(&'s self, set: &'s RoaringBitmap) -> impl Iterator<Item = i64> + 's {
        set.iter().map(|p| self.id_at(p))
    }

    /// The positions the filter keeps apart from its search text, for ranking a search
    /// among them.
    pub fn kept(&self, filter: &EventFilter) -> RoaringBitmap {
        self.matching(filter, None)
    }

    /// First position whose start day is at least `day`.
    fn first_starting(&self, day: i64) -> usize {
        self.starts.partition_point(|&s| i64::from(s) < day)
    }

    /// The events whose span meets [from, to], as SQLite's two arms select them.
    fn span(&self, filter: &EventFilter) -> RoaringBitmap {
        let from = i64::from(filter.from.unwrap_or(Day::MIN).0);
        let to = i64::from(filter.to.unwrap_or(Day::MAX).0);
        let mut out = RoaringBitmap::new();
        if from > to {
            return out;
        }
        // Everything starting inside the range meets it.
        let lo = self.first_starting(from);
        let hi = self.first_starting(to + 1);
        if lo < hi {
            out.insert_range(lo as u32..hi as u32);
        }
        // Short events that start before it reach into it if they end late enough; they
        // start at most LONG_SPAN_DAYS before it.
        let scan = self.first_starting(from - i64::from(LONG_SPAN_DAYS));
        for p in scan..lo.min(hi) {
            if i64::from(self.ends[p]) >= from {
                out.insert(p as u32);
            }
        }
        // Long events that start earlier still.
        for &p in &self.long {
            let p = p as usize;
            if p >= scan {
                break;
            }
            if i64::from(self.ends[p]) >= from {
                out.insert(p as u32);
            }
        }
        out
    }

    /// The events the filter keeps: its dates and facets here, its search text by the
    /// given hits (none: the text is left aside, see [`EventIndex::covers`]).
    fn matching(&self, filter: &EventFilter, hits: Option<&Hits>) -> RoaringBitmap {
        let mut set = self.span(filter);
        if let Some(restricted) = self.restriction(filter, hits) {
            set &= restricted;
        }
        set
    }

    /// The events the filter's facet values and box keep, dates aside; `None` when it
    /// has neither.
    fn facet_set(&self, filter: &EventFilter) -> Option<RoaringBitmap> {
        let mut out: Option<RoaringBitmap> = None;
        let mut narrow = |set: RoaringBitmap| {
            out = Some(match out.take() {
                Some(acc) => acc & set,
                None => set,
            });
        };
        for facet in Facet::ALL {
            let wanted = facet.values_in(filter);
            if !wanted.is_empty() {
                narrow(self.facets[slot(facet)].union_of(wanted));
            }
        }
        if let Some(b) = filter.bbox {
            let table = &self.facets[slot(Facet::Place)];
            let mut inside = RoaringBitmap::new();
            for &(lat, lon, i) in &self.place_points {
                if b.contains(lat, lon) {
                    inside |= &table.values[i].events;
                }
            }
            narrow(inside);
        }
        out
    }

    /// The events the filter's facets and hits keep whatever their dates; `None` when
    /// they keep every event.
    fn restriction(&self, filter: &EventFilter, hits: Option<&Hits>) -> Option<RoaringBitmap> {
        let out = self.facet_set(filter);
        match (&filter.text, hits) {
            (Some(_), Some(hits)) => Some(match out {
                Some(set) => set & &hits.positions,
                None => hits.positions.clone(),
            }),
            _ => out,
        }
    }

    /// How many events the filter keeps.
    pub fn count(&self, filter: &EventFilter, hits: Option<&Hits>) -> i64 {
        self.matching(filter, hits).len() as i64
    }

    /// The ids of one page of the filter's events in `order`, after `after` (timeline
    /// order only, as in SQLite).
    pub fn page(
        &self,
        filter: &EventFilter,
        hits: Option<&Hits>,
        after: Option<super::models::Cursor>,
        order: Order,
        limit: u32,
    ) -> Vec<i64> {
        let mut set = self.matching(filter, hits);
        let take = limit as usize;
        match order {
            Order::Timeline => {
                if let Some(c) = after {
                    let key = (c.start_day, c.end_day, c.id);
                    let at = |p: usize| (self.starts[p], self.ends[p], i64::from(self.ids[p]));
                    // The first position after the cursor (positions are in key order).
                    let (mut lo, mut hi) = (0, self.ids.len());
                    while lo < hi {
                        let mid = lo + (hi - lo) / 2;
                        if at(mid) <= key {
                            lo = mid + 1;
                        } else {
                            hi = mid;
                        }
                    }
                    set.remove_range(0..lo as u32);
                }
                set.iter().take(take).map(|p| self.id_at(p)).collect()
            }
            Order::NewestFirst => set.iter().rev().take(take).map(|p| self.id_at(p)).collect(),
        }
    }

    /// The `limit` most frequent values of `facet` among the filter's events, as
    /// [`super::queries::facet_counts`] gives them (count descending, then value).
    pub fn facet_counts(
        &self,
        filter: &EventFilter,
        hits: Option<&Hits>,
        facet: Facet,
        limit: u32,
    ) -> Vec<FacetValue> {
        let set = self.matching(filter, hits);
        let mut out: Vec<FacetValue> = self.facets[slot(facet)]
            .values
            .iter()
            .filter_map(|v| {
                let count = set.intersection_len(&v.events);
                (count > 0).then(|| FacetValue {
                    value: v.value.clone(),
                    label: v.label.clone(),
                    count: count as i64,
                })
            })
            .collect();
        out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        out.truncate(limit as usize);
        out
    }

    /// Events starting in each of `buckets` equal slices of [first, last] among those the
    /// filter keeps apart from its dates, as [`super::queries::histogram`] gives them:
    /// (bucket, count) for the buckets that have events.
    pub fn histogram(
        &self,
        filter: &EventFilter,
        hits: Option<&Hits>,
        first: Day,
        last: Day,
        buckets: u32,
    ) -> Vec<(i64, i64)> {
        let first = i64::from(first.0);
        let span = i64::from(last.0) - first + 1;
        let n = i64::from(buckets);
        if span <= 0 || n <= 0 {
            return Vec::new();
        }
        let facets = self.restriction(filter, hits);
        // Bucket b holds the days d with (d - first) * n / span == b, that is from
        // first + ceil(b * span / n) on: each bucket is a run of positions.
        let mut out = Vec::new();
        let mut lo = self.first_starting(first);
        for b in 0..n {
            let next_day = first + ((b + 1) * span + n - 1) / n;
            let hi = self.first_starting(next_day);
            let count = match &facets {
                Some(set) if lo < hi => set.range_cardinality(lo as u32..hi as u32) as i64,
                Some(_) => 0,
                None => (hi - lo) as i64,
            };
            if count > 0 {
                out.push((b, count));
            }
            lo = hi;
        }
        out
    }
}

impl EventIndex {
    /// The notability of the event `id` (as [`super::queries::marks`] ranks it), if the
    /// index holds it.
    pub fn notability_of(&self, id: i64) -> Option<i64> {
        let p = self.by_id.get(id)?;
        self.notability.get(p as usize).map(|&n| i64::from(n))
    }

    /// The ids of the events to label on a view too dense to draw one by one, as
    /// [`super::queries::marks::notable_marks`] chooses them: every flagged event of the
    /// range (up to `limit`, most notable first), then the two most notable of the first
    /// `sample` events starting in each of `slices` equal slices of [first, last].
    pub fn notable_marks(
        &self,
        filter: &EventFilter,
        hits: Option<&Hits>,
        labels: &LabelSample,
    ) -> Vec<i64> {
        let view = labels.view(filter);
        let rank = |p: u32| {
            (
                std::cmp::Reverse(self.notability[p as usize]),
                self.starts[p as usize],
                p,
            )
        };
        let mut flagged: Vec<u32> = (self.matching(&view, hits) & &self.flagged)
            .iter()
            .collect();
        flagged.sort_by_key(|&p| rank(p));
        flagged.truncate(labels.limit as usize);
        let mut out = flagged;

        let restricted = self.restriction(filter, hits);
        for (a, b) in super::queries::marks::slice_days(labels.first, labels.last, labels.slices) {
            let lo = self.first_starting(a) as u32;
            let hi = self.first_starting(b + 1) as u32;
            let mut sampled: Vec<u32> = match &restricted {
                Some(set) => set.range(lo..hi).take(labels.sample as usize).collect(),
                None => (lo..hi).take(labels.sample as usize).collect(),
            };
            sampled.sort_by_key(|&p| rank(p));
            for p in sampled.into_iter().take(2) {
                if !out.contains(&p) {
                    out.push(p);
                }
            }
        }
        out.sort_by_key(|&p| rank(p));
        out.into_iter().map(|p| self.id_at(p)).collect()
    }
}

/// A search's hits as positions of one index (see [`EventIndex::hits`]).
pub struct Hits {
    version: i64,
    positions: RoaringBitmap,
}

impl Hits {
    /// How many events the search found.
    pub fn len(&self) -> u64 {
        self.positions.len()
    }

    /// Whether the search found nothing.
    pub fn is_empty(&self) -> bool {
        self.positions.is_empty()
    }
}

/// Each position's notability (see [`super::queries::marks`]: the flag outranks any count,
/// each source and each link counts 10, fatalities add a tenth, at most 50).
fn notability(conn: &Connection, by_id: &IdMap, len: usize) -> Result<Vec<u32>, IndexError> {
    let mut out = vec![0u32; len];
    let mut add = |sql: &str, weight: fn(i64, i64) -> u32| -> Result<(), IndexError> {
        let mut stmt = conn.prepare(sql)?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            let a: i64 = row.get(1)?;
            let b: i64 = row.get(2)?;
            if let Some(p) = by_id.get(id) {
                out[p as usize] = out[p as usize].saturating_add(weight(a, b));
            }
        }
        Ok(())
    };
    add(
        "SELECT id, notable, coalesce(fatalities_best, 0) FROM event
         WHERE notable = 1 OR fatalities_best >= 10",
        |notable, fatalities| {
            (notable.clamp(0, 1) as u32) * NOTABLE_FLAG + (fatalities / 10).clamp(0, 50) as u32
        },
    )?;
    add(
        "SELECT event_id, count(*), 0 FROM source GROUP BY event_id",
        |n, _| 10 * n.clamp(0, 10_000) as u32,
    )?;
    add(
        "SELECT from_event_id, count(*), 0 FROM event_link GROUP BY from_event_id",
        |n, _| 10 * n.clamp(0, 10_000) as u32,
    )?;
    add(
        "SELECT to_event_id, count(*), 0 FROM event_link GROUP BY to_event_id",
        |n, _| 10 * n.clamp(0, 10_000) as u32,
    )?;
    Ok(out)
}

/// Positions of the events of each row of a link table, from `(event id, other id)` rows;
/// `by_id` maps event ids to positions.
fn links_by_event(
    conn: &Connection,
    sql: &str,
    by_id: &IdMap,
) -> Result<HashMap<i64, Vec<u32>>, IndexError> {
    let mut lists: HashMap<i64, Vec<u32>> = HashMap::new();
    let mut stmt = conn.prepare(sql)?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let event_id: i64 = row.get(0)?;
        let other: i64 = row.get(1)?;
        if let Some(pos) = by_id.get(event_id) {
            lists.entry(other).or_default().push(pos);
        }
    }
    Ok(lists)
}

/// Reads `(id, slug, name)` rows into a map by id.
fn named(conn: &Connection, sql: &str) -> Result<HashMap<i64, (String, String)>, IndexError> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Positions of the events with each text value (category), in the order seen.
#[derive(Default)]
struct Interner {
    lists: HashMap<String, Vec<u32>>,
}

impl Interner {
    fn add(&mut self, value: &str, pos: u32) {
        if let Some(list) = self.lists.get_mut(value) {
            list.push(pos);
        } else {
            self.lists.insert(value.to_string(), vec![pos]);
        }
    }

    fn into_table(self) -> FacetTable {
        let mut values: Vec<Value> = self
            .lists
            .into_iter()
            .map(|(value, list)| Value {
                label: value.clone(),
                value,
                events: bitmap(list),
            })
            .collect();
        values.sort_by(|a, b| a.value.cmp(&b.value));
        table(values)
    }
}

fn bitmap(mut list: Vec<u32>) -> RoaringBitmap {
    list.sort_unstable();
    list.dedup();
    // Sorted and deduplicated just above, so this cannot fail; an empty map if it did.
    RoaringBitmap::from_sorted_iter(list).unwrap_or_default()
}

/// A facet whose values are rows of another table (actors, conflicts), by row id.
fn table_of(lists: HashMap<i64, Vec<u32>>, names: &HashMap<i64, (String, String)>) -> FacetTable {
    let mut values: Vec<Value> = lists
        .into_iter()
        .filter_map(|(id, list)| {
            let (slug, name) = names.get(&id)?;
            Some(Value {
                value: slug.clone(),
                label: name.clone(),
                events: bitmap(list),
            })
        })
        .collect();
    values.sort_by(|a, b| a.value.cmp(&b.value));
    table(values)
}

fn table(values: Vec<Value>) -> FacetTable {
    let by_value = values
        .iter()
        .enumerate()
        .map(|(i, v)| (v.value.clone(), i))
        .collect();
    FacetTable {
        values,
        by_value,
        aliases: HashMap::new(),
    }
}

/// Builds the index of the database at `path` on a connection of its own, opened
/// read-only, off the async threads.
pub async fn build_from(path: &Path) -> Result<EventIndex, IndexError> {
    let path = path.to_path_buf();
    let (done, result) = tokio::sync::oneshot::channel();
    // A thread of its own rather than tokio's blocking pool: the runtime waits for its
    // blocking tasks when it shuts down, and a stop signal must not wait seconds for a build
    // nobody will use.
    std::thread::Builder::new()
        .name("event-index".to_string())
        .spawn(move || {
            let built = (|| {
                let conn = Connection::open_with_flags(
                    &path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                // The scan reads each page once: a small cache is enough, and keeps the
                // build's memory to the index itself.
                conn.execute_batch("PRAGMA cache_size = -2048")?;
                EventIndex::build(&conn)
            })();
            // The receiver is gone only if the server stopped: nothing to tell.
            let _ = done.send(built);
        })
        .map_err(|e| IndexError::Join(e.to_string()))?;
    result.await.map_err(|e| IndexError::Join(e.to_string()))?
}

impl super::derived::Derived for EventIndex {
    fn version(&self) -> i64 {
        self.version
    }
}

/// The current index of a server, rebuilt in the background when the data changes.
pub type IndexCell = super::derived::DerivedCell<EventIndex>;

/// An empty cell for the event index.
pub fn cell() -> IndexCell {
    IndexCell::new("in-memory event index", "answering from SQLite")
}
