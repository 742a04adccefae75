-- core.user_activity — grain: one row per user_key with at least one core.events row with
-- is_active (the activity definition of retainly.yaml): `dates`, the user's distinct active
-- local dates in the reporting zone, sorted. Internal: the marts' integer user id is this
-- table's rowid (`uid`; stable until the next build), so they never hash the VARCHAR
-- user_key again. One row per user (and one VARCHAR per user instead of one per user-day)
-- to write, compared with storing user-days.
-- This build groups the events by the VARCHAR user_key: the faster one when every key fits
-- in DuckDB's 12-byte inline strings (pipelines/metrics/build.py picks it then; longer keys:
-- user_activity_by_uid.sql). Dates are deduplicated within each user's list, not by a
-- DISTINCT aggregate: at 100M synthetic events 4.97 s instead of 6.53 s.
CREATE OR REPLACE TABLE core.user_activity AS
SELECT user_key, list_sort(list_distinct(list(event_date))) AS dates
FROM core.events
WHERE is_active
GROUP BY user_key;
