-- no-transaction
-- Fatality figures as their source published them. UCDP GED publishes rows whose low
-- estimate exceeds its high one (best 18, low 18, high 17); the `event` table refused them
-- (`CHECK (fatalities_low <= fatalities_high)`), so a real GED file did not import at all.
-- The importer now keeps such figures and reports each one; this rebuilds the table
-- without that CHECK. Every other constraint, column (in the same order), index and row
-- stays as it was, and the ids with them, so the rows that point at events (actors,
-- sources, links, places, history) and the full-text index (keyed by event id) still fit.
--
-- SQLite cannot drop a CHECK: the table is built anew, filled, the old one dropped and the
-- new one renamed. Dropping `event` while foreign keys are enforced would first delete
-- every row, cascading into `event_actor`, `source`, `event_link` and `event_place`, so
-- enforcement is switched off for the rebuild. That switch is ignored inside a
-- transaction, which is why this migration runs outside sqlx's (the first line) and opens
-- its own: the rebuild is still all or nothing. The two views that read `event` are
-- dropped first (a rename checks every view of the schema, and they would name a missing
-- table) and created again, word for word as migration 0015 left them.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;

DROP VIEW event_version;
DROP VIEW event_search_doc;

CREATE TABLE event_rebuilt (
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
    -- As published, each on its own: a low estimate above the high one is the source's
    -- (the import report names every such row), not ours to correct.
    fatalities_best INTEGER CHECK (fatalities_best >= 0),
    fatalities_low  INTEGER CHECK (fatalities_low >= 0),
    fatalities_high INTEGER CHECK (fatalities_high >= 0),
    -- Hash of everything an import wrote for this event (its actors, sources and links
    -- included): a re-import of an unchanged row is recognised without rewriting it.
    content_hash    TEXT NOT NULL,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    notable         INTEGER NOT NULL DEFAULT 0 CHECK (notable IN (0, 1)),
    CHECK (start_day <= end_day),
    CHECK ((latitude IS NULL) = (longitude IS NULL))
) STRICT;

INSERT INTO event_rebuilt (id, conflict_id, slug, title, summary, body, edtf, start_day,
                           end_day, date_label, category, place, latitude, longitude,
                           fatalities_best, fatalities_low, fatalities_high, content_hash,
                           created_at, updated_at, notable)
SELECT id, conflict_id, slug, title, summary, body, edtf, start_day, end_day, date_label,
       category, place, latitude, longitude, fatalities_best, fatalities_low,
       fatalities_high, content_hash, created_at, updated_at, notable
FROM event;

DROP TABLE event;
ALTER TABLE event_rebuilt RENAME TO event;

-- The indexes of migrations 0001, 0003, 0006 and 0013, as they were (see there for why).
CREATE INDEX event_long ON event (start_day, end_day, id) WHERE end_day - start_day > 400;
CREATE INDEX event_by_conflict ON event (conflict_id, start_day, end_day, id);
CREATE INDEX event_by_category ON event (category, start_day);
CREATE INDEX event_by_place ON event (place, start_day);
CREATE INDEX event_by_start ON event (start_day, end_day, id, category, conflict_id, place);
CREATE INDEX event_notable ON event (start_day, end_day, id) WHERE notable = 1;

-- The views of migration 0015, unchanged.
CREATE VIEW event_search_doc AS
SELECT e.id AS id,
       e.title AS title,
       e.summary AS summary,
       e.body AS body,
       coalesce((SELECT group_concat(a.name, '; ')
                 FROM event_actor ea JOIN actor a ON a.id = ea.actor_id
                 WHERE ea.event_id = e.id), '') AS actors,
       coalesce(e.place, '')
       || coalesce((SELECT ' ; ' || group_concat(pn.name || ' ' || pn.folded, ' ; ')
                    FROM event_place ep JOIN place_name pn ON pn.place_id = ep.place_id
                    WHERE ep.event_id = e.id), '') AS place
FROM event e;

CREATE VIEW event_version AS
SELECT e.id AS id,
       json_object(
           'slug', e.slug,
           'conflict', c.slug,
           'title', e.title,
           'summary', e.summary,
           'body', e.body,
           'date', e.edtf,
           'label', e.date_label,
           'category', e.category,
           'place', e.place,
           'places', json((SELECT json_group_array(slug) FROM (
                               SELECT p.slug FROM event_place ep JOIN place p ON p.id = ep.place_id
                               WHERE ep.event_id = e.id ORDER BY ep.position))),
           'coordinates', json(CASE WHEN e.latitude IS NOT NULL
                                    THEN json_array(e.latitude, e.longitude) END),
           'fatalities', json_object('best', e.fatalities_best, 'low', e.fatalities_low,
                                     'high', e.fatalities_high),
           'notable', json(CASE WHEN e.notable = 1 THEN 'true' ELSE 'false' END),
           'actors', json((SELECT json_group_array(name) FROM (
                               SELECT a.name FROM event_actor ea JOIN actor a ON a.id = ea.actor_id
                               WHERE ea.event_id = e.id ORDER BY ea.position))),
           'sources', json((SELECT json_group_array(json(source)) FROM (
                                SELECT json_object('title', s.title, 'publisher', s.publisher,
                                    'url', s.url, 'published', s.published, 'note', s.note) AS source
                                FROM source s WHERE s.event_id = e.id ORDER BY s.position))),
           'links', json((SELECT json_group_array(json(link)) FROM (
                              SELECT json_object('rel', l.rel, 'event', l.to_event_id) AS link
                              FROM event_link l WHERE l.from_event_id = e.id
                              ORDER BY l.rel, l.to_event_id)))
       ) AS version
FROM event e JOIN conflict c ON c.id = e.conflict_id;

COMMIT;
PRAGMA foreign_keys = ON;
