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
-- bracket_lows, bracket_highs, bracket_labels, segments, offset_radix (greater than every
-- offset and bracket index).

-- A cohort (cohort event, grain, start date) as one integer, and a cell (a cohort's offset)
-- as cohort * offset_radix + offset: the roll-up, the join and the window below key on one
-- BIGINT instead of four columns. The start date is stored as its day number (shifted to stay
-- positive for any DATE).
CREATE OR REPLACE TEMP MACRO retention_cohort_key(cohort_event_id, grain_id, cohort_start) AS
    ((cohort_event_id * 3 + grain_id) * 4194304 + (cohort_start - DATE '1970-01-01') + 2097152)::BIGINT;

CREATE OR REPLACE TEMP MACRO retention_cohort_event_id(cohort_key) AS (cohort_key // 4194304 // 3)::INTEGER;

CREATE OR REPLACE TEMP MACRO retention_grain_id(cohort_key) AS (cohort_key // 4194304 % 3)::INTEGER;

CREATE OR REPLACE TEMP MACRO retention_cohort_start(cohort_key) AS
    (DATE '1970-01-01' + (cohort_key % 4194304 - 2097152)::INTEGER)::DATE;

-- The range brackets of the configuration: index, day offsets low … high, label.
CREATE OR REPLACE TEMP TABLE retention_brackets AS
SELECT
    unnest(range(len($bracket_lows::INTEGER[]))) AS bracket,
    unnest($bracket_lows::INTEGER[]) AS low,
    unnest($bracket_highs::INTEGER[]) AS high,
    unnest($bracket_labels::VARCHAR[]) AS label;

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

-- One row per user and cohort event. The cohort's week and month (start and number) and
-- the user's last active offsets are computed once here.
CREATE OR REPLACE TEMP TABLE retention_members AS
WITH users AS (
    SELECT
        u.user_uid AS uid,
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

-- member_set: the cohort events a member row stands for (integer keys keep the big GROUP BYs
-- cheap): 0 = 'first_seen', 1 = 'signup', 2 = both. A user who signed up on their first-seen
-- date is in both cohorts with the same cohort date, the same days and the same segment
-- values, so one row counts for both (most sign-ups happen on the first day: this halves the
-- days to unnest and count); cohort_event_sets expands the counts to each cohort event.
members AS (
    SELECT
        uid,
        CASE WHEN signup_date = first_seen_date THEN 2 ELSE 0 END AS member_set,
        first_seen_date AS cohort_date,
        last_active_date,
        combo_id
    FROM users
    WHERE last_active_date IS NOT NULL
    UNION ALL
    SELECT uid, 1, signup_date, last_active_date, combo_id
    FROM users
    WHERE signup_date IS NOT NULL AND (last_active_date IS NULL OR signup_date IS DISTINCT FROM first_seen_date)
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

-- Sparse counts per cell (cohort_event_id, grain_id, cohort_start, period_offset; see
-- retention_cohort_key) and combo_id; grain_id 0 = day, 1 = week, 2 = month. Each row has
-- one count of one kind (kind_id below), the others 0:
--   n_day   users active in period offset k (1 <= k <= max offset);
--   last_n  users whose last active period is offset k (capped to 0 … max offset);
--   range_n users active in bracket k.
CREATE OR REPLACE TEMP TABLE retention_counts AS
WITH bracket_days AS (
    SELECT bracket, low, unnest(range(low, high + 1)) AS day_offset FROM retention_brackets
),

-- Each member's active dates (with the previous active date), on or after the cohort date:
-- members are joined to their users' date lists before unnesting (a join of one row per
-- member, not one per user-day).
days AS (
    SELECT
        *,
        week_index(event_date, $week_start) AS week,
        month_index(event_date) AS month,
        previous_date IS NULL
            OR week_index(previous_date, $week_start) < week_index(event_date, $week_start) AS is_first_in_week,
        previous_date IS NULL OR month_index(previous_date) < month_index(event_date) AS is_first_in_month
    FROM (
        SELECT
            m.member_set,
            m.combo_id,
            m.cohort_date,
            m.cohort_week,
            m.cohort_month,
            m.cohort_week_index,
            m.cohort_month_index,
            unnest(a.dates) AS event_date,
            unnest([NULL::DATE] || a.dates[:-2]) AS previous_date
        FROM retention_members AS m
        JOIN core.user_activity AS a ON a.user_uid = m.uid
    )
    WHERE event_date >= cohort_date
),

-- Each active day on or after the cohort date, with the offsets it falls in. A user counts
-- once in a later period: on their first active day in it (previous active date in an
-- earlier period), so no DISTINCT is needed. Offset 0 is the cohort itself. Days that
-- count in no cell (beyond every offset and bracket) are dropped here.
member_days AS MATERIALIZED (
    SELECT
        member_set,
        combo_id,
        cohort_date,
        cohort_week,
        cohort_month,
        event_date - cohort_date AS day_offset,
        coalesce(previous_date - cohort_date, -1) AS previous_day_offset,
        week - cohort_week_index AS week_offset,
        is_first_in_week,
        month - cohort_month_index AS month_offset,
        is_first_in_month
    FROM days
    WHERE event_date - cohort_date <= greatest($max_day_offset, list_max($bracket_highs::INTEGER[]))
        OR (is_first_in_week AND week - cohort_week_index <= $max_week_offset)
        OR (is_first_in_month AND month - cohort_month_index <= $max_month_offset)
),

-- A user is in a bracket once: on their first active day in it (the previous active day,
-- if any, has a smaller offset than the bracket's low end), so no DISTINCT is needed.
member_brackets AS (
    SELECT m.member_set, m.combo_id, m.cohort_date, m.cohort_week, m.cohort_month, b.bracket
    FROM member_days AS m
    JOIN bracket_days AS b USING (day_offset)
    WHERE m.previous_day_offset < b.low
),

-- Counted once per member row, then once per cohort event the row stands for.
sparse AS (
    SELECT member_set, 0 AS grain_id, cohort_date AS cohort_start, combo_id, 0 AS kind_id, day_offset AS period_offset, count(*)::INTEGER AS n
    FROM member_days
    WHERE day_offset BETWEEN 1 AND $max_day_offset
    GROUP BY ALL
    UNION ALL
    SELECT member_set, 1, cohort_week, combo_id, 0, week_offset, count(*)::INTEGER
    FROM member_days
    WHERE is_first_in_week AND week_offset BETWEEN 1 AND $max_week_offset
    GROUP BY ALL
    UNION ALL
    SELECT member_set, 2, cohort_month, combo_id, 0, month_offset, count(*)::INTEGER
    FROM member_days
    WHERE is_first_in_month AND month_offset BETWEEN 1 AND $max_month_offset
    GROUP BY ALL
    UNION ALL
    SELECT member_set, 0, cohort_date, combo_id, 1, least(greatest(last_day_offset, 0), $max_day_offset), count(*)::INTEGER
    FROM retention_members
    GROUP BY ALL
    UNION ALL
    SELECT member_set, 1, cohort_week, combo_id, 1, least(greatest(last_week_offset, 0), $max_week_offset), count(*)::INTEGER
    FROM retention_members
    GROUP BY ALL
    UNION ALL
    SELECT member_set, 2, cohort_month, combo_id, 1, least(greatest(last_month_offset, 0), $max_month_offset), count(*)::INTEGER
    FROM retention_members
    GROUP BY ALL
    UNION ALL
    SELECT member_set, 0, cohort_date, combo_id, 2, bracket, count(*)::INTEGER
    FROM member_brackets
    GROUP BY ALL
    UNION ALL
    SELECT member_set, 1, cohort_week, combo_id, 2, bracket, count(*)::INTEGER
    FROM member_brackets
    GROUP BY ALL
    UNION ALL
    SELECT member_set, 2, cohort_month, combo_id, 2, bracket, count(*)::INTEGER
    FROM member_brackets
    GROUP BY ALL
),

cohort_event_sets AS (
    SELECT * FROM (VALUES (0, 0), (1, 1), (2, 0), (2, 1)) AS s(member_set, cohort_event_id)
)

SELECT
    retention_cohort_key(s.cohort_event_id, c.grain_id, c.cohort_start) * $offset_radix + c.period_offset AS cell,
    c.combo_id,
    CASE WHEN c.kind_id = 0 THEN c.n ELSE 0 END AS n_day,
    CASE WHEN c.kind_id = 1 THEN c.n ELSE 0 END AS last_n,
    CASE WHEN c.kind_id = 2 THEN c.n ELSE 0 END AS range_n
FROM sparse AS c
JOIN cohort_event_sets AS s USING (member_set);

-- The mart's rows of one cohort: every (offset, method) of its grain, with the text columns
-- and the bracket's upper bound, built once here (a few hundred rows) and joined to each
-- cohort, not computed per row.
CREATE OR REPLACE TEMP TABLE retention_grain_cells AS
WITH grains AS (
    SELECT * FROM (VALUES (0, 'day', $max_day_offset), (1, 'week', $max_week_offset), (2, 'month', $max_month_offset))
        AS g(grain_id, grain, max_offset)
)

SELECT
    g.grain_id,
    o.period_offset,
    m.method_id,
    g.grain::ENUM('day', 'week', 'month') AS cohort_grain,
    m.method::ENUM('n_day', 'rolling', 'range') AS method,
    CASE
        WHEN m.method = 'range' THEN b.label
        ELSE CASE g.grain WHEN 'day' THEN 'Day ' WHEN 'week' THEN 'Week ' ELSE 'Month ' END || o.period_offset
    END AS period_label,
    b.high AS bracket_high
FROM grains AS g,
    unnest(range(greatest(g.max_offset + 1, len($bracket_lows::INTEGER[])))) AS o(period_offset)
CROSS JOIN (VALUES (0, 'n_day'), (1, 'rolling'), (2, 'range')) AS m(method_id, method)
LEFT JOIN retention_brackets AS b ON b.bracket = o.period_offset
WHERE CASE WHEN m.method = 'range' THEN b.bracket IS NOT NULL ELSE o.period_offset <= g.max_offset END;

-- Every text column of the mart is an ENUM: a one-byte code per row instead of a string
-- (storing the strings of 900,000 rows was most of the cost of writing the table). The
-- labels and segment values come from the configuration and the data, so their types are
-- made here (temporary: the table keeps its own copy). Values are in text order, so
-- comparing and sorting behave as for text; they cast to text as usual and are published
-- to PostgreSQL as text.
CREATE OR REPLACE TEMP TYPE retention_period_label AS ENUM (
    SELECT DISTINCT period_label FROM retention_grain_cells ORDER BY period_label
);

CREATE OR REPLACE TEMP TYPE retention_segment_value AS ENUM (
    SELECT DISTINCT unnest(['all', signup_method, utm_source, platform]) AS segment_value
    FROM retention_combos
    ORDER BY segment_value
);

-- The mart has a row for every offset and method of every cohort and segment value (most
-- of its cost): the counts are rolled up once per (cohort, segment, offset), joined once to
-- the offsets of each cohort, and "observed" is an integer comparison with each cohort's
-- last observed offset or days observed (computed per cohort, not per cell).
CREATE OR REPLACE TABLE marts.retention AS
WITH grains AS (
    SELECT DISTINCT grain_id, cohort_grain::VARCHAR AS grain FROM retention_grain_cells
),

-- The offsets of each grain, with their labels as the mart stores them.
grain_cells AS (
    SELECT * REPLACE (period_label::retention_period_label AS period_label) FROM retention_grain_cells
),

cohort_events AS (
    SELECT * FROM (VALUES (0, 'first_seen'), (1, 'signup')) AS e(cohort_event_id, cohort_event)
),

bounds AS (
    SELECT last_date FROM activity_bounds()
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

-- Each combination's segment id in every segment type (NULL for a type not reported).
combo_segment_ids AS (
    SELECT
        c.combo_id,
        s_all.segment_id AS all_id,
        s_method.segment_id AS method_id,
        s_source.segment_id AS source_id,
        s_platform.segment_id AS platform_id
    FROM retention_combos AS c
    LEFT JOIN segments AS s_all ON s_all.segment_type = 'all'
    LEFT JOIN segments AS s_method ON s_method.segment_type = 'signup_method' AND s_method.segment_value = c.signup_method
    LEFT JOIN segments AS s_source ON s_source.segment_type = 'utm_source' AND s_source.segment_value = c.utm_source
    LEFT JOIN segments AS s_platform ON s_platform.segment_type = 'platform' AND s_platform.segment_value = c.platform
),

-- One row per (cell, segment) with its three counts. One grouping set per segment type
-- (each with a small hash table), not one aggregation over the counts joined to all four; a
-- set whose segment type is not reported (NULL id) is dropped.
counts AS (
    SELECT *
    FROM (
        SELECT
            c.cell,
            CASE
                WHEN grouping(i.all_id) = 0 THEN i.all_id
                WHEN grouping(i.method_id) = 0 THEN i.method_id
                WHEN grouping(i.source_id) = 0 THEN i.source_id
                ELSE i.platform_id
            END AS segment_id,
            sum(c.n_day) AS n_day,
            sum(c.last_n) AS last_n,
            sum(c.range_n) AS range_n
        FROM retention_counts AS c
        JOIN combo_segment_ids AS i USING (combo_id)
        GROUP BY GROUPING SETS ((c.cell, i.all_id), (c.cell, i.method_id), (c.cell, i.source_id), (c.cell, i.platform_id))
    )
    WHERE segment_id IS NOT NULL
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
            *,
            retention_cohort_event_id(cohort_key) AS cohort_event_id,
            retention_grain_id(cohort_key) AS grain_id,
            retention_cohort_start(cohort_key) AS cohort_start
        FROM (
            SELECT cell // $offset_radix AS cohort_key, segment_id, sum(last_n) AS cohort_size
            FROM counts
            GROUP BY ALL
        )
    ) AS c
    JOIN grains AS g USING (grain_id)
    CROSS JOIN bounds AS b
),

-- The offsets each cohort needs (n_day / rolling offsets and brackets), with its counts and
-- the rolling sum: users whose last active offset is k or later.
cells AS (
    SELECT
        c.*,
        o.period_offset,
        coalesce(n.n_day, 0) AS n_day,
        coalesce(n.range_n, 0) AS range_n,
        sum(coalesce(n.last_n, 0)) OVER (PARTITION BY c.cohort_key, c.segment_id ORDER BY o.period_offset DESC) AS rolling
    FROM cohorts AS c
    JOIN (SELECT DISTINCT grain_id, period_offset FROM grain_cells) AS o USING (grain_id)
    LEFT JOIN counts AS n ON n.cell = c.cohort_key * $offset_radix + o.period_offset AND n.segment_id = c.segment_id
),

rows AS (
    SELECT
        c.cohort_event_id,
        c.segment_id,
        g.cohort_grain,
        c.cohort_start,
        g.method,
        c.period_offset,
        g.period_label,
        c.cohort_size,
        CASE WHEN g.method_id = 2 THEN g.bracket_high <= c.days_observed_after ELSE c.period_offset <= c.last_observed_offset END
            AS is_observed,
        CASE g.method_id WHEN 0 THEN c.n_day WHEN 1 THEN c.rolling ELSE c.range_n END AS retained
    FROM cells AS c
    JOIN grain_cells AS g USING (grain_id, period_offset)
),

segment_labels AS (
    SELECT
        segment_id,
        segment_type::ENUM('all', 'signup_method', 'utm_source', 'platform') AS segment_type,
        segment_value::retention_segment_value AS segment_value
    FROM segments
),

cohort_event_labels AS (
    SELECT cohort_event_id, cohort_event::ENUM('first_seen', 'signup') AS cohort_event FROM cohort_events
)

SELECT
    e.cohort_event,
    r.cohort_grain,
    r.cohort_start,
    r.method,
    r.period_offset::INTEGER AS period_offset,
    r.period_label,
    r.cohort_size::BIGINT AS cohort_size,
    CASE WHEN r.period_offset = 0 THEN r.cohort_size WHEN r.is_observed THEN r.retained END::BIGINT AS retained_users,
    CASE WHEN r.period_offset = 0 THEN 1.0 WHEN r.is_observed THEN r.retained / r.cohort_size END AS retention_rate,
    s.segment_type,
    s.segment_value
FROM rows AS r
JOIN segment_labels AS s USING (segment_id)
JOIN cohort_event_labels AS e USING (cohort_event_id);

DROP TABLE retention_counts;
DROP TABLE retention_members;
DROP TABLE retention_combos;
DROP TABLE retention_grain_cells;
DROP TABLE retention_brackets;
