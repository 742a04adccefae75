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
    SELECT * FROM (VALUES (0, 'day'), (1, 'week'), (2, 'month')) AS g(grain_id, grain)
),

-- Each active day with the user's previous and next active day (neighbouring elements of the
-- sorted date list), unnested once.
user_days AS MATERIALIZED (
    SELECT
        unnest(dates) AS day,
        unnest([NULL::DATE] || dates[:-2]) AS previous_day,
        unnest(dates[2:] || [NULL::DATE]) AS next_day
    FROM core.user_activity
),

-- Per period, in one aggregation over every user-day and grain: a user's first active day in
-- a period (previous active day in an earlier period) makes them new (no previous day: the
-- -1000000 sentinel), returning (previous period) or resurrecting; their last active day
-- in a period with the next one (or none: the 1000000000 sentinel) beyond the next period
-- makes them dormant in the next period. Sentinels instead of NULLs keep the filters cheap.
counts AS (
    SELECT
        grain_id,
        period,
        count(*) FILTER (WHERE previous_period = -1000000) AS new_users,
        count(*) FILTER (WHERE previous_period = period - 1) AS returning_users,
        count(*) FILTER (WHERE previous_period > -1000000 AND previous_period < period - 1) AS resurrecting,
        count(*) FILTER (WHERE next_period > period + 1) AS dormant_next
    FROM (
        SELECT
            0 AS grain_id,
            (day - DATE '1970-01-01')::INTEGER AS period,
            coalesce((previous_day - DATE '1970-01-01')::INTEGER, -1000000) AS previous_period,
            coalesce((next_day - DATE '1970-01-01')::INTEGER, 1000000000) AS next_period
        FROM user_days
        UNION ALL
        SELECT
            1,
            week_index(day, $week_start)::INTEGER,
            coalesce(week_index(previous_day, $week_start)::INTEGER, -1000000),
            coalesce(week_index(next_day, $week_start)::INTEGER, 1000000000)
        FROM user_days
        UNION ALL
        SELECT
            2,
            month_index(day)::INTEGER,
            coalesce(month_index(previous_day)::INTEGER, -1000000),
            coalesce(month_index(next_day)::INTEGER, 1000000000)
        FROM user_days
    )
    GROUP BY ALL
),

-- status_id: 1 new, 2 returning, 3 resurrecting, 4 dormant (stored negative).
transitions AS (
    SELECT grain_id, period, 1 AS status_id, new_users AS users FROM counts
    UNION ALL
    SELECT grain_id, period, 2, returning_users FROM counts
    UNION ALL
    SELECT grain_id, period, 3, resurrecting FROM counts
    UNION ALL
    SELECT grain_id, period + 1, 4, -dormant_next FROM counts
),

periods AS (
    SELECT DISTINCT
        g.grain_id,
        g.grain,
        period_start_of(g.grain, d.day::DATE, $week_start) AS period_start,
        period_index(g.grain, d.day::DATE, $week_start) AS period
    FROM bounds
    CROSS JOIN unnest(generate_series(bounds.first_date, bounds.last_date, INTERVAL 1 DAY)) AS d(day)
    CROSS JOIN grains AS g
),

statuses AS (
    SELECT * FROM (VALUES (1, 'new'), (2, 'returning'), (3, 'resurrecting'), (4, 'dormant')) AS s(status_id, status)
)

SELECT
    p.grain AS period_grain,
    p.period_start,
    s.status,
    coalesce(sum(t.users), 0)::BIGINT AS users
FROM periods AS p
CROSS JOIN statuses AS s
LEFT JOIN transitions AS t ON t.grain_id = p.grain_id AND t.period = p.period AND t.status_id = s.status_id
GROUP BY p.grain, p.period_start, s.status, s.status_id
ORDER BY period_grain, period_start, s.status_id;
