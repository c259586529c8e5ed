//! `--replace`: the events of the conflicts an import wrote that it did not mention are
//! removed, each leaving a tombstone (see [`super::history`]).

use super::{BATCH, Writer, history::REMOVED_BY_REPLACE};

impl Writer {
    /// For `--replace`: removes every event of the conflicts this import wrote to that the
    /// import did not mention. Call after the last [`Writer::flush`] and after links are
    /// resolved.
    pub async fn delete_unmentioned(&mut self) -> Result<(), sqlx::Error> {
        let conflicts: Vec<i64> = self.touched_conflicts.iter().copied().collect();
        let mut unmentioned: Vec<i64> = Vec::new();
        for conflict_id in conflicts {
            let ids: Vec<i64> =
                sqlx::query_scalar("SELECT id FROM event WHERE conflict_id = ?1 AND id <= ?2")
                    .bind(conflict_id)
                    .bind(self.base_id)
                    .fetch_all(&mut *self.tx)
                    .await?;
            unmentioned.extend(ids.into_iter().filter(|id| !self.is_touched(*id)));
        }
        // Every tombstone first, while the events still link to one another.
        self.bury(&unmentioned, REMOVED_BY_REPLACE).await?;
        for chunk in unmentioned.chunks(BATCH) {
            self.unindex(chunk).await?;
            self.for_ids("DELETE FROM event WHERE id IN", chunk).await?;
            self.summary.deleted += chunk.len() as u64;
        }
        Ok(())
    }
}
