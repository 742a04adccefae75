-- core.ga4_export_sessions — grain: one row per GA4 session in the export events
-- (raw.events with source = 'ga4_export'): (anonymous_id = user_pseudo_id, ga_session_id);
-- events without ga_session_id form one session per user and local day. GA-style:
--   ga_user      — user_id, else user_pseudo_id (GA's blended reporting identity);
--   date         — local date of the session's first event;
--   session_source / _medium / _campaign — UTM of the session's first event that has any
--                  ("(direct)" / "(none)" / "(not set)" when none does);
--   is_engaged   — any event with session_engaged = 1 or engagement_time_msec > 0, or a
--                  first_visit / first_open (GA4 counts these users as active);
--   is_new       — the session has a first_visit / first_open event;
--   key_events   — events named in $key_events; revenue — their ecommerce purchase_revenue,
--                  else their `value` parameter.
-- Parameters: $key_events.
CREATE OR REPLACE TABLE core.ga4_export_sessions AS
WITH events AS (
    SELECT
        coalesce(user_id, anonymous_id) AS ga_user,
        anonymous_id,
        coalesce(json_extract_string(properties, '$.ga_session_id'), 'day:' || event_date::VARCHAR) AS ga_session_id,
        event_ts,
        event_date,
        event_name,
        utm_source,
        utm_medium,
        utm_campaign,
        coalesce(json_extract_string(properties, '$.session_engaged') = '1', false)
            OR coalesce(try_cast(json_extract_string(properties, '$.engagement_time_msec') AS DOUBLE), 0) > 0
            OR event_name IN ('first_visit', 'first_open') AS is_engaged,
        event_name IN ('first_visit', 'first_open') AS is_first_visit,
        list_contains($key_events::VARCHAR[], event_name) AS is_key_event,
        coalesce(try_cast(json_extract_string(properties, '$.ga4.purchase_revenue') AS DOUBLE),
                 try_cast(json_extract_string(properties, '$.value') AS DOUBLE), 0) AS revenue
    FROM raw.events
    WHERE source = 'ga4_export'
),

sessions AS (
    SELECT
        anonymous_id,
        ga_session_id,
        arg_min(ga_user, event_ts) AS ga_user,
        arg_min(event_date, event_ts) AS date,
        arg_min({'s': utm_source, 'm': utm_medium, 'c': utm_campaign}, event_ts)
            FILTER (WHERE utm_source IS NOT NULL OR utm_medium IS NOT NULL) AS utm,
        bool_or(is_engaged) AS is_engaged,
        bool_or(is_first_visit) AS is_new,
        count(*) FILTER (WHERE is_key_event) AS key_events,
        coalesce(sum(revenue) FILTER (WHERE is_key_event), 0) AS revenue,
        count(*) AS events
    FROM events
    GROUP BY anonymous_id, ga_session_id
)

SELECT
    anonymous_id,
    ga_session_id,
    ga_user,
    date,
    CASE WHEN utm IS NULL THEN '(direct)' ELSE coalesce(utm.s, '(not set)') END AS session_source,
    CASE WHEN utm IS NULL THEN '(none)' ELSE coalesce(utm.m, '(not set)') END AS session_medium,
    coalesce(utm.c, '(not set)') AS session_campaign_name,
    is_engaged,
    is_new,
    key_events,
    revenue,
    events
FROM sessions;
