-- core.users — grain: one row per user_key in core.events.
-- first_seen_* is the first activity event (any event if the user never was active);
-- first-touch UTM/click ids come from the user's first-seen local day (a visit that
-- arrived with no UTM is direct: NULL source); signup_* from the first `Signed Up`;
-- first_paid_* from the first payment (the local date like signup_date);
-- ad-id, tracking and consent fields are the latest values reported; email/phone are
-- hashes only (computed at ingest, raw values never stored); revenue sums
-- `Subscription Started` and `Order Completed`. user_uid: core.events' integer id of the
-- user (unique here; pipelines/core/build.py re-salts both tables if two users share one).
CREATE OR REPLACE TABLE core.users AS
WITH firsts AS (
    SELECT
        user_key,
        any_value(user_uid) AS user_uid,
        coalesce(min(event_ts) FILTER (WHERE is_active), min(event_ts)) AS first_seen_ts
    FROM core.events
    GROUP BY user_key
),

events AS (
    SELECT e.*, timezone($tz, f.first_seen_ts)::DATE AS first_seen_date
    FROM core.events AS e
    JOIN firsts AS f USING (user_key)
),

signups AS (
    SELECT
        user_key,
        min(event_ts) AS signup_ts,
        arg_min(signup_method_of(properties), (event_ts, event_id)) AS signup_method,
        arg_min(json_extract_string(properties, '$.referrer_user_id'), (event_ts, event_id)) AS referrer_user_key
    FROM core.events
    WHERE event_name = 'Signed Up'
    GROUP BY user_key
),

payments AS (
    SELECT
        user_key,
        min(event_ts) FILTER (WHERE event_name = 'Subscription Started'
            OR coalesce(try_cast(json_extract_string(properties, '$.revenue') AS DOUBLE), 0) > 0) AS first_paid_ts,
        arg_max(json_extract_string(properties, '$.plan'), event_ts)
            FILTER (WHERE json_extract_string(properties, '$.plan') IS NOT NULL) AS plan,
        sum(coalesce(try_cast(json_extract_string(properties, '$.revenue') AS DOUBLE), 0)) AS revenue_total,
        arg_max(json_extract_string(properties, '$.currency'), event_ts)
            FILTER (WHERE json_extract_string(properties, '$.currency') IS NOT NULL) AS currency
    FROM core.events
    WHERE event_name IN ('Subscription Started', 'Order Completed')
    GROUP BY user_key
),

profile AS (
    SELECT
        user_key,
        any_value(first_seen_date) AS first_seen_date,
        arg_min(utm_source, event_ts) FILTER (WHERE utm_source IS NOT NULL AND event_date = first_seen_date) AS first_utm_source,
        arg_min(utm_medium, event_ts) FILTER (WHERE utm_source IS NOT NULL AND event_date = first_seen_date) AS first_utm_medium,
        arg_min(utm_campaign, event_ts) FILTER (WHERE utm_source IS NOT NULL AND event_date = first_seen_date) AS first_utm_campaign,
        arg_min(gclid, event_ts) FILTER (WHERE gclid IS NOT NULL AND event_date = first_seen_date) AS first_gclid,
        arg_min(fbclid, event_ts) FILTER (WHERE fbclid IS NOT NULL AND event_date = first_seen_date) AS first_fbclid,
        arg_min(platform, event_ts) FILTER (WHERE platform <> 'unknown') AS platform,
        arg_max(country, event_ts) FILTER (WHERE country IS NOT NULL) AS country,
        list(DISTINCT lower(advertising_id) ORDER BY lower(advertising_id)) FILTER (WHERE advertising_id IS NOT NULL) AS advertising_ids,
        arg_max(advertising_id, event_ts) FILTER (WHERE advertising_id IS NOT NULL) AS latest_advertising_id,
        arg_max(ad_tracking_enabled, event_ts) FILTER (WHERE ad_tracking_enabled IS NOT NULL) AS ad_tracking_enabled,
        arg_max(consent_ad_user_data, event_ts) FILTER (WHERE consent_ad_user_data IS NOT NULL) AS consent_ad_user_data,
        arg_max(consent_ad_personalization, event_ts) FILTER (WHERE consent_ad_personalization IS NOT NULL) AS consent_ad_personalization,
        arg_max(email_sha256, event_ts) FILTER (WHERE email_sha256 IS NOT NULL) AS email_sha256,
        arg_max(email_sha256_google, event_ts) FILTER (WHERE email_sha256_google IS NOT NULL) AS email_sha256_google,
        arg_max(phone_sha256, event_ts) FILTER (WHERE phone_sha256 IS NOT NULL) AS phone_sha256,
        arg_max(phone_sha256_digits, event_ts) FILTER (WHERE phone_sha256_digits IS NOT NULL) AS phone_sha256_digits,
        arg_max(first_name_sha256, event_ts) FILTER (WHERE first_name_sha256 IS NOT NULL) AS first_name_sha256,
        arg_max(last_name_sha256, event_ts) FILTER (WHERE last_name_sha256 IS NOT NULL) AS last_name_sha256,
        max(event_date) FILTER (WHERE is_active) AS last_active_date,
        count(*) FILTER (WHERE is_active) AS count_active_events,
        bool_or(user_id IS NOT NULL) AS is_identified
    FROM events
    GROUP BY user_key
)

SELECT
    p.user_key,
    f.user_uid,
    f.first_seen_ts,
    p.first_seen_date,
    s.signup_ts,
    timezone($tz, s.signup_ts)::DATE AS signup_date,
    s.signup_method,
    s.referrer_user_key,
    p.first_utm_source,
    p.first_utm_medium,
    p.first_utm_campaign,
    p.first_gclid,
    p.first_fbclid,
    p.platform,
    p.country,
    coalesce(p.advertising_ids, []) AS advertising_ids,
    p.latest_advertising_id,
    p.ad_tracking_enabled,
    p.consent_ad_user_data,
    p.consent_ad_personalization,
    p.email_sha256,
    p.email_sha256_google,
    p.phone_sha256,
    p.phone_sha256_digits,
    p.first_name_sha256,
    p.last_name_sha256,
    pay.first_paid_ts,
    timezone($tz, pay.first_paid_ts)::DATE AS first_paid_date,
    pay.plan,
    coalesce(pay.revenue_total, 0) AS revenue_total,
    pay.currency,
    p.last_active_date,
    p.count_active_events,
    p.is_identified
FROM profile AS p
JOIN firsts AS f USING (user_key)
LEFT JOIN signups AS s USING (user_key)
LEFT JOIN payments AS pay USING (user_key);
