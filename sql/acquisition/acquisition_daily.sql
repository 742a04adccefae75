-- marts.acquisition_daily — grain: one row per (date, channel, utm_source, utm_medium,
-- utm_campaign) with any activity. First-touch attribution: every user belongs to the
-- channel of their first-touch source/medium (core.users.first_utm_*, from the user's
-- first-seen local day; none → Direct, shown as '(direct)' / '(none)' / '(not set)').
-- Each count sits on its own local date:
--   new_users  — users whose first_seen_date is `date`;
--   signups    — users whose first `Signed Up` (signup_date) is `date`;
--   paid_users — users whose first payment (first_paid_ts, local) is `date`;
--   revenue    — sum of properties.revenue of `Subscription Started` / `Order Completed`
--                events on `date` (the core.users.revenue_total definition, by day).
-- Identity: summed over channels, new_users equals the number of users first seen that day.
-- Parameters: $tz.
CREATE OR REPLACE TABLE marts.acquisition_daily AS
WITH users AS (
    SELECT
        user_key,
        first_seen_date,
        signup_date,
        timezone($tz, first_paid_ts)::DATE AS first_paid_date,
        first_utm_source,
        first_utm_medium,
        first_utm_campaign
    FROM core.users
),

payments AS (
    SELECT
        user_key,
        event_date,
        coalesce(try_cast(json_extract_string(properties, '$.revenue') AS DOUBLE), 0) AS revenue
    FROM core.events
    WHERE event_name IN ('Subscription Started', 'Order Completed')
),

channels AS (
    SELECT first_utm_source, first_utm_medium, channel_of(first_utm_source, first_utm_medium) AS channel
    FROM (SELECT DISTINCT first_utm_source, first_utm_medium FROM users)
),

attribution AS (
    SELECT
        u.user_key,
        c.channel,
        coalesce(u.first_utm_source, '(direct)') AS utm_source,
        coalesce(u.first_utm_medium, '(none)') AS utm_medium,
        coalesce(u.first_utm_campaign, '(not set)') AS utm_campaign
    FROM users AS u
    JOIN channels AS c
        ON c.first_utm_source IS NOT DISTINCT FROM u.first_utm_source
        AND c.first_utm_medium IS NOT DISTINCT FROM u.first_utm_medium
),

facts AS (
    SELECT user_key, first_seen_date AS date, 1 AS is_new, 0 AS is_signup, 0 AS is_paid, 0.0 AS revenue
    FROM users WHERE first_seen_date IS NOT NULL
    UNION ALL
    SELECT user_key, signup_date, 0, 1, 0, 0.0 FROM users WHERE signup_date IS NOT NULL
    UNION ALL
    SELECT user_key, first_paid_date, 0, 0, 1, 0.0 FROM users WHERE first_paid_date IS NOT NULL
    UNION ALL
    SELECT user_key, event_date, 0, 0, 0, revenue FROM payments WHERE revenue <> 0
)

SELECT
    f.date,
    a.channel,
    a.utm_source,
    a.utm_medium,
    a.utm_campaign,
    sum(f.is_new)::BIGINT AS new_users,
    sum(f.is_signup)::BIGINT AS signups,
    sum(f.is_paid)::BIGINT AS paid_users,
    sum(f.revenue)::DOUBLE AS revenue
FROM facts AS f
JOIN attribution AS a USING (user_key)
GROUP BY ALL
ORDER BY f.date, a.channel, a.utm_source, a.utm_medium, a.utm_campaign;
