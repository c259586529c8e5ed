-- The span of the data: the earliest start and the latest finite end over all events and
-- eras, drawn as the context strip of every timeline page. Computing it takes a scan of
-- every event, so the importer stores it here (see `db::aggregates`) instead of each
-- request computing it. One row; NULLs when there is no data.
CREATE TABLE data_span (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    first_day INTEGER,
    last_day  INTEGER,
    CHECK (first_day IS NULL OR first_day <= last_day)
) STRICT;

INSERT INTO data_span (id, first_day, last_day)
SELECT 1, min(start_day),
       max(coalesce(max_end, max_start), max_start)
FROM (
    SELECT min(start_day) AS start_day,
           max(CASE WHEN end_day < 2932896 THEN end_day END) AS max_end,
           max(start_day) AS max_start
    FROM (SELECT start_day, end_day FROM event UNION ALL SELECT start_day, end_day FROM era)
);
