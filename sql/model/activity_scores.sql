-- marts.activity_scores — grain: one row per user_key first seen on or before as_of, for
-- the latest scoring run (rescoring replaces the table). p_active = calibrated
-- P(at least one active day in (as_of, as_of + horizon_days]); expected_active_days = the
-- expected number of such days. score_rank 1 = most likely to stay active (ties: more
-- expected days, then user_key; computed with the predictions by
-- models.activity.score.score_ranks, an Arrow sort that is cheaper than a window over 2M
-- rows); score_percentile = 100 × share of users ranked at or below this one, so the top
-- 10% is score_percentile > 90. Segment columns are the point-in-time features at as_of.
CREATE OR REPLACE TABLE marts.activity_scores AS
SELECT
    $as_of::DATE AS as_of,
    user_key,
    p_active,
    expected_active_days,
    score_rank,
    100.0 * ($users - score_rank + 1) / $users AS score_percentile,
    $model_version::VARCHAR AS model_version,
    $horizon_days::BIGINT AS horizon_days,
    channel::VARCHAR AS channel,
    signup_method::VARCHAR AS signup_method,
    platform::VARCHAR AS platform,
    plan::VARCHAR AS plan,
    is_paid,
    tenure_days,
    days_since_last_active
FROM model_scored;
