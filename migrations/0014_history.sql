-- What changed: every import is a recorded revision, every change to an event is kept as
-- the previous values of the fields that changed, removed events leave a tombstone, and an
-- event's former slugs keep answering (301) for ever.
--
-- Replaying the changes backwards from today's rows gives back every earlier import's rows:
-- an `added` change is undone by taking the event out, a `changed`/`renamed` one by putting
-- back the previous values it keeps, a `removed` one by putting back the tombstone's last
-- version.

-- One import (`conflict-timeline import`, or the first run's bundled dataset). Written in
-- the import's own transaction: an import that fails or only checks leaves no revision.
CREATE TABLE import_revision (
    id          INTEGER PRIMARY KEY,
    -- UTC, ISO 8601 with milliseconds.
    started_at  TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    -- The format of each file, comma-separated in file order (`native`, `csv`, `acled`…).
    format      TEXT NOT NULL,
    -- The command's options that change what an import does, as a JSON object
    -- (`{"replace": true, "conflict": "…"}`).
    options     TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(options)),
    -- The files, as a JSON array of `{"name", "size", "sha256"}` in the order given: a
    -- handful per import, read only by `imports` and the changes pages.
    files       TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(files)),
    added       INTEGER NOT NULL DEFAULT 0 CHECK (added >= 0),
    changed     INTEGER NOT NULL DEFAULT 0 CHECK (changed >= 0),
    unchanged   INTEGER NOT NULL DEFAULT 0 CHECK (unchanged >= 0),
    removed     INTEGER NOT NULL DEFAULT 0 CHECK (removed >= 0),
    -- The id of the first change this import made (`event_change.id`): imports hold the
    -- write lock one at a time, so a revision's changes follow every earlier one's, and
    -- "changed since" is a range of change ids (no index on times needed).
    first_change_id INTEGER NOT NULL DEFAULT 1
) STRICT;

-- One row per event per revision that added, changed, renamed or removed it. Compact on
-- purpose: a change keeps only the previous values of the fields that changed (a JSON
-- object, field name to previous value: `{"title": "Old title"}`), never a copy of the
-- row. The new values are the next change's previous ones, or today's row. `event_id` has
-- no foreign key: a removed event's id lives on in its tombstone, and ids are never reused.
CREATE TABLE event_change (
    id          INTEGER PRIMARY KEY,
    revision_id INTEGER NOT NULL REFERENCES import_revision (id),
    event_id    INTEGER NOT NULL,
    -- Kept here (not joined through the event, which a removal takes away) so that the
    -- changes of one conflict are found for either kind.
    conflict_id INTEGER NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('added', 'changed', 'renamed', 'removed')),
    -- For `changed` and `renamed`: the previous values; NULL otherwise.
    previous    TEXT CHECK (previous IS NULL OR json_valid(previous)),
    CHECK ((previous IS NOT NULL) = (kind IN ('changed', 'renamed')))
) STRICT;
-- An event's history, in order.
CREATE INDEX event_change_by_event ON event_change (event_id, id);

-- A removed event: taken out of `event` (so every list, count, facet, histogram, the
-- search index and the in-memory index leave it out with no condition of their own) and
-- kept here with its last version, so that its page answers 410 Gone with it.
CREATE TABLE event_removed (
    event_id    INTEGER PRIMARY KEY,
    slug        TEXT NOT NULL,
    conflict_id INTEGER NOT NULL,
    -- The event as it was last, as a JSON object of every field (the same shape the
    -- changes' previous values use).
    last_version TEXT NOT NULL CHECK (json_valid(last_version)),
    revision_id INTEGER NOT NULL REFERENCES import_revision (id),
    removed_at  TEXT NOT NULL,
    -- Why, in words a reader sees ("not in the file imported with --replace").
    reason      TEXT NOT NULL
) STRICT;
-- A slug may be removed, used again by a new event and removed again: the latest wins.
CREATE INDEX event_removed_by_slug ON event_removed (slug, event_id);

-- Former slugs of events (renamed by a corrected title or date): `/events/{old}` answers
-- 301 to the event's current address, for ever. The event's own slug always wins over an
-- alias (a new event may take a slug that was once another's).
CREATE TABLE event_slug_alias (
    slug     TEXT PRIMARY KEY,
    event_id INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Every field of an event that an import writes, as one JSON object: the shape of a
-- tombstone's last version, and what a change's previous values are compared against.
-- Links name their target by event id (a target's rename is not a change of the linking
-- event; a target's removal is, since the link goes with it). Actors are the stored names,
-- sources and actors in their given order, links ordered by relation and target: each list
-- aggregates an ordered subquery (SQLite feeds an aggregate the rows of a subquery in its
-- order), not `json_group_array(… ORDER BY …)`, which SQLite before 3.44 cannot parse. A
-- view in the schema must parse in every tool that opens the file (the sqlite3 shell,
-- Python's sqlite3, Datasette), however old its SQLite.
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
