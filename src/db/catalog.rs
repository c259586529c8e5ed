//! What the pages show of the collection as a whole, whatever the view: its conflicts and
//! eras, how many events it holds, the span of their dates, where its places are, and each
//! facet's most frequent values. It changes only with an import, so it is read once per data
//! version ([`CatalogCell`]) instead of by every request (six queries a page, each a trip
//! to a pooled connection and back).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sqlx::SqlitePool;

use super::models::{Conflict, Era};
use super::queries::{self, Facet, FacetValue};
use crate::edtf::Day;

/// Values of each facet kept, most frequent first (the map draws up to this many places).
pub const KEPT_VALUES: u32 = 500;

/// The name of a view or a collection of several conflicts.
pub const MANY_CONFLICTS: &str = "Conflict timelines";

/// The collection as a whole at one data version (see the module documentation).
#[derive(Debug)]
pub struct Catalog {
    /// The data version it was read at.
    pub version: i64,
    /// Every conflict, by name.
    pub conflicts: Vec<Conflict>,
    /// Every era, in timeline order.
    pub eras: Vec<Era>,
    /// How many events there are in all.
    pub total: i64,
    /// The earliest start and latest finite end (see [`queries::data_span`]).
    pub span: Option<(Day, Day)>,
    /// Each place with coordinates: slug → (latitude, longitude).
    pub points: HashMap<String, (f64, f64)>,
    /// Each facet's [`KEPT_VALUES`] most frequent values over the whole collection.
    totals: Vec<(Facet, Vec<FacetValue>)>,
}

impl Catalog {
    /// Reads it from the database, tagged with `version`.
    pub async fn load(pool: &SqlitePool, version: i64) -> Result<Catalog, sqlx::Error> {
        let mut totals = Vec::with_capacity(Facet::ALL.len());
        for facet in Facet::ALL {
            totals.push((
                facet,
                queries::facet_totals(pool, facet, KEPT_VALUES).await?,
            ));
        }
        Ok(Catalog {
            version,
            conflicts: queries::conflicts(pool).await?,
            eras: queries::eras(pool).await?,
            total: queries::total_events(pool).await?,
            span: queries::data_span(pool).await?,
            points: queries::places::place_points(pool)
                .await?
                .into_iter()
                .map(|(slug, lat, lon)| (slug, (lat, lon)))
                .collect(),
            totals,
        })
    }

    /// The one conflict a view with the given conflict slugs is about: the one selected,
    /// else the collection's only conflict; none when the view spans several.
    pub fn conflict_in_view(&self, selected: &[String]) -> Option<&Conflict> {
        let chosen = match selected {
            [slug] => self.conflicts.iter().find(|c| &c.slug == slug),
            _ => None,
        };
        chosen.or(match self.conflicts.as_slice() {
            [only] => Some(only),
            _ => None,
        })
    }

    /// The name of a view with the given conflict slugs: its one conflict's (see
    /// [`Catalog::conflict_in_view`]), else [`MANY_CONFLICTS`].
    pub fn view_name(&self, selected: &[String]) -> String {
        self.conflict_in_view(selected)
            .map_or_else(|| MANY_CONFLICTS.to_string(), |c| c.name.clone())
    }

    /// The eras of the conflicts with the given slugs (every era when none is given), in
    /// timeline order, as [`queries::eras_of`] gives them.
    pub fn eras_of(&self, conflicts: &[String]) -> Vec<Era> {
        if conflicts.is_empty() {
            return self.eras.clone();
        }
        let ids: Vec<i64> = self
            .conflicts
            .iter()
            .filter(|c| conflicts.contains(&c.slug))
            .map(|c| c.id)
            .collect();
        self.eras
            .iter()
            .filter(|e| ids.contains(&e.conflict_id))
            .cloned()
            .collect()
    }

    /// The `limit` most frequent values of `facet` over the whole collection (at most
    /// [`KEPT_VALUES`]), as [`queries::facet_totals`] gives them.
    pub fn facet_totals(&self, facet: Facet, limit: u32) -> Vec<FacetValue> {
        let keep = limit.min(KEPT_VALUES) as usize;
        self.totals
            .iter()
            .find(|(f, _)| *f == facet)
            .map(|(_, values)| values.iter().take(keep).cloned().collect())
            .unwrap_or_default()
    }
}

/// The catalog of the current data version, read on first use after each change.
#[derive(Default)]
pub struct CatalogCell {
    current: Mutex<Option<Arc<Catalog>>>,
    /// One reader at a time: a crowd arriving after an import waits for the first one's
    /// catalog instead of each reading its own.
    loading: tokio::sync::Mutex<()>,
}

impl CatalogCell {
    /// The catalog at `version`, read from `pool` if the one kept is of another version.
    /// `still_current` tells, after reading, whether the data is still at `version`; a
    /// catalog read while an import changed the data is used for this request only.
    pub async fn get<F, Fut>(
        &self,
        pool: &SqlitePool,
        version: i64,
        still_current: F,
    ) -> Result<Arc<Catalog>, sqlx::Error>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        if let Some(kept) = self.kept(version) {
            return Ok(kept);
        }
        let _turn = self.loading.lock().await;
        if let Some(kept) = self.kept(version) {
            return Ok(kept);
        }
        let catalog = Arc::new(Catalog::load(pool, version).await?);
        if still_current().await
            && let Ok(mut current) = self.current.lock()
        {
            *current = Some(Arc::clone(&catalog));
        }
        Ok(catalog)
    }

    fn kept(&self, version: i64) -> Option<Arc<Catalog>> {
        let current = self.current.lock().ok()?;
        current
            .as_ref()
            .filter(|c| c.version == version)
            .map(Arc::clone)
    }
}
