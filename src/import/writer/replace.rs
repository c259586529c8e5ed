//! Removals. `--replace`: the events of the conflicts an import wrote that it did not
//! mention are removed; a source's list of deletions (ACLED's deleted events): the events it
//! names are removed. Each leaves a tombstone saying why (see [`super::history`]).

use std::collections::BTreeMap;

use super::{BATCH, Writer, history::REMOVED_BY_REPLACE};
use crate::import::Deletion;

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
        self.take_out(&unmentioned).await
    }

    /// Queues an event a source says it has deleted; [`Writer::delete_listed`] removes it.
    pub fn listed_deletion(&mut self, deletion: Deletion, origin: (usize, Option<usize>)) {
        self.listed_deletions.push((deletion, origin));
    }

    /// Removes the events of the sources' lists of deletions, each with its reason, after
    /// the import's own events are written (a list names events of earlier imports). Gives
    /// back the ones the database does not hold (with where they were listed), for the
    /// report: a source's list covers far more than one database holds.
    pub async fn delete_listed(
        &mut self,
    ) -> Result<Vec<((usize, Option<usize>), String)>, sqlx::Error> {
        let listed = std::mem::take(&mut self.listed_deletions);
        let slugs: Vec<&str> = listed.iter().map(|(d, _)| d.slug.as_str()).collect();
        let stored = self.stored(&slugs).await?;
        let mut by_reason: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        let mut seen = std::collections::HashSet::new();
        let mut absent = Vec::new();
        for (Deletion { slug, reason }, origin) in listed {
            match stored.get(&slug).map(|s| s.id) {
                // Listed twice: the first listing's reason stands.
                Some(id) => {
                    if seen.insert(id) {
                        by_reason.entry(reason).or_default().push(id);
                    }
                }
                None => absent.push((origin, slug)),
            }
        }
        // Every tombstone first, while the events still link to one another.
        for (reason, ids) in &by_reason {
            self.bury(ids, reason).await?;
        }
        for ids in by_reason.into_values() {
            self.take_out(&ids).await?;
        }
        Ok(absent)
    }

    /// Takes buried events out of the table and the search index.
    async fn take_out(&mut self, ids: &[i64]) -> Result<(), sqlx::Error> {
        for chunk in ids.chunks(BATCH) {
            self.unindex(chunk).await?;
            self.for_ids("DELETE FROM event WHERE id IN", chunk).await?;
            self.summary.deleted += chunk.len() as u64;
        }
        Ok(())
    }
}
