-- core.user_activity (grain and use: user_days.sql), built by grouping the events by the
-- VARCHAR user_key: the faster build when every key fits in DuckDB's 12-byte inline strings
-- (pipelines/metrics/build.py picks it then; longer keys: user_activity_by_uid.sql). Dates
-- are deduplicated within each user's list, not by a DISTINCT aggregate: at 100M synthetic
-- events 4.97 s instead of 6.53 s.
CREATE OR REPLACE TABLE core.user_activity AS
SELECT user_key, list_sort(list_distinct(list(event_date))) AS dates
FROM core.events
WHERE is_active
GROUP BY user_key;
