-- History in less room (issue 20: a re-import's kept changes within twice the size of the
-- changed text). Measured at 1,000,000 events with 100,000 changed titles (2.90 MB of
-- previous titles), migration 0017's layout added 2.70x: per change the previous title
-- wrapped in a JSON object (`{"title":"…"}`, 12 bytes more than the title), the kind as
-- text (`changed`, 7 bytes), and an entry in `event_change_by_event` (13 bytes).
--
-- Now:
-- * the kind is a small integer (0 added, 1 changed, 2 renamed, 3 removed: SQLite keeps 0
--   and 1 in the record header, so the two commonest take no byte at all);
-- * a change of one field (most corrections) keeps that field's code and its previous
--   value as it is (a title as text, a list as its JSON array); only a change of several
--   fields keeps a JSON object, as before;
-- * an event's changes form a chain (each names the event's change before it, `prior`)
--   and `event_last_change` names each event's latest one, in place of the index on the
--   event: a correction rewrites one entry of the same size, where the index grew by one
--   entry and split pages of the additions.
--
-- `event_change_json` gives every change in the old shape (the kind as a word, the
-- previous values as one JSON object), for pages, the API and any tool that opens the file.

-- The fields of an event's version (the keys of `event_version`, in its order): `json` says
-- whether a kept previous value is JSON text (a list, an object, `true`/`false`) rather than
-- the field's text.
CREATE TABLE change_field (
    code INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    json INTEGER NOT NULL CHECK (json IN (0, 1))
) STRICT;
INSERT INTO change_field (code, name, json) VALUES
    (0, 'slug', 0), (1, 'conflict', 0), (2, 'title', 0), (3, 'summary', 0), (4, 'body', 0),
    (5, 'date', 0), (6, 'label', 0), (7, 'category', 0), (8, 'place', 0), (9, 'places', 1),
    (10, 'coordinates', 1), (11, 'fatalities', 1), (12, 'notable', 1), (13, 'actors', 1),
    (14, 'sources', 1), (15, 'links', 1);

CREATE TABLE event_change_compact (
    id          INTEGER PRIMARY KEY,
    revision_id INTEGER NOT NULL REFERENCES import_revision (id),
    event_id    INTEGER NOT NULL,
    -- Kept here (not joined through the event, which a removal takes away) so that the
    -- changes of one conflict are found for either kind.
    conflict_id INTEGER NOT NULL,
    -- 0 added, 1 changed, 2 renamed (the slug among the fields changed), 3 removed.
    kind        INTEGER NOT NULL CHECK (kind BETWEEN 0 AND 3),
    -- For a change of one field: its code, and `previous` its value before (NULL when it
    -- had none). For a change of several: NULL, and `previous` a JSON object of field name
    -- to previous value. NULL for the other kinds.
    field       INTEGER REFERENCES change_field (code),
    previous    TEXT,
    -- The event's change before this one (NULL for its first).
    prior       INTEGER,
    CHECK (kind IN (1, 2) OR (field IS NULL AND previous IS NULL)),
    CHECK (kind NOT IN (1, 2) OR field IS NOT NULL OR coalesce(json_valid(previous), 0))
) STRICT;

INSERT INTO event_change_compact (id, revision_id, event_id, conflict_id, kind, field,
                                  previous, prior)
SELECT c.id, c.revision_id, c.event_id, c.conflict_id,
       CASE c.kind WHEN 'added' THEN 0 WHEN 'changed' THEN 1 WHEN 'renamed' THEN 2 ELSE 3 END,
       one.code,
       CASE WHEN one.code IS NULL THEN c.previous ELSE one.value END,
       (SELECT max(p.id) FROM event_change p WHERE p.event_id = c.event_id AND p.id < c.id)
FROM event_change c
LEFT JOIN (
    -- The changes of exactly one field, with that field's previous value as kept now.
    SELECT c1.id AS id, f.code AS code,
           CASE o.type WHEN 'null' THEN NULL WHEN 'true' THEN 'true' WHEN 'false' THEN 'false'
                       ELSE o.value END AS value
    FROM event_change c1, json_each(c1.previous) o JOIN change_field f ON f.name = o.key
    WHERE c1.previous IS NOT NULL
      AND (SELECT count(*) FROM json_each(c1.previous)) = 1
) one ON one.id = c.id;

-- Each event's latest change (current and removed events alike).
CREATE TABLE event_last_change (
    event_id  INTEGER PRIMARY KEY,
    change_id INTEGER NOT NULL
) STRICT;
INSERT INTO event_last_change (event_id, change_id)
SELECT event_id, max(id) FROM event_change GROUP BY event_id;

DROP TABLE event_change;
ALTER TABLE event_change_compact RENAME TO event_change;

-- Every change as migration 0014 kept it: the kind as a word, the previous values of the
-- fields that changed as one JSON object (NULL for additions and removals).
CREATE VIEW event_change_json AS
SELECT c.id AS id, c.revision_id AS revision_id, c.event_id AS event_id,
       c.conflict_id AS conflict_id, c.prior AS prior,
       CASE c.kind WHEN 0 THEN 'added' WHEN 1 THEN 'changed' WHEN 2 THEN 'renamed'
                   ELSE 'removed' END AS kind,
       CASE WHEN c.field IS NULL THEN c.previous
            WHEN f.json = 1 THEN json_object(f.name, json(c.previous))
            ELSE json_object(f.name, c.previous) END AS previous
FROM event_change c LEFT JOIN change_field f ON f.code = c.field;
