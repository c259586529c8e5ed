-- Facet counts of the whole collection: how many events each category, actor, conflict and
-- place has. The unfiltered timeline shows them without counting a million rows per
-- request. Like `event_day_count`, the importer rebuilds this table in the same transaction
-- as the events it writes (see `db::aggregates`), so it is never out of step with them.
-- Filtered views count their own events, which an index bounds.
CREATE TABLE facet_count (
    facet TEXT NOT NULL CHECK (facet IN ('category', 'actor', 'conflict', 'place')),
    -- What the filter parameter takes: a category, an actor or conflict slug, a place name.
    value TEXT NOT NULL,
    -- What a reader sees.
    label TEXT NOT NULL,
    count INTEGER NOT NULL CHECK (count > 0),
    PRIMARY KEY (facet, value)
) STRICT, WITHOUT ROWID;
CREATE INDEX facet_by_count ON facet_count (facet, count DESC, value);

-- `place=` filters: every event at a place, in timeline order.
CREATE INDEX event_by_place ON event (place, start_day);

INSERT INTO facet_count (facet, value, label, count)
SELECT 'category', category, category, count(*) FROM event GROUP BY category;
INSERT INTO facet_count (facet, value, label, count)
SELECT 'place', place, place, count(*) FROM event WHERE place IS NOT NULL GROUP BY place;
INSERT INTO facet_count (facet, value, label, count)
SELECT 'conflict', c.slug, c.name, n
FROM (SELECT conflict_id, count(*) AS n FROM event GROUP BY conflict_id) JOIN conflict c ON c.id = conflict_id;
INSERT INTO facet_count (facet, value, label, count)
SELECT 'actor', a.slug, a.name, n
FROM (SELECT actor_id, count(*) AS n FROM event_actor GROUP BY actor_id) JOIN actor a ON a.id = actor_id;
