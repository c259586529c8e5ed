//! Links between events, resolved once every event of the import is written.

use super::{Refused, Writer};
use crate::record::FieldProblem;

impl Writer {
    /// Resolves the links collected so far. Returns the links whose target exists nowhere.
    pub async fn resolve_links(&mut self) -> Result<Vec<Refused>, sqlx::Error> {
        let mut unresolved = Vec::new();
        let pending = std::mem::take(&mut self.pending_links);
        for (i, link) in pending.iter().enumerate() {
            let target: Option<i64> = sqlx::query_scalar("SELECT id FROM event WHERE slug = ?1")
                .bind(&link.target)
                .fetch_optional(&mut *self.tx)
                .await?;
            match target {
                Some(to_id) if to_id != link.from_id => {
                    sqlx::query(
                        "INSERT OR IGNORE INTO event_link (from_event_id, to_event_id, rel) VALUES (?1, ?2, ?3)",
                    )
                    .bind(link.from_id)
                    .bind(to_id)
                    .bind(link.rel.as_str())
                    .execute(&mut *self.tx)
                    .await?;
                }
                Some(_) => unresolved.push(Refused {
                    origin: link.origin,
                    problem: FieldProblem::new(
                        format!("links[{i}].event"),
                        link.target.as_str(),
                        "an event cannot link to itself",
                    ),
                }),
                None => unresolved.push(Refused {
                    origin: link.origin,
                    problem: FieldProblem::new(
                        "links.event",
                        link.target.as_str(),
                        "names no event in this import or in the database",
                    ),
                }),
            }
        }
        Ok(unresolved)
    }
}
