-- Places as records. Until now an event had one free-text `place` ("Stepanakert
-- (Khankendi)", "Baku, Yerevan and Stepanakert (Khankendi)"), which was also its facet
-- value: a name said whose side the text took, and another spelling found nothing.
--
-- A place has a slug (its URL), a display name chosen by the dataset's documented rule,
-- every other name with who uses it and a source, coordinates where known, a kind, and the
-- place it lies in. An event has any number of places (`event_place`). The event's own
-- `place` column stays: it keeps the wording the source gave ("Near Tegh, Syunik province,
-- Armenia"), so nothing written before is lost, and the structured places say which places
-- that wording names.

CREATE TABLE place (
    id        INTEGER PRIMARY KEY,
    slug      TEXT NOT NULL UNIQUE
              CHECK (length(slug) BETWEEN 1 AND 200 AND slug NOT GLOB '*[^a-z0-9-]*'),
    -- The display name (see docs/dataset-format.md, "Places").
    name      TEXT NOT NULL CHECK (length(trim(name)) > 0),
    -- What pages show: the display name with the first other name in brackets
    -- ("Shusha (Shushi)"); computed by the importer, kept here so every query reads it.
    label     TEXT NOT NULL CHECK (length(trim(label)) > 0),
    kind      TEXT CHECK (kind IS NULL OR kind IN ('city', 'town', 'village', 'district',
                  'region', 'corridor', 'border-area', 'city-abroad', 'site', 'country')),
    parent_id INTEGER REFERENCES place (id) ON DELETE SET NULL,
    -- WGS 84 degrees; absent when no source gives them (never guessed).
    latitude  REAL CHECK (latitude BETWEEN -90 AND 90),
    longitude REAL CHECK (longitude BETWEEN -180 AND 180),
    -- How exact the coordinates are, in the words of the file they came from
    -- ("acled geo_precision 2", "ucdp where_prec 1", "town centre").
    precision TEXT,
    note      TEXT NOT NULL DEFAULT '',
    CHECK ((latitude IS NULL) = (longitude IS NULL)),
    CHECK (parent_id IS NULL OR parent_id <> id)
) STRICT;

-- Every name of a place, the display name first (position 0). `folded` is the name's
-- comparison key (lower case, accents and the Azerbaijani letters ə and ı folded to ASCII,
-- words joined by single spaces: `place_names::fold`); the `place=` filter and the importers
-- find a place by its slug or any folded name.
CREATE TABLE place_name (
    place_id   INTEGER NOT NULL REFERENCES place (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL CHECK (position >= 0),
    name       TEXT NOT NULL CHECK (length(trim(name)) > 0),
    -- Who uses the name: "Armenian usage", "Azerbaijani spelling", "Soviet name", "Russian".
    usage      TEXT NOT NULL DEFAULT '',
    source_url TEXT CHECK (source_url IS NULL OR source_url GLOB 'http://?*'
                           OR source_url GLOB 'https://?*'),
    folded     TEXT NOT NULL,
    PRIMARY KEY (place_id, position)
) STRICT, WITHOUT ROWID;
CREATE INDEX place_name_by_folded ON place_name (folded, place_id);

CREATE TABLE event_place (
    event_id INTEGER NOT NULL REFERENCES event (id) ON DELETE CASCADE,
    place_id INTEGER NOT NULL REFERENCES place (id),
    -- The order the event names its places in.
    position INTEGER NOT NULL CHECK (position >= 0),
    PRIMARY KEY (event_id, place_id)
) STRICT, WITHOUT ROWID;
-- The events of a place (its page, the `place=` filter, counts per place).
CREATE INDEX event_place_by_place ON event_place (place_id, event_id);
CREATE INDEX place_by_parent ON place (parent_id);

-- Carrying today's free text over: one place per distinct text, linked to every event that
-- gave it. No text is split here: "Baku, Yerevan and Stepanakert (Khankendi)" or "Fuzuli
-- (Varanda) and Jabrayil (Jrakan)" could be split on commas and "and", but "Washington,
-- D.C." and "Ganja, Azerbaijan" show that such a rule would also cut names in two, so the
-- migration keeps each text whole and the dataset (or a re-import) says which places it
-- names. The slug is the text lower-cased with its separators made hyphens, when that
-- leaves a valid slug no other text shares; otherwise `place-N`.
CREATE TEMP TABLE carried (n INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE, slug TEXT);
INSERT INTO carried (text)
SELECT DISTINCT place FROM event WHERE place IS NOT NULL ORDER BY place;
UPDATE carried SET slug = trim(
    replace(replace(replace(replace(
        replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(
            lower(trim(text)),
            ' ', '-'), ',', '-'), '(', '-'), ')', '-'), '.', '-'), ';', '-'), '–', '-'),
            '/', '-'), '''', '-'), ':', '-'),
        '----', '-'), '---', '-'), '--', '-'), '--', '-'),
    '-');
UPDATE carried SET slug = 'place-' || n
WHERE slug = '' OR slug GLOB '*[^a-z0-9-]*' OR length(slug) > 200
   OR (SELECT count(*) FROM carried c2 WHERE c2.slug = carried.slug) > 1;

INSERT INTO place (slug, name, label)
SELECT slug, trim(text), trim(text) FROM carried ORDER BY n;
-- ASCII lower case is the fold of the texts carried over (they came from one dataset
-- written in English); `lower` leaves other letters as they are, which only makes such a
-- key stricter, never wrong. A re-import of a place writes its folded names again.
INSERT INTO place_name (place_id, position, name, usage, folded)
SELECT p.id, 0, p.name, '',
       trim(replace(replace(replace(replace(replace(replace(replace(
           lower(p.name), ',', ' '), '(', ' '), ')', ' '), ';', ' '), '.', ' '),
           '   ', ' '), '  ', ' '))
FROM place p;
INSERT INTO event_place (event_id, place_id, position)
SELECT e.id, p.id, 0 FROM event e JOIN carried c ON c.text = e.place JOIN place p ON p.slug = c.slug;
DROP TABLE carried;

-- An event's searchable text stays defined here, in one view (the full-text index and any
-- other search index read it): its `place` column now holds the source's wording and every
-- name of every place of the event, each beside its folded form, so that "Susa", "Şuşa",
-- "Shusha" and "Shushi" all find the events at Shusha.
DROP VIEW event_search_doc;
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
INSERT INTO event_fts (event_fts) VALUES ('rebuild');

-- The place facet counts places by slug now, labelled with their display label.
DELETE FROM facet_count WHERE facet = 'place';
INSERT INTO facet_count (facet, value, label, count)
SELECT 'place', p.slug, p.label, n
FROM (SELECT place_id, count(*) AS n FROM event_place GROUP BY place_id) JOIN place p ON p.id = place_id;

-- An event's version (migration 0014) now names its places too, by slug in the event's
-- order, so that history records a change of the places an event is linked to, not only of
-- its free-text `place`. Slugs, not names: a place's names can be corrected without every
-- event there counting as changed.
DROP VIEW event_version;
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
