-- marts.activity_by_segment — grain: one row per (segment_type, segment_value) of the
-- current marts.activity_scores; segment_type ∈ all, channel, signup_method, platform, plan.
-- p_active_mean = average predicted probability of staying active over the horizon;
-- top_decile_share = share of the segment's users in the top 10% of scores (0.1 = average);
-- index_vs_all = p_active_mean / p_active_mean of all users. The *_new columns keep users
-- first seen in the last $recent_days days up to as_of: the acquisition view of which
-- channels bring users who stay, free of the survivorship of older users.
CREATE OR REPLACE TABLE marts.activity_by_segment AS
WITH scores AS (
    SELECT * FROM marts.activity_scores
),

overall AS (
    SELECT avg(p_active) AS p_active_mean_all FROM scores
),

segmented AS (
    SELECT 'all' AS segment_type, 'all' AS segment_value, * FROM scores
    UNION ALL
    SELECT 'channel', channel, * FROM scores
    UNION ALL
    SELECT 'signup_method', signup_method, * FROM scores
    UNION ALL
    SELECT 'platform', platform, * FROM scores
    UNION ALL
    SELECT 'plan', plan, * FROM scores
)

SELECT
    any_value(s.as_of) AS as_of,
    any_value(s.model_version) AS model_version,
    s.segment_type,
    s.segment_value,
    count(*) AS users,
    avg(s.p_active) AS p_active_mean,
    avg(s.expected_active_days) AS expected_active_days_mean,
    avg((s.score_percentile > 90)::INTEGER) AS top_decile_share,
    avg(s.p_active) / any_value(o.p_active_mean_all) AS index_vs_all,
    count(*) FILTER (WHERE s.tenure_days < $recent_days) AS new_users,
    avg(s.p_active) FILTER (WHERE s.tenure_days < $recent_days) AS p_active_mean_new,
    avg(s.expected_active_days) FILTER (WHERE s.tenure_days < $recent_days) AS expected_active_days_mean_new
FROM segmented AS s
CROSS JOIN overall AS o
GROUP BY s.segment_type, s.segment_value
ORDER BY s.segment_type, users DESC, s.segment_value;
