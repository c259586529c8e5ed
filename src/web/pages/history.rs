//! What changed, for readers: `/events/{slug}/history` (each import's changes to an event as
//! a diff of words), the 410 page of a removed event (its last version, when and why), and
//! `/changes` with its Atom feed `/changes.atom` (the latest changes, filtered by date
//! range, conflict and kind).
//!
//! Diffs are computed here, from the previous values the importer kept: walking an event's
//! changes from today's version backwards, each change's "after" is what the walk holds
//! before putting the change's previous values back.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::{Map, Value};

use super::dates::DateView;
use super::layout::{Alternate, Layout, isolate};
use crate::db::history::{
    self, ChangeFilter, ChangeKind, ChangePage, EventChange, FIELDS, ListedChange, RemovedEvent,
};
use crate::db::queries;
use crate::edtf::parse_filter_date;
use crate::export::text::xml;
use crate::web::http::error::AppError;
use crate::web::http::params::{ParamProblem, RawParams, Segment, kept};
use crate::web::http::state::AppState;

/// Changes on one page of `/changes`.
pub const CHANGES_PER_PAGE: u32 = 50;
/// Entries of the Atom feed of changes.
pub const FEED_ENTRIES: u32 = 100;

/// One run of words of a diff.
pub struct DiffPart {
    /// `same`, `del` (only before) or `ins` (only after).
    pub kind: &'static str,
    /// The words, with the white space between them.
    pub text: String,
}

/// One field's change.
pub struct FieldDiff {
    /// The field as readers call it.
    pub label: &'static str,
    /// The diff of the field's text before and after, in order.
    pub parts: Vec<DiffPart>,
}

/// One revision's change to the event.
pub struct ChangeView {
    /// `YYYY-MM-DD…`, UTC, of the import that made it.
    pub at: String,
    /// The day of `at` in words.
    pub at_words: String,
    /// `added`, `changed`, `renamed` or `removed`.
    pub kind: &'static str,
    /// "Added", "Corrected", "Corrected, with a new address", "Removed".
    pub kind_words: &'static str,
    /// The import that made it.
    pub revision_id: i64,
    /// The fields that changed, in page order.
    pub fields: Vec<FieldDiff>,
}

#[derive(Template)]
#[template(path = "history.html")]
struct HistoryPage {
    layout: Layout,
    title: String,
    /// The event's page, when it is still there.
    event_url: Option<String>,
    changes: Vec<ChangeView>,
}

#[derive(Template)]
#[template(path = "gone.html")]
struct GonePage {
    layout: Layout,
    title: String,
    removed_words: String,
    removed_at: String,
    reason: String,
    history_url: String,
    /// The last version, field by field (label, text).
    fields: Vec<(&'static str, String)>,
}

/// A field's name as readers see it.
fn label(field: &str) -> &'static str {
    match field {
        "slug" => "Address",
        "conflict" => "Conflict",
        "title" => "Title",
        "date" => "Date",
        "label" => "Date as worded",
        "summary" => "Summary",
        "body" => "Text",
        "category" => "Category",
        "place" => "Place",
        "places" => "Places",
        "coordinates" => "Coordinates",
        "fatalities" => "Reported deaths",
        "notable" => "Turning point",
        "actors" => "Actors",
        "sources" => "Sources",
        "links" => "Related events",
        _ => "Other",
    }
}

/// The day of a UTC timestamp in words ("3 December 2026").
pub fn day_words(at: &str) -> String {
    let day = at.get(..10).unwrap_or(at);
    DateView::new(day, None).words
}

/// A field's value as text to read and compare (`names`: slug and title of linked events).
fn field_text(field: &str, value: &Value, names: &HashMap<i64, (String, String)>) -> String {
    let text = |v: &Value| v.as_str().map(str::to_string);
    match (field, value) {
        (_, Value::Null) => String::new(),
        ("date", Value::String(edtf)) => {
            format!("{} ({edtf})", DateView::new(edtf, None).words)
        }
        ("coordinates", Value::Array(pair)) => pair
            .iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        ("fatalities", Value::Object(f)) => ["best", "low", "high"]
            .iter()
            .filter_map(|k| match f.get(*k) {
                Some(Value::Number(n)) => Some(format!("{k} {n}")),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join(", "),
        ("notable", Value::Bool(b)) => if *b { "yes" } else { "no" }.to_string(),
        ("actors" | "places", Value::Array(names)) => {
            names.iter().filter_map(text).collect::<Vec<_>>().join("; ")
        }
        ("sources", Value::Array(sources)) => sources
            .iter()
            .map(|s| {
                ["title", "publisher", "url", "published", "note"]
                    .iter()
                    .filter_map(|k| s.get(*k).and_then(Value::as_str))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .collect::<Vec<_>>()
            .join(";\n"),
        ("links", Value::Array(links)) => links
            .iter()
            .map(|l| {
                let rel = l.get("rel").and_then(Value::as_str).unwrap_or("related");
                let target = l
                    .get("event")
                    .and_then(Value::as_i64)
                    .and_then(|id| names.get(&id))
                    .map(|(_, title)| title.clone())
                    .unwrap_or_else(|| "an event no longer recorded".to_string());
                format!("{rel}: {target}")
            })
            .collect::<Vec<_>>()
            .join("; "),
        (_, Value::String(s)) => s.clone(),
        (_, other) => other.to_string(),
    }
}

/// A diff of words between two texts.
pub fn word_diff(before: &str, after: &str) -> Vec<DiffPart> {
    let diff = similar::TextDiff::configure()
        .algorithm(similar::Algorithm::Patience)
        .timeout(std::time::Duration::from_millis(200))
        .diff_words(before, after);
    let mut parts: Vec<DiffPart> = Vec::new();
    for change in diff.iter_all_changes() {
        let kind = match change.tag() {
            similar::ChangeTag::Equal => "same",
            similar::ChangeTag::Delete => "del",
            similar::ChangeTag::Insert => "ins",
        };
        match parts.last_mut() {
            Some(last) if last.kind == kind => last.text.push_str(change.value()),
            _ => parts.push(DiffPart {
                kind,
                text: change.value().to_string(),
            }),
        }
    }
    parts
}

fn parse_object(json: &str) -> Map<String, Value> {
    serde_json::from_str(json).unwrap_or_default()
}

/// The ids of the events that links in these versions point at.
fn linked_ids<'a>(versions: impl Iterator<Item = &'a Map<String, Value>>) -> Vec<i64> {
    let mut ids: Vec<i64> = versions
        .filter_map(|v| v.get("links").and_then(Value::as_array))
        .flatten()
        .filter_map(|l| l.get("event").and_then(Value::as_i64))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The change views of an event, newest first, walking back from `now` (today's version,
/// or a removed event's last one).
async fn change_views(
    state: &AppState,
    changes: Vec<EventChange>,
    now: Map<String, Value>,
) -> Result<Vec<ChangeView>, AppError> {
    let previous: Vec<Option<Map<String, Value>>> = changes
        .iter()
        .map(|c| c.previous.as_deref().map(parse_object))
        .collect();
    let ids = linked_ids(std::iter::once(&now).chain(previous.iter().flatten()));
    let names = history::event_names(&state.db, &ids).await?;
    let mut walk = now;
    let mut views = Vec::with_capacity(changes.len());
    for (change, previous) in changes.iter().zip(previous).rev() {
        let kind = ChangeKind::parse(&change.kind).unwrap_or(ChangeKind::Changed);
        let mut fields = Vec::new();
        if let Some(previous) = previous {
            for field in FIELDS {
                let Some(before) = previous.get(*field) else {
                    continue;
                };
                let after = walk.get(*field).cloned().unwrap_or(Value::Null);
                fields.push(FieldDiff {
                    label: label(field),
                    parts: word_diff(
                        &field_text(field, before, &names),
                        &field_text(field, &after, &names),
                    ),
                });
                walk.insert((*field).to_string(), before.clone());
            }
        }
        views.push(ChangeView {
            at_words: day_words(&change.at),
            at: change.at.clone(),
            kind: kind.as_str(),
            kind_words: kind_words(kind),
            revision_id: change.revision_id,
            fields,
        });
    }
    Ok(views)
}

fn kind_words(kind: ChangeKind) -> &'static str {
    match kind {
        ChangeKind::Added => "Added",
        ChangeKind::Changed => "Corrected",
        ChangeKind::Renamed => "Corrected, with a new address",
        ChangeKind::Removed => "Removed",
    }
}

/// What a slug that no event has now answers: 301 to the current address of the event
/// that had it, or the 410 page of a removed event; `None` if the slug never existed.
pub async fn moved_or_gone(
    state: &AppState,
    slug: &str,
    suffix: &str,
) -> Result<Option<Response>, AppError> {
    if let Some(target) = history::alias_target(&state.db, slug).await? {
        return permanent_redirect(&format!("/events/{target}{suffix}")).map(Some);
    }
    if suffix.is_empty()
        && let Some(removed) = history::removed_by_slug(&state.db, slug).await?
    {
        return Ok(Some(gone_page(&removed)?));
    }
    Ok(None)
}

/// A 301 to `location` (the cache policy makes it `no-store`, like every redirect here).
fn permanent_redirect(location: &str) -> Result<Response, AppError> {
    // Slugs are ASCII: a location that is not a header value cannot come from here.
    let value = HeaderValue::from_str(location).map_err(|_| AppError::NotFound("event"))?;
    Ok((StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, value)]).into_response())
}

/// The 410 Gone page of a removed event: its last version, when and why, and its history.
fn gone_page(removed: &RemovedEvent) -> Result<Response, AppError> {
    let last = parse_object(&removed.last_version);
    let names = HashMap::new();
    let title = last
        .get("title")
        .and_then(Value::as_str)
        .unwrap_or(&removed.slug)
        .to_string();
    let fields = FIELDS
        .iter()
        .filter(|f| !matches!(**f, "slug" | "title" | "links"))
        .filter_map(|f| {
            let text = field_text(f, last.get(*f)?, &names);
            (!text.is_empty()).then_some((label(f), text))
        })
        .collect();
    let mut layout = Layout::new(format!("Removed: {} · conflict-timeline", isolate(&title)));
    layout.robots = Some("noindex");
    let page = GonePage {
        layout,
        title,
        removed_words: day_words(&removed.removed_at),
        removed_at: removed.removed_at.clone(),
        reason: removed.reason.clone(),
        history_url: format!("/events/{}/history", removed.slug),
        fields,
    };
    let mut response = Html(page.render()?).into_response();
    *response.status_mut() = StatusCode::GONE;
    Ok(response)
}

/// `GET /events/{slug}/history`.
pub async fn show_history(
    State(state): State<AppState>,
    Segment(slug): Segment,
) -> Result<Response, AppError> {
    if !crate::slug::is_valid(&slug, crate::model::EVENT_SLUG_MAX) {
        return Err(AppError::NotFound("event"));
    }
    let (event_id, title, now, event_url) = match queries::event_by_slug(&state.db, &slug).await? {
        Some(event) => {
            let id = event.summary.id;
            let now = history::current_version(&state.db, id)
                .await?
                .map(|v| parse_object(&v))
                .unwrap_or_default();
            (
                id,
                event.summary.title,
                now,
                Some(format!("/events/{slug}")),
            )
        }
        None => {
            if let Some(moved) = moved_or_gone(&state, &slug, "/history").await? {
                return Ok(moved);
            }
            let removed = history::removed_by_slug(&state.db, &slug)
                .await?
                .ok_or(AppError::NotFound("event"))?;
            let last = parse_object(&removed.last_version);
            let title = last
                .get("title")
                .and_then(Value::as_str)
                .unwrap_or(&slug)
                .to_string();
            (removed.event_id, title, last, None)
        }
    };
    let changes = history::event_changes(&state.db, event_id).await?;
    let changes = change_views(&state, changes, now).await?;
    let mut layout = Layout::new(format!(
        "History of {} · conflict-timeline",
        isolate(&title)
    ));
    layout.canonical = Some(format!("{}/events/{slug}/history", state.config.public_url));
    let page = HistoryPage {
        layout,
        title,
        event_url,
        changes,
    };
    Ok(Html(page.render()?).into_response())
}

/// The filters of `/changes`, `/changes.atom` and `/api/changes`, as typed and as meant.
#[derive(Clone, Debug, Default)]
pub struct ChangeParams {
    /// `from` as typed.
    pub from: String,
    /// `to` as typed.
    pub to: String,
    /// `conflict` as typed.
    pub conflict: String,
    /// The kinds asked for (none: all).
    pub kinds: Vec<ChangeKind>,
    /// What the values mean.
    pub filter: ChangeFilter,
}

impl ChangeParams {
    /// Reads `from`, `to` (days, months or years: the imports that finished in that range,
    /// UTC), `conflict` and `kind` (repeatable), pushing each problem onto `problems`.
    pub fn from_raw(raw: &RawParams, problems: &mut Vec<ParamProblem>) -> ChangeParams {
        let mut out = ChangeParams::default();
        for name in ["from", "to"] {
            match raw.single(name) {
                Ok(Some(value)) => match parse_filter_date(value) {
                    Ok((first, _)) if name == "from" => {
                        out.from = value.to_string();
                        out.filter.since = Some(first.iso());
                    }
                    Ok((_, last)) => {
                        out.to = value.to_string();
                        out.filter.until = Some(crate::edtf::Day(last.0 + 1).iso());
                    }
                    Err(err) => problems.push(ParamProblem::new(name, value, err.to_string())),
                },
                Ok(None) => {}
                Err(problem) => problems.push(problem),
            }
        }
        (out.conflict, out.filter.conflict) = kept(raw.conflict_slug("conflict"), problems);
        out.kinds = raw.change_kinds("kind", problems);
        out.filter.kinds = out.kinds.clone();
        out
    }

    /// The query string of these filters (without paging).
    pub fn query(&self) -> String {
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        for (name, value) in [
            ("from", &self.from),
            ("to", &self.to),
            ("conflict", &self.conflict),
        ] {
            if !value.is_empty() {
                pairs.push((name, value.as_str()));
            }
        }
        for kind in &self.kinds {
            pairs.push(("kind", kind.as_str()));
        }
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

/// One change as `/changes` lists it.
struct ChangeItem {
    at_words: String,
    at: String,
    kind: &'static str,
    kind_words: &'static str,
    title: String,
    /// The event's page (a removed one's answers 410 with its last version).
    event_url: String,
    history_url: String,
    conflict: String,
    /// The fields that changed, as readers call them, comma-separated.
    fields: String,
}

impl From<&ListedChange> for ChangeItem {
    fn from(c: &ListedChange) -> Self {
        let kind = ChangeKind::parse(&c.change.kind).unwrap_or(ChangeKind::Changed);
        ChangeItem {
            at_words: day_words(&c.change.at),
            at: c.change.at.clone(),
            kind: kind.as_str(),
            kind_words: kind_words(kind),
            title: c.title.clone(),
            event_url: format!("/events/{}", c.slug),
            history_url: format!("/events/{}/history", c.slug),
            conflict: c.conflict_slug.clone(),
            fields: c
                .change
                .fields()
                .into_iter()
                .map(label)
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

#[derive(Template)]
#[template(path = "changes.html")]
struct ChangesPage {
    layout: Layout,
    params: ChangeParams,
    /// (slug, name, selected) of every conflict, for the filter.
    conflicts: Vec<(String, String, bool)>,
    /// (kind, words, checked).
    kinds: Vec<(&'static str, &'static str, bool)>,
    items: Vec<ChangeItem>,
    next_url: Option<String>,
    atom_url: String,
}

fn parse_changes(query: Option<&str>) -> Result<(ChangeParams, Option<i64>), AppError> {
    let raw = RawParams::parse(query).map_err(|p| AppError::BadRequest(vec![p]))?;
    let mut problems = Vec::new();
    let params = ChangeParams::from_raw(&raw, &mut problems);
    let before = raw.change_id("before").unwrap_or_else(|problem| {
        problems.push(problem);
        None
    });
    if !problems.is_empty() {
        return Err(AppError::BadRequest(problems));
    }
    Ok((params, before))
}

/// `GET /changes`: the latest changes, newest first, 50 a page.
pub async fn show_changes(
    State(state): State<AppState>,
    uri: axum::http::Uri,
) -> Result<Response, AppError> {
    let (params, before) = parse_changes(uri.query())?;
    let rows = history::list_changes(
        &state.db,
        &params.filter,
        ChangePage::NewestFirst { before },
        CHANGES_PER_PAGE + 1,
    )
    .await?;
    let more = rows.len() > CHANGES_PER_PAGE as usize;
    let shown = &rows[..rows.len().min(CHANGES_PER_PAGE as usize)];
    let query = params.query();
    let next_url = more.then(|| shown.last()).flatten().map(|last| {
        format!(
            "/changes?{query}{}before={}",
            if query.is_empty() { "" } else { "&" },
            last.change.id
        )
    });
    let atom_url = if query.is_empty() {
        "/changes.atom".to_string()
    } else {
        format!("/changes.atom?{query}")
    };
    let conflicts: Vec<(String, String, bool)> = queries::conflicts(&state.db)
        .await?
        .into_iter()
        .map(|c| {
            let selected = c.slug == params.conflict;
            (c.slug, c.name, selected)
        })
        .collect();
    // Each change names its conflict as a reader knows it, not by its slug.
    let mut items: Vec<ChangeItem> = shown.iter().map(ChangeItem::from).collect();
    for item in &mut items {
        if let Some((_, name, _)) = conflicts.iter().find(|(slug, _, _)| *slug == item.conflict) {
            item.conflict = name.clone();
        }
    }
    let kinds = [
        ChangeKind::Added,
        ChangeKind::Changed,
        ChangeKind::Renamed,
        ChangeKind::Removed,
    ]
    .into_iter()
    .map(|k| (k.as_str(), kind_words(k), params.kinds.contains(&k)))
    .collect();
    let mut layout = Layout::new("What changed · conflict-timeline");
    layout.description =
        Some("The latest corrections, additions and removals of events, import by import.".into());
    layout.canonical = Some(format!("{}/changes", state.config.public_url));
    layout.alternates.push(Alternate {
        href: atom_url.clone(),
        media_type: "application/atom+xml",
        title: "What changed (Atom)",
    });
    if before.is_some() {
        layout.robots = Some("noindex");
    }
    let page = ChangesPage {
        layout,
        items,
        params,
        conflicts,
        kinds,
        next_url,
        atom_url,
    };
    Ok(Html(page.render()?).into_response())
}

/// `GET /changes.atom`: the newest 100 changes the filters keep, as an Atom feed; each
/// entry's id is the change's (a tag URI under the site), its link the event's history.
pub async fn changes_atom(
    State(state): State<AppState>,
    uri: axum::http::Uri,
) -> Result<Response, AppError> {
    let (params, before) = parse_changes(uri.query())?;
    if let Some(before) = before {
        return Err(AppError::BadRequest(vec![ParamProblem::new(
            "before",
            &before.to_string(),
            "does not apply to the feed, which holds the newest changes",
        )]));
    }
    let rows = history::list_changes(
        &state.db,
        &params.filter,
        ChangePage::NewestFirst { before: None },
        FEED_ENTRIES,
    )
    .await?;
    let base = state.config.public_url.trim_end_matches('/');
    let query = params.query();
    let self_url = if query.is_empty() {
        format!("{base}/changes.atom")
    } else {
        format!("{base}/changes.atom?{query}")
    };
    let updated = rows
        .first()
        .map(|r| r.change.at.clone())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_string());
    let mut text = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    text.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    text.push_str(&format!("  <id>{}</id>\n", xml(&self_url)));
    text.push_str("  <title>What changed · conflict-timeline</title>\n");
    text.push_str(&format!("  <updated>{}</updated>\n", xml(&updated)));
    text.push_str(&format!(
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n",
        xml(&self_url)
    ));
    text.push_str(&format!(
        "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
        xml(&format!(
            "{base}/changes{}",
            if query.is_empty() {
                String::new()
            } else {
                format!("?{query}")
            }
        ))
    ));
    text.push_str("  <author><name>conflict-timeline</name></author>\n");
    for row in &rows {
        let item = ChangeItem::from(row);
        let summary = if item.fields.is_empty() {
            format!("{}: {}", item.kind_words, row.title)
        } else {
            format!("{}: {} ({})", item.kind_words, row.title, item.fields)
        };
        text.push_str("  <entry>\n");
        text.push_str(&format!(
            "    <id>{}</id>\n",
            xml(&format!("{base}/changes#change-{}", row.change.id))
        ));
        text.push_str(&format!(
            "    <title>{}</title>\n",
            xml(&format!("{}: {}", item.kind_words, row.title))
        ));
        text.push_str(&format!("    <updated>{}</updated>\n", xml(&row.change.at)));
        text.push_str(&format!(
            "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
            xml(&format!("{base}{}", item.history_url))
        ));
        text.push_str(&format!("    <category term=\"{}\"/>\n", item.kind));
        text.push_str(&format!(
            "    <summary type=\"text\">{}</summary>\n",
            xml(&summary)
        ));
        text.push_str("  </entry>\n");
    }
    text.push_str("</feed>\n");
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/atom+xml; charset=utf-8"),
        )],
        text,
    )
        .into_response())
}
