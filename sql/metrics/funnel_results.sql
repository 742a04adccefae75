-- Empty per-run accumulator of funnel summaries (filled by funnel.sql, published by
-- funnel_publish.sql as marts.funnel).
CREATE OR REPLACE TEMP TABLE funnel_results (
    funnel_name VARCHAR,
    step_number INTEGER,
    step_name VARCHAR,
    segment_type VARCHAR,
    segment_value VARCHAR,
    users BIGINT,
    conversion_from_start DOUBLE,
    conversion_from_previous DOUBLE,
    median_seconds_from_previous DOUBLE
);
