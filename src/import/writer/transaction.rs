//! The import's one transaction: begun with the write lock, committed with a new data
//! version, or rolled back.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use sqlx::SqlitePool;

use super::{BATCH, ImportSummary, Writer};

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
        // Ids are never reused: a removed event's id lives on in its tombstone and history.
        let (base_id, events_before, now): (i64, i64, String) = sqlx::query_as(
            "SELECT max(coalesce(max(id), 0),
                        coalesce((SELECT max(event_id) FROM event_removed), 0)),
                    count(*), strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
             FROM event",
        )
        .fetch_one(&mut *tx)
        .await?;
        let (revision_id, first_change_id) = Writer::begin_history(&mut tx).await?;
        Ok(Writer {
            tx,
            conflict_ids: HashMap::new(),
            actor_ids: HashMap::new(),
            actor_names: HashMap::new(),
            place_refs: HashMap::new(),
            base_id,
            next_id: base_id + 1,
            batch: Vec::with_capacity(BATCH),
            batch_slugs: HashSet::with_capacity(BATCH),
            touched_conflicts: HashSet::new(),
            pending_links: Vec::new(),
            listed_deletions: Vec::new(),
            sql: HashMap::new(),
            events_before: u64::try_from(events_before).unwrap_or(0),
            dropped_indexes: None,
            touched: Vec::new(),
            optimistic: true,
            now,
            started: Instant::now(),
            revision_id,
            first_change_id,
            revision: super::RevisionMeta::default(),
            remembering: std::time::Duration::ZERO,
            summary: ImportSummary::default(),
        })
    }

    /// What has been done so far.
    pub fn summary(&self) -> ImportSummary {
        self.summary.clone()
    }

    /// Makes the import visible: bumps the dataset version when anything changed (so HTTP
    /// caches revalidate), refreshes the planner's statistics, and commits.
    pub async fn commit(mut self) -> Result<ImportSummary, sqlx::Error> {
        let phase = Instant::now();
        // Whether any row changed, before events rewritten with nothing visible changed
        // are counted as unchanged.
        let changed_anything = self.summary.changed_anything();
        tracing::debug!(elapsed = ?self.remembering, "import: versions before rewrites");
        self.record_changes().await?;
        tracing::debug!(elapsed = ?phase.elapsed(), "import: changes recorded");
        let phase = Instant::now();
        if changed_anything {
            crate::db::aggregates::refresh(&mut self.tx).await?;
            tracing::debug!(elapsed = ?phase.elapsed(), "import: aggregates");
            sqlx::query(
                "UPDATE dataset_version SET version = version + 1,
                     imported_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = 1",
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
