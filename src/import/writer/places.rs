//! Places: declared ones (native `[[places]]`) written as they come, before the events
//! that name them; the places an event names found or made by the rule of
//! `docs/dataset-format.md` ("Places"):
//!
//! 1. a reference that is the slug of a stored place is that place;
//! 2. else a stored place with a name that folds the same ([`crate::place_names::fold`])
//!    is it, when both have coordinates at most [`JOIN_DISTANCE_KM`] apart or either has
//!    none (the nearest first);
//! 3. else a new place, named as the reference, with its coordinates and precision code
//!    if the file gave them (never others), lying in the place its `within` names (found
//!    or made by the same rule, without coordinates).

use super::Writer;
use crate::place_names::fold;
use crate::record::{Coordinates, FieldProblem, JOIN_DISTANCE_KM, PlaceRecord, PlaceRef};

/// A stored place a folded name matches.
#[derive(sqlx::FromRow)]
struct Candidate {
    id: i64,
    latitude: Option<f64>,
    longitude: Option<f64>,
}

/// One name as stored: name, usage, source.
type StoredName = (String, String, Option<String>);

/// Great-circle distance in kilometres (haversine, mean Earth radius).
pub fn distance_km(a: Coordinates, b: Coordinates) -> f64 {
    let (la1, la2) = (a.latitude.to_radians(), b.latitude.to_radians());
    let dla = la2 - la1;
    let dlo = (b.longitude - a.longitude).to_radians();
    let h = (dla / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlo / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().min(1.0).asin()
}

impl Writer {
    /// Inserts or updates a declared place and its names. A problem is returned, not
    /// written, when `within` names no place declared before it or stored.
    pub async fn place(&mut self, rec: &PlaceRecord) -> Result<Option<FieldProblem>, sqlx::Error> {
        let parent_id = match &rec.within {
            Some(within) => {
                let id: Option<i64> = sqlx::query_scalar("SELECT id FROM place WHERE slug = ?1")
                    .bind(within)
                    .fetch_optional(&mut *self.tx)
                    .await?;
                match id {
                    Some(id) => Some(id),
                    None => {
                        return Ok(Some(FieldProblem::new(
                            "within",
                            within.as_str(),
                            "names no place declared before this one or already in the database",
                        )));
                    }
                }
            }
            None => None,
        };
        let label = rec.label();
        let result = sqlx::query(
            "INSERT INTO place (slug, name, label, kind, parent_id, latitude, longitude,
                                precision, note)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (slug) DO UPDATE SET
                 name = excluded.name, label = excluded.label, kind = excluded.kind,
                 parent_id = excluded.parent_id, latitude = excluded.latitude,
                 longitude = excluded.longitude, precision = excluded.precision,
                 note = excluded.note
             WHERE place.name IS NOT excluded.name OR place.label IS NOT excluded.label
                OR place.kind IS NOT excluded.kind OR place.parent_id IS NOT excluded.parent_id
                OR place.latitude IS NOT excluded.latitude
                OR place.longitude IS NOT excluded.longitude
                OR place.precision IS NOT excluded.precision OR place.note IS NOT excluded.note",
        )
        .bind(&rec.slug)
        .bind(rec.name.trim())
        .bind(&label)
        .bind(&rec.kind)
        .bind(parent_id)
        .bind(rec.coordinates.map(|c| c.latitude))
        .bind(rec.coordinates.map(|c| c.longitude))
        .bind(&rec.precision)
        .bind(&rec.note)
        .execute(&mut *self.tx)
        .await?;
        self.summary.places_written += result.rows_affected();
        let id: i64 = sqlx::query_scalar("SELECT id FROM place WHERE slug = ?1")
            .bind(&rec.slug)
            .fetch_one(&mut *self.tx)
            .await?;
        let names: Vec<StoredName> = std::iter::once((
            rec.name.trim().to_string(),
            rec.usage.clone(),
            rec.source.clone(),
        ))
        .chain(
            rec.names
                .iter()
                .map(|n| (n.name.trim().to_string(), n.usage.clone(), n.source.clone())),
        )
        .collect();
        self.set_names(id, &names).await?;
        self.place_refs.clear();
        Ok(None)
    }

    /// Writes a place's names when they differ from the stored ones. Its events' search
    /// index entries hold the names, so they go out with the old names and back in with
    /// the new.
    async fn set_names(&mut self, place_id: i64, names: &[StoredName]) -> Result<(), sqlx::Error> {
        let stored: Vec<StoredName> = sqlx::query_as(
            "SELECT name, usage, source_url FROM place_name WHERE place_id = ?1 ORDER BY position",
        )
        .bind(place_id)
        .fetch_all(&mut *self.tx)
        .await?;
        if stored == names {
            return Ok(());
        }
        let events: Vec<i64> =
            sqlx::query_scalar("SELECT event_id FROM event_place WHERE place_id = ?1")
                .bind(place_id)
                .fetch_all(&mut *self.tx)
                .await?;
        self.unindex(&events).await?;
        sqlx::query("DELETE FROM place_name WHERE place_id = ?1")
            .bind(place_id)
            .execute(&mut *self.tx)
            .await?;
        for (position, (name, usage, source)) in names.iter().enumerate() {
            sqlx::query(
                "INSERT INTO place_name (place_id, position, name, usage, source_url, folded)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .bind(place_id)
            .bind(position as i64)
            .bind(name)
            .bind(usage)
            .bind(source)
            .bind(fold(name))
            .execute(&mut *self.tx)
            .await?;
        }
        self.index(&events).await?;
        if stored.is_empty() {
            return Ok(());
        }
        // Events indexed later in this import read the new names through the view anyway.
        self.summary.places_written += 1;
        Ok(())
    }

    /// The id of the place a reference names, found or made (see the module's rule).
    pub(super) async fn place_id(&mut self, place: &PlaceRef) -> Result<i64, sqlx::Error> {
        let key = (
            place.name.clone(),
            place
                .coordinates
                .map(|c| (c.latitude.to_bits(), c.longitude.to_bits())),
        );
        if let Some(id) = self.place_refs.get(&key) {
            return Ok(*id);
        }
        let id = match self.find(place).await? {
            Some(id) => id,
            None => {
                // Only a new place needs the place it lies in.
                let parent_id = match &place.within {
                    Some(within) => {
                        let parent = PlaceRef::named(within.clone());
                        match self.find(&parent).await? {
                            Some(id) => Some(id),
                            None => Some(self.make(&parent, None).await?),
                        }
                    }
                    None => None,
                };
                self.make(place, parent_id).await?
            }
        };
        self.place_refs.insert(key, id);
        Ok(id)
    }

    /// The stored place a reference names, by rules 1 and 2 of the module.
    async fn find(&mut self, place: &PlaceRef) -> Result<Option<i64>, sqlx::Error> {
        let name = place.name.trim();
        if crate::slug::is_valid(name, 200) {
            let id: Option<i64> = sqlx::query_scalar("SELECT id FROM place WHERE slug = ?1")
                .bind(name)
                .fetch_optional(&mut *self.tx)
                .await?;
            if id.is_some() {
                return Ok(id);
            }
        }
        let folded = fold(name);
        let candidates: Vec<Candidate> = sqlx::query_as(
            "SELECT DISTINCT p.id, p.latitude, p.longitude
             FROM place_name pn JOIN place p ON p.id = pn.place_id
             WHERE pn.folded = ?1 ORDER BY p.id",
        )
        .bind(&folded)
        .fetch_all(&mut *self.tx)
        .await?;
        let mut best: Option<(f64, i64)> = None;
        for c in &candidates {
            let distance = match (place.coordinates, c.latitude.zip(c.longitude)) {
                (Some(a), Some((latitude, longitude))) => distance_km(
                    a,
                    Coordinates {
                        latitude,
                        longitude,
                    },
                ),
                _ => 0.0,
            };
            if distance <= JOIN_DISTANCE_KM && best.is_none_or(|(d, _)| distance < d) {
                best = Some((distance, c.id));
            }
        }
        Ok(best.map(|(_, id)| id))
    }

    /// A new place for a reference (rule 3 of the module).
    async fn make(&mut self, place: &PlaceRef, parent_id: Option<i64>) -> Result<i64, sqlx::Error> {
        let name = place.name.trim();
        let folded = fold(name);
        // A new place: its slug from the folded name, numbered when taken.
        let base = crate::slug::slugify_within(&crate::slug::slugify_ascii(&folded), 190);
        let base = if base.is_empty() {
            "place".to_string()
        } else {
            base
        };
        let mut slug = base.clone();
        let mut n = 1;
        loop {
            let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM place WHERE slug = ?1")
                .bind(&slug)
                .fetch_optional(&mut *self.tx)
                .await?;
            if taken.is_none() {
                break;
            }
            n += 1;
            slug = format!("{base}-{n}");
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO place (slug, name, label, parent_id, latitude, longitude, precision)
             VALUES (?1, ?2, ?2, ?3, ?4, ?5, ?6) RETURNING id",
        )
        .bind(&slug)
        .bind(name)
        .bind(parent_id)
        .bind(place.coordinates.map(|c| c.latitude))
        .bind(place.coordinates.map(|c| c.longitude))
        .bind(&place.precision)
        .fetch_one(&mut *self.tx)
        .await?;
        sqlx::query(
            "INSERT INTO place_name (place_id, position, name, usage, folded)
             VALUES (?1, 0, ?2, '', ?3)",
        )
        .bind(id)
        .bind(name)
        .bind(&folded)
        .execute(&mut *self.tx)
        .await?;
        self.summary.places_written += 1;
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_are_great_circle_kilometres() {
        let shusha = Coordinates {
            latitude: 39.76,
            longitude: 46.75,
        };
        let khankendi = Coordinates {
            latitude: 39.82,
            longitude: 46.75,
        };
        let d = distance_km(shusha, khankendi);
        assert!((d - 6.67).abs() < 0.05, "{d}");
        assert_eq!(distance_km(shusha, shusha), 0.0);
    }
}
