//! The import as a recorded revision, and what it changed of each event (see the
//! migration `0014_history.sql` for the tables).
//!
//! Set-based, so that a re-import of a million events with a hundred thousand corrections
//! stays fast: before an event is rewritten (or loses a link to a removed event) its whole
//! version (the `event_version` view, one JSON object) is copied into a temporary table by
//! one statement per batch; at the end one statement compares every remembered version with
//! the event's version now, field by field in SQL (`json_each`), and keeps only the previous
//! values of the fields that differ. New events are recorded by one statement too.

use serde::Serialize;

use super::{BATCH, Writer};

/// One input file of an import, as its revision records it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct InputFile {
    /// The name it was given as (the path as typed).
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its SHA-256, in lowercase hexadecimal.
    pub sha256: String,
}

/// What a revision records of the import besides its counts.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RevisionMeta {
    /// The format of each file, in file order.
    pub formats: Vec<String>,
    /// The options that change what the import does, as a JSON object.
    pub options: serde_json::Map<String, serde_json::Value>,
    /// The files, in the order given.
    pub files: Vec<InputFile>,
}

/// Why `--replace` removes an event, as its 410 page says it.
pub const REMOVED_BY_REPLACE: &str = "not in the files of an import made with --replace";

impl Writer {
    /// Opens the import's revision (its times and counts are set at the commit) and the
    /// temporary table of versions before. Called by [`Writer::begin`].
    pub(super) async fn begin_history(tx: &mut sqlx::SqliteConnection) -> Result<i64, sqlx::Error> {
        sqlx::query("DROP TABLE IF EXISTS temp.event_before")
            .execute(&mut *tx)
            .await?;
        // `mentioned`: 1 for an event the import rewrote, 0 for one that only lost a link
        // to an event the import removed; `version` before the import, `after` at its end.
        sqlx::query(
            "CREATE TEMP TABLE event_before (
                 id INTEGER PRIMARY KEY, mentioned INTEGER NOT NULL, version TEXT NOT NULL,
                 after TEXT)",
        )
        .execute(&mut *tx)
        .await?;
        let started: String = sqlx::query_scalar("SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now')")
            .fetch_one(&mut *tx)
            .await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO import_revision (started_at, finished_at, format, first_change_id)
             VALUES (?1, ?1, '', (SELECT coalesce(max(id), 0) + 1 FROM event_change))
             RETURNING id",
        )
        .bind(&started)
        .fetch_one(&mut *tx)
        .await?;
        Ok(id)
    }

    /// Sets what the revision records of the files and options.
    pub fn describe(&mut self, meta: RevisionMeta) {
        self.revision = meta;
    }

    /// Keeps the current versions of events about to change (the first version kept of an
    /// event wins: it is the one from before the import).
    pub(super) async fn remember(
        &mut self,
        ids: &[i64],
        mentioned: bool,
    ) -> Result<(), sqlx::Error> {
        let sql = if mentioned {
            "INSERT OR IGNORE INTO temp.event_before (id, mentioned, version)
             SELECT id, 1, version FROM event_version WHERE id IN"
        } else {
            "INSERT OR IGNORE INTO temp.event_before (id, mentioned, version)
             SELECT id, 0, version FROM event_version WHERE id IN"
        };
        self.for_ids(sql, ids).await
    }

    /// Writes the tombstones of events about to be removed (their last version, when and
    /// why) and their `removed` changes, and remembers the events that stay but lose a link
    /// to them. Call for every event the import removes before deleting any, so that each
    /// tombstone keeps the links to the others.
    pub(super) async fn bury(&mut self, ids: &[i64], reason: &str) -> Result<(), sqlx::Error> {
        for chunk in ids.chunks(BATCH) {
            let list = vec!["?"; chunk.len()].join(",");
            let tombstones = format!(
                "INSERT INTO event_removed
                     (event_id, slug, conflict_id, last_version, revision_id, removed_at, reason)
                 SELECT e.id, e.slug, e.conflict_id, v.version, ?,
                        strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?
                 FROM event e JOIN event_version v ON v.id = e.id
                 WHERE e.id IN ({list})"
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(tombstones))
                .bind(self.revision_id)
                .bind(reason);
            for id in chunk {
                query = query.bind(*id);
            }
            query.execute(&mut *self.tx).await?;

            let changes = format!(
                "INSERT INTO event_change (revision_id, event_id, conflict_id, kind)
                 SELECT ?, id, conflict_id, 'removed' FROM event WHERE id IN ({list}) ORDER BY id"
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(changes)).bind(self.revision_id);
            for id in chunk {
                query = query.bind(*id);
            }
            query.execute(&mut *self.tx).await?;

            let linking = format!(
                "SELECT DISTINCT from_event_id FROM event_link WHERE to_event_id IN ({list})"
            );
            let mut query = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(linking));
            for id in chunk {
                query = query.bind(*id);
            }
            let linking = query.fetch_all(&mut *self.tx).await?;
            self.remember(&linking, false).await?;
        }
        Ok(())
    }

    /// Records what the import changed: `added` for its new events, `changed` or
    /// `renamed` (with the previous values of the fields that differ) for the events it
    /// rewrote or that lost a link, the former slugs of renamed events, and the revision's
    /// counts and times. Call after links are resolved and removals done, before the
    /// commit. Events rewritten with nothing a reader could see changed (an actor spelt
    /// with another case) count as unchanged.
    pub(super) async fn record_changes(&mut self) -> Result<(), sqlx::Error> {
        let phase = std::time::Instant::now();
        // Each remembered event's version now, computed once (the view builds it from four
        // tables); the removed events that were remembered (they linked to one another) have
        // none and go.
        sqlx::query(
            "UPDATE temp.event_before
             SET after = (SELECT v.version FROM event_version v WHERE v.id = event_before.id)",
        )
        .execute(&mut *self.tx)
        .await?;
        tracing::debug!(elapsed = ?phase.elapsed(), "import: versions after");
        let phase = std::time::Instant::now();
        sqlx::query("DELETE FROM temp.event_before WHERE after IS NULL")
            .execute(&mut *self.tx)
            .await?;
        sqlx::query(
            "INSERT INTO event_change (revision_id, event_id, conflict_id, kind)
             SELECT ?1, id, conflict_id, 'added' FROM event WHERE id > ?2 ORDER BY id",
        )
        .bind(self.revision_id)
        .bind(self.base_id)
        .execute(&mut *self.tx)
        .await?;
        // For each remembered event, the previous value of every field whose value (or
        // JSON type) differs now. `json_each` gives arrays and objects as JSON text and
        // booleans as 0/1 (as `json_extract` gives the same field of the version after):
        // both are turned back into JSON for the object kept. The comparison runs once per
        // event (MATERIALIZED), over the two stored versions, and only where they differ.
        sqlx::query(
            "WITH diff AS MATERIALIZED (
                 SELECT b.id, e.conflict_id,
                        (SELECT json_group_object(o.key, CASE o.type
                                    WHEN 'object' THEN json(o.value)
                                    WHEN 'array' THEN json(o.value)
                                    WHEN 'true' THEN json('true')
                                    WHEN 'false' THEN json('false')
                                    ELSE o.value END)
                         FROM json_each(b.version) o
                         WHERE o.type IS NOT json_type(b.after, o.fullkey)
                            OR o.value IS NOT json_extract(b.after, o.fullkey)) AS previous
                 FROM temp.event_before b JOIN event e ON e.id = b.id
                 WHERE b.version <> b.after
             )
             INSERT INTO event_change (revision_id, event_id, conflict_id, kind, previous)
             SELECT ?1, id, conflict_id,
                    CASE WHEN json_type(previous, '$.slug') IS NOT NULL
                         THEN 'renamed' ELSE 'changed' END,
                    previous
             FROM diff WHERE previous <> '{}' ORDER BY id",
        )
        .bind(self.revision_id)
        .execute(&mut *self.tx)
        .await?;
        tracing::debug!(elapsed = ?phase.elapsed(), "import: added, and changes compared");
        // Events that only lost a link were not rewritten: their change is their update.
        sqlx::query(
            "UPDATE event SET updated_at = ?2 WHERE id IN (
                 SELECT c.event_id FROM event_change c JOIN temp.event_before b ON b.id = c.event_id
                 WHERE c.revision_id = ?1 AND b.mentioned = 0)",
        )
        .bind(self.revision_id)
        .bind(&self.now)
        .execute(&mut *self.tx)
        .await?;
        sqlx::query(
            "INSERT OR REPLACE INTO event_slug_alias (slug, event_id)
             SELECT json_extract(previous, '$.slug'), event_id FROM event_change
             WHERE revision_id = ?1 AND kind = 'renamed'",
        )
        .bind(self.revision_id)
        .execute(&mut *self.tx)
        .await?;
        // How many events the import rewrote changed visibly, and how many others lost a
        // link.
        let (changed_mentioned, changed_linking): (i64, i64) = sqlx::query_as(
            "SELECT coalesce(sum(b.mentioned), 0), coalesce(sum(1 - b.mentioned), 0)
             FROM event_change c JOIN temp.event_before b ON b.id = c.event_id
             WHERE c.revision_id = ?1 AND c.kind IN ('changed', 'renamed')",
        )
        .bind(self.revision_id)
        .fetch_one(&mut *self.tx)
        .await?;
        let changed_mentioned = u64::try_from(changed_mentioned).unwrap_or(0);
        let invisible = self.summary.updated.saturating_sub(changed_mentioned);
        self.summary.updated -= invisible;
        self.summary.unchanged += invisible;
        let changed = changed_mentioned + u64::try_from(changed_linking).unwrap_or(0);

        let options = serde_json::Value::Object(self.revision.options.clone()).to_string();
        let files = serde_json::to_string(&self.revision.files).unwrap_or_else(|_| "[]".into());
        sqlx::query(
            "UPDATE import_revision SET finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
                 format = ?2, options = ?3, files = ?4,
                 added = ?5, changed = ?6, unchanged = ?7, removed = ?8
             WHERE id = ?1",
        )
        .bind(self.revision_id)
        .bind(self.revision.formats.join(","))
        .bind(options)
        .bind(files)
        .bind(i64::try_from(self.summary.inserted).unwrap_or(i64::MAX))
        .bind(i64::try_from(changed).unwrap_or(i64::MAX))
        .bind(i64::try_from(self.summary.unchanged).unwrap_or(i64::MAX))
        .bind(i64::try_from(self.summary.deleted).unwrap_or(i64::MAX))
        .execute(&mut *self.tx)
        .await?;
        sqlx::query("DROP TABLE temp.event_before")
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }
}
