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
//!
//! By concern: [`transaction`] (begin, commit, rollback), [`conflicts`] (conflicts and
//! eras), [`places`] (places and the rule that joins an event's places to them),
//! [`batches`] (events, actors, places, sources), [`bulk`] (a large import as a bulk load),
//! [`search_index`], [`links`], [`replace`] (`--replace`) and [`history`] (the import's
//! revision and the changes it made to each event).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

use sha2::{Digest, Sha256};
use sqlx::{AssertSqlSafe, Sqlite, Transaction};

use crate::record::{EventRecord, FieldProblem, LinkRel};

pub use history::{InputFile, RevisionMeta};

mod batches;
mod bulk;
mod conflicts;
mod history;
mod links;
mod places;
mod replace;
mod search_index;
mod transaction;

/// Events written per batch.
pub const BATCH: usize = 512;
/// Slugs per lookup query.
const SLUGS_PER_LOOKUP: usize = 256;

/// What an import did, or (for a check) would do.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub conflicts_written: u64,
    pub eras_written: u64,
    /// Places declared, renamed or made for the events that name them.
    pub places_written: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub deleted: u64,
    /// What the import changed or left out of what it was given, by kind.
    pub report: crate::import::ImportReport,
}

impl ImportSummary {
    /// Did the import change the database at all.
    pub fn changed_anything(&self) -> bool {
        self.conflicts_written
            + self.eras_written
            + self.places_written
            + self.inserted
            + self.updated
            + self.deleted
            > 0
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
    /// Place ids by the references (name, coordinates) seen in this import.
    place_refs: HashMap<(String, Option<(u64, u64)>), i64>,
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
    /// Events a source's list of deletions names, removed at the end (see
    /// [`Writer::delete_listed`]).
    listed_deletions: Vec<(crate::import::Deletion, (usize, Option<usize>))>,
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
    /// The `import_revision` row this import writes (see [`history`]).
    revision_id: i64,
    /// The id of the revision's first change: the import's changes are the ids from it on
    /// (imports hold the write lock one at a time).
    first_change_id: i64,
    /// What the revision records of the import's files and options.
    revision: RevisionMeta,
    /// Time spent keeping versions before rewrites (logged at `debug` level).
    remembering: std::time::Duration,
    summary: ImportSummary,
}

impl Writer {
    /// `statement` (which ends in `IN`) with a list of `len` parameters, made once per
    /// statement and length.
    fn in_list_sql(&mut self, statement: &'static str, len: usize) -> AssertSqlSafe<Arc<str>> {
        let sql = self
            .sql
            .entry((statement, len))
            .or_insert_with(|| format!("{statement} ({})", vec!["?"; len].join(",")).into());
        AssertSqlSafe(Arc::clone(sql))
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
    use sqlx::SqlitePool;

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
