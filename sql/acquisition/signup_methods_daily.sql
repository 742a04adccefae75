-- marts.signup_methods_daily — grain: one row per (date, signup_method) with signups:
-- the signup-method mix over time. `date` is the local signup_date; signup_method is the
-- first `Signed Up` event's properties.method ('unknown' when absent).
--   signups       — users who signed up that day with that method;
--   share         — signups / all signups that day (shares of a day sum to 1);
--   paid_users    — of those signups, users who ever paid.
CREATE OR REPLACE TABLE marts.signup_methods_daily AS
WITH signups AS (
    SELECT signup_date AS date, coalesce(nullif(trim(signup_method), ''), 'unknown') AS signup_method, first_paid_ts
    FROM core.users
    WHERE signup_date IS NOT NULL
)

SELECT
    date,
    signup_method,
    count(*)::BIGINT AS signups,
    count(*) / sum(count(*)) OVER (PARTITION BY date) AS share,
    count(first_paid_ts)::BIGINT AS paid_users
FROM signups
GROUP BY date, signup_method
ORDER BY date, signup_method;
