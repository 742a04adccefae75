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
-- Reported segments: 'all' (segment_id 0) and one row per value of each reported segment
-- type, with a small integer id the big aggregations carry instead of the VARCHAR value.
CREATE OR REPLACE TEMP TABLE retention_segments AS
WITH user_segments AS (
    SELECT DISTINCT
        coalesce(signup_method, '(none)') AS signup_method,
        coalesce(first_utm_source, '(direct)') AS utm_source,
        coalesce(platform, 'unknown') AS platform
    FROM core.users
),

typed AS (
    SELECT DISTINCT segment.segment_type, segment.segment_value
    FROM (
        SELECT unnest([
            {'segment_type': 'signup_method', 'segment_value': signup_method},
            {'segment_type': 'utm_source', 'segment_value': utm_source},
            {'segment_type': 'platform', 'segment_value': platform}
        ]) AS segment
        FROM user_segments
    )
    WHERE list_contains($segments::VARCHAR[], segment.segment_type)
)

SELECT 0 AS segment_id, 'all' AS segment_type, 'all' AS segment_value
UNION ALL
SELECT row_number() OVER (ORDER BY segment_type, segment_value)::INTEGER, segment_type, segment_value
FROM typed;

-- One row per user and cohort event, with the user's segment ids (NULL for a segment type
-- not reported). The cohort's week and month (start and number) and the user's last
-- active offsets are computed once here.
CREATE OR REPLACE TEMP TABLE retention_members AS
WITH users AS (
    SELECT
        a.rowid AS uid,
        u.first_seen_date,
        u.signup_date,
        u.last_active_date,
        s_method.segment_id AS method_id,
        s_source.segment_id AS source_id,
        s_platform.segment_id AS platform_id
    FROM core.users AS u
    LEFT JOIN retention_segments AS s_method
        ON s_method.segment_type = 'signup_method' AND s_method.segment_value = coalesce(u.signup_method, '(none)')
    LEFT JOIN retention_segments AS s_source
        ON s_source.segment_type = 'utm_source' AND s_source.segment_value = coalesce(u.first_utm_source, '(direct)')
    LEFT JOIN retention_segments AS s_platform
        ON s_platform.segment_type = 'platform' AND s_platform.segment_value = coalesce(u.platform, 'unknown')
    LEFT JOIN core.user_activity AS a ON a.user_key = u.user_key
),

-- cohort_event_id: 0 = 'first_seen', 1 = 'signup' (integer keys keep the big GROUP BYs cheap).
members AS (
    SELECT uid, 0 AS cohort_event_id, first_seen_date AS cohort_date, last_active_date, method_id, source_id, platform_id
    FROM users
    WHERE last_active_date IS NOT NULL
    UNION ALL
    SELECT uid, 1, signup_date, last_active_date, method_id, source_id, platform_id
    FROM users
    WHERE signup_date IS NOT NULL
)

SELECT
    *,
    week_start_of(cohort_date, $week_start) AS cohort_week,
    date_trunc('month', cohort_date)::DATE AS cohort_month,
    week_index(cohort_date, $week_start) AS cohort_week_index,
    month_index(cohort_date) AS cohort_month_index,
    last_active_date - cohort_date AS last_day_offset,
    week_index(last_active_date, $week_start) - week_index(cohort_date, $week_start) AS last_week_offset,
    month_index(last_active_date) - month_index(cohort_date) AS last_month_offset
FROM members;

-- Sparse counts per (cohort_event_id, grain_id, cohort_start, segment_id, period_offset);
-- grain_id 0 = day, 1 = week, 2 = month;
--   n_day   users active in period offset k (1 <= k <= max offset);
--   last_n  users whose last active period is offset k (capped to 0 … max offset);
--   range_n users active in bracket k.
CREATE OR REPLACE TEMP TABLE retention_counts AS
WITH brackets AS (
    SELECT
        unnest(range(len($bracket_lows::INTEGER[]))) AS bracket,
        unnest($bracket_lows::INTEGER[]) AS low,
        unnest($bracket_highs::INTEGER[]) AS high
),

bracket_days AS (
    SELECT bracket, low, unnest(range(low, high + 1)) AS day_offset FROM brackets
),

-- Period numbers of every active day, computed once per user-day (not per cohort member).
days AS (
    SELECT
        uid,
        event_date,
        previous_date,
        week_index(event_date, $week_start) AS week,
        month_index(event_date) AS month,
        previous_date IS NULL
            OR week_index(previous_date, $week_start) < week_index(event_date, $week_start) AS is_first_in_week,
        previous_date IS NULL OR month_index(previous_date) < month_index(event_date) AS is_first_in_month
    FROM activity_days()
),

-- Each active day on or after the cohort date, with the offsets it falls in. A user counts
-- once in a later period: on their first active day in it (previous active date in an
-- earlier period), so no DISTINCT is needed. Offset 0 is the cohort itself. Days that
-- count in no cell (beyond every offset and bracket) are dropped here.
member_days AS MATERIALIZED (
    SELECT
        m.cohort_event_id,
        m.method_id,
        m.source_id,
        m.platform_id,
        m.cohort_date,
        m.cohort_week,
        m.cohort_month,
        d.event_date - m.cohort_date AS day_offset,
        coalesce(d.previous_date - m.cohort_date, -1) AS previous_day_offset,
        d.week - m.cohort_week_index AS week_offset,
        d.is_first_in_week,
        d.month - m.cohort_month_index AS month_offset,
        d.is_first_in_month
    FROM days AS d
    JOIN retention_members AS m ON m.uid = d.uid AND d.event_date >= m.cohort_date
    WHERE d.event_date - m.cohort_date <= greatest($max_day_offset, list_max($bracket_highs::INTEGER[]))
        OR (d.is_first_in_week AND d.week - m.cohort_week_index <= $max_week_offset)
        OR (d.is_first_in_month AND d.month - m.cohort_month_index <= $max_month_offset)
),

-- A user is in a bracket once: on their first active day in it (the previous active day,
-- if any, has a smaller offset than the bracket's low end), so no DISTINCT is needed.
member_brackets AS (
    SELECT m.cohort_event_id, m.method_id, m.source_id, m.platform_id, m.cohort_date, m.cohort_week, m.cohort_month, b.bracket
    FROM member_days AS m
    JOIN bracket_days AS b USING (day_offset)
    WHERE m.previous_day_offset < b.low
),

-- One row per (member, cell) to count: kind_id 0 (n_day), 1 (last), 2 (range).
hits AS (
    SELECT cohort_event_id, 0 AS grain_id, cohort_date AS cohort_start, 0 AS kind_id, day_offset AS period_offset, method_id, source_id, platform_id
    FROM member_days
    WHERE day_offset BETWEEN 1 AND $max_day_offset
    UNION ALL
    SELECT cohort_event_id, 1, cohort_week, 0, week_offset, method_id, source_id, platform_id
    FROM member_days
    WHERE is_first_in_week AND week_offset BETWEEN 1 AND $max_week_offset
    UNION ALL
    SELECT cohort_event_id, 2, cohort_month, 0, month_offset, method_id, source_id, platform_id
    FROM member_days
    WHERE is_first_in_month AND month_offset BETWEEN 1 AND $max_month_offset
    UNION ALL
    SELECT cohort_event_id, 0, cohort_date, 1, least(greatest(last_day_offset, 0), $max_day_offset), method_id, source_id, platform_id
    FROM retention_members
    UNION ALL
    SELECT cohort_event_id, 1, cohort_week, 1, least(greatest(last_week_offset, 0), $max_week_offset), method_id, source_id, platform_id
    FROM retention_members
    UNION ALL
    SELECT cohort_event_id, 2, cohort_month, 1, least(greatest(last_month_offset, 0), $max_month_offset), method_id, source_id, platform_id
    FROM retention_members
    UNION ALL
    SELECT cohort_event_id, 0, cohort_date, 2, bracket, method_id, source_id, platform_id
    FROM member_brackets
    UNION ALL
    SELECT cohort_event_id, 1, cohort_week, 2, bracket, method_id, source_id, platform_id
    FROM member_brackets
    UNION ALL
    SELECT cohort_event_id, 2, cohort_month, 2, bracket, method_id, source_id, platform_id
    FROM member_brackets
),

-- Counted once per segment type (grouping sets: four small hash tables, not one per
-- combination of segment values rolled up later). A segment type that is not reported has
-- NULL ids only: its single group has a NULL segment_id and is dropped.
counted AS (
    SELECT
        cohort_event_id,
        grain_id,
        cohort_start,
        period_offset,
        CASE
            WHEN grouping(method_id) = 0 THEN method_id
            WHEN grouping(source_id) = 0 THEN source_id
            WHEN grouping(platform_id) = 0 THEN platform_id
            ELSE 0
        END AS segment_id,
        count_if(kind_id = 0)::INTEGER AS n_day,
        count_if(kind_id = 1)::INTEGER AS last_n,
        count_if(kind_id = 2)::INTEGER AS range_n
    FROM hits
    GROUP BY GROUPING SETS (
        (cohort_event_id, grain_id, cohort_start, period_offset),
        (cohort_event_id, grain_id, cohort_start, period_offset, method_id),
        (cohort_event_id, grain_id, cohort_start, period_offset, source_id),
        (cohort_event_id, grain_id, cohort_start, period_offset, platform_id)
    )
)

SELECT * FROM counted WHERE segment_id IS NOT NULL;

-- The mart has a row for every offset of every cohort and segment value (most of its cost):
-- the counts are pivoted once per (cohort, segment, offset), joined once to the offsets of
-- each cohort, and "observed" is an integer comparison with each cohort's last observed
-- offset (computed per cohort, not per cell).
CREATE OR REPLACE TABLE marts.retention AS
WITH grains AS (
    SELECT * FROM (VALUES (0, 'day', $max_day_offset), (1, 'week', $max_week_offset), (2, 'month', $max_month_offset))
        AS g(grain_id, grain, max_offset)
),

cohort_events AS (
    SELECT * FROM (VALUES (0, 'first_seen'), (1, 'signup')) AS e(cohort_event_id, cohort_event)
),

bounds AS (
    SELECT last_date FROM activity_bounds()
),

brackets AS (
    SELECT
        unnest(range(len($bracket_lows::INTEGER[]))) AS bracket,
        unnest($bracket_highs::INTEGER[]) AS high,
        unnest($bracket_labels::VARCHAR[]) AS label
),

-- Per cohort: its size and the last offsets whose cells are observed.
--   n_day / rolling: period cohort + k has ended by the last loaded date
--     <=> index(cohort) + k + 1 <= index(period of last_date + 1);
--   range: bracket i is observed when the cohort's last day + its upper bound <= last_date.
cohorts AS (
    SELECT
        c.*,
        period_index(g.grain, b.last_date + 1, $week_start) - period_index(g.grain, c.cohort_start, $week_start) - 1
            AS last_observed_offset,
        b.last_date - period_end_of(g.grain, c.cohort_start) AS days_observed_after
    FROM (
        SELECT
            cohort_event_id, grain_id, cohort_start, segment_id, sum(last_n) AS cohort_size,
            -- one integer per cohort and segment, for the rolling sums' window
            row_number() OVER () AS cohort_id
        FROM retention_counts
        GROUP BY ALL
    ) AS c
    JOIN grains AS g USING (grain_id)
    CROSS JOIN bounds AS b
),

-- The offsets of each grain: 0 … max offset for n_day / rolling, and the brackets.
offsets AS (
    SELECT g.grain_id, o.period_offset, o.period_offset <= g.max_offset AS is_period, b.bracket IS NOT NULL AS is_bracket
    FROM grains AS g,
        unnest(range(greatest(g.max_offset + 1, len($bracket_lows::INTEGER[])))) AS o(period_offset)
    LEFT JOIN brackets AS b ON b.bracket = o.period_offset
),

cells AS MATERIALIZED (
    SELECT
        c.cohort_event_id,
        c.grain_id,
        c.cohort_start,
        c.segment_id,
        o.period_offset,
        o.is_period,
        o.is_bracket,
        c.cohort_size,
        c.last_observed_offset,
        c.days_observed_after,
        coalesce(n.n_day, 0) AS n_day,
        coalesce(n.range_n, 0) AS range_n,
        -- rolling: users whose last active offset is k or later
        sum(coalesce(n.last_n, 0)) OVER (
            PARTITION BY c.cohort_id
            ORDER BY o.period_offset DESC
        ) AS rolling
    FROM cohorts AS c
    JOIN offsets AS o USING (grain_id)
    LEFT JOIN retention_counts AS n USING (cohort_event_id, grain_id, cohort_start, segment_id, period_offset)
),

methods AS (
    SELECT
        cohort_event_id, grain_id, cohort_start, segment_id, period_offset, cohort_size,
        'n_day' AS method,
        period_offset <= last_observed_offset AS is_observed,
        n_day AS retained
    FROM cells
    WHERE is_period
    UNION ALL
    SELECT
        cohort_event_id, grain_id, cohort_start, segment_id, period_offset, cohort_size,
        'rolling',
        period_offset <= last_observed_offset,
        rolling
    FROM cells
    WHERE is_period
    UNION ALL
    SELECT
        c.cohort_event_id, c.grain_id, c.cohort_start, c.segment_id, c.period_offset, c.cohort_size,
        'range',
        b.high <= c.days_observed_after,
        c.range_n
    FROM cells AS c
    JOIN brackets AS b ON b.bracket = c.period_offset
    WHERE c.is_bracket
)

SELECT
    e.cohort_event,
    g.grain AS cohort_grain,
    m.cohort_start,
    m.method,
    m.period_offset::INTEGER AS period_offset,
    CASE m.method
        WHEN 'range' THEN b.label
        ELSE CASE g.grain WHEN 'day' THEN 'Day ' WHEN 'week' THEN 'Week ' ELSE 'Month ' END || m.period_offset
    END AS period_label,
    m.cohort_size::BIGINT AS cohort_size,
    CASE WHEN m.period_offset = 0 THEN m.cohort_size WHEN m.is_observed THEN m.retained END::BIGINT AS retained_users,
    CASE WHEN m.period_offset = 0 THEN 1.0 WHEN m.is_observed THEN m.retained / m.cohort_size END AS retention_rate,
    s.segment_type,
    s.segment_value
FROM methods AS m
JOIN grains AS g USING (grain_id)
JOIN retention_segments AS s USING (segment_id)
JOIN cohort_events AS e USING (cohort_event_id)
LEFT JOIN brackets AS b ON m.method = 'range' AND b.bracket = m.period_offset;

DROP TABLE retention_counts;
DROP TABLE retention_members;
DROP TABLE retention_segments;
