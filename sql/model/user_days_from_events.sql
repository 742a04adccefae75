-- model_user_days — grain: one row per (user_key, local event_date) on or before
-- $data_end with at least one activity event (core.events.is_active, the shared definition
-- of "active"); count_active_events = those events. From core.events: the fallback when
-- core.user_activity_events is missing or stale (user_days_from_activity.sql).
CREATE OR REPLACE TEMP TABLE model_user_days AS
SELECT
    user_key,
    event_date,
    count(*)::INTEGER AS count_active_events
FROM core.events
WHERE is_active AND user_key IS NOT NULL AND event_date <= $data_end
GROUP BY user_key, event_date;
