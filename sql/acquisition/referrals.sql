-- marts.referrals — grain: one row per referrer_user_key: a user id that appears as
-- properties.referrer_user_id on someone's first `Signed Up` (core.users.referrer_user_key).
--   referred_signups — users who signed up with that referrer;
--   referred_paid    — of those, users who ever paid (first_paid_ts not null);
--   referred_revenue — their revenue_total; referrer_is_known — the referrer is a user we saw.
CREATE OR REPLACE TABLE marts.referrals AS
WITH referred AS (
    SELECT referrer_user_key, user_key, signup_date, first_paid_ts, revenue_total
    FROM core.users
    WHERE referrer_user_key IS NOT NULL AND signup_ts IS NOT NULL
)

SELECT
    r.referrer_user_key,
    count(*)::BIGINT AS referred_signups,
    count(r.first_paid_ts)::BIGINT AS referred_paid,
    sum(r.revenue_total)::DOUBLE AS referred_revenue,
    min(r.signup_date) AS first_referred_signup_date,
    max(r.signup_date) AS last_referred_signup_date,
    bool_or(known.user_key IS NOT NULL) AS referrer_is_known
FROM referred AS r
LEFT JOIN core.users AS known ON known.user_key = r.referrer_user_key
GROUP BY r.referrer_user_key
ORDER BY referred_signups DESC, r.referrer_user_key;
