//! The import as a recorded revision, and what it changed of each event (see the
//! migrations `0014_history.sql` and `0018_history_compact.sql` for the tables).
//!
//! Set-based, so that a re-import of a million events with a hundred thousand corrections
//! stays fast: before an event is rewritten (or loses a link to a removed event) its row
//! and its lists (places, actors, sources, links) are copied as they are into temporary
//! tables, a few statements per batch. At the end, one statement compares the copied
//! columns with the event's columns now, and one per list finds the events whose list
//! differs; only for those fields is the previous value put in the shape of the
//! `event_version` view (JSON for lists and objects), and kept. New events are recorded by
//! one statement too.

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

/// The statement that copies the rows of events (a list of ids follows) into
/// `temp.event_before`, with `mentioned` (see [`Writer::begin_history`]).
macro_rules! copy_event_rows {
    ($mentioned:literal) => {
        concat!(
            "INSERT OR IGNORE INTO temp.event_before
             SELECT id, ",
            $mentioned,
            ", slug, conflict_id, title, summary, body, edtf, date_label, category,
                    place, latitude, longitude, fatalities_best, fatalities_low, fatalities_high,
                    notable
             FROM event WHERE id IN"
        )
    };
}

impl Writer {
    /// Opens the import's revision (its times and counts are set at the commit) and the
    /// temporary tables of what events were before the import. Called by [`Writer::begin`];
    /// returns the revision's id and the id its first change will have.
    pub(super) async fn begin_history(
        tx: &mut sqlx::SqliteConnection,
    ) -> Result<(i64, i64), sqlx::Error> {
        for table in before_tables() {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP TABLE IF EXISTS temp.{table}"
            )))
            .execute(&mut *tx)
            .await?;
        }
        // `mentioned`: 1 for an event the import rewrote, 0 for one that only lost a link
        // to an event the import removed; then the event's columns that its version shows,
        // as they were before the import. Its lists beside it (see [`LIST_FIELDS`]).
        sqlx::query(
            "CREATE TEMP TABLE event_before (
                 id INTEGER PRIMARY KEY, mentioned INTEGER NOT NULL, slug TEXT, conflict_id INTEGER,
                 title TEXT, summary TEXT, body TEXT, edtf TEXT, date_label TEXT, category TEXT,
                 place TEXT, latitude REAL, longitude REAL, fatalities_best INTEGER,
                 fatalities_low INTEGER, fatalities_high INTEGER, notable INTEGER)",
        )
        .execute(&mut *tx)
        .await?;
        for ListField { name, columns, .. } in LIST_FIELDS {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "CREATE TEMP TABLE {name}_before (event_id INTEGER NOT NULL, {columns})"
            )))
            .execute(&mut *tx)
            .await?;
        }
        let started: String = sqlx::query_scalar("SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now')")
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query_as(
            "INSERT INTO import_revision (started_at, finished_at, format, first_change_id)
             VALUES (?1, ?1, '', (SELECT coalesce(max(id), 0) + 1 FROM event_change))
             RETURNING id, first_change_id",
        )
        .bind(&started)
        .fetch_one(&mut *tx)
        .await
    }

    /// Sets what the revision records of the files and options.
    pub fn describe(&mut self, meta: RevisionMeta) {
        self.revision = meta;
    }

    /// Keeps what events about to change are now: their columns and lists, copied as they
    /// are (the first copy of an event wins: it is the one from before the import). The
    /// lists go first, while the events not copied yet are still told by their rows.
    pub(super) async fn remember(
        &mut self,
        ids: &[i64],
        mentioned: bool,
    ) -> Result<(), sqlx::Error> {
        for copy in LIST_COPIES.iter() {
            self.for_ids(copy, ids).await?;
        }
        let row = if mentioned {
            copy_event_rows!("1")
        } else {
            copy_event_rows!("0")
        };
        self.for_ids(row, ids).await
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
                "INSERT INTO event_change (revision_id, event_id, conflict_id, kind, prior)
                 SELECT ?, e.id, e.conflict_id, 3, l.change_id
                 FROM event e LEFT JOIN event_last_change l ON l.event_id = e.id
                 WHERE e.id IN ({list}) ORDER BY e.id"
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
    /// rewrote or that lost a link, the former slugs of renamed events, each event's latest
    /// change, and the revision's counts and times. Call after links are resolved and
    /// removals done, before the commit. Events rewritten with nothing a reader could see
    /// changed (an actor spelt with another case) count as unchanged.
    pub(super) async fn record_changes(&mut self) -> Result<(), sqlx::Error> {
        let phase = std::time::Instant::now();
        // The removed events that were remembered (they linked to one another) have no
        // version now and go.
        sqlx::query("DELETE FROM temp.event_before WHERE id NOT IN (SELECT id FROM event)")
            .execute(&mut *self.tx)
            .await?;
        sqlx::query(
            "INSERT INTO event_change (revision_id, event_id, conflict_id, kind)
             SELECT ?1, id, conflict_id, 0 FROM event WHERE id > ?2 ORDER BY id",
        )
        .bind(self.revision_id)
        .bind(self.base_id)
        .execute(&mut *self.tx)
        .await?;
        tracing::debug!(elapsed = ?phase.elapsed(), "import: added");
        let phase = std::time::Instant::now();
        self.compare_remembered().await?;
        tracing::debug!(elapsed = ?phase.elapsed(), "import: changes compared");
        // Each event's latest change: this import's, in order (a later one wins).
        sqlx::query(
            "INSERT INTO event_last_change (event_id, change_id)
             SELECT event_id, id FROM event_change WHERE id >= ?1 ORDER BY id
             ON CONFLICT (event_id) DO UPDATE SET change_id = excluded.change_id",
        )
        .bind(self.first_change_id)
        .execute(&mut *self.tx)
        .await?;
        // Events that only lost a link were not rewritten: their change is their update.
        sqlx::query(
            "UPDATE event SET updated_at = ?2 WHERE id IN (
                 SELECT c.event_id FROM event_change c JOIN temp.event_before b ON b.id = c.event_id
                 WHERE c.id >= ?1 AND b.mentioned = 0)",
        )
        .bind(self.first_change_id)
        .bind(&self.now)
        .execute(&mut *self.tx)
        .await?;
        sqlx::query(
            "INSERT OR REPLACE INTO event_slug_alias (slug, event_id)
             SELECT CASE WHEN field = 0 THEN previous ELSE json_extract(previous, '$.slug') END,
                    event_id
             FROM event_change WHERE id >= ?1 AND kind = 2",
        )
        .bind(self.first_change_id)
        .execute(&mut *self.tx)
        .await?;
        // How many events the import rewrote changed visibly, and how many others lost a
        // link.
        let (changed_mentioned, changed_linking): (i64, i64) = sqlx::query_as(
            "SELECT coalesce(sum(b.mentioned), 0), coalesce(sum(1 - b.mentioned), 0)
             FROM event_change c JOIN temp.event_before b ON b.id = c.event_id
             WHERE c.id >= ?1 AND c.kind IN (1, 2)",
        )
        .bind(self.first_change_id)
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
        for table in before_tables() {
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP TABLE temp.{table}")))
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(())
    }

    /// Compares every remembered event with what it is now and keeps, as one change each,
    /// the previous values of the fields that differ: one field's value as it is, with the
    /// field's code, or several as a JSON object (see `0018_history_compact.sql`). Each
    /// previous value has the shape the `event_version` view gives the field.
    async fn compare_remembered(&mut self) -> Result<(), sqlx::Error> {
        sqlx::query("DROP TABLE IF EXISTS temp.field_before")
            .execute(&mut *self.tx)
            .await?;
        sqlx::query(
            "CREATE TEMP TABLE field_before (
                 id INTEGER NOT NULL, code INTEGER NOT NULL, value TEXT,
                 PRIMARY KEY (id, code)) WITHOUT ROWID",
        )
        .execute(&mut *self.tx)
        .await?;
        // The event's own columns: one pass over the remembered events, each field whose
        // value differs giving its previous value.
        let lists = LIST_FIELDS
            .iter()
            .map(|list| format!("'{}'", list.name))
            .collect::<Vec<_>>()
            .join(", ");
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO temp.field_before (id, code, value)
             SELECT b.id, f.code,
                    CASE f.name
                        WHEN 'slug' THEN b.slug
                        WHEN 'conflict' THEN (SELECT k.slug FROM conflict k WHERE k.id = b.conflict_id)
                        WHEN 'title' THEN b.title
                        WHEN 'summary' THEN b.summary
                        WHEN 'body' THEN b.body
                        WHEN 'date' THEN b.edtf
                        WHEN 'label' THEN b.date_label
                        WHEN 'category' THEN b.category
                        WHEN 'place' THEN b.place
                        WHEN 'coordinates' THEN CASE WHEN b.latitude IS NOT NULL
                                                     THEN json_array(b.latitude, b.longitude) END
                        WHEN 'fatalities' THEN json_object('best', b.fatalities_best,
                                                           'low', b.fatalities_low,
                                                           'high', b.fatalities_high)
                        WHEN 'notable' THEN CASE WHEN b.notable = 1 THEN 'true' ELSE 'false' END
                    END
             FROM temp.event_before b CROSS JOIN event e CROSS JOIN change_field f
             WHERE e.id = b.id AND f.name NOT IN ({lists})
               AND CASE f.name
                       WHEN 'slug' THEN b.slug IS NOT e.slug
                       WHEN 'conflict' THEN b.conflict_id IS NOT e.conflict_id
                       WHEN 'title' THEN b.title IS NOT e.title
                       WHEN 'summary' THEN b.summary IS NOT e.summary
                       WHEN 'body' THEN b.body IS NOT e.body
                       WHEN 'date' THEN b.edtf IS NOT e.edtf
                       WHEN 'label' THEN b.date_label IS NOT e.date_label
                       WHEN 'category' THEN b.category IS NOT e.category
                       WHEN 'place' THEN b.place IS NOT e.place
                       WHEN 'coordinates' THEN b.latitude IS NOT e.latitude
                                               OR b.longitude IS NOT e.longitude
                       WHEN 'fatalities' THEN b.fatalities_best IS NOT e.fatalities_best
                                              OR b.fatalities_low IS NOT e.fatalities_low
                                              OR b.fatalities_high IS NOT e.fatalities_high
                       WHEN 'notable' THEN b.notable IS NOT e.notable
                   END"
        )))
        .execute(&mut *self.tx)
        .await?;
        // The lists: the events whose rows differ either way, then, for those, the list as
        // the view gives it before and now (kept where the two differ: rows that differ
        // only in how their positions are numbered give the same list).
        for list in LIST_FIELDS {
            let ListField {
                name,
                columns,
                now,
                array,
            } = list;
            let table = format!("{name}_before");
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "CREATE INDEX temp.{table}_by_event ON {table} (event_id)"
            )))
            .execute(&mut *self.tx)
            .await?;
            let sql = format!(
                "WITH was_rows AS (
                     SELECT event_id, {columns} FROM temp.{table}
                     WHERE event_id IN (SELECT id FROM temp.event_before)
                 ),
                 now_rows AS (
                     SELECT event_id, {columns} {now}
                     WHERE event_id IN (SELECT id FROM temp.event_before)
                 ),
                 differing AS (
                     SELECT event_id FROM (SELECT * FROM was_rows EXCEPT SELECT * FROM now_rows)
                     UNION
                     SELECT event_id FROM (SELECT * FROM now_rows EXCEPT SELECT * FROM was_rows)
                 ),
                 compared AS (
                     SELECT d.event_id AS id,
                            (SELECT {array} FROM (
                                 SELECT {columns} FROM temp.{table} WHERE event_id = d.event_id
                                 ORDER BY {columns})) AS was,
                            (SELECT {array} FROM (
                                 SELECT {columns} {now} WHERE event_id = d.event_id
                                 ORDER BY {columns})) AS is_now
                     FROM differing d
                 )
                 INSERT INTO temp.field_before (id, code, value)
                 SELECT id, (SELECT code FROM change_field WHERE name = '{name}'), was
                 FROM compared WHERE was IS NOT is_now"
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut *self.tx)
                .await?;
        }
        // One change per event: a single field kept as it is, several as one object (in
        // the view's order of fields).
        sqlx::query(
            "INSERT INTO event_change
                 (revision_id, event_id, conflict_id, kind, field, previous, prior)
             SELECT ?1, d.id, e.conflict_id,
                    CASE WHEN min(d.code) = 0 THEN 2 ELSE 1 END,
                    CASE WHEN count(*) = 1 THEN min(d.code) END,
                    CASE WHEN count(*) = 1 THEN min(d.value)
                         ELSE json_group_object(f.name, CASE WHEN f.json = 1 THEN json(d.value)
                                                             ELSE d.value END) END,
                    l.change_id
             FROM (SELECT * FROM temp.field_before ORDER BY id, code) d
             JOIN change_field f ON f.code = d.code
             JOIN event e ON e.id = d.id
             LEFT JOIN event_last_change l ON l.event_id = d.id
             GROUP BY d.id ORDER BY d.id",
        )
        .bind(self.revision_id)
        .execute(&mut *self.tx)
        .await?;
        sqlx::query("DROP TABLE temp.field_before")
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }
}

/// One list of an event's version, as [`Writer::remember`] copies it and
/// [`Writer::compare_remembered`] compares it.
struct ListField {
    /// The field's name (`change_field`); its rows are copied into `temp.{name}_before`.
    name: &'static str,
    /// The columns compared, in both the copy and `now`, in the order of the list (the
    /// view orders by the position, or links by relation and target).
    columns: &'static str,
    /// Where its rows are now (`FROM …`, giving `event_id` and the columns).
    now: &'static str,
    /// How the view aggregates the rows into the list's JSON.
    array: &'static str,
}

/// A list that names rows of another table in order (`event_{table}` links an event to
/// `{table}` rows by position), compared and kept by that table's `column`.
macro_rules! named_list {
    ($name:literal, $table:literal, $column:literal) => {
        ListField {
            name: $name,
            columns: concat!("position, ", $column),
            now: concat!(
                "FROM (SELECT l.event_id, l.position, t.",
                $column,
                " FROM event_",
                $table,
                " l JOIN ",
                $table,
                " t ON t.id = l.",
                $table,
                "_id)"
            ),
            array: concat!("json_group_array(", $column, ")"),
        }
    };
}

/// The lists of an event's version: places, actors, sources and links.
const LIST_FIELDS: [ListField; 4] = [
    named_list!("places", "place", "slug"),
    named_list!("actors", "actor", "name"),
    ListField {
        name: "sources",
        columns: "position, title, publisher, url, published, note",
        now: "FROM source",
        array: "json_group_array(json_object('title', title, 'publisher', publisher,
                                             'url', url, 'published', published, 'note', note))",
    },
    ListField {
        name: "links",
        columns: "rel, to_event_id",
        now: "FROM (SELECT from_event_id AS event_id, rel, to_event_id FROM event_link)",
        array: "json_group_array(json_object('rel', rel, 'event', to_event_id))",
    },
];

/// How [`Writer::remember`] copies each list of events not copied yet (a list of ids
/// follows).
static LIST_COPIES: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| {
    LIST_FIELDS
        .iter()
        .map(
            |ListField {
                 name, columns, now, ..
             }| {
                format!(
                    "INSERT INTO temp.{name}_before (event_id, {columns})
                 SELECT event_id, {columns} {now}
                 WHERE event_id NOT IN (SELECT id FROM temp.event_before) AND event_id IN"
                )
            },
        )
        .collect()
});

/// The temporary tables of what events were before the import.
fn before_tables() -> impl Iterator<Item = String> {
    std::iter::once("event_before".to_string()).chain(
        LIST_FIELDS
            .iter()
            .map(|list| format!("{}_before", list.name)),
    )
}
