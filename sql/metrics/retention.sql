-- marts.retention — grain: one row per (cohort_event, cohort_grain, cohort_start, method,
-- period_offset, segment_type, segment_value); every offset of every cohort is present,
-- so a cohort triangle is read directly (unobserved cells are NULL, never 0).
--   cohort: users by first_seen_date ('first_seen', users with any activity) or by
--     signup_date ('signup', users who signed up), truncated to cohort_grain.
--   n_day   cell k: active in calendar period cohort_start + k.
--   rolling cell k: active in period cohort_start + k or any later period ("on or after").
--   range   cell i: active on a day whose offset from the user's own cohort date
--     (first_seen_date or signup_date) falls in bracket i of retention.brackets.
--   offset 0 is the cohort itself: retained = cohort_size, rate 1.
--   NULL when not fully observed: n_day/rolling when period k ends after the last loaded
--   date; range when the cohort period's last day + the bracket's upper bound is after it.
--   segment values: NULL signup_method → '(none)', NULL first utm_source → '(direct)',
--   unknown platform → 'unknown'.
-- Parameters: week_start, max_day_offset, max_week_offset, max_month_offset,
-- bracket_lows, bracket_highs, bracket_labels, segments.
-- One row per combination of segment values (few), so the big tables carry a small integer.
CREATE OR REPLACE TEMP TABLE retention_combos AS
SELECT row_number() OVER (ORDER BY signup_method, utm_source, platform)::INTEGER AS combo_id, *
FROM (
    SELECT DISTINCT
        coalesce(signup_method, '(none)') AS signup_method,
        coalesce(first_utm_source, '(direct)') AS utm_source,
        coalesce(platform, 'unknown') AS platform
    FROM core.users
);

-- One row per user and cohort event; uid is a dense integer per user_key. The cohort's
-- week and month and the user's last active offsets are computed once here.
CREATE OR REPLACE TEMP TABLE retention_members AS
WITH users AS (
    SELECT
        row_number() OVER ()::INTEGER AS uid,
        u.user_key,
        u.first_seen_date,
        u.signup_date,
        u.last_active_date,
        c.combo_id
    FROM core.users AS u
    JOIN retention_combos AS c
        ON c.signup_method = coalesce(u.signup_method, '(none)')
        AND c.utm_source = coalesce(u.first_utm_source, '(direct)')
        AND c.platform = coalesce(u.platform, 'unknown')
),

-- cohort_event_id: 0 = 'first_seen', 1 = 'signup' (integer keys keep the big GROUP BYs cheap).
members AS (
    SELECT uid, user_key, 0 AS cohort_event_id, first_seen_date AS cohort_date, last_active_date, combo_id
    FROM users
    WHERE last_active_date IS NOT NULL
    UNION ALL
    SELECT uid, user_key, 1, signup_date, last_active_date, combo_id
    FROM users
    WHERE signup_date IS NOT NULL
)

SELECT
    *,
    week_start_of(cohort_date, $week_start) AS cohort_week,
    date_trunc('month', cohort_date)::DATE AS cohort_month,
    last_active_date - cohort_date AS last_day_offset,
    week_index(last_active_date, $week_start) - week_index(cohort_date, $week_start) AS last_week_offset,
    month_index(last_active_date) - month_index(cohort_date) AS last_month_offset
FROM members;

-- Sparse counts per (cohort_event_id, grain_id, cohort_start, combo_id, kind_id, period_offset);
-- grain_id 0 = day, 1 = week, 2 = month;
--   kind_id 0 (n_day)  users active in period offset k (1 <= k <= max offset);
--   kind_id 1 (last)   users whose last active period is offset k (capped to 0 … max offset);
--   kind_id 2 (range)  users active in bracket k.
CREATE OR REPLACE TEMP TABLE retention_counts AS
WITH brackets AS (
    SELECT
        unnest(range(len($bracket_lows::INTEGER[]))) AS bracket,
        unnest($bracket_lows::INTEGER[]) AS low,
        unnest($bracket_highs::INTEGER[]) AS high
),

bracket_days AS (
    SELECT bracket, unnest(range(low, high + 1)) AS day_offset FROM brackets
),

uids AS (
    SELECT DISTINCT uid, user_key FROM retention_members
),

-- Each active day on or after the cohort date, with the offsets it falls in. A user counts
-- once in a later period: on their first active day in it (previous active date in an
-- earlier period), so no DISTINCT is needed. Offset 0 is the cohort itself.
member_days AS MATERIALIZED (
    SELECT
        m.uid,
        m.cohort_event_id,
        m.combo_id,
        m.cohort_date,
        m.cohort_week,
        m.cohort_month,
        d.event_date - m.cohort_date AS day_offset,
        week_index(d.event_date, $week_start) - week_index(m.cohort_date, $week_start) AS week_offset,
        d.previous_date IS NULL
            OR week_index(d.previous_date, $week_start) < week_index(d.event_date, $week_start) AS is_first_in_week,
        month_index(d.event_date) - month_index(m.cohort_date) AS month_offset,
        d.previous_date IS NULL OR month_index(d.previous_date) < month_index(d.event_date) AS is_first_in_month
    FROM core.user_days AS d
    JOIN uids AS u USING (user_key)
    JOIN retention_members AS m ON m.uid = u.uid AND d.event_date >= m.cohort_date
),

member_brackets AS (
    SELECT DISTINCT m.cohort_event_id, m.uid, m.combo_id, m.cohort_date, m.cohort_week, m.cohort_month, b.bracket
    FROM member_days AS m
    JOIN bracket_days AS b USING (day_offset)
)

SELECT cohort_event_id, 0 AS grain_id, cohort_date AS cohort_start, combo_id, 0 AS kind_id, day_offset AS period_offset, count(*)::INTEGER AS n
FROM member_days
WHERE day_offset BETWEEN 1 AND $max_day_offset
GROUP BY ALL
UNION ALL
SELECT cohort_event_id, 1, cohort_week, combo_id, 0, week_offset, count(*)::INTEGER
FROM member_days
WHERE is_first_in_week AND week_offset BETWEEN 1 AND $max_week_offset
GROUP BY ALL
UNION ALL
SELECT cohort_event_id, 2, cohort_month, combo_id, 0, month_offset, count(*)::INTEGER
FROM member_days
WHERE is_first_in_month AND month_offset BETWEEN 1 AND $max_month_offset
GROUP BY ALL
UNION ALL
SELECT cohort_event_id, 0, cohort_date, combo_id, 1, least(greatest(last_day_offset, 0), $max_day_offset), count(*)::INTEGER
FROM retention_members
GROUP BY ALL
UNION ALL
SELECT cohort_event_id, 1, cohort_week, combo_id, 1, least(greatest(last_week_offset, 0), $max_week_offset), count(*)::INTEGER
FROM retention_members
GROUP BY ALL
UNION ALL
SELECT cohort_event_id, 2, cohort_month, combo_id, 1, least(greatest(last_month_offset, 0), $max_month_offset), count(*)::INTEGER
FROM retention_members
GROUP BY ALL
UNION ALL
SELECT cohort_event_id, 0, cohort_date, combo_id, 2, bracket, count(*)::INTEGER
FROM member_brackets
GROUP BY ALL
UNION ALL
SELECT cohort_event_id, 1, cohort_week, combo_id, 2, bracket, count(*)::INTEGER
FROM member_brackets
GROUP BY ALL
UNION ALL
SELECT cohort_event_id, 2, cohort_month, combo_id, 2, bracket, count(*)::INTEGER
FROM member_brackets
GROUP BY ALL;

CREATE OR REPLACE TABLE marts.retention AS
WITH grains AS (
    SELECT * FROM (VALUES (0, 'day', $max_day_offset), (1, 'week', $max_week_offset), (2, 'month', $max_month_offset))
        AS g(grain_id, grain, max_offset)
),

cohort_events AS (
    SELECT * FROM (VALUES (0, 'first_seen'), (1, 'signup')) AS e(cohort_event_id, cohort_event)
),

bounds AS (
    SELECT max(event_date) AS last_date FROM core.user_days
),

brackets AS (
    SELECT
        unnest(range(len($bracket_lows::INTEGER[]))) AS bracket,
        unnest($bracket_highs::INTEGER[]) AS high,
        unnest($bracket_labels::VARCHAR[]) AS label
),

-- Every user has one combination of segment values; each combination belongs to one
-- value of every segment type (and to 'all'). Counts per combination therefore add up
-- exactly to counts per segment value.
combo_segments AS (
    SELECT combo_id, segment.segment_type, segment.segment_value
    FROM (
        SELECT
            combo_id,
            unnest([
                {'segment_type': 'all', 'segment_value': 'all'},
                {'segment_type': 'signup_method', 'segment_value': signup_method},
                {'segment_type': 'utm_source', 'segment_value': utm_source},
                {'segment_type': 'platform', 'segment_value': platform}
            ]) AS segment
        FROM retention_combos
    )
    WHERE segment.segment_type = 'all' OR list_contains($segments::VARCHAR[], segment.segment_type)
),

segments AS (
    SELECT row_number() OVER (ORDER BY segment_type, segment_value)::INTEGER AS segment_id, segment_type, segment_value
    FROM (SELECT DISTINCT segment_type, segment_value FROM combo_segments)
),

combo_segment_ids AS (
    SELECT c.combo_id, s.segment_id
    FROM combo_segments AS c
    JOIN segments AS s USING (segment_type, segment_value)
),

counts AS (
    SELECT c.cohort_event_id, c.grain_id, c.cohort_start, s.segment_id, c.kind_id, c.period_offset, sum(c.n) AS n
    FROM retention_counts AS c
    JOIN combo_segment_ids AS s USING (combo_id)
    GROUP BY ALL
),

cohorts AS (
    SELECT c.cohort_event_id, c.grain_id, g.max_offset, c.cohort_start, c.segment_id, sum(c.n) AS cohort_size
    FROM counts AS c
    JOIN grains AS g USING (grain_id)
    WHERE c.kind_id = 1
    GROUP BY ALL
),

offset_cells AS (
    SELECT c.* EXCLUDE (max_offset), o.period_offset
    FROM cohorts AS c, unnest(range(c.max_offset + 1)) AS o(period_offset)
),

cells AS (
    SELECT x.*, 'n_day' AS method, coalesce(n.n, 0) AS retained
    FROM offset_cells AS x
    LEFT JOIN (SELECT * FROM counts WHERE kind_id = 0) AS n
        USING (cohort_event_id, grain_id, cohort_start, segment_id, period_offset)
    UNION ALL
    -- rolling: users whose last active offset is k or later
    SELECT x.*, 'rolling', coalesce(sum(l.n) OVER (
        PARTITION BY x.cohort_event_id, x.grain_id, x.cohort_start, x.segment_id
        ORDER BY x.period_offset DESC
    ), 0)
    FROM offset_cells AS x
    LEFT JOIN (SELECT * FROM counts WHERE kind_id = 1) AS l
        USING (cohort_event_id, grain_id, cohort_start, segment_id, period_offset)
    UNION ALL
    SELECT c.* EXCLUDE (max_offset), b.bracket, 'range', coalesce(r.n, 0)
    FROM cohorts AS c
    CROSS JOIN brackets AS b
    LEFT JOIN (SELECT * FROM counts WHERE kind_id = 2) AS r
        ON r.cohort_event_id = c.cohort_event_id AND r.grain_id = c.grain_id AND r.cohort_start = c.cohort_start
        AND r.segment_id = c.segment_id AND r.period_offset = b.bracket
),

observed AS (
    SELECT
        c.*,
        c.period_offset = 0 OR CASE c.method
            WHEN 'range' THEN period_end_of(c.grain, c.cohort_start) + b.high <= bounds.last_date
            ELSE period_end_of(c.grain, period_add(c.grain, c.cohort_start, c.period_offset)) <= bounds.last_date
        END AS is_observed,
        CASE c.method
            WHEN 'range' THEN b.label
            ELSE CASE c.grain WHEN 'day' THEN 'Day ' WHEN 'week' THEN 'Week ' ELSE 'Month ' END || c.period_offset
        END AS period_label
    FROM (SELECT * FROM cells JOIN grains USING (grain_id)) AS c
    CROSS JOIN bounds
    LEFT JOIN brackets AS b ON c.method = 'range' AND b.bracket = c.period_offset
)

SELECT
    cohort_event,
    grain AS cohort_grain,
    cohort_start,
    method,
    period_offset::INTEGER AS period_offset,
    period_label,
    cohort_size::BIGINT AS cohort_size,
    CASE WHEN period_offset = 0 THEN cohort_size WHEN is_observed THEN retained END::BIGINT AS retained_users,
    CASE WHEN period_offset = 0 THEN 1.0 WHEN is_observed THEN retained / cohort_size END AS retention_rate,
    s.segment_type,
    s.segment_value
FROM observed
JOIN segments AS s USING (segment_id)
JOIN cohort_events USING (cohort_event_id);

DROP TABLE retention_counts;
DROP TABLE retention_members;
DROP TABLE retention_combos;
