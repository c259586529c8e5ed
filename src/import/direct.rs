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

use super::record::{EventRecord, SourceRecord};

/// A new event and the values only the writer knows.
pub struct NewEvent<'a> {
    pub id: i64,
    pub conflict_id: i64,
    pub record: &'a EventRecord,
    /// Its content hash.
    pub hash: &'a str,
}

/// An actor of an event, in the order the record names them.
pub struct ActorRow {
    pub event_id: i64,
    pub actor_id: i64,
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
    events: &[NewEvent<'_>],
    stop_at_taken: bool,
) -> rusqlite::Result<usize> {
    let mut insert = conn.prepare(
        "INSERT INTO event (id, conflict_id, slug, title, summary, body, edtf, start_day,
             end_day, date_label, category, place, latitude, longitude, fatalities_best,
             fatalities_low, fatalities_high, content_hash, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
             ?18, ?19, ?19)",
    )?;
    for (done, event) in events.iter().enumerate() {
        let rec = event.record;
        let inserted = insert.execute(params![
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
        ]);
        match inserted {
            Ok(_) => {}
            Err(e) if stop_at_taken && is_unique_violation(&e) => return Ok(done),
            Err(e) => return Err(e),
        }
    }
    Ok(events.len())
}

/// Inserts the actor links and sources of events just written.
pub fn insert_children(
    conn: &Connection,
    actors: &[ActorRow],
    sources: &[SourceRow<'_>],
) -> rusqlite::Result<()> {
    if !actors.is_empty() {
        let mut insert =
            conn.prepare("INSERT INTO event_actor (event_id, actor_id, position) VALUES (?1, ?2, ?3)")?;
        for row in actors {
            insert.execute(params![row.event_id, row.actor_id, row.position])?;
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
