-- marts.activity_scores with no rows, when no model version exists yet (too few users or
-- too little history to train one): the same columns and types as activity_scores.sql
-- writes, so the marts, audiences and dashboards that read it run and show nothing.
CREATE OR REPLACE TABLE marts.activity_scores (
    as_of DATE,
    user_key VARCHAR,
    p_active DOUBLE,
    expected_active_days DOUBLE,
    score_rank BIGINT,
    score_percentile DOUBLE,
    model_version VARCHAR,
    horizon_days BIGINT,
    channel VARCHAR,
    signup_method VARCHAR,
    platform VARCHAR,
    plan VARCHAR,
    is_paid BOOLEAN,
    tenure_days INTEGER,
    days_since_last_active INTEGER
);
