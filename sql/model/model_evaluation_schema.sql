-- The evaluation marts of model_evaluation.sql (their grains are described there), created
-- empty when missing: before the first model version exists they are published and read
-- by the dashboards as empty tables.
CREATE TABLE IF NOT EXISTS marts.model_lift (
    model_version VARCHAR, decile INTEGER, users BIGINT, positives BIGINT,
    p_active_mean DOUBLE, actual_rate DOUBLE, lift DOUBLE
);
CREATE TABLE IF NOT EXISTS marts.model_calibration (
    model_version VARCHAR, bin INTEGER, p_mean DOUBLE, actual_rate DOUBLE, users BIGINT
);
CREATE TABLE IF NOT EXISTS marts.model_metrics (
    model_version VARCHAR, validation_as_of DATE, model VARCHAR, metric VARCHAR, value DOUBLE
);
CREATE TABLE IF NOT EXISTS marts.model_feature_importance (
    model_version VARCHAR, target VARCHAR, feature VARCHAR, gain DOUBLE, gain_share DOUBLE
);
