//! Places: the list with event counts, one place with its names, what lies near it and in
//! it, and the places of an event with their names.

use sqlx::SqlitePool;

use crate::db::models::{Place, PlaceName};

/// The columns of [`Place`] (the place `p`). A place's events are counted by the importer
/// (`facet_count`, see [`crate::db::aggregates`]): counting its links here took 1.5 ms an
/// event page at a million events.
pub(super) const PLACE_COLUMNS: &str =
    "p.id, p.slug, p.name, p.label, p.kind, p.latitude, p.longitude,
     p.precision, p.note,
     (SELECT q.slug FROM place q WHERE q.id = p.parent_id) AS parent_slug,
     (SELECT q.label FROM place q WHERE q.id = p.parent_id) AS parent_label,
     coalesce((SELECT f.count FROM facet_count f WHERE f.facet = 'place' AND f.value = p.slug), 0)
       AS events";

/// A query of [`PLACE_COLUMNS`]: `SELECT`, the columns, then `rest` (constant SQL: its
/// `FROM` and conditions, values bound).
fn select_places(rest: &'static str) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(format!("SELECT {PLACE_COLUMNS} {rest}"))
}

/// Every place with its number of events, most events first, then by slug.
pub async fn all_places(pool: &SqlitePool) -> Result<Vec<Place>, sqlx::Error> {
    sqlx::query_as(select_places("FROM place p ORDER BY events DESC, p.slug"))
        .fetch_all(pool)
        .await
}

/// One place by slug.
pub async fn place_by_slug(pool: &SqlitePool, slug: &str) -> Result<Option<Place>, sqlx::Error> {
    sqlx::query_as(select_places("FROM place p WHERE p.slug = ?1"))
        .bind(slug)
        .fetch_optional(pool)
        .await
}

/// The names of a place, the display name first.
pub async fn place_names(pool: &SqlitePool, place_id: i64) -> Result<Vec<PlaceName>, sqlx::Error> {
    sqlx::query_as(
        "SELECT name, usage, source_url FROM place_name WHERE place_id = ?1 ORDER BY position",
    )
    .bind(place_id)
    .fetch_all(pool)
    .await
}

/// A place by slug with its names, the display name first. A slug no place can have is
/// not looked up.
pub async fn place_with_names(
    pool: &SqlitePool,
    slug: &str,
) -> Result<Option<(Place, Vec<PlaceName>)>, sqlx::Error> {
    if !crate::slug::is_valid(slug, 200) {
        return Ok(None);
    }
    let Some(place) = place_by_slug(pool, slug).await? else {
        return Ok(None);
    };
    let names = place_names(pool, place.id).await?;
    Ok(Some((place, names)))
}

/// Up to `limit` places with coordinates nearest to a point (by distance on a plane
/// scaled by the cosine of the latitude, exact enough to rank neighbours), itself left out.
pub async fn places_near(
    pool: &SqlitePool,
    place_id: i64,
    latitude: f64,
    longitude: f64,
    limit: u32,
) -> Result<Vec<Place>, sqlx::Error> {
    let scale = latitude.to_radians().cos().powi(2);
    sqlx::query_as(select_places(
        "FROM place p
         WHERE p.latitude IS NOT NULL AND p.id <> ?1
         ORDER BY (p.latitude - ?2) * (p.latitude - ?2)
                  + (p.longitude - ?3) * (p.longitude - ?3) * ?4, p.slug
         LIMIT ?5",
    ))
    .bind(place_id)
    .bind(latitude)
    .bind(longitude)
    .bind(scale)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await
}

/// The places that lie in a place.
pub async fn places_within(pool: &SqlitePool, place_id: i64) -> Result<Vec<Place>, sqlx::Error> {
    sqlx::query_as(select_places(
        "FROM place p WHERE p.parent_id = ?1 ORDER BY p.slug",
    ))
    .bind(place_id)
    .fetch_all(pool)
    .await
}

/// The places of an event, in the order it names them.
pub async fn places_of_event(pool: &SqlitePool, event_id: i64) -> Result<Vec<Place>, sqlx::Error> {
    sqlx::query_as(select_places(
        "FROM event_place e JOIN place p ON p.id = e.place_id
         WHERE e.event_id = ?1 ORDER BY e.position",
    ))
    .bind(event_id)
    .fetch_all(pool)
    .await
}

/// The slug and coordinates of every place that has them, for maps.
pub async fn place_points(pool: &SqlitePool) -> Result<Vec<(String, f64, f64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT slug, latitude, longitude FROM place
         WHERE latitude IS NOT NULL AND longitude IS NOT NULL",
    )
    .fetch_all(pool)
    .await
}
