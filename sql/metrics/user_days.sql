-- core.user_activity — grain: one row per user_key with at least one core.events row with
-- is_active (the activity definition of retainly.yaml): `dates`, the user's distinct active
-- local dates in the reporting zone, sorted; `event_counts`, the number of activity events
-- on each of those dates (same positions). Internal: the marts' integer user id is this
-- table's rowid (`uid`; stable until the next build), so they never hash the VARCHAR
-- user_key again; the activity model's scoring reads the counts. One aggregation of
-- core.events by user: `histogram` counts per date in a map ordered by key (DuckDB sorts
-- it), and one VARCHAR per user instead of one per user-day is 1/8 of the rows to write.
CREATE OR REPLACE TABLE core.user_activity AS
SELECT user_key, map_keys(per_date) AS dates, map_values(per_date)::INTEGER[] AS event_counts
FROM (
    SELECT user_key, histogram(event_date) AS per_date
    FROM core.events
    WHERE is_active
    GROUP BY user_key
);

-- core.user_days — grain: one row per (user_key, event_date) on which the user was active;
-- previous_date / next_date: the user's previous / next active date (NULL at either end).
-- A view over core.user_activity (same rows as a table would hold); the marts read
-- core.user_activity through the activity_days() macro (sql/metrics/activity_macros.sql), keyed by
-- uid. The neighbouring dates let the marts find spans, period firsts and gaps without a
-- self-join.
CREATE OR REPLACE VIEW core.user_days AS
SELECT
    user_key,
    dates[i] AS event_date,
    dates[i - 1] AS previous_date,
    dates[i + 1] AS next_date
FROM (SELECT user_key, dates, generate_subscripts(dates, 1) AS i FROM core.user_activity);
