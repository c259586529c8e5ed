//! `GET /api/conflicts`: every conflict with its eras and how many events it has.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use super::events::DateJson;
use crate::db::queries;
use crate::web::http::error::AppError;
use crate::web::http::state::AppState;

/// `GET /api/conflicts`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConflictList {
    /// By name.
    pub conflicts: Vec<ConflictJson>,
}

/// A conflict and its named periods.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConflictJson {
    pub slug: String,
    pub name: String,
    pub summary: String,
    #[schema(required = true)]
    pub region: Option<String>,
    /// How many events it has.
    pub events: i64,
    /// Its eras, in timeline order.
    pub eras: Vec<EraJson>,
}

/// A named period of a conflict (a war, a blockade).
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EraJson {
    pub slug: String,
    pub name: String,
    pub summary: String,
    pub date: DateJson,
}

/// `GET /api/conflicts`.
#[utoipa::path(
    get,
    path = "/api/conflicts",
    tag = "conflicts",
    responses(
        (status = 200, description = "Every conflict with its eras and event count.",
            body = ConflictList),
    )
)]
pub async fn list_conflicts(State(state): State<AppState>) -> Result<Response, AppError> {
    let conflicts = queries::conflicts(&state.db).await?;
    let eras = queries::eras(&state.db).await?;
    let counts = queries::event_counts_by_conflict(&state.db).await?;
    let conflicts = conflicts
        .into_iter()
        .map(|c| ConflictJson {
            events: counts
                .iter()
                .find(|(id, _)| *id == c.id)
                .map_or(0, |(_, n)| *n),
            eras: eras
                .iter()
                .filter(|e| e.conflict_id == c.id)
                .map(|e| EraJson {
                    slug: e.slug.clone(),
                    name: e.name.clone(),
                    summary: e.summary.clone(),
                    date: DateJson::new(&e.edtf, None),
                })
                .collect(),
            slug: c.slug,
            name: c.name,
            summary: c.summary,
            region: c.region,
        })
        .collect();
    Ok(Json(ConflictList { conflicts }).into_response())
}
