-- Stage one GA4 BigQuery export file (rows of the temp table ga4_export_lines, one JSON
-- object per export row) into the raw.events shape, with the same quarantine rules as
-- the Segment staging model.
-- Grain: line_number. `reason` is NULL for a loadable event, else the quarantine reason.
-- Parameters: $source_file, $now (ingest time), $start_date, $tz.
--
-- Mapping (docs/ga4.md):
--   event_timestamp (µs, UTC) → event_ts; event_date = local date in $tz (GA's own
--     `event_date`, in the property's zone, is kept in properties.ga4.event_date);
--   user_id → user_id, user_pseudo_id → anonymous_id (core stitching does the rest);
--   page_view → page, screen_view → screen, everything else → track;
--   event_params → properties, one typed key per parameter (string, int, double);
--   UTM from the first of: collected_traffic_source.manual_*, the event's
--     source/medium/campaign params, the page_location query, and traffic_source (the
--     user's first-touch source) on the user's first-touch local date only; GA's
--     placeholders such as "(direct)", "(none)", "(not set)", "<Other>" become NULL;
--   event_id = 'ga4-' || md5 of the export's natural key (stream, user, timestamp, name,
--     bundle/batch ids and the normalized params), identical for a row whether it comes
--     from Parquet or NDJSON.
CREATE OR REPLACE TEMP TABLE ga4_stage AS
WITH typed AS (
    SELECT
        line_number,
        line,
        r,
        reader_reason,
        r IS NOT NULL AS is_readable,
        r.event_params AS params,
        nullif(trim(r.event_name), '') AS event_name,
        try_cast(r.event_timestamp AS BIGINT) AS ts_micros,
        nullif(trim(r.user_id), '') AS user_id,
        nullif(trim(r.user_pseudo_id), '') AS user_pseudo_id,
        list_transform(r.event_params, p -> p.key) AS param_keys,
        -- In NDJSON, event_params present but not a list of {key, value} reads as NULL:
        -- only then is the raw text looked at again.
        CASE WHEN r IS NOT NULL AND r.event_params IS NULL AND line IS NOT NULL
             THEN coalesce(json_type(line, '$.event_params'), 'NULL') END AS params_type
    FROM ga4_export_lines
),

classified AS (
    SELECT
        *,
        CASE
            WHEN reader_reason IS NOT NULL THEN reader_reason
            WHEN trim(line) = '' THEN 'empty_line'
            WHEN NOT is_readable AND line IS NOT NULL THEN 'invalid_json'
            WHEN NOT is_readable THEN 'unreadable_row'
            WHEN event_name IS NULL THEN 'missing_event_name'
            WHEN user_id IS NULL AND user_pseudo_id IS NULL THEN 'missing_ids'
            WHEN ts_micros IS NULL THEN 'invalid_timestamp'
            WHEN coalesce(params_type, 'NULL') <> 'NULL' OR list_contains(param_keys, NULL) THEN 'invalid_event_params'
            WHEN ts_micros < 946684800000000 THEN 'timestamp_before_2000'
            WHEN ts_micros > epoch_us($now::TIMESTAMPTZ + INTERVAL 1 DAY) THEN 'timestamp_in_future'
            WHEN timezone($tz, timezone('UTC', make_timestamp(ts_micros)))::DATE < $start_date::DATE
                THEN 'before_start_date'
        END AS reason
    FROM typed
),

events AS (
    SELECT
        line_number,
        line,
        reason,
        r,
        event_name,
        user_id,
        user_pseudo_id,
        CASE WHEN reason IS NULL THEN timezone('UTC', make_timestamp(ts_micros)) END AS event_ts,
        -- Parameters sorted by key, so the JSON (and the event_id) is canonical; a key
        -- repeated within a row keeps its first value.
        to_json(map_from_entries(list_transform(
            CASE WHEN len(list_distinct(param_keys)) = len(param_keys) THEN list_sort(params)
                 ELSE list_transform(list_sort(list_distinct(param_keys)), k -> list_filter(params, p -> p.key = k)[1])
            END,
            p -> {'k': p.key, 'v': coalesce(
                to_json(p.value.string_value),
                to_json(try_cast(p.value.int_value AS BIGINT)),
                to_json(p.value.double_value),
                to_json(p.value.float_value),
                'null'::JSON
            )}
        ))) AS params_json
    FROM classified
),

located AS (
    SELECT
        *,
        timezone($tz, event_ts)::DATE AS event_date,
        json_extract_string(params_json, [
            '$.page_location', '$.page_referrer', '$.source', '$.medium', '$.campaign', '$.term',
            '$.content', '$.gclid'
        ]) AS pj,
        CASE WHEN try_cast(r.user_first_touch_timestamp AS BIGINT) BETWEEN 0 AND 253402300799999999
             THEN timezone($tz, timezone('UTC', make_timestamp(r.user_first_touch_timestamp::BIGINT)))::DATE
        END AS first_touch_date
    FROM events
),

attributed AS (
    SELECT
        *,
        pj[1] AS page_location,
        CASE
            WHEN coalesce(ga4_clean(r.collected_traffic_source.manual_source),
                          ga4_clean(r.collected_traffic_source.manual_medium)) IS NOT NULL THEN 'collected_traffic_source'
            WHEN coalesce(ga4_clean(pj[3]), ga4_clean(pj[4])) IS NOT NULL THEN 'event_params'
            WHEN coalesce(url_param(pj[1], 'utm_source'), url_param(pj[1], 'utm_medium')) IS NOT NULL
                THEN 'page_location'
            WHEN first_touch_date = event_date
                AND coalesce(ga4_clean(r.traffic_source.source), ga4_clean(r.traffic_source.medium)) IS NOT NULL
                THEN 'traffic_source'
        END AS utm_origin
    FROM located
)

SELECT
    line_number,
    reason,
    CASE WHEN reason IS NOT NULL THEN redact_pii(coalesce(line, to_json(r)::VARCHAR)) END AS raw_line,
    'ga4-' || md5(concat_ws('|', r.stream_id, user_pseudo_id, user_id, r.event_timestamp, event_name,
                            r.event_bundle_sequence_id, r.batch_event_index, r.batch_ordering_id,
                            params_json::VARCHAR)) AS event_id,
    event_name,
    CASE event_name WHEN 'page_view' THEN 'page' WHEN 'screen_view' THEN 'screen' ELSE 'track' END AS event_type,
    event_ts,
    event_date,
    user_id,
    user_pseudo_id AS anonymous_id,
    NULL::VARCHAR AS previous_id,
    'ga4_export' AS source,
    CASE utm_origin
        WHEN 'collected_traffic_source' THEN ga4_clean(r.collected_traffic_source.manual_source)
        WHEN 'event_params' THEN ga4_clean(pj[3])
        WHEN 'page_location' THEN url_param(page_location, 'utm_source')
        WHEN 'traffic_source' THEN ga4_clean(r.traffic_source.source)
    END AS utm_source,
    CASE utm_origin
        WHEN 'collected_traffic_source' THEN ga4_clean(r.collected_traffic_source.manual_medium)
        WHEN 'event_params' THEN ga4_clean(pj[4])
        WHEN 'page_location' THEN url_param(page_location, 'utm_medium')
        WHEN 'traffic_source' THEN ga4_clean(r.traffic_source.medium)
    END AS utm_medium,
    CASE utm_origin
        WHEN 'collected_traffic_source' THEN ga4_clean(r.collected_traffic_source.manual_campaign_name)
        WHEN 'event_params' THEN ga4_clean(pj[5])
        WHEN 'page_location' THEN url_param(page_location, 'utm_campaign')
        WHEN 'traffic_source' THEN ga4_clean(r.traffic_source.name)
    END AS utm_campaign,
    CASE utm_origin
        WHEN 'collected_traffic_source' THEN ga4_clean(r.collected_traffic_source.manual_content)
        WHEN 'event_params' THEN ga4_clean(pj[7])
        WHEN 'page_location' THEN url_param(page_location, 'utm_content')
    END AS utm_content,
    CASE utm_origin
        WHEN 'collected_traffic_source' THEN ga4_clean(r.collected_traffic_source.manual_term)
        WHEN 'event_params' THEN ga4_clean(pj[6])
        WHEN 'page_location' THEN url_param(page_location, 'utm_term')
    END AS utm_term,
    coalesce(nullif(r.collected_traffic_source.gclid, ''), nullif(pj[8], ''), url_param(page_location, 'gclid')) AS gclid,
    url_param(page_location, 'fbclid') AS fbclid,
    nullif(pj[2], '') AS referrer,
    page_location AS page_url,
    CASE WHEN lower(r.platform) IN ('web', 'ios', 'android') THEN lower(r.platform) ELSE 'unknown' END AS platform,
    ga4_clean(r.device.operating_system) AS os_name,
    ga4_clean(r.geo.country) AS country,
    nullif(trim(r.device.advertising_id), '') AS advertising_id,
    CASE lower(r.device.is_limited_ad_tracking) WHEN 'yes' THEN false WHEN 'no' THEN true END AS ad_tracking_enabled,
    -- Consent Mode's ad_storage denied means no ad use of the data; granted says nothing
    -- about ad_user_data / ad_personalization, so it stays unknown.
    CASE WHEN lower(r.privacy_info.ads_storage) = 'no' THEN false END AS consent_ad_user_data,
    CASE WHEN lower(r.privacy_info.ads_storage) = 'no' THEN false END AS consent_ad_personalization,
    NULL::VARCHAR AS email_sha256,
    NULL::VARCHAR AS email_sha256_google,
    NULL::VARCHAR AS phone_sha256,
    NULL::VARCHAR AS phone_sha256_digits,
    NULL::VARCHAR AS first_name_sha256,
    NULL::VARCHAR AS last_name_sha256,
    json_merge_patch(params_json, json_object('ga4', json_object(
        'event_date', r.event_date,
        'stream_id', r.stream_id,
        'platform', r.platform,
        'device_category', r.device.category,
        'browser', r.device.web_info.browser,
        'first_user_source', r.traffic_source.source,
        'first_user_medium', r.traffic_source.medium,
        'first_user_campaign', r.traffic_source.name,
        'utm_origin', utm_origin,
        'dclid', r.collected_traffic_source.dclid,
        'purchase_revenue', try_cast(r.ecommerce.purchase_revenue AS DOUBLE),
        'transaction_id', r.ecommerce.transaction_id,
        'event_value_in_usd', try_cast(r.event_value_in_usd AS DOUBLE)
    ))) AS properties,
    $source_file AS source_file
FROM attributed;
