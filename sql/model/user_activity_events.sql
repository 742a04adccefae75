-- core.user_activity_events — grain: one row per user_key with at least one activity event
-- (core.events.is_active): `dates`, the user's distinct active local dates, sorted (like
-- core.user_activity's), and `event_counts`, the number of activity events on each of those
-- dates (same positions). What scoring at the last loaded date reads instead of core.events
-- (models.activity.features.latest_feature_frame): the per-date counts, kept out of
-- core.user_activity, which the metrics marts scan and which costs less to build without
-- them. `histogram` counts per date in a map ordered by key (DuckDB sorts it).
CREATE OR REPLACE TABLE core.user_activity_events AS
SELECT user_key, map_keys(per_date) AS dates, map_values(per_date)::INTEGER[] AS event_counts
FROM (
    SELECT user_key, histogram(event_date) AS per_date
    FROM core.events
    WHERE is_active
    GROUP BY user_key
);
