-- core.user_activity — grain: one row per user_key with at least one core.events row with
-- is_active (the activity definition of retainly.yaml): `dates`, the user's distinct active
-- local dates in the reporting zone, sorted. Internal: the marts' integer user id is this
-- table's rowid (`uid`; stable until the next build), so they never hash the VARCHAR
-- user_key again. One row per user (and one VARCHAR per user instead of one per user-day)
-- to write, compared with storing user-days. Built by user_activity_by_key.sql or
-- user_activity_by_uid.sql (pipelines/metrics/build.py picks by key length).

-- core.user_days — grain: one row per (user_key, event_date) on which the user was active;
-- previous_date / next_date: the user's previous / next active date (NULL at either end).
-- A view over core.user_activity (same rows as a table would hold); the marts read
-- core.user_activity's date lists directly, keyed by its rowid (an integer uid). The
-- neighbouring dates let the marts find spans, period firsts and gaps without a self-join.
CREATE OR REPLACE VIEW core.user_days AS
SELECT
    user_key,
    dates[i] AS event_date,
    dates[i - 1] AS previous_date,
    dates[i + 1] AS next_date
FROM (SELECT user_key, dates, generate_subscripts(dates, 1) AS i FROM core.user_activity);
