-- marts.funnel from the per-funnel summaries in funnel_results (see funnel.sql).
CREATE OR REPLACE TABLE marts.funnel AS
SELECT * FROM funnel_results
ORDER BY funnel_name, segment_type, segment_value, step_number;

DROP TABLE funnel_results;
DROP TABLE IF EXISTS funnel_attempts;
DROP TABLE IF EXISTS funnel_events;
DROP TABLE IF EXISTS funnel_seconds;
DROP TABLE IF EXISTS funnel_steps;
