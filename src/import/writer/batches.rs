//! Events, a batch at a time: looked up by slug, inserted, rewritten or confirmed, with
//! their actors and sources.

use std::collections::HashMap;

use super::super::direct;
use super::{
    BATCH, LOOKUP_BY_SLUG, PendingLink, Queued, Refused, SLUGS_PER_LOOKUP, Stored, Writer,
};
use crate::record::{EventRecord, FieldProblem, PlaceRef};

impl Writer {
    /// Queues an event to be inserted, updated or confirmed; writes the batch when it is
    /// full. `origin` (file index, line) is kept to report problems found later. Returns
    /// the events refused so far, in file order: this one if its conflict is unknown, and
    /// any of the batch whose slug an earlier event of the import already has.
    pub async fn event(
        &mut self,
        record: Box<EventRecord>,
        hash: String,
        origin: (usize, Option<usize>),
    ) -> Result<Vec<Refused>, sqlx::Error> {
        let Some(conflict_id) = self.conflict_id(&record.conflict).await? else {
            // Events queued before this one are reported first.
            let mut refused = self.flush().await?;
            refused.push(Refused {
                origin,
                problem: Self::unknown_conflict(&record.conflict),
            });
            return Ok(refused);
        };
        let mut refused = Vec::new();
        if self.batch_slugs.contains(&record.slug) {
            // The earlier event with this slug is written first; the lookup of this one's
            // batch then finds it.
            refused = self.flush().await?;
        }
        self.batch_slugs.insert(record.slug.clone());
        self.batch.push(Queued {
            conflict_id,
            record,
            hash,
            origin,
        });
        if self.batch.len() >= BATCH {
            refused.extend(self.flush().await?);
        }
        Ok(refused)
    }

    /// Writes the queued events. Returns those refused because an earlier event of the
    /// import has their slug.
    pub async fn flush(&mut self) -> Result<Vec<Refused>, sqlx::Error> {
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
        self.batch_slugs.clear();
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        // Indexes into `batch`, with the id each gets and its content hash.
        let mut new: Vec<(usize, i64, String)> = Vec::new();
        // In the optimistic mode the events are inserted without looking their slugs up
        // first; `start` is how many of them went in before the first slug already taken.
        let start = if self.optimistic {
            self.insert_optimistic(&batch, &mut new).await?
        } else {
            0
        };
        if start == batch.len() {
            self.write_batch(batch, new, Vec::new(), Vec::new()).await?;
            return Ok(Vec::new());
        }
        let stored = self.lookup(&batch[start..]).await?;

        let mut refused = Vec::new();
        let mut rewritten: Vec<(usize, i64)> = Vec::new();
        let mut confirmed: Vec<i64> = Vec::new();
        // Stored events this batch has matched so far (by slug, or renamed by a former
        // slug): the batch's lookup happened before any of them changed, so an event renamed
        // away from a slug no longer holds it, and an event is matched once.
        let mut claimed: Vec<i64> = Vec::new();
        let inserted_before = new.len();
        for (i, queued) in batch.iter().enumerate().skip(start) {
            let hash = &queued.hash;
            let by_slug = stored
                .get(&queued.record.slug)
                .filter(|found| !claimed.contains(&found.id));
            let found = by_slug.or_else(|| {
                // Not stored under its slug: under one it had before (a rename), if that
                // event is not already claimed by this import.
                queued
                    .record
                    .formerly
                    .iter()
                    .filter_map(|former| stored.get(former))
                    .find(|found| {
                        found.id <= self.base_id
                            && !self.is_touched(found.id)
                            && !claimed.contains(&found.id)
                    })
            });
            if let Some(found) = found {
                claimed.push(found.id);
            }
            match found {
                Some(found) if found.id > self.base_id || self.is_touched(found.id) => refused
                    .push(Refused {
                        origin: queued.origin,
                        problem: FieldProblem::new(
                            "slug",
                            queued.record.slug.as_str(),
                            "appears more than once in this import",
                        ),
                    }),
                Some(found) if found.hash == *hash => {
                    self.summary.unchanged += 1;
                    confirmed.push(found.id);
                    self.touched_conflicts.insert(queued.conflict_id);
                }
                Some(found) => {
                    self.summary.updated += 1;
                    confirmed.push(found.id);
                    rewritten.push((i, found.id));
                    self.touched_conflicts.insert(queued.conflict_id);
                }
                None => {
                    let id = self.next_id;
                    self.next_id += 1;
                    self.summary.inserted += 1;
                    new.push((i, id, hash.clone()));
                    self.touched_conflicts.insert(queued.conflict_id);
                }
            }
        }

        if !rewritten.is_empty() {
            // Out of the search index with their old text, all at once, before any of them
            // changes (see [`Writer::unindex`]); their versions before are kept to tell
            // what changed (see [`Writer::remember`]).
            let ids: Vec<i64> = rewritten.iter().map(|(_, id)| *id).collect();
            let phase = std::time::Instant::now();
            self.remember(&ids, true).await?;
            self.remembering += phase.elapsed();
            self.unindex(&ids).await?;
            let events: Vec<direct::EventRow<'_>> = rewritten
                .iter()
                .map(|(i, id)| direct::EventRow {
                    id: *id,
                    conflict_id: batch[*i].conflict_id,
                    record: &batch[*i].record,
                    hash: &batch[*i].hash,
                })
                .collect();
            let now = self.now.as_str();
            direct::with_connection(&mut self.tx, |conn| {
                direct::rewrite_events(conn, now, &events)
            })
            .await?;
        }
        self.maybe_begin_bulk().await?;
        self.insert_events(&batch, &new[inserted_before..], false)
            .await?;
        self.write_batch(batch, new, rewritten, confirmed).await?;
        Ok(refused)
    }

    /// The optimistic mode of [`Writer::flush`]: inserts the events of `batch` as new ones,
    /// with no lookup of their slugs, until an insert fails because a slug is taken (by an
    /// event already in the database, or by one earlier in the import). The `UNIQUE`
    /// constraint on the slug does the lookup's work while it finds nothing, which is every
    /// time for a load into an empty table. The failed one-row insert changes nothing; the
    /// events from it on are then handled by looking them up, and the rest of the import
    /// does so too. Pushes the inserted events onto `new` and returns
    /// how many of `batch` they are.
    async fn insert_optimistic(
        &mut self,
        batch: &[Queued],
        new: &mut Vec<(usize, i64, String)>,
    ) -> Result<usize, sqlx::Error> {
        self.maybe_begin_bulk().await?;
        // A record naming former slugs may be a rename of a stored event: it and the rest
        // are looked up.
        let limit = batch
            .iter()
            .position(|queued| !queued.record.formerly.is_empty())
            .unwrap_or(batch.len());
        if limit < batch.len() {
            self.optimistic = false;
        }
        let candidates: Vec<(usize, i64, String)> = (0..limit)
            .map(|i| (i, self.next_id + i as i64, batch[i].hash.clone()))
            .collect();
        let done = self.insert_events(batch, &candidates, true).await?;
        if done < limit {
            self.optimistic = false;
        }
        self.next_id += done as i64;
        self.summary.inserted += done as u64;
        for (i, _, _) in &candidates[..done] {
            self.touched_conflicts.insert(batch[*i].conflict_id);
        }
        new.extend(candidates.into_iter().take(done));
        Ok(done)
    }

    /// The second half of [`Writer::flush`]: the actors, sources, search index entries and
    /// links of the events of `batch` just inserted (`new`) or updated (`rewritten`), and
    /// the ids of the events it confirmed.
    async fn write_batch(
        &mut self,
        batch: Vec<Queued>,
        new: Vec<(usize, i64, String)>,
        rewritten: Vec<(usize, i64)>,
        confirmed: Vec<i64>,
    ) -> Result<(), sqlx::Error> {
        let written: Vec<(usize, i64)> = new
            .iter()
            .map(|(i, id, _)| (*i, *id))
            .chain(rewritten.iter().copied())
            .collect();
        self.write_children(&batch, &written).await?;
        if !rewritten.is_empty() {
            let ids: Vec<i64> = rewritten.iter().map(|(_, id)| *id).collect();
            self.index(&ids).await?;
        }
        for id in confirmed {
            self.touch(id);
        }
        for (i, id) in written {
            let queued = &batch[i];
            self.pending_links
                .extend(queued.record.links.iter().map(|link| PendingLink {
                    from_id: id,
                    rel: link.rel,
                    target: link.target.clone(),
                    origin: queued.origin,
                }));
        }
        Ok(())
    }

    /// Marks an event stored before the import as confirmed or rewritten by it.
    pub(super) fn touch(&mut self, id: i64) {
        let Ok(id) = usize::try_from(id) else { return };
        let word = id / 64;
        if word >= self.touched.len() {
            self.touched.resize(word + 1, 0);
        }
        self.touched[word] |= 1 << (id % 64);
    }

    /// Whether [`Writer::touch`] marked this event.
    pub(super) fn is_touched(&self, id: i64) -> bool {
        usize::try_from(id)
            .ok()
            .and_then(|id| self.touched.get(id / 64).map(|w| w & (1 << (id % 64)) != 0))
            .unwrap_or(false)
    }

    /// What the database holds for the slugs of a batch.
    async fn lookup(&mut self, batch: &[Queued]) -> Result<HashMap<String, Stored>, sqlx::Error> {
        // Each event's slug, and the slugs it names as former ones.
        let slugs: Vec<&str> = batch
            .iter()
            .flat_map(|queued| {
                std::iter::once(queued.record.slug.as_str())
                    .chain(queued.record.formerly.iter().map(String::as_str))
            })
            .collect();
        self.stored(&slugs).await
    }

    /// What the database holds for `slugs` (those it holds), looked up [`SLUGS_PER_LOOKUP`]
    /// at a time.
    pub(super) async fn stored(
        &mut self,
        slugs: &[&str],
    ) -> Result<HashMap<String, Stored>, sqlx::Error> {
        let mut stored = HashMap::new();
        for chunk in slugs.chunks(SLUGS_PER_LOOKUP) {
            let sql = self.in_list_sql(LOOKUP_BY_SLUG, chunk.len());
            let mut query = sqlx::query_as::<_, (String, i64, String)>(sql);
            for slug in chunk {
                query = query.bind(*slug);
            }
            for (slug, id, hash) in query.fetch_all(&mut *self.tx).await? {
                stored.insert(slug, Stored { id, hash });
            }
        }
        Ok(stored)
    }

    /// Inserts the new events of a batch (`(index in batch, id, content hash)`), in order.
    /// With `stop_at_taken`, the first whose slug is taken ends the inserts (see
    /// [`direct::insert_events`]). Returns how many were inserted.
    async fn insert_events(
        &mut self,
        batch: &[Queued],
        new: &[(usize, i64, String)],
        stop_at_taken: bool,
    ) -> Result<usize, sqlx::Error> {
        if new.is_empty() {
            return Ok(0);
        }
        let events: Vec<direct::EventRow<'_>> = new
            .iter()
            .map(|(i, id, hash)| direct::EventRow {
                id: *id,
                conflict_id: batch[*i].conflict_id,
                record: &batch[*i].record,
                hash,
            })
            .collect();
        let now = self.now.as_str();
        direct::with_connection(&mut self.tx, |conn| {
            direct::insert_events(conn, now, &events, stop_at_taken)
        })
        .await
    }

    /// Writes the actors, places and sources of the events `written` (`(index in batch, id)`).
    async fn write_children(
        &mut self,
        batch: &[Queued],
        written: &[(usize, i64)],
    ) -> Result<(), sqlx::Error> {
        let mut actors: Vec<direct::LinkRow> = Vec::new();
        let mut sources: Vec<direct::SourceRow<'_>> = Vec::new();
        let mut actors_done = Vec::new();
        let mut places: Vec<direct::LinkRow> = Vec::new();
        let mut places_done = Vec::new();
        for (i, event_id) in written {
            let rec = &batch[*i].record;
            places_done.clear();
            // Without a list of places, the event's place text is its one place, where
            // the event's coordinates are.
            let implied;
            let refs: &[PlaceRef] = match (&rec.place, rec.places.is_empty()) {
                (Some(text), true) => {
                    implied = [PlaceRef {
                        coordinates: rec.coordinates,
                        ..PlaceRef::named(text.clone())
                    }];
                    &implied
                }
                _ => &rec.places,
            };
            for place in refs {
                let place_id = self.place_id(place).await?;
                link_once(&mut places, &mut places_done, *event_id, place_id);
            }
            actors_done.clear();
            for name in &rec.actors {
                let actor_id = self.actor_id(name).await?;
                link_once(&mut actors, &mut actors_done, *event_id, actor_id);
            }
            sources.extend(rec.sources.iter().enumerate().map(|(position, source)| {
                direct::SourceRow {
                    event_id: *event_id,
                    position: position as i64,
                    source,
                }
            }));
        }
        if actors.is_empty() && sources.is_empty() && places.is_empty() {
            return Ok(());
        }
        direct::with_connection(&mut self.tx, |conn| {
            direct::insert_children(conn, &actors, &places, &sources)
        })
        .await
    }

    async fn actor_id(&mut self, name: &str) -> Result<i64, sqlx::Error> {
        if let Some(id) = self.actor_names.get(name) {
            return Ok(*id);
        }
        let id = self.actor_id_by_slug(name).await?;
        self.actor_names.insert(name.to_string(), id);
        Ok(id)
    }

    async fn actor_id_by_slug(&mut self, name: &str) -> Result<i64, sqlx::Error> {
        // Long names (UCDP sides of ~250 characters) keep their whole name, not their slug.
        let slug = crate::slug::slugify_within(name, 200);
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
}

/// Links an event to an actor or a place (`linked_id`) unless `done`, the ids it is linked
/// to so far, already holds it: the same actor named twice (or spelled two ways with one
/// slug), or the same place, is one link, at the position it is first named.
fn link_once(rows: &mut Vec<direct::LinkRow>, done: &mut Vec<i64>, event_id: i64, linked_id: i64) {
    if !done.contains(&linked_id) {
        rows.push(direct::LinkRow {
            event_id,
            linked_id,
            position: done.len() as i64,
        });
        done.push(linked_id);
    }
}
