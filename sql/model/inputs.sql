-- Inputs of the activity model, built once per connection from core.events up to
-- the data end (a local date, the data_end parameter): compact tables that every
-- point-in-time feature and label window reads. core.users is deliberately not used:
-- its current plan, platform and last activity describe "now", which would leak the
-- future into older snapshots. The 7- and 28-day counts of the top events are read from
-- core.events by features_top_events.sql (only the days the snapshots' windows reach).

-- models.activity.features.prepare_inputs runs drop_inputs.sql first, then builds
-- model_user_days (user_days_from_events.sql or user_days_from_activity.sql).

-- model_user_milestones — grain: one row per user_key first seen (first activity) on or
-- before $data_end. Only "first X" facts, each with the local date it became known, so a
-- snapshot keeps those known by its as_of; events after as_of cannot change a first that
-- happened before it. First touch (UTM) is read on the first-seen day, as in core.users;
-- signup is the first `Signed Up`; paid is the first `Subscription Started` or revenue.
-- Each fact reads only the rows it needs: first seen from model_user_days, first touch
-- from the UTM-tagged events, signup and paid from the few signup/payment events, and
-- one narrow aggregate over the events for the first known platform.
CREATE OR REPLACE TEMP TABLE model_user_milestones AS
WITH firsts AS (
    SELECT user_key, min(event_date) AS first_seen_date
    FROM model_user_days
    GROUP BY user_key
),

-- first touch: the earliest UTM-tagged event on the first-seen day (only UTM rows are joined)
first_touch AS (
    SELECT
        e.user_key,
        arg_min(e.utm_source, e.event_ts) AS first_utm_source,
        arg_min(e.utm_medium, e.event_ts) AS first_utm_medium
    FROM core.events AS e
    JOIN firsts AS f ON f.user_key = e.user_key AND e.event_date = f.first_seen_date
    WHERE e.utm_source IS NOT NULL
    GROUP BY e.user_key
),

platforms AS (
    SELECT
        user_key,
        min(event_date) AS platform_known_date,
        arg_min(platform, event_ts) AS platform
    FROM core.events
    WHERE user_key IS NOT NULL
        AND event_date <= $data_end
        AND platform IS NOT NULL
        AND platform <> 'unknown'
    GROUP BY user_key
),

-- signup and paid: only the signup and payment events are read (and their JSON parsed)
milestone_events AS (
    SELECT
        user_key,
        event_date,
        event_ts,
        event_id,
        event_name,
        CASE WHEN event_name = 'Signed Up' THEN signup_method_of(properties) END AS method,
        CASE WHEN event_name = 'Signed Up' THEN json_extract_string(properties, '$.referrer_user_id') END AS referrer_user_key,
        event_name = 'Subscription Started'
            OR (event_name = 'Order Completed'
                AND coalesce(try_cast(json_extract_string(properties, '$.revenue') AS DOUBLE), 0) > 0) AS is_payment
    FROM core.events
    WHERE user_key IS NOT NULL
        AND event_date <= $data_end
        AND event_name IN ('Signed Up', 'Subscription Started', 'Order Completed')
),

facts AS (
    SELECT
        user_key,
        min(event_date) FILTER (WHERE event_name = 'Signed Up') AS signup_date,
        arg_min(method, (event_ts, event_id)) FILTER (WHERE event_name = 'Signed Up') AS signup_method,
        arg_min(referrer_user_key, (event_ts, event_id)) FILTER (WHERE event_name = 'Signed Up') AS referrer_user_key,
        min(event_date) FILTER (WHERE is_payment) AS first_paid_date
    FROM milestone_events
    GROUP BY user_key
)

SELECT
    f.user_key,
    f.first_seen_date,
    t.first_utm_source,
    t.first_utm_medium,
    pf.platform_known_date,
    pf.platform,
    x.signup_date,
    x.signup_method,
    x.referrer_user_key,
    x.first_paid_date
FROM firsts AS f
LEFT JOIN first_touch AS t USING (user_key)
LEFT JOIN platforms AS pf USING (user_key)
LEFT JOIN facts AS x USING (user_key);

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
