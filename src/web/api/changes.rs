//! `GET /api/changes`: what each import changed, oldest first from `since`, in keyset pages
//! (`after` the `next` cursor), with the previous values of the fields that changed.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use super::events::{DEFAULT_LIMIT, MAX_LIMIT};
use super::problem::Problem;
use crate::db::history::{self, ChangeFilter, ChangeKind, ChangePage, ListedChange};
use crate::web::http::error::AppError;
use crate::web::http::params::RawParams;
use crate::web::http::state::AppState;

/// The kinds of change, as `kind=` takes them: `added`, `changed`, `renamed` or `removed`,
/// or an empty value (as an empty form field sends it), which filters nothing, as every
/// parameter's empty value does.
pub struct ChangeKindParam;

impl utoipa::PartialSchema for ChangeKindParam {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        let kinds = ChangeKind::ALL.iter().map(|kind| kind.as_str());
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(
                "A kind of change; an empty value filters nothing, like no `kind` at all.",
            ))
            .enum_values(Some(kinds.chain([""])))
            .into()
    }
}

impl utoipa::ToSchema for ChangeKindParam {}

/// The filters of `/api/changes`.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ChangeQuery {
    /// Changes made by imports that finished at or after this moment (UTC): a day
    /// `YYYY-MM-DD` (from its start) or a time `YYYY-MM-DDTHH:MM:SSZ` (fractions of a second
    /// allowed).
    #[param(
        pattern = r"^([0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,3})?Z)?)?$"
    )]
    since: Option<String>,
    /// Changes of events of this conflict, by slug.
    #[param(pattern = r"^([a-z0-9]+(-[a-z0-9]+)*)?$", max_length = 100)]
    conflict: Option<String>,
    /// Changes of these kinds (repeat the parameter); all kinds without it.
    #[param(value_type = Option<Vec<ChangeKindParam>>)]
    kind: Option<Vec<String>>,
    /// Changes per page (1 to 500; 50 without it).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
    /// The `next` cursor of the previous page (a change id); the first page without it.
    #[param(pattern = r"^([1-9][0-9]{0,17})?$")]
    after: Option<String>,
}

/// A page of changes, oldest first.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeList {
    /// At most `limit` changes.
    pub changes: Vec<ChangeJson>,
    /// The cursor of the next page (pass it as `after`), or null on the last page.
    #[schema(required = true)]
    pub next: Option<String>,
    /// The absolute URL of the next page, or null on the last page.
    #[schema(required = true)]
    pub next_url: Option<String>,
}

/// What one import did to one event.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeJson {
    /// The change's id (cursors are change ids).
    pub id: i64,
    /// The import (revision) that made it.
    pub revision: i64,
    /// When that import finished (UTC, ISO 8601).
    pub at: String,
    /// `added`, `changed`, `renamed` (changed, with a new slug) or `removed`.
    pub kind: String,
    pub event: ChangedEvent,
    /// The slug of the event's conflict.
    pub conflict: String,
    /// The fields that changed (for `changed` and `renamed`; empty otherwise).
    pub fields: Vec<String>,
    /// The previous value of each field that changed (an object keyed by field; values
    /// as the field holds them: text, numbers, arrays, objects), or null for other kinds.
    #[schema(value_type = Option<Object>, required = true)]
    pub previous: Option<serde_json::Value>,
}

/// The event a change is about.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangedEvent {
    /// Its slug now (or when it was removed).
    pub slug: String,
    pub title: String,
    /// Its page (410 Gone for a removed event).
    pub url: String,
    /// Its history page.
    pub history_url: String,
    /// Whether it is still in the chronology.
    pub current: bool,
}

fn change_json(c: &ListedChange, base: &str) -> ChangeJson {
    ChangeJson {
        id: c.change.id,
        revision: c.change.revision_id,
        at: c.change.at.clone(),
        kind: c.change.kind.clone(),
        event: ChangedEvent {
            slug: c.slug.clone(),
            title: c.title.clone(),
            url: format!("{base}/events/{}", c.slug),
            history_url: format!("{base}/events/{}/history", c.slug),
            current: c.current,
        },
        conflict: c.conflict_slug.clone(),
        fields: c.change.fields().into_iter().map(str::to_string).collect(),
        previous: c
            .change
            .previous
            .as_deref()
            .and_then(|p| serde_json::from_str(p).ok()),
    }
}

/// `GET /api/changes`.
#[utoipa::path(
    get,
    path = "/api/changes",
    tag = "changes",
    params(ChangeQuery),
    responses(
        (status = 200, description = "One page of changes, oldest first.", body = ChangeList),
        (status = 400, description = "A parameter cannot be used; `errors` names it.",
            body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_changes(
    State(state): State<AppState>,
    uri: axum::http::Uri,
) -> Result<Response, AppError> {
    let raw = RawParams::parse(uri.query()).map_err(|p| AppError::BadRequest(vec![p]))?;
    let mut problems = Vec::new();
    let mut filter = ChangeFilter::default();
    match raw.utc_moment("since") {
        Ok(value) => filter.since = value.map(str::to_string),
        Err(problem) => problems.push(problem),
    }
    match raw.conflict_slug("conflict") {
        Ok(value) => filter.conflict = value.map(str::to_string),
        Err(problem) => problems.push(problem),
    }
    filter.kinds = raw.change_kinds("kind", &mut problems);
    let limit = raw
        .count("limit", DEFAULT_LIMIT, MAX_LIMIT)
        .unwrap_or_else(|problem| {
            problems.push(problem);
            DEFAULT_LIMIT
        });
    let after = raw.change_id("after").unwrap_or_else(|problem| {
        problems.push(problem);
        None
    });
    if !problems.is_empty() {
        return Err(AppError::BadRequest(problems));
    }
    let mut rows = history::list_changes(
        &state.db,
        &filter,
        ChangePage::OldestFirst { after },
        limit + 1,
    )
    .await?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let base = state.config.public_url.trim_end_matches('/');
    let next = more
        .then(|| rows.last().map(|r| r.change.id.to_string()))
        .flatten();
    let next_url = next.as_ref().map(|after| {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if let Some(since) = &filter.since {
            pairs.push(("since", since.clone()));
        }
        if let Some(conflict) = &filter.conflict {
            pairs.push(("conflict", conflict.clone()));
        }
        for kind in &filter.kinds {
            pairs.push(("kind", kind.as_str().to_string()));
        }
        pairs.push(("limit", limit.to_string()));
        pairs.push(("after", after.clone()));
        format!(
            "{base}/api/changes?{}",
            serde_urlencoded::to_string(pairs).unwrap_or_default()
        )
    });
    let changes = rows.iter().map(|r| change_json(r, base)).collect();
    Ok(Json(ChangeList {
        changes,
        next,
        next_url,
    })
    .into_response())
}
