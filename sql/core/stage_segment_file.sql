-- Stage Segment-spec JSONL files into ingest_stage.segment: one row per input line,
-- parsed and classified, files read in parallel. Rows are appended in file and line order
-- (insertion order is preserved), so a line's number is its rowid's offset in its file:
-- see segment_stage_lines. Grain: one row per line. `reason` is NULL for a loadable event,
-- else the quarantine reason.
-- Parameters: $paths, $source_file (NULL: each file's own name), $now (ingest time),
-- $start_date, $tz, $calling_code, $max_line_bytes (a longer line fails the read: see
-- pipelines/ingest/readable.py).
INSERT INTO ingest_stage.segment BY NAME
WITH lines AS (
    SELECT coalesce($source_file::VARCHAR, parse_filename(filename)) AS source_file, line
    FROM read_csv($paths, columns = {'line': 'VARCHAR'}, delim = chr(0), quote = '', escape = '',
                  header = false, auto_detect = false, strict_mode = false, filename = true,
                  max_line_size = $max_line_bytes)
),

-- Each line is parsed once, into exactly the fields we use (NULL when the line is not
-- JSON; a field of another JSON type arrives as its JSON text, as Segment's lenient
-- readers do). from_json raises only for text json_valid rejects, so the guard replaces a
-- try(), which re-runs every batch of 2,048 lines holding one bad line row by row.
-- An event is an object: what starts with '{'.
parsed AS (
    SELECT
        source_file,
        line,
        CASE WHEN json_valid(line) THEN from_json(line, '{
            "type": "VARCHAR", "event": "VARCHAR", "name": "VARCHAR", "messageId": "VARCHAR",
            "userId": "VARCHAR", "anonymousId": "VARCHAR", "previousId": "VARCHAR",
            "timestamp": "VARCHAR", "originalTimestamp": "VARCHAR", "sentAt": "VARCHAR",
            "context": {
                "campaign": {"source": "VARCHAR", "medium": "VARCHAR", "name": "VARCHAR",
                             "term": "VARCHAR", "content": "VARCHAR"},
                "page": {"url": "VARCHAR", "referrer": "VARCHAR"},
                "device": {"advertisingId": "VARCHAR", "adTrackingEnabled": "VARCHAR", "type": "VARCHAR"},
                "os": {"name": "VARCHAR"},
                "consent": {"ad_user_data": "VARCHAR", "ad_personalization": "VARCHAR"},
                "location": {"country": "VARCHAR"},
                "traits": {"email": "VARCHAR", "phone": "VARCHAR", "firstName": "VARCHAR", "lastName": "VARCHAR"}
            },
            "traits": {"email": "VARCHAR", "phone": "VARCHAR", "firstName": "VARCHAR", "lastName": "VARCHAR"},
            "properties": "JSON"
        }') END AS j
    FROM lines
),

typed AS (
    SELECT
        source_file,
        line,
        j IS NOT NULL AND starts_with(ltrim(line), '{') AS is_json,
        j,
        lower(j.type) AS event_type,
        nullif(trim(j.userId), '') AS user_id,
        nullif(trim(j.anonymousId), '') AS anonymous_id,
        nullif(trim(j.previousId), '') AS previous_id,
        coalesce(j.timestamp, j.originalTimestamp, j.sentAt) AS raw_ts,
        coalesce(j.context.page.url,
                 CASE WHEN j.properties IS NOT NULL THEN json_extract_string(j.properties, '$.url') END) AS url,
        j.properties AS properties,
        -- Contact traits: the call's own (identify), else the context's (Segment's common
        -- field for the current user's traits, which SDKs may attach to track and page calls).
        coalesce(j.traits.email, j.context.traits.email) AS trait_email,
        coalesce(j.traits.phone, j.context.traits.phone) AS trait_phone,
        coalesce(j.traits.firstName, j.context.traits.firstName) AS trait_first_name,
        coalesce(j.traits.lastName, j.context.traits.lastName) AS trait_last_name
    FROM parsed
),

timed AS (
    SELECT *, try_cast(raw_ts AS TIMESTAMPTZ) AS event_ts
    FROM typed
),

dated AS (
    SELECT *, timezone($tz, event_ts)::DATE AS event_date
    FROM timed
),

classified AS (
    SELECT
        *,
        CASE
            WHEN NOT is_json AND (line IS NULL OR trim(line) = '') THEN 'empty_line'
            WHEN NOT is_json THEN 'invalid_json'
            WHEN event_type IS NULL OR event_type NOT IN ('track', 'page', 'screen', 'identify', 'alias')
                THEN 'unknown_type'
            WHEN event_type = 'track' AND nullif(trim(j.event), '') IS NULL THEN 'missing_event_name'
            WHEN user_id IS NULL AND anonymous_id IS NULL AND previous_id IS NULL THEN 'missing_ids'
            WHEN raw_ts IS NULL OR event_ts IS NULL THEN 'invalid_timestamp'
            WHEN event_ts < TIMESTAMPTZ '2000-01-01 00:00:00+00' THEN 'timestamp_before_2000'
            WHEN event_ts > $now::TIMESTAMPTZ + INTERVAL 1 DAY THEN 'timestamp_in_future'
            WHEN event_date < $start_date::DATE THEN 'before_start_date'
        END AS reason,
        -- Only URLs with a query string can carry UTM parameters or click ids.
        CASE WHEN contains(url, '?') THEN url END AS query_url
    FROM dated
)

-- The CASE guards keep the costly normalizations to the few rows that need them.
SELECT
    source_file,
    strlen(coalesce(line, '')) + 1 AS line_bytes,
    reason,
    CASE WHEN reason IS NOT NULL THEN redact_pii(line) END AS raw_line,
    CASE
        WHEN nullif(j.messageId, '') IS NOT NULL THEN j.messageId
        ELSE md5(concat_ws('|', event_type, j.event, j.name, user_id, anonymous_id, raw_ts, properties::VARCHAR))
    END AS event_id,
    CASE event_type
        WHEN 'track' THEN j.event
        WHEN 'page' THEN coalesce(nullif(j.name, ''), 'page viewed')
        WHEN 'screen' THEN coalesce(nullif(j.name, ''), 'screen viewed')
        ELSE event_type
    END AS event_name,
    event_type,
    event_ts,
    event_date,
    user_id,
    anonymous_id,
    previous_id,
    'segment' AS source,
    coalesce(nullif(j.context.campaign.source, ''), url_param(query_url, 'utm_source')) AS utm_source,
    coalesce(nullif(j.context.campaign.medium, ''), url_param(query_url, 'utm_medium')) AS utm_medium,
    coalesce(nullif(j.context.campaign.name, ''), url_param(query_url, 'utm_campaign')) AS utm_campaign,
    coalesce(nullif(j.context.campaign.content, ''), url_param(query_url, 'utm_content')) AS utm_content,
    coalesce(nullif(j.context.campaign.term, ''), url_param(query_url, 'utm_term')) AS utm_term,
    url_param(query_url, 'gclid') AS gclid,
    url_param(query_url, 'fbclid') AS fbclid,
    nullif(j.context.page.referrer, '') AS referrer,
    url AS page_url,
    CASE
        WHEN lower(j.context.device.type) = 'ios' OR lower(j.context.os.name) IN ('ios', 'ipados') THEN 'ios'
        WHEN lower(j.context.device.type) = 'android' OR lower(j.context.os.name) = 'android' THEN 'android'
        WHEN event_type = 'page' OR url IS NOT NULL
            OR lower(j.context.os.name) IN ('mac os x', 'macos', 'windows', 'linux', 'chrome os') THEN 'web'
        ELSE 'unknown'
    END AS platform,
    j.context.os.name AS os_name,
    upper(nullif(j.context.location.country, '')) AS country,
    nullif(trim(j.context.device.advertisingId), '') AS advertising_id,
    try_cast(j.context.device.adTrackingEnabled AS BOOLEAN) AS ad_tracking_enabled,
    try_cast(j.context.consent.ad_user_data AS BOOLEAN) AS consent_ad_user_data,
    try_cast(j.context.consent.ad_personalization AS BOOLEAN) AS consent_ad_personalization,
    CASE WHEN trait_email IS NOT NULL THEN sha256_or_null(normalize_email(trait_email)) END AS email_sha256,
    CASE WHEN trait_email IS NOT NULL THEN sha256_or_null(normalize_email_google(trait_email)) END AS email_sha256_google,
    CASE WHEN trait_phone IS NOT NULL THEN sha256_or_null(normalize_phone(trait_phone, $calling_code)) END AS phone_sha256,
    CASE WHEN trait_phone IS NOT NULL
        THEN sha256_or_null(ltrim(normalize_phone(trait_phone, $calling_code), '+')) END AS phone_sha256_digits,
    CASE WHEN trait_first_name IS NOT NULL THEN sha256_or_null(lower(trim(trait_first_name))) END AS first_name_sha256,
    CASE WHEN trait_last_name IS NOT NULL THEN sha256_or_null(lower(trim(trait_last_name))) END AS last_name_sha256,
    -- Contact details never reach a table: top-level email/phone properties are removed, and
    -- contact keys or e-mail addresses nested anywhere else are redacted as in quarantine.
    CASE
        WHEN properties IS NULL THEN '{}'::JSON
        WHEN starts_with(properties, '{') AND NOT contains(properties, '@')
            AND NOT contains(properties, '"email"') AND NOT contains(properties, 'hone')
            AND NOT contains(properties, 'HONE') AND NOT contains(properties, 'obile')
            AND NOT contains(properties, 'OBILE') THEN properties
        ELSE redact_pii(json_merge_patch(properties, '{"email": null, "phone": null}')::VARCHAR)::JSON
    END AS properties
FROM classified;
