-- Demo GA4 export rows (the BigQuery `events_*` schema) derived from the demo's own web
-- events, so GA4 and the event logs describe the same visitors: user_pseudo_id is the
-- Segment anonymousId, user_id the userId once the site knows it. Input: the staged lines
-- ingest_stage.segment_lines (the demo's Segment landing files staged by core/stage_segment_file).
-- Grain: one row per GA4 event. What GA4 would see of a web visit:
--   page → page_view; Signed Up → sign_up; Subscription Started / Order Completed →
--   purchase (value, currency, ecommerce); any other web track → its name in GA4 style
--   (`Summary Created` → summary_created). first_visit precedes the visitor's first event
--   and session_start the first event after 30 minutes without any.
-- A stable $blocked_per_mille of visitors (ad blockers, declined consent) never reach GA4,
-- which is why GA4 counts fewer web users than the logs.
-- Parameters: $start, $end (local dates), $seed, $blocked_per_mille, $stream_id.
CREATE OR REPLACE TEMP TABLE ga4_demo_rows AS
WITH web AS (
    SELECT *
    FROM ingest_stage.segment_lines
    WHERE reason IS NULL
      AND platform = 'web'
      AND anonymous_id IS NOT NULL
      AND event_date BETWEEN $start::DATE AND $end::DATE
      AND event_type IN ('page', 'track')
      AND hash(anonymous_id || ':' || $seed::VARCHAR) % 1000 >= $blocked_per_mille
    QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY line_number) = 1
),

ordered AS (
    SELECT
        *,
        coalesce(epoch(event_ts) - epoch(lag(event_ts) OVER visitor) > 1800, true) AS starts_session,
        row_number() OVER visitor = 1 AS is_first_visit,
        first_value({'source': utm_source, 'medium': utm_medium, 'campaign': utm_campaign}) OVER visitor AS first_touch,
        first_value(event_ts) OVER visitor AS first_touch_ts
    FROM web
    WINDOW visitor AS (PARTITION BY anonymous_id ORDER BY event_ts, line_number)
),

sessioned AS (
    SELECT
        *,
        sum(starts_session::INTEGER) OVER (
            PARTITION BY anonymous_id ORDER BY event_ts, line_number ROWS UNBOUNDED PRECEDING
        ) AS session_number
    FROM ordered
),

sessions AS (
    SELECT
        *,
        min(event_ts) OVER (PARTITION BY anonymous_id, session_number) AS session_start_ts,
        count(*) FILTER (WHERE event_type = 'page') OVER (PARTITION BY anonymous_id, session_number) AS session_pages
    FROM sessioned
),

expanded AS (
    SELECT
        *,
        unnest(
            CASE WHEN is_first_visit THEN ['first_visit'] ELSE [] END
            || CASE WHEN starts_session THEN ['session_start'] ELSE [] END
            || [CASE WHEN event_type = 'page' THEN 'page_view'
                     WHEN event_name = 'Signed Up' THEN 'sign_up'
                     WHEN event_name IN ('Subscription Started', 'Order Completed') THEN 'purchase'
                     ELSE left(trim(regexp_replace(lower(event_name), '[^a-z0-9]+', '_', 'g'), '_'), 40) END]
        ) AS ga_event_name,
        try_cast(json_extract_string(properties, '$.revenue') AS DOUBLE) AS revenue
    FROM sessions
),

params AS (
    SELECT
        *,
        list_filter([
            {'key': 'page_location', 'value': {'string_value': page_url, 'int_value': NULL::BIGINT, 'float_value': NULL::DOUBLE, 'double_value': NULL::DOUBLE}},
            {'key': 'page_title', 'value': {'string_value': json_extract_string(properties, '$.title'), 'int_value': NULL, 'float_value': NULL, 'double_value': NULL}},
            {'key': 'page_referrer', 'value': {'string_value': referrer, 'int_value': NULL, 'float_value': NULL, 'double_value': NULL}},
            {'key': 'ga_session_id', 'value': {'string_value': NULL, 'int_value': epoch(session_start_ts)::BIGINT, 'float_value': NULL, 'double_value': NULL}},
            {'key': 'ga_session_number', 'value': {'string_value': NULL, 'int_value': session_number::BIGINT, 'float_value': NULL, 'double_value': NULL}},
            {'key': 'session_engaged', 'value': {'string_value': CASE WHEN session_pages >= 2 THEN '1' ELSE '0' END, 'int_value': NULL, 'float_value': NULL, 'double_value': NULL}},
            {'key': 'engagement_time_msec', 'value': {'string_value': NULL,
                'int_value': CASE WHEN ga_event_name NOT IN ('first_visit', 'session_start') THEN (1000 + hash(event_id) % 59000)::BIGINT END,
                'float_value': NULL, 'double_value': NULL}},
            {'key': 'method', 'value': {'string_value': CASE WHEN ga_event_name = 'sign_up' THEN json_extract_string(properties, '$.method') END, 'int_value': NULL, 'float_value': NULL, 'double_value': NULL}},
            {'key': 'value', 'value': {'string_value': NULL, 'int_value': NULL, 'float_value': NULL, 'double_value': CASE WHEN ga_event_name = 'purchase' THEN revenue END}},
            {'key': 'currency', 'value': {'string_value': CASE WHEN ga_event_name = 'purchase' THEN json_extract_string(properties, '$.currency') END, 'int_value': NULL, 'float_value': NULL, 'double_value': NULL}},
            {'key': 'transaction_id', 'value': {'string_value': CASE WHEN ga_event_name = 'purchase' THEN json_extract_string(properties, '$.order_id') END, 'int_value': NULL, 'float_value': NULL, 'double_value': NULL}}
        ], p -> p.value.string_value IS NOT NULL OR p.value.int_value IS NOT NULL OR p.value.double_value IS NOT NULL) AS event_params
    FROM expanded
)

SELECT
    strftime(event_date, '%Y%m%d') AS event_date,
    epoch_us(event_ts) AS event_timestamp,
    ga_event_name AS event_name,
    event_params,
    NULL::BIGINT AS event_previous_timestamp,
    NULL::DOUBLE AS event_value_in_usd,
    (hash(event_id) % 10000000000)::BIGINT AS event_bundle_sequence_id,
    NULL::BIGINT AS event_server_timestamp_offset,
    user_id,
    anonymous_id AS user_pseudo_id,
    {'analytics_storage': 'Yes',
     'ads_storage': CASE WHEN consent_ad_user_data = false THEN 'No' ELSE 'Yes' END,
     'uses_transient_token': 'No'} AS privacy_info,
    epoch_us(first_touch_ts) AS user_first_touch_timestamp,
    {'category': CASE WHEN os_name IN ('iOS', 'Android') THEN 'mobile' ELSE 'desktop' END,
     'operating_system': coalesce(os_name, 'Web'),
     'advertising_id': NULL::VARCHAR,
     'language': 'ko-kr',
     'is_limited_ad_tracking': 'No',
     'web_info': {'browser': 'Chrome', 'browser_version': '124.0'}} AS device,
    {'continent': 'Asia', 'sub_continent': 'Eastern Asia', 'country': 'South Korea',
     'region': NULL::VARCHAR, 'city': NULL::VARCHAR, 'metro': '(not set)'} AS geo,
    {'medium': coalesce(first_touch.medium, '(none)'),
     'name': coalesce(first_touch.campaign, '(direct)'),
     'source': coalesce(first_touch.source, '(direct)')} AS traffic_source,
    {'manual_campaign_id': NULL::VARCHAR,
     'manual_campaign_name': utm_campaign,
     'manual_source': utm_source,
     'manual_medium': utm_medium,
     'manual_term': utm_term,
     'manual_content': utm_content,
     'gclid': gclid,
     'dclid': NULL::VARCHAR,
     'srsltid': NULL::VARCHAR} AS collected_traffic_source,
    $stream_id::BIGINT AS stream_id,
    'WEB' AS platform,
    CASE WHEN ga_event_name = 'purchase'
         THEN {'purchase_revenue': revenue, 'transaction_id': json_extract_string(properties, '$.order_id')} END AS ecommerce
FROM params
ORDER BY event_timestamp, user_pseudo_id, event_name;
