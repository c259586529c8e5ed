//! What changed: the imports as revisions, each event's changes, removed events'
//! tombstones and former slugs (the tables of migration `0014_history.sql`, written by the
//! importer's `writer::history`). Only reads.

use std::collections::HashMap;

use sqlx::{FromRow, QueryBuilder, Sqlite, SqlitePool};

use super::queries::push_list;

/// The fields of an event's version, in the order pages show them (the `event_version`
/// view's keys).
pub const FIELDS: &[&str] = &[
    "slug",
    "conflict",
    "title",
    "date",
    "label",
    "summary",
    "body",
    "category",
    "place",
    "places",
    "coordinates",
    "fatalities",
    "notable",
    "actors",
    "sources",
    "links",
];

/// What happened to an event in a revision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChangeKind {
    /// A new event.
    Added,
    /// Fields changed, the slug kept.
    Changed,
    /// Fields changed, the slug among them (the old one redirects).
    Renamed,
    /// Taken out of the chronology (a tombstone keeps its last version).
    Removed,
}

impl ChangeKind {
    /// Every kind, in the order filters offer them.
    pub const ALL: [ChangeKind; 4] = [
        ChangeKind::Added,
        ChangeKind::Changed,
        ChangeKind::Renamed,
        ChangeKind::Removed,
    ];

    /// The name stored and used in URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Changed => "changed",
            ChangeKind::Renamed => "renamed",
            ChangeKind::Removed => "removed",
        }
    }

    /// The kind a stored or typed name stands for.
    pub fn parse(s: &str) -> Option<ChangeKind> {
        ChangeKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One import, as recorded.
#[derive(Clone, Debug, FromRow)]
pub struct Revision {
    /// The revision's number, in import order.
    pub id: i64,
    /// When the import began and committed (UTC, ISO 8601 with milliseconds).
    pub started_at: String,
    /// See `started_at`.
    pub finished_at: String,
    /// Formats of the files, comma-separated.
    pub format: String,
    /// JSON object of the options.
    pub options: String,
    /// JSON array of `{name, size, sha256}`.
    pub files: String,
    /// Events the import added.
    pub added: i64,
    /// Events whose fields it changed (renames included).
    pub changed: i64,
    /// Events it confirmed as they were.
    pub unchanged: i64,
    /// Events it removed.
    pub removed: i64,
}

/// One change of one event, with when its import finished.
#[derive(Clone, Debug, FromRow)]
pub struct EventChange {
    /// The change's id (changes are numbered in the order imports made them).
    pub id: i64,
    /// The import that made it.
    pub revision_id: i64,
    /// The event (current or removed).
    pub event_id: i64,
    /// `added`, `changed`, `renamed` or `removed` (see [`ChangeKind`]).
    pub kind: String,
    /// JSON object of the previous values of the fields that changed.
    pub previous: Option<String>,
    /// When the import that made it finished (UTC).
    pub at: String,
}

/// A removed event: its tombstone.
#[derive(Clone, Debug, FromRow)]
pub struct RemovedEvent {
    /// The id it had (never reused).
    pub event_id: i64,
    /// The slug it had when removed.
    pub slug: String,
    /// JSON object of every field as it last was.
    pub last_version: String,
    /// The import that removed it.
    pub revision_id: i64,
    /// When (UTC).
    pub removed_at: String,
    /// Why, in words a reader sees.
    pub reason: String,
}

/// A change as `/changes` and `/api/changes` list it: the change (its id is the keyset
/// cursor) and the event it is of.
#[derive(Clone, Debug, FromRow)]
pub struct ListedChange {
    #[sqlx(flatten)]
    pub change: EventChange,
    /// The event's slug now (or when it was removed).
    pub slug: String,
    /// Its title now (or when it was removed).
    pub title: String,
    /// The slug of its conflict.
    pub conflict_slug: String,
    /// Whether the event is still there.
    pub current: bool,
}

impl EventChange {
    /// Whether an import corrected the event here (changed or renamed it).
    pub fn is_correction(&self) -> bool {
        matches!(
            ChangeKind::parse(&self.kind),
            Some(ChangeKind::Changed | ChangeKind::Renamed)
        )
    }

    /// The names of the fields that changed (none for other kinds), in [`FIELDS`] order.
    pub fn fields(&self) -> Vec<&'static str> {
        let Some(previous) = self.previous.as_deref().and_then(|p| {
            serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(p).ok()
        }) else {
            return Vec::new();
        };
        FIELDS
            .iter()
            .copied()
            .filter(|f| previous.contains_key(*f))
            .collect()
    }
}

/// Which changes a list shows, newest first or (with `after`) oldest first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChangeFilter {
    /// Changes made by imports that finished at or after this UTC time (ISO 8601 prefix).
    pub since: Option<String>,
    /// Changes made by imports that finished before this UTC time.
    pub until: Option<String>,
    /// Changes of events of this conflict (slug).
    pub conflict: Option<String>,
    /// Changes of these kinds (none: all).
    pub kinds: Vec<ChangeKind>,
}

/// The first change id of the imports that finished at or after a time (bound after
/// this, then a closing parenthesis); past every id when none did.
pub const FIRST_CHANGE_SINCE: &str = "(SELECT coalesce(min(first_change_id), 9223372036854775807)
     FROM import_revision WHERE finished_at >= ";

/// Every revision, newest first.
pub async fn revisions(pool: &SqlitePool) -> Result<Vec<Revision>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, started_at, finished_at, format, options, files, added, changed, unchanged,
                removed
         FROM import_revision ORDER BY id DESC",
    )
    .fetch_all(pool)
    .await
}

/// The changes of one event, oldest first (bound: its id). They are found by following
/// the event's chain (`chain`): its latest change (`event_last_change`), then each one's
/// `prior` (see `0018_history_compact.sql`).
pub const EVENT_CHANGES: &str = "WITH RECURSIVE chain(id) AS (
         SELECT change_id FROM event_last_change WHERE event_id = ?1
         UNION ALL
         SELECT c.prior FROM event_change c JOIN chain ON c.id = chain.id
         WHERE c.prior IS NOT NULL)
     SELECT c.id, c.revision_id, c.event_id, c.kind, c.previous, r.finished_at AS at
     FROM chain CROSS JOIN event_change_json c ON c.id = chain.id
     JOIN import_revision r ON r.id = c.revision_id
     ORDER BY c.id";

/// The changes of one event, oldest first.
pub async fn event_changes(
    pool: &SqlitePool,
    event_id: i64,
) -> Result<Vec<EventChange>, sqlx::Error> {
    sqlx::query_as(EVENT_CHANGES)
        .bind(event_id)
        .fetch_all(pool)
        .await
}

/// The event's version now (JSON object of every field), if it is there.
pub async fn current_version(
    pool: &SqlitePool,
    event_id: i64,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT version FROM event_version WHERE id = ?1")
        .bind(event_id)
        .fetch_optional(pool)
        .await
}

/// The latest tombstone of a slug, if an event under it was removed and no event has it now.
pub async fn removed_by_slug(
    pool: &SqlitePool,
    slug: &str,
) -> Result<Option<RemovedEvent>, sqlx::Error> {
    sqlx::query_as(
        "SELECT event_id, slug, last_version, revision_id, removed_at, reason
         FROM event_removed
         WHERE slug = ?1 AND NOT EXISTS (SELECT 1 FROM event WHERE slug = ?1)
         ORDER BY event_id DESC LIMIT 1",
    )
    .bind(slug)
    .fetch_optional(pool)
    .await
}

/// Where a slug that no event has now points: the current slug of the event that had it
/// (renamed since), or the tombstone's slug of the removed event that had it.
pub async fn alias_target(pool: &SqlitePool, slug: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT coalesce(e.slug, r.slug) FROM event_slug_alias a
         LEFT JOIN event e ON e.id = a.event_id
         LEFT JOIN event_removed r ON r.event_id = a.event_id
         WHERE a.slug = ?1 AND NOT EXISTS (SELECT 1 FROM event WHERE slug = ?1)
           AND coalesce(e.slug, r.slug) IS NOT NULL AND coalesce(e.slug, r.slug) <> ?1",
    )
    .bind(slug)
    .fetch_optional(pool)
    .await
}

/// The slug and title of events, current or removed, by id (links in a history name their
/// targets by id).
pub async fn event_names(
    pool: &SqlitePool,
    ids: &[i64],
) -> Result<HashMap<i64, (String, String)>, sqlx::Error> {
    let mut names = HashMap::new();
    for chunk in ids.chunks(500) {
        let mut query = QueryBuilder::<Sqlite>::new("SELECT id, slug, title FROM event");
        push_list(&mut query, " WHERE id IN (", chunk.iter().copied(), ")");
        query.push(
            " UNION ALL SELECT event_id, slug, json_extract(last_version, '$.title')
               FROM event_removed",
        );
        push_list(
            &mut query,
            " WHERE event_id IN (",
            chunk.iter().copied(),
            ")",
        );
        let rows: Vec<(i64, String, String)> = query.build_query_as().fetch_all(pool).await?;
        for (id, slug, title) in rows {
            names.entry(id).or_insert((slug, title));
        }
    }
    Ok(names)
}

/// Which way a page of changes runs, and the change id it resumes after (keyset pages).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangePage {
    /// Newest first (the `/changes` page and feed), below this id.
    NewestFirst { before: Option<i64> },
    /// Oldest first (the API, reading forward from `since`), above this id.
    OldestFirst { after: Option<i64> },
}

/// A page of up to `limit` changes that `filter` keeps.
pub async fn list_changes(
    pool: &SqlitePool,
    filter: &ChangeFilter,
    page: ChangePage,
    limit: u32,
) -> Result<Vec<ListedChange>, sqlx::Error> {
    let mut query = QueryBuilder::<Sqlite>::new(
        "SELECT c.id, c.revision_id, c.event_id, c.kind, c.previous, r.finished_at AS at,
                coalesce(e.slug, t.slug) AS slug,
                coalesce(e.title, json_extract(t.last_version, '$.title')) AS title,
                k.slug AS conflict_slug,
                e.id IS NOT NULL AS current
         FROM event_change_json c
         JOIN import_revision r ON r.id = c.revision_id
         JOIN conflict k ON k.id = c.conflict_id
         LEFT JOIN event e ON e.id = c.event_id
         LEFT JOIN event_removed t ON t.event_id = c.event_id
         WHERE (e.id IS NOT NULL OR t.event_id IS NOT NULL)",
    );
    if let Some(since) = &filter.since {
        // The range of change ids first (see `first_change_id`), then the exact time.
        query
            .push(" AND c.id >= ")
            .push(FIRST_CHANGE_SINCE)
            .push_bind(since.clone())
            .push(")");
        query
            .push(" AND r.finished_at >= ")
            .push_bind(since.clone());
    }
    if let Some(until) = &filter.until {
        query.push(" AND r.finished_at < ").push_bind(until.clone());
    }
    if let Some(conflict) = &filter.conflict {
        query.push(" AND k.slug = ").push_bind(conflict.clone());
    }
    if !filter.kinds.is_empty() {
        let kinds = filter.kinds.iter().map(|kind| kind.as_str());
        push_list(&mut query, " AND c.kind IN (", kinds, ")");
    }
    match page {
        ChangePage::NewestFirst { before } => {
            if let Some(before) = before {
                query.push(" AND c.id < ").push_bind(before);
            }
            query.push(" ORDER BY c.id DESC");
        }
        ChangePage::OldestFirst { after } => {
            if let Some(after) = after {
                query.push(" AND c.id > ").push_bind(after);
            }
            query.push(" ORDER BY c.id");
        }
    }
    query.push(" LIMIT ").push_bind(i64::from(limit));
    query.build_query_as().fetch_all(pool).await
}
