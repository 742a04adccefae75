-- Inputs of the activity model, built once per connection from core.events up to
-- $data_end (a local date): compact per-user-day tables that every point-in-time
-- feature and label window reads. core.users is deliberately not used: its current
-- plan, platform and last activity describe "now", which would leak the future into
-- older snapshots.

-- model_user_days — grain: one row per (user_key, local event_date) with at least one
-- activity event (core.events.is_active, the shared definition of "active").
CREATE OR REPLACE TEMP TABLE model_user_days AS
SELECT
    user_key,
    event_date,
    count(*)::INTEGER AS count_active_events
FROM core.events
WHERE is_active AND user_key IS NOT NULL AND event_date <= $data_end
GROUP BY user_key, event_date;

-- model_top_event_days — grain: one row per (user_key, event_date, event_index) where
-- event_index is the 1-based position of event_name in the configured $top_events.
CREATE OR REPLACE TEMP TABLE model_top_event_days AS
SELECT
    user_key,
    event_date,
    list_position($top_events::VARCHAR[], event_name) AS event_index,
    count(*)::INTEGER AS count_events
FROM core.events
WHERE is_active
    AND user_key IS NOT NULL
    AND event_date <= $data_end
    AND list_position($top_events::VARCHAR[], event_name) IS NOT NULL
GROUP BY ALL;

-- model_user_milestones — grain: one row per user_key first seen (first activity) on or
-- before $data_end. Only "first X" facts, each with the local date it became known, so a
-- snapshot keeps those known by its as_of; events after as_of cannot change a first that
-- happened before it. First touch (UTM) is read on the first-seen day, as in core.users;
-- signup is the first `Signed Up`; paid is the first `Subscription Started` or revenue.
CREATE OR REPLACE TEMP TABLE model_user_milestones AS
WITH firsts AS (
    SELECT user_key, min(event_date) AS first_seen_date
    FROM model_user_days
    GROUP BY user_key
),

events AS (
    SELECT e.*, f.first_seen_date
    FROM core.events AS e
    JOIN firsts AS f USING (user_key)
    WHERE e.event_date <= $data_end
)

SELECT
    user_key,
    any_value(first_seen_date) AS first_seen_date,
    arg_min(utm_source, event_ts) FILTER (WHERE utm_source IS NOT NULL AND event_date = first_seen_date) AS first_utm_source,
    arg_min(utm_medium, event_ts) FILTER (WHERE utm_source IS NOT NULL AND event_date = first_seen_date) AS first_utm_medium,
    min(event_date) FILTER (WHERE platform IS NOT NULL AND platform <> 'unknown') AS platform_known_date,
    arg_min(platform, event_ts) FILTER (WHERE platform IS NOT NULL AND platform <> 'unknown') AS platform,
    min(event_date) FILTER (WHERE event_name = 'Signed Up') AS signup_date,
    arg_min(json_extract_string(properties, '$.method'), (event_ts, event_id)) FILTER (WHERE event_name = 'Signed Up') AS signup_method,
    arg_min(json_extract_string(properties, '$.referrer_user_id'), (event_ts, event_id)) FILTER (WHERE event_name = 'Signed Up') AS referrer_user_key,
    min(event_date) FILTER (
        WHERE event_name = 'Subscription Started'
            OR (event_name = 'Order Completed'
                AND coalesce(try_cast(json_extract_string(properties, '$.revenue') AS DOUBLE), 0) > 0)
    ) AS first_paid_date
FROM events
GROUP BY user_key;

-- model_plan_events — grain: one row per payment event that names a plan; the plan in
-- force at as_of is the latest of these on or before it.
CREATE OR REPLACE TEMP TABLE model_plan_events AS
SELECT
    user_key,
    event_date,
    event_ts,
    json_extract_string(properties, '$.plan') AS plan
FROM core.events
WHERE event_name IN ('Subscription Started', 'Order Completed')
    AND event_date <= $data_end
    AND json_extract_string(properties, '$.plan') IS NOT NULL;
