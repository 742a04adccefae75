-- marts.active_users — grain: one row per local date from the first to the last loaded date
-- (dates with activity in core.user_days; days without any activity have dau = 0).
--   dau(d) = distinct users active on d
--   wau(d) = distinct users active on d-6 … d      (trailing 7 days, like PostHog / GA4 active7DayUsers)
--   mau(d) = distinct users active on d-29 … d     (trailing 30 days; GA4's active28DayUsers is 28)
--   active_28d(d) = distinct users active on d-27 … d (GA4's active28DayUsers window, for
--   reconciliation; not a substitute for mau).
--   ratios are NULL when the denominator is 0.
--   wau_window_complete / window_complete: the 7-day / 30-day window lies entirely on or after
--   the first loaded date (earlier windows undercount because there is no data before it).
-- No per-day self-join: each active day d of a user, with the user's next active day n,
-- keeps the user in WAU from d until (excluding) least(d + 7, n) and in MAU until
-- least(d + 30, n). Those spans never overlap, so WAU is a running sum of
-- (+1 at d, -1 at least(d + 7, n)) over dates; n is core.user_days.next_date (read from
-- core.user_activity's sorted date lists).
CREATE OR REPLACE TABLE marts.active_users AS
WITH spans AS (
    SELECT unnest(dates) AS event_date, unnest(dates[2:] || [NULL::DATE]) AS next_date
    FROM core.user_activity
),

-- One aggregation of the user-days: by date and gap to the next active day, capped at 30
-- (no next day = 30). The span of a day ends at event_date + least(gap, 7) for WAU,
-- + least(gap, 28) for 28 days and + gap for MAU.
gaps AS MATERIALIZED (
    SELECT event_date, least(coalesce(next_date - event_date, 30), 30)::INTEGER AS gap, count(*) AS n
    FROM spans
    GROUP BY ALL
),

bounds AS (
    SELECT first_date, last_date FROM activity_bounds()
),

starts AS (
    SELECT event_date AS date, sum(n)::BIGINT AS n FROM gaps GROUP BY ALL
),

week_ends AS (
    SELECT event_date + least(gap, 7) AS date, sum(n)::BIGINT AS n FROM gaps GROUP BY ALL
),

month_ends AS (
    SELECT event_date + gap AS date, sum(n)::BIGINT AS n FROM gaps GROUP BY ALL
),

ends_28d AS (
    SELECT event_date + least(gap, 28) AS date, sum(n)::BIGINT AS n FROM gaps GROUP BY ALL
),

dates AS (
    SELECT unnest(generate_series(first_date, last_date, INTERVAL 1 DAY))::DATE AS date, first_date
    FROM bounds
),

daily AS (
    SELECT
        d.date,
        d.first_date,
        coalesce(s.n, 0) AS dau,
        sum(coalesce(s.n, 0) - coalesce(w.n, 0)) OVER (ORDER BY d.date) AS wau,
        sum(coalesce(s.n, 0) - coalesce(m.n, 0)) OVER (ORDER BY d.date) AS mau,
        sum(coalesce(s.n, 0) - coalesce(a.n, 0)) OVER (ORDER BY d.date) AS active_28d
    FROM dates AS d
    LEFT JOIN starts AS s USING (date)
    LEFT JOIN week_ends AS w USING (date)
    LEFT JOIN month_ends AS m USING (date)
    LEFT JOIN ends_28d AS a USING (date)
)

SELECT
    date,
    dau::BIGINT AS dau,
    wau::BIGINT AS wau,
    mau::BIGINT AS mau,
    dau / nullif(mau, 0) AS dau_mau,
    dau / nullif(wau, 0) AS dau_wau,
    wau / nullif(mau, 0) AS wau_mau,
    date - 29 >= first_date AS window_complete,
    date - 6 >= first_date AS wau_window_complete,
    active_28d::BIGINT AS active_28d
FROM daily
ORDER BY date;
