-- marts.lifecycle — grain: one row per (period_grain, period_start, status) for every
-- day / calendar week / calendar month from the user base's first active period to the
-- period containing the last loaded date (which may be partial); zero counts included.
-- For a user and a period P (activity from core.user_days):
--   new          P is the user's first active period ever;
--   returning    active in P and in the period before P;
--   resurrecting active in P, not in the period before, active in some earlier period;
--   dormant      active in the period before P, not in P — stored as a negative count.
-- Identity: new + returning + resurrecting = active users in P.
-- Periods are numbered (day / week / month index) so 'the period before' is number - 1.
-- Computed from each user's first active day in a period (previous active date in an
-- earlier period: its period tells new / returning / resurrecting) and last active day in
-- a period (next active date not in the next period: dormant in the next period).
-- Parameters: week_start.
CREATE OR REPLACE TABLE marts.lifecycle AS
WITH bounds AS (
    SELECT first_date, last_date FROM activity_bounds()
),

grains AS (
    SELECT * FROM (VALUES ('day'), ('week'), ('month')) AS g(grain)
),

-- Period numbers of each active day and of the user's previous and next active days.
user_days AS (
    SELECT
        event_date - DATE '1970-01-01' AS day,
        previous_date - DATE '1970-01-01' AS previous_day,
        next_date - DATE '1970-01-01' AS next_day,
        week_index(event_date, $week_start) AS week,
        week_index(previous_date, $week_start) AS previous_week,
        week_index(next_date, $week_start) AS next_week,
        month_index(event_date) AS month,
        month_index(previous_date) AS previous_month,
        month_index(next_date) AS next_month
    FROM activity_days()
),

by_grain AS (
    SELECT 'day' AS grain, day AS period, previous_day AS previous_period, next_day AS next_period FROM user_days
    UNION ALL
    SELECT 'week', week, previous_week, next_week FROM user_days
    UNION ALL
    SELECT 'month', month, previous_month, next_month FROM user_days
),

transitions AS (
    SELECT
        grain,
        period,
        CASE
            WHEN previous_period IS NULL THEN 'new'
            WHEN previous_period = period - 1 THEN 'returning'
            ELSE 'resurrecting'
        END AS status,
        count(*) AS users
    FROM by_grain
    WHERE previous_period IS NULL OR previous_period < period
    GROUP BY ALL
    UNION ALL
    SELECT grain, period + 1, 'dormant', -count(*)
    FROM by_grain
    WHERE next_period IS NULL OR next_period > period + 1
    GROUP BY ALL
),

periods AS (
    SELECT DISTINCT
        g.grain,
        period_start_of(g.grain, d.day::DATE, $week_start) AS period_start,
        period_index(g.grain, d.day::DATE, $week_start) AS period
    FROM bounds
    CROSS JOIN unnest(generate_series(bounds.first_date, bounds.last_date, INTERVAL 1 DAY)) AS d(day)
    CROSS JOIN grains AS g
),

statuses AS (
    SELECT * FROM (VALUES (1, 'new'), (2, 'returning'), (3, 'resurrecting'), (4, 'dormant')) AS s(status_order, status)
)

SELECT
    p.grain AS period_grain,
    p.period_start,
    s.status,
    coalesce(sum(t.users), 0)::BIGINT AS users
FROM periods AS p
CROSS JOIN statuses AS s
LEFT JOIN transitions AS t ON t.grain = p.grain AND t.period = p.period AND t.status = s.status
GROUP BY p.grain, p.period_start, s.status, s.status_order
ORDER BY period_grain, period_start, s.status_order;
