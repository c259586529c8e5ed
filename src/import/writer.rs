//! Writes validated records inside one transaction. Nothing is visible to readers until
//! [`Writer::commit`]; dropping a writer, or an error at any point, rolls everything back.
//!
//! Re-imports are idempotent: an event is found by its slug, and its stored content hash
//! tells whether anything changed. Only changed events are rewritten (with their actors,
//! sources, links and search index entry), so importing the same file twice changes nothing.
//!
//! Events are written in batches of [`BATCH`]: one query looks up the slugs of a whole batch
//! (none in a load into an empty table), and new events with their actors and sources are
//! inserted by one direct call on the connection ([`super::direct`]), not a statement handed
//! to sqlx's database thread per row or per few rows. The search index takes new events in
//! one statement at the end. Memory stays flat however large the import: the batch is the
//! only thing held, and what the import has already confirmed of the events stored before
//! it is one bit per event id (125 KB per million events), not a set of slugs that grows with
//! the file.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

use sha2::{Digest, Sha256};
use sqlx::{AssertSqlSafe, Sqlite, SqlitePool, Transaction};

use super::direct;
use crate::record::{ConflictRecord, EraRecord, EventRecord, FieldProblem, LinkRel};

/// Events written per batch.
pub const BATCH: usize = 512;
/// Slugs per lookup query.
const SLUGS_PER_LOOKUP: usize = 256;
/// The FTS5 `hashsize` of a bulk load: bytes of index data held in memory before a
/// segment is written. At a million events 64 MiB builds the index in 4.7 s instead of
/// 5.7 s (32 MiB), for some 20 MB more at the peak.
const BULK_FTS_HASHSIZE: i64 = 64 * 1024 * 1024;
/// The page cache of a bulk load once its events are written (see [`Writer::finish`]).
const BULK_FINISH_CACHE: &str = "PRAGMA cache_size = -2048";
/// New events after which an import that has already inserted at least as many events as
/// the table held before it counts as a bulk load (see [`Writer::begin_bulk`]).
const BULK_AFTER: u64 = 20_000;

/// What an import did, or (for a check) would do.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub conflicts_written: u64,
    pub eras_written: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub deleted: u64,
}

impl ImportSummary {
    /// Did the import change the database at all.
    pub fn changed_anything(&self) -> bool {
        self.conflicts_written + self.eras_written + self.inserted + self.updated + self.deleted > 0
    }
}

/// A link whose target may come later in the import; resolved at the end.
struct PendingLink {
    from_id: i64,
    rel: LinkRel,
    target: String,
    /// Where the link was written, to report an unknown target.
    origin: (usize, Option<usize>),
}

/// A record the writer refused (or a link it could not resolve), with where it came from.
pub struct Refused {
    /// Index of the input file and line given to [`Writer::event`].
    pub origin: (usize, Option<usize>),
    pub problem: FieldProblem,
}

/// An event waiting in the batch.
struct Queued {
    conflict_id: i64,
    record: Box<EventRecord>,
    /// Its [`content_hash`].
    hash: String,
    origin: (usize, Option<usize>),
}

/// What the database already holds for a slug.
struct Stored {
    id: i64,
    hash: String,
}

/// Slugs of stored events, with their ids and content hashes, by slug (`IN` list follows).
const LOOKUP_BY_SLUG: &str = "SELECT slug, id, content_hash FROM event WHERE slug IN";

/// The one transaction of an import.
pub struct Writer {
    tx: Transaction<'static, Sqlite>,
    conflict_ids: HashMap<String, i64>,
    /// Actor ids by slug, and by the names seen (as written) in this import.
    actor_ids: HashMap<String, i64>,
    actor_names: HashMap<String, i64>,
    /// The highest event id before this import: events above it were inserted by it.
    base_id: i64,
    /// The id the next new event gets. The import holds the write lock, so no one else
    /// can take it.
    next_id: i64,
    /// Events waiting to be written, in file order.
    batch: Vec<Queued>,
    /// The slugs in `batch`.
    batch_slugs: HashSet<String>,
    /// Conflicts this import wrote or confirmed events of, for `--replace`. (The events
    /// themselves: ids above `base_id`, and the older ones in `touched`.)
    touched_conflicts: HashSet<i64>,
    pending_links: Vec<PendingLink>,
    /// SQL text of statements ending in an `IN` list, by statement and list length.
    sql: HashMap<(&'static str, usize), Arc<str>>,
    /// Events in the table before the import.
    events_before: u64,
    /// The secondary indexes dropped for a bulk load, to create again (name, SQL).
    dropped_indexes: Option<Vec<(String, String)>>,
    /// Events stored before the import (ids up to `base_id`) that it has confirmed or
    /// rewritten: bit `id % 64` of word `id / 64`.
    touched: Vec<u64>,
    /// Insert events without looking their slugs up first (see
    /// [`Writer::insert_optimistic`]); off from the first slug found taken.
    optimistic: bool,
    /// The import's timestamp (`created_at` and `updated_at` of the events it writes).
    now: String,
    /// When the import began, for the timings logged at `debug` level.
    started: Instant,
    summary: ImportSummary,
}

impl Writer {
    /// Starts the transaction. `BEGIN IMMEDIATE` takes the write lock up front, so a
    /// concurrent writer fails fast instead of deadlocking halfway through.
    pub async fn begin(pool: &SqlitePool) -> Result<Self, sqlx::Error> {
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
        // A large import touches index pages all over the file (slugs and dates arrive in
        // no order). With SQLite's default 2 MB page cache, dirty pages spill to the WAL and
        // are read back again and again, and an import slows down as the database grows; a
        // bigger cache keeps the hot pages of the indexes in memory (bounded: 64 MiB). A
        // bulk load needs less (it drops the date indexes): at a million events 32, 64 and
        // 128 MiB load equally fast, and 64 MiB keeps its peak near 190 MB, not 270 MB.
        for pragma in [
            "PRAGMA cache_size = -65536",
            // A helper thread for the sorts that build indexes (after a bulk load).
            "PRAGMA threads = 2",
        ] {
            sqlx::query(pragma).execute(&mut *tx).await?;
        }
        let (base_id, events_before, now): (i64, i64, String) = sqlx::query_as(
            "SELECT coalesce(max(id), 0), count(*), strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
             FROM event",
        )
        .fetch_one(&mut *tx)
        .await?;
        Ok(Writer {
            tx,
            conflict_ids: HashMap::new(),
            actor_ids: HashMap::new(),
            actor_names: HashMap::new(),
            base_id,
            next_id: base_id + 1,
            batch: Vec::with_capacity(BATCH),
            batch_slugs: HashSet::with_capacity(BATCH),
            touched_conflicts: HashSet::new(),
            pending_links: Vec::new(),
            sql: HashMap::new(),
            events_before: u64::try_from(events_before).unwrap_or(0),
            dropped_indexes: None,
            touched: Vec::new(),
            optimistic: true,
            now,
            started: Instant::now(),
            summary: ImportSummary::default(),
        })
    }

    /// Turns a large import into a bulk load: drops the secondary indexes of the events
    /// (dates, conflict, category, place), to create them again in [`Writer::finish`].
    /// Inserting a million rows into four indexes in random order touches pages all over
    /// the file, far more than the page cache holds; building an index afterwards sorts its
    /// entries once and writes its pages in order. This pays only when the import adds at
    /// least as many events as the table had, so it starts once it has (and after
    /// [`BULK_AFTER`] events). Kept: the slug index (the import looks events up by slug),
    /// unique indexes (they enforce rules), partial indexes (few entries, and building one
    /// would scan the whole table) and the indexes of `event_actor` (event ids only grow).
    /// Readers are unaffected: until the commit they see the last committed state, indexes
    /// included.
    async fn begin_bulk(&mut self) -> Result<(), sqlx::Error> {
        let indexes: Vec<(String, String)> = sqlx::query_as(
            "SELECT name, sql FROM sqlite_schema
             WHERE type = 'index' AND tbl_name = 'event' AND sql IS NOT NULL
               AND sql NOT LIKE 'CREATE UNIQUE%' AND sql NOT LIKE '% WHERE %'",
        )
        .fetch_all(&mut *self.tx)
        .await?;
        for (name, _) in &indexes {
            let drop = format!("DROP INDEX \"{}\"", name.replace('"', "\"\""));
            sqlx::query(AssertSqlSafe(drop))
                .execute(&mut *self.tx)
                .await?;
        }
        self.dropped_indexes = Some(indexes);
        Ok(())
    }

    /// Writes what is still queued and creates again any index a bulk load dropped. Call
    /// once, after the last event and before resolving links, `--replace` or the commit.
    pub async fn finish(&mut self) -> Result<Vec<Refused>, sqlx::Error> {
        let refused = self.flush().await?;
        tracing::debug!(elapsed = ?self.started.elapsed(), summary = ?self.summary, "import: events written");
        let phase = Instant::now();
        // New events join the search index here, in one statement: FTS5 writes its
        // in-memory index to disk at the start of every statement that changes it, so one
        // statement per batch would leave thousands of small segments to merge. The index
        // reads the events and their actors back through the view, so it holds exactly
        // what `unindex` will later be told to remove.
        //
        // In a bulk load FTS5 may also hold more in memory before writing a segment (its
        // `hashsize`, 1 MiB unless configured): fewer, larger segments, and less merging
        // of them. The setting is stored in the index, so it is put back before the commit.
        let bulk = self.dropped_indexes.is_some();
        let hashsize: Option<i64> = if bulk {
            sqlx::query_scalar("SELECT v FROM event_fts_config WHERE k = 'hashsize'")
                .fetch_optional(&mut *self.tx)
                .await?
        } else {
            None
        };
        if bulk {
            // From here on the work is reading the events in order and writing new pages
            // (the search index, then the indexes): the large page cache that kept index
            // pages hot during the inserts only gets in the way. Back at SQLite's default
            // (2 MiB), the sorts that build the indexes run in small runs that fit the CPU's
            // caches and overlap with the table scan on the helper thread: measured at a
            // million events, the four indexes take 2.5 s instead of 5.4 s, and the memory
            // the cache no longer holds leaves room for the larger `hashsize` below.
            sqlx::query(BULK_FINISH_CACHE)
                .execute(&mut *self.tx)
                .await?;
            sqlx::query("INSERT INTO event_fts (event_fts, rank) VALUES ('hashsize', ?1)")
                .bind(BULK_FTS_HASHSIZE)
                .execute(&mut *self.tx)
                .await?;
        }
        if self.summary.inserted > 0 && self.events_before == 0 {
            // Every event is new: the whole index is built from the events, with the same
            // result. 'rebuild' is a one-row statement, which needs no statement journal
            // (for a multi-row `INSERT … SELECT` SQLite would first copy every page the
            // statement changes, to be able to undo it).
            sqlx::query("INSERT INTO event_fts (event_fts) VALUES ('rebuild')")
                .execute(&mut *self.tx)
                .await?;
        } else if self.summary.inserted > 0 {
            sqlx::query(
                "INSERT INTO event_fts (rowid, title, summary, body, actors, place)
                 SELECT id, title, summary, body, actors, place FROM event_search_doc
                 WHERE id > ?1",
            )
            .bind(self.base_id)
            .execute(&mut *self.tx)
            .await?;
        }
        if bulk {
            match hashsize {
                Some(size) => {
                    sqlx::query("INSERT INTO event_fts (event_fts, rank) VALUES ('hashsize', ?1)")
                        .bind(size)
                        .execute(&mut *self.tx)
                        .await?;
                }
                None => {
                    // Not configured before: remove the setting (FTS5 then uses its default).
                    sqlx::query("DELETE FROM event_fts_config WHERE k = 'hashsize'")
                        .execute(&mut *self.tx)
                        .await?;
                }
            }
        }
        tracing::debug!(elapsed = ?phase.elapsed(), "import: full-text index");
        let phase = Instant::now();
        for (_, sql) in self.dropped_indexes.take().unwrap_or_default() {
            sqlx::query(AssertSqlSafe(sql))
                .execute(&mut *self.tx)
                .await?;
        }
        tracing::debug!(elapsed = ?phase.elapsed(), "import: indexes created again");
        Ok(refused)
    }

    /// `statement` (which ends in `IN`) with a list of `len` parameters, made once per
    /// statement and length.
    fn in_list_sql(&mut self, statement: &'static str, len: usize) -> AssertSqlSafe<Arc<str>> {
        let sql = self
            .sql
            .entry((statement, len))
            .or_insert_with(|| format!("{statement} ({})", vec!["?"; len].join(",")).into());
        AssertSqlSafe(Arc::clone(sql))
    }

    pub async fn conflict(&mut self, rec: &ConflictRecord) -> Result<(), sqlx::Error> {
        let result = sqlx::query(
            "INSERT INTO conflict (slug, name, summary, region) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (slug) DO UPDATE SET
                 name = excluded.name, summary = excluded.summary, region = excluded.region
             WHERE conflict.name IS NOT excluded.name
                OR conflict.summary IS NOT excluded.summary
                OR conflict.region IS NOT excluded.region",
        )
        .bind(&rec.slug)
        .bind(&rec.name)
        .bind(&rec.summary)
        .bind(&rec.region)
        .execute(&mut *self.tx)
        .await?;
        self.summary.conflicts_written += result.rows_affected();
        let id: i64 = sqlx::query_scalar("SELECT id FROM conflict WHERE slug = ?1")
            .bind(&rec.slug)
            .fetch_one(&mut *self.tx)
            .await?;
        self.conflict_ids.insert(rec.slug.clone(), id);
        Ok(())
    }

    /// Creates a conflict that a foreign format implies (an ACLED country, `--conflict`) if
    /// it does not exist. An existing one keeps its name, summary and region, unless
    /// `rename` (an explicit `--conflict-name`) asks for the new name.
    pub async fn implied_conflict(
        &mut self,
        rec: &ConflictRecord,
        rename: bool,
    ) -> Result<(), sqlx::Error> {
        let result = if rename {
            sqlx::query(
                "INSERT INTO conflict (slug, name, summary, region) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (slug) DO UPDATE SET name = excluded.name
                 WHERE conflict.name IS NOT excluded.name",
            )
        } else {
            sqlx::query(
                "INSERT INTO conflict (slug, name, summary, region) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (slug) DO NOTHING",
            )
        }
        .bind(&rec.slug)
        .bind(&rec.name)
        .bind(&rec.summary)
        .bind(&rec.region)
        .execute(&mut *self.tx)
        .await?;
        self.summary.conflicts_written += result.rows_affected();
        self.conflict_ids.remove(&rec.slug);
        self.conflict_id(&rec.slug).await?;
        Ok(())
    }

    /// The id of a conflict written earlier in this import or already in the database.
    async fn conflict_id(&mut self, slug: &str) -> Result<Option<i64>, sqlx::Error> {
        if let Some(id) = self.conflict_ids.get(slug) {
            return Ok(Some(*id));
        }
        let id: Option<i64> = sqlx::query_scalar("SELECT id FROM conflict WHERE slug = ?1")
            .bind(slug)
            .fetch_optional(&mut *self.tx)
            .await?;
        if let Some(id) = id {
            self.conflict_ids.insert(slug.to_string(), id);
        }
        Ok(id)
    }

    fn unknown_conflict(slug: &str) -> FieldProblem {
        FieldProblem::new(
            "conflict",
            slug,
            "names no conflict defined in this import or already in the database",
        )
    }

    /// Inserts or updates an era. A problem is returned, not written, when its conflict
    /// is unknown.
    pub async fn era(&mut self, rec: &EraRecord) -> Result<Option<FieldProblem>, sqlx::Error> {
        let Some(conflict_id) = self.conflict_id(&rec.conflict).await? else {
            return Ok(Some(Self::unknown_conflict(&rec.conflict)));
        };
        let result = sqlx::query(
            "INSERT INTO era (conflict_id, slug, name, edtf, start_day, end_day, summary)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (conflict_id, slug) DO UPDATE SET
                 name = excluded.name, edtf = excluded.edtf, start_day = excluded.start_day,
                 end_day = excluded.end_day, summary = excluded.summary
             WHERE era.name IS NOT excluded.name OR era.edtf IS NOT excluded.edtf
                OR era.summary IS NOT excluded.summary",
        )
        .bind(conflict_id)
        .bind(&rec.slug)
        .bind(&rec.name)
        .bind(rec.date.to_string())
        .bind(rec.date.earliest().0)
        .bind(rec.date.latest().0)
        .bind(&rec.summary)
        .execute(&mut *self.tx)
        .await?;
        self.summary.eras_written += result.rows_affected();
        Ok(None)
    }

    /// Queues an event to be inserted, updated or confirmed; writes the batch when it is
    /// full. `origin` (file index, line) is kept to report problems found later. Returns
    /// the events refused so far, in file order: this one if its conflict is unknown, and
    /// any of the batch whose slug an earlier event of the import already has.
    pub async fn event(
        &mut self,
        record: Box<EventRecord>,
        hash: String,
        origin: (usize, Option<usize>),
    ) -> Result<Vec<Refused>, sqlx::Error> {
        let Some(conflict_id) = self.conflict_id(&record.conflict).await? else {
            // Events queued before this one are reported first.
            let mut refused = self.flush().await?;
            refused.push(Refused {
                origin,
                problem: Self::unknown_conflict(&record.conflict),
            });
            return Ok(refused);
        };
        let mut refused = Vec::new();
        if self.batch_slugs.contains(&record.slug) {
            // The earlier event with this slug is written first; the lookup of this one's
            // batch then finds it.
            refused = self.flush().await?;
        }
        self.batch_slugs.insert(record.slug.clone());
        self.batch.push(Queued {
            conflict_id,
            record,
            hash,
            origin,
        });
        if self.batch.len() >= BATCH {
            refused.extend(self.flush().await?);
        }
        Ok(refused)
    }

    /// Writes the queued events. Returns those refused because an earlier event of the
    /// import has their slug.
    pub async fn flush(&mut self) -> Result<Vec<Refused>, sqlx::Error> {
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
        self.batch_slugs.clear();
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        // Indexes into `batch`, with the id each gets and its content hash.
        let mut new: Vec<(usize, i64, String)> = Vec::new();
        // In the optimistic mode the events are inserted without looking their slugs up
        // first; `start` is how many of them went in before the first slug already taken.
        let start = if self.optimistic {
            self.insert_optimistic(&batch, &mut new).await?
        } else {
            0
        };
        if start == batch.len() {
            self.write_batch(batch, new, Vec::new(), Vec::new()).await?;
            return Ok(Vec::new());
        }
        let stored = self.lookup(&batch[start..]).await?;

        let mut refused = Vec::new();
        let mut rewritten: Vec<(usize, i64)> = Vec::new();
        let mut confirmed: Vec<i64> = Vec::new();
        let inserted_before = new.len();
        for (i, queued) in batch.iter().enumerate().skip(start) {
            let hash = &queued.hash;
            match stored.get(&queued.record.slug) {
                Some(found) if found.id > self.base_id || self.is_touched(found.id) => refused
                    .push(Refused {
                        origin: queued.origin,
                        problem: FieldProblem::new(
                            "slug",
                            queued.record.slug.as_str(),
                            "appears more than once in this import",
                        ),
                    }),
                Some(found) if found.hash == *hash => {
                    self.summary.unchanged += 1;
                    confirmed.push(found.id);
                    self.touched_conflicts.insert(queued.conflict_id);
                }
                Some(found) => {
                    self.summary.updated += 1;
                    confirmed.push(found.id);
                    rewritten.push((i, found.id));
                    self.touched_conflicts.insert(queued.conflict_id);
                }
                None => {
                    let id = self.next_id;
                    self.next_id += 1;
                    self.summary.inserted += 1;
                    new.push((i, id, hash.clone()));
                    self.touched_conflicts.insert(queued.conflict_id);
                }
            }
        }

        if !rewritten.is_empty() {
            // Out of the search index with their old text, all at once, before any of them
            // changes (see [`Writer::unindex`]).
            let ids: Vec<i64> = rewritten.iter().map(|(_, id)| *id).collect();
            self.unindex(&ids).await?;
            let events: Vec<direct::EventRow<'_>> = rewritten
                .iter()
                .map(|(i, id)| direct::EventRow {
                    id: *id,
                    conflict_id: batch[*i].conflict_id,
                    record: &batch[*i].record,
                    hash: &batch[*i].hash,
                })
                .collect();
            let now = self.now.as_str();
            direct::with_connection(&mut self.tx, |conn| {
                direct::rewrite_events(conn, now, &events)
            })
            .await?;
        }
        self.maybe_begin_bulk().await?;
        self.insert_events(&batch, &new[inserted_before..], false)
            .await?;
        self.write_batch(batch, new, rewritten, confirmed).await?;
        Ok(refused)
    }

    /// Starts a bulk load (see [`Writer::begin_bulk`]) once the import has inserted enough.
    async fn maybe_begin_bulk(&mut self) -> Result<(), sqlx::Error> {
        if self.dropped_indexes.is_none()
            && self.summary.inserted >= BULK_AFTER.max(self.events_before)
        {
            self.begin_bulk().await?;
        }
        Ok(())
    }

    /// The optimistic mode of [`Writer::flush`]: inserts the events of `batch` as new ones,
    /// with no lookup of their slugs, until an insert fails because a slug is taken (by an
    /// event already in the database, or by one earlier in the import). The `UNIQUE`
    /// constraint on the slug does the lookup's work while it finds nothing, which is every
    /// time for a load into an empty table. The failed one-row insert changes nothing; the
    /// events from it on are then handled by looking them up, and the rest of the import
    /// does so too. Pushes the inserted events onto `new` and returns
    /// how many of `batch` they are.
    async fn insert_optimistic(
        &mut self,
        batch: &[Queued],
        new: &mut Vec<(usize, i64, String)>,
    ) -> Result<usize, sqlx::Error> {
        self.maybe_begin_bulk().await?;
        let candidates: Vec<(usize, i64, String)> = (0..batch.len())
            .map(|i| (i, self.next_id + i as i64, batch[i].hash.clone()))
            .collect();
        let done = self.insert_events(batch, &candidates, true).await?;
        if done < batch.len() {
            self.optimistic = false;
        }
        self.next_id += done as i64;
        self.summary.inserted += done as u64;
        for (i, _, _) in &candidates[..done] {
            self.touched_conflicts.insert(batch[*i].conflict_id);
        }
        new.extend(candidates.into_iter().take(done));
        Ok(done)
    }

    /// The second half of [`Writer::flush`]: the actors, sources, search index entries and
    /// links of the events of `batch` just inserted (`new`) or updated (`rewritten`), and
    /// the ids of the events it confirmed.
    async fn write_batch(
        &mut self,
        batch: Vec<Queued>,
        new: Vec<(usize, i64, String)>,
        rewritten: Vec<(usize, i64)>,
        confirmed: Vec<i64>,
    ) -> Result<(), sqlx::Error> {
        let written: Vec<(usize, i64)> = new
            .iter()
            .map(|(i, id, _)| (*i, *id))
            .chain(rewritten.iter().copied())
            .collect();
        self.write_children(&batch, &written).await?;
        if !rewritten.is_empty() {
            let ids: Vec<i64> = rewritten.iter().map(|(_, id)| *id).collect();
            self.index(&ids).await?;
        }
        for id in confirmed {
            self.touch(id);
        }
        for (i, id) in written {
            let queued = &batch[i];
            self.pending_links
                .extend(queued.record.links.iter().map(|link| PendingLink {
                    from_id: id,
                    rel: link.rel,
                    target: link.target.clone(),
                    origin: queued.origin,
                }));
        }
        Ok(())
    }

    /// Marks an event stored before the import as confirmed or rewritten by it.
    fn touch(&mut self, id: i64) {
        let Ok(id) = usize::try_from(id) else { return };
        let word = id / 64;
        if word >= self.touched.len() {
            self.touched.resize(word + 1, 0);
        }
        self.touched[word] |= 1 << (id % 64);
    }

    /// Whether [`Writer::touch`] marked this event.
    fn is_touched(&self, id: i64) -> bool {
        usize::try_from(id)
            .ok()
            .and_then(|id| self.touched.get(id / 64).map(|w| w & (1 << (id % 64)) != 0))
            .unwrap_or(false)
    }

    /// What the database holds for the slugs of a batch.
    async fn lookup(&mut self, batch: &[Queued]) -> Result<HashMap<String, Stored>, sqlx::Error> {
        let mut stored = HashMap::new();
        for chunk in batch.chunks(SLUGS_PER_LOOKUP) {
            let sql = self.in_list_sql(LOOKUP_BY_SLUG, chunk.len());
            let mut query = sqlx::query_as::<_, (String, i64, String)>(sql);
            for queued in chunk {
                query = query.bind(queued.record.slug.as_str());
            }
            for (slug, id, hash) in query.fetch_all(&mut *self.tx).await? {
                stored.insert(slug, Stored { id, hash });
            }
        }
        Ok(stored)
    }

    /// Inserts the new events of a batch (`(index in batch, id, content hash)`), in order.
    /// With `stop_at_taken`, the first whose slug is taken ends the inserts (see
    /// [`direct::insert_events`]). Returns how many were inserted.
    async fn insert_events(
        &mut self,
        batch: &[Queued],
        new: &[(usize, i64, String)],
        stop_at_taken: bool,
    ) -> Result<usize, sqlx::Error> {
        if new.is_empty() {
            return Ok(0);
        }
        let events: Vec<direct::EventRow<'_>> = new
            .iter()
            .map(|(i, id, hash)| direct::EventRow {
                id: *id,
                conflict_id: batch[*i].conflict_id,
                record: &batch[*i].record,
                hash,
            })
            .collect();
        let now = self.now.as_str();
        direct::with_connection(&mut self.tx, |conn| {
            direct::insert_events(conn, now, &events, stop_at_taken)
        })
        .await
    }

    /// Writes the actors and sources of the events `written` (`(index in batch, id)`).
    async fn write_children(
        &mut self,
        batch: &[Queued],
        written: &[(usize, i64)],
    ) -> Result<(), sqlx::Error> {
        let mut actors: Vec<direct::ActorRow> = Vec::new();
        let mut sources: Vec<direct::SourceRow<'_>> = Vec::new();
        let mut actors_done = Vec::new();
        for (i, event_id) in written {
            let rec = &batch[*i].record;
            actors_done.clear();
            for name in &rec.actors {
                let actor_id = self.actor_id(name).await?;
                // The same actor named twice (or spelled two ways with one slug) is one link.
                if !actors_done.contains(&actor_id) {
                    actors.push(direct::ActorRow {
                        event_id: *event_id,
                        actor_id,
                        position: actors_done.len() as i64,
                    });
                    actors_done.push(actor_id);
                }
            }
            sources.extend(rec.sources.iter().enumerate().map(|(position, source)| {
                direct::SourceRow {
                    event_id: *event_id,
                    position: position as i64,
                    source,
                }
            }));
        }
        if actors.is_empty() && sources.is_empty() {
            return Ok(());
        }
        direct::with_connection(&mut self.tx, |conn| {
            direct::insert_children(conn, &actors, &sources)
        })
        .await
    }

    async fn actor_id(&mut self, name: &str) -> Result<i64, sqlx::Error> {
        if let Some(id) = self.actor_names.get(name) {
            return Ok(*id);
        }
        let id = self.actor_id_by_slug(name).await?;
        self.actor_names.insert(name.to_string(), id);
        Ok(id)
    }

    async fn actor_id_by_slug(&mut self, name: &str) -> Result<i64, sqlx::Error> {
        // Long names (UCDP sides of ~250 characters) keep their whole name, not their slug.
        let slug = crate::slug::slugify_within(name, 200);
        if let Some(id) = self.actor_ids.get(&slug) {
            return Ok(*id);
        }
        let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM actor WHERE slug = ?1")
            .bind(&slug)
            .fetch_optional(&mut *self.tx)
            .await?;
        let id = match existing {
            Some(id) => id,
            None => {
                sqlx::query_scalar("INSERT INTO actor (slug, name) VALUES (?1, ?2) RETURNING id")
                    .bind(&slug)
                    .bind(name.trim())
                    .fetch_one(&mut *self.tx)
                    .await?
            }
        };
        self.actor_ids.insert(slug, id);
        Ok(id)
    }

    /// Adds the current text of events to the full-text index.
    ///
    /// Events go in (and out, in [`Writer::unindex`]) a batch per statement, not one per
    /// statement: every statement that writes the index opens a savepoint, and FTS5 writes
    /// what it holds in memory to disk at each savepoint, so a statement per event left a
    /// tiny segment per event to merge (updating 100,000 events of a million took 75 s).
    async fn index(&mut self, ids: &[i64]) -> Result<(), sqlx::Error> {
        self.for_ids(
            "INSERT INTO event_fts (rowid, title, summary, body, actors, place)
             SELECT id, title, summary, body, actors, place FROM event_search_doc WHERE id IN",
            ids,
        )
        .await
    }

    /// Removes the current text of events from the full-text index. With external content
    /// the index must be told the exact old values, so this runs before the rows change.
    async fn unindex(&mut self, ids: &[i64]) -> Result<(), sqlx::Error> {
        self.for_ids(
            "INSERT INTO event_fts (event_fts, rowid, title, summary, body, actors, place)
             SELECT 'delete', id, title, summary, body, actors, place
             FROM event_search_doc WHERE id IN",
            ids,
        )
        .await
    }

    /// Runs `statement`, which ends in `id IN`, for the events `ids`, a batch at a time.
    async fn for_ids(&mut self, statement: &'static str, ids: &[i64]) -> Result<(), sqlx::Error> {
        for chunk in ids.chunks(BATCH) {
            let sql = self.in_list_sql(statement, chunk.len());
            let mut query = sqlx::query(sql);
            for id in chunk {
                query = query.bind(*id);
            }
            query.execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    /// Resolves the links collected so far. Returns the links whose target exists nowhere.
    pub async fn resolve_links(&mut self) -> Result<Vec<Refused>, sqlx::Error> {
        let mut unresolved = Vec::new();
        let pending = std::mem::take(&mut self.pending_links);
        for (i, link) in pending.iter().enumerate() {
            let target: Option<i64> = sqlx::query_scalar("SELECT id FROM event WHERE slug = ?1")
                .bind(&link.target)
                .fetch_optional(&mut *self.tx)
                .await?;
            match target {
                Some(to_id) if to_id != link.from_id => {
                    sqlx::query(
                        "INSERT OR IGNORE INTO event_link (from_event_id, to_event_id, rel) VALUES (?1, ?2, ?3)",
                    )
                    .bind(link.from_id)
                    .bind(to_id)
                    .bind(link.rel.as_str())
                    .execute(&mut *self.tx)
                    .await?;
                }
                Some(_) => unresolved.push(Refused {
                    origin: link.origin,
                    problem: FieldProblem::new(
                        format!("links[{i}].event"),
                        link.target.as_str(),
                        "an event cannot link to itself",
                    ),
                }),
                None => unresolved.push(Refused {
                    origin: link.origin,
                    problem: FieldProblem::new(
                        "links.event",
                        link.target.as_str(),
                        "names no event in this import or in the database",
                    ),
                }),
            }
        }
        Ok(unresolved)
    }

    /// For `--replace`: deletes every event of the conflicts this import wrote to that the
    /// import did not mention. Call after the last [`Writer::flush`].
    pub async fn delete_unmentioned(&mut self) -> Result<(), sqlx::Error> {
        let conflicts: Vec<i64> = self.touched_conflicts.iter().copied().collect();
        for conflict_id in conflicts {
            let ids: Vec<i64> =
                sqlx::query_scalar("SELECT id FROM event WHERE conflict_id = ?1 AND id <= ?2")
                    .bind(conflict_id)
                    .bind(self.base_id)
                    .fetch_all(&mut *self.tx)
                    .await?;
            let unmentioned: Vec<i64> =
                ids.into_iter().filter(|id| !self.is_touched(*id)).collect();
            for chunk in unmentioned.chunks(BATCH) {
                self.unindex(chunk).await?;
                self.for_ids("DELETE FROM event WHERE id IN", chunk).await?;
                self.summary.deleted += chunk.len() as u64;
            }
        }
        Ok(())
    }

    /// What has been done so far.
    pub fn summary(&self) -> ImportSummary {
        self.summary
    }

    /// Makes the import visible: bumps the dataset version when anything changed (so HTTP
    /// caches revalidate), refreshes the planner's statistics, and commits.
    pub async fn commit(mut self) -> Result<ImportSummary, sqlx::Error> {
        let phase = Instant::now();
        if self.summary.changed_anything() {
            crate::db::aggregates::refresh(&mut self.tx).await?;
            tracing::debug!(elapsed = ?phase.elapsed(), "import: aggregates");
            sqlx::query(
                "UPDATE dataset_version SET version = version + 1,
                     imported_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = 1",
            )
            .execute(&mut *self.tx)
            .await?;
        }
        let phase = Instant::now();
        self.tx.commit().await?;
        tracing::debug!(elapsed = ?phase.elapsed(), total = ?self.started.elapsed(), "import: committed");
        Ok(self.summary)
    }

    /// Abandons everything written (for `--check`, or after problems).
    pub async fn rollback(self) -> Result<ImportSummary, sqlx::Error> {
        let summary = self.summary;
        self.tx.rollback().await?;
        Ok(summary)
    }
}

/// A stable digest of everything the import writes for an event.
pub fn content_hash(rec: &EventRecord) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    // Serialising a plain struct of strings and numbers cannot fail; fall back to the
    // debug form rather than panic if that ever changes.
    let bytes = serde_json::to_vec(rec).unwrap_or_else(|_| format!("{rec:?}").into_bytes());
    let digest = Sha256::digest(&bytes);
    let mut hex = String::with_capacity(32);
    for b in &digest[..16] {
        hex.push(char::from(HEX[usize::from(b >> 4)]));
        hex.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::super::{
        ImportError, ImportOptions, Input, InputSource, MappingOptions, import_with,
    };
    use super::*;

    /// A plain CSV file of events `ids`, each titled `title(id)`.
    fn csv(ids: impl IntoIterator<Item = usize>, title: impl Fn(usize) -> String) -> Input {
        let mut text = String::from("slug,title,start_date,actors,location,source_url\n");
        for id in ids {
            text.push_str(&format!(
                "event-{id},{},2020-01-{:02},Side {};Other,Town {},https://example.org/{id}\n",
                title(id),
                id % 28 + 1,
                id % 5,
                id % 7,
            ));
        }
        Input {
            name: "events.csv".to_string(),
            source: InputSource::Text(text),
            format: None,
        }
    }

    fn plain(id: usize) -> String {
        format!("Event {id}")
    }

    async fn import(pool: &SqlitePool, input: Input) -> Result<ImportSummary, ImportError> {
        let mapping = MappingOptions {
            conflict: Some("test".to_string()),
            ..MappingOptions::default()
        };
        import_with(pool, &[input], ImportOptions::default(), &mapping).await
    }

    async fn empty_database(dir: &tempfile::TempDir) -> SqlitePool {
        let path = dir.path().join("t.db");
        let pool = crate::db::open_read_write(&path).await.expect("open");
        crate::db::migrate(&pool, &path).await.expect("migrate");
        pool
    }

    async fn count(pool: &SqlitePool, sql: &str) -> i64 {
        sqlx::query_scalar(AssertSqlSafe(sql.to_string()))
            .fetch_one(pool)
            .await
            .expect("count")
    }

    /// A slug used twice, batches apart, in a load into an empty table (no slug lookups):
    /// the later line is named and nothing is written.
    #[tokio::test]
    async fn a_duplicate_far_apart_in_a_fresh_load_names_its_line() {
        let dir = tempfile::tempdir().expect("temp dir");
        let pool = empty_database(&dir).await;
        let ids = (1..=1300).map(|i| if i == 1200 { 3 } else { i });
        let err = import(&pool, csv(ids, plain))
            .await
            .expect_err("duplicate slug");
        let ImportError::Invalid { problems, .. } = err else {
            panic!("expected problems, got {err}")
        };
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].field, "slug");
        assert_eq!(problems[0].value, "event-3");
        // The header is line 1.
        assert_eq!(problems[0].line, Some(1201));
        assert!(problems[0].message.contains("more than once"));
        assert_eq!(count(&pool, "SELECT count(*) FROM event").await, 0);
        assert_eq!(
            count(&pool, "SELECT count(*) FROM event_fts_docsize").await,
            0
        );
    }

    /// New events before and after known ones, one of them changed: the optimistic inserts
    /// give way to lookups at the first known slug, and the counts are exact.
    #[tokio::test]
    async fn new_changed_and_unchanged_events_mixed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let pool = empty_database(&dir).await;
        let first = import(&pool, csv(1000..2000, plain)).await.expect("load");
        assert_eq!(first.inserted, 1000);
        let created: String =
            sqlx::query_scalar("SELECT created_at FROM event WHERE slug = 'event-1000'")
                .fetch_one(&pool)
                .await
                .expect("created_at");
        assert_eq!(created.len(), "2026-01-01T00:00:00Z".len(), "{created}");

        // 600 new ones first (the optimistic path), then the known ones with a change, then
        // new ones again.
        let ids = (1..=600).chain(1000..2000).chain(3000..3100);
        let changed = |id: usize| {
            if id == 1500 {
                "Changed title".to_string()
            } else {
                plain(id)
            }
        };
        let second = import(&pool, csv(ids.clone(), changed))
            .await
            .expect("mixed");
        assert_eq!(
            (second.inserted, second.updated, second.unchanged),
            (700, 1, 999)
        );
        assert_eq!(count(&pool, "SELECT count(*) FROM event").await, 1700);
        assert_eq!(
            count(&pool, "SELECT count(*) FROM event_fts_docsize").await,
            1700
        );
        let hits = count(
            &pool,
            "SELECT count(*) FROM event_fts WHERE event_fts MATCH 'changed'",
        )
        .await;
        assert_eq!(hits, 1);
        // The index holds exactly the events' current text (the changed event's old text
        // went out in a batch before its row changed).
        sqlx::query("INSERT INTO event_fts (event_fts) VALUES ('integrity-check')")
            .execute(&pool)
            .await
            .expect("the search index matches the events");
        let stale = count(
            &pool,
            "SELECT count(*) FROM event_fts WHERE event_fts MATCH '\"event 1500\"'",
        )
        .await;
        assert_eq!(stale, 0, "the old title is no longer found");

        let again = import(&pool, csv(ids, changed)).await.expect("re-import");
        assert_eq!(
            (again.inserted, again.updated, again.unchanged),
            (0, 0, 1700)
        );

        // A known slug twice in one file is still a problem.
        let twice = (1000..1010).chain(1005..1006);
        let err = import(&pool, csv(twice, plain)).await.expect_err("twice");
        let ImportError::Invalid { problems, .. } = err else {
            panic!("expected problems, got {err}")
        };
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].line, Some(12));
        assert!(problems[0].message.contains("more than once"));
    }
}
