//! Writes validated records inside one transaction. Nothing is visible to readers until
//! [`Writer::commit`]; dropping a writer, or an error at any point, rolls everything back.
//!
//! Re-imports are idempotent: an event is found by its slug, and its stored content hash
//! tells whether anything changed. Only changed events are rewritten (with their actors,
//! sources, links and search index entry), so importing the same file twice changes nothing.

use std::collections::{HashMap, HashSet};

use sha2::{Digest, Sha256};
use sqlx::{Sqlite, SqlitePool, Transaction};

use super::record::{ConflictRecord, EraRecord, EventRecord, FieldProblem, LinkRel};

/// What an import did, or (for a check) would do.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub conflicts_written: u64,
    pub eras_written: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub deleted: u64,
}

impl ImportSummary {
    /// Did the import change the database at all.
    pub fn changed_anything(&self) -> bool {
        self.conflicts_written + self.eras_written + self.inserted + self.updated + self.deleted > 0
    }
}

/// A link whose target may come later in the import; resolved at the end.
struct PendingLink {
    from_id: i64,
    rel: LinkRel,
    target: String,
    /// Where the link was written, to report an unknown target.
    origin: (usize, Option<usize>),
}

/// A link that could not be resolved, with where it came from.
pub struct UnresolvedLink {
    /// Index of the input file and line given to [`Writer::event`].
    pub origin: (usize, Option<usize>),
    pub problem: FieldProblem,
}

/// The one transaction of an import.
pub struct Writer {
    tx: Transaction<'static, Sqlite>,
    conflict_ids: HashMap<String, i64>,
    actor_ids: HashMap<String, i64>,
    seen_slugs: HashSet<String>,
    /// Event ids written or confirmed per conflict, for `--replace`.
    touched: HashMap<i64, HashSet<i64>>,
    pending_links: Vec<PendingLink>,
    summary: ImportSummary,
}

impl Writer {
    /// Starts the transaction. `BEGIN IMMEDIATE` takes the write lock up front, so a
    /// concurrent writer fails fast instead of deadlocking halfway through.
    pub async fn begin(pool: &SqlitePool) -> Result<Self, sqlx::Error> {
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
        // A large import touches index pages all over the file (slugs and dates arrive in
        // no order). With SQLite's default 2 MB page cache, dirty pages spill to the WAL and
        // are read back again and again, and an import slows down as the database grows; a
        // bigger cache keeps the hot pages of the indexes in memory (bounded: 128 MiB).
        sqlx::query("PRAGMA cache_size = -131072")
            .execute(&mut *tx)
            .await?;
        Ok(Writer {
            tx,
            conflict_ids: HashMap::new(),
            actor_ids: HashMap::new(),
            seen_slugs: HashSet::new(),
            touched: HashMap::new(),
            pending_links: Vec::new(),
            summary: ImportSummary::default(),
        })
    }

    /// Inserts or updates a conflict.
    pub async fn conflict(&mut self, rec: &ConflictRecord) -> Result<(), sqlx::Error> {
        let result = sqlx::query(
            "INSERT INTO conflict (slug, name, summary, region) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (slug) DO UPDATE SET
                 name = excluded.name, summary = excluded.summary, region = excluded.region
             WHERE conflict.name IS NOT excluded.name
                OR conflict.summary IS NOT excluded.summary
                OR conflict.region IS NOT excluded.region",
        )
        .bind(&rec.slug)
        .bind(&rec.name)
        .bind(&rec.summary)
        .bind(&rec.region)
        .execute(&mut *self.tx)
        .await?;
        self.summary.conflicts_written += result.rows_affected();
        let id: i64 = sqlx::query_scalar("SELECT id FROM conflict WHERE slug = ?1")
            .bind(&rec.slug)
            .fetch_one(&mut *self.tx)
            .await?;
        self.conflict_ids.insert(rec.slug.clone(), id);
        Ok(())
    }

    /// Creates a conflict that a foreign format implies (an ACLED country, `--conflict`) if
    /// it does not exist. An existing one keeps its name, summary and region, unless
    /// `rename` (an explicit `--conflict-name`) asks for the new name.
    pub async fn implied_conflict(
        &mut self,
        rec: &ConflictRecord,
        rename: bool,
    ) -> Result<(), sqlx::Error> {
        let result = if rename {
            sqlx::query(
                "INSERT INTO conflict (slug, name, summary, region) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (slug) DO UPDATE SET name = excluded.name
                 WHERE conflict.name IS NOT excluded.name",
            )
        } else {
            sqlx::query(
                "INSERT INTO conflict (slug, name, summary, region) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (slug) DO NOTHING",
            )
        }
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
    async fn conflict_id(&mut self, slug: &str) -> Result<Option<i64>, sqlx::Error> {
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

    fn unknown_conflict(slug: &str) -> FieldProblem {
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

    /// Inserts, updates or confirms an event. `origin` (file index, line) is kept to report
    /// link problems found at the end.
    pub async fn event(
        &mut self,
        rec: &EventRecord,
        origin: (usize, Option<usize>),
    ) -> Result<Option<FieldProblem>, sqlx::Error> {
        let Some(conflict_id) = self.conflict_id(&rec.conflict).await? else {
            return Ok(Some(Self::unknown_conflict(&rec.conflict)));
        };
        if !self.seen_slugs.insert(rec.slug.clone()) {
            return Ok(Some(FieldProblem::new(
                "slug",
                rec.slug.as_str(),
                "appears more than once in this import",
            )));
        }
        let hash = content_hash(rec);
        let existing: Option<(i64, String)> =
            sqlx::query_as("SELECT id, content_hash FROM event WHERE slug = ?1")
                .bind(&rec.slug)
                .fetch_optional(&mut *self.tx)
                .await?;
        let id = match existing {
            Some((id, stored)) if stored == hash => {
                self.summary.unchanged += 1;
                self.touched.entry(conflict_id).or_default().insert(id);
                return Ok(None);
            }
            Some((id, _)) => {
                self.unindex(id).await?;
                self.update_event(id, conflict_id, rec, &hash).await?;
                for table in [
                    "DELETE FROM event_actor WHERE event_id = ?1",
                    "DELETE FROM source WHERE event_id = ?1",
                    "DELETE FROM event_link WHERE from_event_id = ?1",
                ] {
                    sqlx::query(table).bind(id).execute(&mut *self.tx).await?;
                }
                self.summary.updated += 1;
                id
            }
            None => {
                let id = self.insert_event(conflict_id, rec, &hash).await?;
                self.summary.inserted += 1;
                id
            }
        };
        self.write_children(id, rec).await?;
        self.index(id).await?;
        self.touched.entry(conflict_id).or_default().insert(id);
        self.pending_links
            .extend(rec.links.iter().map(|link| PendingLink {
                from_id: id,
                rel: link.rel,
                target: link.target.clone(),
                origin,
            }));
        Ok(None)
    }

    async fn insert_event(
        &mut self,
        conflict_id: i64,
        rec: &EventRecord,
        hash: &str,
    ) -> Result<i64, sqlx::Error> {
        let query = sqlx::query_scalar(
            "INSERT INTO event (conflict_id, slug, title, summary, body, edtf, start_day, end_day,
                 date_label, category, place, latitude, longitude,
                 fatalities_best, fatalities_low, fatalities_high, content_hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
             RETURNING id",
        )
        .bind(conflict_id)
        .bind(&rec.slug);
        bind_event_fields(query, rec, hash)
            .fetch_one(&mut *self.tx)
            .await
    }

    async fn update_event(
        &mut self,
        id: i64,
        conflict_id: i64,
        rec: &EventRecord,
        hash: &str,
    ) -> Result<(), sqlx::Error> {
        let query = sqlx::query_scalar::<_, i64>(
            "UPDATE event SET conflict_id = ?1, slug = ?2, title = ?3, summary = ?4, body = ?5,
                 edtf = ?6, start_day = ?7, end_day = ?8, date_label = ?9, category = ?10,
                 place = ?11, latitude = ?12, longitude = ?13, fatalities_best = ?14,
                 fatalities_low = ?15, fatalities_high = ?16, content_hash = ?17,
                 updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
             WHERE id = ?18 RETURNING id",
        )
        .bind(conflict_id)
        .bind(&rec.slug);
        bind_event_fields(query, rec, hash)
            .bind(id)
            .fetch_one(&mut *self.tx)
            .await?;
        Ok(())
    }

    async fn write_children(
        &mut self,
        event_id: i64,
        rec: &EventRecord,
    ) -> Result<(), sqlx::Error> {
        let mut actors_done = HashSet::new();
        for name in &rec.actors {
            let actor_id = self.actor_id(name).await?;
            // The same actor named twice (or spelled two ways with one slug) is one link.
            if actors_done.insert(actor_id) {
                sqlx::query(
                    "INSERT INTO event_actor (event_id, actor_id, position) VALUES (?1, ?2, ?3)",
                )
                .bind(event_id)
                .bind(actor_id)
                .bind(actors_done.len() as i64 - 1)
                .execute(&mut *self.tx)
                .await?;
            }
        }
        for (position, source) in rec.sources.iter().enumerate() {
            sqlx::query(
                "INSERT INTO source (event_id, position, title, publisher, url, published, note)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .bind(event_id)
            .bind(position as i64)
            .bind(&source.title)
            .bind(&source.publisher)
            .bind(&source.url)
            .bind(&source.published)
            .bind(&source.note)
            .execute(&mut *self.tx)
            .await?;
        }
        Ok(())
    }

    async fn actor_id(&mut self, name: &str) -> Result<i64, sqlx::Error> {
        let slug = crate::slug::slugify(name);
        if let Some(id) = self.actor_ids.get(&slug) {
            return Ok(*id);
        }
        let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM actor WHERE slug = ?1")
            .bind(&slug)
            .fetch_optional(&mut *self.tx)
            .await?;
        let id = match existing {
            Some(id) => id,
            None => {
                sqlx::query_scalar("INSERT INTO actor (slug, name) VALUES (?1, ?2) RETURNING id")
                    .bind(&slug)
                    .bind(name.trim())
                    .fetch_one(&mut *self.tx)
                    .await?
            }
        };
        self.actor_ids.insert(slug, id);
        Ok(id)
    }

    /// Adds an event's current text to the full-text index.
    async fn index(&mut self, id: i64) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO event_fts (rowid, title, summary, body, actors, place)
             SELECT id, title, summary, body, actors, place FROM event_search_doc WHERE id = ?1",
        )
        .bind(id)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Removes an event's current text from the full-text index. With external content the
    /// index must be told the exact old values, so this runs before the row changes.
    async fn unindex(&mut self, id: i64) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO event_fts (event_fts, rowid, title, summary, body, actors, place)
             SELECT 'delete', id, title, summary, body, actors, place
             FROM event_search_doc WHERE id = ?1",
        )
        .bind(id)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Resolves the links collected so far. Returns the links whose target exists nowhere.
    pub async fn resolve_links(&mut self) -> Result<Vec<UnresolvedLink>, sqlx::Error> {
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
                Some(_) => unresolved.push(UnresolvedLink {
                    origin: link.origin,
                    problem: FieldProblem::new(
                        format!("links[{i}].event"),
                        link.target.as_str(),
                        "an event cannot link to itself",
                    ),
                }),
                None => unresolved.push(UnresolvedLink {
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

    /// For `--replace`: deletes every event of the conflicts this import wrote to that the
    /// import did not mention.
    pub async fn delete_unmentioned(&mut self) -> Result<(), sqlx::Error> {
        let touched = std::mem::take(&mut self.touched);
        for (conflict_id, kept) in &touched {
            let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM event WHERE conflict_id = ?1")
                .bind(conflict_id)
                .fetch_all(&mut *self.tx)
                .await?;
            for id in ids.into_iter().filter(|id| !kept.contains(id)) {
                self.unindex(id).await?;
                sqlx::query("DELETE FROM event WHERE id = ?1")
                    .bind(id)
                    .execute(&mut *self.tx)
                    .await?;
                self.summary.deleted += 1;
            }
        }
        self.touched = touched;
        Ok(())
    }

    /// What has been done so far.
    pub fn summary(&self) -> ImportSummary {
        self.summary
    }

    /// Makes the import visible: bumps the dataset version when anything changed (so HTTP
    /// caches revalidate), refreshes the planner's statistics, and commits.
    pub async fn commit(mut self) -> Result<ImportSummary, sqlx::Error> {
        if self.summary.changed_anything() {
            crate::db::aggregates::refresh(&mut self.tx).await?;
            sqlx::query(
                "UPDATE dataset_version SET version = version + 1,
                     imported_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = 1",
            )
            .execute(&mut *self.tx)
            .await?;
        }
        self.tx.commit().await?;
        Ok(self.summary)
    }

    /// Abandons everything written (for `--check`, or after problems).
    pub async fn rollback(self) -> Result<ImportSummary, sqlx::Error> {
        let summary = self.summary;
        self.tx.rollback().await?;
        Ok(summary)
    }
}

type EventQuery<'q, O> = sqlx::query::QueryScalar<'q, Sqlite, O, sqlx::sqlite::SqliteArguments>;

/// Binds parameters ?3 to ?17, shared by insert and update.
fn bind_event_fields<'q, O>(
    query: EventQuery<'q, O>,
    rec: &'q EventRecord,
    hash: &str,
) -> EventQuery<'q, O> {
    query
        .bind(&rec.title)
        .bind(&rec.summary)
        .bind(&rec.body)
        .bind(rec.date.to_string())
        .bind(rec.date.earliest().0)
        .bind(rec.date.latest().0)
        .bind(&rec.label)
        .bind(&rec.category)
        .bind(&rec.place)
        .bind(rec.coordinates.map(|c| c.latitude))
        .bind(rec.coordinates.map(|c| c.longitude))
        .bind(rec.fatalities.best)
        .bind(rec.fatalities.low)
        .bind(rec.fatalities.high)
        .bind(hash.to_string())
}

/// A stable digest of everything the import writes for an event.
fn content_hash(rec: &EventRecord) -> String {
    // Serialising a plain struct of strings and numbers cannot fail; fall back to the
    // debug form rather than panic if that ever changes.
    let bytes = serde_json::to_vec(rec).unwrap_or_else(|_| format!("{rec:?}").into_bytes());
    let digest = Sha256::digest(&bytes);
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}
