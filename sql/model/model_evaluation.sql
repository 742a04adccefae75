-- Evaluation marts of registered activity-model versions, for Grafana; each keeps every
-- version (re-publishing a version replaces its rows). Read from the version's
-- metrics.json (validation snapshot, time-based split) via the registered frames
-- model_lift_rows, model_calibration_rows, model_metrics_rows, model_feature_importance_rows.
-- The tables are created by model_evaluation_schema.sql.
--   marts.model_lift — grain: (model_version, decile); decile 1 = top 10% by p_active;
--     lift = actual_rate / overall actual rate.
--   marts.model_calibration — grain: (model_version, bin); bin k holds predictions in
--     [k/10, (k+1)/10); p_mean = mean predicted p_active, actual_rate = observed share active.
--   marts.model_metrics — grain: (model_version, model, metric); models = lightgbm and the
--     baselines on the same validation snapshot.
--   marts.model_feature_importance — grain: (model_version, target, feature); gain share.
DELETE FROM marts.model_lift WHERE model_version = $model_version;
DELETE FROM marts.model_calibration WHERE model_version = $model_version;
DELETE FROM marts.model_metrics WHERE model_version = $model_version;
DELETE FROM marts.model_feature_importance WHERE model_version = $model_version;
INSERT INTO marts.model_lift BY NAME SELECT $model_version AS model_version, * FROM model_lift_rows;
INSERT INTO marts.model_calibration BY NAME SELECT $model_version AS model_version, * FROM model_calibration_rows;
INSERT INTO marts.model_metrics BY NAME SELECT $model_version AS model_version, * FROM model_metrics_rows;
INSERT INTO marts.model_feature_importance BY NAME SELECT $model_version AS model_version, * FROM model_feature_importance_rows;
