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

-- One row per (user, period with activity): each user's sorted date list mapped to week /
-- month numbers (arithmetic, cheaper per user-day than period start dates) and counted per
-- period within the list (a histogram per user), so no aggregation over every user-day with
-- one group per user and period is needed.
user_periods AS (
    SELECT 'week' AS grain, period.key AS period, period.value AS active_days
    FROM (
        SELECT unnest(map_entries(list_aggregate(
            list_transform(dates, d -> week_index(d, $week_start)), 'histogram'))) AS period
        FROM core.user_activity
    )
    UNION ALL
    SELECT 'month', period.key, period.value
    FROM (
        SELECT unnest(map_entries(list_aggregate(
            list_transform(dates, d -> month_index(d)), 'histogram'))) AS period
        FROM core.user_activity
    )
),

counts AS (
    SELECT grain, period, active_days, count(*) AS users FROM user_periods GROUP BY ALL
),

-- Period numbers back to start and end dates, once per period.
starts AS (
    SELECT *, period_end_of(grain, period_start) AS period_end
    FROM (
        SELECT
            grain,
            period,
            CASE grain WHEN 'week' THEN week_start_of_index(period, $week_start) ELSE month_start_of_index(period) END
                AS period_start
        FROM (SELECT DISTINCT grain, period FROM counts)
    )
)

SELECT
    c.grain AS period_grain,
    s.period_start,
    c.active_days::INTEGER AS active_days,
    c.users,
    (s.period_end - s.period_start + 1)::INTEGER AS days_in_period,
    s.period_start >= b.first_date AND s.period_end <= b.last_date AS period_complete
FROM counts AS c
JOIN starts AS s USING (grain, period)
CROSS JOIN bounds AS b
ORDER BY period_grain, period_start, active_days;
