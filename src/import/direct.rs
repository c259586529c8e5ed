//! The hot path of an import: new events, their actors and their sources, inserted by
//! direct calls on the import's own connection.
//!
//! sqlx runs each SQLite connection on a thread of its own and hands every statement to it
//! and the result back. For an import of a million events that hand-over cost more than
//! the inserts: the database thread sat idle a third of the time, waiting for the next
//! statement. Here a whole batch is written in one call, on the importing task's thread,
//! while the connection is locked out from sqlx's thread
//! ([`SqliteConnection::lock_handle`]), through rusqlite on the same SQLite library: one
//! prepared statement per table and one step per row. A one-row `INSERT` also needs no
//! statement journal (a multi-row statement must be able to undo itself halfway, so SQLite
//! copies every page it changes first).
//!
//! Everything runs inside the import's transaction, which sqlx began and will commit or
//! roll back: these functions only insert rows.

use rusqlite::{Connection, ErrorCode, params};
use sqlx::sqlite::SqliteConnection;

use crate::record::{EventRecord, SourceRecord};

/// An event to insert or rewrite, with the values only the writer knows.
pub struct EventRow<'a> {
    pub id: i64,
    pub conflict_id: i64,
    pub record: &'a EventRecord,
    /// Its content hash.
    pub hash: &'a str,
}

/// An actor or a place of an event (a row of `event_actor` or `event_place`), in the order
/// the record names them.
pub struct LinkRow {
    pub event_id: i64,
    /// The actor's or the place's id.
    pub linked_id: i64,
    pub position: i64,
}

/// A source of an event.
pub struct SourceRow<'a> {
    pub event_id: i64,
    pub position: i64,
    pub source: &'a SourceRecord,
}

/// Runs `write` on the connection, locked out from sqlx's thread until it returns.
pub async fn with_connection<R>(
    conn: &mut SqliteConnection,
    write: impl FnOnce(&Connection) -> rusqlite::Result<R>,
) -> Result<R, sqlx::Error> {
    let mut handle = conn.lock_handle().await?;
    // SAFETY: `lock_handle` keeps sqlx's thread off the connection until `handle` drops,
    // so this thread is its only user. The rusqlite connection made from the pointer does
    // not own it (it never closes it) and is dropped, with every statement `write`
    // prepared on it, before `handle` is.
    let direct = unsafe { Connection::from_handle(handle.as_raw_handle().as_ptr()) };
    let out = direct.and_then(|direct| write(&direct));
    drop(handle);
    out.map_err(into_sqlx)
}

/// Inserts `events` in order; `now` is the import's timestamp (their `created_at` and
/// `updated_at`). With `stop_at_taken`, an event whose slug is already taken ends the
/// call without an error (it and the rest are not inserted); otherwise that is an error.
/// Returns how many were inserted.
pub fn insert_events(
    conn: &Connection,
    now: &str,
    events: &[EventRow<'_>],
    stop_at_taken: bool,
) -> rusqlite::Result<usize> {
    let mut insert = conn.prepare(
        "INSERT INTO event (id, conflict_id, slug, title, summary, body, edtf, start_day,
             end_day, date_label, category, place, latitude, longitude, fatalities_best,
             fatalities_low, fatalities_high, content_hash, created_at, updated_at, notable)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
             ?18, ?19, ?19, ?20)",
    )?;
    for (done, event) in events.iter().enumerate() {
        let inserted = execute_event(&mut insert, event, now);
        match inserted {
            Ok(_) => {}
            Err(e) if stop_at_taken && is_unique_violation(&e) => return Ok(done),
            Err(e) => return Err(e),
        }
    }
    Ok(events.len())
}

/// Rewrites events stored before the import with new content (`id` is the stored event's),
/// and removes their actors, places, sources and links, which the caller writes again. `now` is
/// their new `updated_at`. Their search index entries must be removed before and added
/// after (the index reads the rows).
pub fn rewrite_events(
    conn: &Connection,
    now: &str,
    events: &[EventRow<'_>],
) -> rusqlite::Result<()> {
    let mut update = conn.prepare(
        "UPDATE event SET conflict_id = ?2, slug = ?3, title = ?4, summary = ?5, body = ?6,
             edtf = ?7, start_day = ?8, end_day = ?9, date_label = ?10, category = ?11,
             place = ?12, latitude = ?13, longitude = ?14, fatalities_best = ?15,
             fatalities_low = ?16, fatalities_high = ?17, content_hash = ?18, updated_at = ?19,
             notable = ?20
         WHERE id = ?1",
    )?;
    let mut children = [
        conn.prepare("DELETE FROM event_actor WHERE event_id = ?1")?,
        conn.prepare("DELETE FROM event_place WHERE event_id = ?1")?,
        conn.prepare("DELETE FROM source WHERE event_id = ?1")?,
        conn.prepare("DELETE FROM event_link WHERE from_event_id = ?1")?,
    ];
    for event in events {
        let changed = execute_event(&mut update, event, now)?;
        if changed != 1 {
            // The import holds the write lock and found this id a moment ago.
            return Err(rusqlite::Error::QueryReturnedNoRows);
        }
        for delete in &mut children {
            delete.execute(params![event.id])?;
        }
    }
    Ok(())
}

/// Runs an event statement whose parameters are ?1 id, ?2 conflict, ?3 to ?17 the record's
/// columns in table order, ?18 the content hash, ?19 the import's timestamp and ?20 the
/// `notable` flag.
fn execute_event(
    statement: &mut rusqlite::Statement<'_>,
    event: &EventRow<'_>,
    now: &str,
) -> rusqlite::Result<usize> {
    let rec = event.record;
    statement.execute(params![
        event.id,
        event.conflict_id,
        rec.slug,
        rec.title,
        rec.summary,
        rec.body,
        rec.date.to_string(),
        rec.date.earliest().0,
        rec.date.latest().0,
        rec.label,
        rec.category,
        rec.place,
        rec.coordinates.map(|c| c.latitude),
        rec.coordinates.map(|c| c.longitude),
        rec.fatalities.best,
        rec.fatalities.low,
        rec.fatalities.high,
        event.hash,
        now,
        rec.notable,
    ])
}

/// Inserts the actor and place links and the sources of events just written.
pub fn insert_children(
    conn: &Connection,
    actors: &[LinkRow],
    places: &[LinkRow],
    sources: &[SourceRow<'_>],
) -> rusqlite::Result<()> {
    for (insert, rows) in [
        (
            "INSERT INTO event_place (event_id, place_id, position) VALUES (?1, ?2, ?3)",
            places,
        ),
        (
            "INSERT INTO event_actor (event_id, actor_id, position) VALUES (?1, ?2, ?3)",
            actors,
        ),
    ] {
        if !rows.is_empty() {
            let mut insert = conn.prepare(insert)?;
            for row in rows {
                insert.execute(params![row.event_id, row.linked_id, row.position])?;
            }
        }
    }
    if !sources.is_empty() {
        let mut insert = conn.prepare(
            "INSERT INTO source (event_id, position, title, publisher, url, published, note)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for row in sources {
            let s = row.source;
            insert.execute(params![
                row.event_id,
                row.position,
                s.title,
                s.publisher,
                s.url,
                s.published,
                s.note,
            ])?;
        }
    }
    Ok(())
}

fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(
        e,
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == ErrorCode::ConstraintViolation
                && f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
    )
}

/// A failure of a direct call, as the database error sqlx would have reported: the rest
/// of the import (the storage hints of its messages, the rollback) handles both alike.
fn into_sqlx(e: rusqlite::Error) -> sqlx::Error {
    sqlx::Error::Database(Box::new(DirectError(e)))
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct DirectError(rusqlite::Error);

impl DirectError {
    fn extended_code(&self) -> Option<i32> {
        match &self.0 {
            rusqlite::Error::SqliteFailure(f, _) => Some(f.extended_code),
            _ => None,
        }
    }
}

impl sqlx::error::DatabaseError for DirectError {
    fn message(&self) -> &str {
        match &self.0 {
            rusqlite::Error::SqliteFailure(_, Some(message)) => message,
            _ => "SQLite call failed",
        }
    }

    fn code(&self) -> Option<std::borrow::Cow<'_, str>> {
        self.extended_code().map(|c| c.to_string().into())
    }

    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }

    fn kind(&self) -> sqlx::error::ErrorKind {
        use rusqlite::ffi;
        use sqlx::error::ErrorKind;
        match self.extended_code() {
            Some(ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY) => {
                ErrorKind::UniqueViolation
            }
            Some(ffi::SQLITE_CONSTRAINT_FOREIGNKEY) => ErrorKind::ForeignKeyViolation,
            Some(ffi::SQLITE_CONSTRAINT_NOTNULL) => ErrorKind::NotNullViolation,
            Some(ffi::SQLITE_CONSTRAINT_CHECK) => ErrorKind::CheckViolation,
            _ => ErrorKind::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use sqlx::error::ErrorKind;

    use super::*;
    use crate::edtf::Edtf;
    use crate::record::Fatalities;

    fn record(slug: &str, category: &str) -> EventRecord {
        EventRecord {
            conflict: "test".into(),
            slug: slug.into(),
            title: format!("Event {slug}"),
            summary: String::new(),
            body: String::new(),
            date: Edtf::parse("2020-09-27").expect("date"),
            label: None,
            category: category.into(),
            place: Some("Şuşa".into()),
            coordinates: None,
            fatalities: Fatalities::default(),
            actors: Vec::new(),
            sources: Vec::new(),
            links: Vec::new(),
            places: Vec::new(),
            notable: false,
            formerly: Vec::new(),
        }
    }

    fn new_events(records: &[EventRecord]) -> Vec<EventRow<'_>> {
        records
            .iter()
            .enumerate()
            .map(|(i, record)| EventRow {
                id: 100 + i as i64,
                conflict_id: 1,
                record,
                hash: "h",
            })
            .collect()
    }

    /// A database with one conflict and one event, `taken`, and a transaction on it.
    async fn database(dir: &tempfile::TempDir) -> sqlx::SqlitePool {
        let path = dir.path().join("direct.db");
        let pool = crate::db::open_read_write(&path).await.expect("open");
        crate::db::migrate(&pool, &path).await.expect("migrate");
        sqlx::query("INSERT INTO conflict (id, slug, name) VALUES (1, 'test', 'Test')")
            .execute(&pool)
            .await
            .expect("conflict");
        sqlx::query(
            "INSERT INTO event (id, conflict_id, slug, title, edtf, start_day, end_day, category,
                 content_hash) VALUES (1, 1, 'taken', 'Taken', '2020', 18262, 18627, 'military', 'h')",
        )
        .execute(&pool)
        .await
        .expect("event");
        pool
    }

    async fn slugs(conn: &mut SqliteConnection) -> Vec<String> {
        sqlx::query_scalar("SELECT slug FROM event ORDER BY id")
            .fetch_all(conn)
            .await
            .expect("slugs")
    }

    /// The database error the insert of `events` is refused with.
    async fn refusal(
        tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
        events: &[EventRow<'_>],
        stop_at_taken: bool,
    ) -> Box<dyn sqlx::error::DatabaseError> {
        match with_connection(tx, |c| insert_events(c, "now", events, stop_at_taken)).await {
            Err(sqlx::Error::Database(db)) => db,
            other => panic!("a database error, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_taken_slug_stops_the_inserts_or_fails_them() {
        let dir = tempfile::tempdir().expect("temp dir");
        let pool = database(&dir).await;
        let records = [
            record("first", "military"),
            record("taken", "military"),
            record("third", "military"),
        ];
        let events = new_events(&records);

        let mut tx = pool.begin().await.expect("begin");
        let done = with_connection(&mut tx, |c| insert_events(c, "now", &events, true))
            .await
            .expect("stops without an error");
        assert_eq!(done, 1);
        assert_eq!(slugs(&mut tx).await, ["taken", "first"]);
        // sqlx goes on using the connection after the direct call.
        let place: String = sqlx::query_scalar("SELECT place FROM event WHERE slug = 'first'")
            .fetch_one(&mut *tx)
            .await
            .expect("place");
        assert_eq!(place, "Şuşa");
        tx.rollback().await.expect("rollback");

        let mut tx = pool.begin().await.expect("begin");
        let db = refusal(&mut tx, &events, false).await;
        assert_eq!(db.kind(), ErrorKind::UniqueViolation);
        assert_eq!(
            db.code().as_deref(),
            Some("2067"),
            "SQLITE_CONSTRAINT_UNIQUE"
        );
        assert!(db.message().contains("event.slug"), "{}", db.message());
        tx.rollback().await.expect("rollback");
        assert_eq!(
            slugs(&mut pool.acquire().await.expect("conn")).await,
            ["taken"]
        );
    }

    /// The schema's own rules hold on this path too: a category the schema refuses (the
    /// importer checks it first, so only a bug could send one) fails the insert.
    #[tokio::test]
    async fn the_schema_checks_still_apply() {
        let dir = tempfile::tempdir().expect("temp dir");
        let pool = database(&dir).await;
        let records = [record("bad-category", "Not A Slug")];
        let events = new_events(&records);
        let mut tx = pool.begin().await.expect("begin");
        let db = refusal(&mut tx, &events, true).await;
        assert_eq!(db.kind(), ErrorKind::CheckViolation);
    }
}
