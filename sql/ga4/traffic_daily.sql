-- marts.ga4_traffic_daily — grain: one row per (date, session_source, session_medium,
-- session_campaign_name): GA4's daily traffic-acquisition report. `source` says where
-- each date's numbers come from:
--   'data_api'   — raw.ga4_traffic, GA's own numbers from the Data API (for the
--                  configured property, or any fetched one when none is configured),
--                  used for every date the API was fetched for;
--   'ga4_export' — otherwise computed from the export's sessions (core.ga4_export_sessions):
--                  active_users = distinct engaged users, new_users = users with a
--                  first_visit/first_open, sessions, key_events and total_revenue.
-- `date` is the GA property's date for the API and the reporting-zone date for the export.
-- `channel` maps session source/medium with core.channel_map.
-- Parameters: $property_id (NULL = any).
CREATE OR REPLACE TABLE marts.ga4_traffic_daily AS
WITH api AS (
    SELECT
        date, 'data_api' AS source, session_source, session_medium, session_campaign_name,
        sum(active_users) AS active_users, sum(new_users) AS new_users, sum(sessions) AS sessions,
        sum(key_events) AS key_events, sum(total_revenue) AS total_revenue
    FROM raw.ga4_traffic
    WHERE $property_id::VARCHAR IS NULL OR property_id = $property_id::VARCHAR
    GROUP BY ALL
),

export AS (
    SELECT
        date, 'ga4_export' AS source, session_source, session_medium, session_campaign_name,
        count(DISTINCT ga_user) FILTER (WHERE is_engaged) AS active_users,
        count(DISTINCT ga_user) FILTER (WHERE is_new) AS new_users,
        count(*) AS sessions,
        sum(key_events) AS key_events,
        sum(revenue) AS total_revenue
    FROM core.ga4_export_sessions
    WHERE date NOT IN (SELECT date FROM api)
    GROUP BY ALL
),

traffic AS (
    SELECT * FROM api
    UNION ALL
    SELECT * FROM export
),

channels AS (
    SELECT session_source, session_medium, channel_of(session_source, session_medium) AS channel
    FROM (SELECT DISTINCT session_source, session_medium FROM traffic)
)

SELECT
    t.date,
    t.source,
    t.session_source,
    t.session_medium,
    t.session_campaign_name,
    c.channel,
    t.active_users::BIGINT AS active_users,
    t.new_users::BIGINT AS new_users,
    t.sessions::BIGINT AS sessions,
    t.key_events::DOUBLE AS key_events,
    t.total_revenue::DOUBLE AS total_revenue
FROM traffic AS t
JOIN channels AS c
    ON c.session_source IS NOT DISTINCT FROM t.session_source
    AND c.session_medium IS NOT DISTINCT FROM t.session_medium
ORDER BY t.date, t.session_source, t.session_medium, t.session_campaign_name;
