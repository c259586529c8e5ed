//! Conflicts and eras: written as they come, before the events that name them.

use super::Writer;
use crate::record::{ConflictRecord, EraRecord, FieldProblem};

impl Writer {
    pub async fn conflict(&mut self, rec: &ConflictRecord) -> Result<(), sqlx::Error> {
        self.upsert_conflict(
            "INSERT INTO conflict (slug, name, summary, region) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (slug) DO UPDATE SET
                 name = excluded.name, summary = excluded.summary, region = excluded.region
             WHERE conflict.name IS NOT excluded.name
                OR conflict.summary IS NOT excluded.summary
                OR conflict.region IS NOT excluded.region",
            rec,
        )
        .await
    }

    /// Creates a conflict that a foreign format implies (an ACLED country, `--conflict`) if
    /// it does not exist. An existing one keeps its name, summary and region, unless
    /// `rename` (an explicit `--conflict-name`) asks for the new name.
    pub async fn implied_conflict(
        &mut self,
        rec: &ConflictRecord,
        rename: bool,
    ) -> Result<(), sqlx::Error> {
        let insert = if rename {
            "INSERT INTO conflict (slug, name, summary, region) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (slug) DO UPDATE SET name = excluded.name
             WHERE conflict.name IS NOT excluded.name"
        } else {
            "INSERT INTO conflict (slug, name, summary, region) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (slug) DO NOTHING"
        };
        self.upsert_conflict(insert, rec).await
    }

    /// Runs one of the conflict statements above (`?1` slug, `?2` name, `?3` summary, `?4`
    /// region), counts what it wrote, and notes the conflict's id.
    async fn upsert_conflict(
        &mut self,
        insert: &'static str,
        rec: &ConflictRecord,
    ) -> Result<(), sqlx::Error> {
        let result = sqlx::query(insert)
            .bind(&rec.slug)
            .bind(&rec.name)
            .bind(&rec.summary)
            .bind(&rec.region)
            .execute(&mut *self.tx)
            .await?;
        self.summary.conflicts_written += result.rows_affected();
        self.conflict_ids.remove(&rec.slug);
        self.conflict_id(&rec.slug).await?;
        Ok(())
    }

    /// The id of a conflict written earlier in this import or already in the database.
    pub(super) async fn conflict_id(&mut self, slug: &str) -> Result<Option<i64>, sqlx::Error> {
        if let Some(id) = self.conflict_ids.get(slug) {
            return Ok(Some(*id));
        }
        let id: Option<i64> = sqlx::query_scalar("SELECT id FROM conflict WHERE slug = ?1")
            .bind(slug)
            .fetch_optional(&mut *self.tx)
            .await?;
        if let Some(id) = id {
            self.conflict_ids.insert(slug.to_string(), id);
        }
        Ok(id)
    }

    pub(super) fn unknown_conflict(slug: &str) -> FieldProblem {
        FieldProblem::new(
            "conflict",
            slug,
            "names no conflict defined in this import or already in the database",
        )
    }

    /// Inserts or updates an era. A problem is returned, not written, when its conflict
    /// is unknown.
    pub async fn era(&mut self, rec: &EraRecord) -> Result<Option<FieldProblem>, sqlx::Error> {
        let Some(conflict_id) = self.conflict_id(&rec.conflict).await? else {
            return Ok(Some(Self::unknown_conflict(&rec.conflict)));
        };
        let result = sqlx::query(
            "INSERT INTO era (conflict_id, slug, name, edtf, start_day, end_day, summary)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (conflict_id, slug) DO UPDATE SET
                 name = excluded.name, edtf = excluded.edtf, start_day = excluded.start_day,
                 end_day = excluded.end_day, summary = excluded.summary
             WHERE era.name IS NOT excluded.name OR era.edtf IS NOT excluded.edtf
                OR era.summary IS NOT excluded.summary",
        )
        .bind(conflict_id)
        .bind(&rec.slug)
        .bind(&rec.name)
        .bind(rec.date.to_string())
        .bind(rec.date.earliest().0)
        .bind(rec.date.latest().0)
        .bind(&rec.summary)
        .execute(&mut *self.tx)
        .await?;
        self.summary.eras_written += result.rows_affected();
        Ok(None)
    }
}
