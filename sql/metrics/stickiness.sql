-- marts.stickiness — grain: one row per (period_grain, period_start, active_days) with
-- users ≥ 1: how many users were active on exactly `active_days` distinct local dates of
-- the calendar week (starting on RETAINLY_WEEK_START) or calendar month.
-- Every period from the first to the last loaded date is included; `period_complete` is
-- false for a period that starts before the first or ends after the last loaded date
-- (its counts are a lower bound). Identity: sum(users) per period = active users in it.
-- Parameters: week_start.
CREATE OR REPLACE TABLE marts.stickiness AS
WITH bounds AS (
    SELECT first_date, last_date FROM activity_bounds()
),

user_periods AS (
    SELECT 'week' AS grain, week_start_of(event_date, $week_start) AS period_start, uid, count(*) AS active_days
    FROM activity_days()
    GROUP BY ALL
    UNION ALL
    SELECT 'month', date_trunc('month', event_date)::DATE, uid, count(*)
    FROM activity_days()
    GROUP BY ALL
)

SELECT
    p.grain AS period_grain,
    p.period_start,
    p.active_days::INTEGER AS active_days,
    count(*) AS users,
    (period_end_of(p.grain, p.period_start) - p.period_start + 1)::INTEGER AS days_in_period,
    p.period_start >= b.first_date AND period_end_of(p.grain, p.period_start) <= b.last_date AS period_complete
FROM user_periods AS p
CROSS JOIN bounds AS b
GROUP BY ALL
ORDER BY period_grain, period_start, active_days;
