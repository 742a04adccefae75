-- model_user_days (same rows as user_days_from_events.sql) unnested from
-- core.user_activity_events, which holds exactly those per-date counts for every date:
-- a tenth of the time of aggregating core.events again. Used when that table holds the
-- same activity events as core.events (models.activity.features.activity_events_problem).
CREATE OR REPLACE TEMP TABLE model_user_days AS
SELECT *
FROM (
    SELECT user_key, unnest(dates) AS event_date, unnest(event_counts) AS count_active_events
    FROM core.user_activity_events
    WHERE user_key IS NOT NULL
)
WHERE event_date <= $data_end;
