-- marts.conversion — grain: one row per (cohort_grain, cohort_start, segment_type,
-- segment_value): users who signed up in the local day / week / calendar month
-- (core.users.signup_date) and how many of them started paying (core.users.first_paid_ts:
-- first `Subscription Started` or paid order):
--   paid_within_7d / paid_within_30d: first_paid_ts <= signup_ts + 7 / 30 days of 24 hours
--     (exact timestamps; paying before the signup event counts as converted);
--   paid_ever: first_paid_ts is set (as of the last loaded date).
--   The 7d / 30d counts and rates are NULL until the window of the cohort's last signup
--   day is fully observed: period end + 7 (30) days <= last loaded date.
-- Segments: 'all' / 'all', signup_method ('(none)' when absent), first-touch utm_source
-- ('(direct)' when absent). Identity: signups of the 'all' rows sum to the signed-up users.
-- Parameters: week_start.
CREATE OR REPLACE TABLE marts.conversion AS
WITH bounds AS (
    SELECT last_date FROM activity_bounds()
),

grains AS (
    SELECT * FROM (VALUES ('day'), ('week'), ('month')) AS g(grain)
),

-- Signed-up users counted per signup date and segment values first (a few thousand rows),
-- then rolled up to weeks and months: the period of each signup is computed per row of
-- that small table, not per user and grain.
daily AS (
    SELECT
        signup_date,
        coalesce(signup_method, '(none)') AS signup_method,
        coalesce(first_utm_source, '(direct)') AS utm_source,
        count(*) AS signups,
        -- exact durations, compared in microseconds (adding an INTERVAL to a TIMESTAMPTZ goes
        -- through the calendar of the session's time zone for every row)
        count(*) FILTER (WHERE epoch_us(first_paid_ts) - epoch_us(signup_ts) <= 7 * 86400000000) AS paid_7d,
        count(*) FILTER (WHERE epoch_us(first_paid_ts) - epoch_us(signup_ts) <= 30 * 86400000000) AS paid_30d,
        count(*) FILTER (WHERE first_paid_ts IS NOT NULL) AS paid_ever
    FROM core.users
    WHERE signup_ts IS NOT NULL
    GROUP BY ALL
),

cohorts AS (
    SELECT
        g.grain,
        period_start_of(g.grain, d.signup_date, $week_start) AS cohort_start,
        d.signup_method,
        d.utm_source,
        sum(d.signups) AS signups,
        sum(d.paid_7d) AS paid_7d,
        sum(d.paid_30d) AS paid_30d,
        sum(d.paid_ever) AS paid_ever
    FROM daily AS d
    CROSS JOIN grains AS g
    GROUP BY ALL
),

segmented AS (
    SELECT * EXCLUDE (segment), segment.segment_type, segment.segment_value
    FROM (
        SELECT
            *,
            unnest([
                {'segment_type': 'all', 'segment_value': 'all'},
                {'segment_type': 'signup_method', 'segment_value': signup_method},
                {'segment_type': 'utm_source', 'segment_value': utm_source}
            ]) AS segment
        FROM cohorts
    )
),

totals AS (
    SELECT
        grain, cohort_start, segment_type, segment_value,
        sum(signups)::BIGINT AS signups,
        sum(paid_7d)::BIGINT AS paid_7d,
        sum(paid_30d)::BIGINT AS paid_30d,
        sum(paid_ever)::BIGINT AS paid_ever
    FROM segmented
    GROUP BY ALL
)

SELECT
    t.grain AS cohort_grain,
    t.cohort_start,
    t.segment_type,
    t.segment_value,
    t.signups,
    CASE WHEN period_end_of(t.grain, t.cohort_start) + 7 <= b.last_date THEN t.paid_7d END AS paid_within_7d,
    CASE WHEN period_end_of(t.grain, t.cohort_start) + 30 <= b.last_date THEN t.paid_30d END AS paid_within_30d,
    t.paid_ever,
    CASE WHEN period_end_of(t.grain, t.cohort_start) + 30 <= b.last_date THEN t.paid_30d / t.signups END
        AS conversion_rate_30d,
    CASE WHEN period_end_of(t.grain, t.cohort_start) + 7 <= b.last_date THEN t.paid_7d / t.signups END
        AS conversion_rate_7d,
    t.paid_ever / t.signups AS conversion_rate_ever
FROM totals AS t
CROSS JOIN bounds AS b
ORDER BY cohort_grain, segment_type, segment_value, cohort_start;
