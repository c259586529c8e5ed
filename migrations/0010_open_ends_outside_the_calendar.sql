-- Open and unknown interval ends move outside the calendar. They were stored as the days
-- 0000-01-01 (-719528) and 9999-12-31 (2932896), which are also real days an event can
-- have: an event dated 0000 read as "open start" everywhere outside the parser. Now an
-- open or unknown start is -2147483648 and an open or unknown end 2147483647 (the i32
-- limits, far outside the years -999999 to 999999 a day can hold), so every real day reads
-- as itself. Only rows whose EDTF value has a missing end change: `../X` and `/X` start
-- open or unknown, `X/..` and `X/` end so.
UPDATE event SET start_day = -2147483648 WHERE edtf LIKE '../%' OR edtf LIKE '/%';
UPDATE event SET end_day = 2147483647 WHERE edtf LIKE '%/..' OR edtf LIKE '%/';
UPDATE era SET start_day = -2147483648 WHERE edtf LIKE '../%' OR edtf LIKE '/%';
UPDATE era SET end_day = 2147483647 WHERE edtf LIKE '%/..' OR edtf LIKE '%/';

-- The per-day start counts follow the moved starts.
DELETE FROM event_day_count;
INSERT INTO event_day_count (day, count)
SELECT start_day, count(*) FROM event GROUP BY start_day;

-- The span of the data leaves both kinds of missing end out (an open start no longer
-- stretches the timeline to the year 0, nor an open end to 9999); the earliest end and the
-- latest start stand in for them.
DELETE FROM data_span;
INSERT INTO data_span (id, first_day, last_day)
SELECT 1, min(coalesce(min_start, min_end), min_end), max(coalesce(max_end, max_start), max_start)
FROM (
    SELECT min(CASE WHEN start_day > -2147483648 THEN start_day END) AS min_start,
           min(end_day) AS min_end,
           max(CASE WHEN end_day < 2147483647 THEN end_day END) AS max_end,
           max(start_day) AS max_start
    FROM (SELECT start_day, end_day FROM event UNION ALL SELECT start_day, end_day FROM era)
);
