-- marts.funnel — grain: one row per (funnel_name, step_number, segment_type, segment_value).
-- Funnels come from retainly.yaml (`funnels`). A user converts on step n when step n
-- happens strictly after step n-1 and within the funnel's window (default 14 days) of
-- step 1. Each user counts once, with the attempt (step-1 event) that gets furthest;
-- among equally far attempts, the latest one (funnel_attempts.sql, funnel_advance.sql).
--   users: users whose best attempt reached step n;
--   conversion_from_start = users / users at step 1; conversion_from_previous = users /
--   users at step n-1 (NULL when that is 0);
--   median_seconds_from_previous: median over those users of the seconds between their
--   step n-1 and step n events (NULL for step 1).
-- Segments: 'all' / 'all', signup_method ('(none)'), first-touch utm_source ('(direct)'),
-- platform ('unknown'). Identity: users never increase along the steps.
-- This file summarizes the funnel whose attempts are in funnel_attempts into funnel_results.
-- Parameters: funnel_name, step_labels, segments.
INSERT INTO funnel_results
WITH best AS (
    SELECT
        uid,
        max(level) AS level,
        arg_max(seconds_between, (level, start_ts)) AS seconds_between
    FROM funnel_attempts
    GROUP BY uid
),

steps AS (
    SELECT unnest(range(1, len($step_labels::VARCHAR[]) + 1)) AS step_number, unnest($step_labels::VARCHAR[]) AS step_name
),

-- Segment values joined once per user, before the rows are repeated for each step reached.
users AS (
    SELECT
        b.level,
        b.seconds_between,
        coalesce(u.signup_method, '(none)') AS signup_method,
        coalesce(u.first_utm_source, '(direct)') AS utm_source,
        coalesce(u.platform, 'unknown') AS platform
    FROM best AS b
    JOIN core.users AS u ON u.user_uid = b.uid
),

reached AS (
    SELECT
        s.step_number,
        u.signup_method,
        u.utm_source,
        u.platform,
        u.seconds_between[s.step_number - 1] AS seconds_from_previous
    FROM users AS u
    JOIN steps AS s ON s.step_number <= u.level
),

grouped AS (
    SELECT
        step_number,
        CASE
            WHEN grouping(signup_method) = 0 THEN 'signup_method'
            WHEN grouping(utm_source) = 0 THEN 'utm_source'
            WHEN grouping(platform) = 0 THEN 'platform'
            ELSE 'all'
        END AS segment_type,
        coalesce(signup_method, utm_source, platform, 'all') AS segment_value,
        count(*) AS users,
        median(seconds_from_previous) AS median_seconds_from_previous
    FROM reached
    GROUP BY GROUPING SETS ((step_number), (step_number, signup_method), (step_number, utm_source), (step_number, platform))
),

segment_values AS (
    SELECT DISTINCT segment_type, segment_value
    FROM grouped
    WHERE step_number = 1 AND (segment_type = 'all' OR list_contains($segments::VARCHAR[], segment_type))
),

cells AS (
    SELECT
        s.step_number,
        s.step_name,
        v.segment_type,
        v.segment_value,
        coalesce(g.users, 0) AS users,
        g.median_seconds_from_previous
    FROM segment_values AS v
    CROSS JOIN steps AS s
    LEFT JOIN grouped AS g USING (step_number, segment_type, segment_value)
)

SELECT
    $funnel_name AS funnel_name,
    step_number,
    step_name,
    segment_type,
    segment_value,
    users,
    users / nullif(first_value(users) OVER w, 0) AS conversion_from_start,
    CASE WHEN step_number > 1 THEN users / nullif(lag(users) OVER w, 0) END AS conversion_from_previous,
    median_seconds_from_previous
FROM cells
WINDOW w AS (PARTITION BY segment_type, segment_value ORDER BY step_number);
