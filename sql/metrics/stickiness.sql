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

-- One row per (user, period with activity): each user's sorted date list mapped to period
-- starts and counted per period within the list (a histogram per user), so no aggregation
-- over every user-day with one group per user and period is needed.
user_periods AS (
    SELECT 'week' AS grain, period.key AS period_start, period.value AS active_days
    FROM (
        SELECT unnest(map_entries(list_aggregate(
            list_transform(dates, d -> week_start_of(d, $week_start)), 'histogram'))) AS period
        FROM core.user_activity
    )
    UNION ALL
    SELECT 'month', period.key, period.value
    FROM (
        SELECT unnest(map_entries(list_aggregate(
            list_transform(dates, d -> date_trunc('month', d)::DATE), 'histogram'))) AS period
        FROM core.user_activity
    )
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
