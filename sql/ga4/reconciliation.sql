-- marts.ga4_reconciliation — grain: one row per date GA4 has numbers for. How far the
-- numbers from our own event logs are from GA4's:
--   our_dau          — active users (core.events.is_active) from every source except the
--                      GA4 export, i.e. what marts.active_users counts from our own logs;
--   our_web_dau      — the same, web events only (GA4 web streams see only these);
--   our_new_users    — users whose first own-log activity is on that date;
--   our_web_new_users — of those, users whose first activity was a web event;
--   ga4_active_users — GA4 active1DayUsers from the Data API when fetched for that date
--                      ('data_api'), else engaged users in the export ('ga4_export');
--   ga4_new_users    — GA4 newUsers (Data API traffic report summed over sources), else
--                      export users with a first_visit / first_open;
--   *_ratio          — ours / GA4 (1.0 = same; 1.2 = we count 20% more); NULL when GA4 is 0.
-- Our numbers are NULL outside the dates our logs cover (not observed, not zero).
-- Dates are local dates: set RETAINLY_TIMEZONE to the GA4 property's time zone for a
-- like-for-like comparison. Parameters: $property_id (NULL = any).
CREATE OR REPLACE TABLE marts.ga4_reconciliation AS
WITH api_active AS (
    SELECT date, sum(active_1day_users) AS active_users
    FROM raw.ga4_active_users
    WHERE $property_id::VARCHAR IS NULL OR property_id = $property_id::VARCHAR
    GROUP BY date
),

api_new AS (
    SELECT date, sum(new_users) AS new_users
    FROM raw.ga4_traffic
    WHERE $property_id::VARCHAR IS NULL OR property_id = $property_id::VARCHAR
    GROUP BY date
),

export_daily AS (
    SELECT
        date,
        count(DISTINCT ga_user) FILTER (WHERE is_engaged) AS active_users,
        count(DISTINCT ga_user) FILTER (WHERE is_new) AS new_users
    FROM core.ga4_export_sessions
    GROUP BY date
),

ga4 AS (
    SELECT a.date, 'data_api' AS ga4_source, a.active_users, n.new_users
    FROM api_active AS a
    LEFT JOIN api_new AS n USING (date)
    UNION ALL
    SELECT date, 'ga4_export', active_users, new_users
    FROM export_daily
    WHERE date NOT IN (SELECT date FROM api_active)
),

own AS (
    SELECT user_key, event_ts, event_date, platform
    FROM core.events
    WHERE is_active AND source <> 'ga4_export'
),

bounds AS (
    SELECT min(event_date) AS first_date, max(event_date) AS last_date FROM own
),

ours AS (
    SELECT
        event_date AS date,
        count(DISTINCT user_key) AS dau,
        count(DISTINCT user_key) FILTER (WHERE platform = 'web') AS web_dau
    FROM own
    GROUP BY event_date
),

own_new AS (
    SELECT first.date, count(*) AS new_users, count(*) FILTER (WHERE first.platform = 'web') AS web_new_users
    FROM (
        SELECT user_key, arg_min({'date': event_date, 'platform': platform}, event_ts) AS first
        FROM own
        GROUP BY user_key
    )
    GROUP BY first.date
),

joined AS (
    SELECT
        g.date,
        g.ga4_source,
        CASE WHEN g.date BETWEEN b.first_date AND b.last_date THEN coalesce(o.dau, 0) END AS our_dau,
        CASE WHEN g.date BETWEEN b.first_date AND b.last_date THEN coalesce(o.web_dau, 0) END AS our_web_dau,
        CASE WHEN g.date BETWEEN b.first_date AND b.last_date THEN coalesce(n.new_users, 0) END AS our_new_users,
        CASE WHEN g.date BETWEEN b.first_date AND b.last_date THEN coalesce(n.web_new_users, 0) END AS our_web_new_users,
        g.active_users AS ga4_active_users,
        g.new_users AS ga4_new_users
    FROM ga4 AS g
    CROSS JOIN bounds AS b
    LEFT JOIN ours AS o USING (date)
    LEFT JOIN own_new AS n USING (date)
)

SELECT
    date,
    ga4_source,
    our_dau::BIGINT AS our_dau,
    our_web_dau::BIGINT AS our_web_dau,
    ga4_active_users::BIGINT AS ga4_active_users,
    our_dau / nullif(ga4_active_users, 0) AS dau_ratio,
    our_web_dau / nullif(ga4_active_users, 0) AS web_dau_ratio,
    our_new_users::BIGINT AS our_new_users,
    ga4_new_users::BIGINT AS ga4_new_users,
    our_new_users / nullif(ga4_new_users, 0) AS new_users_ratio,
    our_web_new_users::BIGINT AS our_web_new_users,
    our_web_new_users / nullif(ga4_new_users, 0) AS web_new_users_ratio
FROM joined
ORDER BY date;
