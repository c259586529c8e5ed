-- A turning point of a conflict, flagged by the dataset's editors (`notable = true` in the
-- native format). Where the overview strip has room for only some labels (a dense range
-- drawn as a histogram, or more titles than fit), flagged events are labelled first; other
-- events rank by their sources, links and recorded fatalities.
ALTER TABLE event ADD COLUMN notable INTEGER NOT NULL DEFAULT 0 CHECK (notable IN (0, 1));

-- The flagged events of a date range, in timeline order: a handful per conflict, so the
-- partial index stays tiny however many events there are.
CREATE INDEX event_notable ON event (start_day, end_day, id) WHERE notable = 1;
