-- Stage one Segment-spec JSONL file: one row per input line, parsed and classified.
-- Grain: line_number. `reason` is NULL for a loadable event, else the quarantine reason.
-- Parameters: $path, $source_file, $now (ingest time), $start_date, $tz, $calling_code.
CREATE OR REPLACE TEMP TABLE segment_stage AS
WITH lines AS (
    SELECT row_number() OVER () AS line_number, line
    FROM read_csv($path, columns = {'line': 'VARCHAR'}, delim = chr(0), quote = '', escape = '',
                  header = false, auto_detect = false, strict_mode = false)
),

-- Each line is parsed once: every field in one extraction (try → NULL when the line is
-- not JSON); an object is what starts with '{'.
extracted AS (
    SELECT
        line_number,
        line,
        try(json_extract_string(line, [
            '$.type', '$.event', '$.name', '$.messageId', '$.userId', '$.anonymousId',
            '$.previousId', '$.timestamp', '$.originalTimestamp', '$.sentAt',
            '$.context.campaign.source', '$.context.campaign.medium', '$.context.campaign.name',
            '$.context.campaign.term', '$.context.campaign.content',
            '$.context.page.url', '$.context.page.referrer',
            '$.context.device.advertisingId', '$.context.device.adTrackingEnabled',
            '$.context.device.type', '$.context.os.name',
            '$.context.consent.ad_user_data', '$.context.consent.ad_personalization',
            '$.traits.email', '$.traits.phone', '$.context.location.country',
            '$.traits.firstName', '$.traits.lastName', '$.properties.url', '$.properties'
        ])) AS f
    FROM lines
),

fields AS (
    SELECT
        line_number,
        line,
        f IS NOT NULL AND starts_with(ltrim(line), '{') AS is_json,
        f
    FROM extracted
),

typed AS (
    SELECT
        line_number,
        line,
        is_json,
        lower(f[1]) AS event_type,
        nullif(trim(f[5]), '') AS user_id,
        nullif(trim(f[6]), '') AS anonymous_id,
        nullif(trim(f[7]), '') AS previous_id,
        coalesce(f[8], f[9], f[10]) AS raw_ts,
        try_cast(coalesce(f[8], f[9], f[10]) AS TIMESTAMPTZ) AS event_ts,
        timezone($tz, try_cast(coalesce(f[8], f[9], f[10]) AS TIMESTAMPTZ))::DATE AS event_date,
        f,
        f[30]::JSON AS properties
    FROM fields
),

classified AS (
    SELECT
        *,
        CASE
            WHEN line IS NULL OR trim(line) = '' THEN 'empty_line'
            WHEN NOT is_json THEN 'invalid_json'
            WHEN event_type IS NULL OR event_type NOT IN ('track', 'page', 'screen', 'identify', 'alias')
                THEN 'unknown_type'
            WHEN event_type = 'track' AND nullif(trim(f[2]), '') IS NULL THEN 'missing_event_name'
            WHEN user_id IS NULL AND anonymous_id IS NULL AND previous_id IS NULL THEN 'missing_ids'
            WHEN raw_ts IS NULL OR event_ts IS NULL THEN 'invalid_timestamp'
            WHEN event_ts < TIMESTAMPTZ '2000-01-01 00:00:00+00' THEN 'timestamp_before_2000'
            WHEN event_ts > $now::TIMESTAMPTZ + INTERVAL 1 DAY THEN 'timestamp_in_future'
            WHEN event_date < $start_date::DATE THEN 'before_start_date'
        END AS reason
    FROM typed
)

SELECT
    line_number,
    strlen(coalesce(line, '')) + 1 AS line_bytes,
    reason,
    CASE WHEN reason IS NOT NULL THEN redact_pii(line) END AS raw_line,
    coalesce(nullif(f[4], ''), md5(concat_ws('|', event_type, f[2], f[3], user_id, anonymous_id, raw_ts, properties::VARCHAR))) AS event_id,
    CASE event_type
        WHEN 'track' THEN f[2]
        WHEN 'page' THEN coalesce(nullif(f[3], ''), 'page viewed')
        WHEN 'screen' THEN coalesce(nullif(f[3], ''), 'screen viewed')
        ELSE event_type
    END AS event_name,
    event_type,
    event_ts,
    event_date,
    user_id,
    anonymous_id,
    previous_id,
    'segment' AS source,
    coalesce(nullif(f[11], ''), url_param(coalesce(f[16], f[29]), 'utm_source')) AS utm_source,
    coalesce(nullif(f[12], ''), url_param(coalesce(f[16], f[29]), 'utm_medium')) AS utm_medium,
    coalesce(nullif(f[13], ''), url_param(coalesce(f[16], f[29]), 'utm_campaign')) AS utm_campaign,
    coalesce(nullif(f[15], ''), url_param(coalesce(f[16], f[29]), 'utm_content')) AS utm_content,
    coalesce(nullif(f[14], ''), url_param(coalesce(f[16], f[29]), 'utm_term')) AS utm_term,
    url_param(coalesce(f[16], f[29]), 'gclid') AS gclid,
    url_param(coalesce(f[16], f[29]), 'fbclid') AS fbclid,
    nullif(f[17], '') AS referrer,
    coalesce(f[16], f[29]) AS page_url,
    CASE
        WHEN lower(f[20]) = 'ios' OR lower(f[21]) IN ('ios', 'ipados') THEN 'ios'
        WHEN lower(f[20]) = 'android' OR lower(f[21]) = 'android' THEN 'android'
        WHEN event_type = 'page' OR coalesce(f[16], f[29]) IS NOT NULL
            OR lower(f[21]) IN ('mac os x', 'macos', 'windows', 'linux', 'chrome os') THEN 'web'
        ELSE 'unknown'
    END AS platform,
    f[21] AS os_name,
    upper(nullif(f[26], '')) AS country,
    nullif(trim(f[18]), '') AS advertising_id,
    try_cast(f[19] AS BOOLEAN) AS ad_tracking_enabled,
    try_cast(f[22] AS BOOLEAN) AS consent_ad_user_data,
    try_cast(f[23] AS BOOLEAN) AS consent_ad_personalization,
    sha256_or_null(normalize_email(f[24])) AS email_sha256,
    sha256_or_null(normalize_email_google(f[24])) AS email_sha256_google,
    sha256_or_null(normalize_phone(f[25], $calling_code)) AS phone_sha256,
    sha256_or_null(ltrim(normalize_phone(f[25], $calling_code), '+')) AS phone_sha256_digits,
    sha256_or_null(lower(trim(f[27]))) AS first_name_sha256,
    sha256_or_null(lower(trim(f[28]))) AS last_name_sha256,
    json_merge_patch(coalesce(properties, '{}'), '{"email": null, "phone": null}') AS properties,
    $source_file AS source_file
FROM classified
