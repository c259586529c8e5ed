//! A large import as a bulk load: secondary indexes dropped while events go in, and the
//! search index and the indexes built once at the end ([`Writer::finish`]).

use std::time::Instant;

use sqlx::AssertSqlSafe;

use super::{Refused, Writer};

/// The FTS5 `hashsize` of a bulk load: bytes of index data held in memory before a
/// segment is written. At a million events 64 MiB builds the index in 4.7 s instead of
/// 5.7 s (32 MiB), for some 20 MB more at the peak.
const BULK_FTS_HASHSIZE: i64 = 64 * 1024 * 1024;
/// The page cache of a bulk load once its events are written (see [`Writer::finish`]).
const BULK_FINISH_CACHE: &str = "PRAGMA cache_size = -2048";
/// New events after which an import that has already inserted at least as many events as
/// the table held before it counts as a bulk load (see [`Writer::begin_bulk`]).
const BULK_AFTER: u64 = 20_000;

impl Writer {
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
    pub(super) async fn begin_bulk(&mut self) -> Result<(), sqlx::Error> {
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

    /// Starts a bulk load (see [`Writer::begin_bulk`]) once the import has inserted enough.
    pub(super) async fn maybe_begin_bulk(&mut self) -> Result<(), sqlx::Error> {
        if self.dropped_indexes.is_none()
            && self.summary.inserted >= BULK_AFTER.max(self.events_before)
        {
            self.begin_bulk().await?;
        }
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
}
