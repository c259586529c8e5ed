-- An event's history was indexed on (event_id, id); `id` is the table's rowid, which every
-- index entry holds anyway, so the id was kept twice in each entry. An index on the event
-- alone gives the same order (entries of one event sort by rowid) in about a quarter less
-- space: 11.5 instead of 15.2 bytes an entry (measured with dbstat at 110,000 changes).
DROP INDEX event_change_by_event;
CREATE INDEX event_change_by_event ON event_change (event_id);
