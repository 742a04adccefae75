-- Synthetic core.events for tests and benchmarks (not part of the pipeline) — grain: one
-- row per event. $users users are first seen uniformly over $days days from $start; a
-- latent engagement (exponential, scaled by channel) sets both how long a user stays
-- and how often they are active while they stay, so activity is predictable from past
-- activity and channel. Pseudo-random numbers are hashes, so the data is reproducible.
CREATE OR REPLACE TABLE core.events AS
WITH users AS (
    SELECT
        i AS n,
        'u' || i AS user_key,
        (hash(i, 'first') % $days)::INTEGER AS first_day,
        (hash(i, 'channel') % 5)::INTEGER AS channel_index,
        (hash(i, 'method') % 5)::INTEGER AS method_index,
        (hash(i, 'platform') % 3)::INTEGER AS platform_index,
        hash(i, 'signup') % 100 < 70 AS signs_up,
        -ln(1 - 0.999 * (hash(i, 'engagement') % 1000000) / 1e6)
            * [1.4, 1.0, 0.6, 0.9, 1.2][(hash(i, 'channel') % 5)::INTEGER + 1] AS engagement,
        -ln(1 - 0.999 * (hash(i, 'life') % 1000000) / 1e6) AS life_draw
    FROM range($users) AS t(i)
),

paced AS (
    SELECT
        *,
        least(0.85, 0.06 + 0.22 * engagement) AS p_active_day,
        (life_draw * 25 * (0.2 + engagement))::INTEGER + 1 AS lifetime_days
    FROM users
),

user_days AS (
    SELECT *, unnest(range(first_day, least(first_day + lifetime_days, $days))) AS day
    FROM paced
),

active_days AS (
    SELECT *
    FROM user_days
    WHERE day = first_day OR (hash(n, day, 'active') % 1000000) / 1e6 < p_active_day
),

activity AS (
    SELECT
        a.*,
        unnest(range(1 + (hash(n, day, 'count') % 3)::INTEGER)) AS k
    FROM active_days AS a
),

all_events AS (
    SELECT
        n, user_key, day, k, first_day, channel_index, method_index, platform_index,
        ['page viewed', 'Summary Created', 'Paper Uploaded', 'Paper Viewed', 'Search Performed', 'Share Link Created']
            [(hash(n, day, k, 'name') % 6)::INTEGER + 1] AS event_name,
        'track' AS event_type,
        NULL::VARCHAR AS properties
    FROM activity
    UNION ALL
    SELECT
        n, user_key, first_day, 100, first_day, channel_index, method_index, platform_index,
        'Signed Up', 'track',
        json_object('method', ['kakao', 'google', 'instagram', 'apple', 'email'][method_index + 1])::VARCHAR
    FROM paced
    WHERE signs_up
    UNION ALL
    SELECT
        n, user_key, first_day + 3, 101, first_day, channel_index, method_index, platform_index,
        'Subscription Started', 'track',
        json_object('plan', 'pro', 'revenue', 9900, 'currency', 'KRW')::VARCHAR
    FROM paced
    WHERE signs_up AND engagement > 1.5 AND first_day + 3 < least(first_day + lifetime_days, $days)
)

SELECT
    user_key || ':' || day || ':' || k AS event_id,
    event_name,
    event_type,
    ($start::DATE + day::INTEGER + INTERVAL 1 HOUR)::TIMESTAMPTZ AS event_ts,
    ($start::DATE + day::INTEGER) AS event_date,
    user_key,
    hash(user_key) AS user_uid,
    user_key AS user_id,
    NULL::VARCHAR AS anonymous_id,
    CASE WHEN day = first_day THEN ['google', 'facebook', 'kakao', 'naver', NULL][channel_index + 1] END AS utm_source,
    CASE WHEN day = first_day THEN ['cpc', 'paid_social', 'display', 'organic', NULL][channel_index + 1] END AS utm_medium,
    ['web', 'ios', 'android'][platform_index + 1] AS platform,
    properties::JSON AS properties,
    true AS is_active,
    -- the other core.events columns core.users reads, empty
    NULL::VARCHAR AS utm_campaign,
    NULL::VARCHAR AS gclid,
    NULL::VARCHAR AS fbclid,
    NULL::VARCHAR AS country,
    NULL::VARCHAR AS advertising_id,
    NULL::BOOLEAN AS ad_tracking_enabled,
    NULL::BOOLEAN AS consent_ad_user_data,
    NULL::BOOLEAN AS consent_ad_personalization,
    NULL::VARCHAR AS email_sha256,
    NULL::VARCHAR AS email_sha256_google,
    NULL::VARCHAR AS phone_sha256,
    NULL::VARCHAR AS phone_sha256_digits,
    NULL::VARCHAR AS first_name_sha256,
    NULL::VARCHAR AS last_name_sha256
FROM all_events
-- day by day, like core.events built from raw.events loaded one daily file after another
-- (so date filters skip row groups as they do on a real warehouse)
ORDER BY day, n, k;
