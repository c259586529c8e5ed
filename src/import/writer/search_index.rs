//! The full-text index, kept in step with the events a batch at a time.

use super::{BATCH, Writer};

impl Writer {
    /// Adds the current text of events to the full-text index.
    ///
    /// Events go in (and out, in [`Writer::unindex`]) a batch per statement, not one per
    /// statement: every statement that writes the index opens a savepoint, and FTS5 writes
    /// what it holds in memory to disk at each savepoint, so a statement per event left a
    /// tiny segment per event to merge (updating 100,000 events of a million took 75 s).
    pub(super) async fn index(&mut self, ids: &[i64]) -> Result<(), sqlx::Error> {
        self.for_ids(
            "INSERT INTO event_fts (rowid, title, summary, body, actors, place)
             SELECT id, title, summary, body, actors, place FROM event_search_doc WHERE id IN",
            ids,
        )
        .await
    }

    /// Removes the current text of events from the full-text index. With external content
    /// the index must be told the exact old values, so this runs before the rows change.
    pub(super) async fn unindex(&mut self, ids: &[i64]) -> Result<(), sqlx::Error> {
        self.for_ids(
            "INSERT INTO event_fts (event_fts, rowid, title, summary, body, actors, place)
             SELECT 'delete', id, title, summary, body, actors, place
             FROM event_search_doc WHERE id IN",
            ids,
        )
        .await
    }

    /// Runs `statement`, which ends in `id IN`, for the events `ids`, a batch at a time.
    pub(super) async fn for_ids(
        &mut self,
        statement: &'static str,
        ids: &[i64],
    ) -> Result<(), sqlx::Error> {
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
}
