-- The core model: conflicts, their eras and events, the actors involved, the sources that
-- document each event, and typed links between events.
--
-- Dates: every dated row keeps the EDTF string a historian wrote (`edtf`) and the earliest and
-- latest day that value can cover (`start_day`, `end_day`), as days since 1970-01-01 in the
-- proleptic Gregorian calendar. Open or unknown ends are stored as 0000-01-01 (-719528) and
-- 9999-12-31 (2932896). The application derives the day bounds from the EDTF string; the
-- schema only guards their order.
--
-- All tables are STRICT so that a wrong type is an error, not a silent coercion.

CREATE TABLE conflict (
    id      INTEGER PRIMARY KEY,
    slug    TEXT NOT NULL UNIQUE
            CHECK (length(slug) BETWEEN 1 AND 100 AND slug NOT GLOB '*[^a-z0-9-]*'),
    name    TEXT NOT NULL CHECK (length(trim(name)) > 0),
    summary TEXT NOT NULL DEFAULT '',
    region  TEXT
) STRICT;

-- A named period of a conflict (a war, a blockade), drawn as a band on the timeline.
CREATE TABLE era (
    id          INTEGER PRIMARY KEY,
    conflict_id INTEGER NOT NULL REFERENCES conflict (id) ON DELETE CASCADE,
    slug        TEXT NOT NULL
                CHECK (length(slug) BETWEEN 1 AND 100 AND slug NOT GLOB '*[^a-z0-9-]*'),
    name        TEXT NOT NULL CHECK (length(trim(name)) > 0),
    edtf        TEXT NOT NULL CHECK (length(edtf) > 0),
    start_day   INTEGER NOT NULL,
    end_day     INTEGER NOT NULL,
    summary     TEXT NOT NULL DEFAULT '',
    CHECK (start_day <= end_day),
    UNIQUE (conflict_id, slug)
) STRICT;

CREATE TABLE event (
    id              INTEGER PRIMARY KEY,
    conflict_id     INTEGER NOT NULL REFERENCES conflict (id) ON DELETE CASCADE,
    -- Stable, human-readable, used in URLs: never reused for another event.
    slug            TEXT NOT NULL UNIQUE
                    CHECK (length(slug) BETWEEN 1 AND 200 AND slug NOT GLOB '*[^a-z0-9-]*'),
    title           TEXT NOT NULL CHECK (length(trim(title)) BETWEEN 1 AND 300),
    summary         TEXT NOT NULL DEFAULT '',
    -- Markdown; sanitised when rendered, never trusted.
    body            TEXT NOT NULL DEFAULT '',
    edtf            TEXT NOT NULL CHECK (length(edtf) > 0),
    start_day       INTEGER NOT NULL,
    end_day         INTEGER NOT NULL,
    -- Optional wording that overrides the words derived from `edtf` ("mid-March 2023").
    date_label      TEXT CHECK (date_label IS NULL OR length(trim(date_label)) > 0),
    category        TEXT NOT NULL
                    CHECK (length(category) BETWEEN 1 AND 60 AND category NOT GLOB '*[^a-z0-9-]*'),
    place           TEXT CHECK (place IS NULL OR length(trim(place)) > 0),
    latitude        REAL CHECK (latitude BETWEEN -90 AND 90),
    longitude       REAL CHECK (longitude BETWEEN -180 AND 180),
    fatalities_best INTEGER CHECK (fatalities_best >= 0),
    fatalities_low  INTEGER CHECK (fatalities_low >= 0),
    fatalities_high INTEGER CHECK (fatalities_high >= 0),
    -- Hash of everything an import wrote for this event (its actors, sources and links
    -- included): a re-import of an unchanged row is recognised without rewriting it.
    content_hash    TEXT NOT NULL,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    CHECK (start_day <= end_day),
    CHECK ((latitude IS NULL) = (longitude IS NULL)),
    CHECK (fatalities_low IS NULL OR fatalities_high IS NULL OR fatalities_low <= fatalities_high)
) STRICT;

-- Overlap queries ("events whose span meets [from, to]") are split in two so that both ends
-- are bounded by an index:
--   * short events (span of at most 400 days: every day, month, season or year value) are
--     found by a range scan of `event_by_start` over [from - 400, to], in timeline order;
--   * the few long events (decades, multi-year intervals, open ends) come from the partial
--     index `event_long`.
-- The queries must repeat the partial index's condition word for word for SQLite to use it.
CREATE INDEX event_by_start ON event (start_day, end_day, id);
CREATE INDEX event_long ON event (start_day, end_day, id) WHERE end_day - start_day > 400;
-- Previous and next event within a conflict.
CREATE INDEX event_by_conflict ON event (conflict_id, start_day, end_day, id);
CREATE INDEX event_by_category ON event (category, start_day);

CREATE TABLE actor (
    id   INTEGER PRIMARY KEY,
    -- The slug is the actor's identity: names that differ only in case or punctuation are
    -- one actor. It may hold non-ASCII letters (lower-cased), so no ASCII-only check here.
    slug TEXT NOT NULL UNIQUE CHECK (length(slug) BETWEEN 1 AND 200 AND slug NOT GLOB '*[ /?#&]*'),
    name TEXT NOT NULL CHECK (length(trim(name)) > 0)
) STRICT;

CREATE TABLE event_actor (
    event_id INTEGER NOT NULL REFERENCES event (id) ON DELETE CASCADE,
    actor_id INTEGER NOT NULL REFERENCES actor (id),
    -- The order the actors were given in (ACLED's actor1 before actor2, and so on).
    position INTEGER NOT NULL CHECK (position >= 0),
    PRIMARY KEY (event_id, actor_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX event_actor_by_actor ON event_actor (actor_id, event_id);

-- A citation of an event.
CREATE TABLE source (
    id        INTEGER PRIMARY KEY,
    event_id  INTEGER NOT NULL REFERENCES event (id) ON DELETE CASCADE,
    position  INTEGER NOT NULL CHECK (position >= 0),
    title     TEXT NOT NULL CHECK (length(trim(title)) > 0),
    publisher TEXT,
    -- Only web links: a `javascript:` or `data:` URL must never reach a page.
    url       TEXT CHECK (url IS NULL OR url GLOB 'http://?*' OR url GLOB 'https://?*'),
    -- YYYY, YYYY-MM or YYYY-MM-DD: as precise as the source states it.
    published TEXT CHECK (published IS NULL OR published GLOB '[0-9][0-9][0-9][0-9]*'),
    note      TEXT,
    UNIQUE (event_id, position)
) STRICT;

-- "The ceasefire statement ends the fighting": a typed, directed relation between events.
CREATE TABLE event_link (
    from_event_id INTEGER NOT NULL REFERENCES event (id) ON DELETE CASCADE,
    to_event_id   INTEGER NOT NULL REFERENCES event (id) ON DELETE CASCADE,
    rel           TEXT NOT NULL CHECK (rel IN ('follows', 'responds-to', 'ends', 'related')),
    PRIMARY KEY (from_event_id, to_event_id, rel),
    CHECK (from_event_id <> to_event_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX event_link_by_target ON event_link (to_event_id);

-- One row: bumped by every import that changes anything. HTTP ETags derive from it, so a
-- cache in front of any number of read-only servers sees new data as soon as it lands.
CREATE TABLE dataset_version (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    version     INTEGER NOT NULL CHECK (version >= 0),
    imported_at TEXT
) STRICT;
INSERT INTO dataset_version (id, version, imported_at) VALUES (1, 0, NULL);

-- Full-text search over what a reader would type: titles, summaries, bodies, actor names and
-- places. The index keeps no copy of the text (external content): snippets read it back from
-- this view by rowid. The importer maintains the index explicitly, because a document spans
-- two tables (event and its actors) that row triggers cannot see at once.
CREATE VIEW event_search_doc AS
SELECT e.id AS id,
       e.title AS title,
       e.summary AS summary,
       e.body AS body,
       coalesce((SELECT group_concat(a.name, '; ')
                 FROM event_actor ea JOIN actor a ON a.id = ea.actor_id
                 WHERE ea.event_id = e.id), '') AS actors,
       coalesce(e.place, '') AS place
FROM event e;

CREATE VIRTUAL TABLE event_fts USING fts5(
    title, summary, body, actors, place,
    content = 'event_search_doc',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
