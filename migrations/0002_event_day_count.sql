-- How many events start on each day: a few thousand rows however many events there are.
-- The overview histogram of an unfiltered view sums this table instead of scanning the
-- events. The importer rebuilds it in the same transaction as the events it writes, so it
-- is never out of step with them.
CREATE TABLE event_day_count (
    day   INTEGER PRIMARY KEY,
    count INTEGER NOT NULL CHECK (count > 0)
) STRICT;

INSERT INTO event_day_count (day, count)
SELECT start_day, count(*) FROM event GROUP BY start_day;
